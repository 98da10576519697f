//! Lesson 11: the pinned-key mutual handshake, 224 bytes.
//!
//! ```text
//! Client                                             Server
//!   ClientHello  = client_share                32 -->
//!            <-- ServerHello = server_share || server_sig   96
//!   ClientAuth   = client_sig || client_key    96 -->
//!                                     policy decides; under the transcript
//!                                     binding the client's first record
//!   first record                                 -->  must also open
//! ```
//!
//! What each signature covers (see [`Binding`]):
//!
//! | binding            | server signs                                   | client signs |
//! |--------------------|------------------------------------------------|--------------|
//! | `InsecureLesson11` | `server_share`                                 | `client_share` |
//! | `Transcript`       | pad, server context, `SHA-256(M1 \|\| server_share)` | pad, client context, `SHA-256(M1 \|\| M2 \|\| client_key)` |
//!
//! and the session keys come from [`crate::schedule`] with the salt
//! `SHA-256(M1 || M2 || M3)` under the transcript binding, none under
//! lesson11.
//!
//! The same steps run any [`KeyExchange`]: [`Client::start`] and
//! [`Server::new`] are X25519's (224 bytes); [`Client::start_kex`] and
//! [`Server::with_kex`] take the key exchange as a value, such as
//! `X25519MlKem768` (feature `pq`, Lesson 19: 2,496 bytes). Only messages
//! 1 and 2 change; message 3 and every check stay as they are.
//!
//! They run any [`IdentityScheme`] too: [`Client::start_with`] and
//! [`Server::with_identity`] take it as a value, such as `MlDsa65`
//! (feature `pq`, Lesson 19), whose 3,309-byte signatures and 1,952-byte
//! keys take the places of Ed25519's 64 and 32 (`crate::ml_dsa` has the
//! messages). What each signature covers stays as in the table above.
//!
//! # Examples
//!
//! A whole handshake between two variables:
//!
//! ```
//! use learn_mtls::handshake::{mutual, Binding, HandshakeError};
//! use learn_mtls::keys::IdentityKey;
//! use learn_mtls::trust::{ClientName, PinnedClient};
//! # let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
//!
//! let server_key = IdentityKey::generate(&mut rng);
//! let client_key = IdentityKey::generate(&mut rng);
//! let policy = PinnedClient::new(client_key.public(), ClientName::new("alice").unwrap());
//! let binding = Binding::Transcript;
//!
//! // -> client_share
//! let (client, hello) = mutual::Client::start(&mut rng, &client_key, server_key.public(), binding);
//! // <- server_share, server_sig
//! let (server, server_hello) = mutual::Server::new(&server_key, binding).read_client_hello(&mut rng, &hello)?;
//! // -> client_sig, client_key
//! let (mut client_session, auth) = client.read_server_hello(&server_hello)?;
//! let verified = server.read_client_auth(&auth, &policy)?;
//!
//! // -> first record: confirms the keys, then the client counts as authenticated
//! let mut record = [0u8; 64];
//! let len = client_session.seal(b"hello", &mut record)?;
//! let mutual::ClientVerified::ExpectKeyConfirmation(pending) = verified else { unreachable!() };
//! let (accepted, first_message) = pending.confirm(&mut record[..len])?;
//! assert_eq!(first_message, b"hello");
//! assert_eq!(accepted.client.name.as_str(), "alice");
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use core::marker::PhantomData;

use rand_core::CryptoRng;

use super::{
    Binding, Config, HandshakeError, MUTUAL_CLIENT, MUTUAL_SERVER, ToSign, Transcript,
    answer_client_hello, check_server_hello, server_signed, session,
};
use crate::identity::{Ed25519, IdentityScheme, PeerKey};
use crate::kex::{KeyExchange, X25519};
use crate::keys::{IdentityKey, PublicIdentity};
use crate::record::{Session, Side};
use crate::trust::{ClientIdentity, TrustPolicy};
use crate::wire::{ClientAuth, ClientHello, Message, ServerHello};

/// What the client signs in message 3: its own message 1 (lesson11: under
/// X25519 that is its 32-byte share), or the transcript `M1 || M2` (fed to
/// `transcript`) followed by its key (transcript).
fn client_signed<'m>(
    config: Config,
    m1: &'m [u8],
    transcript: &Transcript,
    client_key: &[u8],
) -> ToSign<'m> {
    ToSign::new(config, &MUTUAL_CLIENT, m1, &transcript.with(client_key))
}

/// Message 3 as a client holding `identity` signs it after `hello` and
/// `server_hello`: what [`ExpectServerHello::read_server_hello`] sends.
///
/// Whoever holds a client key can sign any handshake it has seen; this is
/// that step on its own, so Lesson 13's insider (who relays alice's
/// messages 1 and 2 and answers with her own message 3) runs the very code
/// an honest client runs. No secret of the session goes into it.
pub fn sign_client_auth(
    identity: &IdentityKey,
    config: impl Into<Config>,
    hello: &ClientHello,
    server_hello: &ServerHello,
) -> ClientAuth {
    let config = config.into();
    let m1 = hello.encode();
    let transcript = Transcript::over(&[&m1, &server_hello.encode()]);
    client_auth::<Ed25519>(identity, config, &m1, &transcript)
}

/// Message 3 after message `m1` and the transcript of messages 1 and 2,
/// whatever the key exchange and identity scheme: the one signing step of
/// [`sign_client_auth`] and of [`ExpectServerHello::read_server_hello`].
fn client_auth<I: IdentityScheme>(
    identity: &I::Secret,
    config: Config,
    m1: &[u8],
    transcript: &Transcript,
) -> I::ClientAuth {
    let key = I::public(identity);
    let signed = client_signed(config, m1, transcript, key.key_bytes());
    I::client_auth(I::sign(identity, signed.as_bytes()), &key)
}

/// Message 2 as a server holding `identity` signs it for `share` after
/// `hello`: what [`Server::read_client_hello`] sends with its fresh share.
///
/// A server signs whatever share it is given; this is that step on its
/// own, so Lesson 13's malicious server (which holds the pinned key and
/// signs a low-order share) runs the very code an honest server runs. The
/// client's check of the share, after the signature, refuses that one.
pub fn sign_server_hello(
    identity: &IdentityKey,
    config: impl Into<Config>,
    hello: &ClientHello,
    share: [u8; crate::wire::SHARE_LEN],
) -> ServerHello {
    // Under X25519 the part of message 2 that is signed is the share itself.
    let config = config.into();
    let transcript = Transcript::over(&[&hello.encode(), &share]);
    let signed = server_signed(config, &MUTUAL_SERVER, &transcript, &share);
    ServerHello {
        share,
        signature: identity.sign(signed.as_bytes()),
    }
}

/// The client, before anything is sent.
pub struct Client;

impl Client {
    /// Starts a handshake: makes an ephemeral key and message 1.
    ///
    /// `server` is the pinned server key: the only key whose signature this
    /// client will accept.
    pub fn start<'a, R: CryptoRng + ?Sized>(
        rng: &mut R,
        identity: &'a IdentityKey,
        server: PublicIdentity,
        config: impl Into<Config>,
    ) -> (ExpectServerHello<'a>, ClientHello) {
        Self::start_kex(rng, X25519, identity, server, config)
    }

    /// [`Client::start`] with the key exchange `kex`: its ephemeral
    /// secrets and its message 1.
    pub fn start_kex<'a, K: KeyExchange, R: CryptoRng + ?Sized>(
        rng: &mut R,
        kex: K,
        identity: &'a IdentityKey,
        server: PublicIdentity,
        config: impl Into<Config>,
    ) -> (ExpectServerHello<'a, K>, K::ClientHello) {
        Self::start_with(rng, kex, Ed25519, identity, server, config)
    }

    /// [`Client::start`] with the key exchange `kex` and the identity
    /// scheme `scheme` (both ends must run the same): `identity` signs
    /// message 3 and `server` is the pinned server key, both of `scheme`.
    pub fn start_with<'a, K: KeyExchange, I: IdentityScheme, R: CryptoRng + ?Sized>(
        rng: &mut R,
        kex: K,
        scheme: I,
        identity: &'a I::Secret,
        server: I::Public,
        config: impl Into<Config>,
    ) -> (ExpectServerHello<'a, K, I>, K::ClientHello) {
        let _ = (kex, scheme);
        let (secret, hello) = K::offer(rng);
        let state = ExpectServerHello {
            identity,
            server,
            config: config.into(),
            secret,
            hello,
        };
        (state, hello)
    }
}

/// The client, having sent message 1, waiting for message 2.
pub struct ExpectServerHello<'a, K: KeyExchange = X25519, I: IdentityScheme = Ed25519> {
    identity: &'a I::Secret,
    server: I::Public,
    config: Config,
    secret: K::ClientSecret,
    hello: K::ClientHello,
}

impl<K: KeyExchange, I: IdentityScheme> ExpectServerHello<'_, K, I> {
    /// Checks the server's signature against the pinned key, agrees on the
    /// shared secret, and returns the session with message 3 to send.
    ///
    /// # Errors
    /// [`HandshakeError::ServerSignatureInvalid`] or
    /// [`HandshakeError::NonContributoryShare`]; the ephemeral secrets are
    /// dropped (and wiped) either way.
    pub fn read_server_hello(
        self,
        server_hello: &I::ServerHello<K>,
    ) -> Result<(Session, I::ClientAuth), HandshakeError> {
        let (shared, transcript) = check_server_hello::<K, I>(
            &self.server,
            self.config,
            &MUTUAL_SERVER,
            (self.secret, &self.hello),
            server_hello,
        )?;

        let auth = client_auth::<I>(
            self.identity,
            self.config,
            self.hello.encode().as_ref(),
            &transcript,
        );
        let session = session::<K, I>(
            self.config,
            shared.as_ref(),
            (&self.hello, server_hello),
            &transcript.with(auth.encode().as_ref()),
            Side::Client,
        );
        Ok((session, auth))
    }
}

/// The server, before message 1 arrives.
pub struct Server<'a, K: KeyExchange = X25519, I: IdentityScheme = Ed25519> {
    identity: &'a I::Secret,
    config: Config,
    kex: PhantomData<K>,
}

impl<'a> Server<'a> {
    /// A server that will sign with `identity`.
    pub fn new(identity: &'a IdentityKey, config: impl Into<Config>) -> Self {
        Self::with_kex(identity, config, X25519)
    }
}

impl<'a, K: KeyExchange> Server<'a, K> {
    /// A server that will sign with `identity` and run the key exchange `kex`.
    pub fn with_kex(identity: &'a IdentityKey, config: impl Into<Config>, kex: K) -> Self {
        Server::with_identity(identity, config, kex, Ed25519)
    }
}

impl<'a, K: KeyExchange, I: IdentityScheme> Server<'a, K, I> {
    /// A server that will sign with `identity`, of the scheme `scheme`, and
    /// run the key exchange `kex`.
    pub fn with_identity(
        identity: &'a I::Secret,
        config: impl Into<Config>,
        kex: K,
        scheme: I,
    ) -> Self {
        let _ = (kex, scheme);
        Self {
            identity,
            config: config.into(),
            kex: PhantomData,
        }
    }

    /// Reads message 1 and returns message 2.
    ///
    /// # Errors
    /// [`HandshakeError::NonContributoryShare`] if the client's share has
    /// low order; [`HandshakeError::EncapsulationKeyInvalid`] for a hybrid
    /// client's bad encapsulation key. Refused here, before the server
    /// signs anything.
    pub fn read_client_hello<R: CryptoRng + ?Sized>(
        self,
        rng: &mut R,
        hello: &K::ClientHello,
    ) -> Result<ServerReply<K, I>, HandshakeError> {
        let (shared, server_hello, transcript) =
            answer_client_hello::<K, I, R>(rng, self.identity, self.config, &MUTUAL_SERVER, hello)?;
        let state = ExpectClientAuth {
            config: self.config,
            shared,
            hello: *hello,
            server_hello,
            transcript,
        };
        Ok((state, server_hello))
    }
}

/// What [`Server::read_client_hello`] returns: the next state and message 2.
pub type ServerReply<K, I> = (
    ExpectClientAuth<K, I>,
    <I as IdentityScheme>::ServerHello<K>,
);

/// The server, having sent message 2, waiting for message 3.
pub struct ExpectClientAuth<K: KeyExchange = X25519, I: IdentityScheme = Ed25519> {
    config: Config,
    shared: K::SharedSecret,
    hello: K::ClientHello,
    server_hello: I::ServerHello<K>,
    /// `M1 || M2`, hashed once, for message 3's signature and the keys.
    transcript: Transcript,
}

impl<K: KeyExchange, I: IdentityScheme> ExpectClientAuth<K, I> {
    /// Checks the client's key and signature, then asks `policy` whether
    /// this key may connect.
    ///
    /// # Errors
    /// [`HandshakeError::ClientKeyInvalid`],
    /// [`HandshakeError::ClientSignatureInvalid`], or
    /// [`HandshakeError::Refused`] with the policy's reason.
    pub fn read_client_auth(
        self,
        auth: &I::ClientAuth,
        policy: &impl TrustPolicy<I::Public>,
    ) -> Result<ClientVerified<I::Public>, HandshakeError> {
        let key = I::client_key(auth).map_err(HandshakeError::ClientKeyInvalid)?;
        let m1 = self.hello.encode();
        let signed = client_signed(
            self.config,
            m1.as_ref(),
            &self.transcript,
            I::client_key_bytes(auth),
        );
        if !I::verify(&key, signed.as_bytes(), I::client_signature(auth)) {
            return Err(HandshakeError::ClientSignatureInvalid);
        }
        let name = policy.check(&key)?;
        let client = ClientIdentity { name, key };
        let session = session::<K, I>(
            self.config,
            self.shared.as_ref(),
            (&self.hello, &self.server_hello),
            &self.transcript.with(auth.encode().as_ref()),
            Side::Server,
        );
        Ok(match self.config.binding {
            Binding::InsecureLesson11 => {
                ClientVerified::Accepted(super::Accepted { session, client })
            }
            Binding::Transcript => {
                ClientVerified::ExpectKeyConfirmation(ExpectKeyConfirmation::new(session, client))
            }
        })
    }
}

/// The server's view after message 3: what it still needs depends on the binding.
#[derive(Debug)]
pub enum ClientVerified<P = PublicIdentity> {
    /// Lesson 11 as taught: the signature checked, the client is in.
    Accepted(Accepted<P>),
    /// Transcript binding: the client's first record must open before the
    /// client counts as authenticated.
    ExpectKeyConfirmation(ExpectKeyConfirmation<P>),
}

/// A finished handshake on the server: the session and who is on the
/// other end (the client, by its key and name).
pub type Accepted<P = PublicIdentity> = super::Accepted<ClientIdentity<P>>;

/// Handshake done but not yet confirmed: the client has signed, yet until
/// one of its records opens under our keys we do not know that it derived
/// the same keys, that is, that it saw the same 224 bytes we did.
pub type ExpectKeyConfirmation<P = PublicIdentity> =
    super::ExpectKeyConfirmation<ClientIdentity<P>>;

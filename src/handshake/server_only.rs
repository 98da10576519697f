//! Lesson 10: only the server proves who it is, 128 bytes.
//!
//! ```text
//! Client                                             Server
//!   ClientHello  = client_share                32 -->
//!            <-- ServerHello = server_share || server_sig   96
//! ```
//!
//! The same messages and checks as the first two steps of [`super::mutual`],
//! with its own signature context so a signature made here never verifies
//! there. The client stays anonymous: the server learns nothing about who
//! connected, which is exactly what Lesson 11 adds.
//!
//! # Examples
//!
//! ```
//! use learn_mtls::handshake::{server_only, Binding};
//! use learn_mtls::keys::IdentityKey;
//! # let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
//!
//! let server_key = IdentityKey::generate(&mut rng);
//! // -> client_share
//! let (client, hello) = server_only::Client::start(&mut rng, server_key.public(), Binding::Transcript);
//! // <- server_share, server_sig
//! let (mut server_session, server_hello) =
//!     server_only::Server::new(&server_key, Binding::Transcript).read_client_hello(&mut rng, &hello)?;
//! let mut client_session = client.read_server_hello(&server_hello)?;
//!
//! let mut record = [0u8; 64];
//! let len = client_session.seal(b"hi", &mut record)?;
//! assert_eq!(server_session.open_in_place(&mut record[..len])?, b"hi");
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use rand_core::CryptoRng;
use x25519_dalek::EphemeralSecret;

use super::{
    Binding, Config, HandshakeError, SERVER_ONLY_SERVER, SignedContent, agree, ephemeral,
    transcript_hash,
};
use crate::keys::{IdentityKey, PublicIdentity};
use crate::record::{Session, Side};
use crate::schedule::{self, Inputs};
use crate::wire::{ClientHello, SHARE_LEN, ServerHello};

/// What the server signs in message 2.
fn server_signed(
    config: Config,
    hello: &ClientHello,
    server_share: &[u8; SHARE_LEN],
) -> SignedContent {
    match config.binding {
        Binding::InsecureLesson11 => SignedContent::own_share(server_share),
        Binding::Transcript => SignedContent::transcript(
            config.context(&SERVER_ONLY_SERVER),
            &transcript_hash(&[&hello.to_bytes(), server_share]),
        ),
    }
}

/// Both sides' session keys, from the shared secret, the shares and
/// (transcript binding) a hash of all 128 bytes.
fn session(
    config: Config,
    shared_secret: &[u8; 32],
    hello: &ClientHello,
    server_hello: &ServerHello,
    side: Side,
) -> Session {
    let transcript_hash = match config.binding {
        Binding::InsecureLesson11 => None,
        Binding::Transcript => Some(transcript_hash(&[
            &hello.to_bytes(),
            &server_hello.to_bytes(),
        ])),
    };
    let inputs = Inputs {
        shared_secret,
        client_share: &hello.share,
        server_share: &server_hello.share,
        transcript_hash,
    };
    Session::new(&schedule::derive(config.schedule, &inputs), side)
}

/// The anonymous client, before anything is sent.
pub struct Client;

impl Client {
    /// Starts a handshake with the server pinned as `server`.
    pub fn start<R: CryptoRng + ?Sized>(
        rng: &mut R,
        server: PublicIdentity,
        config: impl Into<Config>,
    ) -> (ExpectServerHello, ClientHello) {
        let (ephemeral, share) = ephemeral(rng);
        let hello = ClientHello { share };
        (
            ExpectServerHello {
                server,
                config: config.into(),
                ephemeral,
                hello,
            },
            hello,
        )
    }
}

/// The client, having sent message 1.
pub struct ExpectServerHello {
    server: PublicIdentity,
    config: Config,
    ephemeral: EphemeralSecret,
    hello: ClientHello,
}

impl ExpectServerHello {
    /// Checks the server's signature and returns the session.
    ///
    /// # Errors
    /// [`HandshakeError::ServerSignatureInvalid`] or
    /// [`HandshakeError::NonContributoryShare`].
    pub fn read_server_hello(self, server_hello: &ServerHello) -> Result<Session, HandshakeError> {
        let signed = server_signed(self.config, &self.hello, &server_hello.share);
        if !self
            .server
            .verify_strict(signed.as_bytes(), &server_hello.signature)
        {
            return Err(HandshakeError::ServerSignatureInvalid);
        }
        let shared = agree(self.ephemeral, &server_hello.share)?;
        Ok(session(
            self.config,
            &shared,
            &self.hello,
            server_hello,
            Side::Client,
        ))
    }
}

/// The server, before message 1 arrives.
pub struct Server<'a> {
    identity: &'a IdentityKey,
    config: Config,
}

impl<'a> Server<'a> {
    /// A server that will sign with `identity`.
    pub fn new(identity: &'a IdentityKey, config: impl Into<Config>) -> Self {
        Self {
            identity,
            config: config.into(),
        }
    }

    /// Reads message 1; returns the session and message 2.
    ///
    /// # Errors
    /// [`HandshakeError::NonContributoryShare`].
    pub fn read_client_hello<R: CryptoRng + ?Sized>(
        self,
        rng: &mut R,
        hello: &ClientHello,
    ) -> Result<(Session, ServerHello), HandshakeError> {
        let (ephemeral, share) = ephemeral(rng);
        let shared = agree(ephemeral, &hello.share)?;
        let signed = server_signed(self.config, hello, &share);
        let server_hello = ServerHello {
            share,
            signature: self.identity.sign(signed.as_bytes()),
        };
        Ok((
            session(self.config, &shared, hello, &server_hello, Side::Server),
            server_hello,
        ))
    }
}

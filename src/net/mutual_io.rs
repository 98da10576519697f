//! The Lesson 11 handshake over a stream: [`connect`] and [`accept`], with
//! X25519 or (Lesson 19) the hybrid key exchange, and the diagnosis of a
//! peer that runs the other one.

use std::io::{Read, Write};

use super::channel::{
    Channel, Error, KexMismatch, Partial, Stage, confirm_keys, os_rng, read_message, write_all,
};
use crate::handshake::mutual::{self, ClientVerified};
use crate::handshake::{Binding, Config, HandshakeError, ServerGuess};
use crate::identity::{Ed25519, IdentityScheme};
use crate::kex::{Kex, KeyExchange, X25519};
use crate::keys::{IdentityKey, PublicIdentity};
use crate::trust::{ClientIdentity, TrustPolicy};
use crate::wire::{
    CLIENT_AUTH_LEN, CLIENT_HELLO_LEN, ClientAuth, ClientHello, Message, SERVER_HELLO_LEN,
    ServerHello,
};

/// Runs the Lesson 11 client over `stream`.
///
/// Under the transcript binding it also sends an empty first record, which
/// lets the server confirm the keys before the client has anything to say.
///
/// # Errors
/// [`Error::Handshake`] (for example the server's signature does not match
/// the pinned key), [`Error::Closed`], [`Error::TimedOut`] or [`Error::Io`].
pub fn connect<S: Read + Write>(
    stream: S,
    identity: &IdentityKey,
    server: PublicIdentity,
    config: impl Into<Config>,
) -> Result<Channel<S>, Error> {
    connect_with(stream, identity, server, config, Kex::X25519)
}

/// [`connect`] with the key exchange `kex` (Lesson 19); both ends must use
/// the same one.
///
/// # Errors
/// As [`connect`]; [`Error::KexMismatch`] when the server answers with the
/// classical handshake to a hybrid client.
pub fn connect_with<S: Read + Write>(
    stream: S,
    identity: &IdentityKey,
    server: PublicIdentity,
    config: impl Into<Config>,
    kex: Kex,
) -> Result<Channel<S>, Error> {
    let config = config.into();
    match kex {
        Kex::X25519 => connect_kex(stream, identity, server, config, X25519),
        #[cfg(feature = "pq")]
        Kex::X25519MlKem768 => {
            connect_kex(stream, identity, server, config, crate::kex::X25519MlKem768)
        }
        #[cfg(not(feature = "pq"))]
        Kex::X25519MlKem768 => Err(Error::Io(Stage::ClientHello, needs_pq())),
    }
}

/// The hybrid key exchange asked of a library built without it.
#[cfg(not(feature = "pq"))]
fn needs_pq() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "--kex x25519-mlkem768 needs learn-mtls built with the `pq` feature",
    )
}

fn connect_kex<S: Read + Write, K: KeyExchange>(
    stream: S,
    identity: &IdentityKey,
    server: PublicIdentity,
    config: Config,
    kex: K,
) -> Result<Channel<S>, Error> {
    connect_core::<S, K, Ed25519>(
        stream,
        (identity, server),
        config,
        kex,
        |partial, m1| classical_answer::<K>(partial, &server, m1),
        |e, hello, server_hello| match e {
            HandshakeError::ServerSignatureInvalid => {
                ServerGuess::from_messages::<K>(&server, hello, server_hello)
                    .map_or(Error::Handshake(e), Error::ServerSpeaksOther)
            }
            other => Error::Handshake(other),
        },
    )
}

/// What a message 2 that did not arrive whole means, from the bytes that did
/// and message 1 as sent.
/// The client's side of the Lesson 11 handshake under any key exchange and
/// identity scheme: what each diagnosis makes of a message 2 that does not
/// arrive whole, or whose check fails, is the caller's.
pub(super) fn connect_core<S: Read + Write, K: KeyExchange, I: IdentityScheme>(
    mut stream: S,
    (identity, server): (&I::Secret, I::Public),
    config: Config,
    kex: K,
    short_m2: impl FnOnce(Partial<I::ServerHello<K>>, &[u8]) -> Error,
    failed_m2: impl FnOnce(HandshakeError, &K::ClientHello, &I::ServerHello<K>) -> Error,
) -> Result<Channel<S>, Error> {
    let (client, hello) =
        mutual::Client::start_with(&mut os_rng(), kex, I::default(), identity, server, config);
    let m1 = hello.encode();
    write_all(&mut stream, m1.as_ref(), Stage::ClientHello)?;
    let server_hello = read_message::<I::ServerHello<K>>(&mut stream, Stage::ServerHello)
        .map_err(|partial| short_m2(partial, m1.as_ref()))?;
    let (session, auth) = client
        .read_server_hello(&server_hello)
        .map_err(|e| failed_m2(e, &hello, &server_hello))?;
    write_all(&mut stream, auth.encode().as_ref(), Stage::ClientAuth)?;
    let mut channel = Channel::new(stream, session);
    if config.binding == Binding::Transcript {
        channel.send(&[])?;
    }
    Ok(channel)
}

/// A hybrid client's message 2 cut short: if its first 96 bytes are a
/// classical message 2 that the pinned server signed for the first 32
/// bytes of our message 1 (all a classical server reads of it), the
/// server runs X25519 alone.
fn classical_answer<K: KeyExchange>(
    partial: Partial<K::ServerHello>,
    server: &PublicIdentity,
    m1: &[u8],
) -> Error {
    if K::KEX == Kex::X25519 || partial.got < SERVER_HELLO_LEN {
        return partial.error;
    }
    // What a classical server took for message 1, and what it sent.
    let Ok(hello) = ClientHello::try_from(&m1[..CLIENT_HELLO_LEN]) else {
        return partial.error;
    };
    let Ok(classical) = ServerHello::try_from(&partial.bytes.as_ref()[..SERVER_HELLO_LEN]) else {
        return partial.error;
    };
    match ServerGuess::from_server_hello(server, &hello, &classical) {
        Some(_) => Error::KexMismatch(KexMismatch::ClassicalServer),
        None => partial.error,
    }
}

/// Runs the Lesson 11 server over `stream`: the client must prove a key
/// that `policy` accepts. Returns the channel and who the client is.
///
/// # Errors
/// [`Error::Handshake`] (a bad signature or share, a refusal, failed key
/// confirmation), [`Error::Closed`], [`Error::TimedOut`] or [`Error::Io`].
pub fn accept<S: Read + Write>(
    stream: S,
    identity: &IdentityKey,
    policy: &impl TrustPolicy,
    config: impl Into<Config>,
) -> Result<(Channel<S>, ClientIdentity), Error> {
    accept_with(stream, identity, policy, config, Kex::X25519)
}

/// [`accept`] with the key exchange `kex` (Lesson 19); both ends must use
/// the same one.
///
/// # Errors
/// As [`accept`]; [`Error::KexMismatch`] when the client runs the other
/// key exchange.
pub fn accept_with<S: Read + Write>(
    stream: S,
    identity: &IdentityKey,
    policy: &impl TrustPolicy,
    config: impl Into<Config>,
    kex: Kex,
) -> Result<(Channel<S>, ClientIdentity), Error> {
    let config = config.into();
    match kex {
        Kex::X25519 => accept_kex(stream, identity, policy, config, X25519),
        #[cfg(feature = "pq")]
        Kex::X25519MlKem768 => {
            accept_kex(stream, identity, policy, config, crate::kex::X25519MlKem768)
        }
        #[cfg(not(feature = "pq"))]
        Kex::X25519MlKem768 => Err(Error::Io(Stage::ClientHello, needs_pq())),
    }
}

fn accept_kex<S: Read + Write, K: KeyExchange>(
    stream: S,
    identity: &IdentityKey,
    policy: &impl TrustPolicy,
    config: Config,
    kex: K,
) -> Result<(Channel<S>, ClientIdentity), Error> {
    accept_core::<S, K, Ed25519>(
        stream,
        identity,
        policy,
        (config, kex),
        |partial| partial.error,
        |e, hello, auth| match e {
            HandshakeError::ClientKeyInvalid(_) | HandshakeError::ClientSignatureInvalid
                if K::KEX == Kex::X25519 && hybrid_client(hello.encode().as_ref(), auth) =>
            {
                Error::KexMismatch(KexMismatch::HybridClient(e))
            }
            other => Error::Handshake(other),
        },
    )
}

/// The server's side of the Lesson 11 handshake under any key exchange and
/// identity scheme: what each diagnosis makes of a message 3 that does not
/// arrive whole, or whose check fails, is the caller's.
pub(super) fn accept_core<S: Read + Write, K: KeyExchange, I: IdentityScheme>(
    mut stream: S,
    identity: &I::Secret,
    policy: &impl TrustPolicy<I::Public>,
    (config, kex): (Config, K),
    short_m3: impl FnOnce(Partial<I::ClientAuth>) -> Error,
    failed_m3: impl FnOnce(HandshakeError, &K::ClientHello, &I::ClientAuth) -> Error,
) -> Result<(Channel<S>, ClientIdentity<I::Public>), Error> {
    let hello =
        read_message::<K::ClientHello>(&mut stream, Stage::ClientHello).map_err(|partial| {
            match partial.error {
                Error::Closed(_) | Error::TimedOut(_)
                    if K::KEX != Kex::X25519 && partial.got == CLIENT_HELLO_LEN =>
                {
                    Error::KexMismatch(KexMismatch::ClassicalClient)
                }
                other => other,
            }
        })?;
    let (server, server_hello) = mutual::Server::with_identity(identity, config, kex, I::default())
        .read_client_hello(&mut os_rng(), &hello)?;
    write_all(
        &mut stream,
        server_hello.encode().as_ref(),
        Stage::ServerHello,
    )?;
    let auth = read_message::<I::ClientAuth>(&mut stream, Stage::ClientAuth).map_err(short_m3)?;
    let verified = server
        .read_client_auth(&auth, policy)
        .map_err(|e| failed_m3(e, &hello, &auth))?;
    match verified {
        ClientVerified::Accepted(accepted) => {
            Ok((Channel::new(stream, accepted.session), accepted.client))
        }
        ClientVerified::ExpectKeyConfirmation(pending) => confirm_keys(stream, pending),
    }
}

/// Whether a classical server's message 1 and message 3 are, together, the
/// first 128 bytes of a hybrid client's message 1: its encapsulation key.
fn hybrid_client(m1: &[u8], auth: &ClientAuth) -> bool {
    let mut start = [0u8; CLIENT_HELLO_LEN + CLIENT_AUTH_LEN];
    start[..m1.len().min(CLIENT_HELLO_LEN)].copy_from_slice(&m1[..m1.len().min(CLIENT_HELLO_LEN)]);
    start[CLIENT_HELLO_LEN..].copy_from_slice(&auth.to_bytes());
    crate::kex::looks_like_encapsulation_key(&start)
}

//! The Lesson 11 handshake over a stream with ML-DSA-65 identities (feature
//! `pq`, Lesson 19): [`connect_ml_dsa`] and [`accept_ml_dsa`], under either
//! key exchange, and the diagnosis of a peer that runs Ed25519 identities.

use std::io::{Read, Write};

use super::channel::{Channel, Error, IdentityMismatch};
use super::mutual_io::{accept_core, connect_core};
use crate::handshake::Config;
use crate::identity::MlDsa65;
use crate::kex::{Kex, KeyExchange, X25519, X25519MlKem768};
use crate::ml_dsa::{MlDsaIdentityKey, MlDsaPublicIdentity};
use crate::trust::{ClientIdentity, TrustPolicy};
use crate::wire::Message;

/// [`super::connect_with`] with ML-DSA-65 identities: `identity` signs
/// message 3, `server` is the pinned server key. Both ends must run the
/// same key exchange and identity scheme.
///
/// # Errors
/// As [`super::connect_with`]; [`Error::IdentityMismatch`] when the server
/// sends an Ed25519 message 2 and nothing more.
pub fn connect_ml_dsa<S: Read + Write>(
    stream: S,
    identity: &MlDsaIdentityKey,
    server: MlDsaPublicIdentity,
    config: impl Into<Config>,
    kex: Kex,
) -> Result<Channel<S>, Error> {
    let config = config.into();
    match kex {
        Kex::X25519 => connect_kex(stream, identity, server, config, X25519),
        Kex::X25519MlKem768 => connect_kex(stream, identity, server, config, X25519MlKem768),
    }
}

fn connect_kex<S: Read + Write, K: KeyExchange>(
    stream: S,
    identity: &MlDsaIdentityKey,
    server: MlDsaPublicIdentity,
    config: Config,
    kex: K,
) -> Result<Channel<S>, Error> {
    connect_core::<S, K, MlDsa65>(
        stream,
        (identity, server),
        config,
        kex,
        // An Ed25519 server's message 2 is the kex's own, signature and all;
        // then it waits for a 96-byte message 3 while we wait for the rest.
        |partial, _| match partial.error {
            Error::Closed(_) | Error::TimedOut(_)
                if partial.got == <K::ServerHello as Message>::LEN =>
            {
                Error::IdentityMismatch(IdentityMismatch::Ed25519Server)
            }
            other => other,
        },
        |e, _, _| Error::Handshake(e),
    )
}

/// [`super::accept_with`] with ML-DSA-65 identities: `identity` signs
/// message 2, `policy` decides on the client's ML-DSA-65 key.
///
/// # Errors
/// As [`super::accept_with`].
pub fn accept_ml_dsa<S: Read + Write>(
    stream: S,
    identity: &MlDsaIdentityKey,
    policy: &impl TrustPolicy<MlDsaPublicIdentity>,
    config: impl Into<Config>,
    kex: Kex,
) -> Result<(Channel<S>, ClientIdentity<MlDsaPublicIdentity>), Error> {
    let config = config.into();
    match kex {
        Kex::X25519 => accept_kex(stream, identity, policy, config, X25519),
        Kex::X25519MlKem768 => accept_kex(stream, identity, policy, config, X25519MlKem768),
    }
}

fn accept_kex<S: Read + Write, K: KeyExchange>(
    stream: S,
    identity: &MlDsaIdentityKey,
    policy: &impl TrustPolicy<MlDsaPublicIdentity>,
    config: Config,
    kex: K,
) -> Result<(Channel<S>, ClientIdentity<MlDsaPublicIdentity>), Error> {
    accept_core::<S, K, MlDsa65>(
        stream,
        identity,
        policy,
        (config, kex),
        // An Ed25519 client refuses our message 2 (its first 96 bytes are
        // not a signature it can check) and closes: nothing here tells that
        // from any other client that gives up; the client says why.
        |partial| partial.error,
        |e, _, _| Error::Handshake(e),
    )
}

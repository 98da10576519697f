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
    Config, HandshakeError, SERVER_ONLY_SERVER, answer_client_hello, check_server_hello, ephemeral,
    session,
};
use crate::identity::Ed25519;
use crate::kex::X25519;
use crate::keys::{IdentityKey, PublicIdentity};
use crate::record::{Session, Side};
use crate::wire::{ClientHello, ServerHello};

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
        let (shared, transcript) = check_server_hello::<X25519, Ed25519>(
            &self.server,
            self.config,
            &SERVER_ONLY_SERVER,
            (self.ephemeral, &self.hello),
            server_hello,
        )?;
        Ok(session::<X25519, Ed25519>(
            self.config,
            &shared[..],
            (&self.hello, server_hello),
            &transcript,
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
        let (shared, server_hello, transcript) = answer_client_hello::<X25519, Ed25519, R>(
            rng,
            self.identity,
            self.config,
            &SERVER_ONLY_SERVER,
            hello,
        )?;
        let session = session::<X25519, Ed25519>(
            self.config,
            &shared[..],
            (hello, &server_hello),
            &transcript,
            Side::Server,
        );
        Ok((session, server_hello))
    }
}

//! Lesson 19: the Lesson 11 server with ML-DSA-65 identities
//! (`11-mtls-server --identity ml-dsa-65`). One pinned client key: the key
//! lists hold Ed25519 keys only, so `--authorized` and `--revoked` are
//! refused with this identity, at start-up, saying so.

use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Duration;

use learn_mtls::handshake::{Binding, Config};
use learn_mtls::identity::Identity;
use learn_mtls::kex::Kex;
use learn_mtls::keyfile;
use learn_mtls::ml_dsa::{MlDsaIdentityKey, MlDsaPublicIdentity};
use learn_mtls::net::log::Log;
use learn_mtls::net::{self, Channel};
use learn_mtls::trust::{ClientIdentity, ClientName, PinnedClient};

use super::{Args, Trust, fail, message_sizes_with, pinned_name};

/// The Lesson 11 server's trust with ML-DSA-65 identities: the server's
/// key and the one pinned client.
pub struct MlDsaTrust {
    pub key: MlDsaIdentityKey,
    pub policy: PinnedClient<MlDsaPublicIdentity>,
    pub config: Config,
    /// The key exchange (`--kex`).
    pub kex: Kex,
}

impl MlDsaTrust {
    /// Reads the ML-DSA-65 key files. `Err` is the exit code, the error printed.
    pub fn open(args: &Args) -> Result<Self, ExitCode> {
        if args.authorized.is_some() || args.revoked.is_some() {
            return Err(fail(
                &"--identity ml-dsa-65 takes one pinned client (--client-pub FILE): the key \
                  lists of --authorized and --revoked hold Ed25519 keys only",
            ));
        }
        let Some(client) = &args.client_pub else {
            return Err(fail(&"give --client-pub FILE"));
        };
        let key = keyfile::ml_dsa::read_secret(&args.key).map_err(|e| fail(&e))?;
        let client_key = keyfile::ml_dsa::read_public(client).map_err(|e| fail(&e))?;
        Ok(Self {
            key,
            policy: PinnedClient::new(client_key, pinned_name(client)),
            config: Config {
                binding: args.binding,
                schedule: args.schedule,
            },
            kex: args.kex,
        })
    }
}

impl Trust for MlDsaTrust {
    type Peer = ClientIdentity<MlDsaPublicIdentity>;
    const EXAMPLE_LISTEN: &'static str = "127.0.0.1:7011";

    fn summary(&self, log: &Log) {
        log.err(message_sizes_with(self.kex, Identity::MlDsa65));
        log.err("trusting 1 client(s); no revocation list");
    }

    /// One pinned key, read at start-up: nothing to reload.
    fn refresh(&self, _log: &Log) {}

    fn generation(&self) -> u64 {
        0
    }

    fn confirms_keys(&self) -> bool {
        self.config.binding == Binding::Transcript
    }

    fn accept(
        &self,
        stream: TcpStream,
        timeout: Duration,
    ) -> Result<(Channel<TcpStream>, Self::Peer), String> {
        net::accept_tcp_ml_dsa(
            stream,
            &self.key,
            &self.policy,
            self.config,
            self.kex,
            timeout,
        )
        .map_err(|e| e.to_string())
    }

    fn key(peer: &Self::Peer) -> [u8; 32] {
        peer.key.digest()
    }

    fn name(peer: &Self::Peer) -> &ClientName {
        &peer.name
    }

    /// The pinned key never changes while the server runs.
    fn recheck(&self, _peer: &Self::Peer, _checked: &mut u64) -> Result<(), String> {
        Ok(())
    }
}

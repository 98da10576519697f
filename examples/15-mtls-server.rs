//! Lesson 15: the server of the certified mutual handshake.
//!
//! ```console
//! $ cargo run --example 15-mtls-server -- --listen 127.0.0.1:7015 --key server.key \
//!       --cert server.crt --ca root/ca.crt --crl root.crl
//! listening on 127.0.0.1:7015
//! accepted alice (serial 3) from 127.0.0.1:52144
//! rejected 127.0.0.1:52150: client certificate refused: revoked serial 4 (bob)
//! ```
//!
//! Every connection gets one line on standard output: `accepted` with the
//! client certificate's name and serial, or `rejected` with the reason.
//! Before each connection the key, certificate, CA and revocation files
//! are read again if they changed (notices on standard error, problems
//! starting with `WARNING`), so a rotated certificate or a new list takes
//! effect without a restart. An open session is checked again before each
//! message: a client whose certificate expires or is revoked while it is
//! connected loses the session at its next message.
//!
//! `--crl FILE` may hold several lists (`cat root.crl issuing.crl > all.crl`);
//! with it, a client whose certificate, or whose intermediate, has an
//! issuer with no list in the file is refused, as is everyone while a list
//! is stale or the file broken (fail closed). `--now` starts the server's clock at another time.
//!
//! Lesson 14's defences are `11-mtls-server`'s own, with the same flags:
//! both servers are thin binaries over the kit's server core
//! (`learn_mtls_kit::server`), this one with certificates as its `Trust`.
//! A full handshake table evicts its oldest (`--when-full`), a record has
//! `--record-timeout` seconds from its first byte to its last (and a reply
//! as long to be written), one key has at most `--max-sessions-per-key`
//! sessions, the caps shrink to fit the file descriptors, and the log never
//! blocks or panics, whatever standard output is.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use learn_mtls::cert::crl::RevocationList;
use learn_mtls::cert::files::Clock;
use learn_mtls::cert::live::{LiveFiles, Snapshot};
use learn_mtls::cert::verify::{StaleCrl, VerifiedPeer, Verifier};
use learn_mtls::net::log::Log;
use learn_mtls::net::{self, Channel};
use learn_mtls::schedule::KeySchedule;
use learn_mtls::trust::ClientName;
use learn_mtls_kit::server::{self, ServeArgs, Trust};

#[derive(Parser)]
#[command(about = "Lesson 15 server: mutual authentication with certificates")]
struct Args {
    /// Where to listen, and every Lesson 14 limit: the same flags as
    /// `11-mtls-server`'s.
    #[command(flatten)]
    serve: ServeArgs,
    /// The server's secret key file.
    #[arg(long)]
    key: PathBuf,
    /// The server's certificate file (its chain: leaf, then intermediate).
    #[arg(long)]
    cert: PathBuf,
    /// The root CA's certificate: clients must chain up to it.
    #[arg(long)]
    ca: PathBuf,
    /// Revocation lists, signed by the CAs.
    #[arg(long)]
    crl: Option<PathBuf>,
    /// Use a revocation list even after its next_update (fail open: insecure).
    #[arg(long)]
    allow_stale_crl: bool,
    /// Start the clock at this time (RFC 3339, e.g. 2026-12-30T09:00:00Z).
    #[arg(long)]
    now: Option<String>,
    /// How keys are derived: `hkdf` or `tls12-prf`.
    #[arg(long, default_value = "hkdf")]
    schedule: KeySchedule,
}

/// Lesson 15's trust: the server's key and chain, the root, the lists and
/// the clock, all re-read when they change.
struct CertTrust {
    files: LiveFiles,
    clock: Clock,
    stale: StaleCrl,
    schedule: KeySchedule,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let clock = match Clock::from_option(args.now.as_deref()) {
        Ok(clock) => clock,
        Err(e) => return server::fail(&e),
    };
    let files = match LiveFiles::open(&args.key, &args.cert, &args.ca, args.crl.as_deref()) {
        Ok(files) => files,
        Err(e) => return server::fail(&e),
    };
    let trust = CertTrust {
        files,
        clock,
        stale: if args.allow_stale_crl {
            StaleCrl::AcceptInsecure
        } else {
            StaleCrl::Refuse
        },
        schedule: args.schedule,
    };
    match server::start(&args.serve, trust) {
        Ok((core, listener, limits)) => server::serve_threads(core, &listener, limits),
        Err(code) => code,
    }
}

impl CertTrust {
    /// The verifier for one decision: the root and lists in force, the clock now.
    fn verifier<'a>(&self, snapshot: &'a Snapshot, crls: &'a [RevocationList<'a>]) -> Verifier<'a> {
        Verifier {
            root: &snapshot.root,
            now: self.clock.now(),
            crls,
            stale: self.stale,
        }
    }
}

/// The revocation lists in force, or why there are none to rely on.
fn lists(snapshot: &Snapshot) -> Result<Vec<RevocationList<'_>>, String> {
    match &snapshot.crls {
        Some(Err(why)) => Err(format!("revocation list unavailable: {why}")),
        Some(Ok(crls)) => Ok(crls.lists()),
        None => Ok(Vec::new()),
    }
}

impl Trust for CertTrust {
    type Peer = VerifiedPeer;
    const EXAMPLE_LISTEN: &'static str = "127.0.0.1:7015";

    fn summary(&self, log: &Log) {
        let snapshot = self.files.snapshot();
        log.err(format!("presenting {}", snapshot.credentials.chain.leaf));
        log.err(format!(
            "trusting clients of {}",
            snapshot.root.certificate()
        ));
        if let Some(Ok(crls)) = &snapshot.crls {
            for list in crls.lists() {
                log.err(format!("revocation list: {list}"));
            }
        }
    }

    fn refresh(&self, log: &Log) {
        for notice in self.files.refresh() {
            log.notice(&notice, notice.is_problem());
        }
    }

    fn generation(&self) -> u64 {
        self.files.generation()
    }

    /// The certified handshake always ends with key confirmation.
    fn confirms_keys(&self) -> bool {
        true
    }

    fn accept(
        &self,
        stream: TcpStream,
        timeout: Duration,
    ) -> Result<(Channel<TcpStream>, VerifiedPeer), String> {
        let snapshot = self.files.snapshot();
        let crls = lists(&snapshot)?;
        let verifier = self.verifier(&snapshot, &crls);
        let credentials = (&snapshot.credentials.key, &snapshot.credentials.chain);
        net::certified::accept_tcp(stream, credentials, &verifier, self.schedule, timeout)
            .map_err(|e| e.to_string())
    }

    fn key(peer: &VerifiedPeer) -> [u8; 32] {
        *peer.key.as_bytes()
    }

    fn name(peer: &VerifiedPeer) -> &ClientName {
        &peer.name
    }

    /// Expiry moves with the clock, so a certificate is checked again
    /// before every message, whatever the files did: the current root's
    /// window and key, each certificate's window and list.
    fn recheck(&self, peer: &VerifiedPeer, _checked: &mut u64) -> Result<(), String> {
        let snapshot = self.files.snapshot();
        let crls = lists(&snapshot)?;
        self.verifier(&snapshot, &crls)
            .recheck(peer)
            .map_err(|e| e.to_string())
    }
}

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
//! Lesson 14's defences apply as in `11-mtls-server`: a full handshake
//! table evicts its oldest, a record has `--record-timeout` seconds from its
//! first byte to its last (and a reply as long to be written), one key has
//! at most `--max-sessions-per-key` sessions, and the log never blocks or
//! panics, whatever standard output is.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use learn_mtls::cert::crl::RevocationList;
use learn_mtls::cert::files::{Clock, LiveFiles, Snapshot};
use learn_mtls::cert::verify::{StaleCrl, VerifiedPeer, Verifier};
use learn_mtls::net::log::Log;
use learn_mtls::net::{self, Channel, Connection, KeySessions, Limits};
use learn_mtls::schedule::KeySchedule;

#[derive(Parser)]
#[command(about = "Lesson 15 server: mutual authentication with certificates")]
struct Args {
    /// Address to listen on, HOST:PORT (port 0 picks a free port).
    #[arg(long)]
    listen: String,
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
    /// Seconds a client has to complete its handshake.
    #[arg(long, default_value_t = 10)]
    handshake_timeout: u64,
    /// Most handshakes in progress at once.
    #[arg(long, default_value_t = Limits::DEFAULT.max_pending)]
    max_pending: usize,
    /// Most connections open at once.
    #[arg(long, default_value_t = Limits::DEFAULT.max_connections)]
    max_connections: usize,
    /// Seconds an authenticated client may stay silent before it is dropped.
    #[arg(long, default_value_t = 300)]
    idle_timeout: u64,
    /// Seconds a record may take from its first byte to its last, and a
    /// reply to be written, however the client paces them (Lesson 14). 0:
    /// no such deadline, only the idle timeout, which every byte restarts
    /// (insecure: a trickle never ends).
    #[arg(long, default_value_t = 10)]
    record_timeout: u64,
    /// Most sessions one client key may have open at once; more are
    /// refused once authenticated (Lesson 14). 0: no cap (insecure: one
    /// certificate can take every connection).
    #[arg(long, default_value_t = 32)]
    max_sessions_per_key: usize,
}

/// The server's settings, shared by every connection thread.
struct Settings {
    files: LiveFiles,
    clock: Clock,
    stale: StaleCrl,
    schedule: KeySchedule,
    /// Every line after the first: never blocks serving, never panics.
    log: Log,
    timeout: Duration,
    idle: Duration,
    /// `None`: no per-record deadline.
    record: Option<Duration>,
    sessions: KeySessions,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let clock = match Clock::from_option(args.now.as_deref()) {
        Ok(clock) => clock,
        Err(e) => return fail(&e),
    };
    let files = match LiveFiles::open(&args.key, &args.cert, &args.ca, args.crl.as_deref()) {
        Ok(files) => files,
        Err(e) => return fail(&e),
    };
    let listener = match TcpListener::bind(&args.listen) {
        Ok(listener) => listener,
        Err(e) => {
            return fail(&format!(
                "cannot listen on {}: {e} (expected HOST:PORT such as 127.0.0.1:7015)",
                args.listen
            ));
        }
    };
    // From here on every line goes through the log: a closed or unread
    // standard output neither stops nor freezes the server (Lesson 14).
    let log = Log::stdio();
    match listener.local_addr() {
        Ok(addr) => log.out(format!("listening on {addr}")),
        Err(e) => return fail(&e),
    }
    let snapshot = files.snapshot();
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

    let settings = Arc::new(Settings {
        files,
        clock,
        stale: if args.allow_stale_crl {
            StaleCrl::AcceptInsecure
        } else {
            StaleCrl::Refuse
        },
        schedule: args.schedule,
        timeout: Duration::from_secs(args.handshake_timeout),
        idle: Duration::from_secs(args.idle_timeout),
        record: (args.record_timeout > 0).then(|| Duration::from_secs(args.record_timeout)),
        sessions: KeySessions::new(args.max_sessions_per_key),
        log,
    });
    let limits = Limits {
        max_pending: args.max_pending,
        max_connections: args.max_connections,
        // Lesson 14's default: a full handshake table evicts its oldest.
        ..Limits::DEFAULT
    };
    net::serve(&listener, limits, move |conn: Connection| {
        let Connection {
            stream, peer, slot, ..
        } = conn;
        let slot = match slot {
            Ok(slot) => slot,
            Err(busy) => return settings.log.refusal(format!("rejected {peer}: {busy}")),
        };
        let snapshot = settings.refresh();
        let crls = match lists(&snapshot) {
            Ok(crls) => crls,
            Err(why) => return settings.log.refusal(format!("rejected {peer}: {why}")),
        };
        let verifier = settings.verifier(&snapshot, &crls);
        let credentials = (&snapshot.credentials.key, &snapshot.credentials.chain);
        match net::certified::accept_tcp(
            stream,
            credentials,
            &verifier,
            settings.schedule,
            settings.timeout,
        ) {
            Ok((mut channel, client)) => {
                drop(slot);
                // Refused before it is logged as accepted; held for the session.
                let Some(_place) = settings.sessions.try_open(&client.key) else {
                    return settings.log.refusal(format!(
                        "rejected {peer}: {} already has {} session(s) open \
                         (--max-sessions-per-key {})",
                        client.name,
                        settings.sessions.open_for(&client.key),
                        settings.sessions.limit()
                    ));
                };
                settings.log.out(format!("accepted {client} from {peer}"));
                if let Err(why) = echo_while_trusted(&mut channel, &client, &settings) {
                    settings
                        .log
                        .err(format!("closed {peer} ({}): {why}", client.name));
                }
            }
            Err(e) if slot.was_evicted() => settings.log.refusal(format!(
                "rejected {peer}: evicted: the oldest of --max-pending handshakes in progress \
                 when a new connection came ({e})"
            )),
            Err(e) => settings.log.refusal(format!("rejected {peer}: {e}")),
        }
    })
}

impl Settings {
    /// Re-reads whatever changed, logs what happened, returns what is in force.
    fn refresh(&self) -> Snapshot {
        for notice in self.files.refresh() {
            self.log.notice(&notice, notice.is_problem());
        }
        self.files.snapshot()
    }

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

/// Echoes each message back, checking the client's certificate again
/// before each one (expiry, and the current revocation list).
fn echo_while_trusted(
    channel: &mut Channel<std::net::TcpStream>,
    client: &VerifiedPeer,
    settings: &Settings,
) -> Result<(), String> {
    let receive = |channel: &mut Channel<std::net::TcpStream>| match settings.record {
        Some(record) => channel.recv_within(Some(settings.idle), record),
        None => channel.recv(),
    };
    channel
        .set_idle_timeout(Some(settings.idle))
        .map_err(|e| e.to_string())?;
    // A client that never reads its echo holds a thread no longer than this.
    channel
        .get_ref()
        .set_write_timeout(Some(settings.record.unwrap_or(settings.idle)))
        .map_err(|e| e.to_string())?;
    while let Some(message) = receive(channel).map_err(|e| e.to_string())? {
        let snapshot = settings.refresh();
        let crls = lists(&snapshot)?;
        settings
            .verifier(&snapshot, &crls)
            .recheck(client)
            .map_err(|e| format!("no longer trusted: {e}"))?;
        channel.send(&message).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::FAILURE
}

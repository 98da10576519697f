//! Lesson 11: the server of the mutual handshake.
//!
//! ```console
//! $ cargo run --example 11-mtls-server -- --listen 127.0.0.1:7011 --key server.key --client-pub client.pub
//! listening on 127.0.0.1:7011
//! accepted client (fingerprint 3f1c0e2a9b4d5e6f) from 127.0.0.1:52144
//! ```
//!
//! Every connection gets one line on standard output: `accepted` with
//! who, or `rejected` with why (refusals are rate-limited: beyond 50 a
//! second they are summed up in one `rejected N more` line). Accepted
//! clients get each message echoed back, encrypted. Each connection runs on
//! its own thread with a deadline on its handshake.
//!
//! Lesson 14 hardens it against clients that want it unavailable rather
//! than fooled: when the table of handshakes in progress is full the oldest
//! is evicted; a lesson11 client stays a handshake in progress until its
//! first record opens; each record has a deadline from its first byte to
//! its last; one key holds at most 32 sessions; the caps shrink to fit the
//! file descriptors; and the log never blocks or panics, whatever standard
//! output is. Each defence has a flag that turns it off, for the attack
//! examples (`--when-full refuse`, `--lesson11-session-at message-3`,
//! `--record-timeout 0`, `--max-sessions-per-key 0`).
//!
//! Exercises 2 to 4 swap the one pinned key for lists:
//!
//! ```console
//! $ cargo run --example 11-mtls-server -- --listen 127.0.0.1:7011 --key server.key \
//!       --authorized authorized_keys --revoked revoked_keys
//! ```
//!
//! Both files are checked again as each connection arrives and before each
//! message is echoed, so adding a client needs no restart and revoking one
//! also ends the sessions it has open. Reload notices go to standard error;
//! problems start with `WARNING`.

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use learn_mtls::handshake::{Binding, Config};
use learn_mtls::keyfile;
use learn_mtls::net::log::Log;
use learn_mtls::net::{self, Channel, Connection, KeySessions, Limits, Slot, WhenFull};
use learn_mtls::schedule::KeySchedule;
use learn_mtls::trust::files::{Clients, FilePolicy};
use learn_mtls::trust::{ClientIdentity, TrustPolicy};
use learn_mtls::trust::{ClientName, PinnedClient};

#[derive(Parser)]
#[command(about = "Lesson 11 server: mutual authentication with a pinned client key or a list")]
#[command(group(clap::ArgGroup::new("clients").required(true).args(["client_pub", "authorized"])))]
struct Args {
    /// Address to listen on, HOST:PORT (port 0 picks a free port).
    #[arg(long)]
    listen: String,
    /// The server's secret key file.
    #[arg(long)]
    key: PathBuf,
    /// The one client public key to accept (exercise 1).
    #[arg(long)]
    client_pub: Option<PathBuf>,
    /// An authorized-keys file: `<64 hex> <name>` per line (exercise 2).
    #[arg(long)]
    authorized: Option<PathBuf>,
    /// A revocation file: `<64 hex>` per line; refused even when authorized (exercise 4).
    #[arg(long)]
    revoked: Option<PathBuf>,
    /// What the signatures cover: `lesson11` (as taught) or `transcript`.
    #[arg(long, default_value = "lesson11")]
    binding: Binding,
    /// How keys are derived: `hkdf` (Lessons 10-11) or `tls12-prf` (Lesson 12).
    #[arg(long, default_value = "hkdf")]
    schedule: KeySchedule,
    /// Seconds a client has to complete its handshake.
    #[arg(long, default_value_t = 10)]
    handshake_timeout: u64,
    /// Most handshakes in progress at once; see --when-full for what a new
    /// connection does when there are this many.
    #[arg(long, default_value_t = Limits::DEFAULT.max_pending)]
    max_pending: usize,
    /// Most connections open at once, handshaking or not; more are refused.
    #[arg(long, default_value_t = Limits::DEFAULT.max_connections)]
    max_connections: usize,
    /// Seconds an authenticated client may stay silent before it is dropped.
    #[arg(long, default_value_t = 300)]
    idle_timeout: u64,
    /// When --max-pending handshakes are in progress: `evict-oldest` closes
    /// the oldest to take the new connection (Lesson 14); `refuse` refuses
    /// the new one, which lets a few silent connections lock everyone out.
    #[arg(long, default_value_t = Limits::DEFAULT.when_full)]
    when_full: WhenFull,
    /// Seconds a record may take from its first byte to its last, however
    /// its bytes are paced (Lesson 14). 0: no such deadline, only the idle
    /// timeout, which every byte restarts (insecure: a trickle never ends).
    #[arg(long, default_value_t = 10)]
    record_timeout: u64,
    /// Most sessions one client key may have open at once; more are
    /// closed once authenticated (Lesson 14). 0: no cap (insecure: one key
    /// can take every connection).
    #[arg(long, default_value_t = 32)]
    max_sessions_per_key: usize,
    /// Under --binding lesson11, when a client stops being a handshake in
    /// progress (evictable, not counted against its key): at its
    /// `first-record` that opens, which proves it holds the session keys
    /// (Lesson 14), or at `message-3`, as Lesson 11 taught (insecure: a
    /// replayed handshake then counts as alice's session).
    #[arg(long, default_value = "first-record")]
    lesson11_session_at: SessionAt,
}

/// When a `lesson11` client counts as a session rather than a handshake.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum SessionAt {
    /// Once its first record opens: it has proved it holds the keys.
    FirstRecord,
    /// As soon as its signature checks, which a replay achieves.
    #[value(name = "message-3")]
    Message3,
}

/// What each connection's thread needs.
struct Server {
    key: learn_mtls::keys::IdentityKey,
    policy: FilePolicy,
    config: Config,
    handshake_timeout: Duration,
    idle: Duration,
    /// `None`: no per-record deadline.
    record: Option<Duration>,
    sessions: KeySessions,
    /// True when a client is a session as soon as `accept` returns.
    session_at_accept: bool,
    log: Log,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let key = match keyfile::read_secret(&args.key) {
        Ok(key) => key,
        Err(e) => return fail(&e),
    };
    let clients = match (&args.authorized, &args.client_pub) {
        (Some(file), _) => Clients::AuthorizedFile(file.clone()),
        (None, Some(file)) => match pinned(file) {
            Ok(pinned) => Clients::Pinned(pinned),
            Err(e) => return fail(&e),
        },
        (None, None) => return fail(&"give --client-pub FILE or --authorized FILE"),
    };
    let policy = match FilePolicy::open(clients, args.revoked.as_deref()) {
        Ok(policy) => policy,
        Err(e) => return fail(&e),
    };

    let listener = match TcpListener::bind(&args.listen) {
        Ok(listener) => listener,
        Err(e) => {
            return fail(&format!(
                "cannot listen on {}: {e} (expected HOST:PORT such as 127.0.0.1:7011; \
                 if the port is in use, is another server still running?)",
                args.listen
            ));
        }
    };
    // From here on every line goes through the log, which never blocks
    // serving and never panics, whatever standard output is.
    let log = Log::stdio();
    match listener.local_addr() {
        Ok(addr) => log.out(format!("listening on {addr}")),
        Err(e) => return fail(&e),
    }
    let clients = policy.client_count();
    if clients == 0 {
        log.err("WARNING: no client is authorized: every connection will be refused");
    }
    match (&args.revoked, policy.revoked_count()) {
        (None, _) => log.err(format!("trusting {clients} client(s); no revocation list")),
        (Some(_), Some(revoked)) => log.err(format!(
            "trusting {clients} client(s); {revoked} revoked key(s)"
        )),
        (Some(_), None) => log.err(format!(
            "trusting {clients} client(s); revocation list unavailable: refusing everyone"
        )),
    }

    let limits = Limits {
        max_pending: args.max_pending,
        max_connections: args.max_connections,
        when_full: args.when_full,
    };
    if let Some(descriptors) = net::descriptor_limit() {
        let fitted = limits.fit_to_descriptors(descriptors);
        if fitted != limits {
            log.err(format!(
                "only {descriptors} file descriptors (ulimit -n): at most {} connections \
                 and {} handshakes in progress",
                fitted.max_connections, fitted.max_pending
            ));
        }
    }
    let server = Arc::new(Server {
        key,
        policy,
        config: Config {
            binding: args.binding,
            schedule: args.schedule,
        },
        handshake_timeout: Duration::from_secs(args.handshake_timeout),
        idle: Duration::from_secs(args.idle_timeout),
        record: (args.record_timeout > 0).then(|| Duration::from_secs(args.record_timeout)),
        sessions: KeySessions::new(args.max_sessions_per_key),
        session_at_accept: args.binding == Binding::Transcript
            || args.lesson11_session_at == SessionAt::Message3,
        log,
    });
    net::serve(&listener, limits, move |conn: Connection| {
        server.handle(conn)
    })
}

impl Server {
    /// One connection, from accept to close. Never blocks on the log.
    fn handle(&self, conn: Connection) {
        let Connection {
            stream, peer, slot, ..
        } = conn;
        let slot = match slot {
            Ok(slot) => slot,
            Err(busy) => return self.log.refusal(format!("rejected {peer}: {busy}")),
        };
        // Pick up edits to the key lists before deciding about this client.
        self.refresh();
        match net::accept_tcp(
            stream,
            &self.key,
            &self.policy,
            self.config,
            self.handshake_timeout,
        ) {
            Ok((mut channel, client)) => {
                if let Err(why) = self.session(&mut channel, client, peer, slot) {
                    self.log
                        .err(format!("closed {peer} ({}): {why}", client.name));
                }
            }
            Err(e) if slot.was_evicted() => self.log.refusal(format!(
                "rejected {peer}: evicted: the oldest of --max-pending handshakes in progress \
                 when a new connection came ({e})"
            )),
            Err(e) => self.log.refusal(format!("rejected {peer}: {e}")),
        }
    }

    /// An authenticated client's session: echoes each message back, asking
    /// the policy again before each one, so a key revoked while its
    /// session is open loses the session at its next message.
    fn session(
        &self,
        channel: &mut Channel<TcpStream>,
        client: ClientIdentity,
        peer: SocketAddr,
        slot: Slot,
    ) -> Result<(), String> {
        let mut pending = Some(slot);
        let mut _place = None;
        if self.session_at_accept {
            // Refused before it is logged as accepted.
            match self.sessions.try_open(&client.key) {
                Some(place) => _place = Some(place),
                None => {
                    self.log
                        .refusal(format!("rejected {peer}: {}", self.too_many(&client)));
                    return Ok(());
                }
            }
            drop(pending.take());
        }
        self.log.out(format!("accepted {client} from {peer}"));
        let write_timeout = self.record.unwrap_or(self.idle);
        channel
            .get_ref()
            .set_write_timeout(Some(write_timeout))
            .map_err(|e| e.to_string())?;
        loop {
            let message = match self.record {
                Some(record) => channel.recv_within(Some(self.idle), record),
                None => channel
                    .set_idle_timeout(Some(self.idle))
                    .map_err(|e| net::Error::Io(net::Stage::Records, e))
                    .and_then(|()| channel.recv()),
            };
            let message = match message {
                Ok(Some(message)) => message,
                Ok(None) => return Ok(()),
                Err(e) if pending.as_ref().is_some_and(Slot::was_evicted) => {
                    return Err(format!(
                        "evicted before its first record opened: the oldest of \
                         --max-pending handshakes in progress when a new connection came ({e})"
                    ));
                }
                Err(e) => return Err(e.to_string()),
            };
            if pending.is_some() {
                // lesson11: the first record opened, so the client holds
                // the keys; now, and only now, it is one of its key's sessions.
                _place = Some(
                    self.sessions
                        .try_open(&client.key)
                        .ok_or_else(|| self.too_many(&client))?,
                );
                drop(pending.take());
            }
            self.refresh();
            if let Err(refusal) = self.policy.check(&client.key) {
                return Err(format!("no longer trusted: {refusal}"));
            }
            channel.send(&message).map_err(|e| e.to_string())?;
        }
        // `_place` is held for the whole session: dropped on return.
    }

    fn too_many(&self, client: &ClientIdentity) -> String {
        format!(
            "{} already has {} session(s) open (--max-sessions-per-key {})",
            client.name,
            self.sessions.open_for(&client.key),
            self.sessions.limit()
        )
    }

    /// Re-reads the key lists if they changed, and says what happened.
    fn refresh(&self) {
        for notice in self.policy.refresh() {
            if notice.is_problem() {
                self.log.err(format!("WARNING: {notice}"));
            } else {
                self.log.err(notice.to_string());
            }
        }
    }
}

/// The client pinned with --client-pub, named after its file: client.pub -> "client".
fn pinned(file: &std::path::Path) -> Result<PinnedClient, keyfile::KeyFileError> {
    let key = keyfile::read_public(file)?;
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("client");
    let name = ClientName::new(stem).or_else(|_| ClientName::new("client"));
    Ok(PinnedClient::new(
        key,
        name.expect("\"client\" is a valid name"),
    ))
}

/// Reports a start-up error; a closed standard error is no reason to panic.
fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "error: {e}");
    ExitCode::FAILURE
}

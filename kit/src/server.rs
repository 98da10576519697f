//! The command line of the Lesson 11 server, shared by `11-mtls-server`
//! (threads) and `14-async-server` (an event loop): one contract, two
//! servers, and what they share before and around each connection.

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches, Parser};
use learn_mtls::handshake::{Binding, Config};
use learn_mtls::keyfile;
use learn_mtls::keys::IdentityKey;
use learn_mtls::net::log::Log;
use learn_mtls::net::{self, KeySession, KeySessions, Limits, Slot, WhenFull};
use learn_mtls::schedule::KeySchedule;
use learn_mtls::trust::files::{Clients, FilePolicy};
use learn_mtls::trust::{ClientIdentity, ClientName, PinnedClient, TrustPolicy};

#[derive(Parser)]
#[command(group(clap::ArgGroup::new("clients").required(true).args(["client_pub", "authorized"])))]
pub struct Args {
    /// Address to listen on, HOST:PORT (port 0 picks a free port).
    #[arg(long)]
    pub listen: String,
    /// The server's secret key file.
    #[arg(long)]
    pub key: PathBuf,
    /// The one client public key to accept (Lesson 11, step 1): a `.pub` file, or an OpenSSH
    /// `ssh-ed25519 AAAA...` one.
    #[arg(long)]
    pub client_pub: Option<PathBuf>,
    /// An authorized-keys file: `<64 hex> <name>` or `ssh-ed25519 <base64> <name>` per line
    /// (Lesson 11, step 2).
    #[arg(long)]
    pub authorized: Option<PathBuf>,
    /// A revocation file: `<64 hex>` or `ssh-ed25519 <base64>` per line, then an optional
    /// comment; refused even when authorized (Lesson 11, step 4).
    #[arg(long)]
    pub revoked: Option<PathBuf>,
    /// What the signatures cover: `lesson11` (as taught) or `transcript`.
    #[arg(long, default_value = "lesson11")]
    pub binding: Binding,
    /// How keys are derived: `hkdf` (Lessons 10-11) or `tls12-prf` (Lesson 12).
    #[arg(long, default_value = "hkdf")]
    pub schedule: KeySchedule,
    /// Seconds a client has to complete its handshake.
    #[arg(long, default_value_t = 10)]
    pub handshake_timeout: u64,
    /// Most handshakes in progress at once; see --when-full for what a new
    /// connection does when there are this many.
    #[arg(long, default_value_t = Limits::DEFAULT.max_pending)]
    pub max_pending: usize,
    /// Most connections open at once, handshaking or not; more are refused.
    #[arg(long, default_value_t = Limits::DEFAULT.max_connections)]
    pub max_connections: usize,
    /// Seconds an authenticated client may stay silent before it is dropped.
    #[arg(long, default_value_t = 300)]
    pub idle_timeout: u64,
    /// When --max-pending handshakes are in progress: `evict-oldest` closes
    /// the oldest to take the new connection (Lesson 14); `refuse` refuses
    /// the new one, which lets a few silent connections lock everyone out.
    #[arg(long, default_value_t = Limits::DEFAULT.when_full)]
    pub when_full: WhenFull,
    /// Seconds a record may take from its first byte to its last, however
    /// its bytes are paced (Lesson 14). 0: no such deadline, only the idle
    /// timeout, which every byte restarts (insecure: a trickle never ends).
    #[arg(long, default_value_t = 10)]
    pub record_timeout: u64,
    /// Most sessions one client key may have open at once; more are
    /// closed once authenticated (Lesson 14). 0: no cap (insecure: one key
    /// can take every connection).
    #[arg(long, default_value_t = 32)]
    pub max_sessions_per_key: usize,
    /// Under --binding lesson11, when a client stops being a handshake in
    /// progress (evictable, not counted against its key): at its
    /// `first-record` that opens, which proves it holds the session keys
    /// (Lesson 14), or at `message-3`, as Lesson 11 taught (insecure: a
    /// replayed handshake then counts as alice's session).
    #[arg(long, default_value = "first-record")]
    pub lesson11_session_at: SessionAt,
}

/// When a `lesson11` client counts as a session rather than a handshake.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SessionAt {
    /// Once its first record opens: it has proved it holds the keys.
    FirstRecord,
    /// As soon as its signature checks, which a replay achieves.
    #[value(name = "message-3")]
    Message3,
}

impl Args {
    /// Parses the command line, with `about` as the program's description.
    pub fn parse_for(about: &'static str) -> Self {
        let matches = Self::command().about(about).get_matches();
        Self::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }
}

/// The client pinned with --client-pub, named after its file: client.pub -> "client".
pub fn pinned(file: &std::path::Path) -> Result<PinnedClient, keyfile::KeyFileError> {
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

/// What each connection needs, whatever drives it.
pub struct Server {
    pub key: IdentityKey,
    pub policy: FilePolicy,
    pub config: Config,
    pub handshake_timeout: Duration,
    pub idle: Duration,
    /// `None`: no per-record deadline.
    pub record: Option<Duration>,
    pub sessions: KeySessions,
    /// True when a client is a session as soon as `accept` returns.
    pub session_at_accept: bool,
    pub log: Log,
}

/// Everything before the first connection: reads the keys and lists,
/// binds the listener, says what it trusts, and fits the caps to the file
/// descriptors. `Err` is the exit code, the error already printed.
pub fn start(args: &Args) -> Result<(Server, TcpListener, Limits), ExitCode> {
    let key = match keyfile::read_secret(&args.key) {
        Ok(key) => key,
        Err(e) => return Err(fail(&e)),
    };
    let clients = match (&args.authorized, &args.client_pub) {
        (Some(file), _) => Clients::AuthorizedFile(file.clone()),
        (None, Some(file)) => match pinned(file) {
            Ok(pinned) => Clients::Pinned(pinned),
            Err(e) => return Err(fail(&e)),
        },
        (None, None) => return Err(fail(&"give --client-pub FILE or --authorized FILE")),
    };
    let policy = match FilePolicy::open(clients, args.revoked.as_deref()) {
        Ok(policy) => policy,
        Err(e) => return Err(fail(&e)),
    };

    let listener = match TcpListener::bind(&args.listen) {
        Ok(listener) => listener,
        Err(e) => {
            return Err(fail(&format!(
                "cannot listen on {}: {e} (expected HOST:PORT such as 127.0.0.1:7011; \
                 if the port is in use, is another server still running?)",
                args.listen
            )));
        }
    };
    // From here on every line goes through the log, which never blocks
    // serving and never panics, whatever standard output is.
    let log = Log::stdio();
    match listener.local_addr() {
        Ok(addr) => log.out(format!("listening on {addr}")),
        Err(e) => return Err(fail(&e)),
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
    let server = Server {
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
    };
    Ok((server, listener, limits))
}

impl Server {
    /// Why a session over its key's cap is refused.
    pub fn too_many(&self, client: &ClientIdentity) -> String {
        format!(
            "{} already has {} session(s) open (--max-sessions-per-key {})",
            client.name,
            self.sessions.open_for(&client.key),
            self.sessions.limit()
        )
    }

    /// What a session does with what its `recv` returned, whichever driver
    /// read it: `Ok(Some(message))` to echo, `Ok(None)` to end the session
    /// quietly (the client left, or was closed with a rate-limited log
    /// line), `Err(why)` to close it with that reason.
    ///
    /// Under `lesson11` a client stays a handshake in progress (`pending`,
    /// evictable, not counted against its key) until its first record
    /// opens, since a replayed handshake proves nothing (Lesson 14); then it
    /// takes one of its key's places (`place`, held until the session
    /// ends). Before each echo the key lists are read again, so a key
    /// revoked while its session is open loses it at its next message.
    pub fn on_record(
        &self,
        (peer, client): (SocketAddr, &ClientIdentity),
        pending: &mut Option<Slot>,
        place: &mut Option<KeySession>,
        received: Result<Option<Vec<u8>>, net::Error>,
    ) -> Result<Option<Vec<u8>>, String> {
        let message = match received {
            Ok(Some(message)) => message,
            Ok(None) => return Ok(None),
            Err(e) if pending.as_ref().is_some_and(Slot::was_evicted) => {
                // Rate-limited: a replay flood causes thousands.
                self.log.err_refusal(format!(
                    "closed {peer} ({}): evicted before its first record opened: the oldest of \
                     --max-pending handshakes in progress when a new connection came ({e})",
                    client.name
                ));
                return Ok(None);
            }
            Err(e) => return Err(e.to_string()),
        };
        if pending.is_some() {
            // lesson11: the first record opened, so the client holds the
            // keys; now, and only now, it is one of its key's sessions.
            let Some(taken) = self.sessions.try_open(&client.key) else {
                // Rate-limited: one stolen key can cause thousands.
                self.log.err_refusal(format!(
                    "closed {peer} ({}): {}",
                    client.name,
                    self.too_many(client)
                ));
                return Ok(None);
            };
            *place = Some(taken);
            drop(pending.take());
        }
        self.refresh();
        if let Err(refusal) = self.policy.check(&client.key) {
            return Err(format!("no longer trusted: {refusal}"));
        }
        Ok(Some(message))
    }

    /// Re-reads the key lists if they changed, and says what happened.
    pub fn refresh(&self) {
        for notice in self.policy.refresh() {
            self.log.notice(&notice, notice.is_problem());
        }
    }
}

/// Reports a start-up error; a closed standard error is no reason to panic.
pub fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "error: {e}");
    ExitCode::FAILURE
}

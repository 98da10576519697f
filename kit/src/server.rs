//! The lesson servers' one core: `11-mtls-server` and `15-mtls-server`
//! (threads) and `14-async-server` (an event loop) are thin binaries over
//! it. What differs between them is how a peer is authenticated, a
//! [`Trust`]: pinned keys and key lists (Lesson 11, [`KeyTrust`]), or
//! certificates and revocation lists (Lesson 15, in `15-mtls-server`).
//! Everything else is here, once:
//!
//! - one set of flags, [`ServeArgs`], that every server flattens into its
//!   own command line;
//! - start-up: the listener, the `listening on` line, the caps fitted to the
//!   file descriptors ([`start`]);
//! - one log, the library's, that never blocks or panics;
//! - every Lesson 14 defence, in [`Core`]: the refusals of a connection
//!   over a cap, eviction, the per-key session cap and when a session
//!   starts to count against it, record deadlines, and the re-check before
//!   each message.

use std::fmt;
use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches, Parser};
use learn_mtls::handshake::{Binding, Config};
use learn_mtls::identity::Identity;
use learn_mtls::kex::Kex;
use learn_mtls::keyfile;
use learn_mtls::keys::IdentityKey;
use learn_mtls::net::log::Log;
use learn_mtls::net::{self, Channel, Connection, KeySession, KeySessions, Limits, Slot, WhenFull};
use learn_mtls::schedule::KeySchedule;
use learn_mtls::trust::files::{Clients, FilePolicy};
use learn_mtls::trust::{ClientIdentity, ClientName, PinnedClient, TrustPolicy};

// ---------------------------------------------------------------------------
// The flags every server shares.

/// The command line every lesson server shares: where to listen, and the
/// limits that keep it up under abuse (Lesson 14). Flattened into each
/// server's own arguments, so a flag added here exists in all of them.
#[derive(clap::Args, Clone, Debug)]
pub struct ServeArgs {
    /// Address to listen on, HOST:PORT (port 0 picks a free port).
    #[arg(long)]
    pub listen: String,
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
    /// Seconds a record may take from its first byte to its last, and a
    /// reply to be written, however the client paces them (Lesson 14). 0:
    /// no such deadline, only the idle timeout, which every byte restarts
    /// (insecure: a trickle never ends).
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
    /// replayed handshake then counts as alice's session). A handshake that
    /// confirms the keys itself (`--binding transcript`, Lesson 15's
    /// certified handshake) counts once it is over, whichever is given.
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

impl ServeArgs {
    /// The caps these flags ask for.
    pub fn limits(&self) -> Limits {
        Limits {
            max_pending: self.max_pending,
            max_connections: self.max_connections,
            when_full: self.when_full,
        }
    }
}

/// Parses a server's command line, with `about` as its description.
pub fn parse_for<A: CommandFactory + FromArgMatches>(about: &'static str) -> A {
    let matches = A::command().about(about).get_matches();
    A::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

// ---------------------------------------------------------------------------
// What differs: how a peer is authenticated.

/// How a server authenticates its peers, and checks them again: everything
/// [`Core`] needs to know about keys, lists and certificates.
pub trait Trust: Send + Sync + 'static {
    /// Who a handshake authenticated, as the `accepted` line shows it.
    type Peer: fmt::Display + Send + Sync;
    /// The `--listen` address the lesson uses, for the hint when binding fails.
    const EXAMPLE_LISTEN: &'static str;

    /// Start-up lines, after `listening on`: what the server trusts.
    fn summary(&self, log: &Log);
    /// Re-reads the trust files if they changed, saying what happened.
    fn refresh(&self, log: &Log);
    /// A number that moves whenever what is in force changes (see
    /// [`Trust::recheck`]); read before the handshake it goes with.
    fn generation(&self) -> u64;
    /// Whether the handshake confirms the session keys itself, so that a
    /// peer counts as a session as soon as [`Trust::accept`] returns.
    fn confirms_keys(&self) -> bool;
    /// The server's side of the handshake, all of it within `timeout`.
    ///
    /// # Errors
    /// Why the connection is refused, as the `rejected` line says it.
    fn accept(
        &self,
        stream: TcpStream,
        timeout: Duration,
    ) -> Result<(Channel<TcpStream>, Self::Peer), String>;
    /// The key whose sessions are counted ([`KeySessions`]), by 32 bytes
    /// that stand for it: an Ed25519 key as it is, an ML-DSA-65 key (Lesson
    /// 19) by its SHA-256.
    fn key(peer: &Self::Peer) -> [u8; 32];
    /// The peer's name, for `closed` lines.
    fn name(peer: &Self::Peer) -> &ClientName;
    /// Whether an open session's peer is still trusted, before each
    /// message: `checked` is the [`Trust::generation`] at its last check,
    /// which a check may update (and skip, when nothing it depends on
    /// moved).
    ///
    /// # Errors
    /// Why not, for the `no longer trusted` line.
    fn recheck(&self, peer: &Self::Peer, checked: &mut u64) -> Result<(), String>;
}

// ---------------------------------------------------------------------------
// Start-up.

/// Reports a start-up error; a closed standard error is no reason to panic.
pub fn fail(e: &dyn fmt::Display) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "error: {e}");
    ExitCode::FAILURE
}

/// Everything before the first connection, once `trust` is read: binds the
/// listener, prints `listening on`, says what it trusts, and fits the caps
/// to the file descriptors. `Err` is the exit code, the error printed.
pub fn start<T: Trust>(
    args: &ServeArgs,
    trust: T,
) -> Result<(Core<T>, TcpListener, Limits), ExitCode> {
    let listener = match TcpListener::bind(&args.listen) {
        Ok(listener) => listener,
        Err(e) => {
            return Err(fail(&format!(
                "cannot listen on {}: {e} (expected HOST:PORT such as {}; \
                 if the port is in use, is another server still running?)",
                args.listen,
                T::EXAMPLE_LISTEN
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
    trust.summary(&log);
    let limits = args.limits();
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
    let core = Core {
        session_at_accept: trust.confirms_keys() || args.lesson11_session_at == SessionAt::Message3,
        trust,
        handshake_timeout: Duration::from_secs(args.handshake_timeout),
        idle: Duration::from_secs(args.idle_timeout),
        record: (args.record_timeout > 0).then(|| Duration::from_secs(args.record_timeout)),
        sessions: KeySessions::new(args.max_sessions_per_key),
        log,
    };
    Ok((core, listener, limits))
}

// ---------------------------------------------------------------------------
// Every connection, whatever drives it.

/// What each connection needs, whatever drives it.
pub struct Core<T> {
    /// How peers are authenticated.
    pub trust: T,
    /// Every line after `listening on`.
    pub log: Log,
    pub handshake_timeout: Duration,
    pub idle: Duration,
    /// `None`: no per-record deadline.
    pub record: Option<Duration>,
    pub sessions: KeySessions,
    /// True when a peer is a session as soon as the handshake returns.
    session_at_accept: bool,
}

/// One authenticated connection, from the handshake to its close.
pub struct Session<P> {
    /// Where it comes from.
    pub addr: SocketAddr,
    /// Who it is.
    pub peer: P,
    /// Its handshake slot, while it is still a handshake in progress
    /// (evictable, not counted against its key).
    pending: Option<Slot>,
    /// Its place among its key's sessions, once it counts as one.
    place: Option<KeySession>,
    /// The trust generation it was last checked at.
    checked: u64,
}

impl<T: Trust> Core<T> {
    /// Why a session over its key's cap is refused.
    pub fn too_many(&self, peer: &T::Peer) -> String {
        format!(
            "{} already has {} session(s) open (--max-sessions-per-key {})",
            T::name(peer),
            self.sessions.open_for_id(&T::key(peer)),
            self.sessions.limit()
        )
    }

    /// Before the handshake: picks up edits to the trust files, and reads
    /// the generation the handshake's check goes with.
    pub fn before_handshake(&self) -> u64 {
        self.trust.refresh(&self.log);
        // After the refresh (what it put in force is what the handshake is
        // checked against) and before the check: a change landing in
        // between only costs one more check at the first message.
        self.trust.generation()
    }

    /// After the handshake: the session, or `None` when the connection
    /// was refused (the line already written). A peer over its key's cap
    /// is refused here, before it is logged as accepted, when it counts as
    /// a session from the start.
    pub fn open<E: fmt::Display>(
        &self,
        addr: SocketAddr,
        slot: Slot,
        generation: u64,
        accepted: Result<T::Peer, E>,
    ) -> Option<Session<T::Peer>> {
        let peer = match accepted {
            Ok(peer) => peer,
            Err(e) if slot.was_evicted() => {
                self.log.refusal(format!(
                    "rejected {addr}: evicted: the oldest of --max-pending handshakes in \
                     progress when a new connection came ({e})"
                ));
                return None;
            }
            Err(e) => {
                self.log.refusal(format!("rejected {addr}: {e}"));
                return None;
            }
        };
        let mut session = Session {
            addr,
            peer,
            pending: Some(slot),
            place: None,
            checked: generation,
        };
        if self.session_at_accept {
            match self.sessions.try_open_id(&T::key(&session.peer)) {
                Some(taken) => session.place = Some(taken),
                None => {
                    self.log
                        .refusal(format!("rejected {addr}: {}", self.too_many(&session.peer)));
                    return None;
                }
            }
            drop(session.pending.take());
        }
        self.log
            .out(format!("accepted {} from {addr}", session.peer));
        Some(session)
    }

    /// What a session does with what its `recv` returned, whichever driver
    /// read it: `Ok(Some(message))` to echo, `Ok(None)` to end the session
    /// quietly (the client left, or was closed with a rate-limited log
    /// line), `Err(why)` to close it with that reason ([`Core::close`]).
    ///
    /// A client that is still a handshake in progress (under `lesson11`,
    /// until its first record opens, since a replayed handshake proves
    /// nothing: Lesson 14) takes one of its key's places at its first
    /// record. Before each echo the trust files are looked at again (read
    /// only if they changed) and the peer checked again when what it
    /// depends on may have moved ([`Trust::recheck`]: for key lists, when
    /// the lists changed; for certificates, always, as they expire), so a
    /// key or certificate revoked while its session is open loses it at
    /// its next message.
    pub fn on_record(
        &self,
        session: &mut Session<T::Peer>,
        received: Result<Option<Vec<u8>>, net::Error>,
    ) -> Result<Option<Vec<u8>>, String> {
        let addr = session.addr;
        let message = match received {
            Ok(Some(message)) => message,
            Ok(None) => return Ok(None),
            Err(e) if session.pending.as_ref().is_some_and(Slot::was_evicted) => {
                // Rate-limited: a replay flood causes thousands.
                self.log.err_refusal(format!(
                    "closed {addr} ({}): evicted before its first record opened: the oldest of \
                     --max-pending handshakes in progress when a new connection came ({e})",
                    T::name(&session.peer)
                ));
                return Ok(None);
            }
            Err(e) => return Err(e.to_string()),
        };
        if session.pending.is_some() {
            // The first record opened, so the client holds the keys; now,
            // and only now, it is one of its key's sessions.
            let Some(taken) = self.sessions.try_open_id(&T::key(&session.peer)) else {
                // Rate-limited: one stolen key can cause thousands.
                self.log.err_refusal(format!(
                    "closed {addr} ({}): {}",
                    T::name(&session.peer),
                    self.too_many(&session.peer)
                ));
                return Ok(None);
            };
            session.place = Some(taken);
            drop(session.pending.take());
        }
        self.trust.refresh(&self.log);
        self.trust
            .recheck(&session.peer, &mut session.checked)
            .map_err(|why| format!("no longer trusted: {why}"))?;
        Ok(Some(message))
    }

    /// A session that ends on an error: one line on standard error.
    pub fn close(&self, session: &Session<T::Peer>, why: &str) {
        self.log.err(format!(
            "closed {} ({}): {why}",
            session.addr,
            T::name(&session.peer)
        ));
    }

    /// The thread-per-connection driver: one connection, from accept to
    /// close, on the thread [`net::serve`] gave it. Never blocks on the log.
    pub fn handle(&self, conn: Connection) {
        let Connection {
            stream, peer, slot, ..
        } = conn;
        let slot = match slot {
            Ok(slot) => slot,
            Err(busy) => return self.log.refusal(format!("rejected {peer}: {busy}")),
        };
        let generation = self.before_handshake();
        let accepted = self.trust.accept(stream, self.handshake_timeout);
        let (mut channel, accepted) = match accepted {
            Ok((channel, client)) => (Some(channel), Ok(client)),
            Err(e) => (None, Err(e)),
        };
        let Some(mut session) = self.open(peer, slot, generation, accepted) else {
            return;
        };
        let Some(channel) = channel.as_mut() else {
            return;
        };
        if let Err(why) = self.echo(channel, &mut session) {
            self.close(&session, &why);
        }
    }

    /// Echoes each message back while the peer stays trusted.
    fn echo(
        &self,
        channel: &mut Channel<TcpStream>,
        session: &mut Session<T::Peer>,
    ) -> Result<(), String> {
        // A client that never reads its echo holds a thread no longer than this.
        channel
            .get_ref()
            .set_write_timeout(Some(self.record.unwrap_or(self.idle)))
            .map_err(|e| e.to_string())?;
        loop {
            let message = match self.record {
                Some(record) => channel.recv_within(Some(self.idle), record),
                None => channel
                    .set_idle_timeout(Some(self.idle))
                    .map_err(|e| net::Error::Io(net::Stage::Records, e))
                    .and_then(|()| channel.recv()),
            };
            let Some(message) = self.on_record(session, message)? else {
                return Ok(());
            };
            channel.send(&message).map_err(|e| e.to_string())?;
        }
    }
}

/// Serves for ever on threads ([`net::serve`]) with every defence of [`Core`].
pub fn serve_threads<T: Trust>(core: Core<T>, listener: &TcpListener, limits: Limits) -> ExitCode {
    let core = std::sync::Arc::new(core);
    net::serve(listener, limits, move |conn: Connection| core.handle(conn))
}

// ---------------------------------------------------------------------------
// Lesson 11: pinned keys and key lists.

mod ml_dsa;
pub use ml_dsa::MlDsaTrust;

/// The Lesson 11 server's command line (`11-mtls-server`, `14-async-server`).
#[derive(Parser)]
#[command(group(clap::ArgGroup::new("clients").required(true).args(["client_pub", "authorized"])))]
pub struct Args {
    #[command(flatten)]
    pub serve: ServeArgs,
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
    /// The key exchange: `x25519` (Lesson 11) or `x25519-mlkem768`, hybrid with
    /// ML-KEM-768 (Lesson 19). Both ends must use the same.
    #[arg(long, default_value = "x25519")]
    pub kex: Kex,
    /// The identity scheme: `ed25519` (Lesson 11) or `ml-dsa-65`, post-quantum signatures
    /// (Lesson 19; `--client-pub` only). Both ends must use the same.
    #[arg(long, default_value = "ed25519")]
    pub identity: Identity,
}

/// The Lesson 11 handshake's message sizes under `kex`, as the client and
/// the server print them: `key exchange x25519-mlkem768: message 1 1216
/// bytes, message 2 1184, message 3 96 (2496 in all)`.
pub fn message_sizes(kex: Kex) -> String {
    let auth = learn_mtls::wire::CLIENT_AUTH_LEN;
    let (hello, server_hello) = (kex.client_hello_len(), kex.server_hello_len());
    format!(
        "key exchange {kex}: message 1 {hello} bytes, message 2 {server_hello}, message 3 {auth} \
         ({} in all)",
        hello + server_hello + auth
    )
}

/// [`message_sizes`] with the identity scheme too: byte-identical to it
/// for Ed25519; for ML-DSA-65 it names the scheme and compares with
/// Lesson 11's 224 bytes: `key exchange x25519, identity ml-dsa-65: message
/// 1 32 bytes, message 2 3341, message 3 5261 (8634 in all, 38.5x the 224
/// of x25519 with ed25519)`.
pub fn message_sizes_with(kex: Kex, identity: Identity) -> String {
    if identity == Identity::Ed25519 {
        return message_sizes(kex);
    }
    let (hello, server_hello, auth) = (
        kex.client_hello_len(),
        identity.server_hello_len(kex),
        identity.client_auth_len(),
    );
    let total = hello + server_hello + auth;
    let lesson11 = learn_mtls::wire::MUTUAL_HANDSHAKE_LEN;
    // Lengths are a few thousand: exact in f64.
    #[allow(
        clippy::cast_precision_loss,
        reason = "lengths of a few thousand bytes"
    )]
    let ratio = total as f64 / lesson11 as f64;
    format!(
        "key exchange {kex}, identity {identity}: message 1 {hello} bytes, message 2 \
         {server_hello}, message 3 {auth} ({total} in all, {ratio:.1}x the {lesson11} of x25519 \
         with ed25519)"
    )
}

/// The name of a client pinned with --client-pub, after its file:
/// client.pub -> "client".
pub fn pinned_name(file: &std::path::Path) -> ClientName {
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("client");
    ClientName::new(stem)
        .or_else(|_| ClientName::new("client"))
        .expect("\"client\" is a valid name")
}

/// The client pinned with --client-pub, named after its file: client.pub -> "client".
pub fn pinned(file: &std::path::Path) -> Result<PinnedClient, keyfile::KeyFileError> {
    let key = keyfile::read_public(file)?;
    Ok(PinnedClient::new(key, pinned_name(file)))
}

/// Lesson 11's trust: the server's key, and the pinned client or the
/// authorized and revoked key lists.
pub struct KeyTrust {
    pub key: IdentityKey,
    pub policy: FilePolicy,
    pub config: Config,
    /// The key exchange (`--kex`).
    pub kex: Kex,
    /// Whether `--revoked` was given, for the start-up summary.
    revoked_file: bool,
}

impl KeyTrust {
    /// Reads the key and the lists. `Err` is the exit code, the error printed.
    pub fn open(args: &Args) -> Result<Self, ExitCode> {
        if args.identity != Identity::Ed25519 {
            return Err(fail(&format!(
                "--identity {} is served by 11-mtls-server only (this server runs Ed25519 \
                 identities)",
                args.identity
            )));
        }
        let key = keyfile::read_secret(&args.key).map_err(|e| fail(&e))?;
        let clients = match (&args.authorized, &args.client_pub) {
            (Some(file), _) => Clients::AuthorizedFile(file.clone()),
            (None, Some(file)) => Clients::Pinned(pinned(file).map_err(|e| fail(&e))?),
            (None, None) => return Err(fail(&"give --client-pub FILE or --authorized FILE")),
        };
        let policy = FilePolicy::open(clients, args.revoked.as_deref()).map_err(|e| fail(&e))?;
        Ok(Self {
            key,
            policy,
            config: Config {
                binding: args.binding,
                schedule: args.schedule,
            },
            kex: args.kex,
            revoked_file: args.revoked.is_some(),
        })
    }
}

impl Trust for KeyTrust {
    type Peer = ClientIdentity;
    const EXAMPLE_LISTEN: &'static str = "127.0.0.1:7011";

    fn summary(&self, log: &Log) {
        log.err(message_sizes(self.kex));
        let clients = self.policy.client_count();
        if clients == 0 {
            log.err("WARNING: no client is authorized: every connection will be refused");
        }
        match (self.revoked_file, self.policy.revoked_count()) {
            (false, _) => log.err(format!("trusting {clients} client(s); no revocation list")),
            (true, Some(revoked)) => log.err(format!(
                "trusting {clients} client(s); {revoked} revoked key(s)"
            )),
            (true, None) => log.err(format!(
                "trusting {clients} client(s); revocation list unavailable: refusing everyone"
            )),
        }
    }

    fn refresh(&self, log: &Log) {
        for notice in self.policy.refresh() {
            log.notice(&notice, notice.is_problem());
        }
    }

    fn generation(&self) -> u64 {
        self.policy.generation()
    }

    fn confirms_keys(&self) -> bool {
        self.config.binding == Binding::Transcript
    }

    fn accept(
        &self,
        stream: TcpStream,
        timeout: Duration,
    ) -> Result<(Channel<TcpStream>, ClientIdentity), String> {
        net::accept_tcp_with(
            stream,
            &self.key,
            &self.policy,
            self.config,
            self.kex,
            timeout,
        )
        .map_err(|e| e.to_string())
    }

    fn key(peer: &ClientIdentity) -> [u8; 32] {
        *peer.key.as_bytes()
    }

    fn name(peer: &ClientIdentity) -> &ClientName {
        &peer.name
    }

    /// A key list's answer changes only when the lists do: checked again
    /// only then (issue 19: every echo used to scan the whole list).
    fn recheck(&self, peer: &ClientIdentity, checked: &mut u64) -> Result<(), String> {
        let now = self.policy.generation();
        if now == *checked {
            return Ok(());
        }
        self.policy.check(&peer.key).map_err(|r| r.to_string())?;
        *checked = now;
        Ok(())
    }
}

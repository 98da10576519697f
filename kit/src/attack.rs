//! Mallory's workbench: the plumbing every Lesson 13 attack shares.
//!
//! Used by each `13-attack-*` example (and, through them, by the tour) as
//! `learn_mtls_kit::attack`. Nothing here is part of the library: an
//! attacker needs no help from the code she attacks.
//!
//! - [`Cast`]: the server, alice (a client), eve (an authorized insider)
//!   and mallory (an outsider), each with a fresh identity key.
//! - [`RealServer`]: the Lesson 11 server loop, exactly as `11-mtls-server`
//!   runs it (`net::serve`, `net::accept_tcp`, `net::echo_back`), on a free
//!   loopback port, reporting each connection as an [`Event`].
//! - [`Proxy`]: a man in the middle for one connection, which records what
//!   passes and lets an attack replace any message or record on its way.
//! - [`RawClient`]: Mallory speaking the wire format by hand.
//! - [`Report`] and [`run_both`]: run an attack under both bindings, print
//!   what happened and a one-line verdict, and exit 1 if the outcome is not
//!   the one Lesson 13 teaches.
//!
//! The five attacks themselves, one submodule each, are what the
//! `13-attack-*` examples run and what the tour shows on one screen.

/// `13-attack-impersonation`: a server that is not the one alice pinned.
pub mod impersonation;
/// `13-attack-low-order`: a low-order X25519 share.
pub mod low_order;
/// `13-attack-misbinding`: identity misbinding.
pub mod misbinding;
/// `13-attack-record-replay`: replayed and reordered records.
pub mod record_replay;
/// `13-attack-replay`: a recorded handshake, replayed.
pub mod replay;

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use ed25519_dalek::{Signer, SigningKey};
use learn_mtls::handshake::{Binding, HandshakeError};
use learn_mtls::keys::{IdentityKey, PublicIdentity};
use learn_mtls::net::{self, Connection};
use learn_mtls::record::{self, HEADER_LEN, RecordError};
use learn_mtls::trust::{AuthorizedKey, AuthorizedKeys, ClientIdentity, ClientName};
use learn_mtls::wire::{CLIENT_AUTH_LEN, CLIENT_HELLO_LEN, SERVER_HELLO_LEN};
use sha2::{Digest, Sha256};

/// How long anything may take before the attack counts as stuck.
pub const TIMEOUT: Duration = Duration::from_secs(5);

// ---- The people -------------------------------------------------------

/// Everyone in the story, with fresh keys.
pub struct Cast {
    /// The real server's identity; every client pins its public half.
    pub server: Arc<IdentityKey>,
    /// An honest client on the server's list.
    pub alice: IdentityKey,
    /// An insider: also on the server's list, and willing to cheat.
    pub eve: IdentityKey,
    /// An outsider: on no list.
    pub mallory: IdentityKey,
}

impl Cast {
    /// Four fresh identities from the operating system's RNG.
    #[allow(
        clippy::new_without_default,
        reason = "fresh random keys each time are no default"
    )]
    pub fn new() -> Self {
        let mut rng = net::os_rng();
        Self {
            server: Arc::new(IdentityKey::generate(&mut rng)),
            alice: IdentityKey::generate(&mut rng),
            eve: IdentityKey::generate(&mut rng),
            mallory: IdentityKey::generate(&mut rng),
        }
    }

    /// The key every client pins.
    pub fn server_public(&self) -> PublicIdentity {
        self.server.public()
    }

    /// The server's authorized list: alice and eve, by name.
    pub fn authorized(&self) -> Vec<AuthorizedKey> {
        let entry = |key: &IdentityKey, name| {
            AuthorizedKey::new(key.public(), ClientName::new(name).expect("a valid name"))
        };
        vec![entry(&self.alice, "alice"), entry(&self.eve, "eve")]
    }
}

/// Signs `message` with `key` using `ed25519_dalek` directly: what anyone
/// holding a key file can do, whatever the library allows.
pub fn sign(key: &IdentityKey, message: &[u8]) -> [u8; 64] {
    SigningKey::from_bytes(&key.to_secret_bytes())
        .sign(message)
        .to_bytes()
}

/// What a transcript-binding signature covers, rebuilt from the formula in
/// `src/handshake/mod.rs`: `0x20 x 64 || context || 0x00 || SHA-256(parts)`.
pub fn transcript_signed(context: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part);
    }
    let mut signed = vec![0x20; 64];
    signed.extend_from_slice(context);
    signed.push(0x00);
    signed.extend_from_slice(&hash.finalize());
    signed
}

// ---- The real server ----------------------------------------------------

/// One line of the server's log, as data.
#[derive(Debug)]
pub enum Event {
    /// The handshake finished and the policy named the client.
    Accepted(ClientIdentity),
    /// The handshake failed: the connection was dropped.
    Rejected(net::Error),
    /// An accepted connection ended, after echoing `echoed` messages.
    Closed {
        /// Whom the server believed it was talking to.
        client: ClientName,
        /// How many messages it echoed.
        echoed: u64,
        /// Why it ended, if not a clean close by the client.
        error: Option<net::Error>,
    },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Accepted(client) => write!(f, "accepted {client}"),
            Self::Rejected(e) => write!(f, "rejected: {e}"),
            Self::Closed {
                client,
                echoed,
                error: None,
            } => write!(f, "closed {client} after echoing {echoed} message(s)"),
            Self::Closed {
                client,
                echoed,
                error: Some(e),
            } => write!(f, "closed {client} after echoing {echoed} message(s): {e}"),
        }
    }
}

/// The Lesson 11 server, running on its own threads on a free port.
pub struct RealServer {
    /// Where it listens.
    pub addr: SocketAddr,
    events: Receiver<Event>,
}

impl RealServer {
    /// Starts the server loop of `11-mtls-server`: `net::serve`, then
    /// `net::accept_tcp` with `authorized` as the policy, then
    /// `net::echo_back` for every accepted client.
    pub fn start(
        key: Arc<IdentityKey>,
        authorized: Vec<AuthorizedKey>,
        binding: Binding,
    ) -> Result<Self, String> {
        let listener =
            TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot listen: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let policy = AuthorizedKeys::new(authorized);
        let (log, events) = mpsc::channel();
        let log = Mutex::new(log);
        let report = move |event: Event| {
            if let Ok(log) = log.lock() {
                let _ = log.send(event);
            }
        };
        thread::spawn(move || {
            net::serve(&listener, net::Limits::DEFAULT, move |conn: Connection| {
                match net::accept_tcp(conn.stream, &key, &policy, binding, TIMEOUT) {
                    Ok((mut channel, client)) => {
                        drop(conn.slot);
                        report(Event::Accepted(client));
                        let (echoed, error) = echo(&mut channel);
                        report(Event::Closed {
                            client: client.name,
                            echoed,
                            error,
                        });
                    }
                    Err(e) => report(Event::Rejected(e)),
                }
            })
        });
        Ok(Self { addr, events })
    }

    /// The next line of the server's log.
    pub fn next_event(&self) -> Result<Event, String> {
        self.events
            .recv_timeout(TIMEOUT)
            .map_err(|_| "the server reported nothing".to_owned())
    }
}

/// `net::echo_back`, counting what it echoed even when it ends in an error.
fn echo(channel: &mut net::Channel<TcpStream>) -> (u64, Option<net::Error>) {
    let mut echoed = 0;
    loop {
        match channel.recv() {
            Ok(None) => return (echoed, None),
            Ok(Some(message)) => {
                if let Err(e) = channel.send(&message) {
                    return (echoed, Some(e));
                }
                echoed += 1;
            }
            Err(e) => return (echoed, Some(e)),
        }
    }
}

// ---- The honest client ---------------------------------------------------

/// Alice's side of a connection, with the real client code.
pub fn connect(
    addr: SocketAddr,
    key: &IdentityKey,
    server: PublicIdentity,
    binding: Binding,
) -> Result<net::Channel<TcpStream>, net::Error> {
    let stream =
        TcpStream::connect(addr).map_err(|e| net::Error::Io(net::Stage::ClientHello, e))?;
    net::connect_tcp(stream, key, server, binding, TIMEOUT)
}

// ---- Mallory in the middle ---------------------------------------------

/// What the proxy may change. Every method gets the bytes as the honest
/// party sent them and returns what to forward instead.
pub trait Hooks: Send + 'static {
    /// Message 1, client to server.
    fn client_hello(&mut self, m1: [u8; CLIENT_HELLO_LEN]) -> [u8; CLIENT_HELLO_LEN] {
        m1
    }
    /// Message 2, server to client.
    fn server_hello(&mut self, m2: [u8; SERVER_HELLO_LEN]) -> [u8; SERVER_HELLO_LEN] {
        m2
    }
    /// Message 3, client to server.
    fn client_auth(&mut self, m3: [u8; CLIENT_AUTH_LEN]) -> [u8; CLIENT_AUTH_LEN] {
        m3
    }
    /// One whole record from the client: forward these records instead
    /// (none to drop it, two to duplicate it, ...).
    fn client_record(&mut self, record: Vec<u8>) -> Vec<Vec<u8>> {
        vec![record]
    }
}

/// A proxy that only watches.
pub struct Passive;

impl Hooks for Passive {}

/// What the proxy saw, as the honest parties sent it.
#[derive(Clone, Debug, Default)]
pub struct Recording {
    /// Message 1 as the client sent it.
    pub m1: Option<[u8; CLIENT_HELLO_LEN]>,
    /// Message 2 as the server sent it.
    pub m2: Option<[u8; SERVER_HELLO_LEN]>,
    /// Message 3 as the client sent it.
    pub m3: Option<[u8; CLIENT_AUTH_LEN]>,
    /// The client's records, whole (header, ciphertext, tag), in order.
    pub client_records: Vec<Vec<u8>>,
}

/// A man in the middle for exactly one connection.
pub struct Proxy {
    /// Where the victim should connect.
    pub addr: SocketAddr,
    done: JoinHandle<Recording>,
}

impl Proxy {
    /// Listens on a free port; the first connection is relayed to
    /// `upstream`, through `hooks`.
    pub fn start(upstream: SocketAddr, hooks: impl Hooks) -> Result<Self, String> {
        let listener =
            TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot listen: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let done = thread::spawn(move || {
            let recording = Arc::new(Mutex::new(Recording::default()));
            let _ = relay(&listener, upstream, hooks, &recording);
            recording.lock().map(|r| r.clone()).unwrap_or_default()
        });
        Ok(Self { addr, done })
    }

    /// Waits for the relayed connection to end; returns what passed.
    pub fn finish(self) -> Result<Recording, String> {
        self.done
            .join()
            .map_err(|_| "the proxy thread panicked".to_owned())
    }
}

fn relay(
    listener: &TcpListener,
    upstream: SocketAddr,
    mut hooks: impl Hooks,
    recording: &Mutex<Recording>,
) -> io::Result<()> {
    let (mut client, _) = listener.accept()?;
    let mut server = TcpStream::connect(upstream)?;
    for stream in [&client, &server] {
        stream.set_read_timeout(Some(TIMEOUT))?;
    }
    let note = |f: &dyn Fn(&mut Recording)| {
        if let Ok(mut r) = recording.lock() {
            f(&mut r);
        }
    };

    let m1 = read_array::<CLIENT_HELLO_LEN>(&mut client)?;
    note(&|r| r.m1 = Some(m1));
    server.write_all(&hooks.client_hello(m1))?;
    let m2 = read_array::<SERVER_HELLO_LEN>(&mut server)?;
    note(&|r| r.m2 = Some(m2));
    client.write_all(&hooks.server_hello(m2))?;
    let m3 = read_array::<CLIENT_AUTH_LEN>(&mut client)?;
    note(&|r| r.m3 = Some(m3));
    server.write_all(&hooks.client_auth(m3))?;

    // Server to client: copy bytes untouched until the server closes.
    let (mut from_server, mut to_client) = (server.try_clone()?, client.try_clone()?);
    let replies = thread::spawn(move || {
        let _ = io::copy(&mut from_server, &mut to_client);
        let _ = to_client.shutdown(Shutdown::Write);
    });
    // Client to server: record by record, through the hook.
    while let Some(record) = read_record(&mut client)? {
        note(&|r| r.client_records.push(record.clone()));
        for forged in hooks.client_record(record) {
            if server.write_all(&forged).is_err() {
                break;
            }
        }
    }
    let _ = server.shutdown(Shutdown::Write);
    let _ = replies.join();
    Ok(())
}

fn read_array<const N: usize>(stream: &mut impl Read) -> io::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    stream.read_exact(&mut bytes)?;
    Ok(bytes)
}

/// One whole record, or `None` at a clean end of stream.
fn read_record(stream: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0u8; HEADER_LEN];
    match stream.read_exact(&mut header) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let body = record::body_len(header).map_err(io::Error::other)?;
    let mut whole = header.to_vec();
    whole.resize(HEADER_LEN + body, 0);
    stream.read_exact(&mut whole[HEADER_LEN..])?;
    Ok(Some(whole))
}

// ---- Mallory on her own -------------------------------------------------

/// A client that speaks the wire format by hand, with no state machine to
/// stop it sending whatever it likes.
pub struct RawClient {
    stream: TcpStream,
}

impl RawClient {
    /// Connects to `addr`.
    pub fn connect(addr: SocketAddr) -> io::Result<Self> {
        let stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(TIMEOUT))?;
        Ok(Self { stream })
    }

    /// Sends raw bytes: a message or a record.
    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Reads message 2.
    pub fn read_server_hello(&mut self) -> io::Result<[u8; SERVER_HELLO_LEN]> {
        read_array(&mut self.stream)
    }

    /// Whether the server has hung up: the next read sees the end of the
    /// stream (or a reset) instead of a record.
    pub fn server_hung_up(mut self) -> bool {
        let _ = self.stream.shutdown(Shutdown::Write);
        let mut byte = [0u8; 1];
        matches!(self.stream.read(&mut byte), Ok(0) | Err(_))
    }
}

// ---- Reporting -----------------------------------------------------------

/// What one attack did under one binding.
pub struct Report {
    /// The binding both honest ends used.
    pub binding: Binding,
    /// The story, one line per thing that happened.
    pub lines: Vec<String>,
    /// The outcome in a few words, for the verdict and the tour's table.
    pub outcome: String,
    /// Whether the outcome is the one Lesson 13 teaches for this binding.
    pub as_taught: bool,
}

impl Report {
    /// An empty report for `binding`.
    pub fn new(binding: Binding) -> Self {
        Self {
            binding,
            lines: Vec::new(),
            outcome: String::new(),
            as_taught: false,
        }
    }

    /// Adds a line to the story.
    pub fn say(&mut self, line: impl Into<String>) {
        self.lines.push(line.into());
    }

    /// Records the outcome and whether it is the taught one.
    pub fn conclude(mut self, as_taught: bool, outcome: impl Into<String>) -> Self {
        self.as_taught = as_taught;
        self.outcome = outcome.into();
        self
    }
}

/// An attack: run it once under `binding`.
pub type Attack = fn(Binding) -> Result<Report, String>;

/// Both bindings, as taught first.
pub const BINDINGS: [Binding; 2] = [Binding::InsecureLesson11, Binding::Transcript];

/// Runs `attack` under both bindings, prints each story and the verdict,
/// and returns success only if both outcomes are the taught ones.
pub fn run_both(title: &str, setup: &str, attack: Attack) -> ExitCode {
    // No options: `--help` explains, anything else is refused (exit 2).
    // The example's name, from its path (a library has no CARGO_BIN_NAME).
    let name = std::env::args()
        .next()
        .and_then(|arg0| {
            Some(
                std::path::Path::new(&arg0)
                    .file_stem()?
                    .to_str()?
                    .to_owned(),
            )
        })
        .unwrap_or_else(|| "13-attack".into());
    clap::Command::new("13-attack")
        .bin_name(name)
        .about(title.to_owned())
        .long_about(format!(
            "{title}\n\n{setup}\n\nRuns the attack on loopback under both bindings, lesson11 \
             then transcript, prints what happened and a verdict, and exits 0 if both outcomes \
             are the ones Lesson 13 teaches, 1 otherwise. Takes no arguments."
        ))
        .get_matches();
    println!("{title}\n{setup}");
    let mut outcomes = Vec::new();
    let mut all_taught = true;
    for binding in BINDINGS {
        println!("\n--binding {binding}");
        match attack(binding) {
            Ok(report) => {
                for line in &report.lines {
                    println!("   {line}");
                }
                let mark = if report.as_taught {
                    "as taught"
                } else {
                    "NOT AS TAUGHT"
                };
                println!("   => {} ({mark})", report.outcome);
                all_taught &= report.as_taught;
                outcomes.push(format!("{binding}: {}", report.outcome));
            }
            Err(e) => {
                println!("   => the attack could not run: {e}");
                all_taught = false;
                outcomes.push(format!("{binding}: did not run"));
            }
        }
    }
    let outcomes = outcomes.join("; ");
    if all_taught {
        println!("\nverdict: {outcomes}. As Lesson 13 teaches.");
        ExitCode::SUCCESS
    } else {
        println!(
            "\nverdict: UNEXPECTED, the protocol no longer behaves as Lesson 13 says: {outcomes}."
        );
        ExitCode::FAILURE
    }
}

/// A short name for what went wrong: the error's variant for handshake and
/// record errors (`ClientSignatureInvalid`, `Forged`), its text otherwise.
pub fn short(e: &net::Error) -> String {
    match e {
        net::Error::Handshake(e) => format!("{e:?}"),
        net::Error::Record(e) => format!("{e:?}"),
        other => other.to_string(),
    }
}

/// Whether `e` is the handshake error `expected`.
pub fn is_handshake(e: &net::Error, expected: HandshakeError) -> bool {
    matches!(e, net::Error::Handshake(found) if *found == expected)
}

/// Whether `e` is a record that failed to open.
pub fn is_forged(e: &net::Error) -> bool {
    matches!(e, net::Error::Record(RecordError::Forged))
}

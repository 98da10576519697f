//! The siege engine: the real server binary under each of Lesson 14's
//! attacks, with honest clients probing it meanwhile.
//!
//! Used by the `14-attack-*` examples, `14-siege` and the Lesson 14 tests
//! as `learn_mtls_kit::siege`. It starts the real
//! `11-mtls-server` (or `14-async-server`) as a child process, so that what
//! is measured is the program a learner runs, with its own file
//! descriptors, threads and memory (read from `/proc/<pid>/status`).
//!
//! Everything is bounded: connections by count, attacks by time, and every
//! socket has a timeout.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use learn_mtls::handshake::{Binding, mutual};
use learn_mtls::hex::Hex;
use learn_mtls::keyfile::{self, Overwrite};
use learn_mtls::keys::IdentityKey;
use learn_mtls::net::{self, os_rng};
use learn_mtls::wire::{CLIENT_HELLO_LEN, SERVER_HELLO_LEN, ServerHello};

/// How long an honest client may take, from `connect()` to its echo.
pub const HONEST_DEADLINE: Duration = Duration::from_secs(5);

/// The keys of one siege, written to a scratch directory: the server, and
/// two authorized clients. Alice's key is the one the attacks steal or
/// replay; bob is the honest client who probes.
pub struct Keys {
    pub dir: PathBuf,
    pub server: IdentityKey,
    pub alice: IdentityKey,
    pub bob: IdentityKey,
}

impl Keys {
    pub fn new(tag: &str) -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!(
            "learn-mtls-siege-{tag}-{}-{}",
            std::process::id(),
            Instant::now().elapsed().as_nanos()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut rng = os_rng();
        let keys = Self {
            dir,
            server: IdentityKey::generate(&mut rng),
            alice: IdentityKey::generate(&mut rng),
            bob: IdentityKey::generate(&mut rng),
        };
        keyfile::write_pair(&keys.dir, "server", &keys.server, Overwrite::Replace)
            .map_err(|e| e.to_string())?;
        keyfile::write_pair(&keys.dir, "bob", &keys.bob, Overwrite::Replace)
            .map_err(|e| e.to_string())?;
        let list = format!(
            "{} alice\n{} bob\n",
            Hex(keys.alice.public().as_bytes()),
            Hex(keys.bob.public().as_bytes())
        );
        std::fs::write(keys.dir.join("authorized_keys"), list).map_err(|e| e.to_string())?;
        Ok(keys)
    }
}

impl Drop for Keys {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What the server's standard output is connected to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stdout {
    /// A pipe that this program reads and counts, line by line.
    Read,
    /// A pipe whose reading end is closed once the address is known.
    Closed,
    /// A pipe that nobody reads after the first line.
    Unread,
}

/// Counts of the server's log lines.
#[derive(Debug, Default)]
pub struct Log {
    pub accepted: usize,
    pub rejected: usize,
    pub evicted: usize,
    pub descriptors: usize,
    pub summaries: usize,
    pub stderr: Vec<String>,
}

/// The real server binary, running.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    pub log: Arc<Mutex<Log>>,
    /// Held, never read, for [`Stdout::Unread`].
    _unread: Option<BufReader<ChildStdout>>,
}

/// A binary next to this one, in `target/<profile>/examples/`.
pub fn sibling(name: &str) -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let dir = exe.parent().ok_or("no directory for this binary")?;
    // Examples sit side by side; a test binary sits in `deps/` next to them.
    let path = dir.join(name);
    let from_test = dir.join("../examples").join(name);
    if path.exists() {
        Ok(path)
    } else if from_test.exists() {
        Ok(from_test)
    } else {
        Err(format!(
            "{} is missing: build it first with `cargo build --examples` \
             (add --release, or --features tokio for 14-async-server, as for this program)",
            path.display()
        ))
    }
}

impl Server {
    /// Starts `binary` (`11-mtls-server` or `14-async-server`) on a free
    /// loopback port with the keys' authorized list, `binding`, and `extra`
    /// flags; with `descriptors`, under `ulimit -n` of that many.
    pub fn start(
        binary: &str,
        keys: &Keys,
        binding: Binding,
        stdout: Stdout,
        descriptors: Option<u32>,
        extra: &[&str],
    ) -> Result<Self, String> {
        let path = sibling(binary)?;
        let mut command = match descriptors {
            Some(n) => {
                let mut c = Command::new("sh");
                // At most the hard limit: raising beyond it fails.
                c.args([
                    "-c",
                    "ulimit -n \"$0\" 2>/dev/null || ulimit -n \"$(ulimit -Hn)\"; exec \"$@\"",
                    &n.to_string(),
                ])
                .arg(&path);
                c
            }
            None => Command::new(&path),
        };
        let mut child = command
            .current_dir(&keys.dir)
            .args(["--listen", "127.0.0.1:0", "--key", "server.key"])
            .args(["--authorized", "authorized_keys"])
            .args(["--binding", binding.name()])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", path.display()))?;
        let mut out = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        let mut first = String::new();
        out.read_line(&mut first)
            .map_err(|e| format!("server output: {e}"))?;
        let addr = first
            .trim_end()
            .strip_prefix("listening on ")
            .ok_or_else(|| format!("unexpected first line from the server: {first:?}"))?
            .parse()
            .map_err(|e| format!("server address: {e}"))?;
        let log = Arc::new(Mutex::new(Log::default()));
        let mut unread = None;
        match stdout {
            Stdout::Read => {
                let log = Arc::clone(&log);
                std::thread::spawn(move || {
                    for line in out.lines().map_while(Result::ok) {
                        let mut log = log.lock().unwrap();
                        if line.starts_with("accepted") {
                            log.accepted += 1;
                        } else if line.starts_with("rejected") {
                            if line.contains(" more connection(s) in the last") {
                                log.summaries += 1;
                            } else {
                                log.rejected += 1;
                            }
                            if line.contains("evicted") {
                                log.evicted += 1;
                            }
                            if line.contains("out of file descriptors") {
                                log.descriptors += 1;
                            }
                        }
                    }
                });
            }
            Stdout::Closed => drop(out),
            Stdout::Unread => unread = Some(out),
        }
        let err = BufReader::new(child.stderr.take().ok_or("no stderr")?);
        let log_err = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in err.lines().map_while(Result::ok) {
                let mut log = log_err.lock().unwrap();
                if log.stderr.len() < 10_000 {
                    log.stderr.push(line);
                }
            }
        });
        Ok(Self {
            child,
            addr,
            log,
            _unread: unread,
        })
    }

    /// The server's resident memory and threads, from `/proc/<pid>/status`.
    pub fn memory(&self) -> Option<Memory> {
        Memory::of(self.child.id())
    }

    /// True if the server is still running and printed no panic.
    pub fn healthy(&mut self) -> bool {
        let running = matches!(self.child.try_wait(), Ok(None));
        let log = self.log.lock().unwrap();
        running && !log.stderr.iter().any(|l| l.contains("panicked"))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A process's memory and threads, from `/proc/<pid>/status` (Linux).
#[derive(Clone, Copy, Debug, Default)]
pub struct Memory {
    pub rss_kib: u64,
    pub hwm_kib: u64,
    pub threads: u64,
}

impl Memory {
    pub fn of(pid: u32) -> Option<Self> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let field = |name: &str| -> Option<u64> {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        };
        Some(Self {
            rss_kib: field("VmRSS:")?,
            hwm_kib: field("VmHWM:")?,
            threads: field("Threads:")?,
        })
    }

    pub fn keep_peak(&mut self, other: Self) {
        self.rss_kib = self.rss_kib.max(other.rss_kib);
        self.hwm_kib = self.hwm_kib.max(other.hwm_kib);
        self.threads = self.threads.max(other.threads);
    }
}

/// Samples a server's memory every 100 ms until dropped; keeps the peak.
pub struct Sampler {
    stop: Arc<AtomicBool>,
    peak: Arc<Mutex<Memory>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sampler {
    pub fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(Mutex::new(Memory::default()));
        let (s, p) = (Arc::clone(&stop), Arc::clone(&peak));
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                if let Some(now) = Memory::of(pid) {
                    p.lock().unwrap().keep_peak(now);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        Self {
            stop,
            peak,
            thread: Some(thread),
        }
    }

    pub fn peak(&self) -> Memory {
        *self.peak.lock().unwrap()
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

// ---- Honest clients -------------------------------------------------------

/// The `11-mtls-client` binary, once [`use_real_client`] has been called:
/// honest clients are then that process rather than the library's
/// `connect_tcp` in this one.
static REAL_CLIENT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Makes every honest client from now on a run of the real
/// `11-mtls-client` binary (which must sit next to this program).
pub fn use_real_client() -> Result<(), String> {
    let path = sibling("11-mtls-client")?;
    let _ = REAL_CLIENT.set(path);
    Ok(())
}

/// One honest handshake as bob: connect, handshake, one echoed message,
/// within [`HONEST_DEADLINE`]. Returns how long it took.
pub fn honest(addr: SocketAddr, keys: &Keys, binding: Binding) -> Result<Duration, String> {
    match REAL_CLIENT.get() {
        Some(client) => honest_process(client, addr, keys, binding),
        None => honest_in_process(addr, keys, binding),
    }
}

/// `echo ping | 11-mtls-client ...`, killed if it takes longer than
/// [`HONEST_DEADLINE`].
fn honest_process(
    client: &Path,
    addr: SocketAddr,
    keys: &Keys,
    binding: Binding,
) -> Result<Duration, String> {
    let began = Instant::now();
    let mut child = Command::new(client)
        .current_dir(&keys.dir)
        .args(["--connect", &addr.to_string(), "--key", "bob.key"])
        .args(["--server-pub", "server.pub", "--binding", binding.name()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start 11-mtls-client: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(b"ping\n");
    }
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if began.elapsed() > HONEST_DEADLINE => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "11-mtls-client still running after {HONEST_DEADLINE:?}"
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => return Err(e.to_string()),
        }
    }
    let took = began.elapsed();
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() && out.stdout == b"ping\n" {
        Ok(took)
    } else {
        Err(format!(
            "11-mtls-client: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

pub fn honest_in_process(
    addr: SocketAddr,
    keys: &Keys,
    binding: Binding,
) -> Result<Duration, String> {
    let began = Instant::now();
    let stream =
        TcpStream::connect_timeout(&addr, HONEST_DEADLINE).map_err(|e| format!("connect: {e}"))?;
    let mut channel = net::connect_tcp(
        stream,
        &keys.bob,
        keys.server.public(),
        binding,
        HONEST_DEADLINE,
    )
    .map_err(|e| format!("handshake: {e}"))?;
    let left = HONEST_DEADLINE.saturating_sub(began.elapsed());
    channel
        .get_ref()
        .set_read_timeout(Some(left.max(Duration::from_millis(1))))
        .map_err(|e| e.to_string())?;
    channel.send(b"ping").map_err(|e| format!("send: {e}"))?;
    match channel.recv() {
        Ok(Some(reply)) if reply == b"ping" && began.elapsed() <= HONEST_DEADLINE => {
            Ok(began.elapsed())
        }
        Ok(Some(_)) => Err(format!("too slow: {:?}", began.elapsed())),
        other => Err(format!("echo: {other:?}")),
    }
}

/// `count` honest clients, one every `every`, while an attack runs.
#[derive(Debug, Default)]
pub struct Probes {
    pub ok: usize,
    pub failed: Vec<String>,
    pub slowest: Duration,
}

impl Probes {
    pub fn run(
        addr: SocketAddr,
        keys: &Keys,
        binding: Binding,
        count: usize,
        every: Duration,
    ) -> Self {
        let mut probes = Self::default();
        for _ in 0..count {
            let began = Instant::now();
            match honest(addr, keys, binding) {
                Ok(took) => {
                    probes.ok += 1;
                    probes.slowest = probes.slowest.max(took);
                }
                Err(e) => probes.failed.push(e),
            }
            std::thread::sleep(every.saturating_sub(began.elapsed()));
        }
        probes
    }

    pub fn total(&self) -> usize {
        self.ok + self.failed.len()
    }

    /// At least 19 in 20 (95%) succeeded.
    pub fn good(&self) -> bool {
        self.total() > 0 && self.ok * 20 >= self.total() * 19
    }

    pub fn summary(&self) -> String {
        let mut s = format!(
            "honest clients {}/{} served (slowest {:.0} ms)",
            self.ok,
            self.total(),
            self.slowest.as_secs_f64() * 1e3
        );
        if let Some(first) = self.failed.first() {
            s.push_str(&format!("; first failure: {first}"));
        }
        s
    }
}

// ---- Attackers ------------------------------------------------------------

/// A connection with timeouts, so that nothing here blocks for long.
fn open(addr: SocketAddr) -> Option<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
    let _ = stream.set_nodelay(true);
    Some(stream)
}

/// An attack running on its own thread until stopped; reports how many
/// connections it opened.
pub struct Attack {
    stop: Arc<AtomicBool>,
    pub opened: Arc<AtomicUsize>,
    thread: Option<std::thread::JoinHandle<Vec<TcpStream>>>,
}

impl Attack {
    fn spawn(
        f: impl FnOnce(Arc<AtomicBool>, Arc<AtomicUsize>) -> Vec<TcpStream> + Send + 'static,
    ) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let opened = Arc::new(AtomicUsize::new(0));
        let (s, o) = (Arc::clone(&stop), Arc::clone(&opened));
        Self {
            stop,
            opened,
            thread: Some(std::thread::spawn(move || f(s, o))),
        }
    }

    /// Stops the attack; returns the connections it still holds.
    pub fn stop(mut self) -> Vec<TcpStream> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread
            .take()
            .map(|t| t.join().unwrap_or_default())
            .unwrap_or_default()
    }

    /// Slowloris: opens `hold` connections that never send a byte, then
    /// keeps opening `per_second` more, holding `hold` at a time: to make
    /// room it lets go first of those the server has closed, then of its
    /// oldest.
    pub fn silent(addr: SocketAddr, hold: usize, per_second: u32) -> Self {
        Self::spawn(move |stop, opened| {
            let mut held = VecDeque::with_capacity(hold + 1);
            let open_silent = || {
                let s = open(addr)?;
                s.set_nonblocking(true).ok()?;
                Some(s)
            };
            while held.len() < hold && !stop.load(Ordering::Relaxed) {
                if let Some(s) = open_silent() {
                    held.push_back(s);
                    opened.fetch_add(1, Ordering::Relaxed);
                }
            }
            let every = Duration::from_secs(1) / per_second.max(1);
            let mut next = Instant::now();
            while !stop.load(Ordering::Relaxed) {
                if let Some(s) = open_silent() {
                    held.push_back(s);
                    opened.fetch_add(1, Ordering::Relaxed);
                    make_room(&mut held, hold);
                }
                next += every;
                std::thread::sleep(next.saturating_duration_since(Instant::now()));
            }
            held.into()
        })
    }

    /// `count` connections that send a genuine message 1 and then nothing.
    pub fn stall_after_message_1(addr: SocketAddr, server: &IdentityKey, count: usize) -> Self {
        let server = server.public();
        Self::spawn(move |stop, opened| {
            let mallory = IdentityKey::generate(&mut os_rng());
            let mut held = Vec::with_capacity(count);
            while held.len() < count && !stop.load(Ordering::Relaxed) {
                let (_, hello) =
                    mutual::Client::start(&mut os_rng(), &mallory, server, Binding::Transcript);
                if let Some(mut s) = open(addr) {
                    let _ = s.write_all(&hello.to_bytes());
                    held.push(s);
                    opened.fetch_add(1, Ordering::Relaxed);
                }
            }
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(20));
            }
            held
        })
    }

    /// Replays alice's recorded lesson11 handshake (`m1`, `m3`) on `count`
    /// connections, then trickles one byte on each every `every`. Mallory
    /// holds no key: she read the two messages off the wire.
    pub fn replay_trickle(
        addr: SocketAddr,
        recorded: Recorded,
        count: usize,
        every: Duration,
        still_open: Arc<AtomicUsize>,
    ) -> Self {
        Self::spawn(move |stop, opened| {
            let mut held = Vec::with_capacity(count);
            while held.len() < count && !stop.load(Ordering::Relaxed) {
                let Some(mut s) = open(addr) else { continue };
                let mut m2 = [0u8; SERVER_HELLO_LEN];
                if s.write_all(&recorded.m1).is_ok()
                    && s.read_exact(&mut m2).is_ok()
                    && s.write_all(&recorded.m3).is_ok()
                {
                    let _ = s.set_nonblocking(true);
                    held.push(s);
                    opened.fetch_add(1, Ordering::Relaxed);
                }
            }
            // One byte each, every `every`: a record that never ends.
            let mut sent = 0;
            while !stop.load(Ordering::Relaxed) {
                let byte = trickled_byte(sent);
                sent += 1;
                held.retain_mut(|s| s.write_all(&[byte]).is_ok() && !closed(s));
                still_open.store(held.len(), Ordering::Relaxed);
                let until = Instant::now() + every;
                while Instant::now() < until && !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
            held
        })
    }

    /// `count` genuine sessions under `key` (a stolen authorized key), each
    /// confirmed with one echoed message, then held idle.
    pub fn one_key(
        addr: SocketAddr,
        keys: &Keys,
        binding: Binding,
        count: usize,
        sessions: Arc<AtomicUsize>,
    ) -> Self {
        let key = IdentityKey::from_secret_bytes(&keys.alice.to_secret_bytes());
        let server = keys.server.public();
        Self::spawn(move |stop, opened| {
            let mut held = Vec::with_capacity(count);
            let mut attempts = 0;
            while attempts < count && !stop.load(Ordering::Relaxed) {
                attempts += 1;
                let Some(stream) = open(addr) else { continue };
                opened.fetch_add(1, Ordering::Relaxed);
                let Ok(mut channel) =
                    net::connect_tcp(stream, &key, server, binding, Duration::from_secs(5))
                else {
                    continue;
                };
                if channel.send(b"mine").is_ok()
                    && matches!(channel.recv(), Ok(Some(reply)) if reply == b"mine")
                {
                    held.push(channel);
                    sessions.store(held.len(), Ordering::Relaxed);
                }
            }
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(20));
            }
            held.into_iter()
                .filter_map(|c| c.get_ref().try_clone().ok())
                .collect()
        })
    }
}

/// The `n`th byte of a trickled record: a valid header announcing a
/// 64-byte body (so the server waits for it rather than refusing the
/// header), then the body.
pub fn trickled_byte(n: usize) -> u8 {
    match n {
        0 => 0x00,
        1 => 0x40,
        _ => 0x00,
    }
}

/// Slowloris's bookkeeping: keeps `hold` connections, replacing first
/// those the server has already closed.
fn make_room(held: &mut VecDeque<TcpStream>, hold: usize) {
    while held.len() > hold {
        // The oldest the server closed, looking at a few dozen at most.
        let gone = held.iter_mut().take(100).position(closed);
        match gone {
            Some(at) => drop(held.remove(at)),
            None => drop(held.pop_front()),
        }
    }
}

/// True if the server has closed `stream` (which must be non-blocking).
pub fn closed(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 256];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return false,
            Err(_) => return true,
        }
    }
}

/// Alice's messages 1 and 3 of one lesson11 handshake, as Mallory recorded
/// them from the wire.
#[derive(Clone, Copy)]
pub struct Recorded {
    pub m1: [u8; CLIENT_HELLO_LEN],
    pub m3: [u8; learn_mtls::wire::CLIENT_AUTH_LEN],
}

impl Recorded {
    /// Runs one honest lesson11 handshake as alice and keeps what crossed.
    pub fn alice(addr: SocketAddr, keys: &Keys) -> Result<Self, String> {
        let (client, hello) = mutual::Client::start(
            &mut os_rng(),
            &keys.alice,
            keys.server.public(),
            Binding::InsecureLesson11,
        );
        let mut s = open(addr).ok_or("connect")?;
        let m1 = hello.to_bytes();
        s.write_all(&m1).map_err(|e| e.to_string())?;
        let mut m2 = [0u8; SERVER_HELLO_LEN];
        s.read_exact(&mut m2).map_err(|e| e.to_string())?;
        let (_, auth) = client
            .read_server_hello(&ServerHello::from_bytes(&m2))
            .map_err(|e| e.to_string())?;
        let m3 = auth.to_bytes();
        s.write_all(&m3).map_err(|e| e.to_string())?;
        Ok(Self { m1, m3 })
    }
}

/// Threads of `pid` after waiting up to `within` for them to fall to
/// `at_most`, and how long that took.
pub fn threads_settle(pid: u32, at_most: u64, within: Duration) -> (u64, Duration) {
    let began = Instant::now();
    loop {
        let threads = Memory::of(pid).map_or(0, |m| m.threads);
        if threads <= at_most || began.elapsed() >= within {
            return (threads, began.elapsed());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

// ---- Naive against defended ---------------------------------------------

/// What one run of an attack example saw.
pub struct Outcome {
    /// What happened, line by line.
    pub lines: Vec<String>,
    /// True if the attack succeeded: honest clients locked out, or the
    /// attacker's connection outlived what the lesson says it should.
    pub attack_won: bool,
}

/// The server an attack example besieges: `--server NAME` on its command
/// line, `11-mtls-server` by default.
pub fn server_from_args(title: &str, story: &str) -> String {
    // One option: `--help` explains, anything unknown is refused (exit 2).
    // (A library, where CARGO_BIN_NAME is not set.)
    let name = std::env::args()
        .next()
        .and_then(|arg0| {
            let stem = std::path::Path::new(&arg0)
                .file_stem()?
                .to_str()?
                .to_owned();
            Some(stem)
        })
        .unwrap_or_else(|| "14-attack".into());
    let matches = clap::Command::new("14-attack")
        .bin_name(name)
        .about(title.to_owned())
        .long_about(format!(
            "{title}\n\n{story}\n\nRuns the attack on loopback against the server with its \
             defence turned off by a named flag (naive), then with its defaults (defended), \
             prints both outcomes, and exits 0 if they are the ones Lesson 14 teaches, 1 \
             otherwise."
        ))
        .arg(
            clap::Arg::new("server")
                .long("server")
                .value_name("BINARY")
                .default_value("11-mtls-server")
                .help("The server to attack: 11-mtls-server or 14-async-server"),
        )
        .get_matches();
    matches
        .get_one::<String>("server")
        .cloned()
        .unwrap_or_else(|| "11-mtls-server".into())
}

/// Runs `attack` against a fresh server started with `naive` flags, then
/// against one with `defended` flags, prints both, and exits 0 when the
/// attack wins against the first and loses against the second, as Lesson
/// 14 teaches.
pub fn naive_and_defended(
    title: &str,
    story: &str,
    naive: &[&str],
    defended: &[&str],
    attack: impl Fn(&Server, &Keys) -> Result<Outcome, String>,
) -> std::process::ExitCode {
    let binary = server_from_args(title, story);
    println!("{title}");
    println!("{story}");
    let mut results = Vec::new();
    for (label, flags) in [("naive", naive), ("defended", defended)] {
        println!();
        println!(
            "{} ({label})",
            [binary.as_str()]
                .into_iter()
                .chain(flags.iter().copied())
                .collect::<Vec<_>>()
                .join(" ")
        );
        let outcome = Keys::new(label).and_then(|keys| {
            let mut server = Server::start(
                &binary,
                &keys,
                Binding::InsecureLesson11,
                Stdout::Read,
                None,
                flags,
            )?;
            let outcome = attack(&server, &keys)?;
            if !server.healthy() {
                return Err("the server went down or panicked".into());
            }
            Ok(outcome)
        });
        match outcome {
            Ok(outcome) => {
                for line in &outcome.lines {
                    println!("   {line}");
                }
                println!(
                    "   => {}",
                    if outcome.attack_won {
                        "the attack wins"
                    } else {
                        "the attack fails"
                    }
                );
                results.push(Some(outcome.attack_won));
            }
            Err(e) => {
                println!("   could not run: {e}");
                results.push(None);
            }
        }
    }
    println!();
    if results == [Some(true), Some(false)] {
        println!(
            "verdict: the attack wins against the naive server and fails against the defended one. As Lesson 14 teaches."
        );
        std::process::ExitCode::SUCCESS
    } else {
        println!(
            "verdict: NOT what Lesson 14 teaches (naive: {:?}, defended: {:?})",
            results[0], results[1]
        );
        std::process::ExitCode::FAILURE
    }
}

//! Load: many honest clients at once against the Lesson 11 server.
//!
//! ```console
//! $ cargo run --release --example load -- --seconds 10 --clients 4
//! ```
//!
//! By default it makes fresh keys in a temporary directory and starts the
//! real `11-mtls-server` binary as a child process on a free loopback port,
//! so that it can read the server's memory from `/proc/<pid>/status`
//! (`VmHWM`, the peak resident set, and `VmRSS`). With `--connect ADDR
//! --key FILE --server-pub FILE` it drives a server that is already running
//! instead (add `--server-pid PID` to read that server's memory too).
//!
//! Each client thread repeats, until time is up: open a TCP connection, run
//! the mutual handshake, send one message and wait for its echo, close. A
//! handshake counts only once its echo came back, so it was accepted by the
//! server; its latency is the time from `connect()` to that echo. Any
//! connection that fails is a failure: there must be none.
//!
//! The rate is compared with the CPU floor measured in the same run: the
//! machine's cores divided by the time the handshake's public-key
//! operations take for both sides (2 X25519 key generations, 2 X25519
//! agreements, 2 Ed25519 signatures, 2 strict verifications and 1 key
//! decompression, timed in this process as `bench/benches/handshake.rs` times
//! them), measured before and after the load, the faster measurement
//! taken (the higher floor). The server and these clients share the same
//! cores; the floor counts both sides' work, so the comparison is fair.
//! That floor cannot be reached by any server that opens a TCP connection
//! per handshake, so the target is set against the TCP floor instead: the
//! cores divided by the primitives' cost plus what the same exchange of
//! bytes costs over bare loopback TCP (measured first, in the same run,
//! for 3 s or, with `--tcp-baseline`, as long as the load). Target: at
//! least 90% of the TCP floor.
//!
//! On a machine shared with other work the wall-clock rate moves with
//! whatever else runs, so the same comparison is also printed in CPU time:
//! the primitives' share of the CPU the server and the clients actually
//! spent per handshake (from `/proc/<pid>/stat`).
//!
//! Build in release: the numbers of a debug build mean nothing.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use learn_mtls::handshake::{Binding, Config};
use learn_mtls::keyfile::{self, Overwrite};
use learn_mtls::keys::{IdentityKey, PublicIdentity};
use learn_mtls::net::{self, os_rng};

// One definition of "the handshake's primitives", shared with the bench.
use learn_mtls_kit::primitives;
use primitives::Primitives;

/// The share of the TCP floor the server should reach: the cores divided
/// by what one handshake costs at least, the primitives plus bare loopback
/// TCP for the same bytes, both measured in this run.
const TARGET: f64 = 0.90;

#[derive(Parser)]
#[command(about = "Load generator: concurrent honest clients against the Lesson 11 server")]
struct Args {
    /// How long to run the load, in seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent client threads.
    #[arg(long, default_value_t = 4)]
    clients: usize,
    /// Drive a server that is already running at HOST:PORT instead of starting one.
    #[arg(long, requires_all = ["key", "server_pub"])]
    connect: Option<String>,
    /// With --connect: the client's secret key file.
    #[arg(long)]
    key: Option<PathBuf>,
    /// With --connect: the server's public key file.
    #[arg(long)]
    server_pub: Option<PathBuf>,
    /// With --connect: the server's process id, to read its memory.
    #[arg(long)]
    server_pid: Option<u32>,
    /// What the signatures cover; must match the server's.
    #[arg(long, default_value = "transcript")]
    binding: Binding,
    /// Passed to the server this starts: most handshakes in progress at once.
    #[arg(long, default_value_t = 64)]
    max_pending: usize,
    /// Seconds each client waits for its handshake and echo.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
    /// Close as soon as the handshake is done instead of waiting for an
    /// echo; acceptance is then checked against the server's log (only for
    /// a server this program started).
    #[arg(long, conflicts_with = "connect")]
    no_echo: bool,
    /// Measure bare loopback TCP (always measured, for the TCP floor) for
    /// as long as the load instead of 3 s.
    #[arg(long)]
    tcp_baseline: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Where the load goes and with which keys.
struct Target {
    addr: String,
    key: IdentityKey,
    server: PublicIdentity,
    pid: Option<u32>,
    /// The child server, when this program started it.
    child: Option<SpawnedServer>,
}

fn run(args: &Args) -> Result<bool, String> {
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build; run with --release for meaningful figures");
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "machine: {cores} core(s) (available_parallelism); load average before: {}",
        loadavg()
    );

    let cost = primitives_cost();
    let floor = cores as f64 / cost.as_secs_f64();
    println!(
        "primitives of one handshake, both sides, before the load: {:.1} us -> {cores} / {:.1} us = {floor:.0} handshakes/s",
        micros(cost),
        micros(cost)
    );

    // The same work on every core at once: what the cores really deliver
    // together (virtual cores may share a physical one, or be busy).
    let parallel: f64 = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..cores).map(|_| scope.spawn(primitives_cost)).collect();
        threads
            .into_iter()
            .map(|t| 1.0 / t.join().expect("primitives thread").as_secs_f64())
            .sum()
    });
    println!(
        "  the same work on all {cores} cores at once: {parallel:.0} handshakes/s ({:.0}% of the floor)",
        parallel / floor * 100.0
    );

    // Always measured now: the target is relative to it. `--tcp-baseline`
    // measures it for as long as the load instead of 3 s.
    let tcp_time = if args.tcp_baseline {
        Duration::from_secs(args.seconds)
    } else {
        Duration::from_secs(3).min(Duration::from_secs(args.seconds.max(1)))
    };
    let tcp = tcp_baseline(args.clients, tcp_time, cost)?;

    let scratch = std::env::temp_dir().join(format!("learn-mtls-load-{}", std::process::id()));
    let target = match &args.connect {
        Some(addr) => connect_target(args, addr)?,
        None => spawn_target(args, &scratch)?,
    };
    let result = load(args, &target, cores, cost, tcp);
    let _ = std::fs::remove_dir_all(&scratch);
    let (mut ok, handshakes) = result?;
    if let Some(mut child) = target.child {
        // Let the server finish logging the last handshakes.
        std::thread::sleep(Duration::from_millis(300));
        ok &= child.stop();
        let (accepted, rejected) = child.report();
        // Every completed handshake is one the server logged as accepted.
        ok &= accepted == handshakes as u64 && rejected == 0;
    }
    Ok(ok)
}

fn connect_target(args: &Args, addr: &str) -> Result<Target, String> {
    let key = args.key.as_ref().ok_or("--connect needs --key")?;
    let server_pub = args
        .server_pub
        .as_ref()
        .ok_or("--connect needs --server-pub")?;
    Ok(Target {
        addr: addr.to_owned(),
        key: keyfile::read_secret(key).map_err(|e| e.to_string())?,
        server: keyfile::read_public(server_pub).map_err(|e| e.to_string())?,
        pid: args.server_pid,
        child: None,
    })
}

fn spawn_target(args: &Args, dir: &Path) -> Result<Target, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let server_key = IdentityKey::generate(&mut os_rng());
    let client_key = IdentityKey::generate(&mut os_rng());
    for (name, key) in [("server", &server_key), ("client", &client_key)] {
        keyfile::write_pair(dir, name, key, Overwrite::Replace).map_err(|e| e.to_string())?;
    }
    let child = SpawnedServer::start(args, dir)?;
    Ok(Target {
        addr: child.addr.clone(),
        key: client_key,
        server: server_key.public(),
        pid: Some(child.child.id()),
        child: Some(child),
    })
}

/// What each client thread saw.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    failures: Vec<String>,
}

/// Runs the load; returns whether it had no failures, and how many handshakes completed.
fn load(
    args: &Args,
    target: &Target,
    cores: usize,
    cost_before: Duration,
    tcp: Duration,
) -> Result<(bool, usize), String> {
    let config = Config::from(args.binding);
    let timeout = Duration::from_secs(args.timeout);
    let duration = Duration::from_secs(args.seconds);
    println!(
        "load: {} client thread(s) for {} s, binding {}, one TCP connection per handshake, against {}",
        args.clients, args.seconds, args.binding, target.addr
    );

    let done = AtomicBool::new(false);
    let peak = Mutex::new(Memory::default());
    let completed = AtomicU64::new(0);
    let cpu_before = (
        cpu_time("self"),
        target.pid.and_then(|p| cpu_time(&p.to_string())),
    );
    let start = Instant::now();
    let tallies: Vec<Tally> = std::thread::scope(|scope| {
        // Samples the server's memory while the load runs.
        if let Some(pid) = target.pid {
            let (done, peak) = (&done, &peak);
            scope.spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    if let Some(now) = Memory::of(pid) {
                        peak.lock().expect("sampler lock").keep_peak(now);
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            });
        }
        let clients: Vec<_> = (0..args.clients)
            .map(|_| {
                scope.spawn(|| {
                    let mut tally = Tally::default();
                    while start.elapsed() < duration {
                        let began = Instant::now();
                        match one_handshake(target, config, timeout, !args.no_echo) {
                            Ok(()) => {
                                tally.latencies.push(began.elapsed());
                                completed.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(e) => tally.failures.push(e),
                        }
                    }
                    tally
                })
            })
            .collect();
        let tallies = clients
            .into_iter()
            .map(|c| c.join().expect("a client thread panicked"))
            .collect();
        done.store(true, Ordering::Relaxed);
        tallies
    });
    let elapsed = start.elapsed();
    let cpu_after = (
        cpu_time("self"),
        target.pid.and_then(|p| cpu_time(&p.to_string())),
    );

    let mut latencies: Vec<Duration> = tallies.iter().flat_map(|t| t.latencies.clone()).collect();
    let failures: Vec<&String> = tallies.iter().flat_map(|t| &t.failures).collect();
    latencies.sort();
    let handshakes = latencies.len();
    let rate = handshakes as f64 / elapsed.as_secs_f64();
    // The floor is measured again now that the load is over, and the faster
    // of the two measurements taken: the higher floor, the stricter test,
    // whatever else the machine was doing at either moment.
    let cost_after = primitives_cost();
    let cost = cost_before.min(cost_after);
    let floor = cores as f64 / cost.as_secs_f64();
    println!(
        "CPU floor: primitives {:.1} us before the load, {:.1} us after; the faster -> {cores} / {:.1} us = {floor:.0} handshakes/s",
        micros(cost_before),
        micros(cost_after),
        micros(cost)
    );
    let share = rate / floor;
    let tcp_floor = cores as f64 / (cost + tcp).as_secs_f64();
    let tcp_share = rate / tcp_floor;
    let verdict = if tcp_share >= TARGET {
        "meets"
    } else {
        "MISSES"
    };
    println!(
        "TCP floor: {cores} / ({:.1} us primitives + {:.1} us bare TCP) = {tcp_floor:.0} handshakes/s",
        micros(cost),
        micros(tcp)
    );
    println!(
        "handshakes: {handshakes} in {:.2} s = {rate:.0}/s = {:.1}% of the CPU floor, \
         {:.1}% of the TCP floor ({verdict} the {:.0}% target)",
        elapsed.as_secs_f64(),
        share * 100.0,
        tcp_share * 100.0,
        TARGET * 100.0
    );
    if handshakes > 0 {
        println!(
            "latency ({}): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            if args.no_echo {
                "connect to the client's handshake done"
            } else {
                "connect to echo"
            },
            millis(percentile(&latencies, 0.50)),
            millis(percentile(&latencies, 0.99)),
            millis(*latencies.last().expect("not empty"))
        );
    }
    println!("failures: {}", failures.len());
    if handshakes > 0 {
        let per = |before: Option<Duration>, after: Option<Duration>| {
            before
                .zip(after)
                .map(|(b, a)| format!("{:.0} us", micros(a.saturating_sub(b)) / handshakes as f64))
                .unwrap_or_else(|| "unknown".into())
        };
        println!(
            "CPU time per handshake (user + system, from /proc): server {}, clients {}",
            per(cpu_before.1, cpu_after.1),
            per(cpu_before.0, cpu_after.0)
        );
        // The same comparison in CPU time rather than wall time: it does
        // not depend on how much of the machine other programs took.
        let spent = [cpu_before, cpu_after]
            .iter()
            .map(|(me, server)| me.zip(*server).map(|(a, b)| a + b))
            .collect::<Vec<_>>();
        if let [Some(before), Some(after)] = spent[..] {
            let each = micros(after.saturating_sub(before)) / handshakes as f64;
            println!(
                "  both sides together {each:.0} us per handshake, of which the primitives ({:.0} us) are {:.1}%",
                micros(cost),
                micros(cost) / each * 100.0
            );
            // The TCP floor's ratio in CPU time: what other programs take
            // from the cores does not move it.
            println!(
                "  in CPU time, (primitives + bare TCP) / both sides = {:.1}% (the TCP floor's ratio, undisturbed by other load)",
                micros(cost + tcp) / each * 100.0
            );
        }
    }
    if let Some(pid) = target.pid {
        let mut peak = *peak.lock().expect("sampler lock");
        if let Some(end) = Memory::of(pid) {
            peak.keep_peak(end);
        }
        println!(
            "server memory: peak resident (VmHWM) {:.1} MiB, largest VmRSS sampled {:.1} MiB, most threads sampled {}",
            peak.hwm_kib as f64 / 1024.0,
            peak.rss_kib as f64 / 1024.0,
            peak.threads
        );
    }
    println!("load average after: {}", loadavg());
    Ok((failures.is_empty() && handshakes > 0, handshakes))
}

/// One connection: handshake, one echoed message (unless `echo` is off), close.
fn one_handshake(
    target: &Target,
    config: Config,
    timeout: Duration,
    echo: bool,
) -> Result<(), String> {
    let stream = TcpStream::connect(&target.addr).map_err(|e| format!("connect: {e}"))?;
    let mut channel = net::connect_tcp(stream, &target.key, target.server, config, timeout)
        .map_err(|e| format!("handshake: {e}"))?;
    if !echo {
        return Ok(());
    }
    channel
        .get_ref()
        .set_read_timeout(Some(timeout))
        .map_err(|e| format!("timeout: {e}"))?;
    channel.send(b"ping").map_err(|e| format!("send: {e}"))?;
    match channel.recv() {
        Ok(Some(reply)) if reply == b"ping" => Ok(()),
        Ok(Some(_)) => Err("echo: a different message came back".into()),
        Ok(None) => Err("echo: the server closed the connection".into()),
        Err(e) => Err(format!("echo: {e}")),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}

/// Times the handshake's public-key operations for both sides, in this
/// process, in batches; returns the median batch's time per handshake.
fn primitives_cost() -> Duration {
    let primitives = Primitives::new();
    let once = || primitives.one_handshake();
    const BATCHES: usize = 11;
    const PER_BATCH: u32 = 100;
    once(); // warm up
    let mut batches: Vec<Duration> = (0..BATCHES)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..PER_BATCH {
                once();
            }
            start.elapsed() / PER_BATCH
        })
        .collect();
    batches.sort();
    batches[BATCHES / 2]
}

/// A server's memory, from `/proc/<pid>/status` (Linux).
#[derive(Clone, Copy, Default)]
struct Memory {
    hwm_kib: u64,
    rss_kib: u64,
    threads: u64,
}

impl Memory {
    fn of(pid: u32) -> Option<Self> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse().ok())
        };
        Some(Self {
            hwm_kib: field("VmHWM:")?,
            rss_kib: field("VmRSS:")?,
            threads: field("Threads:")?,
        })
    }

    fn keep_peak(&mut self, other: Self) {
        self.hwm_kib = self.hwm_kib.max(other.hwm_kib);
        self.rss_kib = self.rss_kib.max(other.rss_kib);
        self.threads = self.threads.max(other.threads);
    }
}

/// The `11-mtls-server` this program started, and what it printed.
struct SpawnedServer {
    child: Child,
    addr: String,
    accepted: Arc<AtomicU64>,
    rejected: Arc<AtomicU64>,
    panics: Arc<AtomicU64>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl SpawnedServer {
    fn start(args: &Args, dir: &Path) -> Result<Self, String> {
        let binary = server_binary()?;
        let mut child = Command::new(&binary)
            .args(["--listen", "127.0.0.1:0", "--binding", args.binding.name()])
            .arg("--key")
            .arg(dir.join("server.key"))
            .arg("--client-pub")
            .arg(dir.join("client.pub"))
            .args(["--max-pending", &args.max_pending.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut first = String::new();
        stdout
            .read_line(&mut first)
            .map_err(|e| format!("server output: {e}"))?;
        let addr = first
            .trim_end()
            .strip_prefix("listening on ")
            .ok_or_else(|| format!("unexpected first line from the server: {first:?}"))?
            .to_owned();
        let accepted = Arc::new(AtomicU64::new(0));
        let rejected = Arc::new(AtomicU64::new(0));
        let panics = Arc::new(AtomicU64::new(0));
        // Drain both pipes so the server never blocks writing its log.
        let out = {
            let (accepted, rejected) = (Arc::clone(&accepted), Arc::clone(&rejected));
            std::thread::spawn(move || {
                for line in stdout.lines().map_while(Result::ok) {
                    if line.starts_with("accepted") {
                        accepted.fetch_add(1, Ordering::Relaxed);
                    } else if line.starts_with("rejected") {
                        rejected.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        };
        let err = {
            let stderr = BufReader::new(child.stderr.take().expect("piped stderr"));
            let panics = Arc::clone(&panics);
            std::thread::spawn(move || {
                for line in stderr.lines().map_while(Result::ok) {
                    if line.contains("panicked") {
                        eprintln!("server: {line}");
                        panics.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        };
        Ok(Self {
            child,
            addr,
            accepted,
            rejected,
            panics,
            readers: vec![out, err],
        })
    }

    /// Stops the server; false if it had already exited or panicked.
    fn stop(&mut self) -> bool {
        let exited = self.child.try_wait().ok().flatten();
        if let Some(status) = exited {
            println!("server: EXITED during the run ({status})");
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        exited.is_none() && self.panics.load(Ordering::Relaxed) == 0
    }

    /// Prints and returns the server log's counts: (accepted, rejected).
    fn report(&self) -> (u64, u64) {
        let accepted = self.accepted.load(Ordering::Relaxed);
        let rejected = self.rejected.load(Ordering::Relaxed);
        println!(
            "server log: {accepted} accepted, {rejected} rejected, {} panic(s)",
            self.panics.load(Ordering::Relaxed)
        );
        (accepted, rejected)
    }
}

/// `11-mtls-server`, next to this binary; built with cargo if missing.
fn server_binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let dir = exe.parent().ok_or("no directory for this binary")?;
    let path = dir.join("11-mtls-server");
    if !path.exists() {
        let release = dir.parent().is_some_and(|p| p.ends_with("release"));
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        eprintln!("building 11-mtls-server...");
        let status = Command::new(cargo)
            .args(["build", "--example", "11-mtls-server"])
            .args(release.then_some("--release"))
            .arg("--manifest-path")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !status.success() || !path.exists() {
            return Err(format!(
                "{} is missing and could not be built",
                path.display()
            ));
        }
    }
    Ok(path)
}

/// The handshake's pattern of reads and writes (32 bytes out, 96 back, 96
/// and an 18-byte record out, a 22-byte record each way), one TCP
/// connection each, between client threads and a fixed set of server
/// threads blocked in `accept`, in this process, with no cryptography:
/// the CPU that loopback TCP alone costs per handshake on this machine.
fn tcp_baseline(clients: usize, duration: Duration, crypto: Duration) -> Result<Duration, String> {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let listener = Arc::new(listener);
    for _ in 0..clients {
        let listener = Arc::clone(&listener);
        // Detached: they block in accept() until the program exits.
        std::thread::spawn(move || {
            while let Ok((mut s, _)) = listener.accept() {
                let mut b = [0u8; 128];
                let _ = s.set_nodelay(true);
                let _ = (|| -> std::io::Result<()> {
                    s.read_exact(&mut b[..32])?;
                    s.write_all(&b[..96])?;
                    s.read_exact(&mut b[..96 + 18])?;
                    s.read_exact(&mut b[..22])?;
                    s.write_all(&b[..22])?;
                    while s.read(&mut b)? > 0 {}
                    Ok(())
                })();
            }
        });
    }
    let before = cpu_time("self");
    let start = Instant::now();
    let connections: u64 = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..clients)
            .map(|_| {
                scope.spawn(move || {
                    let mut n = 0u64;
                    let mut b = [0u8; 128];
                    while start.elapsed() < duration {
                        let mut exchange = || -> std::io::Result<()> {
                            let mut s = TcpStream::connect(addr)?;
                            s.set_nodelay(true)?;
                            s.write_all(&b[..32])?;
                            let mut m2 = [0u8; 96];
                            s.read_exact(&mut m2)?;
                            s.write_all(&b[..96])?;
                            s.write_all(&b[..18])?;
                            s.write_all(&b[..22])?;
                            s.read_exact(&mut b[..22])?;
                            Ok(())
                        };
                        if exchange().is_ok() {
                            n += 1;
                        }
                    }
                    n
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap_or(0)).sum()
    });
    let elapsed = start.elapsed();
    let cpu = before
        .zip(cpu_time("self"))
        .map(|(b, a)| a.saturating_sub(b))
        .unwrap_or_default();
    let per = micros(cpu) / connections.max(1) as f64;
    println!(
        "TCP alone (no cryptography, no thread start): {:.0} connections/s, {per:.0} us of CPU each, both sides",
        connections as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  so with the primitives ({:.0} us) the cores could do at most {:.0}% of the CPU floor",
        micros(crypto),
        micros(crypto) / (micros(crypto) + per) * 100.0
    );
    Ok(cpu / u32::try_from(connections.max(1)).unwrap_or(u32::MAX))
}

/// A process's CPU time so far (user + system), from `/proc/<pid>/stat`,
/// whose counts are in clock ticks of 1/100 s on Linux.
fn cpu_time(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

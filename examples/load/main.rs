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

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use learn_mtls::handshake::Binding;
use learn_mtls::keyfile::{self, Overwrite};
use learn_mtls::keys::{IdentityKey, PublicIdentity};
use learn_mtls::net::os_rng;

// One definition of "the handshake's primitives", shared with the bench.

mod clients;
mod floors;
mod server;

use clients::load;
use floors::{loadavg, primitives_cost, tcp_baseline};
use server::SpawnedServer;

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

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

//! Measures what a long authorized-keys list costs the server (issue 19,
//! weakness 4), with 2 keys and with 50,000, in two parts:
//!
//! 1. **One trust decision**, in this process: the check a refused
//!    handshake makes (a key that is not listed) and the re-check before
//!    each echo (a listed key), through `FilePolicy` exactly as
//!    `11-mtls-server --authorized FILE` opens it. Median time per check
//!    over 9 rounds of 20,000 checks.
//! 2. **The whole server**, a real `11-mtls-server` process on loopback:
//!    the CPU time it spends (user + system, from `/proc/PID/stat`, every
//!    thread included) per refused handshake (a client with a key that is
//!    not listed, which learns nothing and waits for the close) and per
//!    echo (16-byte messages on one session of the last key listed, the
//!    worst case for a scan). Median over 5 rounds of 3,000 handshakes or
//!    40,000 echoes. The client runs in this process, on another core
//!    where there is one; its time is not counted.
//!
//! ```text
//! cargo build --release --example 11-mtls-server
//! cargo run --release --example key-list-cost
//! ```
//!
//! Part 2 needs Linux (`/proc`) and the server built beside this example
//! (the first command); it says so and stops if either is missing.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;

use learn_mtls::handshake::{Binding, Config};
use learn_mtls::keyfile::{self, Overwrite};
use learn_mtls::keys::IdentityKey;
use learn_mtls::net;
use learn_mtls::schedule::KeySchedule;
use learn_mtls::trust::TrustPolicy;
use learn_mtls::trust::files::{Clients, FilePolicy};

const ROUNDS: usize = 9;
const CHECKS: usize = 20_000;

/// Rounds of the whole-server measurement, and the work in each.
const SERVER_ROUNDS: usize = 5;
const HANDSHAKES: usize = 3_000;
const ECHOES: usize = 40_000;

/// The `n`th client's identity (its secret is only for this measurement).
fn identity(n: u32) -> IdentityKey {
    let mut secret = [7u8; 32];
    secret[..4].copy_from_slice(&n.to_be_bytes());
    IdentityKey::from_secret_bytes(&secret)
}

fn key(n: u32) -> learn_mtls::keys::PublicIdentity {
    identity(n).public()
}

/// Median nanoseconds per `policy.check(client)`.
fn median_ns(policy: &FilePolicy, client: &learn_mtls::keys::PublicIdentity) -> f64 {
    let mut rounds: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let began = Instant::now();
            for _ in 0..CHECKS {
                std::hint::black_box(policy.check(std::hint::black_box(client))).ok();
            }
            began.elapsed().as_nanos() as f64 / CHECKS as f64
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    rounds[ROUNDS / 2]
}

/// A running `11-mtls-server`, killed (by its PID) when dropped.
struct ServerProcess {
    child: Child,
    addr: String,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ServerProcess {
    fn start(
        binary: &Path,
        key: &Path,
        authorized: &Path,
    ) -> Result<Self, Box<dyn std::error::Error>> {
        let mut child = Command::new(binary)
            .args(["--listen", "127.0.0.1:0", "--key"])
            .arg(key)
            .arg("--authorized")
            .arg(authorized)
            // No cap on one key's sessions: the echo round is one session,
            // and the refused clients have no key that is listed anyway.
            .args(["--max-sessions-per-key", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no standard output")?;
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().ok_or("the server printed nothing")??;
        let addr = first
            .strip_prefix("listening on ")
            .ok_or_else(|| format!("expected `listening on HOST:PORT`, got {first:?}"))?
            .to_owned();
        // Keep reading its one line per connection, or it would fill the
        // pipe (the server would lose lines, not block, but the cost of
        // writing them should be in the figures, as in real use).
        std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
        Ok(Self { child, addr })
    }

    /// CPU seconds the process has used so far: utime + stime of
    /// /proc/PID/stat (fields 14 and 15), every thread, finished ones too.
    fn cpu_seconds(&self) -> Result<f64, Box<dyn std::error::Error>> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))?;
        // The command name (field 2) may hold spaces: count after its ')'.
        let after = stat.rsplit_once(')').ok_or("unexpected /proc/PID/stat")?.1;
        let fields: Vec<&str> = after.split_whitespace().collect();
        let ticks: f64 = fields[11].parse::<f64>()? + fields[12].parse::<f64>()?;
        Ok(ticks / CLOCK_TICKS_PER_SECOND)
    }

    /// Median server CPU microseconds per unit of `work`, which does `per_round` units.
    fn median_us(
        &self,
        per_round: usize,
        mut work: impl FnMut() -> Result<(), Box<dyn std::error::Error>>,
    ) -> Result<f64, Box<dyn std::error::Error>> {
        let mut rounds = Vec::new();
        for _ in 0..SERVER_ROUNDS {
            let before = self.cpu_seconds()?;
            work()?;
            rounds.push((self.cpu_seconds()? - before) * 1e6 / per_round as f64);
        }
        rounds.sort_by(f64::total_cmp);
        Ok(rounds[SERVER_ROUNDS / 2])
    }
}

/// What `11-mtls-server` speaks by default: the binding as Lesson 11
/// taught it (the one whose refused handshakes an attacker can replay).
const LESSON11: Config = Config {
    binding: Binding::InsecureLesson11,
    schedule: KeySchedule::Hkdf,
};

/// `USER_HZ`, the unit of /proc/PID/stat's times: 100 on every Linux
/// architecture the course runs on (it is fixed by the kernel ABI, not by
/// `CONFIG_HZ`).
const CLOCK_TICKS_PER_SECOND: f64 = 100.0;

/// `11-mtls-server`, built beside this example.
fn server_binary() -> Result<PathBuf, Box<dyn std::error::Error>> {
    let here = std::env::current_exe()?;
    let binary = here
        .parent()
        .ok_or("no folder around this example")?
        .join("11-mtls-server");
    if !binary.is_file() {
        return Err(format!(
            "{} is missing: build it first with `cargo build --release --example 11-mtls-server`",
            binary.display()
        )
        .into());
    }
    Ok(binary)
}

/// Server CPU per refused handshake and per echo, with `authorized` in force.
fn whole_server(
    binary: &Path,
    server: &IdentityKey,
    key: &Path,
    authorized: &Path,
    listed: &IdentityKey,
) -> Result<(f64, f64), Box<dyn std::error::Error>> {
    let process = ServerProcess::start(binary, key, authorized)?;
    let timeout = Duration::from_secs(10);
    let stranger = identity(u32::MAX);
    let refused = process.median_us(HANDSHAKES, || {
        for _ in 0..HANDSHAKES {
            let stream = TcpStream::connect(&process.addr)?;
            stream.set_nodelay(true)?;
            // Under lesson11 a refused client is not told; the server
            // closes, which is what the client waits for here, so each
            // handshake is finished before the next begins.
            let mut channel =
                net::connect_tcp(stream, &stranger, server.public(), LESSON11, timeout)?;
            channel.get_ref().set_read_timeout(Some(timeout))?;
            if let Ok(Some(_)) = channel.recv() {
                return Err("a client with no listed key got an answer".into());
            }
        }
        Ok(())
    })?;
    let stream = TcpStream::connect(&process.addr)?;
    stream.set_nodelay(true)?;
    let mut channel = net::connect_tcp(stream, listed, server.public(), LESSON11, timeout)?;
    channel.get_ref().set_read_timeout(Some(timeout))?;
    let message = [b'e'; 16];
    let echo = process.median_us(ECHOES, || {
        for _ in 0..ECHOES {
            channel.send(&message)?;
            match channel.recv()? {
                Some(echoed) if echoed == message => {}
                other => return Err(format!("expected the echo, got {other:?}").into()),
            }
        }
        Ok(())
    })?;
    Ok((refused, echo))
}

/// What a long key list costs the server: no options, see the documentation above.
#[derive(Parser)]
#[command(
    about = "What 50,000 authorized keys cost the server against 2: one check, and the whole 11-mtls-server per refused handshake and per echo"
)]
struct Args {}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Args {} = Args::parse();
    let dir = std::env::temp_dir().join(format!("learn-mtls-key-list-cost-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = measure(&dir);
    std::fs::remove_dir_all(&dir)?;
    result
}

fn measure(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let stranger = key(u32::MAX);
    let mut lists = Vec::new();
    println!("One trust decision (FilePolicy::check), median of {ROUNDS} rounds of {CHECKS}:");
    println!("{:>8} {:>16} {:>16}", "keys", "refused (ns)", "listed (ns)");
    let mut figures = Vec::new();
    for count in [2u32, 50_000] {
        let mut text = String::new();
        for n in 0..count {
            writeln!(text, "{} client-{n}", key(n))?;
        }
        let path = dir.join(format!("authorized-{count}"));
        std::fs::write(&path, &text)?;
        let policy = FilePolicy::open(Clients::AuthorizedFile(path.clone()), None)?;
        assert_eq!(policy.client_count(), count as usize);
        let listed = key(count - 1); // the last line: the worst case for a scan
        assert!(policy.check(&listed).is_ok() && policy.check(&stranger).is_err());
        let (refused, known) = (median_ns(&policy, &stranger), median_ns(&policy, &listed));
        println!("{count:>8} {refused:>16.0} {known:>16.0}");
        figures.push((refused, known));
        lists.push((count, path));
    }
    println!(
        "50,000 keys against 2: refused x{:.2}, listed x{:.2}",
        figures[1].0 / figures[0].0,
        figures[1].1 / figures[0].1
    );

    let binary = server_binary()?;
    let server = identity(u32::MAX - 1);
    let (key_path, _) = keyfile::write_pair(dir, "server", &server, Overwrite::Never)?;
    println!();
    println!(
        "The whole 11-mtls-server: its CPU time per operation, median of {SERVER_ROUNDS} rounds \
         of {HANDSHAKES} refused handshakes or {ECHOES} echoes:"
    );
    println!(
        "{:>8} {:>22} {:>16}",
        "keys", "refused handshake (us)", "echo (us)"
    );
    let mut whole = Vec::new();
    for (count, path) in &lists {
        let (refused, echo) =
            whole_server(&binary, &server, &key_path, path, &identity(count - 1))?;
        println!("{count:>8} {refused:>22.1} {echo:>16.2}");
        whole.push((refused, echo));
    }
    println!(
        "50,000 keys against 2: refused handshake x{:.2}, echo x{:.2} (target: at most x1.2)",
        whole[1].0 / whole[0].0,
        whole[1].1 / whole[0].1
    );
    Ok(())
}

//! `--record WHAT`: the slow measurements whose numbers vary from run to
//! run, re-run into `lessons/figures/data/`. Nothing else writes there;
//! drawing reads the files and nothing more.
//!
//! Each record starts with `# key: value` lines (what ran, when, on what)
//! that the figures' captions quote.

use std::io::{BufRead, BufReader, Write as _};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::repo_path;

pub const DATA: &str = "lessons/figures/data";

/// What `--record` accepts, and the file each writes.
pub const RECORDS: &[(&str, &str)] = &[
    ("tls13", "tls13-trace.txt"),
    ("siege", "siege-sweep.tsv"),
    ("siege", "siege-compare.txt"),
    ("firmware", "firmware.txt"),
    ("firmware", "firmware-classical.txt"),
    ("bench", "bench.txt"),
];

/// A record's text, or an error saying how to make it.
pub fn read(file: &str) -> Result<String, String> {
    let path = format!("{DATA}/{file}");
    let what = RECORDS
        .iter()
        .find(|(_, f)| *f == file)
        .map_or("all", |(w, _)| w);
    std::fs::read_to_string(repo_path(&path)).map_err(|e| {
        format!("{path}: {e}; record it with `cargo run -p learn-mtls-figures -- --record {what}`")
    })
}

/// The value of a `# key: value` header line.
pub fn header<'t>(text: &'t str, key: &str) -> Option<&'t str> {
    text.lines()
        .take_while(|l| l.starts_with('#'))
        .find_map(|l| l.strip_prefix("# ")?.strip_prefix(key)?.strip_prefix(": "))
}

/// The lines that are not header comments.
pub fn body(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter(|l| !l.starts_with('#'))
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(repo_path("."));
    c
}

fn run(mut command: Command, what: &str) -> Result<String, String> {
    eprintln!("running {what}");
    let out = command
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{what}: {}", out.status));
    }
    String::from_utf8(out.stdout).map_err(|_| format!("{what}: output is not UTF-8"))
}

fn build(args: &[&str]) -> Result<(), String> {
    let mut c = cargo();
    c.arg("build").args(args);
    run(c, &format!("cargo build {}", args.join(" "))).map(drop)
}

fn shell(command: &str) -> String {
    Command::new("sh")
        .args(["-c", command])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// The machine, for the caption: CPU model, cores, kernel, load.
fn machine() -> String {
    let cpu = shell("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2");
    let cores = shell("nproc");
    let kernel = shell("uname -r");
    let load = shell("cut -d' ' -f1-3 /proc/loadavg");
    format!(
        "{} x {cores} cores, Linux {kernel}, load average {load} at the start",
        cpu.trim()
    )
}

fn write(file: &str, command: &str, note: &str, body: &str) -> Result<(), String> {
    let mut text = format!(
        "# Recorded by `cargo run -p learn-mtls-figures -- --record`, not by hand.\n\
         # command: {command}\n\
         # date: {}\n\
         # machine: {}\n",
        shell("date -u +%Y-%m-%d"),
        machine()
    );
    if !note.is_empty() {
        text.push_str(&format!("# note: {note}\n"));
    }
    text.push_str(body);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let dir = repo_path(DATA);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{DATA}: {e}"))?;
    std::fs::write(dir.join(file), text).map_err(|e| format!("{DATA}/{file}: {e}"))?;
    println!("wrote {DATA}/{file}");
    Ok(())
}

/// Runs one `--record WHAT` (or all of them).
pub fn record(what: &str) -> Result<(), String> {
    match what {
        "tls13" => tls13(),
        "siege" => siege(),
        "firmware" => firmware(),
        "bench" => bench(),
        "all" => {
            let mut done: Vec<&str> = Vec::new();
            for (what, _) in RECORDS {
                if !done.contains(what) {
                    record(what)?;
                    done.push(what);
                }
            }
            Ok(())
        }
        _ => Err(format!("unknown record `{what}`: one of {}, or all", {
            let mut names: Vec<&str> = RECORDS.iter().map(|(w, _)| *w).collect();
            names.dedup();
            names.join(", ")
        })),
    }
}

/// A scratch directory removed when dropped.
struct Scratch(std::path::PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child process killed (by its own handle) when dropped.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Lesson 16: `16-tls-client --trace` against `16-tls-server`, on
/// loopback, with certificates fresh from `16-tls-certs`.
fn tls13() -> Result<(), String> {
    build(&["-p", "learn-mtls-real-tls", "--examples"])?;
    let examples = repo_path("target/debug/examples");
    let scratch = Scratch(
        std::env::temp_dir().join(format!("learn-mtls-figures-tls13-{}", std::process::id())),
    );
    let pki = scratch.0.join("pki");
    std::fs::create_dir_all(&scratch.0).map_err(|e| e.to_string())?;
    let bin = |name: &str| Command::new(examples.join(name));
    let mut certs = bin("16-tls-certs");
    certs.arg("--out").arg(&pki).stdout(Stdio::null());
    run(certs, "16-tls-certs")?;
    let p = |f: &str| pki.join(f);
    let mut server = bin("16-tls-server");
    server
        .args(["--listen", "127.0.0.1:0", "--cert"])
        .arg(p("server.pem"))
        .arg("--key")
        .arg(p("server.key"))
        .arg("--client-ca")
        .arg(p("ca.pem"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut server = Child(server.spawn().map_err(|e| format!("16-tls-server: {e}"))?);
    let mut first = String::new();
    let stdout = server.0.stdout.take().ok_or("16-tls-server: no stdout")?;
    let mut reader = BufReader::new(stdout);
    reader
        .read_line(&mut first)
        .map_err(|e| format!("16-tls-server: {e}"))?;
    let addr = first
        .trim()
        .strip_prefix("listening on ")
        .ok_or_else(|| format!("16-tls-server said {first:?}, not `listening on ADDR`"))?
        .to_owned();
    // Keep reading the server's output so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in reader.lines() {});

    let mut client = bin("16-tls-client");
    client
        .args(["--connect", &addr, "--cert"])
        .arg(p("client.pem"))
        .arg("--key")
        .arg(p("client.key"))
        .arg("--ca")
        .arg(p("ca.pem"))
        .args(["--server-name", "localhost", "--trace"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = Child(client.spawn().map_err(|e| format!("16-tls-client: {e}"))?);
    if let Some(mut stdin) = child.0.stdin.take() {
        stdin
            .write_all(b"hello\n")
            .map_err(|e| format!("16-tls-client: {e}"))?;
    }
    let began = Instant::now();
    let status = loop {
        if let Some(status) = child.0.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if began.elapsed() > Duration::from_secs(30) {
            return Err("16-tls-client did not finish within 30 s".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut trace = String::new();
    if let Some(mut stderr) = child.0.stderr.take() {
        std::io::Read::read_to_string(&mut stderr, &mut trace).map_err(|e| e.to_string())?;
    }
    if !status.success() {
        return Err(format!("16-tls-client: {status}\n{trace}"));
    }
    drop(server);
    let lines: String = trace
        .lines()
        .filter(|l| l.starts_with("trace: "))
        .map(|l| format!("{l}\n"))
        .collect();
    write(
        "tls13-trace.txt",
        "16-tls-certs --out pki; 16-tls-server --listen 127.0.0.1:0 ...; echo hello | 16-tls-client --trace ... (debug builds, loopback)",
        "Ed25519 certificates made fresh by 16-tls-certs; the client's --trace lines as printed",
        &lines,
    )
}

/// Lesson 14: `14-siege --sweep` against each server (its full sizes take
/// about half a minute a server), and `14-siege --compare`.
fn siege() -> Result<(), String> {
    build(&[
        "--features",
        "tokio",
        "--release",
        "--example",
        "14-siege",
        "--example",
        "11-mtls-server",
        "--example",
        "14-async-server",
        "--example",
        "11-mtls-client",
    ])?;
    let siege = repo_path("target/release/examples/14-siege");
    let mut table = String::new();
    for server in ["11-mtls-server", "14-async-server"] {
        let mut c = Command::new(&siege);
        c.args(["--sweep", "--server", server]);
        let out = run(c, &format!("14-siege --sweep --server {server}"))?;
        for line in out.lines() {
            if line.starts_with("server\t") && !table.is_empty() {
                continue;
            }
            table.push_str(line);
            table.push('\n');
        }
    }
    let mut c = Command::new(&siege);
    c.arg("--compare");
    let compare = run(c, "14-siege --compare")?;
    write(
        "siege-compare.txt",
        "cargo build --release --features tokio --examples; 14-siege --compare",
        "3000 connections stalled after message 1 with both caps raised to 3000, then 4 honest clients for 3 s",
        &compare,
    )?;
    write(
        "siege-sweep.tsv",
        "cargo build --release --features tokio --examples; 14-siege --sweep --server S, for S in 11-mtls-server and 14-async-server",
        "full sizes: 0 to 800 silent connections held (50 more opened a second), 10 honest clients (the real 11-mtls-client) per run, one every 100 ms",
        &table,
    )
}

/// The device page: the firmware under QEMU, as CI runs it (with the
/// hybrid handshake of Lesson 19, feature `pq`), and built without `pq`,
/// the classical handshake alone: the difference is what `pq` costs.
fn firmware() -> Result<(), String> {
    let builds = [
        ("firmware.txt", &[][..], ""),
        (
            "firmware-classical.txt",
            &["--no-default-features"][..],
            "the classical handshake alone, without the `pq` feature",
        ),
    ];
    for (file, flags, note) in builds {
        let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        c.current_dir(repo_path("embedded"))
            .args(["run", "--release"])
            .args(flags)
            // The host workspace's settings must not leak into embedded/'s.
            .env_remove("CARGO_TARGET_DIR");
        let command = ["cargo run --release"]
            .into_iter()
            .chain(flags.iter().copied())
            .collect::<Vec<_>>()
            .join(" ");
        let out = run(c, &format!("{command} (in embedded/, under QEMU)"))?;
        let last = out.lines().last().unwrap_or_default();
        if !last.starts_with("on-device: handshake ok") {
            return Err(format!("the firmware's last line is {last:?}"));
        }
        write(
            file,
            &format!("cd embedded && {command} (QEMU lm3s6965evb, Cortex-M3)"),
            note,
            &out,
        )?;
    }
    Ok(())
}

/// How many times `--record bench` runs each operation under callgrind.
pub const BENCH_RUNS: u32 = 20;

/// The benchmark's operations, counted: each of the handshake, the
/// yardstick and every primitive under callgrind, run 0 and
/// [`BENCH_RUNS`] times (so the start-up cancels out).
fn bench() -> Result<(), String> {
    build(&[
        "--release",
        "-p",
        "learn-mtls-bench",
        "--example",
        "instructions",
    ])?;
    let binary = repo_path("target/release/examples/instructions");
    let count = |operation: &str, n: u32| -> Result<u64, String> {
        let what = format!("valgrind --tool=callgrind instructions {operation:?} {n}");
        let out = Command::new("valgrind")
            .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
            .arg(&binary)
            .arg(operation)
            .arg(n.to_string())
            .output()
            .map_err(|e| format!("{what}: {e} (is valgrind installed?)"))?;
        if !out.status.success() {
            return Err(format!("{what}: {}", out.status));
        }
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .find_map(|l| l.split("Collected : ").nth(1))
            .and_then(|n| n.trim().parse().ok())
            .ok_or_else(|| format!("{what}: no `Collected :` line"))
    };
    let mut operations: Vec<(String, u32)> = vec![
        ("handshake".into(), 1),
        ("primitives".into(), 1),
        ("hybrid handshake".into(), 1),
        ("hybrid primitives".into(), 1),
    ];
    for p in learn_mtls_kit::primitives::all_primitives() {
        operations.push((p.name.into(), p.per_handshake));
    }
    let mut table =
        String::from("operation\tper_handshake\truns\tinstructions_at_0\tinstructions_at_runs\n");
    for (operation, per_handshake) in &operations {
        eprintln!("counting {operation}");
        let (zero, many) = (count(operation, 0)?, count(operation, BENCH_RUNS)?);
        table.push_str(&format!(
            "{operation}\t{per_handshake}\t{BENCH_RUNS}\t{zero}\t{many}\n"
        ));
    }
    let version = shell("valgrind --version");
    write(
        "bench.txt",
        &format!(
            "cargo build --release -p learn-mtls-bench --example instructions; valgrind --tool=callgrind instructions OPERATION N, N = 0 and {BENCH_RUNS}"
        ),
        &format!(
            "instructions counted by callgrind ({version}), x86-64 release build: repeatable, unlike criterion's wall-clock estimates"
        ),
        &table,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_read_from_the_top_only() {
        let text = "# command: x y\n# date: 2026-12-07\nbody\n# command: later\n";
        assert_eq!(header(text, "command"), Some("x y"));
        assert_eq!(header(text, "date"), Some("2026-12-07"));
        assert_eq!(header(text, "machine"), None);
        assert_eq!(body(text).collect::<Vec<_>>(), ["body"]);
    }

    #[test]
    fn an_unknown_record_is_named() {
        let e = record("nope").unwrap_err();
        assert!(e.contains("unknown record `nope`"), "{e}");
    }
}

//! `15-mtls-server` under Lesson 14's attacks, with its default flags:
//! the defences `11-mtls-server` has must hold for the certified server too.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

mod common;
use common::binaries::example;

fn scratch() -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "learn-mtls-l15-avail-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn ok(dir: &Path, binary: &str, args: &[&str]) {
    let out = Command::new(example(binary))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run example");
    assert!(
        out.status.success(),
        "{binary} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A root CA, a server certificate for `api.internal` and alice's.
fn pki(dir: &Path) {
    ok(
        dir,
        "15-ca",
        &["init", "--dir", "root", "--name", "root-ca"],
    );
    ok(dir, "11-mtls-genkeys", &["server", "alice"]);
    for (role, name, key) in [
        ("server", "api.internal", "server"),
        ("client", "alice", "alice"),
    ] {
        let (public, out) = (format!("{key}.pub"), format!("{key}.crt"));
        ok(
            dir,
            "15-ca",
            &[
                "issue", "--dir", "root", "--role", role, "--name", name, "--pub", &public,
                "--days", "30", "--out", &out,
            ],
        );
    }
}

/// The server, its address, and its standard output after the first line.
fn start(dir: &Path, args: &[&str]) -> (Child, String, BufReader<std::process::ChildStdout>) {
    let mut child = Command::new(example("15-mtls-server"))
        .current_dir(dir)
        .args(["--listen", "127.0.0.1:0", "--key", "server.key"])
        .args(["--cert", "server.crt", "--ca", "root/ca.crt"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start server");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("a first line");
    let addr = first
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("expected `listening on HOST:PORT`, got {first:?}"))
        .to_owned();
    (child, addr, stdout)
}

/// The real `15-mtls-client` as alice, sending "hello": did it get the echo within 5 s?
fn honest_client(dir: &Path, addr: &str) -> bool {
    let mut child = Command::new(example("15-mtls-client"))
        .current_dir(dir)
        .args([
            "--connect",
            addr,
            "--key",
            "alice.key",
            "--cert",
            "alice.crt",
        ])
        .args(["--ca", "root/ca.crt", "--server-name", "api.internal"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start client");
    let _ = child.stdin.take().expect("stdin").write_all(b"hello\n");
    let mut stdout = child.stdout.take().expect("stdout");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait client") {
            let mut echo = String::new();
            let _ = stdout.read_to_string(&mut echo);
            return status.success() && echo == "hello\n";
        }
        if started.elapsed() > Duration::from_secs(5) {
            let _ = child.kill();
            let _ = child.wait();
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_closed_standard_output_neither_stops_nor_breaks_the_server() {
    let dir = scratch();
    pki(&dir);
    let (child, addr, stdout) = start(&dir, &[]);
    let mut server = Kill(child);
    // Whoever read the server's output has gone: every line now meets EPIPE.
    drop(stdout);
    for i in 0..3 {
        assert!(honest_client(&dir, &addr), "honest client {i} failed");
    }
    assert!(
        server.0.try_wait().expect("server status").is_none(),
        "the server exited when its standard output closed"
    );
}

//! Lesson 19 on the command line: `11-mtls-client` and `11-mtls-server`
//! with `--kex x25519-mlkem768` complete the hybrid handshake under both
//! bindings and both schedules, print the message sizes, and a key
//! exchange mismatch fails with an error naming `--kex` on both sides.
//! Real processes on loopback.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

mod common;
use common::binaries::example;
use common::processes::Server;

/// A scratch directory, removed when the test ends, pass or fail.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "learn-mtls-lesson19-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        let out = Command::new(example("11-mtls-genkeys"))
            .arg("--out")
            .arg(&dir)
            .args(["server", "client"])
            .output()
            .expect("run 11-mtls-genkeys");
        assert!(out.status.success(), "{}", text(&out.stderr));
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn server(dir: &Path, extra: &[&str]) -> Server {
    let mut args = vec!["--key", "server.key", "--client-pub", "client.pub"];
    args.extend_from_slice(extra);
    Server::start("11-mtls-server", dir, &args)
}

fn client(dir: &Path, server: &Server, input: &str, extra: &[&str]) -> Output {
    let mut child = Command::new(example("11-mtls-client"))
        .current_dir(dir)
        .args([
            "--connect",
            &server.addr,
            "--key",
            "client.key",
            "--server-pub",
            "server.pub",
        ])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start client");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("client output")
}

#[test]
fn the_hybrid_handshake_runs_between_the_binaries_under_both_bindings_and_schedules() {
    let dir = Scratch::new();
    for binding in ["lesson11", "transcript"] {
        for schedule in ["hkdf", "tls12-prf"] {
            let flags = [
                "--kex",
                "x25519-mlkem768",
                "--binding",
                binding,
                "--schedule",
                schedule,
            ];
            let server = server(&dir.0, &flags);
            let out = client(&dir.0, &server, "harvest me\nif you can\n", &flags);

            assert!(
                out.status.success(),
                "{binding} {schedule}: {}",
                text(&out.stderr)
            );
            assert_eq!(text(&out.stdout), "harvest me\nif you can\n");
            assert!(
                text(&out.stderr).contains(
                    "key exchange x25519-mlkem768: message 1 1216 bytes, message 2 1184, \
                     message 3 96 (2496 in all)"
                ),
                "{}",
                text(&out.stderr)
            );
            assert!(server.next_line().starts_with("accepted client"));
        }
    }
}

#[test]
fn the_classical_client_still_prints_224_bytes() {
    let dir = Scratch::new();
    let server = server(&dir.0, &[]);
    let out = client(&dir.0, &server, "hi\n", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains(
            "key exchange x25519: message 1 32 bytes, message 2 96, message 3 96 (224 in all)"
        ),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_hybrid_client_and_a_classical_server_both_name_the_mismatch() {
    let dir = Scratch::new();
    for binding in ["lesson11", "transcript"] {
        let server = server(&dir.0, &["--binding", binding]);
        let out = client(
            &dir.0,
            &server,
            "hi\n",
            &["--binding", binding, "--kex", "x25519-mlkem768"],
        );

        assert!(!out.status.success());
        let error = text(&out.stderr);
        assert!(
            error.contains("key exchange mismatch") && error.contains("it runs --kex x25519;"),
            "{binding}: {error}"
        );
        let line = server.next_line();
        assert!(
            line.starts_with("rejected")
                && line.contains("key exchange mismatch")
                && line.contains("the client runs --kex x25519-mlkem768"),
            "{binding}: {line}"
        );
    }
}

#[test]
fn a_classical_client_and_a_hybrid_server_both_name_the_mismatch() {
    let dir = Scratch::new();
    let server = server(
        &dir.0,
        &["--kex", "x25519-mlkem768", "--handshake-timeout", "1"],
    );
    let out = client(&dir.0, &server, "hi\n", &["--timeout", "3"]);

    assert!(!out.status.success());
    let error = text(&out.stderr);
    assert!(
        error.contains("waiting for message 2")
            && error.contains("a server running --kex x25519-mlkem768 waits for a 1216-byte"),
        "{error}"
    );
    let line = server.next_line();
    assert!(
        line.starts_with("rejected")
            && line.contains("key exchange mismatch: the client sent a 32-byte message 1"),
        "{line}"
    );
}

#[test]
fn an_unknown_kex_is_refused_by_name() {
    let dir = Scratch::new();
    let out = Command::new(example("11-mtls-client"))
        .current_dir(&dir.0)
        .args(["--connect", "127.0.0.1:1", "--key", "client.key"])
        .args(["--server-pub", "server.pub", "--kex", "kyber"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("expected `x25519` or `x25519-mlkem768`"),
        "{}",
        text(&out.stderr)
    );
}

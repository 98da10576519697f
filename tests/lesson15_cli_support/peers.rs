//! The server and client side: `15-mtls-server` and `15-mtls-client`
//! run against a PKI from [`super::ca`], and what their lines must say.

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use super::ca::{T, text};
use crate::common::binaries::example;
use crate::common::processes::Server;

/// `15-mtls-server` in `dir` with `server.key` and the root `root/ca.crt`.
pub fn start_server(dir: &Path, args: &[&str]) -> Server {
    let fixed = ["--key", "server.key", "--ca", "root/ca.crt"];
    let args: Vec<&str> = fixed.iter().chain(args).copied().collect();
    Server::start("15-mtls-server", dir, &args)
}

/// Runs the client with `key`/`cert`, sending "hello"; `extra` args last.
pub fn client(dir: &Path, server: &Server, key: &str, cert: &str, extra: &[&str]) -> Output {
    // Defaults for the options `extra` does not give.
    let mut args = vec!["--connect", &server.addr, "--key", key, "--cert", cert];
    args.extend(["--ca", "root/ca.crt"]);
    for (option, default) in [("--now", T), ("--server-name", "api.internal")] {
        if !extra.contains(&option) {
            args.extend([option, default]);
        }
    }
    let mut child = Command::new(example("15-mtls-client"))
        .current_dir(dir)
        .args(args)
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start client");
    // A client that refuses the server exits before reading its input.
    let _ = child.stdin.take().expect("stdin").write_all(b"hello\n");
    child.wait_with_output().expect("client output")
}

pub fn assert_accepted(server: &Server, out: &Output, who: &str) {
    assert!(out.status.success(), "client failed: {}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "hello\n");
    let line = server.next_line();
    assert!(line.starts_with(&format!("accepted {who} from ")), "{line}");
}

pub fn assert_rejected(server: &Server, out: &Output, reason: &str) {
    assert!(!out.status.success(), "the client should have failed");
    let line = server.next_line();
    assert!(line.starts_with("rejected "), "{line}");
    assert!(line.contains(reason), "expected {reason:?} in {line:?}");
}

/// A client whose standard input stays open, so the test can type into it.
pub fn interactive_client(dir: &Path, server: &Server, key: &str, cert: &str) -> Child {
    Command::new(example("15-mtls-client"))
        .current_dir(dir)
        .args(["--connect", &server.addr, "--key", key, "--cert", cert])
        .args([
            "--ca",
            "root/ca.crt",
            "--server-name",
            "api.internal",
            "--now",
            T,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start client")
}

pub fn type_line(client: &mut Child, line: &str) -> String {
    let stdin = client.stdin.as_mut().expect("stdin");
    writeln!(stdin, "{line}").expect("type a line");
    let mut reply = String::new();
    let stdout = client.stdout.as_mut().expect("stdout");
    let mut byte = [0u8; 1];
    while std::io::Read::read(stdout, &mut byte).expect("read reply") == 1 && byte[0] != b'\n' {
        reply.push(char::from(byte[0]));
    }
    reply
}

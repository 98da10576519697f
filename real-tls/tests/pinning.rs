//! Lesson 17's pinning, with Lesson 16's client: `16-tls-client
//! --pin-sha256` connects to the server whose certificate has that
//! fingerprint, and refuses a certificate the same CA re-issued for the
//! same name (re-issued here by OpenSSL, as an operator rotating it would),
//! naming the fingerprint it saw. Needs `openssl`; FAILS without it.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::channel;
use std::time::Duration;

use learn_mtls_test_support::example;

fn run(command: &mut Command) -> Output {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e} (is openssl installed?)"));
    assert!(
        out.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `16-tls-server` on a free loopback port; killed (by its PID) on drop.
/// Its output lines are kept on the channel: dropping the reading end
/// would close the server's stdout under it.
struct Server {
    child: Child,
    addr: String,
    _lines: std::sync::mpsc::Receiver<String>,
}

impl Server {
    fn start(dir: &Path, cert: &str) -> Self {
        let mut child = Command::new(example("16-tls-server"))
            .args(["--listen", "127.0.0.1:0", "--cert"])
            .arg(dir.join(cert))
            .arg("--key")
            .arg(dir.join("server.key"))
            .arg("--client-ca")
            .arg(dir.join("ca.pem"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("16-tls-server starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let first = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the server prints `listening on` within 20 s");
        let addr = first
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {first}"))
            .to_owned();
        Self {
            child,
            addr,
            _lines: rx,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn fingerprint(cert: &Path) -> String {
    let out = run(Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(cert));
    let text = String::from_utf8_lossy(&out.stdout);
    // `sha256 Fingerprint=AB:CD:...`, as an operator would copy it.
    text.trim()
        .split_once('=')
        .expect("openssl prints NAME=FINGERPRINT")
        .1
        .to_owned()
}

fn pinned_client(dir: &Path, addr: &str, pin: &str) -> Output {
    let mut child = Command::new(example("16-tls-client"))
        .args([
            "--connect",
            addr,
            "--server-name",
            "localhost",
            "--timeout",
            "10",
        ])
        .arg("--cert")
        .arg(dir.join("client.pem"))
        .arg("--key")
        .arg(dir.join("client.key"))
        .arg("--ca")
        .arg(dir.join("ca.pem"))
        .args(["--pin-sha256", pin])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("16-tls-client starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"pinned hello\n")
        .expect("write");
    child.wait_with_output().expect("16-tls-client ends")
}

/// A scratch directory, removed when dropped (also when a check fails).
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_pinned_client_refuses_a_certificate_the_same_ca_reissued() {
    let scratch =
        Scratch(std::env::temp_dir().join(format!("lesson17-pinning-{}", std::process::id())));
    let dir = &scratch.0;
    let _ = std::fs::remove_dir_all(dir);
    run(Command::new(example("16-tls-certs"))
        .arg("--out")
        .arg(dir)
        .args(["--algorithm", "ecdsa-p256"]));
    let pin = fingerprint(&dir.join("server.pem"));

    let server = Server::start(dir, "server.pem");
    let out = pinned_client(dir, &server.addr, &pin);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the pinned client connects: {stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "pinned hello\n");
    drop(server);

    // The rotation: the same CA signs a new certificate for the same name
    // and the same key. Every CA-trusting client accepts it; the pin does not.
    std::fs::write(
        dir.join("reissue.ext"),
        "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n",
    )
    .expect("write the extensions");
    run(Command::new("openssl")
        .args(["req", "-new", "-subj", "/CN=localhost", "-key"])
        .arg(dir.join("server.key"))
        .arg("-out")
        .arg(dir.join("reissued.csr")));
    run(Command::new("openssl")
        .args(["x509", "-req", "-days", "2", "-in"])
        .arg(dir.join("reissued.csr"))
        .arg("-CA")
        .arg(dir.join("ca.pem"))
        .arg("-CAkey")
        .arg(dir.join("ca.key"))
        .arg("-extfile")
        .arg(dir.join("reissue.ext"))
        .arg("-out")
        .arg(dir.join("reissued.pem")));
    let new_pin = fingerprint(&dir.join("reissued.pem"));
    assert_ne!(new_pin, pin);

    let server = Server::start(dir, "reissued.pem");
    let out = pinned_client(dir, &server.addr, &pin);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "refused: {stderr}");
    assert!(out.stdout.is_empty(), "nothing was sent or received");
    let seen = new_pin.replace(':', "").to_lowercase();
    assert!(
        stderr.contains("certificate pinning failure") && stderr.contains(&seen),
        "names the fingerprint it saw ({seen}): {stderr}"
    );
    // Re-pinned to the new certificate, the same client connects again.
    let out = pinned_client(dir, &server.addr, &new_pin);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(server);
}

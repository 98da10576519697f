//! Lesson 16 interoperation: our rustls binaries against OpenSSL and
//! Python's `ssl`, in both directions, and the TLS 1.2 relay decrypting an
//! OpenSSL session. Needs `openssl` and `python3` on the PATH; without them
//! every test here FAILS and says so (`.ci/run` installs them).
//!
//! Every wait is bounded; every process started here is killed when its
//! guard is dropped.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use learn_mtls_test_support::{Spawned, TempDir, example};

const WAIT: Duration = Duration::from_secs(20);

fn python_script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("py").join(name)
}

/// Fails (never skips) when a tool is missing.
fn require(tool: &str) {
    let version_arg = if tool == "openssl" {
        "version"
    } else {
        "--version"
    };
    learn_mtls_test_support::require(
        "the Lesson 16 interop tests",
        tool,
        version_arg,
        "Debian: apt-get install -y openssl python3",
    );
}

/// `16-tls-certs --out DIR/name [--algorithm ...]`.
fn make_certs(dir: &TempDir, name: &str, algorithm: &str) {
    let out = Command::new(example("16-tls-certs"))
        .args([
            "--out",
            &dir.s(name),
            "--algorithm",
            algorithm,
            "--ca-name",
            &format!("lesson 16 CA {name}"),
        ])
        .output()
        .expect("16-tls-certs runs");
    assert!(
        out.status.success(),
        "16-tls-certs failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A running process whose output lines arrive on channels; killed on drop.
struct Running {
    name: String,
    stdin: Option<ChildStdin>,
    process: Spawned,
    seen: Vec<String>,
}

fn spawn(name: &str, command: &mut Command) -> Running {
    let mut process = Spawned::start(command, Stdio::piped())
        .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
    Running {
        name: name.to_owned(),
        stdin: process.child.stdin.take(),
        process,
        seen: Vec::new(),
    }
}

impl Running {
    /// Waits (bounded) for a line containing `needle`, stdout or stderr.
    fn expect(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.process.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => break,
            }
        }
        // Lines already seen count too (a line may arrive before we ask).
        if let Some(line) = self.seen.iter().find(|l| l.contains(needle)) {
            return line.clone();
        }
        panic!(
            "{}: no line containing {needle:?} within {WAIT:?}; output so far:\n{}",
            self.name,
            self.seen.join("\n")
        );
    }

    /// Like `expect`, but searching what was already seen first.
    fn expect_any(&mut self, needle: &str) -> String {
        if let Some(line) = self.seen.iter().find(|l| l.contains(needle)) {
            return line.clone();
        }
        self.expect(needle)
    }

    /// `HOST:PORT` from a `listening on HOST:PORT` or `ACCEPT HOST:PORT` line.
    fn address(&mut self, prefix: &str) -> String {
        let line = self.expect(prefix);
        line[line.find(prefix).expect("prefix") + prefix.len()..]
            .split([',', ' '])
            .next()
            .expect("an address")
            .to_owned()
    }

    fn send(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        stdin.write_all(text.as_bytes()).expect("write to stdin");
        stdin.flush().expect("flush stdin");
    }

    fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Waits (bounded) for the process to exit; returns whether it succeeded.
    fn wait(&mut self) -> bool {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.process.child.try_wait().expect("try_wait") {
                return status.success();
            }
            assert!(
                Instant::now() < deadline,
                "{} did not exit within {WAIT:?}",
                self.name
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn our_server(dir: &TempDir, pki: &str, crl: Option<&str>) -> (Running, String) {
    let mut command = Command::new(example("16-tls-server"));
    command.args([
        "--listen",
        "127.0.0.1:0",
        "--cert",
        &dir.s(&format!("{pki}/server.pem")),
        "--key",
        &dir.s(&format!("{pki}/server.key")),
        "--client-ca",
        &dir.s(&format!("{pki}/ca.pem")),
    ]);
    if let Some(crl) = crl {
        command.args(["--crl", &dir.s(crl)]);
    }
    let mut server = spawn("16-tls-server", &mut command);
    let addr = server.address("listening on ");
    (server, addr)
}

fn our_client(
    dir: &TempDir,
    addr: &str,
    identity: Option<&str>,
    ca: &str,
    extra: &[&str],
) -> Running {
    let mut command = Command::new(example("16-tls-client"));
    command.args([
        "--connect",
        addr,
        "--ca",
        &dir.s(ca),
        "--server-name",
        "localhost",
    ]);
    if let Some(pki) = identity {
        command.args([
            "--cert",
            &dir.s(&format!("{pki}/client.pem")),
            "--key",
            &dir.s(&format!("{pki}/client.key")),
        ]);
    }
    command.args(extra);
    spawn("16-tls-client", &mut command)
}

#[test]
fn our_client_against_openssl_s_server_requiring_a_client_certificate() {
    require("openssl");
    let dir = TempDir::new("lesson16-interop", "ossl-server");
    make_certs(&dir, "pki", "ed25519");
    let mut server = spawn(
        "openssl s_server",
        Command::new("openssl").args([
            "s_server",
            "-accept",
            "127.0.0.1:0",
            "-tls1_3",
            "-Verify",
            "1",
            "-cert",
            &dir.s("pki/server.pem"),
            "-key",
            &dir.s("pki/server.key"),
            "-CAfile",
            &dir.s("pki/ca.pem"),
            "-rev",
            "-naccept",
            "1",
        ]),
    );
    let addr = server.address("ACCEPT ");
    let mut client = our_client(&dir, &addr, Some("pki"), "pki/ca.pem", &[]);
    client.send("hello openssl\n");
    // s_server -rev answers each line reversed.
    client.expect("lssnepo olleh");
    client.close_stdin();
    assert!(client.wait(), "our client exits 0");
    server.expect("Peer certificate: CN = alice");
    server.expect_any("Protocol version: TLSv1.3");
}

/// `-Verify 1` alone only *logs* a client certificate that does not verify
/// and carries on; `-verify_return_error` is what makes it refuse.
#[test]
fn openssl_s_server_refuses_a_stranger_only_with_verify_return_error() {
    require("openssl");
    let dir = TempDir::new("lesson16-interop", "ossl-stranger");
    make_certs(&dir, "pki", "ed25519");
    make_certs(&dir, "other", "ed25519");
    for strict in [false, true] {
        let mut args = vec![
            "s_server".to_owned(),
            "-accept".into(),
            "127.0.0.1:0".into(),
            "-tls1_3".into(),
            "-Verify".into(),
            "1".into(),
            "-cert".into(),
            dir.s("pki/server.pem"),
            "-key".into(),
            dir.s("pki/server.key"),
            "-CAfile".into(),
            dir.s("pki/ca.pem"),
            "-rev".into(),
            "-naccept".into(),
            "1".into(),
        ];
        if strict {
            args.push("-verify_return_error".into());
        }
        let mut server = spawn("openssl s_server", Command::new("openssl").args(&args));
        let addr = server.address("ACCEPT ");
        let mut client = our_client(&dir, &addr, Some("other"), "pki/ca.pem", &[]);
        client.send("stranger\n");
        if strict {
            let error = client.expect("error: ");
            assert!(error.contains("UnknownCA"), "{error}");
        } else {
            // Accepted: the reply comes back, and s_server merely notes the failure.
            client.expect("regnarts");
            server.expect("Verification error: unable to verify the first certificate");
        }
    }
}

#[test]
fn openssl_s_client_with_a_certificate_against_our_server() {
    require("openssl");
    let dir = TempDir::new("lesson16-interop", "ossl-client");
    make_certs(&dir, "pki", "ed25519");
    let (mut server, addr) = our_server(&dir, "pki", None);
    let mut client = spawn(
        "openssl s_client",
        Command::new("openssl").args([
            "s_client",
            "-connect",
            &addr,
            "-tls1_3",
            "-cert",
            &dir.s("pki/client.pem"),
            "-key",
            &dir.s("pki/client.key"),
            "-CAfile",
            &dir.s("pki/ca.pem"),
            "-verify_return_error",
            "-quiet",
        ]),
    );
    client.send("echo from openssl\n");
    client.expect("echo from openssl");
    let accepted = server.expect("accepted ");
    assert!(accepted.contains("CN=alice"), "{accepted}");
}

#[test]
fn python_client_against_our_server() {
    require("python3");
    let dir = TempDir::new("lesson16-interop", "py-client");
    make_certs(&dir, "pki", "ed25519");
    let (mut server, addr) = our_server(&dir, "pki", None);
    let mut client = spawn(
        "python client",
        Command::new("python3")
            .arg(python_script("mtls_client.py"))
            .args([
                "--connect",
                &addr,
                "--cert",
                &dir.s("pki/client.pem"),
                "--key",
                &dir.s("pki/client.key"),
                "--ca",
                &dir.s("pki/ca.pem"),
                "--server-name",
                "localhost",
            ]),
    );
    client.send("hello from python\n");
    client.expect("hello from python");
    client.close_stdin();
    assert!(client.wait(), "the Python client exits 0");
    assert!(server.expect("accepted ").contains("CN=alice"));
}

#[test]
fn our_client_against_a_python_server_with_cert_required() {
    require("python3");
    let dir = TempDir::new("lesson16-interop", "py-server");
    make_certs(&dir, "pki", "ed25519");
    let mut server = spawn(
        "python server",
        Command::new("python3")
            .arg(python_script("mtls_server.py"))
            .args([
                "--listen",
                "127.0.0.1:0",
                "--cert",
                &dir.s("pki/server.pem"),
                "--key",
                &dir.s("pki/server.key"),
                "--ca",
                &dir.s("pki/ca.pem"),
                "--connections",
                "2",
            ]),
    );
    let addr = server.address("listening on ");
    let mut client = our_client(&dir, &addr, Some("pki"), "pki/ca.pem", &[]);
    client.send("to python\n");
    client.expect("TO PYTHON");
    client.close_stdin();
    assert!(client.wait());
    assert_eq!(server.expect("accepted "), "accepted CN=alice");

    // Without a certificate, Python's CERT_REQUIRED refuses us, and we say why.
    let mut anonymous = our_client(&dir, &addr, None, "pki/ca.pem", &[]);
    anonymous.send("anyone?\n");
    let error = anonymous.expect("error: ");
    assert!(error.contains("CertificateRequired"), "{error}");
    assert!(!anonymous.wait(), "a refused client exits non-zero");
    server.expect("rejected ");
}

#[test]
fn our_server_refuses_no_certificate_another_ca_and_a_revoked_one_each_with_its_reason() {
    require("openssl");
    require("python3");
    let dir = TempDir::new("lesson16-interop", "refusals");
    make_certs(&dir, "pki", "ed25519");
    make_certs(&dir, "other", "ed25519");
    // Revoke pki's client.
    let out = Command::new(example("16-tls-certs"))
        .args(["revoke", "--out", &dir.s("pki"), "client"])
        .output()
        .expect("revoke runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("revoked"));
    let (mut server, addr) = our_server(&dir, "pki", Some("pki/crl.pem"));

    // 1. No certificate at all (OpenSSL).
    let mut anonymous = spawn(
        "openssl s_client (no certificate)",
        Command::new("openssl").args([
            "s_client",
            "-connect",
            &addr,
            "-tls1_3",
            "-CAfile",
            &dir.s("pki/ca.pem"),
        ]),
    );
    let line = server.expect("rejected ");
    assert!(line.contains("no client certificate"), "{line}");
    anonymous.expect("alert certificate required");

    // 2. A certificate from another CA (Python).
    let mut stranger = spawn(
        "python client (other CA)",
        Command::new("python3")
            .arg(python_script("mtls_client.py"))
            .args([
                "--connect",
                &addr,
                "--cert",
                &dir.s("other/client.pem"),
                "--key",
                &dir.s("other/client.key"),
                "--ca",
                &dir.s("pki/ca.pem"),
                "--server-name",
                "localhost",
            ]),
    );
    stranger.send("let me in\n");
    let line = server.expect("rejected ");
    assert!(line.contains("unknown issuer"), "{line}");
    // Python's OpenSSL reports the server's alert.
    let error = stranger.expect("error: ");
    assert!(error.to_lowercase().contains("unknown ca"), "{error}");

    // 3. The revoked certificate (our own client).
    let mut revoked = our_client(&dir, &addr, Some("pki"), "pki/ca.pem", &[]);
    revoked.send("still me\n");
    let line = server.expect("rejected ");
    assert!(line.contains("revoked"), "{line}");
    let error = revoked.expect("error: ");
    assert!(error.contains("CertificateRevoked"), "{error}");
    assert!(
        !server.seen.iter().any(|l| l.starts_with("accepted")),
        "nobody got in: {:?}",
        server.seen
    );
}

#[test]
fn certificates_made_with_the_openssl_command_line_work_with_our_binaries() {
    require("openssl");
    let dir = TempDir::new("lesson16-interop", "openssl-certs");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("openssl-certs.sh");
    let out = Command::new("bash")
        .arg(script)
        .arg(dir.join("pki"))
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "openssl-certs.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("client.pem: OK"));
    let (mut server, addr) = our_server(&dir, "pki", None);
    let mut client = our_client(&dir, &addr, Some("pki"), "pki/ca.pem", &[]);
    client.send("made by openssl\n");
    client.expect("made by openssl");
    let accepted = server.expect("accepted ");
    assert!(
        accepted.contains("CN=alice") && accepted.contains("issuer CN=openssl lesson 16 CA"),
        "{accepted}"
    );
}

#[test]
fn trace_and_keylog_show_each_message_and_write_the_secrets() {
    let dir = TempDir::new("lesson16-interop", "trace");
    make_certs(&dir, "pki", "ed25519");
    let (mut server, addr) = our_server(&dir, "pki", None);
    let keylog = dir.s("keys.log");
    let mut client = our_client(
        &dir,
        &addr,
        Some("pki"),
        "pki/ca.pem",
        &["--trace", "--keylog", &keylog],
    );
    client.send("traced\n");
    client.expect("traced");
    client.close_stdin();
    assert!(client.wait());
    for needle in [
        "ClientHello",
        "ServerHello",
        "CertificateRequest",
        "message 3's signature, under the transcript binding",
        "decrypted with CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        "the course's Lesson 11 handshake is 224 bytes",
    ] {
        client.expect_any(needle);
    }
    client.expect_any("WARNING: TEACHING AID");
    server.expect("accepted ");
    let log = std::fs::read_to_string(&keylog).expect("the key log was written");
    assert!(log.starts_with("# TEACHING AID"), "{log}");
    for label in [
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET ",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET ",
        "CLIENT_TRAFFIC_SECRET_0 ",
    ] {
        assert!(
            log.lines().any(|l| l.starts_with(label)),
            "{label} missing from:\n{log}"
        );
    }
}

/// openssl s_server -tls1_2 <- relay <- openssl s_client -tls1_2 -keylogfile.
fn relay_decrypts(cipher: &str, suite_name: &str) {
    require("openssl");
    let dir = TempDir::new("lesson16-interop", cipher);
    make_certs(&dir, "pki", "ecdsa-p256");
    let keylog = dir.s("keys.log");
    let mut server = spawn(
        "openssl s_server -tls1_2",
        Command::new("openssl").args([
            "s_server",
            "-accept",
            "127.0.0.1:0",
            "-tls1_2",
            "-cipher",
            cipher,
            "-cert",
            &dir.s("pki/server.pem"),
            "-key",
            &dir.s("pki/server.key"),
            "-naccept",
            "1",
        ]),
    );
    let server_addr = server.address("ACCEPT ");
    let mut relay = spawn(
        "12-tls12-decrypt",
        Command::new(example("12-tls12-decrypt")).args([
            "--listen",
            "127.0.0.1:0",
            "--forward",
            &server_addr,
            "--keylog",
            &keylog,
            "--connections",
            "1",
        ]),
    );
    let relay_addr = relay.address("listening on ");
    let mut client = spawn(
        "openssl s_client -tls1_2",
        Command::new("openssl").args([
            "s_client",
            "-connect",
            &relay_addr,
            "-tls1_2",
            "-keylogfile",
            &keylog,
            "-CAfile",
            &dir.s("pki/ca.pem"),
            "-verify_return_error",
        ]),
    );
    client.expect("Verify return code: 0 (ok)");
    client.send("typed at the client\n");
    relay.expect("client -> server: 20 bytes: \"typed at the client\\n\"");
    server.expect("typed at the client");
    server.send("typed at the server\n");
    relay.expect("server -> client: 20 bytes: \"typed at the server\\n\"");
    client.expect("typed at the server");

    let suite = relay.expect_any("cipher suite ");
    assert!(suite.contains(suite_name), "{suite}");
    relay.expect_any("from learn_mtls::tls12::key_block");
    let client_finished = relay.expect_any("client -> server: Finished opened");
    assert!(
        client_finished.contains("verify_data matches"),
        "{client_finished}"
    );
    let server_finished = relay.expect_any("server -> client: Finished opened");
    assert!(
        server_finished.contains("verify_data matches"),
        "{server_finished}"
    );
}

#[test]
fn relay_decrypts_an_openssl_tls12_session_with_chacha20_poly1305() {
    relay_decrypts(
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    );
}

#[test]
fn relay_decrypts_an_openssl_tls12_session_with_aes_128_gcm() {
    relay_decrypts(
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    );
}

#[test]
fn relay_decrypts_an_openssl_tls12_session_with_aes_256_gcm_sha384() {
    relay_decrypts(
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    );
}

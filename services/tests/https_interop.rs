//! `17-https-server` and `17-https-client` against the real tools: curl
//! (HTTP/2 and HTTP/1.1) and Python `requests` as clients, Python's `ssl`
//! as a server; a client without a certificate and one from another CA
//! refused; the SPIFFE allow-list; pinning across a re-issue. Needs
//! `curl`, `openssl`, `python3` with `requests`; FAILS without them.

mod common;

use std::process::Command;

use common::{
    Server, TempDir, asset, example, ok, openssl_client, require, require_python_module, run,
};
use serde_json::{Value, json};

const PAYMENTS: &str = "spiffe://course.test/ns/shop/sa/payments";
const LOGS: &str = "spiffe://course.test/ns/ops/sa/log-shipper";

/// A CA with `alice` (payments), an OpenSSL-issued `logs` (log shipper)
/// and `bob` (no SPIFFE ID), and an unrelated CA with its own `alice`.
fn pki(name: &str) -> TempDir {
    require("curl", "--version", "apt-get install -y curl");
    require("openssl", "version", "apt-get install -y openssl");
    let dir = TempDir::new("lesson17", name);
    common::make_certs(&dir.join("pki"), Some(PAYMENTS), "lesson 17 CA");
    openssl_client(&dir.join("pki"), "logs", "log-shipper", Some(LOGS));
    openssl_client(&dir.join("pki"), "bob", "bob", None);
    common::make_certs(&dir.join("other"), Some(PAYMENTS), "some other CA");
    dir
}

fn https_server(dir: &TempDir, allow: &[&str]) -> Server {
    let mut command = Command::new(example("17-https-server"));
    command
        .args(["--listen", "127.0.0.1:0"])
        .args([
            "--cert",
            &dir.s("pki/server.pem"),
            "--key",
            &dir.s("pki/server.key"),
        ])
        .args(["--client-ca", &dir.s("pki/ca.pem")]);
    for id in allow {
        command.args(["--allow-spiffe-id", id]);
    }
    Server::start("17-https-server", &mut command)
}

/// `curl` with `who`'s certificate (`pki/client`, `pki/logs`, `other/client`; None: no certificate).
fn curl(
    dir: &TempDir,
    server: &Server,
    who: Option<&str>,
    extra: &[&str],
    path: &str,
) -> std::process::Output {
    let mut command = Command::new("curl");
    command
        .args(["--silent", "--show-error", "--max-time", "10"])
        .args(["--cacert", &dir.s("pki/ca.pem")])
        .args(["--write-out", "\n%{http_code} %{http_version}"])
        .args(extra);
    if let Some(who) = who {
        command
            .args(["--cert", &dir.s(&format!("{who}.pem"))])
            .args(["--key", &dir.s(&format!("{who}.key"))]);
    }
    run(command.arg(format!("https://localhost:{}{path}", server.port())))
}

/// The body's JSON and the `CODE VERSION` line curl wrote after it.
fn curl_ok(
    dir: &TempDir,
    server: &Server,
    who: &str,
    extra: &[&str],
    path: &str,
) -> (Value, String) {
    let out = curl(dir, server, Some(who), extra, path);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "curl: {}{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (body, status) = text.rsplit_once('\n').expect("body and status");
    (
        serde_json::from_str(body).expect("JSON body"),
        status.to_owned(),
    )
}

/// What OpenSSL says `alice`'s certificate holds, in `/whoami`'s terms.
fn alice_as_openssl_reads_her(dir: &TempDir) -> Value {
    let serial = ok(Command::new("openssl").args([
        "x509",
        "-noout",
        "-serial",
        "-in",
        &dir.s("pki/client.pem"),
    ]));
    let serial = serial.trim().trim_start_matches("serial=").to_lowercase();
    let sans = ok(Command::new("openssl").args([
        "x509",
        "-noout",
        "-ext",
        "subjectAltName",
        "-in",
        &dir.s("pki/client.pem"),
    ]));
    let sans: Vec<String> = sans
        .lines()
        .nth(1)
        .expect("the SAN line")
        .split(", ")
        .map(|s| s.trim().to_owned())
        .collect();
    json!({ "subject": "CN=alice", "spiffe_id": PAYMENTS, "serial": serial, "sans": sans })
}

#[test]
fn curl_requests_and_our_client_see_the_identity_openssl_reads() {
    require_python_module("requests", "requests==2.34.2");
    let dir = pki("https-identity");
    let expected = alice_as_openssl_reads_her(&dir);
    let mut server = https_server(&dir, &[]);

    let (body, status) = curl_ok(&dir, &server, "pki/client", &["--http2"], "/whoami");
    assert_eq!(body, expected);
    assert_eq!(status, "200 2");
    server.wait_for(&format!("accepted {PAYMENTS} from 127.0.0.1:"));
    let (body, status) = curl_ok(&dir, &server, "pki/client", &["--http1.1"], "/whoami");
    assert_eq!((body, status.as_str()), (expected.clone(), "200 1.1"));
    let line = server.wait_for("accepted");
    assert!(line.contains("GET /whoami HTTP/1.1 -> 200"), "{line}");

    let (body, status) = curl_ok(&dir, &server, "pki/client", &[], "/elsewhere");
    assert_eq!(status, "404 2");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("/elsewhere")),
        "{body}"
    );
    server.wait_for("GET /elsewhere HTTP/2.0 -> 404");

    let url = format!("https://localhost:{}/whoami", server.port());
    let out = ok(Command::new("python3")
        .arg(asset("py/requests_whoami.py"))
        .args([
            &url,
            &dir.s("pki/client.pem"),
            &dir.s("pki/client.key"),
            &dir.s("pki/ca.pem"),
        ]));
    let (status, body) = out.split_once('\n').expect("status, then body");
    assert_eq!(status, "200");
    assert_eq!(serde_json::from_str::<Value>(body).expect("JSON"), expected);
    server.wait_for("GET /whoami HTTP/1.1 -> 200");

    let out = ok(Command::new(example("17-https-client")).args([
        "--url",
        &url,
        "--cert",
        &dir.s("pki/client.pem"),
        "--key",
        &dir.s("pki/client.key"),
        "--ca",
        &dir.s("pki/ca.pem"),
    ]));
    let (status, body) = out.split_once('\n').expect("status, then body");
    assert_eq!(status, "200");
    assert_eq!(serde_json::from_str::<Value>(body).expect("JSON"), expected);
    server.wait_for("GET /whoami HTTP/2.0 -> 200");

    // OpenSSL's certificate without a SPIFFE ID: the peer is its CN.
    let (body, _) = curl_ok(&dir, &server, "pki/bob", &[], "/whoami");
    assert_eq!(body["spiffe_id"], Value::Null);
    assert_eq!(body["sans"], json!(["DNS:bob"]));
    server.wait_for("accepted bob from");
}

#[test]
fn no_certificate_or_another_cas_is_refused_before_http() {
    require_python_module("requests", "requests==2.34.2");
    let dir = pki("https-refusals");
    let mut server = https_server(&dir, &[]);

    let out = curl(&dir, &server, None, &[], "/whoami");
    assert!(
        !out.status.success(),
        "curl without a certificate must fail"
    );
    let line = server.wait_for("rejected");
    assert!(line.contains("no client certificate"), "{line}");

    let out = curl(&dir, &server, Some("other/client"), &[], "/whoami");
    assert!(
        !out.status.success(),
        "a certificate from another CA must fail"
    );
    let line = server.wait_for("rejected");
    assert!(line.contains("certificate"), "{line}");

    let url = format!("https://localhost:{}/whoami", server.port());
    let out = run(Command::new("python3")
        .arg(asset("py/requests_whoami.py"))
        .args([&url, &dir.s("pki/ca.pem")]));
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    server.wait_for("no client certificate");

    let out = run(Command::new(example("17-https-client")).args([
        "--url",
        &url,
        "--ca",
        &dir.s("pki/ca.pem"),
    ]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("CertificateRequired")
            || stderr.contains("refuses the client's certificate"),
        "names the alert, or what a close right after the handshake means: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    server.wait_for("no client certificate");
    // Nothing reached HTTP.
    assert!(
        !server.seen.iter().any(|l| l.starts_with("accepted")),
        "{:?}",
        server.seen
    );
}

#[test]
fn the_allow_list_admits_only_its_spiffe_ids() {
    let dir = pki("https-allow");
    let mut server = https_server(&dir, &[PAYMENTS]);

    let (body, status) = curl_ok(&dir, &server, "pki/client", &[], "/whoami");
    assert_eq!(
        (body["spiffe_id"].as_str(), status.as_str()),
        (Some(PAYMENTS), "200 2")
    );
    server.wait_for(&format!("accepted {PAYMENTS}"));

    // Same CA, valid certificate, wrong workload.
    let (body, status) = curl_ok(&dir, &server, "pki/logs", &[], "/whoami");
    assert_eq!(status, "403 2");
    assert!(
        body["error"].as_str().is_some_and(|e| e.contains(LOGS)),
        "{body}"
    );
    let line = server.wait_for("rejected");
    assert!(
        line.starts_with(&format!("rejected {LOGS} from"))
            && line.contains("not on the allow-list"),
        "{line}"
    );

    let (_, status) = curl_ok(&dir, &server, "pki/bob", &[], "/whoami");
    assert_eq!(status, "403 2");
    let line = server.wait_for("rejected");
    assert!(line.contains("bob has no SPIFFE ID"), "{line}");

    // A malformed ID is refused at start-up, by name.
    let out = run(Command::new(example("17-https-server")).args([
        "--listen",
        "127.0.0.1:0",
        "--cert",
        &dir.s("pki/server.pem"),
        "--key",
        &dir.s("pki/server.key"),
        "--client-ca",
        &dir.s("pki/ca.pem"),
        "--allow-spiffe-id",
        "payments",
    ]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("`payments` is not a SPIFFE ID"), "{stderr}");
}

fn fingerprint(path: &str) -> String {
    let out = ok(Command::new("openssl").args([
        "x509",
        "-noout",
        "-fingerprint",
        "-sha256",
        "-in",
        path,
    ]));
    out.trim()
        .split_once('=')
        .expect("NAME=HEX")
        .1
        .replace(':', "")
        .to_lowercase()
}

#[test]
fn a_pinned_client_refuses_the_reissued_certificate_a_ca_trusting_one_accepts() {
    let dir = TempDir::new("lesson17", "https-pin");
    // Ed25519 here (the course's own algorithm), ECDSA P-256 elsewhere.
    common::make_certs_with(
        &dir.join("pki"),
        common::Algorithm::Ed25519,
        Some(PAYMENTS),
        "lesson 17 pin CA",
    );
    let pin = fingerprint(&dir.s("pki/server.pem"));
    let client = |server: &Server, pin: Option<&str>| {
        let mut command = Command::new(example("17-https-client"));
        command.args([
            "--url",
            &format!("https://localhost:{}/whoami", server.port()),
            "--cert",
            &dir.s("pki/client.pem"),
            "--key",
            &dir.s("pki/client.key"),
            "--ca",
            &dir.s("pki/ca.pem"),
        ]);
        if let Some(pin) = pin {
            command.args(["--pin-sha256", pin]);
        }
        run(&mut command)
    };
    let start = |cert: &str| {
        Server::start(
            "17-https-server",
            Command::new(example("17-https-server")).args([
                "--listen",
                "127.0.0.1:0",
                "--cert",
                &dir.s(cert),
                "--key",
                &dir.s("pki/server.key"),
                "--client-ca",
                &dir.s("pki/ca.pem"),
            ]),
        )
    };
    let server = start("pki/server.pem");
    let out = client(&server, Some(&pin));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("200\n"));
    drop(server);

    // The rotation: OpenSSL re-issues the server certificate, same CA,
    // same name, same key.
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n",
    )
    .expect("ext");
    ok(Command::new("openssl").args([
        "req",
        "-new",
        "-subj",
        "/CN=localhost",
        "-key",
        &dir.s("pki/server.key"),
        "-out",
        &dir.s("server.csr"),
    ]));
    ok(Command::new("openssl").args([
        "x509",
        "-req",
        "-days",
        "2",
        "-in",
        &dir.s("server.csr"),
        "-CA",
        &dir.s("pki/ca.pem"),
        "-CAkey",
        &dir.s("pki/ca.key"),
        "-extfile",
        &dir.s("server.ext"),
        "-out",
        &dir.s("reissued.pem"),
    ]));
    let seen = fingerprint(&dir.s("reissued.pem"));
    let mut server = start("reissued.pem");
    let out = client(&server, Some(&pin));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.contains("certificate pinning failure") && stderr.contains(&seen),
        "{stderr}"
    );
    assert!(stderr.contains(&pin), "names the pin too: {stderr}");
    // The client's refusal reaches the server as an alert.
    server.wait_for("rejected");
    // Trusting the CA (no pin), the same client takes the new certificate.
    let out = client(&server, None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn our_client_against_pythons_ssl_server() {
    require("python3", "--version", "apt-get install -y python3");
    let dir = TempDir::new("lesson17", "https-pyserver");
    common::make_certs_with(
        &dir.join("pki"),
        common::Algorithm::Ed25519,
        Some(PAYMENTS),
        "lesson 17 py CA",
    );
    let mut server = Server::start(
        "ssl_https_server.py",
        Command::new("python3")
            .arg(asset("py/ssl_https_server.py"))
            .args([
                &dir.s("pki/server.pem"),
                &dir.s("pki/server.key"),
                &dir.s("pki/ca.pem"),
            ]),
    );
    let url = format!("https://localhost:{}/whoami", server.port());
    let out = ok(Command::new(example("17-https-client")).args([
        "--url",
        &url,
        "--cert",
        &dir.s("pki/client.pem"),
        "--key",
        &dir.s("pki/client.key"),
        "--ca",
        &dir.s("pki/ca.pem"),
    ]));
    let (status, body) = out.split_once('\n').expect("status, then body");
    assert_eq!(status, "200");
    let body: Value = serde_json::from_str(body).expect("JSON");
    assert_eq!(
        body,
        json!({ "subject": "CN=alice", "sans": ["DNS:alice", format!("URI:{PAYMENTS}")] })
    );
    server.wait_for("accepted 127.0.0.1");

    let out = run(Command::new(example("17-https-client")).args([
        "--url",
        &url,
        "--ca",
        &dir.s("pki/ca.pem"),
    ]));
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    server.wait_for("rejected 127.0.0.1");
}

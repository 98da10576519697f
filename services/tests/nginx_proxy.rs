//! nginx terminates mutual TLS in front of the plaintext `17-proxied-app`,
//! with services/nginx/mtls-proxy.conf as it is in the repo (only its
//! placeholders filled in): the verified identity reaches the app in a
//! header, a client without a certificate or with another CA's is refused
//! by nginx before the app sees anything, and a request that bypasses the
//! proxy carries no identity. Needs `nginx` and `curl`; FAILS without them.

mod common;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Server, TempDir, WAIT, asset, example, ok, openssl_client, require, run};
use serde_json::{Value, json};

const PAYMENTS: &str = "spiffe://course.test/ns/shop/sa/payments";

/// nginx, stopped on drop with SIGTERM to its master's PID (so it takes
/// its worker with it), then SIGKILL if it lingers.
struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let pid = self.0.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port free a moment ago: nginx cannot report the port it was given.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn start_nginx(dir: &TempDir, app_port: &str) -> (Nginx, u16) {
    let port = free_port();
    let conf = std::fs::read_to_string(asset("nginx/mtls-proxy.conf")).expect("the config");
    let conf = conf
        .replace("@DIR@", &dir.s("nginx"))
        .replace("@PKI@", &dir.s("pki"))
        .replace("@PORT@", &port.to_string())
        .replace("@APP_PORT@", app_port);
    assert!(!conf.contains('@'), "a placeholder is left: {conf}");
    std::fs::create_dir_all(dir.join("nginx")).expect("nginx dir");
    let path = dir.join("nginx/nginx.conf");
    std::fs::write(&path, conf).expect("write the config");
    let prefix = format!("{}/", dir.s("nginx"));
    ok(Command::new("nginx")
        .args(["-t", "-p", &prefix, "-e", "stderr", "-c"])
        .arg(&path));
    let child = Command::new("nginx")
        .args(["-p", &prefix, "-e", "stderr", "-c"])
        .arg(&path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nginx starts");
    let nginx = Nginx(child);
    let deadline = Instant::now() + WAIT;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "nginx did not listen on {port} within {WAIT:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (nginx, port)
}

fn curl(dir: &TempDir, port: u16, who: Option<&str>, extra: &[&str]) -> (String, String) {
    let mut command = Command::new("curl");
    command
        .args(["--silent", "--show-error", "--max-time", "10"])
        .args(["--cacert", &dir.s("pki/ca.pem")])
        .args(["--write-out", "\n%{http_code}"])
        .args(extra);
    if let Some(who) = who {
        command
            .args(["--cert", &dir.s(&format!("{who}.pem"))])
            .args(["--key", &dir.s(&format!("{who}.key"))]);
    }
    let out = run(command.arg(format!("https://localhost:{port}/whoami")));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "curl: {}{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (body, status) = text.rsplit_once('\n').expect("body and status");
    (body.to_owned(), status.to_owned())
}

#[test]
fn nginx_terminates_mutual_tls_and_the_app_sees_the_verified_identity() {
    require("nginx", "-v", "apt-get install -y nginx-light");
    require("curl", "--version", "apt-get install -y curl");
    require("openssl", "version", "apt-get install -y openssl");
    let dir = TempDir::new("lesson17", "nginx");
    common::make_certs(&dir.join("pki"), Some(PAYMENTS), "lesson 17 proxy CA");
    openssl_client(
        &dir.join("pki"),
        "logs",
        "log-shipper",
        Some("spiffe://course.test/ns/ops/sa/log-shipper"),
    );
    common::make_certs(&dir.join("other"), Some(PAYMENTS), "another proxy CA");
    std::fs::copy(dir.join("other/client.pem"), dir.join("pki/stranger.pem")).expect("copy");
    std::fs::copy(dir.join("other/client.key"), dir.join("pki/stranger.key")).expect("copy");

    let mut app = Server::start(
        "17-proxied-app",
        Command::new(example("17-proxied-app")).args([
            "--listen",
            "127.0.0.1:0",
            "--allow-spiffe-id",
            PAYMENTS,
        ]),
    );
    let (_nginx, port) = start_nginx(&dir, app.port());

    // The identity, as the app received it through nginx.
    let serial = ok(Command::new("openssl").args([
        "x509",
        "-noout",
        "-serial",
        "-in",
        &dir.s("pki/client.pem"),
    ]));
    let serial = serial.trim().trim_start_matches("serial=").to_lowercase();
    let (body, status) = curl(&dir, port, Some("pki/client"), &[]);
    assert_eq!(status, "200", "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("JSON"),
        json!({ "subject": "CN=alice", "spiffe_id": PAYMENTS, "serial": serial, "sans": ["DNS:alice", format!("URI:{PAYMENTS}")] })
    );
    app.wait_for(&format!("accepted {PAYMENTS} via 127.0.0.1:"));

    // Our client through nginx too.
    let out = ok(Command::new(example("17-https-client")).args([
        "--url",
        &format!("https://localhost:{port}/whoami"),
        "--cert",
        &dir.s("pki/client.pem"),
        "--key",
        &dir.s("pki/client.key"),
        "--ca",
        &dir.s("pki/ca.pem"),
    ]));
    assert!(out.starts_with("200\n") && out.contains(PAYMENTS), "{out}");
    app.wait_for(&format!("accepted {PAYMENTS}"));

    // The app still decides who may call: same CA, another workload.
    let (body, status) = curl(&dir, port, Some("pki/logs"), &[]);
    assert_eq!(status, "403", "{body}");
    app.wait_for("rejected spiffe://course.test/ns/ops/sa/log-shipper");

    // nginx refuses these itself; the app sees nothing.
    let (body, status) = curl(&dir, port, None, &[]);
    assert_eq!(status, "400", "no certificate: {body}");
    assert!(body.contains("No required SSL certificate"), "{body}");
    let (body, status) = curl(&dir, port, Some("pki/stranger"), &[]);
    assert_eq!(status, "400", "another CA: {body}");
    assert!(body.contains("SSL certificate error"), "{body}");
    // A client cannot smuggle an identity in: nginx replaces the headers.
    let (_, status) = curl(&dir, port, None, &["--header", "X-Client-Verify: SUCCESS"]);
    assert_eq!(status, "400");

    // Straight to the app, around the proxy: no identity, 401. This is why
    // the app must be reachable only through the proxy.
    let out = run(Command::new("curl").args([
        "--silent",
        "--max-time",
        "10",
        "--write-out",
        "\n%{http_code}",
        &format!("http://{}/whoami", app.addr),
    ]));
    assert!(String::from_utf8_lossy(&out.stdout).ends_with("\n401"));
    let line = app.wait_for("rejected");
    assert!(
        line.contains("did not come through the mTLS proxy"),
        "{line}"
    );
    assert_eq!(
        app.seen
            .iter()
            .filter(|l| l.starts_with("accepted") || l.starts_with("rejected"))
            .count(),
        4,
        "the app saw exactly the two admitted requests, the refused workload and the bypass: {:?}",
        app.seen
    );
}

//! The reference text's Go server (services/go/main.go, as written),
//! built with the distribution's Go, against `17-https-client` and curl:
//! both are admitted, and the identity the Go handler logs (common name,
//! URI SANs) is the one `17-https-server`'s `/whoami` reports for the same
//! certificate; without a certificate Go refuses both. The server's fixed
//! paths and port stay inside a chroot and a network namespace of their
//! own (services/go/run-isolated.sh). Needs `go`, `curl`, `unshare`,
//! `chroot` and `ip`, and root; FAILS without them.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{Server, TempDir, asset, example, ok, require};

const PAYMENTS: &str = "spiffe://course.test/ns/shop/sa/payments";

#[test]
fn the_reference_go_server_sees_the_identity_our_server_reports() {
    require("go", "version", "apt-get install -y golang-go");
    require("curl", "--version", "apt-get install -y curl");
    require("unshare", "--version", "apt-get install -y util-linux");
    require("ip", "-V", "apt-get install -y iproute2");
    let dir = TempDir::new("lesson17", "go");
    common::make_certs(&dir.join("pki"), Some(PAYMENTS), "lesson 17 Go CA");

    // The chroot: the static server and the files it reads.
    let root = dir.join("root");
    std::fs::create_dir_all(root.join("etc/certs")).expect("root");
    for (from, to) in [
        ("ca.pem", "ca-bundle.pem"),
        ("server.pem", "server.crt"),
        ("server.key", "server.key"),
    ] {
        std::fs::copy(
            dir.join(&format!("pki/{from}")),
            root.join("etc/certs").join(to),
        )
        .expect("copy");
    }
    let cache = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("lesson17-go");
    ok(Command::new("go")
        .args(["build", "-o"])
        .arg(root.join("mtls-server"))
        .arg(asset("go/main.go"))
        .env("CGO_ENABLED", "0")
        .env("GOCACHE", cache.join("cache"))
        .env("GOPATH", cache.join("path"))
        .env("GO111MODULE", "off"));

    let client = example("17-https-client").display().to_string();
    let pki = |f: &str| dir.s(&format!("pki/{f}"));
    let commands = [
        format!(
            "{client} --url https://localhost:8443/ --cert {} --key {} --ca {}",
            pki("client.pem"),
            pki("client.key"),
            pki("ca.pem")
        ),
        format!(
            "curl --silent --show-error --max-time 10 --write-out '%{{http_code}}' --cert {} --key {} --cacert {} https://localhost:8443/",
            pki("client.pem"),
            pki("client.key"),
            pki("ca.pem")
        ),
        format!(
            "{client} --url https://localhost:8443/ --ca {}",
            pki("ca.pem")
        ),
        format!(
            "curl --silent --show-error --max-time 10 --cacert {} https://localhost:8443/",
            pki("ca.pem")
        ),
    ];
    let out = dir.join("out");
    std::fs::create_dir_all(&out).expect("out");
    // A PID namespace too: when unshare goes, everything in it goes.
    let mut child = Command::new("unshare")
        .args(["--net", "--pid", "--fork", "--kill-child", "sh"])
        .arg(asset("go/run-isolated.sh"))
        .arg(&root)
        .arg(&out)
        .args(&commands)
        .spawn()
        .expect("unshare runs (as root)");
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the isolated Go run did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let read = |f: &str| std::fs::read_to_string(out.join(f)).unwrap_or_default();
    let log = read("server.log");
    assert!(
        status.success(),
        "run-isolated.sh failed; Go server log:\n{log}"
    );
    let result = |n: usize| {
        (
            read(&format!("{n}.rc")).trim().to_owned(),
            read(&format!("{n}.out")),
            read(&format!("{n}.err")),
        )
    };

    let (rc, stdout, stderr) = result(1);
    assert_eq!(rc, "0", "17-https-client against Go: {stderr}");
    assert_eq!(stdout, "200\n", "the Go handler answers 200 with no body");
    let (rc, stdout, stderr) = result(2);
    assert_eq!(
        (rc.as_str(), stdout.as_str()),
        ("0", "200"),
        "curl against Go: {stderr}"
    );

    // What the Go handler logged, twice: CN and URI SANs.
    let logged: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("Request from: "))
        .collect();
    let expected = format!("Request from: alice (SAN: [{PAYMENTS}])");
    assert_eq!(logged.len(), 2, "{log}");
    assert!(logged.iter().all(|l| l.ends_with(&expected)), "{log}");

    let (rc, _, stderr) = result(3);
    assert_eq!(rc, "1", "no certificate: {stderr}");
    assert!(stderr.contains("error: "), "{stderr}");
    let (rc, _, stderr) = result(4);
    assert_ne!(rc, "0", "curl without a certificate: {stderr}");
    assert!(log.contains("client didn't provide a certificate"), "{log}");

    // The same certificate, as 17-https-server reports it: the same fields.
    let mut server = Server::start(
        "17-https-server",
        Command::new(example("17-https-server")).args([
            "--listen",
            "127.0.0.1:0",
            "--cert",
            &pki("server.pem"),
            "--key",
            &pki("server.key"),
            "--client-ca",
            &pki("ca.pem"),
        ]),
    );
    let out = ok(Command::new(example("17-https-client")).args([
        "--url",
        &format!("https://localhost:{}/whoami", server.port()),
        "--cert",
        &pki("client.pem"),
        "--key",
        &pki("client.key"),
        "--ca",
        &pki("ca.pem"),
    ]));
    let body: serde_json::Value =
        serde_json::from_str(out.split_once('\n').expect("status, body").1).expect("JSON");
    assert_eq!(body["subject"], "CN=alice");
    let uris: Vec<&str> = body["sans"]
        .as_array()
        .expect("sans")
        .iter()
        .filter_map(|s| s.as_str()?.strip_prefix("URI:"))
        .collect();
    assert_eq!(
        format!("Request from: alice (SAN: [{}])", uris.join(" ")),
        expected
    );
    server.wait_for("accepted");
}

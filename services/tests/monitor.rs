//! `17-cert-monitor` agrees with the reference text's `cert_monitor.py`
//! (services/py/cert_monitor.py, run by Python with the `cryptography`
//! package) on every field of every report, for certificates made by three
//! tools: Python's `cryptography` (a P-256 CA, Ed25519 leaves expiring
//! soon, expired, and without a CN), OpenSSL, and Lesson 16's rcgen (with a
//! SPIFFE ID). Then the exit statuses and the table.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::{TempDir, asset, example, ok, require, require_python_module, run};
use serde_json::Value;

fn reports(stdout: &str) -> BTreeMap<String, Value> {
    stdout
        .lines()
        .map(|line| {
            let object: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not one JSON object per line ({e}): {line}"));
            let key = object["serial_number"].as_str().expect("serial").to_owned();
            (key, object)
        })
        .collect()
}

fn certificates(dir: &TempDir) -> Vec<String> {
    require("openssl", "version", "apt-get install -y openssl");
    require_python_module("cryptography", "cryptography==48.0.0");
    ok(Command::new("python3")
        .arg(asset("py/monitor_certs.py"))
        .arg(&dir.0));
    ok(Command::new("openssl").args([
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-subj",
        "/CN=openssl-made/O=learn-mtls",
        "-addext",
        "subjectAltName=DNS:api.course.test,URI:spiffe://course.test/ns/shop/sa/api",
        "-days",
        "45",
        "-keyout",
        &dir.s("openssl.key"),
        "-out",
        &dir.s("openssl.pem"),
    ]));
    common::make_certs(
        &dir.join("rcgen"),
        Some("spiffe://course.test/ns/shop/sa/payments"),
        "monitor rcgen CA",
    );
    [
        "py-ca.pem",
        "py-soon.pem",
        "py-expired.pem",
        "py-no-cn.pem",
        "openssl.pem",
        "rcgen/ca.pem",
        "rcgen/client.pem",
        "rcgen/server.pem",
    ]
    .iter()
    .map(|f| dir.s(f))
    .collect()
}

#[test]
fn the_monitor_agrees_with_cert_monitor_py_on_every_field() {
    let dir = TempDir::new("lesson17", "monitor");
    let files = certificates(&dir);
    let python = reports(&ok(Command::new("python3")
        .arg(asset("py/cert_monitor.py"))
        .arg("--json")
        .args(&files)));
    let out = run(Command::new(example("17-cert-monitor"))
        .arg("--json")
        .args(&files));
    // One certificate is expired: status 3.
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ours = reports(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(ours.len(), files.len(), "one report per file");
    assert_eq!(python.len(), files.len());
    for (serial, theirs) in &python {
        let mine = ours
            .get(serial)
            .unwrap_or_else(|| panic!("no report for serial {serial}: {ours:#?}"));
        for (key, value) in theirs.as_object().expect("an object") {
            assert_eq!(&mine[key], value, "{key} of {}", theirs["common_name"]);
        }
    }
    // The cases are all there.
    let statuses: Vec<&str> = python
        .values()
        .filter_map(|r| r["status"].as_str())
        .collect();
    for status in ["HEALTHY", "EXPIRING_SOON", "EXPIRED"] {
        assert!(statuses.contains(&status), "{status} in {statuses:?}");
    }
    assert!(python.values().any(|r| r["common_name"] == "Unknown"));
    assert!(python.values().any(|r| r["is_ca"] == true));
    assert!(python.values().any(|r| {
        r["sans"].as_array().is_some_and(|s| {
            s.iter()
                .any(|n| n == "URI:spiffe://course.test/ns/shop/sa/payments")
        })
    }));
}

#[test]
fn exit_status_says_the_worst_and_the_table_has_a_row_each() {
    let dir = TempDir::new("lesson17", "monitor-exit");
    let files = certificates(&dir);
    let monitor = |args: &[&str]| {
        let out = run(Command::new(example("17-cert-monitor")).args(args));
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let healthy = dir.s("openssl.pem");
    let soon = dir.s("py-soon.pem");
    let expired = dir.s("py-expired.pem");
    assert_eq!(monitor(&[&healthy]).0, Some(0));
    assert_eq!(monitor(&[&healthy, &soon]).0, Some(1));
    // 10 days left is healthy with a window of 10 or less, soon with 11.
    assert_eq!(monitor(&["--warn-days", "10", &soon]).0, Some(0));
    assert_eq!(monitor(&["--warn-days", "11", &soon]).0, Some(1));
    assert_eq!(monitor(&[&soon, &expired]).0, Some(3));
    // Unreadable: named, status 3, and no panic.
    let (code, table) = monitor(&[&healthy, &dir.s("openssl.key"), &dir.s("missing.pem")]);
    assert_eq!(code, Some(3));
    assert!(
        table.contains("openssl.key") && table.contains("no `BEGIN CERTIFICATE` block"),
        "{table}"
    );
    assert!(
        table.contains("missing.pem") && table.contains("UNREADABLE"),
        "{table}"
    );
    // Usage errors are 2.
    assert_eq!(monitor(&[]).0, Some(2));
    assert_eq!(monitor(&["--warn-days", "soon", &healthy]).0, Some(2));

    let (_, table) = monitor(&files.iter().map(String::as_str).collect::<Vec<_>>());
    for (name, status) in [
        ("monitor test CA", "HEALTHY"),
        ("payments", "EXPIRING_SOON"),
        ("old-batch-job", "EXPIRED"),
        ("Unknown", "HEALTHY"),
        ("openssl-made", "HEALTHY"),
        ("alice", "EXPIRING_SOON"),
    ] {
        assert!(
            table
                .lines()
                .any(|l| l.contains(name) && l.contains(status)),
            "a row for {name} {status}:\n{table}"
        );
    }
    assert!(
        table.contains("8 certificates: 3 healthy, 4 expiring soon, 1 expired, 0 unreadable"),
        "{table}"
    );
}

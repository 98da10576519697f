//! `16-tls-certs --client-spiffe-id/--server-spiffe-id` (Lesson 17): the
//! URI SAN lands in the certificate beside the DNS name, as OpenSSL reads
//! it; an ID of the wrong shape is refused by name before anything is written.

use std::process::Command;

use learn_mtls_real_tls::x509::{San, summarize};
use learn_mtls_real_tls::{certs, files};
use learn_mtls_test_support::example;

#[test]
fn spiffe_ids_become_uri_sans() {
    let dir = std::env::temp_dir().join(format!("lesson17-spiffe-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let client_id = "spiffe://course.test/ns/shop/sa/payments";
    let server_id = "spiffe://course.test/ns/shop/sa/api";
    let out = Command::new(example("16-tls-certs"))
        .arg("--out")
        .arg(&dir)
        .args([
            "--client-spiffe-id",
            client_id,
            "--server-spiffe-id",
            server_id,
        ])
        .output()
        .expect("16-tls-certs runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("SAN DNS:alice URI:{client_id}")),
        "{stdout}"
    );

    for (file, dns, uri) in [
        ("client.pem", "alice", client_id),
        ("server.pem", "localhost", server_id),
    ] {
        let der = files::certificates(&dir.join(file)).expect("PEM");
        let s = summarize(&der[0]).expect("DER");
        assert_eq!(s.sans, [San::Dns(dns.to_owned()), San::Uri(uri.to_owned())]);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_malformed_spiffe_id_is_refused_by_name() {
    let dir = std::env::temp_dir().join(format!("lesson17-spiffe-bad-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (id, why) in [
        (
            "https://course.test/payments",
            "does not start with spiffe://",
        ),
        ("spiffe:///payments", "no trust domain"),
        ("spiffe://Course.Test/x", "trust domain"),
        ("spiffe://course.test/a//b", "empty path segment"),
        ("spiffe://course.test/a?b=c", "the path may hold only"),
    ] {
        let out = Command::new(example("16-tls-certs"))
            .arg("--out")
            .arg(&dir)
            .args(["--client-spiffe-id", id])
            .output()
            .expect("16-tls-certs runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{id}: {stderr}");
        assert!(
            stderr.contains(id) && stderr.contains(why),
            "{id}: {stderr}"
        );
        assert!(!dir.exists(), "{id}: nothing written");
        assert!(certs::check_spiffe_id(id).is_err());
    }
    assert!(certs::check_spiffe_id("spiffe://course.test").is_ok());
    assert!(certs::check_spiffe_id("spiffe://course.test/ns/shop/sa/payments").is_ok());
}

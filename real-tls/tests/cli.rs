//! The Lesson 16 binaries refuse bad input with a message that names the
//! file and the problem, and exit 1; nothing here needs OpenSSL or Python.

use std::path::Path;
use std::process::Command;

use learn_mtls_test_support::example;

fn fails_with(command: &mut Command, needles: &[&str]) {
    let out = command.output().expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "exit status 1; stderr: {stderr}"
    );
    for needle in needles {
        assert!(stderr.contains(needle), "{needle:?} not in: {stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn bad_files_are_refused_by_name() {
    let dir = std::env::temp_dir().join(format!("lesson16-cli-{}", std::process::id()));
    let (a, b) = (dir.join("a"), dir.join("b"));
    for (out, name) in [(&a, "CA a"), (&b, "CA b")] {
        let out = Command::new(example("16-tls-certs"))
            .arg("--out")
            .arg(out)
            .args(["--ca-name", name])
            .output()
            .expect("16-tls-certs runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let server = |cert: &Path, key: &Path, ca: &Path, crl: Option<&Path>| {
        let mut command = Command::new(example("16-tls-server"));
        command
            .args(["--listen", "127.0.0.1:0", "--cert"])
            .arg(cert)
            .arg("--key")
            .arg(key);
        command.arg("--client-ca").arg(ca);
        if let Some(crl) = crl {
            command.arg("--crl").arg(crl);
        }
        command
    };
    let missing = dir.join("missing.pem");
    fails_with(
        &mut server(&missing, &a.join("server.key"), &a.join("ca.pem"), None),
        &["missing.pem", "No such file"],
    );
    fails_with(
        &mut server(
            &a.join("server.key"),
            &a.join("server.key"),
            &a.join("ca.pem"),
            None,
        ),
        &["server.key", "no `BEGIN CERTIFICATE` block"],
    );
    fails_with(
        &mut server(
            &a.join("server.pem"),
            &a.join("server.pem"),
            &a.join("ca.pem"),
            None,
        ),
        &["server.pem", "no private key"],
    );
    fails_with(
        &mut server(
            &a.join("server.pem"),
            &b.join("server.key"),
            &a.join("ca.pem"),
            None,
        ),
        &["the private key does not belong to the certificate"],
    );
    fails_with(
        &mut server(
            &a.join("server.pem"),
            &a.join("server.key"),
            &a.join("ca.pem"),
            Some(&a.join("ca.pem")),
        ),
        &["ca.pem", "no `BEGIN X509 CRL` block"],
    );
    fails_with(
        Command::new(example("16-tls-certs"))
            .args(["revoke", "--out"])
            .arg(&a)
            .arg("alice"),
        &["expected `client` or `server`"],
    );
    fails_with(
        Command::new(example("16-tls-client")).args([
            "--connect",
            "127.0.0.1:1",
            "--ca",
            &a.join("ca.pem").display().to_string(),
            "--server-name",
            "not a name!",
        ]),
        &["--server-name not a name!"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

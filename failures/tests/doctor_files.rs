//! `18-mtls-doctor files` names the right cause for each failure of the
//! lab, on the certificates the course's tool makes and on the ones plain
//! `openssl` commands make (`failures/openssl-failures.sh`), and keeps its
//! contract: `ok`/`problem CAUSE:` lines, exit codes, `--json`.

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use common::{Maker, TempDir, WAIT, example, make_set, run_bounded};

/// One case: the files, and the causes the doctor must name (no more).
struct Case {
    cert: &'static str,
    key: &'static str,
    ca: &'static str,
    role: &'static str,
    extra: &'static [&'static str],
    causes: &'static [&'static str],
}

const CASES: &[Case] = &[
    // The good ones.
    Case {
        cert: "server-full.pem",
        key: "server.key",
        ca: "ca.pem",
        role: "server",
        extra: &["--name", "localhost"],
        causes: &[],
    },
    Case {
        cert: "client-full.pem",
        key: "client.key",
        ca: "ca.pem",
        role: "client",
        extra: &[],
        causes: &[],
    },
    // The intermediate given in a file of its own is as good.
    Case {
        cert: "server.pem",
        key: "server.key",
        ca: "ca.pem",
        role: "server",
        extra: &["--chain", "intermediate.pem", "--name", "localhost"],
        causes: &[],
    },
    // 1. incomplete chain: the leaf alone; both causes named, the likelier first.
    Case {
        cert: "server.pem",
        key: "server.key",
        ca: "ca.pem",
        role: "server",
        extra: &["--name", "localhost"],
        causes: &["incomplete-chain", "unknown-ca"],
    },
    // 2. trust store mismatch, both sides.
    Case {
        cert: "other-server-full.pem",
        key: "other-server.key",
        ca: "ca.pem",
        role: "server",
        extra: &["--name", "localhost"],
        causes: &["unknown-ca"],
    },
    Case {
        cert: "other-client-full.pem",
        key: "other-client.key",
        ca: "ca.pem",
        role: "client",
        extra: &[],
        causes: &["unknown-ca"],
    },
    // 3. expired, both sides.
    Case {
        cert: "expired-server-full.pem",
        key: "expired-server.key",
        ca: "ca.pem",
        role: "server",
        extra: &["--name", "localhost"],
        causes: &["expired"],
    },
    Case {
        cert: "expired-client-full.pem",
        key: "expired-client.key",
        ca: "ca.pem",
        role: "client",
        extra: &[],
        causes: &["expired"],
    },
    // 4. not yet valid.
    Case {
        cert: "future-server-full.pem",
        key: "future-server.key",
        ca: "ca.pem",
        role: "server",
        extra: &["--name", "localhost"],
        causes: &["not-yet-valid"],
    },
    // ... and the same good certificate at a time before it (a clock behind).
    Case {
        cert: "server-full.pem",
        key: "server.key",
        ca: "ca.pem",
        role: "server",
        extra: &["--name", "localhost", "--now", "2001-01-01"],
        causes: &["not-yet-valid"],
    },
    // 5. name mismatch, and the localhost-versus-address trap.
    Case {
        cert: "wrongname-server-full.pem",
        key: "wrongname-server.key",
        ca: "ca.pem",
        role: "server",
        extra: &["--name", "localhost"],
        causes: &["name-mismatch"],
    },
    Case {
        cert: "server-full.pem",
        key: "server.key",
        ca: "ca.pem",
        role: "server",
        extra: &["--name", "127.0.0.1"],
        causes: &["name-mismatch"],
    },
    // 6. a common name and no SAN.
    Case {
        cert: "nosan-server-full.pem",
        key: "nosan-server.key",
        ca: "ca.pem",
        role: "server",
        extra: &["--name", "localhost"],
        causes: &["no-san"],
    },
    // 7. wrong extended key usage: a server certificate used by a client, and the reverse.
    Case {
        cert: "server-full.pem",
        key: "server.key",
        ca: "ca.pem",
        role: "client",
        extra: &[],
        causes: &["wrong-usage"],
    },
    Case {
        cert: "client-full.pem",
        key: "client.key",
        ca: "ca.pem",
        role: "server",
        extra: &[],
        causes: &["wrong-usage"],
    },
    // 9. the key is not the certificate's.
    Case {
        cert: "server-full.pem",
        key: "client.key",
        ca: "ca.pem",
        role: "server",
        extra: &["--name", "localhost"],
        causes: &["key-mismatch"],
    },
    // 10. a key type some stacks refuse (the key file and the certificate).
    Case {
        cert: "ed448-server-full.pem",
        key: "ed448-server.key",
        ca: "ed448-ca.pem",
        role: "server",
        extra: &["--name", "localhost"],
        causes: &["unsupported-key-type", "unsupported-key-type"],
    },
    // 11. revoked by CRL; the good client is not.
    Case {
        cert: "revoked-client-full.pem",
        key: "revoked-client.key",
        ca: "ca.pem",
        role: "client",
        extra: &["--crl", "crl.pem"],
        causes: &["revoked"],
    },
    Case {
        cert: "client-full.pem",
        key: "client.key",
        ca: "ca.pem",
        role: "client",
        extra: &["--crl", "crl.pem"],
        causes: &[],
    },
];

fn doctor(dir: &TempDir, case: &Case, json: bool) -> (Option<i32>, String) {
    let mut command = Command::new(example("18-mtls-doctor"));
    command.current_dir(&dir.0).arg("files");
    command.args([
        "--cert", case.cert, "--key", case.key, "--ca", case.ca, "--role", case.role,
    ]);
    command.args(case.extra);
    if json {
        command.arg("--json");
    }
    run_bounded(&mut command, b"", WAIT)
}

fn check_set(maker: Maker) {
    let dir = TempDir::new("lesson18", &format!("files-{maker:?}"));
    make_set(maker, &dir);
    if maker == Maker::Openssl {
        std::fs::copy(dir.join("ca.pem"), dir.join("ed448-ca.pem")).expect("copy");
    }
    let mut failures = Vec::new();
    for case in CASES {
        let (code, out) = doctor(&dir, case, false);
        assert!(!out.contains("panicked"), "{out}");
        let mut causes = Vec::new();
        for line in out.lines() {
            if let Some(rest) = line.strip_prefix("problem ") {
                let (cause, text) = rest.split_once(": ").expect("problem CAUSE: ...");
                assert!(text.contains("; fix: "), "no fix in {line:?}");
                causes.push(cause.to_owned());
            } else {
                assert!(
                    line.starts_with("ok "),
                    "neither ok nor problem: {line:?} in\n{out}"
                );
            }
        }
        let want: Vec<String> = case.causes.iter().map(|c| (*c).to_owned()).collect();
        let want_code = if want.is_empty() { 0 } else { 1 };
        if causes != want || code != Some(want_code) {
            failures.push(format!(
                "{} {} --role {} {:?}: causes {causes:?} (want {want:?}), exit {code:?}\n{out}",
                case.cert, case.key, case.role, case.extra
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{maker:?} set:\n{}",
        failures.join("\n")
    );

    // The problem lines name the file and the certificate.
    let (_, out) = doctor(&dir, &CASES[6], false);
    assert!(
        out.contains("problem expired: expired-server-full.pem: CN=localhost"),
        "{out}"
    );
    let (_, out) = doctor(&dir, &CASES[15], false);
    assert!(
        out.contains("client.key is not the private key of CN=localhost in server-full.pem"),
        "{out}"
    );
    // Ambiguity: both causes, the likelier first, and how to tell them apart.
    let (_, out) = doctor(&dir, &CASES[3], false);
    assert!(
        out.contains("likeliest, the intermediate") && out.contains("openssl verify"),
        "{out}"
    );

    // --json: one object a line, the same findings.
    let (code, out) = doctor(&dir, &CASES[3], true);
    assert_eq!(code, Some(1));
    let objects: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect();
    let causes: BTreeSet<&str> = objects
        .iter()
        .filter(|o| o["status"] == "problem")
        .map(|o| o["cause"].as_str().expect("cause"))
        .collect();
    assert_eq!(causes, BTreeSet::from(["incomplete-chain", "unknown-ca"]));
    assert!(objects.iter().all(|o| o["what"].is_string()));
}

#[test]
fn each_failure_is_named_on_the_course_certificates() {
    check_set(Maker::Course);
}

#[test]
fn each_failure_is_named_on_plain_openssl_certificates() {
    check_set(Maker::Openssl);
}

#[test]
fn files_it_cannot_read_exit_2_with_their_name() {
    let dir = TempDir::new("lesson18", "files-bad");
    std::fs::write(dir.join("junk.pem"), "not PEM at all\n").expect("write");
    for (cert, key, ca) in [
        ("missing.pem", "missing.key", "missing.pem"),
        ("junk.pem", "junk.pem", "junk.pem"),
    ] {
        let (code, out) = run_bounded(
            Command::new(example("18-mtls-doctor"))
                .current_dir(&dir.0)
                .args(["files", "--cert", cert, "--key", key, "--ca", ca]),
            b"",
            WAIT,
        );
        assert_eq!(code, Some(2), "{out}");
        assert!(out.contains(cert) && !out.contains("panicked"), "{out}");
    }
    let (code, out) = run_bounded(
        Command::new(example("18-mtls-doctor")).args([
            "files",
            "--cert",
            "a",
            "--key",
            "b",
            "--ca",
            "c",
            "--now",
            "yesterday",
        ]),
        b"",
        WAIT,
    );
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("--now"), "{out}");
}

//! `18-mtls-doctor connect` against live servers: Lesson 16's rustls
//! server and `openssl s_server`, each given one broken certificate or one
//! lax setting at a time; the doctor must name the cause, on the course's
//! certificates and on plain openssl ones.

mod common;

use std::process::Command;

use common::{Maker, Server, TempDir, WAIT, example, lesson16, make_set, require, run_bounded};

#[derive(Clone, Copy, Debug)]
enum Stack {
    /// `16-tls-server` (rustls): always requires a client certificate.
    Rustls,
    /// `openssl s_server -Verify 1 -verify_return_error`: requires one.
    Openssl,
    /// `openssl s_server -verify 1`: asks for one, lets clients in without.
    OpensslOptional,
}

fn serve(dir: &TempDir, stack: Stack, cert: &str, key: &str, crl: bool) -> Server {
    match stack {
        Stack::Rustls => {
            let mut command = Command::new(lesson16("16-tls-server"));
            command.current_dir(&dir.0).args([
                "--listen",
                "127.0.0.1:0",
                "--cert",
                cert,
                "--key",
                key,
                "--client-ca",
                "ca.pem",
            ]);
            if crl {
                command.args(["--crl", "crl.pem"]);
            }
            Server::start(&mut command)
        }
        Stack::Openssl | Stack::OpensslOptional => {
            require("openssl", "version", "apt-get install -y openssl");
            let mut command = Command::new("openssl");
            command.current_dir(&dir.0).args([
                "s_server",
                "-accept",
                "127.0.0.1:0",
                "-cert",
                cert,
                "-key",
                key,
                "-CAfile",
                "ca.pem",
            ]);
            // `-cert` takes the leaf alone, whatever else the file holds:
            // without `-cert_chain`, s_server sends no intermediate (the
            // doctor caught this in the lab's first run).
            if let Some(chain) = intermediates_of(cert) {
                command.args(["-cert_chain", chain]);
            }
            if matches!(stack, Stack::Openssl) {
                command.args(["-Verify", "2", "-verify_return_error"]);
            } else {
                command.args(["-verify", "2"]);
            }
            if crl {
                command.args(["-CRL", "crl.pem", "-crl_check"]);
            }
            Server::start(&mut command)
        }
    }
}

/// The file holding the intermediates of a `*-full.pem` file.
fn intermediates_of(cert: &str) -> Option<&'static str> {
    match cert {
        c if c.starts_with("other-") => Some("other-ca.pem"),
        c if c.starts_with("ed448-") => Some("ed448-intermediate.pem"),
        c if c.ends_with("-full.pem") => Some("intermediate.pem"),
        _ => None,
    }
}

struct Case {
    stack: Stack,
    server_cert: &'static str,
    server_key: &'static str,
    crl: bool,
    client: Option<(&'static str, &'static str)>,
    ca: &'static str,
    server_name: &'static str,
    causes: &'static [&'static str],
}

const fn case(
    stack: Stack,
    server: (&'static str, &'static str),
    client: Option<(&'static str, &'static str)>,
    causes: &'static [&'static str],
) -> Case {
    Case {
        stack,
        server_cert: server.0,
        server_key: server.1,
        crl: false,
        client,
        ca: "ca.pem",
        server_name: "localhost",
        causes,
    }
}

const GOOD: (&str, &str) = ("server-full.pem", "server.key");
const ALICE: Option<(&str, &str)> = Some(("client-full.pem", "client.key"));

fn cases() -> Vec<Case> {
    use Stack::{Openssl, OpensslOptional, Rustls};
    let mut all = Vec::new();
    for stack in [Rustls, Openssl] {
        all.extend([
            case(stack, GOOD, ALICE, &[]),
            // 1. incomplete chain (server side), 2. trust store mismatch.
            case(
                stack,
                ("server.pem", "server.key"),
                ALICE,
                &["incomplete-chain", "unknown-ca"],
            ),
            case(
                stack,
                ("other-server-full.pem", "other-server.key"),
                ALICE,
                &["unknown-ca"],
            ),
            // 3., 4. expired, not yet valid.
            case(
                stack,
                ("expired-server-full.pem", "expired-server.key"),
                ALICE,
                &["expired"],
            ),
            case(
                stack,
                ("future-server-full.pem", "future-server.key"),
                ALICE,
                &["not-yet-valid"],
            ),
            // 5. name mismatch; 6. no SAN.
            case(
                stack,
                ("wrongname-server-full.pem", "wrongname-server.key"),
                ALICE,
                &["name-mismatch"],
            ),
            case(
                stack,
                ("nosan-server-full.pem", "nosan-server.key"),
                ALICE,
                &["no-san"],
            ),
            // 7. a server certificate presented by a client.
            case(
                stack,
                GOOD,
                Some(("server-full.pem", "server.key")),
                &["wrong-usage"],
            ),
            // 8. no client certificate.
            case(stack, GOOD, None, &["no-client-cert"]),
            // 2. and 3. on the client's side.
            case(
                stack,
                GOOD,
                Some(("other-client-full.pem", "other-client.key")),
                &["unknown-ca"],
            ),
            case(
                stack,
                GOOD,
                Some(("expired-client-full.pem", "expired-client.key")),
                &["expired"],
            ),
            // 9. the client's key is not its certificate's.
            case(
                stack,
                GOOD,
                Some(("client-full.pem", "server.key")),
                &["key-mismatch"],
            ),
            // 11. revoked by CRL.
            Case {
                crl: true,
                ..case(
                    stack,
                    GOOD,
                    Some(("revoked-client-full.pem", "revoked-client.key")),
                    &["revoked"],
                )
            },
        ]);
    }
    all.extend([
        // The rustls server trusts the root only: the client's leaf alone
        // cannot reach it (1., the client's side).
        case(
            Rustls,
            GOOD,
            Some(("client.pem", "client.key")),
            &["incomplete-chain", "unknown-ca"],
        ),
        // 5. the address-versus-name trap.
        Case {
            server_name: "127.0.0.1",
            ..case(Rustls, GOOD, ALICE, &["name-mismatch"])
        },
        // 7. the other way round: a client certificate on the server.
        case(
            Openssl,
            ("client-full.pem", "client.key"),
            ALICE,
            &["wrong-usage", "name-mismatch"],
        ),
        // 10. Ed448: OpenSSL serves it; the doctor (rustls) cannot take it.
        Case {
            ca: "ed448-ca.pem",
            ..case(
                Openssl,
                ("ed448-server-full.pem", "ed448-server.key"),
                ALICE,
                &["unsupported-key-type"],
            )
        },
        // 12. asks for a certificate but does not require one: with one,
        // and without.
        case(OpensslOptional, GOOD, None, &["client-cert-not-required"]),
        case(OpensslOptional, GOOD, ALICE, &["client-cert-not-required"]),
    ]);
    all
}

fn check_set(maker: Maker) {
    let dir = TempDir::new("lesson18", &format!("connect-{maker:?}"));
    make_set(maker, &dir);
    if maker == Maker::Openssl {
        std::fs::copy(dir.join("ca.pem"), dir.join("ed448-ca.pem")).expect("copy");
        std::fs::copy(
            dir.join("intermediate.pem"),
            dir.join("ed448-intermediate.pem"),
        )
        .expect("copy");
    }
    let mut failures = Vec::new();
    for case in cases() {
        let server = serve(
            &dir,
            case.stack,
            case.server_cert,
            case.server_key,
            case.crl,
        );
        let mut command = Command::new(example("18-mtls-doctor"));
        command.current_dir(&dir.0).args([
            "connect",
            "--connect",
            &server.addr,
            "--ca",
            case.ca,
            "--server-name",
            case.server_name,
        ]);
        if let Some((cert, key)) = case.client {
            command.args(["--cert", cert, "--key", key]);
        }
        let (code, out) = run_bounded(&mut command, b"", WAIT);
        assert!(!out.contains("panicked"), "{out}");
        let causes: Vec<&str> = out
            .lines()
            .filter_map(|l| l.strip_prefix("problem "))
            .map(|rest| rest.split(':').next().unwrap_or(""))
            .collect();
        let want_code = if case.causes.is_empty() { 0 } else { 1 };
        if causes != case.causes || code != Some(want_code) {
            failures.push(format!(
                "{:?} serving {} {}, client {:?}: causes {causes:?} (want {:?}), exit {code:?}\n{out}",
                case.stack, case.server_cert, case.server_key, case.client, case.causes
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{maker:?} set:\n{}",
        failures.join("\n")
    );
}

#[test]
fn each_failure_is_named_live_on_the_course_certificates() {
    check_set(Maker::Course);
}

#[test]
fn each_failure_is_named_live_on_plain_openssl_certificates() {
    check_set(Maker::Openssl);
}

#[test]
fn a_server_that_is_not_there_exits_2() {
    let dir = TempDir::new("lesson18", "connect-none");
    make_set(Maker::Course, &dir);
    // A port that was free a moment ago.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let (code, out) = run_bounded(
        Command::new(example("18-mtls-doctor"))
            .current_dir(&dir.0)
            .args([
                "connect",
                "--connect",
                &format!("127.0.0.1:{port}"),
                "--ca",
                "ca.pem",
            ]),
        b"",
        WAIT,
    );
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("cannot connect"), "{out}");
}

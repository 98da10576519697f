//! OCSP stapling end to end: `openssl ocsp` answers for the intermediate
//! CA from the index `openssl ca` keeps (failures/openssl-failures.sh),
//! `openssl ocsp -respout` fetches the response, `16-tls-server
//! --ocsp-response` staples it, and `openssl s_client -status` shows it:
//! `good`, then, once the certificate is revoked and a fresh response is
//! fetched into the same file, `revoked`, without restarting the server.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{
    Maker, Server, TempDir, WAIT, example, lesson16, make_set, ocsp_responder, run_bounded, run_ok,
};

/// `openssl ocsp` answering for the intermediate from the index as it is
/// when the responder starts.
fn responder(dir: &TempDir) -> (Server, String) {
    ocsp_responder(
        dir,
        &[
            "-index",
            "intermediate.db/index.txt",
            "-rsigner",
            "intermediate.pem",
            "-rkey",
            "intermediate.key",
            "-CA",
            "intermediate.pem",
        ],
    )
}

/// Fetches the status of ocsp-server.pem into resp.der; returns what openssl said.
fn fetch(dir: &TempDir, url: &str) -> String {
    let out = run_ok(Command::new("openssl").current_dir(&dir.0).args([
        "ocsp",
        "-issuer",
        "intermediate.pem",
        "-cert",
        "ocsp-server.pem",
        "-url",
        url,
        "-CAfile",
        "ca.pem",
        "-respout",
        "resp.der",
    ]));
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// What `openssl s_client -status` says about the stapled response.
fn status(dir: &TempDir, addr: &str) -> String {
    let (_, out) = run_bounded(
        Command::new("openssl").current_dir(&dir.0).args([
            "s_client",
            "-connect",
            addr,
            "-status",
            "-CAfile",
            "ca.pem",
            "-servername",
            "localhost",
            "-cert",
            "client-full.pem",
            "-cert_chain",
            "intermediate.pem",
            "-key",
            "client.key",
        ]),
        b"",
        WAIT,
    );
    out
}

#[test]
fn a_stapled_response_reaches_s_client_and_is_refreshed_from_its_file() {
    let dir = TempDir::new("lesson18", "ocsp");
    make_set(Maker::Openssl, &dir);
    let (responder_process, url) = responder(&dir);
    let said = fetch(&dir, &url);
    assert!(
        said.contains("ocsp-server.pem: good") && said.contains("Response verify OK"),
        "{said}"
    );
    drop(responder_process);
    // What stapling adds to the server's Certificate message (the lesson
    // says "under a kilobyte").
    let size = std::fs::metadata(dir.join("resp.der"))
        .expect("resp.der")
        .len();
    assert!(size > 100 && size < 1024, "resp.der is {size} bytes");

    let server = Server::start(
        Command::new(lesson16("16-tls-server"))
            .current_dir(&dir.0)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--cert",
                "ocsp-server-full.pem",
                "--key",
                "ocsp-server.key",
                "--client-ca",
                "ca.pem",
                "--ocsp-response",
                "resp.der",
            ]),
    );
    let out = status(&dir, &server.addr);
    assert!(
        out.contains("OCSP Response Status: successful (0x0)"),
        "{out}"
    );
    assert!(out.contains("Cert Status: good"), "{out}");

    // Revoke it; openssl ocsp reads its index when it starts, so start a
    // new one, and write the fresh response over the old file.
    std::thread::sleep(Duration::from_millis(20));
    run_ok(Command::new("openssl").current_dir(&dir.0).args([
        "ca",
        "-config",
        "intermediate.db/ca.cnf",
        "-revoke",
        "ocsp-server.pem",
        "-crl_reason",
        "keyCompromise",
    ]));
    let (_responder, url) = responder(&dir);
    let said = fetch(&dir, &url);
    assert!(said.contains("ocsp-server.pem: revoked"), "{said}");
    let out = status(&dir, &server.addr);
    assert!(out.contains("Cert Status: revoked"), "{out}");
    let log = server.output(Duration::from_millis(200));
    assert!(
        log.iter()
            .any(|l| l.starts_with("stapling the new OCSP response")),
        "{log:?}"
    );
}

#[test]
fn a_response_that_is_missing_or_not_der_is_refused_by_name() {
    let dir = TempDir::new("lesson18", "ocsp-bad");
    make_set(Maker::Openssl, &dir);
    std::fs::write(dir.join("junk.der"), b"not DER").expect("write");
    for (file, needle) in [
        ("missing.der", "missing.der"),
        ("junk.der", "not a DER OCSP response"),
    ] {
        let (code, out) = run_bounded(
            Command::new(lesson16("16-tls-server"))
                .current_dir(&dir.0)
                .args([
                    "--listen",
                    "127.0.0.1:0",
                    "--cert",
                    "ocsp-server-full.pem",
                    "--key",
                    "ocsp-server.key",
                    "--client-ca",
                    "ca.pem",
                    "--ocsp-response",
                    file,
                ]),
            b"",
            WAIT,
        );
        assert_eq!(code, Some(1), "{out}");
        assert!(out.contains(needle) && !out.contains("panicked"), "{out}");
    }
}

/// A response from a one-shot `openssl ocsp` responder about `cert`,
/// signed with `signer` (and its key), valid for a day, written to `out`.
fn response_about(dir: &TempDir, cert: &str, signer: (&str, &str), out: &str, extra: &[&str]) {
    let mut args = vec![
        "-index",
        "intermediate.db/index.txt",
        "-rsigner",
        signer.0,
        "-rkey",
        signer.1,
        "-CA",
        "intermediate.pem",
        "-ndays",
        "1",
    ];
    args.extend_from_slice(extra);
    let (_responder, url) = ocsp_responder(dir, &args);
    // -noverify: the lab wants the bad responses too; the client judges them.
    run_ok(Command::new("openssl").current_dir(&dir.0).args([
        "ocsp",
        "-issuer",
        "intermediate.pem",
        "-cert",
        cert,
        "-url",
        &url,
        "-respout",
        out,
        "-noverify",
    ]));
}

/// What `16-tls-client --require-ocsp` says to a server serving
/// ocsp-server-full.pem and stapling `staple` (or nothing).
fn client_verdict(dir: &TempDir, staple: Option<&str>) -> (Option<i32>, String) {
    client_verdict_for(dir, "ocsp-server", staple)
}

/// The same, for a server serving `STEM-full.pem` with `STEM.key`.
fn client_verdict_for(dir: &TempDir, stem: &str, staple: Option<&str>) -> (Option<i32>, String) {
    let (cert, key) = (format!("{stem}-full.pem"), format!("{stem}.key"));
    let mut command = Command::new(lesson16("16-tls-server"));
    command.current_dir(&dir.0).args([
        "--listen",
        "127.0.0.1:0",
        "--cert",
        &cert,
        "--key",
        &key,
        "--client-ca",
        "ca.pem",
    ]);
    if let Some(staple) = staple {
        command.args(["--ocsp-response", staple]);
    }
    let server = Server::start(&mut command);
    run_bounded(
        Command::new(lesson16("16-tls-client"))
            .current_dir(&dir.0)
            .args([
                "--connect",
                &server.addr,
                "--ca",
                "ca.pem",
                "--server-name",
                "localhost",
                "--cert",
                "client-full.pem",
                "--key",
                "client.key",
                "--require-ocsp",
            ]),
        b"hello\n",
        WAIT,
    )
}

#[test]
fn require_ocsp_accepts_a_good_staple_and_refuses_each_bad_one() {
    let dir = TempDir::new("lesson18", "require-ocsp");
    make_set(Maker::Openssl, &dir);
    let ca = ("intermediate.pem", "intermediate.key");
    response_about(&dir, "ocsp-server.pem", ca, "good.der", &[]);
    // For another certificate of the same CA.
    response_about(&dir, "revoked-client-full.pem", ca, "other.der", &[]);
    // Signed by a CA that is not the certificate's (with its certificate
    // attached, and without).
    let other = ("other-ca.pem", "other-ca.key");
    response_about(&dir, "ocsp-server.pem", other, "foreign.der", &[]);
    response_about(
        &dir,
        "ocsp-server.pem",
        other,
        "badsig.der",
        &["-resp_no_certs"],
    );

    let (code, out) = client_verdict(&dir, Some("good.der"));
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("hello"), "{out}");
    for (staple, needle) in [
        (None, "the server stapled no OCSP response"),
        (Some("other.der"), "it is about another certificate"),
        (
            Some("foreign.der"),
            "a responder certificate that the issuing CA did not sign",
        ),
        (Some("badsig.der"), "its signature does not verify"),
    ] {
        let (code, out) = client_verdict(&dir, staple);
        assert_eq!(code, Some(1), "{staple:?}: {out}");
        assert!(
            out.contains("OCSP staple refused") && out.contains(needle),
            "{staple:?}: {out}"
        );
        assert!(!out.contains("panicked"), "{out}");
    }

    // Unknown: server.pem was made by `openssl x509 -req`, not `openssl
    // ca`, so the intermediate's index has no line for it, and `openssl
    // ocsp` answers `unknown` (a responder's way of saying "not one of
    // mine"), which is no more a proof of validity than no answer at all.
    response_about(&dir, "server.pem", ca, "unknown.der", &[]);
    let (code, out) = client_verdict_for(&dir, "server", Some("unknown.der"));
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("OCSP staple refused")
            && out.contains("the responder does not know the certificate")
            && out.contains("status unknown"),
        "{out}"
    );
    assert!(!out.contains("panicked"), "{out}");
    // The doctor names it too.
    let server = Server::start(
        Command::new(lesson16("16-tls-server"))
            .current_dir(&dir.0)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--cert",
                "server-full.pem",
                "--key",
                "server.key",
                "--client-ca",
                "ca.pem",
                "--ocsp-response",
                "unknown.der",
            ]),
    );
    let (code, out) = run_bounded(
        Command::new(example("18-mtls-doctor"))
            .current_dir(&dir.0)
            .args([
                "connect",
                "--connect",
                &server.addr,
                "--ca",
                "ca.pem",
                "--server-name",
                "localhost",
                "--cert",
                "client-full.pem",
                "--key",
                "client.key",
            ]),
        b"",
        WAIT,
    );
    drop(server);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("problem unknown-ca: the OCSP response")
                && l.contains("does not vouch for CN=localhost")
                && l.contains("status unknown")),
        "{out}"
    );

    // Stale: the same good response, checked two days on (its nextUpdate
    // is one day after thisUpdate), by the function the client calls.
    let der =
        |f: &str| learn_mtls_real_tls::files::certificates(&dir.join(f)).expect("PEM")[0].to_vec();
    let (leaf, issuer) = (der("ocsp-server.pem"), der("intermediate.pem"));
    let good = std::fs::read(dir.join("good.der")).expect("good.der");
    let now = rustls::pki_types::UnixTime::now();
    assert_eq!(
        learn_mtls_real_tls::ocsp::check(&good, &leaf, &issuer, now),
        Ok(())
    );
    let later = rustls::pki_types::UnixTime::since_unix_epoch(Duration::from_secs(
        now.as_secs() + 2 * 86_400,
    ));
    let stale = learn_mtls_real_tls::ocsp::check(&good, &leaf, &issuer, later)
        .expect_err("stale")
        .to_string();
    assert!(stale.contains("it is stale"), "{stale}");

    // Revoked: revoke it, ask a new responder, staple that.
    run_ok(Command::new("openssl").current_dir(&dir.0).args([
        "ca",
        "-config",
        "intermediate.db/ca.cnf",
        "-revoke",
        "ocsp-server.pem",
    ]));
    response_about(&dir, "ocsp-server.pem", ca, "revoked.der", &[]);
    let (code, out) = client_verdict(&dir, Some("revoked.der"));
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("is revoked"), "{out}");
}

//! The graders against the broken peers of `tests/common/faulty.rs`: each
//! fault is caught, by the check it belongs to.

use super::case::{Case, case, hybrid, proto};
use super::runs::{Graded, all_passed, caught, check_counts, grade, scratch, seed};
use crate::common::faulty::{self, Fault};
use learn_mtls::handshake::Binding;
use learn_mtls::schedule::KeySchedule;
use learn_mtls_kit::grade::spec::{self, Lesson, Proto};
use std::time::{Duration, Instant};

/// A grader's verdict on a faulty server.
pub fn grade_faulty_server(fault: Fault, p: Proto, extra: &[&str]) -> Graded {
    let dir = scratch();
    let addr = faulty::start_server(fault, p, seed(&dir, "server"), {
        spec::public_key(&seed(&dir, "client"))
    });
    let mut args = vec![
        "--server".into(),
        addr,
        "--server-pub".into(),
        dir.join("server.pub").display().to_string(),
    ];
    if p.lesson == Lesson::Eleven {
        args.extend(["--key".into(), dir.join("client.key").display().to_string()]);
    }
    args.extend(extra.iter().map(|a| a.to_string()));
    grade(p, &args, None)
}

/// A grader's verdict on a faulty client: this very binary, re-invoked.
pub fn grade_faulty_client(fault: Fault, p: Proto) -> Graded {
    let me = std::env::current_exe().expect("the test binary");
    let command = format!("'{}' {{addr}} {{key}} {{server_pub}}", me.display());
    grade(
        p,
        &["--client-cmd".into(), command],
        Some((faulty::CLIENT_ENV, faulty::describe(fault, p))),
    )
}

pub fn faulty_server(fault: Fault, p: Proto, check: Option<&str>) -> Result<(), String> {
    let graded = grade_faulty_server(fault, p, &[]);
    match check {
        None => all_passed(&graded, check_counts(p).0),
        Some(check) => caught(&graded, check),
    }
}

pub fn faulty_client(fault: Fault, p: Proto, check: Option<&str>) -> Result<(), String> {
    let graded = grade_faulty_client(fault, p);
    match check {
        None => all_passed(&graded, check_counts(p).1),
        Some(check) => caught(&graded, check),
    }
}

/// The FAIL line of `check` says `words`: the diagnosis, not just the verdict.
pub fn says(graded: &Graded, check: &str, words: &str) -> Result<(), String> {
    let prefix = format!("FAIL {check}: ");
    let line = graded
        .lines
        .iter()
        .find(|l| l.starts_with(&prefix))
        .ok_or_else(|| format!("no FAIL {check} line in:\n{}", graded.text()))?;
    if line.contains(words) {
        Ok(())
    } else {
        Err(format!("expected {words:?} in {line:?}"))
    }
}

pub fn diagnoses() -> Vec<Case> {
    use Binding::{InsecureLesson11 as L11, Transcript as T};
    use KeySchedule::{Hkdf as H, Tls12Prf as P};
    let eleven = |b, s| proto(Lesson::Eleven, b, s);
    vec![
        case("diagnoses_a_dropped_ml_kem_secret".into(), move || {
            // A client's first record can be diagnosed (a server's cannot:
            // one with the wrong keys closes before it sends any).
            let graded = grade_faulty_client(Fault::DropsMlKemSecret, hybrid(eleven(L11, H)));
            says(
                &graded,
                "echo",
                "the X25519 secret alone: the ML-KEM shared key was dropped",
            )
        }),
        case("diagnoses_a_dropped_x25519_secret".into(), move || {
            let graded = grade_faulty_client(Fault::DropsX25519Secret, hybrid(eleven(L11, P)));
            says(
                &graded,
                "echo",
                "the ML-KEM shared key alone: the X25519 secret was dropped",
            )
        }),
        case(
            "diagnoses_a_counter_that_does_not_advance".into(),
            move || {
                let graded = grade_faulty_client(Fault::CountersNotAdvanced, eleven(L11, H));
                says(
                    &graded,
                    "echo",
                    "opens under counter 0: the client's sending counter is wrong",
                )
            },
        ),
        case("diagnoses_a_client_that_signs_first".into(), move || {
            let graded = grade_faulty_client(Fault::SignsBeforeChecking, eleven(L11, P));
            says(
                &graded,
                "bad-server-signature",
                "got message 3 (96 bytes): the client signed for a server it had not authenticated",
            )
        }),
        case("diagnoses_an_echoed_key_confirmation".into(), move || {
            let graded = grade_faulty_server(Fault::NoKeyConfirmation, eleven(T, H), &[]);
            says(
                &graded,
                "key-confirmation",
                "echoed the empty key-confirmation record as if it were a message",
            )
        }),
        case("diagnoses_a_binding_mismatch".into(), move || {
            // A correct lesson11 server, graded as a transcript one.
            let dir = scratch();
            let addr = faulty::start_server(Fault::None, eleven(L11, H), seed(&dir, "server"), {
                spec::public_key(&seed(&dir, "client"))
            });
            let args = [
                "--server".to_string(),
                addr,
                "--server-pub".into(),
                dir.join("server.pub").display().to_string(),
                "--key".into(),
                dir.join("client.key").display().to_string(),
                "--check".into(),
                "server-signature".into(),
            ];
            says(
                &grade(eleven(T, H), &args, None),
                "server-signature",
                "a signature over the content of --binding lesson11 --schedule hkdf instead",
            )
        }),
        case("diagnoses_a_lenient_verifier".into(), move || {
            let graded = grade_faulty_server(Fault::LenientSignature, eleven(T, P), &[]);
            says(
                &graded,
                "strict-signature-small-order-r",
                "accepted what it should have refused",
            )
        }),
        case(
            "diagnoses_a_hung_server_within_the_timeout".into(),
            move || {
                let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
                let addr = silent.local_addr().expect("address").to_string();
                let dir = scratch();
                let p = proto(Lesson::Ten, L11, H);
                let args = [
                    "--server".to_string(),
                    addr,
                    "--server-pub".into(),
                    dir.join("server.pub").display().to_string(),
                    "--timeout".into(),
                    "1".into(),
                    "--check".into(),
                    "server-signature".into(),
                    "--check".into(),
                    "low-order-share-0".into(),
                ];
                let started = Instant::now();
                let graded = grade(p, &args, None);
                drop(silent);
                says(&graded, "server-signature", "no answer within 1s")?;
                says(&graded, "low-order-share-0", "no answer within 1s")?;
                // Two checks, each giving up after 1s: well under 10s.
                if started.elapsed() > Duration::from_secs(10) {
                    return Err(format!("took {:?} for two 1s waits", started.elapsed()));
                }
                if graded.lines.last().map(String::as_str) != Some("0 passed, 2 failed") {
                    return Err(format!("--check should run two checks:\n{}", graded.text()));
                }
                Ok(())
            },
        ),
    ]
}

//! The graders, graded.
//!
//! 1. `10-grade` and `11-grade` pass the reference binaries (`10-server`,
//!    `10-client`, `11-mtls-server`, `11-mtls-client`) under every binding
//!    and schedule: the graders' own implementation of the protocol agrees
//!    with the library byte for byte.
//! 2. They fail each deliberately broken peer (`common/faulty.rs`), and
//!    name the check that the broken piece belongs to.
//!
//! This file has its own `main` (`harness = false` in Cargo.toml): when
//! the environment variable `LEARN_MTLS_FAULTY_CLIENT` is set, the binary
//! is not a test run but a faulty client, which is how the graders' client
//! checks run it (`--client-cmd`) without any broken implementation
//! shipping as a lesson binary. Otherwise it runs the cases below, a few
//! at a time, and exits 1 if any fails. `cargo test --test grader -- WORD`
//! runs only the cases whose name contains WORD.

use std::collections::VecDeque;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use learn_mtls::handshake::Binding;
use learn_mtls::schedule::KeySchedule;

mod common;
mod grader_support;
use grader_support::case::{BINDINGS, Case, SCHEDULES, case, hybrid, label, proto};
use grader_support::faults::{diagnoses, faulty_client, faulty_server};
use grader_support::runs::{json_output, json_output_of, reference_client, reference_server};

use common::binaries::example;
use common::faulty::{self, Fault};
use learn_mtls_kit::grade::spec::Lesson;

fn main() -> ExitCode {
    if let Ok(setting) = std::env::var(faulty::CLIENT_ENV) {
        return faulty::client_main(&setting);
    }
    // Words are name filters; libtest's options (and their values) are ignored.
    let mut filter = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--test-threads" | "--skip" | "--color" | "--format" | "--logfile" | "-Z" => {
                args.next();
            }
            option if option.starts_with('-') => {}
            _ => filter.push(arg),
        }
    }
    let cases: VecDeque<Case> = cases()
        .into_iter()
        .filter(|c| filter.is_empty() || filter.iter().any(|f| c.name.contains(f.as_str())))
        .collect();
    run_all(cases)
}

// ---- The cases -------------------------------------------------------------------

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for lesson in [Lesson::Eleven, Lesson::Ten] {
        for binding in BINDINGS {
            for schedule in SCHEDULES {
                let classical = proto(lesson, binding, schedule);
                // Lesson 19's hybrid key exchange is a Lesson 11 option.
                let protos = match lesson {
                    Lesson::Eleven => vec![classical, hybrid(classical)],
                    Lesson::Ten => vec![classical],
                };
                for p in protos {
                    cases.push(case(
                        format!("passes_the_reference_server {}", label(p)),
                        move || reference_server(p),
                    ));
                    cases.push(case(
                        format!("passes_the_reference_client {}", label(p)),
                        move || reference_client(p),
                    ));
                }
            }
        }
    }

    use Binding::{InsecureLesson11 as L11, Transcript as T};
    use KeySchedule::{Hkdf as H, Tls12Prf as P};
    use Lesson::{Eleven, Ten};
    // (fault, protocol, the check that must fail; None: every check passes)
    let servers = [
        (Fault::None, proto(Eleven, L11, H), None),
        (Fault::None, proto(Eleven, T, P), None),
        (
            Fault::NoAllZeroCheck,
            proto(Eleven, L11, H),
            Some("low-order-share-0"),
        ),
        (
            Fault::LenientSignature,
            proto(Eleven, T, H),
            Some("strict-signature-small-order-r"),
        ),
        (
            Fault::WrongHkdfLabel,
            proto(Eleven, L11, H),
            Some("session-keys"),
        ),
        (
            Fault::NoKeyConfirmation,
            proto(Eleven, T, H),
            Some("key-confirmation"),
        ),
        (
            Fault::CountersNotAdvanced,
            proto(Eleven, T, P),
            Some("echo-sequence"),
        ),
        (
            Fault::AcceptsAnyKey,
            proto(Eleven, L11, P),
            Some("unknown-client-key"),
        ),
        (
            Fault::NoLengthCheck,
            proto(Eleven, T, H),
            Some("record-length-16401"),
        ),
        (Fault::None, proto(Ten, T, H), None),
        (
            Fault::NoAllZeroCheck,
            proto(Ten, L11, P),
            Some("low-order-share-0"),
        ),
        (
            Fault::WrongHkdfLabel,
            proto(Ten, T, H),
            Some("session-keys"),
        ),
        (
            Fault::CountersNotAdvanced,
            proto(Ten, L11, H),
            Some("echo-sequence"),
        ),
        // The hybrid handshake (Lesson 19).
        (Fault::None, hybrid(proto(Eleven, T, H)), None),
        (
            Fault::DropsMlKemSecret,
            hybrid(proto(Eleven, T, H)),
            Some("session-keys"),
        ),
        (
            Fault::DropsX25519Secret,
            hybrid(proto(Eleven, L11, P)),
            Some("session-keys"),
        ),
        (
            Fault::TakesWhateverArrived,
            hybrid(proto(Eleven, T, P)),
            Some("oversized-message-1"),
        ),
        (
            Fault::NoAllZeroCheck,
            hybrid(proto(Eleven, L11, H)),
            Some("low-order-share-order-8"),
        ),
    ];
    for (fault, p, check) in servers {
        cases.push(case(format!("server_{fault:?} {}", label(p)), move || {
            faulty_server(fault, p, check)
        }));
    }
    let clients = [
        (Fault::None, proto(Eleven, L11, H), None),
        (Fault::None, proto(Eleven, T, P), None),
        (
            Fault::NoAllZeroCheck,
            proto(Eleven, L11, H),
            Some("low-order-server-share-0"),
        ),
        (
            Fault::LenientSignature,
            proto(Eleven, T, H),
            Some("strict-signature-small-order-r"),
        ),
        (Fault::WrongHkdfLabel, proto(Eleven, T, H), Some("echo")),
        (
            Fault::NoKeyConfirmation,
            proto(Eleven, T, H),
            Some("key-confirmation-sent"),
        ),
        (
            Fault::CountersNotAdvanced,
            proto(Eleven, L11, P),
            Some("echo"),
        ),
        (
            Fault::SignsBeforeChecking,
            proto(Eleven, L11, H),
            Some("bad-server-signature"),
        ),
        (
            Fault::NoLengthCheck,
            proto(Eleven, L11, H),
            Some("record-length-16401"),
        ),
        (Fault::None, proto(Ten, L11, H), None),
        (
            Fault::NoAllZeroCheck,
            proto(Ten, T, H),
            Some("low-order-server-share-0"),
        ),
        (
            Fault::LenientSignature,
            proto(Ten, L11, P),
            Some("strict-signature-small-order-r"),
        ),
        (Fault::CountersNotAdvanced, proto(Ten, T, H), Some("echo")),
        // The hybrid handshake (Lesson 19).
        (Fault::None, hybrid(proto(Eleven, L11, P)), None),
        (
            Fault::DropsMlKemSecret,
            hybrid(proto(Eleven, T, H)),
            Some("tampered-ciphertext"),
        ),
        (
            Fault::DropsX25519Secret,
            hybrid(proto(Eleven, L11, H)),
            Some("echo"),
        ),
        (
            Fault::NoAllZeroCheck,
            hybrid(proto(Eleven, T, P)),
            Some("low-order-server-share-1"),
        ),
    ];
    for (fault, p, check) in clients {
        cases.push(case(format!("client_{fault:?} {}", label(p)), move || {
            faulty_client(fault, p, check)
        }));
    }
    cases.push(case(
        "json_output_is_one_object_per_line".into(),
        json_output,
    ));
    cases.push(case(
        "json_output_is_one_object_per_line x25519-mlkem768".into(),
        || json_output_of(hybrid(proto(Eleven, T, H))),
    ));
    cases.extend(diagnoses());
    cases
}

// ---- A small runner -----------------------------------------------------------------

/// Runs the cases on a few threads (the machine is shared), prints each
/// result as it ends, and fails if any case failed.
fn run_all(cases: VecDeque<Case>) -> ExitCode {
    // Build the examples once, before the threads race to do it.
    example("11-grade");
    let total = cases.len();
    println!("\nrunning {total} grader cases");
    let queue = Arc::new(Mutex::new(cases));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let queue = Arc::clone(&queue);
            let failures = Arc::clone(&failures);
            std::thread::spawn(move || {
                loop {
                    let Some(case) = queue.lock().expect("queue").pop_front() else {
                        break;
                    };
                    let started = Instant::now();
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(case.body))
                        .unwrap_or_else(|_| Err("panicked".into()));
                    let secs = started.elapsed().as_secs_f32();
                    match result {
                        Ok(()) => println!("test {} ... ok ({secs:.1}s)", case.name),
                        Err(why) => {
                            println!("test {} ... FAILED ({secs:.1}s)", case.name);
                            failures.lock().expect("failures").push((case.name, why));
                        }
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("worker");
    }
    let failures = failures.lock().expect("failures");
    for (name, why) in failures.iter() {
        println!("\n---- {name} ----\n{why}");
    }
    println!(
        "\ngrader cases: {} passed, {} failed",
        total - failures.len(),
        failures.len()
    );
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

//! `exercise-check`: runs the checks of the exercises named on its command
//! line (all of them without any), for `cargo course`. For each it prints
//! a status line `@@ ID done|not-started LOCATION|failed`, then any
//! explanation. Exits 0 only if every check named passed.
#![forbid(unsafe_code)]

mod harness;
mod lesson10;
mod lesson11;
mod lesson12;
mod lesson13;
mod lesson15;
mod lesson19;
mod processes;
// Shared with `cargo course` (its library, standard library only): the
// lesson binaries and their build, and the progress messages of a build.
use learn_mtls_course::lesson_binaries;

use std::process::ExitCode;

use harness::Outcome;

/// A check: `Ok` when the learner's piece agrees with the library.
type Check = fn() -> harness::Result;

/// Every check, in course order: the exercise ID and the check.
const CHECKS: &[(&str, Check)] = &[
    ("10.1", lesson10::shared_secret),
    ("10.2", lesson10::key_schedule),
    ("10.3", lesson10::nonce),
    ("10.4", lesson10::records),
    ("10.5", lesson10::server_signature),
    ("10.6", lesson10::client),
    ("11.1", lesson11::client_auth),
    ("11.2", lesson11::check_client_auth),
    ("11.3", lesson11::authorized_keys),
    ("11.4", lesson11::revocation),
    ("11.5", lesson11::finale),
    ("12.1", lesson12::p_hash),
    ("12.2", lesson12::prf),
    ("12.3", lesson12::master_secret),
    ("12.4", lesson12::extended_master_secret),
    ("12.5", lesson12::key_block),
    ("12.6", lesson12::verify_data),
    ("13.1", lesson13::replay),
    ("13.2", lesson13::misbinding),
    ("13.3", lesson13::signed_content),
    ("13.4", lesson13::key_confirmation),
    ("13.5", lesson13::finale),
    ("15.1", lesson15::issuer_signature),
    ("15.2", lesson15::validity),
    ("15.3", lesson15::chain),
    ("15.4", lesson15::crl),
    ("15.5", lesson15::finale),
    ("19.1", lesson19::combiner),
    ("19.2", lesson19::client),
];

fn main() -> ExitCode {
    let wanted: Vec<String> = std::env::args().skip(1).collect();
    for id in &wanted {
        if !CHECKS.iter().any(|(known, _)| known == id) {
            eprintln!("exercise-check: no exercise {id}");
            return ExitCode::from(2);
        }
    }
    harness::install_panic_hook();
    let mut all_done = true;
    for (id, check) in CHECKS {
        if !wanted.is_empty() && !wanted.iter().any(|w| w == id) {
            continue;
        }
        match harness::run(*check) {
            Outcome::Done => println!("@@ {id} done"),
            Outcome::NotStarted(location) => {
                all_done = false;
                println!("@@ {id} not-started {location}");
            }
            Outcome::Failed(why) => {
                all_done = false;
                println!("@@ {id} failed");
                println!("{why}");
            }
        }
    }
    // Exit at once: a check that timed out may still be running its thread.
    std::process::exit(i32::from(!all_done))
}

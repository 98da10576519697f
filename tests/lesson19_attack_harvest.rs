//! Lesson 19: `19-attack-harvest` runs, on loopback, and gives the two
//! outcomes the lesson teaches: with alice's X25519 secret the classical
//! recording decrypts to what alice said, the hybrid one does not, and the
//! control (the ML-KEM key Mallory lacks) shows the hybrid recording was
//! not shut by a mistake.

use std::process::Command;

mod common;
use common::binaries::example;

#[test]
fn the_harvest_decrypts_the_classical_recording_and_not_the_hybrid_one() {
    let out = Command::new(example("19-attack-harvest"))
        .output()
        .expect("run 19-attack-harvest");
    let stdout = String::from_utf8_lossy(&out.stdout);

    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "recorded a x25519 session: ",
        "(message 1 1216 bytes, message 2 1184, message 3 96)",
        "x25519: keys from X25519's secret: alice's records open:",
        "    \"the vault code is 31-41-59\"",
        "x25519-mlkem768: keys from X25519's secret alone: her first record does not open",
        "x25519-mlkem768: the recording stays shut",
        "the hybrid records open",
        "as taught:",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }
    assert!(!stdout.contains("NOT as taught"));
}

//! Lesson 19 on the command line: `11-mtls-client` and `11-mtls-server`
//! with `--kex x25519-mlkem768` complete the hybrid handshake under both
//! bindings and both schedules, print the message sizes, and a key
//! exchange mismatch fails with an error naming `--kex` on both sides.
//! With `--identity ml-dsa-65` (ML-DSA-65 keys from `11-mtls-genkeys
//! --identity ml-dsa-65`) they complete the handshake under both key
//! exchanges, bindings and schedules and print the bigger sizes against
//! 224; an identity mismatch and a key of the wrong scheme are named.
//! Real processes on loopback.

use std::process::Command;

mod common;
use common::binaries::example;
use common::cli::{Scratch, mtls_client, pinned_server, text};

/// A scratch directory with `server` and `client` keys of `identity`.
fn keys_of(identity: &str) -> Scratch {
    Scratch::with_keys(&["--identity", identity, "server", "client"])
}

#[test]
fn the_hybrid_handshake_runs_between_the_binaries_under_both_bindings_and_schedules() {
    let dir = keys_of("ed25519");
    for binding in ["lesson11", "transcript"] {
        for schedule in ["hkdf", "tls12-prf"] {
            let flags = [
                "--kex",
                "x25519-mlkem768",
                "--binding",
                binding,
                "--schedule",
                schedule,
            ];
            let server = pinned_server(&dir, &flags);
            let out = mtls_client(&dir, &server, &flags, b"harvest me\nif you can\n");

            assert!(
                out.status.success(),
                "{binding} {schedule}: {}",
                text(&out.stderr)
            );
            assert_eq!(text(&out.stdout), "harvest me\nif you can\n");
            assert!(
                text(&out.stderr).contains(
                    "key exchange x25519-mlkem768: message 1 1216 bytes, message 2 1184, \
                     message 3 96 (2496 in all)"
                ),
                "{}",
                text(&out.stderr)
            );
            assert!(server.next_line().starts_with("accepted client"));
        }
    }
}

#[test]
fn the_classical_client_still_prints_224_bytes() {
    let dir = keys_of("ed25519");
    let server = pinned_server(&dir, &[]);
    let out = mtls_client(&dir, &server, &[], b"hi\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains(
            "key exchange x25519: message 1 32 bytes, message 2 96, message 3 96 (224 in all)"
        ),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_hybrid_client_and_a_classical_server_both_name_the_mismatch() {
    let dir = keys_of("ed25519");
    for binding in ["lesson11", "transcript"] {
        let server = pinned_server(&dir, &["--binding", binding]);
        let out = mtls_client(
            &dir,
            &server,
            &["--binding", binding, "--kex", "x25519-mlkem768"],
            b"hi\n",
        );

        assert!(!out.status.success());
        let error = text(&out.stderr);
        assert!(
            error.contains("key exchange mismatch") && error.contains("it runs --kex x25519;"),
            "{binding}: {error}"
        );
        let line = server.next_line();
        assert!(
            line.starts_with("rejected")
                && line.contains("key exchange mismatch")
                && line.contains("the client runs --kex x25519-mlkem768"),
            "{binding}: {line}"
        );
    }
}

#[test]
fn a_classical_client_and_a_hybrid_server_both_name_the_mismatch() {
    let dir = keys_of("ed25519");
    let server = pinned_server(
        &dir,
        &["--kex", "x25519-mlkem768", "--handshake-timeout", "1"],
    );
    let out = mtls_client(&dir, &server, &["--timeout", "3"], b"hi\n");

    assert!(!out.status.success());
    let error = text(&out.stderr);
    assert!(
        error.contains("waiting for message 2")
            && error.contains("a server running --kex x25519-mlkem768 waits for a 1216-byte"),
        "{error}"
    );
    let line = server.next_line();
    assert!(
        line.starts_with("rejected")
            && line.contains("key exchange mismatch: the client sent a 32-byte message 1"),
        "{line}"
    );
}

#[test]
fn an_unknown_kex_is_refused_by_name() {
    let dir = keys_of("ed25519");
    let out = Command::new(example("11-mtls-client"))
        .current_dir(&dir)
        .args(["--connect", "127.0.0.1:1", "--key", "client.key"])
        .args(["--server-pub", "server.pub", "--kex", "kyber"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("expected `x25519` or `x25519-mlkem768`"),
        "{}",
        text(&out.stderr)
    );
}

/// The size line with ML-DSA-65 identities, as both binaries print it.
fn ml_dsa_sizes(kex: &str) -> &'static str {
    match kex {
        "x25519" => {
            "key exchange x25519, identity ml-dsa-65: message 1 32 bytes, message 2 3341, \
             message 3 5261 (8634 in all, 38.5x the 224 of x25519 with ed25519)"
        }
        _ => {
            "key exchange x25519-mlkem768, identity ml-dsa-65: message 1 1216 bytes, message 2 \
             4429, message 3 5261 (10906 in all, 48.7x the 224 of x25519 with ed25519)"
        }
    }
}

#[test]
fn ml_dsa_identities_run_between_the_binaries_under_both_kexes_bindings_and_schedules() {
    let dir = keys_of("ml-dsa-65");
    for kex in ["x25519", "x25519-mlkem768"] {
        for binding in ["lesson11", "transcript"] {
            for schedule in ["hkdf", "tls12-prf"] {
                let flags = [
                    "--identity",
                    "ml-dsa-65",
                    "--kex",
                    kex,
                    "--binding",
                    binding,
                    "--schedule",
                    schedule,
                ];
                let server = pinned_server(&dir, &flags);
                let out = mtls_client(&dir, &server, &flags, b"sign me\nslowly\n");
                let error = text(&out.stderr);
                assert!(out.status.success(), "{kex} {binding} {schedule}: {error}");
                assert_eq!(text(&out.stdout), "sign me\nslowly\n");
                assert!(error.contains(ml_dsa_sizes(kex)), "{error}");
                assert!(server.next_line().starts_with("accepted client"));
            }
        }
    }
}

#[test]
fn an_ml_dsa_client_and_an_ed25519_server_name_the_identity_mismatch() {
    let ed25519 = keys_of("ed25519");
    let ml_dsa = keys_of("ml-dsa-65");
    let server = pinned_server(&ed25519, &["--handshake-timeout", "1"]);
    let out = mtls_client(
        &ml_dsa,
        &server,
        &["--identity", "ml-dsa-65", "--timeout", "5"],
        b"hi\n",
    );
    assert!(!out.status.success());
    let error = text(&out.stderr);
    assert!(
        error.contains("identity mismatch") && error.contains("it runs --identity ed25519"),
        "{error}"
    );
}

#[test]
fn an_ed25519_client_and_an_ml_dsa_server_name_the_identity_flag() {
    let ed25519 = keys_of("ed25519");
    let ml_dsa = keys_of("ml-dsa-65");
    let server = pinned_server(&ml_dsa, &["--identity", "ml-dsa-65"]);
    let out = mtls_client(&ed25519, &server, &[], b"hi\n");
    assert!(!out.status.success());
    let error = text(&out.stderr);
    assert!(error.contains("or --identity ml-dsa-65"), "{error}");
}

#[test]
fn a_key_of_the_other_scheme_is_refused_naming_the_file_and_line() {
    let ed25519 = keys_of("ed25519");
    let ml_dsa = keys_of("ml-dsa-65");
    let ed25519_pub = ed25519.join("client.pub");
    let out = Command::new(example("11-mtls-server"))
        .current_dir(&ml_dsa)
        .args(["--listen", "127.0.0.1:0", "--identity", "ml-dsa-65"])
        .args(["--key", "server.key", "--client-pub"])
        .arg(&ed25519_pub)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let error = text(&out.stderr);
    assert!(
        error.contains(&format!("{}:1:", ed25519_pub.display()))
            && error.contains("this is an Ed25519 key, but an ML-DSA-65 key is needed here"),
        "{error}"
    );
    // And the reverse: an ML-DSA-65 public key where Ed25519 is expected.
    let ml_dsa_pub = ml_dsa.join("client.pub");
    let out = Command::new(example("11-mtls-server"))
        .current_dir(&ed25519)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--key",
            "server.key",
            "--client-pub",
        ])
        .arg(&ml_dsa_pub)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let error = text(&out.stderr);
    assert!(
        error.contains(&format!("{}:2:", ml_dsa_pub.display()))
            && error.contains("this is an ML-DSA-65 key, but an Ed25519 key is needed here"),
        "{error}"
    );
    // Key lists hold Ed25519 keys only: refused with ML-DSA-65, saying so.
    let out = Command::new(example("11-mtls-server"))
        .current_dir(&ml_dsa)
        .args(["--listen", "127.0.0.1:0", "--identity", "ml-dsa-65"])
        .args(["--key", "server.key", "--authorized", "client.pub"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("hold Ed25519 keys only"),
        "{}",
        text(&out.stderr)
    );
}

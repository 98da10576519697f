//! The checks of a hybrid client (`--kex x25519-mlkem768`), from
//! `lessons/19-post-quantum.md`'s specification: the grader is the server.
//! The honest checks of [`super::checks`] run too, with hybrid messages
//! (and every message 1 must carry a valid encapsulation key); these add
//! what only the hybrid handshake has.

use super::Target;
use super::checks::aborts;
use super::run::launch;
use super::serve::{Hello2, read_m1, read_m3, send_m2};
use crate::grade::kem;
use crate::grade::report::{Outcome, fail, hex};
use crate::grade::spec::{self, Lesson, Session, Side, Transcript};
use crate::grade::{Topic, section};

/// A client check.
pub(super) type Check = (&'static str, fn(&Target) -> Outcome);

/// The hybrid checks, in order.
pub(super) fn checks() -> Vec<Check> {
    vec![
        (
            "fresh-encapsulation-key",
            fresh_encapsulation_key as fn(&Target) -> Outcome,
        ),
        ("tampered-ciphertext", tampered_ciphertext),
        ("truncated-message-2", truncated_message_2),
    ]
}

/// Two runs, two different encapsulation keys and shares: both are
/// ephemeral (Lesson 19, "A KEM, next to Diffie-Hellman").
fn fresh_encapsulation_key(t: &Target) -> Outcome {
    let mut seen = Vec::new();
    for _ in 0..2 {
        let (_run, mut conn) = launch(t, "")?;
        seen.push(read_m1(t, &mut conn)?);
    }
    let ek = |m1: &Vec<u8>| m1[..kem::ENCAPSULATION_KEY_LEN].to_vec();
    let expected = "a fresh encapsulation key and X25519 share in every message 1";
    if ek(&seen[0]) == ek(&seen[1]) {
        return Err(fail(
            expected,
            "the same encapsulation key twice: it must be made for one connection and thrown away",
            &section(t.p, Topic::Checks),
        ));
    }
    if kem::client_share(&seen[0]) == kem::client_share(&seen[1]) {
        return Err(fail(
            expected,
            format!(
                "the same X25519 share twice, {}",
                hex(&kem::client_share(&seen[0]))
            ),
            &section(t.p, Topic::Checks),
        ));
    }
    Ok(())
}

/// Message 2 with one ciphertext bit flipped (and validly signed over
/// it): the client cannot tell, since Decaps never fails (implicit
/// rejection), but its keys must then differ from every key the grader
/// can compute without the client's decapsulation key: those of the
/// ciphertext the grader made, and those of the X25519 secret alone. A
/// first record that opens under one of them shows keys that do not
/// depend on the ciphertext the client received.
fn tampered_ciphertext(t: &Target) -> Outcome {
    let (_run, mut conn) = launch(t, "hello\n")?;
    let m1 = read_m1(t, &mut conn)?;
    let served = send_m2(t, &mut conn, m1, Hello2::TamperedCiphertext)?;
    let m3 = match t.p.lesson {
        Lesson::Eleven => match read_m3(t, &mut conn, &served) {
            Ok(m3) => Some(m3),
            // Stopping here is also a refusal: nothing to open.
            Err(_) => return Ok(()),
        },
        Lesson::Ten => None,
    };
    let transcript = Transcript {
        m1: &served.m1,
        m2: &served.m2,
        m3: m3.as_ref(),
    };
    conn.restart_clock();
    let Ok(record) = conn.read_record() else {
        return Ok(());
    };
    let candidates = std::iter::once((
        served.secrets.combined(),
        "the ML-KEM key of the ciphertext before it was changed, and the X25519 secret",
    ))
    .chain(served.secrets.mistakes());
    for (secret, what) in candidates {
        let keys = spec::derive(t.p, &secret, &transcript);
        if Session::new(&keys, Side::Server)
            .recv
            .open_at(0, &record)
            .is_some()
        {
            return Err(fail(
                "session keys that depend on the ML-KEM ciphertext received (a changed \
                 ciphertext gives another ML-KEM key, so the first record must not open)",
                format!(
                    "a first record that opens under keys derived from {what}: the client's \
                     keys ignore the ciphertext it was sent"
                ),
                &section(t.p, Topic::Schedule),
            ));
        }
    }
    Ok(())
}

fn truncated_message_2(t: &Target) -> Outcome {
    aborts(
        t,
        Hello2::Truncated,
        "message 2 is one byte short of 1184, and then the stream ends",
    )
}

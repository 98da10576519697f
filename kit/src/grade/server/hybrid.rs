//! The checks of a hybrid server (`--kex x25519-mlkem768`), from
//! `lessons/19-post-quantum.md`'s specification: the grader is the client.
//! The honest checks of [`super::checks`] run too, with hybrid messages;
//! these add what only the hybrid handshake has.

use std::time::Duration;

use super::{Auth, Check, Send, Target, closed_early, connect, hello, hello_with, refused_after};
use crate::grade::conn::Reaction;
use crate::grade::kem::{self, COEFFICIENT_BYTES, Q};
use crate::grade::report::{Outcome, fail};
use crate::grade::{Topic, section};

/// The hybrid checks, in order.
pub(super) fn checks() -> Vec<Check> {
    vec![
        ("message-2-size", message_2_size as fn(&Target) -> Outcome),
        ("truncated-message-1", truncated_message_1),
        ("oversized-message-1", oversized_message_1),
        ("encapsulation-key-coefficient-3329", |t| {
            bad_encapsulation_key(t, 0, Q)
        }),
        ("encapsulation-key-coefficient-4095", |t| {
            bad_encapsulation_key(t, COEFFICIENT_BYTES / 3 * 2 - 1, 0x0fff)
        }),
    ]
}

/// Message 2 is exactly 1,184 bytes: nothing follows it before message 3.
fn message_2_size(t: &Target) -> Outcome {
    let mut h = hello(t, false)?;
    match h.conn.anything_within(Duration::from_millis(300)) {
        None => Ok(()),
        Some(bytes) => Err(fail(
            format!(
                "message 2 of exactly {} bytes, then silence until message 3",
                t.p.m2_len()
            ),
            format!("{} more bytes after them", bytes.len()),
            &section(t.p, Topic::Messages),
        )),
    }
}

/// The server must close, without message 2, after `m1` (followed by the
/// end of the grader's sending side when `then_eof`).
fn refuses_hello(t: &Target, m1: &[u8], then_eof: bool, why: &str) -> Outcome {
    let mut conn = connect(t)?;
    conn.send(m1)
        .map_err(|s| closed_early(t, "message 1", &s))?;
    if then_eof {
        conn.finish_sending();
    }
    let expected = format!("the connection closed before message 2 ({why})");
    let got = match conn.reaction() {
        Reaction::Closed => return Ok(()),
        Reaction::Sent(bytes) => format!(
            "{} bytes of message 2: the server answered a message 1 it should have refused",
            bytes.len()
        ),
        Reaction::Silent { secs } => {
            format!("no answer within {secs}s, and the connection stayed open")
        }
    };
    Err(fail(expected, got, &section(t.p, Topic::Checks)))
}

/// 1,215 of message 1's 1,216 bytes, then the end of the stream.
fn truncated_message_1(t: &Target) -> Outcome {
    let m1 = kem::offer(t.p.kex).m1;
    refuses_hello(
        t,
        &m1[..m1.len() - 1],
        true,
        "message 1 is one byte short of 1216, and then the stream ends",
    )
}

/// A whole message 1 and one byte more in the same write: the byte is the
/// start of message 3 as the server must read the stream, so message 3's
/// signature fails. A server that takes "whatever arrived" for message 1
/// drops the byte and accepts.
fn oversized_message_1(t: &Target) -> Outcome {
    let h = hello_with(t, Send::OneByteMore)?;
    refused_after(
        t,
        h,
        Auth::Honest,
        "message 1 had one byte more, which makes message 3 start one byte early",
    )
}

/// An otherwise honest message 1 whose encapsulation key has `value` as
/// its `index`-th coefficient: FIPS 203's check refuses it (step 2).
fn bad_encapsulation_key(t: &Target, index: usize, value: u16) -> Outcome {
    let mut m1 = kem::offer(t.p.kex).m1;
    kem::set_coefficient(&mut m1, index, value);
    debug_assert_eq!(kem::bad_coefficient(&m1), Some((index, value)));
    refuses_hello(
        t,
        &m1,
        false,
        &format!(
            "encapsulation-key coefficient {index} is {value}, not below q = {Q}: \
             FIPS 203's input check fails"
        ),
    )
}

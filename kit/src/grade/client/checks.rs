//! The checks themselves, one function each, in the order [`super::checks`]
//! lists them.

use super::Target;
use super::run::launch;
use super::serve::{
    Hello2, Reply, after, confirmation, handshake, honest_session, honest_session_as, lines_of,
    read_m1, send_m2, serve_lines,
};
use crate::grade::conn::Reaction;
use crate::grade::report::{Outcome, fail};
use crate::grade::server::long_message;
use crate::grade::spec::{self, Lesson};
use crate::grade::{Topic, section};
use std::time::Duration;

pub(super) fn waits_for_server_hello(t: &Target) -> Outcome {
    let (_run, mut conn) = launch(t, "hello\n")?;
    read_m1(t, &mut conn)?;
    if let Some(bytes) = conn.anything_within(Duration::from_millis(300)) {
        return Err(fail(
            "nothing after message 1 until message 2 arrives",
            format!("{} more bytes before the grader answered", bytes.len()),
            &section(t.p, Topic::Messages),
        ));
    }
    Ok(())
}

pub(super) fn client_signature(t: &Target) -> Outcome {
    let (_run, conn) = launch(t, "hello\n")?;
    handshake(t, conn).map(drop)
}

pub(super) fn key_confirmation_sent(t: &Target) -> Outcome {
    let (_run, conn) = launch(t, "")?;
    let mut est = handshake(t, conn)?;
    confirmation(t, &mut est).map(drop)
}

pub(super) fn echo(t: &Target) -> Outcome {
    honest_session(t, "hello\nhow are you?\nbye\n")
}

pub(super) fn echo_empty(t: &Target) -> Outcome {
    honest_session(t, "\nafter an empty line\n")
}

pub(super) fn segments_split(t: &Target) -> Outcome {
    honest_session_as(t, "split\ninto\npieces\n", true)
}

pub(super) fn echo_16k(t: &Target) -> Outcome {
    let mut input = String::from_utf8(long_message()).expect("ASCII");
    input.push('\n');
    honest_session(t, &input)
}

/// Sends a bad M2; the client must stop without sending anything more.
pub(super) fn aborts(t: &Target, how: Hello2, why: &str) -> Outcome {
    let (run, mut conn) = launch(t, "hello\n")?;
    let m1 = read_m1(t, &mut conn)?;
    send_m2(t, &mut conn, m1, how)?;
    conn.restart_clock();
    let expected = format!("the client to close the connection without message 3 ({why})");
    let expected = match t.p.lesson {
        Lesson::Eleven => expected,
        Lesson::Ten => expected.replace("without message 3", "without sending anything"),
    };
    let reaction = conn.reaction();
    let exit = after(t, &reaction, run);
    let got = match reaction {
        Reaction::Closed if exit.status.is_some_and(|s| !s.success()) => return Ok(()),
        Reaction::Closed => format!(
            "a close, but {}: a refused server is a failure",
            exit.describe_status()
        ),
        Reaction::Sent(bytes) if t.p.lesson == Lesson::Eleven && bytes.len() >= 96 => format!(
            "message 3 ({} bytes): the client signed for a server it had not authenticated",
            bytes.len()
        ),
        Reaction::Sent(bytes) => format!(
            "{} bytes: the client carried on after message 2",
            bytes.len()
        ),
        Reaction::Silent { secs } => {
            format!("no answer within {secs}s, and the connection stayed open")
        }
    };
    Err(fail(
        expected,
        format!("{got}{}", exit.said()),
        &section(t.p, Topic::Checks),
    ))
}

pub(super) fn bad_server_signature(t: &Target) -> Outcome {
    aborts(
        t,
        Hello2::FlippedSignatureBit,
        "the server signature has one bit flipped",
    )
}

pub(super) fn wrong_server_key(t: &Target) -> Outcome {
    aborts(
        t,
        Hello2::WrongKey,
        "a valid signature by a key other than the pinned one",
    )
}

pub(super) fn strict_signature_small_order_r(t: &Target) -> Outcome {
    aborts(
        t,
        Hello2::SmallOrderR,
        "a server signature whose R has small order, which only lenient verification accepts",
    )
}

pub(super) fn strict_signature_unreduced_s(t: &Target) -> Outcome {
    aborts(
        t,
        Hello2::UnreducedS,
        "a server signature whose S is not below the group order",
    )
}

/// The `index`-th low-order share in message 2, validly signed: the
/// client must stop at the all-zero shared secret.
pub(super) fn low_order_server_share(t: &Target, index: usize) -> Outcome {
    let (name, share) = spec::LOW_ORDER_SHARES[index];
    aborts(
        t,
        Hello2::LowOrderShare(share),
        &format!("a validly signed server share of low order, {name}"),
    )
}

/// Answers the `at`-th line as `how` says; the client must refuse it:
/// close, exit with an error, and not print it.
pub(super) fn refuses_record(t: &Target, input: &str, at: usize, how: Reply, why: &str) -> Outcome {
    let (run, conn) = launch(t, input)?;
    let mut est = handshake(t, conn)?;
    let lines = lines_of(input);
    serve_lines(t, &mut est, &lines, Some((at, how)))?;
    est.conn.restart_clock();
    let reaction = est.conn.reaction();
    let exit = after(t, &reaction, run);
    let printed = exit.stdout.iter().filter(|b| **b == b'\n').count();
    let expected = format!("the client to refuse the record and close ({why})");
    let got = match reaction {
        Reaction::Sent(_) => {
            "accepted what it should have refused: it went on and sent its next message".into()
        }
        Reaction::Silent { secs } => {
            format!("no close within {secs}s: it neither refused the record nor went on")
        }
        Reaction::Closed if printed > at => format!(
            "a close, but it printed {} lines, one for the record it should have refused",
            printed
        ),
        Reaction::Closed if exit.status.is_some_and(|s| s.success()) => format!(
            "a close, but {}: a record that does not open is a failure",
            exit.describe_status()
        ),
        Reaction::Closed => return Ok(()),
    };
    Err(fail(
        expected,
        format!("{got}{}", exit.said()),
        &section(t.p, Topic::Records),
    ))
}

pub(super) fn record_flipped_bit(t: &Target) -> Outcome {
    refuses_record(
        t,
        "hello\nagain\n",
        0,
        Reply::FlippedBit,
        "the echo has one ciphertext bit flipped",
    )
}

pub(super) fn record_replayed(t: &Target) -> Outcome {
    refuses_record(
        t,
        "one\ntwo\nthree\n",
        1,
        Reply::Replayed,
        "the second echo is the first one again",
    )
}

pub(super) fn record_length_16401(t: &Target) -> Outcome {
    refuses_record(
        t,
        "hello\nagain\n",
        0,
        Reply::Length16401,
        "the echo's length field is 16401",
    )
}

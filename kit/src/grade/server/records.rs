//! The record checks of a server: tampered, replayed, reordered and
//! over-long records on an established session.

use super::{Est, Target, closed_early, established, exchange, expect_close, expect_echo};
use crate::grade::report::{Failure, Outcome};
use crate::grade::{Topic, section};

/// An honest session that has already echoed one message.
fn warmed_up(t: &Target) -> Result<Est, Failure> {
    let mut est = established(t)?;
    exchange(t, &mut est, b"warm-up")?;
    Ok(est)
}

pub(super) fn record_flipped_bit(t: &Target) -> Outcome {
    let mut est = warmed_up(t)?;
    let mut record = est.session.send.seal(b"tampered");
    record[4] ^= 0x01;
    let _ = est.conn.send(&record);
    let session = est.session.clone();
    expect_close(
        t,
        &mut est.conn,
        Some(&session),
        "a record with one ciphertext bit flipped",
    )
}

pub(super) fn record_replayed(t: &Target) -> Outcome {
    let mut est = established(t)?;
    let record = est.session.send.seal(b"once");
    est.conn
        .send(&record)
        .map_err(|s| closed_early(t, "a record", &s))?;
    expect_echo(t, &mut est, b"once")?;
    let _ = est.conn.send(&record);
    let session = est.session.clone();
    expect_close(
        t,
        &mut est.conn,
        Some(&session),
        "the same record sent twice",
    )
}

pub(super) fn record_reordered(t: &Target) -> Outcome {
    let mut est = warmed_up(t)?;
    let first = est.session.send.seal(b"first");
    let second = est.session.send.seal(b"second");
    let _ = est.conn.send(&[second, first].concat());
    let session = est.session.clone();
    expect_close(
        t,
        &mut est.conn,
        Some(&session),
        "two records sent in swapped order",
    )
}

pub(super) fn record_length_16401(t: &Target) -> Outcome {
    let mut est = warmed_up(t)?;
    let _ = est.conn.send(&[0x40, 0x11]);
    let secs = est.conn.secs();
    expect_close(
        t,
        &mut est.conn,
        None,
        "a length field of 16401, refused before any body byte",
    )
    .map_err(|mut f| {
        if f.got.starts_with("no answer") {
            f.got = format!(
                "no answer within {secs}s: the server seems to wait for a 16401-byte body it \
                 should have refused from the header alone"
            );
        }
        f.section = section(t.p, Topic::Records);
        f
    })
}

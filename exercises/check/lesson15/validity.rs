//! The check of exercise 15.2: the validity window, with the skew.

use learn_mtls::cert::verify::{self, CLOCK_SKEW_SECS, Verifier};
use learn_mtls::cert::{Certificate, Usage};
use learn_mtls::keys::IdentityKey;
use learn_mtls_exercises::lesson15;

use crate::harness::{Result, same};

use super::fixtures::{NOT_AFTER, NOT_BEFORE, NOW, at, body, guarded, interesting_u64, issue};
use super::handshake::{Pki, handshake_agrees};
use super::walk::{LIBRARY, Pieces, Walk, walk_with};

fn agree_validity(cert: &Certificate, now: u64) -> Result {
    let input = format!(
        "not_before = {}, not_after = {}, now = {}",
        at(cert.body.not_before),
        at(cert.body.not_after),
        at(now)
    );
    let got = guarded(&input, || lesson15::validity::check_validity(cert, now))?;
    same(
        "check_validity's answer",
        &input,
        &verify::check_validity(cert, now),
        &got,
    )
}

/// A certificate valid from `not_before` to `not_after`.
fn windowed(not_before: u64, not_after: u64) -> Certificate {
    let ca = IdentityKey::from_secret_bytes(&[b'C'; 32]);
    let alice = IdentityKey::from_secret_bytes(&[b'A'; 32]);
    let mut b = body(Usage::Client, "alice", &alice, 3, &ca);
    b.not_before = not_before;
    b.not_after = not_after;
    issue(b, &ca)
}

/// 15.2: the validity window, with the skew.
pub fn validity() -> Result {
    let lesson = windowed(NOT_BEFORE, NOT_AFTER);
    agree_validity(&lesson, NOW)?;
    let skew = CLOCK_SKEW_SECS;
    // The four edges of the widened window, to the second.
    for now in [
        0,
        NOT_BEFORE - skew - 1,
        NOT_BEFORE - skew,
        NOT_BEFORE - 1,
        NOT_BEFORE,
        NOW,
        NOT_AFTER,
        NOT_AFTER + 1,
        NOT_AFTER + skew,
        NOT_AFTER + skew + 1,
        u64::MAX,
    ] {
        agree_validity(&lesson, now)?;
    }
    // The ends of u64: no sum may overflow.
    let edges = [
        0,
        1,
        skew - 1,
        skew,
        skew + 1,
        u64::MAX - skew - 1,
        u64::MAX - skew,
        u64::MAX - skew + 1,
        u64::MAX - 1,
        u64::MAX,
    ];
    for (i, &not_before) in edges.iter().enumerate() {
        for &not_after in &edges[i..] {
            let cert = windowed(not_before, not_after);
            for now in edges {
                agree_validity(&cert, now)?;
            }
        }
    }
    // Anywhere.
    for _ in 0..300 {
        let (a, b) = (interesting_u64(), interesting_u64());
        let cert = windowed(a.min(b), a.max(b));
        agree_validity(&cert, interesting_u64())?;
    }

    // Plugged into certified handshakes: your window check in the library's
    // walk, on both sides, for the root, the intermediate and the leaf.
    let mine = Pieces {
        validity: lesson15::validity::check_validity,
        ..LIBRARY
    };
    let walk: Walk<'_> = &|v, c, r, n| walk_with(mine, v, c, r, n);
    let pki = Pki::new();
    for now in [
        NOW,
        NOT_BEFORE - skew - 1,
        NOT_BEFORE - skew,
        NOT_AFTER + skew,
        NOT_AFTER + skew + 1,
    ] {
        let verifier = Verifier::new(&pki.root, now);
        handshake_agrees(
            &pki,
            &verifier,
            walk,
            true,
            &pki.server_chain,
            &pki.client_key,
        )?;
        handshake_agrees(
            &pki,
            &verifier,
            walk,
            false,
            &pki.client_chain,
            &pki.client_key,
        )?;
    }
    // The client's certificate expired yesterday; the server's intermediate
    // is not valid until tomorrow.
    let verifier = Verifier::new(&pki.root, NOW);
    let mut expired = pki.client_chain;
    let mut b = expired.leaf.body;
    b.not_after = NOW - 86_400;
    b.not_before = NOW - 2 * 86_400;
    expired.leaf = issue(b, &pki.root_key);
    handshake_agrees(&pki, &verifier, walk, false, &expired, &pki.client_key)?;
    let mut early = pki.server_chain;
    let mut b = pki.issuing.body;
    b.not_before = NOW + 86_400;
    early.intermediate = Some(issue(b, &pki.root_key));
    handshake_agrees(&pki, &verifier, walk, true, &early, &pki.client_key)
}

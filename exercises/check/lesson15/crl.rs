//! The check of exercise 15.4: the revocation list and the serial lookup.

use learn_mtls::cert::crl::{CRL_CONTEXT, RevocationList};
use learn_mtls::cert::verify::{self, CLOCK_SKEW_SECS, StaleCrl, Verifier};
use learn_mtls::cert::{CERTIFICATE_CONTEXT, Certificate, Usage};
use learn_mtls::keys::{IdentityKey, PublicIdentity, SIGNATURE_LEN};
use learn_mtls::raw;
use learn_mtls_exercises::lesson15;
use learn_mtls_exercises::support::{sha256, sign};

use crate::harness::{Context, Result, below, fail, hex, key_shown, random, same};

use super::fixtures::{NOW, at, body, guarded, interesting_u64, issue, key};
use super::handshake::{Pki, handshake_agrees};
use super::walk::{LIBRARY, Pieces, Walk, walk_with};

/// A list signed by `signer` (whatever issuer it names), with its bytes.
fn crl_bytes(signer: &IdentityKey, window: (u64, u64), serials: &[u64]) -> Vec<u8> {
    let mut out = vec![0u8; 51 + 8 * serials.len() + SIGNATURE_LEN];
    let len =
        RevocationList::sign_into(signer, window, serials, &mut out).expect("the check's own list");
    out.truncate(len);
    out
}

/// `bytes` with the issuer field set to `issuer` and signed again by
/// `signer` under `context`.
fn resigned(
    bytes: &[u8],
    issuer: &PublicIdentity,
    signer: &IdentityKey,
    context: &[u8],
) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[1..33].copy_from_slice(issuer.as_bytes());
    let signed_len = out.len() - SIGNATURE_LEN;
    let signed = raw::transcript_signed_content(context, &sha256(&[&out[..signed_len]]))
        .expect("a short context");
    let signature = sign(signer, signed.as_bytes());
    out[signed_len..].copy_from_slice(&signature);
    out
}

fn describe_crl(crl: &RevocationList<'_>) -> String {
    let serials: Vec<u64> = crl.serials().take(8).collect();
    let more = if crl.len() > 8 { ", ..." } else { "" };
    format!(
        "list by {}, this_update = {}, next_update = {}, serials {serials:?}{more} ({} in all)",
        key_shown(crl.issuer.as_bytes()),
        at(crl.this_update),
        at(crl.next_update),
        crl.len()
    )
}

fn agree_crl(
    label: &str,
    bytes: &[u8],
    issuer: &PublicIdentity,
    now: u64,
    stale: StaleCrl,
) -> Result {
    let crl = RevocationList::from_bytes(bytes).context("the check's own list")?;
    let input = format!(
        "{label}: {}; bytes {}; asked about issuer {}, now = {}, {stale:?}",
        describe_crl(&crl),
        hex(bytes),
        key_shown(issuer.as_bytes()),
        at(now)
    );
    let got = guarded(&input, || {
        lesson15::crl::check_crl(&crl, issuer, now, stale)
    })?;
    same(
        "check_crl's answer",
        &input,
        &verify::check_crl(&crl, issuer, now, stale),
        &got,
    )
}

fn agree_not_revoked(cert: &Certificate, bytes: &[u8]) -> Result {
    let crl = RevocationList::from_bytes(bytes).context("the check's own list")?;
    let input = format!("serial {} against {}", cert.body.serial, describe_crl(&crl));
    let got = guarded(&input, || lesson15::crl::check_not_revoked(cert, &crl))?;
    same(
        "check_not_revoked's answer",
        &input,
        &verify::check_not_revoked(cert, &crl),
        &got,
    )
}

fn with_serial(serial: u64) -> Certificate {
    let ca = IdentityKey::from_secret_bytes(&[b'C'; 32]);
    let alice = IdentityKey::from_secret_bytes(&[b'A'; 32]);
    issue(body(Usage::Client, "alice", &alice, serial, &ca), &ca)
}

/// Up to `n` distinct serials, ascending, around `near`.
fn serials_near(near: &[u64], n: usize) -> Vec<u64> {
    let mut serials: Vec<u64> = (0..n)
        .map(|_| {
            let base = near[below(near.len())];
            base.wrapping_add(below(16) as u64).wrapping_sub(8)
        })
        .collect();
    serials.sort_unstable();
    serials.dedup();
    serials
}

/// 15.4: the revocation list and the serial lookup.
pub fn crl() -> Result {
    let ca = IdentityKey::from_secret_bytes(&[b'C'; 32]);
    let mallory = IdentityKey::from_secret_bytes(&[b'M'; 32]);
    let (this_update, next_update) = (NOW - 86_400, NOW + 6 * 86_400);
    let fresh = crl_bytes(&ca, (this_update, next_update), &[3, 17, 40]);
    agree_crl("a fresh list", &fresh, &ca.public(), NOW, StaleCrl::Refuse)?;
    agree_not_revoked(&with_serial(3), &fresh)?;

    let another_ca = key();
    for ca in [&ca, &another_ca] {
        let fresh = crl_bytes(ca, (this_update, next_update), &[3, 17, 40]);
        let mut cases: Vec<(String, Vec<u8>)> = vec![
            ("the CA's list revoking 3, 17 and 40".into(), fresh.clone()),
            (
                "an empty list".into(),
                crl_bytes(ca, (this_update, next_update), &[]),
            ),
            (
                "a list signed by mallory".into(),
                crl_bytes(&mallory, (this_update, next_update), &[3]),
            ),
            (
                "names the CA, signed by mallory".into(),
                resigned(&fresh, &ca.public(), &mallory, CRL_CONTEXT),
            ),
            (
                "signed by the CA under the certificate context".into(),
                resigned(&fresh, &ca.public(), ca, CERTIFICATE_CONTEXT),
            ),
        ];
        let mut later = fresh.clone();
        later[41..49].copy_from_slice(&(next_update + 86_400).to_be_bytes());
        cases.push(("next_update moved after signing".into(), later));
        let mut dropped = fresh.clone();
        let last = 51 + 8 * 2;
        dropped[last..last + 8].copy_from_slice(&41u64.to_be_bytes());
        cases.push(("a serial changed after signing".into(), dropped));
        for _ in 0..4 {
            let mut flipped = fresh.clone();
            let at = fresh.len() - SIGNATURE_LEN + below(SIGNATURE_LEN);
            flipped[at] ^= 1 << below(8);
            cases.push((format!("signature byte {at} changed"), flipped));
        }
        let skew = CLOCK_SKEW_SECS;
        for (label, bytes) in &cases {
            for issuer in [ca.public(), mallory.public()] {
                for now in [
                    0,
                    this_update - skew - 1,
                    this_update - skew,
                    NOW,
                    next_update + skew,
                    next_update + skew + 1,
                    u64::MAX,
                ] {
                    for stale in [StaleCrl::Refuse, StaleCrl::AcceptInsecure] {
                        agree_crl(label, bytes, &issuer, now, stale)?;
                    }
                }
            }
        }
    }
    // The ends of u64.
    let edges = [
        0,
        1,
        CLOCK_SKEW_SECS,
        u64::MAX - CLOCK_SKEW_SECS - 1,
        u64::MAX - CLOCK_SKEW_SECS,
        u64::MAX - 1,
        u64::MAX,
    ];
    for (i, &from) in edges.iter().enumerate() {
        for &until in &edges[i..] {
            let list = crl_bytes(&ca, (from, until), &[5]);
            for now in edges {
                for stale in [StaleCrl::Refuse, StaleCrl::AcceptInsecure] {
                    agree_crl(
                        "a list at the ends of time",
                        &list,
                        &ca.public(),
                        now,
                        stale,
                    )?;
                }
            }
        }
    }
    for _ in 0..100 {
        let (a, b) = (interesting_u64(), interesting_u64());
        let list = crl_bytes(&ca, (a.min(b), a.max(b)), &[]);
        let stale = [StaleCrl::Refuse, StaleCrl::AcceptInsecure][below(2)];
        agree_crl(
            "a random window",
            &list,
            &ca.public(),
            interesting_u64(),
            stale,
        )?;
    }

    // The serial lookup: empty, the ends of u64, neighbours, a full list.
    let window = (this_update, next_update);
    let lists: Vec<Vec<u64>> = vec![
        vec![],
        vec![0],
        vec![u64::MAX],
        vec![0, u64::MAX],
        vec![1, 2, 3],
        serials_near(&[0, 1_000, u64::MAX - 8], 40),
        serials_near(&[u64::from_le_bytes(random())], 12),
        (0..4096).map(|i| i * 3 + 1).collect(),
    ];
    for serials in &lists {
        let bytes = crl_bytes(&ca, window, serials);
        let mut asked: Vec<u64> = vec![0, 1, 2, 3, u64::MAX, u64::MAX - 1];
        for &s in serials.iter().take(50).chain(serials.iter().rev().take(50)) {
            asked.extend([s.wrapping_sub(1), s, s.wrapping_add(1)]);
        }
        for _ in 0..20 {
            asked.push(u64::from_le_bytes(random()));
        }
        for serial in asked {
            agree_not_revoked(&with_serial(serial), &bytes)?;
        }
    }

    // Plugged into certified handshakes: your two checks in the library's
    // walk, on a server that holds the root's list.
    let mine = Pieces {
        crl: lesson15::crl::check_crl,
        not_revoked: lesson15::crl::check_not_revoked,
        ..LIBRARY
    };
    let walk: Walk<'_> = &|v, c, r, n| walk_with(mine, v, c, r, n);
    let pki = Pki::new();
    let client_serial = pki.client_chain.leaf.body.serial;
    let lists = [
        (
            "a fresh list, the client not on it",
            (this_update, next_update),
            vec![client_serial + 1],
        ),
        (
            "a fresh list revoking the client",
            (this_update, next_update),
            vec![1, client_serial, 99],
        ),
        (
            "a stale list",
            (this_update - 30 * 86_400, this_update),
            vec![],
        ),
        (
            "a list from the future",
            (NOW + 86_400, NOW + 2 * 86_400),
            vec![],
        ),
    ];
    for (label, window, serials) in &lists {
        let bytes = crl_bytes(&pki.root_key, *window, serials);
        let crl = [RevocationList::from_bytes(&bytes).context("the check's own list")?];
        for stale in [StaleCrl::Refuse, StaleCrl::AcceptInsecure] {
            let verifier = Verifier {
                root: &pki.root,
                now: NOW,
                crls: &crl,
                stale,
            };
            handshake_agrees(
                &pki,
                &verifier,
                walk,
                false,
                &pki.client_chain,
                &pki.client_key,
            )
            .map_err(|e| fail(format!("{label}, {stale:?}:\n{e}")))?;
        }
    }
    Ok(())
}

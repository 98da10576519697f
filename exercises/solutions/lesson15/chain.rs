//! Exercise 15.3: walk the chain, root → intermediate → leaf.
//!
//! Lesson: `lessons/15-certificates.md#an-intermediate-ca-and-the-root-kept-offline` ("An intermediate CA, and the root kept offline");
//! the exact rules: `lessons/15-specification.md#verification` ("Verification").
//!
//! A peer shows a `Chain`: its leaf, and optionally the intermediate CA
//! that issued it (`chain.intermediate`). The verifier has the root (an
//! operator installed it: `root.certificate()`). Walk from the top, with
//! `issuer` starting as the root's certificate and `cas_below` as the
//! number of intermediates in the chain (0 or 1):
//!
//! 0. The root itself must be valid at `now` (your `check_validity`, 15.2).
//! 1. Then for each certificate, **the intermediate first (if any), then
//!    the leaf**:
//!    - **issuer**: your `check_issuer_signature(cert, &issuer.body.key)` (15.1);
//!    - **may issue**: `issuer.body.usage` must be `Usage::Ca { path_len }`
//!      (`learn_mtls::cert::Usage`),
//!      else `CertError::NotACa { issuer: issuer's name, serial: issuer's serial }`;
//!      and `path_len >= cas_below`, else `CertError::PathTooLong { issuer:
//!      issuer's name, path_len, below: cas_below }`. (The library's
//!      `check_may_issue(issuer, cas_below)` is exactly this; you may call it.)
//!    - **window**: your `check_validity(cert, now)`;
//!    - then `issuer` becomes this certificate and `cas_below` goes down by one.
//! 2. Finally the leaf: its usage must match `role` (`Role::Client` needs
//!    `Usage::Client`, `Role::Server` needs `Usage::Server`; a CA is
//!    neither), else `CertError::WrongUsage { name, expected: role, found:
//!    usage }`; and if `expected_name` is `Some`, the leaf's name must be
//!    exactly it, else `CertError::NameMismatch { found: leaf's name }`
//!    (`check_usage` and `check_name` in the library do these two).
//!
//! The first failure is the answer: the order above is part of the rules.
//! On success, return the leaf's name, serial, key, `not_after` and issuer
//! key as a `VerifiedPeer`, with the intermediate (if any) as its
//! `intermediate: Some(VerifiedIssuer { name, serial, not_after, issuer })`,
//! so that an open session can be checked again later. Revocation lists
//! are exercise 15.4's: no list here. The real handshake uses this walk in exercise 15.5.
//! Check it: `cargo course check 15.3`; stuck: `cargo course hint 15.3`.
//!
//! # What it uses
//!
//! - [`Root`]: the trust anchor; `root.certificate()` is its own [`Certificate`].
//! - [`Chain`]: `leaf`, the peer's certificate; `intermediate`, an
//!   `Option<Certificate>`: the CA that issued the leaf, if not the root.
//! - [`Role`]: `Client` (the leaf needs `Usage::Client`) or `Server`
//!   (`Usage::Server`).
//! - The fields of a certificate's body (`cert.body`): `usage`, a
//!   [`learn_mtls::cert::Usage`] (`Client`, `Server`, or `Ca { path_len }`:
//!   how many CAs may sit below it); `name`; `serial`; `key`, the key
//!   certified; `not_after`; `issuer`, the key that signed it.
//! - [`CertError`]: `NotACa { issuer, serial }` (the would-be issuer's name
//!   and serial); `PathTooLong { issuer, path_len, below }`; `WrongUsage {
//!   name, expected, found }`; `NameMismatch { found }` (the leaf's name);
//!   and the errors of your 15.1 and 15.2.
//! - [`VerifiedPeer`]: what you return: the leaf's `name`, `serial`, `key`
//!   and `not_after`, its `issuer` key, and `intermediate`, an
//!   `Option<`[`learn_mtls::cert::verify::VerifiedIssuer`]`>`: the
//!   intermediate's `name`, `serial`, `not_after` and `issuer` key.
//! - [`check_may_issue`], [`check_usage`], [`check_name`]: the library's
//!   steps "may issue", usage and name, which you may call.

use learn_mtls::cert::Certificate;
use learn_mtls::cert::verify::{
    CertError, Chain, Role, Root, VerifiedIssuer, VerifiedPeer, check_may_issue, check_name,
    check_usage,
};
use learn_mtls::trust::ClientName;

use super::issuer_signature::check_issuer_signature;
use super::validity::check_validity;

/// Checks `chain` against `root` at time `now`, for `role` (and, for a
/// server, `expected_name`): who is on the other end, or the first refusal.
pub fn verify_chain(
    root: &Root,
    now: u64,
    chain: &Chain,
    role: Role,
    expected_name: Option<&ClientName>,
) -> Result<VerifiedPeer, CertError> {
    let mut issuer: &Certificate = root.certificate();
    check_validity(issuer, now)?;
    let mut cas_below = u8::from(chain.intermediate.is_some());
    for cert in chain.intermediate.iter().chain([&chain.leaf]) {
        check_issuer_signature(cert, &issuer.body.key)?;
        check_may_issue(issuer, cas_below)?;
        check_validity(cert, now)?;
        issuer = cert;
        cas_below = cas_below.saturating_sub(1);
    }
    let leaf = &chain.leaf;
    check_usage(leaf, role)?;
    if let Some(expected) = expected_name {
        check_name(leaf, expected)?;
    }
    Ok(VerifiedPeer {
        name: leaf.body.name,
        serial: leaf.body.serial,
        key: leaf.body.key,
        not_after: leaf.body.not_after,
        issuer: leaf.body.issuer,
        intermediate: chain.intermediate.map(|cert| VerifiedIssuer {
            name: cert.body.name,
            serial: cert.body.serial,
            not_after: cert.body.not_after,
            issuer: cert.body.issuer,
        }),
    })
}

//! Lesson 15 fixtures: a small PKI from fixed seeds, at a fixed time.
//!
//! ```text
//! root-ca (seed C, path length 1)
//! ├── issuing-ca (seed I, path length 0)   serial 2
//! │   └── api.internal (seed S, server)     serial 1 (the intermediate's first)
//! ├── alice (seed A, client)                serial 3
//! └── api.internal (seed S, server)         serial 4
//! ```
//!
//! `common::pki` for the Lesson 15 tests.
#![allow(dead_code, reason = "each test file uses only some of these helpers")]

use learn_mtls::cert::crl::{MAX_CRL_LEN, RevocationList};
use learn_mtls::cert::time::DAY;
use learn_mtls::cert::verify::{Chain, Root, StaleCrl, Verifier};
use learn_mtls::cert::{Certificate, CertificateBody, Usage};
use learn_mtls::keys::IdentityKey;
use learn_mtls::trust::ClientName;

/// 2026-11-28T09:00:00Z: "now" in every kata.
pub const NOW: u64 = 1_795_856_400;
/// Certificates in the fixtures start a day before [`NOW`] ...
pub const NOT_BEFORE: u64 = NOW - DAY;
/// ... and end 30 days after it.
pub const NOT_AFTER: u64 = NOW + 30 * DAY;

pub fn key(seed: u8) -> IdentityKey {
    IdentityKey::from_secret_bytes(&[seed; 32])
}
pub fn root_key() -> IdentityKey {
    key(b'C')
}
pub fn intermediate_key() -> IdentityKey {
    key(b'I')
}
pub fn server_key() -> IdentityKey {
    key(b'S')
}
pub fn alice_key() -> IdentityKey {
    key(b'A')
}
pub fn mallory_key() -> IdentityKey {
    key(b'M')
}

pub fn name(text: &str) -> ClientName {
    ClientName::new(text).expect("a valid name")
}

/// A body for `subject`, issued by `issuer`, inside the fixture window.
pub fn body(
    usage: Usage,
    text: &str,
    subject: &IdentityKey,
    issuer: &IdentityKey,
    serial: u64,
) -> CertificateBody {
    CertificateBody {
        usage,
        name: name(text),
        key: subject.public(),
        serial,
        not_before: NOT_BEFORE,
        not_after: NOT_AFTER,
        issuer: issuer.public(),
    }
}

pub fn sign(body: CertificateBody, issuer: &IdentityKey) -> Certificate {
    body.sign(issuer).expect("the named issuer signs")
}

pub fn root_cert() -> Certificate {
    let k = root_key();
    sign(
        CertificateBody {
            not_after: NOW + 3650 * DAY,
            ..body(Usage::Ca { path_len: 1 }, "root-ca", &k, &k, 1)
        },
        &k,
    )
}

pub fn root() -> Root {
    Root::new(root_cert()).expect("a valid root")
}

pub fn intermediate_cert() -> Certificate {
    sign(
        CertificateBody {
            not_after: NOW + 365 * DAY,
            ..body(
                Usage::Ca { path_len: 0 },
                "issuing-ca",
                &intermediate_key(),
                &root_key(),
                2,
            )
        },
        &root_key(),
    )
}

pub fn alice_cert() -> Certificate {
    sign(
        body(Usage::Client, "alice", &alice_key(), &root_key(), 3),
        &root_key(),
    )
}

pub fn server_cert() -> Certificate {
    sign(
        body(Usage::Server, "api.internal", &server_key(), &root_key(), 4),
        &root_key(),
    )
}

/// The server's certificate from the intermediate, with the intermediate.
pub fn server_chain_via_intermediate() -> Chain {
    Chain {
        leaf: sign(
            body(
                Usage::Server,
                "api.internal",
                &server_key(),
                &intermediate_key(),
                1,
            ),
            &intermediate_key(),
        ),
        intermediate: Some(intermediate_cert()),
    }
}

/// A revocation list by `issuer` over `serials`, valid from [`NOW`] - 1 h
/// for a week.
pub fn crl(issuer: &IdentityKey, serials: &[u64]) -> Vec<u8> {
    crl_window(issuer, (NOW - 3600, NOW + 7 * DAY), serials)
}

pub fn crl_window(issuer: &IdentityKey, window: (u64, u64), serials: &[u64]) -> Vec<u8> {
    let mut out = vec![0u8; MAX_CRL_LEN];
    let len = RevocationList::sign_into(issuer, window, serials, &mut out).expect("a valid list");
    out.truncate(len);
    out
}

/// A verifier at `now` with `lists`.
pub fn verifier<'a>(root: &'a Root, now: u64, lists: &'a [RevocationList<'a>]) -> Verifier<'a> {
    Verifier {
        root,
        now,
        crls: lists,
        stale: StaleCrl::Refuse,
    }
}

//! Exercise 15.4: the revocation list: genuine, fresh, and the serial on it?
//!
//! Lesson: `lessons/15-certificates.md#revocation-by-serial-and-why-lists-go-stale` ("Revocation by serial, and why lists go stale");
//! the exact bytes and rules: `lessons/15-specification.md#the-revocation-list-51--8n--64-bytes`
//! ("The revocation list") and `lessons/15-specification.md#verification` (step 4).
//!
//! A CA revokes a certificate by its serial, in a signed list
//! (`RevocationList`, already parsed for you: `crl.issuer`,
//! `crl.this_update`, `crl.next_update`, `crl.signature`,
//! `crl.signed_bytes()` the bytes the signature covers, and
//! `crl.serials()` the revoked serials in ascending order).
//!
//! [`check_crl`]: is this a genuine, current list from `issuer`? In this order:
//!
//! 1. `crl.issuer` is `issuer` (constant time), else
//!    `CertError::CrlWrongIssuer { found: crl.issuer.fingerprint() }`;
//! 2. the signature verifies strictly under `issuer`, over
//!    `0x20 x 64 || CRL_CONTEXT || 0x00 || SHA-256(crl.signed_bytes())`,
//!    else `CertError::CrlBadSignature`;
//! 3. if `now + CLOCK_SKEW_SECS < this_update`: `CertError::CrlNotYetValid { this_update, now }`;
//! 4. if `now > next_update + CLOCK_SKEW_SECS` the list is **stale**:
//!    refuse with `CertError::CrlStale { next_update, now }` (fail
//!    closed), unless `stale` is `StaleCrl::AcceptInsecure` (the
//!    operator chose to fail open).
//!
//! No addition may overflow (`saturating_add`), as in 15.2.
//!
//! [`check_not_revoked`]: is `cert`'s serial on the list? If so,
//! `CertError::Revoked { name, serial }`. The list is only worth asking
//! once `check_crl` has passed; the verifier calls both, in that order.
//! Check it: `cargo course check 15.4`; stuck: `cargo course hint 15.4`.
//!
//! # What it uses
//!
//! - [`RevocationList`]: `issuer`, the key that signs the list;
//!   `this_update`, when it was made; `next_update`, when the next is due
//!   (Unix seconds); `signature` (64 bytes); `signed_bytes()`, what the
//!   signature covers; `serials()`, the revoked serials, ascending.
//! - [`CRL_CONTEXT`]: the context of a list's signature.
//! - [`CLOCK_SKEW_SECS`]: 300, the skew allowed.
//! - [`StaleCrl`]: `Refuse` (fail closed) or `AcceptInsecure` (a stale list
//!   still counts).
//! - [`CertError`]: `CrlWrongIssuer { found }` (the fingerprint of the key
//!   the list names); `CrlBadSignature`; `CrlNotYetValid { this_update, now }`;
//!   `CrlStale { next_update, now }`; `Revoked { name, serial }` (the
//!   certificate's).
//! - The certificate's body (`cert.body`): `serial`, the number to look up;
//!   `name`, for the error.
#![allow(
    unused_imports,
    unused_variables,
    dead_code,
    reason = "a stub: the body is todo!() until you write it"
)]

use learn_mtls::cert::Certificate;
use learn_mtls::cert::crl::{CRL_CONTEXT, RevocationList};
use learn_mtls::cert::verify::{CLOCK_SKEW_SECS, CertError, StaleCrl};
use learn_mtls::keys::PublicIdentity;
use subtle::ConstantTimeEq;

use crate::lesson13::signed_content::transcript_signed_content;
use crate::support::sha256;

/// `Ok(())` if `crl` is signed by `issuer` and current at `now` (a stale
/// list passes only under [`StaleCrl::AcceptInsecure`]).
pub fn check_crl(
    crl: &RevocationList<'_>,
    issuer: &PublicIdentity,
    now: u64,
    stale: StaleCrl,
) -> Result<(), CertError> {
    todo!("15.4: issuer, signature, not yet valid, stale (unless AcceptInsecure)")
}

/// `Err(CertError::Revoked { .. })` if `cert`'s serial is on `crl`.
pub fn check_not_revoked(cert: &Certificate, crl: &RevocationList<'_>) -> Result<(), CertError> {
    todo!("15.4: is the serial on the list?")
}

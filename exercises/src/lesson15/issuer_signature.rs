//! Exercise 15.1: is this certificate signed by its issuer?
//!
//! Lesson: `lessons/15-certificates.md#verify-one-question-per-function` ("Verify: one question per function");
//! the exact bytes: `lessons/15-specification.md#the-certificate-220-bytes` ("The certificate (220 bytes)").
//!
//! A certificate names the key that issued it (`cert.body.issuer`), and
//! carries that issuer's Ed25519 signature (`cert.signature`) over its
//! first 156 bytes (`cert.body.to_bytes()`), wrapped the way Lesson 13's
//! transcript signatures are:
//!
//! ```text
//! signed = 0x20 x 64 || CERTIFICATE_CONTEXT || 0x00 || SHA-256(cert.body.to_bytes())
//! ```
//!
//! `CERTIFICATE_CONTEXT` is `"learn-mtls v1 certificate"`. Two questions,
//! in this order:
//!
//! 1. Is the issuer it names the key we trust (`issuer`)? Compare the two
//!    keys in constant time (`subtle::ConstantTimeEq`); if they differ,
//!    refuse with `CertError::UnknownIssuer { name, serial, issuer }`
//!    (the certificate's name and serial, and the fingerprint of the
//!    issuer key *it names*). Match by key, never by name: anyone can
//!    write "tillway-root" in a certificate.
//! 2. Does the signature verify **strictly** under `issuer`? If not,
//!    `CertError::BadSignature { name, serial }`.
//!
//! Useful: `sha256(&[&bytes])` (`crate::support`), your
//! `transcript_signed_content` from exercise 13.3, `PublicIdentity::verify_strict`,
//! `PublicIdentity::fingerprint`.
//! Check it: `cargo course check 15.1`; stuck: `cargo course hint 15.1`.
//!
//! # What it uses
//!
//! - [`Certificate`]: `body`, the [`learn_mtls::cert::CertificateBody`] the
//!   issuer vouches for; `signature`, the issuer's Ed25519 signature (64 bytes).
//! - The body's fields: `name`, whose certificate it is (a
//!   [`learn_mtls::trust::ClientName`]); `serial`, the issuer's number for
//!   it; `issuer`, the key it says signed it; and `cert.body.to_bytes()`,
//!   the 156 bytes the signature covers.
//! - [`CERTIFICATE_CONTEXT`]: the context of a certificate's signature.
//! - [`CertError`]: `UnknownIssuer { name, serial, issuer }` (`issuer`: the
//!   fingerprint of the key the certificate names); `BadSignature { name,
//!   serial }`.
//! - [`PublicIdentity`]: `ct_eq` ([`ConstantTimeEq`]), `verify_strict` and
//!   `fingerprint`.
#![allow(
    unused_imports,
    unused_variables,
    dead_code,
    reason = "a stub: the body is todo!() until you write it"
)]

use learn_mtls::cert::verify::CertError;
use learn_mtls::cert::{CERTIFICATE_CONTEXT, Certificate};
use learn_mtls::keys::PublicIdentity;
use subtle::ConstantTimeEq;

use crate::lesson13::signed_content::transcript_signed_content;
use crate::support::sha256;

/// `Ok(())` if `cert` names `issuer` as its issuer and `issuer`'s
/// signature on it verifies strictly.
pub fn check_issuer_signature(
    cert: &Certificate,
    issuer: &PublicIdentity,
) -> Result<(), CertError> {
    todo!("15.1: the issuer it names must be `issuer`; then verify_strict over the signed content")
}

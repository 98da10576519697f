//! Exercise 15.2: is the certificate valid now?
//!
//! Lesson: `lessons/15-certificates.md#expire` ("Expire");
//! the exact rule: `lessons/15-specification.md#verification` ("Verification", step 3).
//!
//! A certificate is valid from `cert.body.not_before` to
//! `cert.body.not_after`, both included (Unix seconds). Clocks disagree,
//! so the window is widened by `CLOCK_SKEW_SECS` (300 seconds) on each
//! side:
//!
//! - if `now + CLOCK_SKEW_SECS < not_before`: `CertError::NotYetValid
//!   { name, serial, not_before, now }`;
//! - else if `now > not_after + CLOCK_SKEW_SECS`: `CertError::Expired
//!   { name, serial, not_after, now }`;
//! - else `Ok(())`.
//!
//! Times are `u64` and may be anything a certificate holds, up to
//! `u64::MAX`: an addition must never overflow (a panic in a verifier is
//! a way to crash the server; a wrapped sum is a way into it). Saturate:
//! `u64::saturating_add` stops at `u64::MAX` (`saturating_sub` at 0, if
//! you prefer to move the skew to the other side). The caller gives
//! `now`: never read the clock here.
//! Check it: `cargo course check 15.2`; stuck: `cargo course hint 15.2`.
//!
//! # What it uses
//!
//! - The fields of the certificate's body (`cert.body`): `not_before`, the
//!   first valid second; `not_after`, the last valid second (Unix time);
//!   `name` and `serial`, for the errors.
//! - [`CLOCK_SKEW_SECS`]: 300, the skew allowed on each side.
//! - [`CertError`]: `NotYetValid { name, serial, not_before, now }` and
//!   `Expired { name, serial, not_after, now }`.
#![allow(
    unused_imports,
    unused_variables,
    dead_code,
    reason = "a stub: the body is todo!() until you write it"
)]

use learn_mtls::cert::Certificate;
use learn_mtls::cert::verify::{CLOCK_SKEW_SECS, CertError};

/// `Ok(())` if `now` is inside the certificate's window, widened by
/// [`CLOCK_SKEW_SECS`] on each side.
pub fn check_validity(cert: &Certificate, now: u64) -> Result<(), CertError> {
    todo!("15.2: not yet valid, expired (300 s of skew each side), or Ok")
}

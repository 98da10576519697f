//! Fixtures the Lesson 15 checks share: keys, names, the lesson's window,
//! certificates, and running the learner's code.

use std::fmt::Display;
use std::panic::{self, AssertUnwindSafe};

pub(super) use crate::harness::{key, name};

use learn_mtls::cert::time::Rfc3339;
use learn_mtls::cert::verify::CLOCK_SKEW_SECS;
use learn_mtls::cert::{Certificate, CertificateBody, Usage};
use learn_mtls::keys::IdentityKey;
use learn_mtls::raw;
use learn_mtls_exercises::support::{sha256, sign};

use crate::harness::{Result, below, fail, key_shown, random};

/// 2026-12-01T09:00:00Z, 2026-12-08T09:00:00Z: the lesson's window.
pub(super) const NOT_BEFORE: u64 = 1_796_115_600;
pub(super) const NOT_AFTER: u64 = 1_796_720_400;
/// 2026-12-03T09:00:00Z: inside it.
pub(super) const NOW: u64 = 1_796_288_400;

/// A body with the lesson's window.
pub(super) fn body(
    usage: Usage,
    text: &str,
    key: &IdentityKey,
    serial: u64,
    issuer: &IdentityKey,
) -> CertificateBody {
    CertificateBody {
        usage,
        name: name(text),
        key: key.public(),
        serial,
        not_before: NOT_BEFORE,
        not_after: NOT_AFTER,
        issuer: issuer.public(),
    }
}

/// Signs `body` with `signer` over `0x20 x 64 || context || 0x00 ||
/// SHA-256(body)`, whatever issuer the body names.
pub(super) fn sign_as(body: &CertificateBody, signer: &IdentityKey, context: &[u8]) -> Certificate {
    let signed = raw::transcript_signed_content(context, &sha256(&[&body.to_bytes()]))
        .expect("a short context");
    Certificate {
        body: *body,
        signature: sign(signer, signed.as_bytes()),
    }
}

/// The genuine certificate: `body` signed by `issuer`.
pub(super) fn issue(body: CertificateBody, issuer: &IdentityKey) -> Certificate {
    body.sign(issuer).expect("the check's own certificate")
}

/// A certificate in words, enough to rebuild it.
pub(super) fn describe(cert: &Certificate) -> String {
    format!(
        "{cert}, key {}, issuer key {}",
        key_shown(cert.body.key.as_bytes()),
        key_shown(cert.body.issuer.as_bytes())
    )
}

/// `now` as a number and as a time.
pub(super) fn at(now: u64) -> String {
    format!("{now} ({})", Rfc3339(now))
}

/// Runs the learner's `f`, turning a panic other than `todo!()` into a
/// failure that shows `input` (an overflow panics in a debug build).
pub(super) fn guarded<T>(input: &dyn Display, f: impl FnOnce() -> T) -> Result<T> {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => Ok(value),
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            if message.starts_with("not yet implemented") {
                panic::resume_unwind(payload);
            }
            Err(fail(format!(
                "your code panicked on this input (an overflow? saturating_add and saturating_sub stop at the ends of u64)\n  input:    {input}"
            )))
        }
    }
}

/// A random u64 near one of the interesting places: 0, `u64::MAX`, the
/// skew, or anywhere.
pub(super) fn interesting_u64() -> u64 {
    let near = [
        0,
        CLOCK_SKEW_SECS,
        u64::MAX,
        u64::MAX - CLOCK_SKEW_SECS,
        NOT_BEFORE,
        NOT_AFTER,
        u64::from_le_bytes(random()),
    ][below(7)];
    let delta = below(4) as u64;
    if random::<1>()[0] & 1 == 0 {
        near.saturating_add(delta)
    } else {
        near.saturating_sub(delta)
    }
}

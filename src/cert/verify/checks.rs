//! The checks, one question each: each takes what it asks about and
//! returns `Ok(())` or the [`CertError`] that names the problem.

use subtle::ConstantTimeEq;

use super::chain::Role;
use super::error::CertError;
use crate::cert::crl::RevocationList;
use crate::cert::{CERTIFICATE_CONTEXT, Certificate, Usage};
use crate::keys::{PublicIdentity, SIGNATURE_LEN};
use crate::name::ClientName;
use crate::signed::signed_content;

/// How far two clocks may disagree, in seconds, before a certificate or a
/// list is judged outside its window: 300 (five minutes).
pub const CLOCK_SKEW_SECS: u64 = 300;

/// Whether a stale revocation list still counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum StaleCrl {
    /// Refuse every certificate the stale list would cover (fail closed).
    #[default]
    Refuse,
    /// Use the stale list anyway (fail open): a certificate revoked after
    /// the list was made is then accepted. **Insecure**; only for an
    /// operator who chooses availability knowingly.
    AcceptInsecure,
}

/// Is `cert` signed by `issuer`? First the key it names must be `issuer`
/// (compared in constant time), then the signature must verify strictly
/// under it (X.509: the chain's signature check, RFC 5280 section 6.1.3 (a)(1)).
///
/// # Errors
/// [`CertError::UnknownIssuer`] or [`CertError::BadSignature`].
pub fn check_issuer_signature(
    cert: &Certificate,
    issuer: &PublicIdentity,
) -> Result<(), CertError> {
    check_issued_by(&Subject::of(cert), issuer)?;
    let body = &cert.body;
    let signed = signed_content(CERTIFICATE_CONTEXT, &body.to_bytes());
    if !issuer.verify_strict(signed.as_bytes(), &cert.signature) {
        return Err(CertError::BadSignature {
            name: body.name,
            serial: body.serial,
        });
    }
    Ok(())
}

/// May `issuer` issue a certificate with `cas_below` CA certificates below
/// it in the chain (0 when it signs the leaf directly)? It must be a CA,
/// and its path length at least `cas_below` (X.509: basic constraints).
///
/// # Errors
/// [`CertError::NotACa`] or [`CertError::PathTooLong`].
pub fn check_may_issue(issuer: &Certificate, cas_below: u8) -> Result<(), CertError> {
    match issuer.body.usage {
        Usage::Ca { path_len } if path_len >= cas_below => Ok(()),
        Usage::Ca { path_len } => Err(CertError::PathTooLong {
            issuer: issuer.body.name,
            path_len,
            below: cas_below,
        }),
        Usage::Client | Usage::Server => Err(CertError::NotACa {
            issuer: issuer.body.name,
            serial: issuer.body.serial,
        }),
    }
}

/// Is `now` (Unix seconds, from the caller's clock) inside the
/// certificate's window, widened by [`CLOCK_SKEW_SECS`] on each side?
///
/// # Errors
/// [`CertError::NotYetValid`] or [`CertError::Expired`].
pub fn check_validity(cert: &Certificate, now: u64) -> Result<(), CertError> {
    let body = &cert.body;
    if now.saturating_add(CLOCK_SKEW_SECS) < body.not_before {
        return Err(CertError::NotYetValid {
            name: body.name,
            serial: body.serial,
            not_before: body.not_before,
            now,
        });
    }
    check_not_expired(&Subject::of(cert), now)
}

/// Is `crl` a genuine, current list from `issuer`? Its signer must be
/// `issuer`, its signature must verify, and `now` must lie between its
/// `this_update` and `next_update` (with the same skew as certificates).
/// A stale list is refused unless `stale` is [`StaleCrl::AcceptInsecure`].
///
/// # Errors
/// [`CertError::CrlWrongIssuer`], [`CertError::CrlBadSignature`],
/// [`CertError::CrlNotYetValid`] or [`CertError::CrlStale`].
pub fn check_crl(
    crl: &RevocationList<'_>,
    issuer: &PublicIdentity,
    now: u64,
    stale: StaleCrl,
) -> Result<(), CertError> {
    if !bool::from(crl.issuer.ct_eq(issuer)) {
        return Err(CertError::CrlWrongIssuer {
            found: crl.issuer.fingerprint(),
        });
    }
    if !crl.signature_verifies() {
        return Err(CertError::CrlBadSignature);
    }
    if now.saturating_add(CLOCK_SKEW_SECS) < crl.this_update {
        return Err(CertError::CrlNotYetValid {
            this_update: crl.this_update,
            now,
        });
    }
    if now > crl.next_update.saturating_add(CLOCK_SKEW_SECS) && stale == StaleCrl::Refuse {
        return Err(CertError::CrlStale {
            next_update: crl.next_update,
            now,
        });
    }
    Ok(())
}

/// Is `cert`'s serial on `crl`? Call [`check_crl`] on the list first: an
/// unchecked list proves nothing either way.
///
/// # Errors
/// [`CertError::Revoked`].
pub fn check_not_revoked(cert: &Certificate, crl: &RevocationList<'_>) -> Result<(), CertError> {
    check_serial_not_revoked(&Subject::of(cert), crl)
}

/// Is the leaf meant for `role`? Only a client certificate logs in and only
/// a server certificate serves (X.509: extended key usage).
///
/// # Errors
/// [`CertError::WrongUsage`].
pub fn check_usage(cert: &Certificate, role: Role) -> Result<(), CertError> {
    match (role, cert.body.usage) {
        (Role::Client, Usage::Client) | (Role::Server, Usage::Server) => Ok(()),
        (expected, found) => Err(CertError::WrongUsage {
            name: cert.body.name,
            expected,
            found,
        }),
    }
}

/// Is the certificate for `expected`? Exact byte comparison, as a client
/// checks a server's host name (X.509: subjectAltName, RFC 6125).
///
/// # Errors
/// [`CertError::NameMismatch`].
pub fn check_name(cert: &Certificate, expected: &ClientName) -> Result<(), CertError> {
    if cert.body.name.as_str() != expected.as_str() {
        return Err(CertError::NameMismatch {
            found: cert.body.name,
        });
    }
    Ok(())
}

/// Did the certificate's key make `signature` over `signed`? This is what
/// ties a certificate to the connection: anyone can replay a certificate,
/// only its key holder can sign this handshake (TLS 1.3: CertificateVerify).
///
/// # Errors
/// [`CertError::NotSignedByCertificateKey`].
pub fn check_handshake_signature(
    cert: &Certificate,
    signed: &[u8],
    signature: &[u8; SIGNATURE_LEN],
) -> Result<(), CertError> {
    if !cert.body.key.verify_strict(signed, signature) {
        return Err(CertError::NotSignedByCertificateKey {
            name: cert.body.name,
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The halves of these questions that an open session asks again
// (`Verifier::recheck`), of a certificate it no longer holds whole.

/// A certificate as the repeated checks see it: who, which serial, until
/// when, and which key issued it (whose list covers it). Taken from the
/// certificate during the handshake, from the [`VerifiedPeer`] after it.
///
/// [`VerifiedPeer`]: super::VerifiedPeer
#[derive(Clone, Copy, Debug)]
pub(super) struct Subject {
    pub(super) name: ClientName,
    pub(super) serial: u64,
    pub(super) not_after: u64,
    pub(super) issuer: PublicIdentity,
}

impl Subject {
    pub(super) fn of(cert: &Certificate) -> Self {
        Self {
            name: cert.body.name,
            serial: cert.body.serial,
            not_after: cert.body.not_after,
            issuer: cert.body.issuer,
        }
    }
}

/// Is `cert`'s issuer `issuer`? Compared in constant time. The first half
/// of [`check_issuer_signature`].
///
/// # Errors
/// [`CertError::UnknownIssuer`].
pub(super) fn check_issued_by(cert: &Subject, issuer: &PublicIdentity) -> Result<(), CertError> {
    if !bool::from(cert.issuer.ct_eq(issuer)) {
        return Err(CertError::UnknownIssuer {
            name: cert.name,
            serial: cert.serial,
            issuer: cert.issuer.fingerprint(),
        });
    }
    Ok(())
}

/// Is `now` before the end of `cert`'s window, widened by
/// [`CLOCK_SKEW_SECS`]? The second half of [`check_validity`].
///
/// # Errors
/// [`CertError::Expired`].
pub(super) fn check_not_expired(cert: &Subject, now: u64) -> Result<(), CertError> {
    if now > cert.not_after.saturating_add(CLOCK_SKEW_SECS) {
        return Err(CertError::Expired {
            name: cert.name,
            serial: cert.serial,
            not_after: cert.not_after,
            now,
        });
    }
    Ok(())
}

/// Is `cert`'s serial on `crl`? [`check_not_revoked`] for a [`Subject`].
///
/// # Errors
/// [`CertError::Revoked`].
pub(super) fn check_serial_not_revoked(
    cert: &Subject,
    crl: &RevocationList<'_>,
) -> Result<(), CertError> {
    if crl.contains(cert.serial) {
        return Err(CertError::Revoked {
            name: cert.name,
            serial: cert.serial,
        });
    }
    Ok(())
}

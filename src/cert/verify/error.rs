//! Why a certificate, a chain or a revocation list is refused: one error
//! type, [`CertError`], whose variants fall into four faults ([`Fault`]):
//!
//! | fault | variants |
//! |---|---|
//! | [`Fault::Format`] | [`CertError::Format`], [`CertError::ChainLength`] |
//! | [`Fault::Chain`] | [`CertError::UnknownIssuer`], [`CertError::BadSignature`], [`CertError::NotACa`], [`CertError::PathTooLong`], [`CertError::NotYetValid`], [`CertError::Expired`], [`CertError::WrongUsage`], [`CertError::NameMismatch`], [`CertError::NotARoot`] |
//! | [`Fault::RevocationList`] | [`CertError::NoCrl`], [`CertError::CrlWrongIssuer`], [`CertError::CrlBadSignature`], [`CertError::CrlStale`], [`CertError::CrlNotYetValid`], [`CertError::Revoked`] |
//! | [`Fault::Handshake`] | [`CertError::NotSignedByCertificateKey`] |
//!
//! The variants stay in one flat enum so that a caller matches on
//! `CertError::Expired { .. }` directly, as the lessons and katas do;
//! [`CertError::fault`] says which of the four a refusal is.

use core::fmt;

use super::chain::{MAX_CHAIN_LEN, Role};
use crate::cert::time::Rfc3339;
use crate::cert::{FormatError, Usage};
use crate::keys::Fingerprint;
use crate::name::ClientName;

/// Why a certificate, a chain or a revocation list is not accepted.
///
/// Every variant names the certificate by its name and serial where there
/// is one, so the operator can find it; the peer learns only that the
/// connection closed. The variants are listed by [`Fault`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertError {
    // The bytes: not a certificate, or not a chain.
    /// The bytes are not a certificate.
    Format(FormatError),
    /// A chain on the wire holds no certificate, or more than [`MAX_CHAIN_LEN`].
    ChainLength {
        /// The count byte received.
        count: u8,
    },

    // The chain: who issued what, when, for what and for whom.
    /// The certificate names an issuer that is not the trusted CA (nor the
    /// intermediate above it).
    UnknownIssuer {
        /// The certificate's name.
        name: ClientName,
        /// Its serial.
        serial: u64,
        /// The issuer key it names.
        issuer: Fingerprint,
    },
    /// The issuer's signature over the certificate does not verify: it was
    /// altered, or forged.
    BadSignature {
        /// The certificate's name.
        name: ClientName,
        /// Its serial.
        serial: u64,
    },
    /// The issuer is not a CA: a client or server certificate cannot issue.
    NotACa {
        /// The would-be issuer's name.
        issuer: ClientName,
        /// Its serial.
        serial: u64,
    },
    /// The issuer is a CA, but more CAs sit below it than its path length allows.
    PathTooLong {
        /// The CA's name.
        issuer: ClientName,
        /// Its path length.
        path_len: u8,
        /// The CA certificates below it in this chain.
        below: u8,
    },
    /// The certificate is not valid yet.
    NotYetValid {
        /// The certificate's name.
        name: ClientName,
        /// Its serial.
        serial: u64,
        /// When it becomes valid.
        not_before: u64,
        /// The clock used.
        now: u64,
    },
    /// The certificate has expired.
    Expired {
        /// The certificate's name.
        name: ClientName,
        /// Its serial.
        serial: u64,
        /// When it stopped being valid.
        not_after: u64,
        /// The clock used.
        now: u64,
    },
    /// The leaf is not for this role (a client certificate cannot serve, a
    /// server certificate cannot log in, a CA certificate is neither).
    WrongUsage {
        /// The certificate's name.
        name: ClientName,
        /// The role it was presented for.
        expected: Role,
        /// What it says it is for.
        found: Usage,
    },
    /// The server's certificate is for another name than the one the
    /// client asked for (the caller knows which: kept out of the error so
    /// that it stays small).
    NameMismatch {
        /// The name in the certificate.
        found: ClientName,
    },
    /// The trust anchor is not a self-signed CA certificate.
    NotARoot {
        /// Its name.
        name: ClientName,
    },

    // Revocation: the issuer's list, and the serial on it.
    /// Revocation lists are in use, but none from this certificate's issuer
    /// was given: fail closed.
    NoCrl {
        /// The issuer whose list is missing.
        issuer: Fingerprint,
    },
    /// The revocation list is signed by another key than the one expected.
    CrlWrongIssuer {
        /// The key that signed the list.
        found: Fingerprint,
    },
    /// The revocation list's signature does not verify.
    CrlBadSignature,
    /// The revocation list is past its `next_update`: revocations made since
    /// may be missing, so it is refused (fail closed).
    CrlStale {
        /// When a newer list was due.
        next_update: u64,
        /// The clock used.
        now: u64,
    },
    /// The revocation list's `this_update` is in the future.
    CrlNotYetValid {
        /// When the list says it was made.
        this_update: u64,
        /// The clock used.
        now: u64,
    },
    /// The certificate is on its issuer's revocation list.
    Revoked {
        /// The certificate's name.
        name: ClientName,
        /// Its serial.
        serial: u64,
    },

    // The handshake: the certificate's key and the connection.
    /// The handshake signature does not verify under the certificate's key:
    /// the peer showed someone else's certificate.
    NotSignedByCertificateKey {
        /// The certificate's name.
        name: ClientName,
    },
}

/// The four kinds of [`CertError`], one per kind of question that failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fault {
    /// The bytes are not a certificate, or the chain's count is wrong.
    Format,
    /// A certificate of the chain fails a check of its own: issuer,
    /// signature, right to issue, window, usage, name, or the root itself.
    Chain,
    /// The issuer's revocation list is missing, not genuine or not current,
    /// or has the certificate's serial on it.
    RevocationList,
    /// The handshake was not signed by the certificate's key.
    Handshake,
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Format => "format",
            Self::Chain => "chain",
            Self::RevocationList => "revocation list",
            Self::Handshake => "handshake",
        })
    }
}

impl CertError {
    /// Which kind of question failed.
    ///
    /// # Examples
    /// ```
    /// use learn_mtls::cert::verify::{CertError, Fault};
    /// assert_eq!(CertError::CrlBadSignature.fault(), Fault::RevocationList);
    /// assert_eq!(CertError::ChainLength { count: 3 }.fault(), Fault::Format);
    /// ```
    pub fn fault(&self) -> Fault {
        match self {
            Self::Format(_) | Self::ChainLength { .. } => Fault::Format,
            Self::UnknownIssuer { .. }
            | Self::BadSignature { .. }
            | Self::NotACa { .. }
            | Self::PathTooLong { .. }
            | Self::NotYetValid { .. }
            | Self::Expired { .. }
            | Self::WrongUsage { .. }
            | Self::NameMismatch { .. }
            | Self::NotARoot { .. } => Fault::Chain,
            Self::NoCrl { .. }
            | Self::CrlWrongIssuer { .. }
            | Self::CrlBadSignature
            | Self::CrlStale { .. }
            | Self::CrlNotYetValid { .. }
            | Self::Revoked { .. } => Fault::RevocationList,
            Self::NotSignedByCertificateKey { .. } => Fault::Handshake,
        }
    }
}

impl fmt::Display for CertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The bytes: not a certificate, or not a chain.
            Self::Format(e) => write!(f, "malformed certificate: {e}"),
            Self::ChainLength { count } => write!(
                f,
                "a chain holds 1 to {MAX_CHAIN_LEN} certificates, this one says {count}"
            ),

            // The chain: who issued what, when, for what and for whom.
            Self::UnknownIssuer {
                name,
                serial,
                issuer,
            } => write!(
                f,
                "unknown issuer: {name} (serial {serial}) was issued by key {issuer}, \
                 which is not the trusted CA (is --ca the right root, and does the \
                 certificate file include its intermediate?)"
            ),
            Self::BadSignature { name, serial } => write!(
                f,
                "bad signature: the issuer's signature on {name} (serial {serial}) does not \
                 verify (altered or forged)"
            ),
            Self::NotACa { issuer, serial } => write!(
                f,
                "not a CA: {issuer} (serial {serial}) issued a certificate but is not a CA"
            ),
            Self::PathTooLong {
                issuer,
                path_len,
                below,
            } => write!(
                f,
                "path too long: the CA {issuer} allows {path_len} CA(s) below it, the chain has {below}"
            ),
            Self::NotYetValid {
                name,
                serial,
                not_before,
                now,
            } => write!(
                f,
                "not yet valid: {name} (serial {serial}) is valid from {}, it is now {}",
                Rfc3339(*not_before),
                Rfc3339(*now)
            ),
            Self::Expired {
                name,
                serial,
                not_after,
                now,
            } => write!(
                f,
                "expired: {name} (serial {serial}) expired at {}, it is now {}",
                Rfc3339(*not_after),
                Rfc3339(*now)
            ),
            Self::WrongUsage {
                name,
                expected,
                found,
            } => write!(
                f,
                "wrong usage: {name} is a {} certificate, presented as a {expected}",
                found.name()
            ),
            Self::NameMismatch { found } => write!(
                f,
                "name mismatch: the certificate is for {found}, not for the name asked for"
            ),
            Self::NotARoot { name } => write!(
                f,
                "{name} is not a root: a trust anchor must be a self-signed CA certificate"
            ),

            // Revocation: the issuer's list, and the serial on it.
            Self::NoCrl { issuer } => write!(
                f,
                "no revocation list from issuer {issuer}: refusing (fail closed)"
            ),
            Self::CrlWrongIssuer { found } => write!(
                f,
                "the revocation list is signed by {found}, not by the certificate's issuer"
            ),
            Self::CrlBadSignature => {
                f.write_str("the revocation list's signature does not verify (altered or forged)")
            }
            Self::CrlStale { next_update, now } => write!(
                f,
                "stale revocation list: a newer one was due at {}, it is now {} \
                 (refusing until a fresh list is installed: 15-ca crl)",
                Rfc3339(*next_update),
                Rfc3339(*now)
            ),
            Self::CrlNotYetValid { this_update, now } => write!(
                f,
                "the revocation list is dated {}, in the future (it is now {})",
                Rfc3339(*this_update),
                Rfc3339(*now)
            ),
            Self::Revoked { name, serial } => {
                write!(f, "revoked serial {serial} ({name})")
            }

            // The handshake: the certificate's key and the connection.
            Self::NotSignedByCertificateKey { name } => write!(
                f,
                "the handshake signature does not verify under the key in {name}'s certificate \
                 (the peer does not hold that key, or a message was altered)"
            ),
        }
    }
}

impl core::error::Error for CertError {}

impl From<FormatError> for CertError {
    fn from(e: FormatError) -> Self {
        Self::Format(e)
    }
}

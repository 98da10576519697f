//! Checking certificates: one function per question, and a chain walk
//! that asks them in order.
//!
//! | question | function | error |
//! |---|---|---|
//! | signed by the issuer it names? | [`check_issuer_signature`] | [`CertError::UnknownIssuer`], [`CertError::BadSignature`] |
//! | was the issuer allowed to issue, this deep? | [`check_may_issue`] | [`CertError::NotACa`], [`CertError::PathTooLong`] |
//! | valid now? | [`check_validity`] | [`CertError::NotYetValid`], [`CertError::Expired`] |
//! | is the revocation list genuine and fresh? | [`check_crl`] | [`CertError::CrlWrongIssuer`], [`CertError::CrlBadSignature`], [`CertError::CrlStale`], [`CertError::CrlNotYetValid`] |
//! | revoked? | [`check_not_revoked`] | [`CertError::Revoked`] |
//! | meant for this role? | [`check_usage`] | [`CertError::WrongUsage`] |
//! | the name we wanted? | [`check_name`] | [`CertError::NameMismatch`] |
//! | did its key sign the handshake? | [`check_handshake_signature`] | [`CertError::NotSignedByCertificateKey`] |
//!
//! [`Verifier::verify_chain`] walks root → intermediate → leaf with them.
//!
//! # Clock skew
//!
//! Two machines never agree on the time to the second. A certificate is
//! accepted from [`CLOCK_SKEW_SECS`] (five minutes) before its
//! `not_before` until five minutes after its `not_after`, and a revocation
//! list the same five minutes either side of its window: enough for
//! clocks kept by NTP that drift a little, too little to matter for a
//! certificate that lives for hours or days.

use core::fmt;

use subtle::ConstantTimeEq;

use super::crl::RevocationList;
use super::time::Rfc3339;
use super::{CERTIFICATE_CONTEXT, Certificate, FormatError, Usage};
use crate::keys::{Fingerprint, PublicIdentity, SIGNATURE_LEN};
use crate::name::ClientName;
use crate::signed::signed_content;

/// How far two clocks may disagree, in seconds, before a certificate or a
/// list is judged outside its window: 300 (five minutes).
pub const CLOCK_SKEW_SECS: u64 = 300;

/// What a leaf certificate is presented for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// A client logging in: needs [`Usage::Client`].
    Client,
    /// A server answering under a name: needs [`Usage::Server`].
    Server,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Client => "client",
            Self::Server => "server",
        })
    }
}

/// Why a certificate, a chain or a revocation list is not accepted.
///
/// Every variant names the certificate by its name and serial where there
/// is one, so the operator can find it; the peer learns only that the
/// connection closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertError {
    /// The bytes are not a certificate.
    Format(FormatError),
    /// A chain on the wire holds no certificate, or more than [`MAX_CHAIN_LEN`].
    ChainLength {
        /// The count byte received.
        count: u8,
    },
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
    /// The certificate is on its issuer's revocation list.
    Revoked {
        /// The certificate's name.
        name: ClientName,
        /// Its serial.
        serial: u64,
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
    /// The handshake signature does not verify under the certificate's key:
    /// the peer showed someone else's certificate.
    NotSignedByCertificateKey {
        /// The certificate's name.
        name: ClientName,
    },
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
    /// The trust anchor is not a self-signed CA certificate.
    NotARoot {
        /// Its name.
        name: ClientName,
    },
}

impl fmt::Display for CertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Format(e) => write!(f, "malformed certificate: {e}"),
            Self::ChainLength { count } => write!(
                f,
                "a chain holds 1 to {MAX_CHAIN_LEN} certificates, this one says {count}"
            ),
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
            Self::Revoked { name, serial } => {
                write!(f, "revoked serial {serial} ({name})")
            }
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
            Self::NotSignedByCertificateKey { name } => write!(
                f,
                "the handshake signature does not verify under the key in {name}'s certificate \
                 (the peer does not hold that key, or a message was altered)"
            ),
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
            Self::NotARoot { name } => write!(
                f,
                "{name} is not a root: a trust anchor must be a self-signed CA certificate"
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

// ---------------------------------------------------------------------------
// The checks, one question each.

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
    let body = &cert.body;
    if !bool::from(body.issuer.ct_eq(issuer)) {
        return Err(CertError::UnknownIssuer {
            name: body.name,
            serial: body.serial,
            issuer: body.issuer.fingerprint(),
        });
    }
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
    if now > body.not_after.saturating_add(CLOCK_SKEW_SECS) {
        return Err(CertError::Expired {
            name: body.name,
            serial: body.serial,
            not_after: body.not_after,
            now,
        });
    }
    Ok(())
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
    if crl.contains(cert.body.serial) {
        return Err(CertError::Revoked {
            name: cert.body.name,
            serial: cert.body.serial,
        });
    }
    Ok(())
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
// Trust anchor, chain, and the walk.

/// The most certificates a peer presents: a leaf and one intermediate.
pub const MAX_CHAIN_LEN: usize = 2;

/// What a peer presents: its leaf certificate and, optionally, the
/// intermediate CA that issued it (never the root: the verifier has that).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chain {
    /// The peer's own certificate.
    pub leaf: Certificate,
    /// The CA that issued the leaf, when it is not the root.
    pub intermediate: Option<Certificate>,
}

impl Chain {
    /// A chain of one certificate, issued by the root itself.
    pub fn leaf(leaf: Certificate) -> Self {
        Self {
            leaf,
            intermediate: None,
        }
    }

    /// How many certificates: 1 or 2.
    pub fn len(&self) -> usize {
        1 + usize::from(self.intermediate.is_some())
    }

    /// Always false: a chain has a leaf.
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// A trust anchor: a self-signed CA certificate, checked once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Root {
    cert: Certificate,
}

impl Root {
    /// Accepts `cert` as a root if it names itself as issuer, its
    /// self-signature verifies, and it is a CA. (The signature proves only
    /// that the file was not altered since it was made: a root is trusted
    /// because the operator installed it, not because of anything inside.)
    ///
    /// # Errors
    /// [`CertError::NotARoot`] or [`CertError::BadSignature`].
    pub fn new(cert: Certificate) -> Result<Self, CertError> {
        if !cert.is_self_issued() || !matches!(cert.body.usage, Usage::Ca { .. }) {
            return Err(CertError::NotARoot {
                name: cert.body.name,
            });
        }
        check_issuer_signature(&cert, &cert.body.key)?;
        Ok(Self { cert })
    }

    /// The root's certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }
}

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

/// Who checks a chain: the root, the time, and the revocation lists.
#[derive(Clone, Copy, Debug)]
pub struct Verifier<'a> {
    /// The trust anchor.
    pub root: &'a Root,
    /// The caller's clock, Unix seconds.
    pub now: u64,
    /// Revocation lists. When not empty, the issuer of every certificate
    /// in the chain must have one here (fail closed): the leaf's, and for
    /// an intermediate the root's, which is the only list that can say the
    /// intermediate was revoked.
    pub crls: &'a [RevocationList<'a>],
    /// What a stale list means.
    pub stale: StaleCrl,
}

/// A chain that passed every check: who is on the other end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifiedPeer {
    /// The leaf's name.
    pub name: ClientName,
    /// The leaf's serial.
    pub serial: u64,
    /// The leaf's key: the one that must sign the handshake.
    pub key: PublicIdentity,
    /// When the leaf expires.
    pub not_after: u64,
    /// The key that issued the leaf: whose revocation list covers it.
    pub issuer: PublicIdentity,
    /// The intermediate the chain went through, if any.
    pub intermediate: Option<VerifiedIssuer>,
}

/// The intermediate of a verified chain: what an open session is checked
/// against again ([`Verifier::recheck`]), since the root may revoke it,
/// and it may expire, while the session lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifiedIssuer {
    /// Its name.
    pub name: ClientName,
    /// Its serial, as numbered by the root.
    pub serial: u64,
    /// When it expires.
    pub not_after: u64,
    /// The key that issued it (the root's): whose list covers it.
    pub issuer: PublicIdentity,
}

impl fmt::Display for VerifiedPeer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (serial {})", self.name, self.serial)
    }
}

impl<'a> Verifier<'a> {
    /// A verifier without revocation lists.
    pub fn new(root: &'a Root, now: u64) -> Self {
        Self {
            root,
            now,
            crls: &[],
            stale: StaleCrl::Refuse,
        }
    }

    /// The newest list from `issuer`, if any.
    fn crl_of(&self, issuer: &PublicIdentity) -> Option<&'a RevocationList<'a>> {
        self.crls
            .iter()
            .filter(|crl| crl.issuer == *issuer)
            .max_by_key(|crl| crl.this_update)
    }

    /// The revocation step for `cert`, issued by `issuer`: with lists in
    /// use, the issuer's list must be among them.
    fn check_revocation(
        &self,
        cert: &Certificate,
        issuer: &PublicIdentity,
    ) -> Result<(), CertError> {
        match self.crl_of(issuer) {
            Some(crl) => {
                check_crl(crl, issuer, self.now, self.stale)?;
                check_not_revoked(cert, crl)
            }
            None if !self.crls.is_empty() => Err(CertError::NoCrl {
                issuer: issuer.fingerprint(),
            }),
            None => Ok(()),
        }
    }

    /// Re-checks a peer accepted earlier, for a session that stays open:
    /// its leaf, and the intermediate it came through, must still be inside
    /// their windows and not on their issuers' lists (each list checked as
    /// in [`Verifier::verify_chain`]; with lists in use, none from an
    /// issuer is [`CertError::NoCrl`], as in a new handshake).
    ///
    /// The chain must also still lead to the verifier's root: a session
    /// opened under a root that has since been replaced is refused with
    /// [`CertError::UnknownIssuer`], as a new handshake would be.
    ///
    /// # Errors
    /// [`CertError::UnknownIssuer`], [`CertError::Expired`],
    /// [`CertError::Revoked`], [`CertError::NoCrl`], or a list's error.
    pub fn recheck(&self, peer: &VerifiedPeer) -> Result<(), CertError> {
        // The trust anchor as it is now: a root replaced since the
        // handshake must end the sessions it no longer vouches for, as it
        // refuses their new connections. The top of the stored chain (the
        // intermediate, or the leaf issued by the root itself) must name
        // the current root's key, and that root must be inside its window.
        let root = &self.root.cert;
        check_validity(root, self.now)?;
        let (top_name, top_serial, top_issuer) = match &peer.intermediate {
            Some(ca) => (ca.name, ca.serial, ca.issuer),
            None => (peer.name, peer.serial, peer.issuer),
        };
        if !bool::from(top_issuer.ct_eq(&root.body.key)) {
            return Err(CertError::UnknownIssuer {
                name: top_name,
                serial: top_serial,
                issuer: top_issuer.fingerprint(),
            });
        }
        let leaf = VerifiedIssuer {
            name: peer.name,
            serial: peer.serial,
            not_after: peer.not_after,
            issuer: peer.issuer,
        };
        for cert in peer.intermediate.iter().chain([&leaf]) {
            self.recheck_one(cert)?;
        }
        Ok(())
    }

    /// One certificate of [`Verifier::recheck`]: window end and list.
    fn recheck_one(&self, cert: &VerifiedIssuer) -> Result<(), CertError> {
        if self.now > cert.not_after.saturating_add(CLOCK_SKEW_SECS) {
            return Err(CertError::Expired {
                name: cert.name,
                serial: cert.serial,
                not_after: cert.not_after,
                now: self.now,
            });
        }
        match self.crl_of(&cert.issuer) {
            Some(crl) => {
                check_crl(crl, &cert.issuer, self.now, self.stale)?;
                if crl.contains(cert.serial) {
                    return Err(CertError::Revoked {
                        name: cert.name,
                        serial: cert.serial,
                    });
                }
            }
            None if !self.crls.is_empty() => {
                return Err(CertError::NoCrl {
                    issuer: cert.issuer.fingerprint(),
                });
            }
            None => {}
        }
        Ok(())
    }

    /// Walks root → intermediate → leaf: for each certificate, the
    /// issuer's signature, the issuer's right to issue, the window and
    /// the revocation list; then the leaf's usage and, for a server, its
    /// name. The first failure is returned.
    ///
    /// # Errors
    /// Any [`CertError`] of the checks above.
    ///
    /// # Examples
    /// ```
    /// use learn_mtls::cert::verify::{Chain, Role, Root, Verifier};
    /// use learn_mtls::cert::{CertificateBody, Usage};
    /// use learn_mtls::keys::IdentityKey;
    /// use learn_mtls::trust::ClientName;
    ///
    /// let ca = IdentityKey::from_secret_bytes(&[1; 32]);
    /// let alice = IdentityKey::from_secret_bytes(&[2; 32]);
    /// let body = |usage, name, key, serial| CertificateBody {
    ///     usage, name: ClientName::new(name).unwrap(), key, serial,
    ///     not_before: 1_000, not_after: 100_000, issuer: ca.public(),
    /// };
    /// let root = Root::new(body(Usage::Ca { path_len: 0 }, "ca", ca.public(), 1).sign(&ca)?)?;
    /// let leaf = body(Usage::Client, "alice", alice.public(), 2).sign(&ca)?;
    ///
    /// let peer = Verifier::new(&root, 50_000).verify_chain(&Chain::leaf(leaf), Role::Client, None)?;
    /// assert_eq!(peer.name.as_str(), "alice");
    /// // A day after it expired:
    /// let late = Verifier::new(&root, 186_400).verify_chain(&Chain::leaf(leaf), Role::Client, None);
    /// assert!(late.unwrap_err().to_string().starts_with("expired"));
    /// # Ok::<(), Box<dyn core::error::Error>>(())
    /// ```
    pub fn verify_chain(
        &self,
        chain: &Chain,
        role: Role,
        expected_name: Option<&ClientName>,
    ) -> Result<VerifiedPeer, CertError> {
        let root = &self.root.cert;
        check_validity(root, self.now)?;

        let mut issuer = root;
        // Top down: the intermediate (if any), then the leaf.
        let mut cas_below = u8::from(chain.intermediate.is_some());
        for cert in chain.intermediate.iter().chain([&chain.leaf]) {
            check_issuer_signature(cert, &issuer.body.key)?;
            check_may_issue(issuer, cas_below)?;
            check_validity(cert, self.now)?;
            self.check_revocation(cert, &issuer.body.key)?;
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
}

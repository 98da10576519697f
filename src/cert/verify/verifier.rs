//! The trust anchor ([`Root`]), the [`Verifier`] that walks a chain down
//! from it, and what a verified chain leaves ([`VerifiedPeer`]), which an
//! open session is checked against again ([`Verifier::recheck`]).

use core::fmt;

use super::chain::{Chain, Role};
use super::checks::{
    StaleCrl, Subject, check_crl, check_issued_by, check_issuer_signature, check_may_issue,
    check_name, check_not_expired, check_serial_not_revoked, check_usage, check_validity,
};
use super::error::CertError;
use crate::cert::crl::RevocationList;
use crate::cert::{Certificate, Usage};
use crate::keys::PublicIdentity;
use crate::name::ClientName;

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

    /// The revocation step for `cert`: with lists in use, the list of the
    /// key that issued it must be among them, genuine and current, and
    /// must not name its serial. Asked in the walk and in the re-check.
    fn check_revocation(&self, cert: &Subject) -> Result<(), CertError> {
        match self.crl_of(&cert.issuer) {
            Some(crl) => {
                check_crl(crl, &cert.issuer, self.now, self.stale)?;
                check_serial_not_revoked(cert, crl)
            }
            None if !self.crls.is_empty() => Err(CertError::NoCrl {
                issuer: cert.issuer.fingerprint(),
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
    /// [`CertError::UnknownIssuer`], as a new handshake would be, and a
    /// root re-issued with a path length too short for the stored chain
    /// with [`CertError::PathTooLong`].
    ///
    /// # Errors
    /// [`CertError::UnknownIssuer`], [`CertError::PathTooLong`],
    /// [`CertError::Expired`], [`CertError::Revoked`], [`CertError::NoCrl`],
    /// or a list's error.
    pub fn recheck(&self, peer: &VerifiedPeer) -> Result<(), CertError> {
        // The trust anchor as it is now: a root replaced since the
        // handshake must end the sessions it no longer vouches for, as it
        // refuses their new connections. The top of the stored chain (the
        // intermediate, or the leaf issued by the root itself) must name
        // the current root's key, and that root must be inside its window.
        let root = &self.root.cert;
        check_validity(root, self.now)?;
        let leaf = Subject::from(peer);
        let intermediate = peer.intermediate.as_ref().map(Subject::from);
        check_issued_by(intermediate.as_ref().unwrap_or(&leaf), &root.body.key)?;
        // And it must still let a CA sit below it if one does: a root
        // re-issued under the same key with a shorter path length refuses
        // chains through an intermediate, for new and open sessions alike.
        check_may_issue(root, u8::from(intermediate.is_some()))?;
        for cert in intermediate.iter().chain([&leaf]) {
            self.recheck_one(cert)?;
        }
        Ok(())
    }

    /// One certificate of [`Verifier::recheck`]: the end of its window and
    /// its issuer's list, by the checks [`Verifier::verify_chain`] asks.
    fn recheck_one(&self, cert: &Subject) -> Result<(), CertError> {
        check_not_expired(cert, self.now)?;
        self.check_revocation(cert)
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
            // The list of the key the certificate names as issuer: the
            // issuer's own, since check_issuer_signature matched the two.
            self.check_revocation(&Subject::of(cert))?;
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

impl From<&VerifiedPeer> for Subject {
    fn from(peer: &VerifiedPeer) -> Self {
        Self {
            name: peer.name,
            serial: peer.serial,
            not_after: peer.not_after,
            issuer: peer.issuer,
        }
    }
}

impl From<&VerifiedIssuer> for Subject {
    fn from(ca: &VerifiedIssuer) -> Self {
        Self {
            name: ca.name,
            serial: ca.serial,
            not_after: ca.not_after,
            issuer: ca.issuer,
        }
    }
}

//! The trust policy: the trait the handshake asks, why it refuses, and the
//! simplest policy, one pinned key. Re-exported by [`crate::trust`].

use core::fmt;

use crate::identity::PeerKey;
use crate::keys::{Fingerprint, PublicIdentity};
use crate::name::ClientName;

/// Who the server is talking to, once the handshake and the policy agree:
/// an Ed25519 key by default, `P` for another identity scheme (Lesson 19's
/// ML-DSA-65).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIdentity<P = PublicIdentity> {
    /// The name the policy gave this key.
    pub name: ClientName,
    /// The key the client proved it holds.
    pub key: P,
}

impl<P: PeerKey> fmt::Display for ClientIdentity<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (fingerprint {})", self.name, self.key.fingerprint())
    }
}

/// Why a policy refused a client whose signature was valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// The key is not one the server knows.
    UnknownKey {
        /// The refused key's fingerprint, so the operator can find it.
        fingerprint: Fingerprint,
    },
    /// The key is on the revocation list. Revocation beats authorization.
    Revoked {
        /// The name the key had on the authorized list, if it had one.
        name: Option<ClientName>,
        /// The revoked key's fingerprint.
        fingerprint: Fingerprint,
    },
    /// The revocation list could not be read or parsed, so the server cannot
    /// know what it would have refused: it refuses everyone (fails closed).
    RevocationListUnavailable,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownKey { fingerprint } => {
                write!(f, "unknown client key (fingerprint {fingerprint})")
            }
            Self::Revoked {
                name: Some(name),
                fingerprint,
            } => write!(
                f,
                "revoked client key of {name} (fingerprint {fingerprint})"
            ),
            Self::Revoked {
                name: None,
                fingerprint,
            } => write!(f, "revoked client key (fingerprint {fingerprint})"),
            Self::RevocationListUnavailable => f.write_str(
                "revocation list unavailable (missing, unreadable or malformed): refusing every client until it is fixed",
            ),
        }
    }
}

impl core::error::Error for Refusal {}

/// Decides whether a client key that has proved itself may connect.
///
/// Called once per handshake, after the client's signature verified, with
/// the key the client sent: an Ed25519 key by default, `P` for another
/// identity scheme (Lesson 19's ML-DSA-65).
pub trait TrustPolicy<P = PublicIdentity> {
    /// The client's name if it may connect, or why not.
    ///
    /// # Errors
    /// A [`Refusal`] naming the reason; the handshake then fails with it.
    fn check(&self, client: &P) -> Result<ClientName, Refusal>;
}

impl<P, T: TrustPolicy<P> + ?Sized> TrustPolicy<P> for &T {
    fn check(&self, client: &P) -> Result<ClientName, Refusal> {
        (**self).check(client)
    }
}

/// Exactly one client key, with a name: Lesson 11, exercise 1. An Ed25519
/// key by default; any [`PeerKey`] (Lesson 19's ML-DSA-65) as `P`.
#[derive(Clone, Copy, Debug)]
pub struct PinnedClient<P = PublicIdentity> {
    pub(super) key: P,
    pub(super) name: ClientName,
}

impl<P> PinnedClient<P> {
    /// Trusts `key` only, calling it `name`.
    pub fn new(key: P, name: ClientName) -> Self {
        Self { key, name }
    }
}

impl<P: PeerKey> TrustPolicy<P> for PinnedClient<P> {
    fn check(&self, client: &P) -> Result<ClientName, Refusal> {
        // Constant-time, so timing reveals nothing about how close a guess was.
        if bool::from(self.key.ct_eq(client)) {
            Ok(self.name)
        } else {
            Err(Refusal::UnknownKey {
                fingerprint: client.fingerprint(),
            })
        }
    }
}

//! Trust: after the handshake proves *which key* the client holds, a policy
//! decides whether that key may connect, and under what name.
//!
//! The handshake asks a [`TrustPolicy`] once, after the client's signature
//! has verified. This module has the simplest policy, [`PinnedClient`]: one
//! known key. Then:
//!
//! - [`lists`]: many named clients ([`AuthorizedKeys`]), revoked keys
//!   ([`RevokedKeys`]), and [`WithRevocations`] to combine a policy with a
//!   revocation list. In memory, no allocator needed.
//! - [`format`] (with `alloc`): the two text formats and their parser.
//! - `files` (with `std`): both lists read from files and reloaded while
//!   the server runs.

use core::fmt;

use subtle::ConstantTimeEq;

use crate::keys::{Fingerprint, PublicIdentity};

#[cfg(feature = "std")]
pub mod files;
#[cfg(feature = "alloc")]
pub mod format;
pub mod lists;

pub use lists::{AuthorizedKey, AuthorizedKeys, RevokedKeys, WithRevocations};

/// The longest client name, in bytes. Names live in fixed arrays so that
/// the core needs no allocator.
pub const MAX_NAME_LEN: usize = 64;

/// A human name for a client key, such as `alice` or `billing-service`.
///
/// 1 to [`MAX_NAME_LEN`] bytes of UTF-8 with no whitespace or control
/// characters, so a name is always one word in a log line.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientName {
    bytes: [u8; MAX_NAME_LEN],
    len: u8,
}

/// Why a string cannot be a [`ClientName`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameError {
    /// The name is empty.
    Empty,
    /// The name is longer than [`MAX_NAME_LEN`] bytes.
    TooLong,
    /// The name contains whitespace, a control character, or an invisible
    /// formatting character (zero-width, bidirectional override).
    BadCharacter,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the client name is missing"),
            Self::TooLong => write!(f, "the client name is longer than {MAX_NAME_LEN} bytes"),
            Self::BadCharacter => {
                f.write_str("the client name contains whitespace, a control character or an invisible character")
            }
        }
    }
}

impl core::error::Error for NameError {}

/// Characters that change how a log line looks without being seen: zero-width
/// characters and bidirectional overrides (a name ending in U+202E would
/// print the rest of its log line backwards).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

impl ClientName {
    /// Checks and stores a name.
    ///
    /// # Errors
    /// [`NameError`] says which rule the name breaks.
    ///
    /// # Examples
    /// ```
    /// use learn_mtls::trust::ClientName;
    /// assert_eq!(ClientName::new("alice")?.as_str(), "alice");
    /// assert!(ClientName::new("two words").is_err());
    /// # Ok::<(), learn_mtls::trust::NameError>(())
    /// ```
    pub fn new(name: &str) -> Result<Self, NameError> {
        if name.is_empty() {
            return Err(NameError::Empty);
        }
        if name.len() > MAX_NAME_LEN {
            return Err(NameError::TooLong);
        }
        if name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || is_invisible(c))
        {
            return Err(NameError::BadCharacter);
        }
        let mut bytes = [0u8; MAX_NAME_LEN];
        bytes[..name.len()].copy_from_slice(name.as_bytes());
        Ok(Self {
            bytes,
            // Fits: checked against MAX_NAME_LEN (64) above.
            len: name.len() as u8,
        })
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        // Only `new` builds a ClientName, from a &str cut at its own length,
        // so these bytes are always valid UTF-8; the fallback is unreachable.
        core::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("?")
    }
}

impl fmt::Display for ClientName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for ClientName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientName({:?})", self.as_str())
    }
}

/// Who the server is talking to, once the handshake and the policy agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIdentity {
    /// The name the policy gave this key.
    pub name: ClientName,
    /// The key the client proved it holds.
    pub key: PublicIdentity,
}

impl fmt::Display for ClientIdentity {
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
/// the key the client sent.
pub trait TrustPolicy {
    /// The client's name if it may connect, or why not.
    ///
    /// # Errors
    /// A [`Refusal`] naming the reason; the handshake then fails with it.
    fn check(&self, client: &PublicIdentity) -> Result<ClientName, Refusal>;
}

impl<T: TrustPolicy + ?Sized> TrustPolicy for &T {
    fn check(&self, client: &PublicIdentity) -> Result<ClientName, Refusal> {
        (**self).check(client)
    }
}

/// Exactly one client key, with a name: Lesson 11, exercise 1.
#[derive(Clone, Copy, Debug)]
pub struct PinnedClient {
    key: PublicIdentity,
    name: ClientName,
}

impl PinnedClient {
    /// Trusts `key` only, calling it `name`.
    pub fn new(key: PublicIdentity, name: ClientName) -> Self {
        Self { key, name }
    }
}

impl TrustPolicy for PinnedClient {
    fn check(&self, client: &PublicIdentity) -> Result<ClientName, Refusal> {
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

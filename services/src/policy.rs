//! Who may call: the allow-list of SPIFFE IDs a service admits.
//!
//! The TLS layer answers "did a CA we trust issue this certificate?"; it
//! cannot answer "is this workload allowed to call me?". Every workload of
//! the trust domain holds a certificate from the same CA, so without a
//! check after the handshake the payments service admits the log shipper
//! too. That decision belongs to the application (or to the mesh's
//! authorization policy, which is the same check made in the sidecar).

use std::fmt;

use crate::identity::Identity;

/// The SPIFFE IDs admitted. Empty: every client the CA vouches for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowList {
    ids: Vec<String>,
}

/// Why the allow-list refused a client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The client's SPIFFE ID is not on the list.
    NotAllowed(String),
    /// The client's certificate has no SPIFFE ID at all; `0` is its
    /// common name or subject.
    NoSpiffeId(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAllowed(id) => write!(f, "{id} is not on the allow-list"),
            Self::NoSpiffeId(name) => write!(
                f,
                "{name} has no SPIFFE ID in its certificate, and the allow-list admits only SPIFFE IDs"
            ),
        }
    }
}

impl std::error::Error for Refusal {}

impl AllowList {
    /// An allow-list of exactly `ids`; none means every verified client.
    #[must_use]
    pub fn new(ids: Vec<String>) -> Self {
        Self { ids }
    }

    /// Whether the list admits everyone the CA vouches for.
    #[must_use]
    pub fn is_open(&self) -> bool {
        self.ids.is_empty()
    }

    /// Admits or refuses `who`. IDs compare byte for byte: SPIFFE IDs are
    /// case-sensitive in their path, and a prefix is not a match.
    ///
    /// # Errors
    ///
    /// [`Refusal`] naming the identity refused.
    pub fn decide(&self, who: &Identity) -> Result<(), Refusal> {
        if self.is_open() {
            return Ok(());
        }
        match &who.spiffe_id {
            Some(id) if self.ids.iter().any(|allowed| allowed == id) => Ok(()),
            Some(id) => Err(Refusal::NotAllowed(id.clone())),
            None => Err(Refusal::NoSpiffeId(who.peer().to_owned())),
        }
    }
}

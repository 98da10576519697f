//! What a peer presents ([`Chain`]), and for what ([`Role`]).

use core::fmt;

use crate::cert::Certificate;

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

/// What a leaf certificate is presented for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// A client logging in: needs [`Usage::Client`](crate::cert::Usage::Client).
    Client,
    /// A server answering under a name: needs [`Usage::Server`](crate::cert::Usage::Server).
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

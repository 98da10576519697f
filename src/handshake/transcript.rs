//! The transcript hash, fed as the handshake goes.
//!
//! Under the transcript binding each side takes three hashes, and each is
//! of a prefix of the same byte stream:
//!
//! ```text
//! message 2's signature   SHA-256(M1 || reply)
//! message 3's signature   SHA-256(M1 || M2 || client key)
//! the session keys        SHA-256(M1 || M2 || M3)
//! ```
//!
//! (`M2` is `reply || server signature` and `M3` is
//! `client signature || client key`.) One running SHA-256 state, copied
//! where a hash is taken and the stream forks, hashes `M1` and `M2` once
//! instead of three times: TLS 1.3 keeps its transcript hash the same way
//! (RFC 8446, section 4.4.1). Under the hybrid key exchange `M1 || M2` is
//! 2,400 bytes, so this is what lets that handshake cost its primitives
//! (Lesson 19's bench) and not the primitives and 7 KB of hashing.

use sha2::{Digest, Sha256};

/// SHA-256 over the handshake so far, or nothing at all under the lesson11
/// binding, whose signatures and keys never use it
/// ([`Binding::transcript`](super::Binding::transcript) picks).
#[derive(Clone)]
pub(crate) struct Transcript(Option<Sha256>);

impl Transcript {
    /// A transcript that hashes what it is fed, or (`hashed` false) one
    /// that ignores it.
    pub(crate) fn new(hashed: bool) -> Self {
        Self(hashed.then(Sha256::new))
    }

    /// Feeds the next bytes of the handshake.
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        if let Some(hash) = &mut self.0 {
            hash.update(bytes);
        }
    }

    /// This transcript followed by `bytes`, leaving this one as it is: a
    /// fork, for the one hash taken over the client's key alone.
    pub(crate) fn with(&self, bytes: &[u8]) -> Self {
        let mut fork = self.clone();
        fork.update(bytes);
        fork
    }

    /// The hash of everything fed so far (`None` if it does not hash).
    pub(crate) fn hash(&self) -> Option<[u8; 32]> {
        self.0.clone().map(|hash| hash.finalize().into())
    }
}

/// SHA-256 over `messages`, fed in order: a transcript hash taken in one go
/// (Lesson 15's handshake; Lessons 10, 11 and 19 keep a [`Transcript`]).
pub(crate) fn transcript_hash(messages: &[&[u8]]) -> [u8; 32] {
    let mut hash = Sha256::new();
    for message in messages {
        hash.update(message);
    }
    hash.finalize().into()
}

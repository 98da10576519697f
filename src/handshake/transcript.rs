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

/// SHA-256 over the handshake so far.
///
/// Kept under both bindings, though lesson11's signatures and keys never
/// read it: whether a hash is used is decided by the handshake's
/// [`Binding`](super::Binding) alone, so no transcript can be the wrong
/// kind for its binding and quietly turn a signature over the transcript
/// into one over a bare share.
#[derive(Clone)]
pub(crate) struct Transcript(Sha256);

impl Transcript {
    /// A transcript fed `messages`, in order.
    pub(crate) fn over(messages: &[&[u8]]) -> Self {
        let mut transcript = Self(Sha256::new());
        for message in messages {
            transcript.update(message);
        }
        transcript
    }

    /// Feeds the next bytes of the handshake.
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// This transcript followed by `bytes`, leaving this one as it is: a
    /// fork, for the one hash taken over the client's key alone.
    pub(crate) fn with(&self, bytes: &[u8]) -> Self {
        let mut fork = self.clone();
        fork.update(bytes);
        fork
    }

    /// The hash of everything fed so far.
    pub(crate) fn hash(&self) -> [u8; 32] {
        self.0.clone().finalize().into()
    }
}

/// SHA-256 over `messages`, fed in order: a transcript hash taken in one go
/// (Lesson 15's handshake; Lessons 10, 11 and 19 keep a [`Transcript`]).
pub(crate) fn transcript_hash(messages: &[&[u8]]) -> [u8; 32] {
    Transcript::over(messages).hash()
}

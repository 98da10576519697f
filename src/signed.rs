//! What a signature covers: the exact bytes a party signs, built on the
//! stack.
//!
//! ```text
//! lesson11 binding:   the signer's own ephemeral share, nothing else
//! transcript binding: 0x20 x 64 || context || 0x00 || SHA-256(what is vouched for)
//! ```
//!
//! The second form is TLS 1.3's CertificateVerify (RFC 8446 section
//! 4.4.3). The handshakes sign it over their transcript, and an issuer
//! over a certificate's body or a revocation list, each under a context
//! string of its own, so that no signature made for one can be taken for
//! another. A module of its own so that certificates and handshakes both
//! build on it, and neither on the other.

use sha2::{Digest, Sha256};

/// 64 spaces open every transcript signature. TLS 1.3 uses this prefix so a
/// signed handshake can never be mistaken for a signed TLS 1.2 random.
const SIGNATURE_PAD: [u8; 64] = [0x20; 64];

/// The longest context string [`SignedContent::transcript`] takes.
pub(crate) const MAX_CONTEXT_LEN: usize = 64;

/// Room for the longest signed message: pad, a context of up to 64 bytes, 0x00, hash.
const SIGNED_CAPACITY: usize = SIGNATURE_PAD.len() + MAX_CONTEXT_LEN + 1 + 32;

/// The exact bytes a party signs, built on the stack.
pub(crate) struct SignedContent {
    bytes: [u8; SIGNED_CAPACITY],
    len: usize,
}

impl SignedContent {
    /// `0x20 x 64 || context || 0x00 || transcript_hash` (RFC 8446 section 4.4.3).
    pub(crate) fn transcript(context: &[u8], transcript_hash: &[u8; 32]) -> Self {
        let mut bytes = [0u8; SIGNED_CAPACITY];
        let mut len = 0;
        for part in [&SIGNATURE_PAD[..], context, &[0x00], transcript_hash] {
            bytes[len..len + part.len()].copy_from_slice(part);
            len += part.len();
        }
        Self { bytes, len }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// `0x20 x 64 || context || 0x00 || SHA-256(body)`: what an issuer signs,
/// built as the handshake builds its signed content.
pub(crate) fn signed_content(context: &'static [u8], body: &[u8]) -> SignedContent {
    SignedContent::transcript(context, &Sha256::digest(body).into())
}

//! Opening TLS records with the three AEADs this lesson meets.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use chacha20poly1305::ChaCha20Poly1305;

/// Length of every nonce here.
pub const NONCE_LEN: usize = 12;
/// Length of every tag here.
pub const TAG_LEN: usize = 16;

/// Which AEAD a cipher suite uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AeadKind {
    /// AES-128-GCM (16-byte key).
    Aes128Gcm,
    /// AES-256-GCM (32-byte key).
    Aes256Gcm,
    /// ChaCha20-Poly1305 (32-byte key), the course's record cipher.
    ChaCha20Poly1305,
}

impl AeadKind {
    /// Key length in bytes.
    #[must_use]
    pub const fn key_len(self) -> usize {
        match self {
            Self::Aes128Gcm => 16,
            Self::Aes256Gcm | Self::ChaCha20Poly1305 => 32,
        }
    }
}

/// A keyed AEAD; holds the expanded key, which its crate wipes on drop where it can.
pub enum RecordCipher {
    /// AES-128-GCM.
    Aes128Gcm(Box<Aes128Gcm>),
    /// AES-256-GCM.
    Aes256Gcm(Box<Aes256Gcm>),
    /// ChaCha20-Poly1305.
    ChaCha20Poly1305(Box<ChaCha20Poly1305>),
}

impl std::fmt::Debug for RecordCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecordCipher(<redacted>)")
    }
}

impl RecordCipher {
    /// Keys `kind` with `key`; `None` if the key has the wrong length.
    #[must_use]
    pub fn new(kind: AeadKind, key: &[u8]) -> Option<Self> {
        Some(match kind {
            AeadKind::Aes128Gcm => Self::Aes128Gcm(Box::new(Aes128Gcm::new_from_slice(key).ok()?)),
            AeadKind::Aes256Gcm => Self::Aes256Gcm(Box::new(Aes256Gcm::new_from_slice(key).ok()?)),
            AeadKind::ChaCha20Poly1305 => {
                Self::ChaCha20Poly1305(Box::new(ChaCha20Poly1305::new_from_slice(key).ok()?))
            }
        })
    }

    /// Decrypts and checks `ciphertext` (tag included); `None` if it does not open.
    #[must_use]
    pub fn open(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], ciphertext: &[u8]) -> Option<Vec<u8>> {
        let payload = Payload {
            msg: ciphertext,
            aad,
        };
        match self {
            Self::Aes128Gcm(c) => c.decrypt(&(*nonce).into(), payload).ok(),
            Self::Aes256Gcm(c) => c.decrypt(&(*nonce).into(), payload).ok(),
            Self::ChaCha20Poly1305(c) => c.decrypt(&(*nonce).into(), payload).ok(),
        }
    }
}

/// `iv XOR (sequence number, left-padded to the nonce length)`: the nonce
/// of every TLS 1.3 record (RFC 8446 §5.3), of TLS 1.2 ChaCha20-Poly1305
/// (RFC 7905 §2), and of the course's own records.
#[must_use]
pub fn xor_nonce(iv: &[u8; NONCE_LEN], seq: u64) -> [u8; NONCE_LEN] {
    let mut nonce = *iv;
    for (n, s) in nonce[NONCE_LEN - 8..].iter_mut().zip(seq.to_be_bytes()) {
        *n ^= s;
    }
    nonce
}

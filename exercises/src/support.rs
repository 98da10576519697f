//! Helpers the exercises may use. Not an exercise: nothing to fill in here.

use std::io::{self, Read};

use ed25519_dalek::{Signer, SigningKey};
use learn_mtls::keys::IdentityKey;
use learn_mtls::record::{self, HEADER_LEN};
use sha2::{Digest, Sha256};
use x25519_dalek::{X25519_BASEPOINT_BYTES, x25519};
use zeroize::Zeroizing;

/// 32 fresh random bytes from the operating system: an X25519 ephemeral
/// secret. Wiped when dropped.
///
/// # Panics
/// If the operating system has no randomness to give.
pub fn random_secret() -> Zeroizing<[u8; 32]> {
    let mut secret = Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut secret[..]).expect("the operating system's random number generator");
    secret
}

/// The X25519 public share of `secret`: X25519(secret, 9) (RFC 7748 section 6.1).
pub fn public_share(secret: &[u8; 32]) -> [u8; 32] {
    x25519(*secret, X25519_BASEPOINT_BYTES)
}

/// Signs `message` with `identity` (plain Ed25519, as the handshakes sign).
pub fn sign(identity: &IdentityKey, message: &[u8]) -> [u8; 64] {
    SigningKey::from_bytes(&identity.to_secret_bytes())
        .sign(message)
        .to_bytes()
}

/// SHA-256 of `parts`, one after the other.
pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part);
    }
    hash.finalize().into()
}

/// Reads one whole record (header and body) from `stream`.
///
/// # Errors
/// An I/O error, or `InvalidData` if the header announces an impossible length.
pub fn read_record(stream: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut header = [0u8; HEADER_LEN];
    stream.read_exact(&mut header)?;
    let body = record::body_len(header)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
    let mut record = vec![0u8; HEADER_LEN + body];
    record[..HEADER_LEN].copy_from_slice(&header);
    stream.read_exact(&mut record[HEADER_LEN..])?;
    Ok(record)
}

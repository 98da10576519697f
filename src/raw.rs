//! **Risky**: the handshake's inner steps with raw secrets in and out, for
//! the course's exercise checks only (feature `risky-raw-secrets`).
//!
//! The rest of the library never lets a session key leave a [`Session`].
//! The exercises in `exercises/` have the learner compute those keys by
//! hand, and their checks compare each piece with what the library
//! computes on the same input: that needs the library's own steps with the
//! secrets exposed. Nothing here changes how the library behaves; each
//! function calls the code the handshakes use, or says where it differs.
//!
//! Never enable this feature in a program that protects anything: it
//! exports session keys.

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::handshake::HandshakeError;
use crate::record::{KEY_LEN, NONCE_LEN, Session, Side};
use crate::schedule::{self, Inputs, KeySchedule, SessionSecrets, TrafficSecrets};
use crate::signed::SignedContent;
use crate::wire::SHARE_LEN;

/// The four traffic secrets, in the clear. Wiped on drop; `Debug` redacts
/// them; `==` compares in constant time.
#[derive(Clone)]
pub struct TrafficKeys {
    /// Seals what the client sends.
    pub client_write_key: [u8; KEY_LEN],
    /// Nonce base for what the client sends.
    pub client_write_iv: [u8; NONCE_LEN],
    /// Seals what the server sends.
    pub server_write_key: [u8; KEY_LEN],
    /// Nonce base for what the server sends.
    pub server_write_iv: [u8; NONCE_LEN],
}

impl Drop for TrafficKeys {
    fn drop(&mut self) {
        self.client_write_key.zeroize();
        self.client_write_iv.zeroize();
        self.server_write_key.zeroize();
        self.server_write_iv.zeroize();
    }
}

impl ZeroizeOnDrop for TrafficKeys {}

impl PartialEq for TrafficKeys {
    fn eq(&self, other: &Self) -> bool {
        let same = self.client_write_key.ct_eq(&other.client_write_key)
            & self.client_write_iv.ct_eq(&other.client_write_iv)
            & self.server_write_key.ct_eq(&other.server_write_key)
            & self.server_write_iv.ct_eq(&other.server_write_iv);
        same.into()
    }
}

impl Eq for TrafficKeys {}

impl core::fmt::Debug for TrafficKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("TrafficKeys(<redacted>)")
    }
}

/// X25519 of `own_secret` and `peer_share`, refusing the all-zero result
/// with [`HandshakeError::NonContributoryShare`], as the handshakes do
/// (they hold the secret as an `EphemeralSecret`; this takes its bytes).
///
/// # Errors
/// [`HandshakeError::NonContributoryShare`] for a low-order `peer_share`.
pub fn shared_secret(
    own_secret: &[u8; 32],
    peer_share: &[u8; SHARE_LEN],
) -> Result<Zeroizing<[u8; 32]>, HandshakeError> {
    let shared = Zeroizing::new(x25519_dalek::x25519(*own_secret, *peer_share));
    if bool::from(shared.ct_eq(&[0u8; 32])) {
        return Err(HandshakeError::NonContributoryShare);
    }
    Ok(shared)
}

/// The session keys exactly as the handshakes derive them
/// ([`crate::schedule`]): `transcript_hash` is `None` under the lesson11
/// binding, `SHA-256` of every handshake byte under the transcript binding.
pub fn traffic_keys(
    schedule: KeySchedule,
    shared_secret: &[u8; 32],
    client_share: &[u8; SHARE_LEN],
    server_share: &[u8; SHARE_LEN],
    transcript_hash: Option<[u8; 32]>,
) -> TrafficKeys {
    hybrid_traffic_keys(
        schedule,
        shared_secret,
        client_share,
        server_share,
        transcript_hash,
    )
}

/// [`traffic_keys`] for a shared secret of any length: the 64 bytes of
/// Lesson 19's hybrid key exchange (ML-KEM-768's key, then X25519's), the
/// key schedule's input where X25519's 32 were. The randoms of the TLS 1.2
/// PRF stay the two X25519 shares.
pub fn hybrid_traffic_keys(
    schedule: KeySchedule,
    shared_secret: &[u8],
    client_share: &[u8; SHARE_LEN],
    server_share: &[u8; SHARE_LEN],
    transcript_hash: Option<[u8; 32]>,
) -> TrafficKeys {
    let secrets = schedule::derive(
        schedule,
        &Inputs {
            shared_secret,
            client_share,
            server_share,
            transcript_hash,
        },
    );
    TrafficKeys {
        client_write_key: *secrets.client_write.key,
        client_write_iv: *secrets.client_write.iv,
        server_write_key: *secrets.server_write.key,
        server_write_iv: *secrets.server_write.iv,
    }
}

/// The nonce of record number `counter` under `iv`, as [`Session`] computes it.
pub fn record_nonce(iv: &[u8; NONCE_LEN], counter: u64) -> [u8; NONCE_LEN] {
    crate::record::nonce(iv, counter)
}

/// The client's end of a session with these keys.
pub fn client_session(keys: &TrafficKeys) -> Session {
    Session::new(&secrets(keys), Side::Client)
}

/// The server's end of a session with these keys.
pub fn server_session(keys: &TrafficKeys) -> Session {
    Session::new(&secrets(keys), Side::Server)
}

fn secrets(keys: &TrafficKeys) -> SessionSecrets {
    let direction = |key: &[u8; KEY_LEN], iv: &[u8; NONCE_LEN]| TrafficSecrets {
        key: Zeroizing::new(*key),
        iv: Zeroizing::new(*iv),
    };
    SessionSecrets {
        client_write: direction(&keys.client_write_key, &keys.client_write_iv),
        server_write: direction(&keys.server_write_key, &keys.server_write_iv),
    }
}

/// Bytes a party signs, as the handshakes build them.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedBytes {
    bytes: [u8; MAX_SIGNED_LEN],
    len: usize,
}

/// The longest signed content: 64 bytes of padding, a context of at most
/// 64 bytes, the 0x00 separator and a 32-byte hash.
pub const MAX_SIGNED_LEN: usize = 64 + 64 + 1 + 32;

impl SignedBytes {
    /// The bytes to sign.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl core::fmt::Debug for SignedBytes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SignedBytes({})", crate::hex::Hex(self.as_bytes()))
    }
}

/// What a party signs under the transcript binding,
/// `0x20 x 64 || context || 0x00 || transcript_hash`, built by the code the
/// handshakes use. `None` for a context longer than 64 bytes (no
/// handshake context is).
pub fn transcript_signed_content(
    context: &[u8],
    transcript_hash: &[u8; 32],
) -> Option<SignedBytes> {
    if context.len() > 64 {
        return None;
    }
    let signed = SignedContent::transcript(context, transcript_hash);
    let mut bytes = [0u8; MAX_SIGNED_LEN];
    let len = signed.as_bytes().len();
    bytes[..len].copy_from_slice(signed.as_bytes());
    Some(SignedBytes { bytes, len })
}

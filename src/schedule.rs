//! The key schedule: from one X25519 shared secret to four traffic secrets.
//!
//! ```text
//! PRK = HKDF-Extract(salt, shared_secret)                    RFC 5869 section 2.2
//!     salt = SHA-256(all handshake bytes)   (transcript binding)
//!     salt = none, i.e. 32 zero bytes       (lesson11 binding, as taught)
//! client_write_key = HKDF-Expand(PRK, "learn-mtls v1 client write key", 32)
//! client_write_iv  = HKDF-Expand(PRK, "learn-mtls v1 client write iv", 12)
//! server_write_key = HKDF-Expand(PRK, "learn-mtls v1 server write key", 32)
//! server_write_iv  = HKDF-Expand(PRK, "learn-mtls v1 server write iv", 12)
//! ```
//!
//! One key and one IV per direction, so the two directions never share a
//! (key, nonce) pair even though both count records from zero.

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::record::{KEY_LEN, NONCE_LEN};

/// HKDF-Expand info for the key that seals client-to-server records.
pub const CLIENT_WRITE_KEY_LABEL: &[u8] = b"learn-mtls v1 client write key";
/// HKDF-Expand info for the client-to-server nonce base.
pub const CLIENT_WRITE_IV_LABEL: &[u8] = b"learn-mtls v1 client write iv";
/// HKDF-Expand info for the key that seals server-to-client records.
pub const SERVER_WRITE_KEY_LABEL: &[u8] = b"learn-mtls v1 server write key";
/// HKDF-Expand info for the server-to-client nonce base.
pub const SERVER_WRITE_IV_LABEL: &[u8] = b"learn-mtls v1 server write iv";

/// The secrets for one direction of traffic. Wiped on drop.
pub(crate) struct TrafficSecrets {
    pub(crate) key: Zeroizing<[u8; KEY_LEN]>,
    pub(crate) iv: Zeroizing<[u8; NONCE_LEN]>,
}

/// Both directions' secrets, as derived by either side.
pub(crate) struct SessionSecrets {
    pub(crate) client_write: TrafficSecrets,
    pub(crate) server_write: TrafficSecrets,
}

/// Runs the schedule above. `transcript_hash` is `None` under the lesson11
/// binding, which keys the session from the shared secret alone.
pub(crate) fn derive(
    shared_secret: &[u8; 32],
    transcript_hash: Option<&[u8; 32]>,
) -> SessionSecrets {
    let salt = transcript_hash.map(|hash| &hash[..]);
    let prk = Hkdf::<Sha256>::new(salt, shared_secret);
    let expand = |key_label: &[u8], iv_label: &[u8]| {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        let mut iv = Zeroizing::new([0u8; NONCE_LEN]);
        // HKDF-SHA256 can expand up to 255 * 32 bytes; 32 and 12 always fit.
        let key_ok = prk.expand(key_label, &mut key[..]).is_ok();
        let iv_ok = prk.expand(iv_label, &mut iv[..]).is_ok();
        debug_assert!(
            key_ok && iv_ok,
            "HKDF output lengths are constants below the limit"
        );
        TrafficSecrets { key, iv }
    };
    SessionSecrets {
        client_write: expand(CLIENT_WRITE_KEY_LABEL, CLIENT_WRITE_IV_LABEL),
        server_write: expand(SERVER_WRITE_KEY_LABEL, SERVER_WRITE_IV_LABEL),
    }
}

//! The key schedule: from one X25519 shared secret to four traffic secrets.
//!
//! Two schedules are available; both ends must pick the same one.
//!
//! **HKDF** (the default, Lessons 10 and 11), in the manner of TLS 1.3:
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
//! **TLS 1.2 PRF** (Lesson 12), exactly as TLS 1.2 would with
//! TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, treating the shared secret
//! as the pre-master secret and the two ephemeral shares as the randoms:
//!
//! ```text
//! master_secret = PRF(shared_secret, "master secret",
//!                     client_share + server_share)[0..48]      (lesson11 binding)
//! master_secret = PRF(shared_secret, "extended master secret",
//!                     SHA-256(all handshake bytes))[0..48]     (transcript binding, RFC 7627)
//! key_block     = PRF(master_secret, "key expansion", server_share + client_share)
//!               = client_write_key (32) || server_write_key (32)
//!                 || client_write_iv (12) || server_write_iv (12)
//! ```
//!
//! Ranges are Rust's, end excluded: `[0..48]` is the first 48 bytes, which
//! RFC 5246 writes `[0..47]`.
//!
//! Either way there is one key and one IV per direction, so the two
//! directions never share a (key, nonce) pair even though both count
//! records from zero.

use core::fmt;

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::aead::{KEY_LEN, NONCE_LEN};
use crate::tls12::{self, KeyBlockLayout};
use crate::wire::SHARE_LEN;

/// HKDF-Expand info for the key that seals client-to-server records.
pub const CLIENT_WRITE_KEY_LABEL: &[u8] = b"learn-mtls v1 client write key";
/// HKDF-Expand info for the client-to-server nonce base.
pub const CLIENT_WRITE_IV_LABEL: &[u8] = b"learn-mtls v1 client write iv";
/// HKDF-Expand info for the key that seals server-to-client records.
pub const SERVER_WRITE_KEY_LABEL: &[u8] = b"learn-mtls v1 server write key";
/// HKDF-Expand info for the server-to-client nonce base.
pub const SERVER_WRITE_IV_LABEL: &[u8] = b"learn-mtls v1 server write iv";

/// Which function turns the shared secret into traffic keys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum KeySchedule {
    /// HKDF-SHA256 extract-then-expand, as TLS 1.3 does (RFC 5869).
    #[default]
    Hkdf,
    /// The TLS 1.2 PRF with SHA-256 (RFC 5246 section 5), master secret
    /// and key block as for a ChaCha20-Poly1305 suite.
    Tls12Prf,
}

impl KeySchedule {
    /// The name used on command lines: `hkdf` or `tls12-prf`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Hkdf => "hkdf",
            Self::Tls12Prf => "tls12-prf",
        }
    }
}

impl fmt::Display for KeySchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A schedule name that is neither `hkdf` nor `tls12-prf`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownSchedule;

impl fmt::Display for UnknownSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown key schedule: expected `hkdf` or `tls12-prf`")
    }
}

impl core::error::Error for UnknownSchedule {}

impl core::str::FromStr for KeySchedule {
    type Err = UnknownSchedule;
    fn from_str(name: &str) -> Result<Self, UnknownSchedule> {
        match name {
            "hkdf" => Ok(Self::Hkdf),
            "tls12-prf" => Ok(Self::Tls12Prf),
            _ => Err(UnknownSchedule),
        }
    }
}

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

/// What the schedule is computed from.
pub(crate) struct Inputs<'a> {
    /// 32 bytes from X25519, 64 from the hybrid key exchange.
    pub(crate) shared_secret: &'a [u8],
    pub(crate) client_share: &'a [u8; SHARE_LEN],
    pub(crate) server_share: &'a [u8; SHARE_LEN],
    /// SHA-256 of every handshake byte under the transcript binding;
    /// `None` under the lesson11 binding.
    pub(crate) transcript_hash: Option<[u8; 32]>,
}

/// Runs the chosen schedule.
pub(crate) fn derive(schedule: KeySchedule, inputs: &Inputs<'_>) -> SessionSecrets {
    match schedule {
        KeySchedule::Hkdf => hkdf(inputs),
        KeySchedule::Tls12Prf => tls12_prf(inputs),
    }
}

fn hkdf(inputs: &Inputs<'_>) -> SessionSecrets {
    let salt = inputs.transcript_hash.as_ref().map(|hash| &hash[..]);
    let prk = Hkdf::<Sha256>::new(salt, inputs.shared_secret);
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

/// The ChaCha20-Poly1305 layout: no MAC keys, 32-byte keys, 12-byte IVs (RFC 7905).
const LAYOUT: KeyBlockLayout = KeyBlockLayout::ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256;

fn tls12_prf(inputs: &Inputs<'_>) -> SessionSecrets {
    let master = match &inputs.transcript_hash {
        None => tls12::master_secret::<Sha256>(
            inputs.shared_secret,
            inputs.client_share,
            inputs.server_share,
        ),
        Some(session_hash) => {
            tls12::extended_master_secret::<Sha256>(inputs.shared_secret, &(*session_hash).into())
        }
    };
    let block =
        tls12::key_block::<Sha256>(&master, inputs.client_share, inputs.server_share, LAYOUT);
    let secrets = |key: &[u8], iv: &[u8]| {
        let mut traffic = TrafficSecrets {
            key: Zeroizing::new([0u8; KEY_LEN]),
            iv: Zeroizing::new([0u8; NONCE_LEN]),
        };
        // LAYOUT fixes these lengths at exactly KEY_LEN and NONCE_LEN.
        traffic.key.copy_from_slice(key);
        traffic.iv.copy_from_slice(iv);
        traffic
    };
    SessionSecrets {
        client_write: secrets(block.client_write_key(), block.client_write_iv()),
        server_write: secrets(block.server_write_key(), block.server_write_iv()),
    }
}

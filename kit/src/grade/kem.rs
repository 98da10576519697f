//! The hybrid key exchange of Lesson 19 (`--kex x25519-mlkem768`), written
//! again from `lessons/19-post-quantum.md`'s specification with the
//! primitive crates `ml-kem` and `x25519-dalek`: the graders' yardstick for
//! it. Nothing here calls the library's `kex` module.
//!
//! ```text
//! M1 = encapsulation_key (1184) || client_share (32)                      1,216 bytes
//! M2 = ciphertext (1088) || server_share (32) || server_signature (64)    1,184 bytes
//! shared_secret = ml_kem_key (32) || x25519_secret (32)                   64 bytes
//! ```

use learn_mtls::kex::Kex;
use ml_kem::kem::{Decapsulate, KeyExport};
use ml_kem::{DecapsulationKey, EncapsulationKey, MlKem768};

use super::spec::{self, SHARE_LEN};

/// An ML-KEM-768 encapsulation key: 384 x 3 12-bit coefficients packed in
/// bytes `0..1152`, then the 32-byte seed `rho`.
pub const ENCAPSULATION_KEY_LEN: usize = 1184;
/// The bytes of an encapsulation key that hold coefficients.
pub const COEFFICIENT_BYTES: usize = 1152;
/// An ML-KEM-768 ciphertext.
pub const CIPHERTEXT_LEN: usize = 1088;
/// ML-KEM's modulus: every coefficient of an encapsulation key is below it.
pub const Q: u16 = 3329;

/// The secrets a key exchange gave one side, kept apart so that a
/// diagnosis can try the combinations a peer may have used by mistake.
#[derive(Clone, Copy)]
pub struct Secrets {
    /// `X25519(own secret, peer share)`.
    pub x25519: [u8; 32],
    /// ML-KEM-768's shared key (hybrid only).
    pub ml_kem: Option<[u8; 32]>,
}

impl Secrets {
    /// The key schedule's input: `x25519_secret` (classical), or
    /// `ml_kem_key || x25519_secret` (hybrid, ML-KEM first).
    pub fn combined(&self) -> Vec<u8> {
        match self.ml_kem {
            None => self.x25519.to_vec(),
            Some(ml_kem) => [&ml_kem[..], &self.x25519].concat(),
        }
    }

    /// Wrong inputs a hybrid peer might have fed its key schedule instead,
    /// each with what it means: none for the classical key exchange.
    pub fn mistakes(&self) -> Vec<(Vec<u8>, &'static str)> {
        let Some(ml_kem) = self.ml_kem else {
            return Vec::new();
        };
        vec![
            (
                self.x25519.to_vec(),
                "the X25519 secret alone: the ML-KEM shared key was dropped",
            ),
            (
                ml_kem.to_vec(),
                "the ML-KEM shared key alone: the X25519 secret was dropped",
            ),
            (
                [&self.x25519[..], &ml_kem].concat(),
                "X25519 secret || ML-KEM key: the halves are swapped (ML-KEM comes first)",
            ),
        ]
    }
}

/// The offset of the client's X25519 share in message 1.
pub fn client_share(m1: &[u8]) -> [u8; 32] {
    let mut share = [0u8; SHARE_LEN];
    share.copy_from_slice(&m1[m1.len() - SHARE_LEN..]);
    share
}

/// Message 2 without its 64-byte signature: `server_reply`, what the
/// server contributes (its share, or the ciphertext and its share).
pub fn server_reply(m2: &[u8]) -> &[u8] {
    &m2[..m2.len() - 64]
}

/// The server's X25519 share: the last 32 bytes of `server_reply`.
pub fn server_share(m2: &[u8]) -> [u8; 32] {
    client_share(server_reply(m2))
}

/// The `index`-th 12-bit coefficient of an encapsulation key (FIPS 203
/// ByteDecode_12: two coefficients per 3 bytes, little-endian).
pub fn coefficient(ek: &[u8], index: usize) -> u16 {
    let at = index / 2 * 3;
    let (a, b, c) = (
        u16::from(ek[at]),
        u16::from(ek[at + 1]),
        u16::from(ek[at + 2]),
    );
    if index % 2 == 0 {
        a | ((b & 0x0f) << 8)
    } else {
        (b >> 4) | (c << 4)
    }
}

/// Writes `value` (12 bits) as the `index`-th coefficient.
pub fn set_coefficient(ek: &mut [u8], index: usize, value: u16) {
    let at = index / 2 * 3;
    if index % 2 == 0 {
        ek[at] = value as u8;
        ek[at + 1] = (ek[at + 1] & 0xf0) | ((value >> 8) as u8 & 0x0f);
    } else {
        ek[at + 1] = (ek[at + 1] & 0x0f) | ((value as u8 & 0x0f) << 4);
        ek[at + 2] = (value >> 4) as u8;
    }
}

/// The first coefficient of `ek` that is not below q, if any: FIPS 203
/// section 7.2's encapsulation key check, done by hand.
pub fn bad_coefficient(ek: &[u8]) -> Option<(usize, u16)> {
    (0..COEFFICIENT_BYTES / 3 * 2)
        .map(|i| (i, coefficient(ek, i)))
        .find(|(_, c)| *c >= Q)
}

/// What the client keeps between message 1 and message 2.
pub struct Offer {
    /// Message 1 as sent.
    pub m1: Vec<u8>,
    x25519: [u8; 32],
    ml_kem: Option<DecapsulationKey<MlKem768>>,
}

/// The client's first move: fresh secrets and message 1 for `kex`.
pub fn offer(kex: Kex) -> Offer {
    let (x25519, share) = spec::ephemeral();
    match kex {
        Kex::X25519 => Offer {
            m1: share.to_vec(),
            x25519,
            ml_kem: None,
        },
        Kex::X25519MlKem768 => {
            // KeyGen from 64 fresh random bytes d || z (FIPS 203 Algorithm 19).
            let seed: [u8; 64] = [spec::random32(), spec::random32()]
                .concat()
                .try_into()
                .expect("64 bytes");
            let dk = DecapsulationKey::<MlKem768>::from_seed(seed.into());
            let ek = dk.encapsulation_key().to_bytes();
            Offer {
                m1: [&ek[..], &share].concat(),
                x25519,
                ml_kem: Some(dk),
            }
        }
    }
}

impl Offer {
    /// Message 1 with its X25519 share replaced by `share`.
    pub fn with_share(mut self, share: [u8; 32]) -> Self {
        let at = self.m1.len() - SHARE_LEN;
        self.m1[at..].copy_from_slice(&share);
        self
    }

    /// The client's secrets from message 2 (signature already checked):
    /// X25519 with the server's share, and (hybrid) ML-KEM's Decaps of the
    /// ciphertext, which never fails (implicit rejection).
    pub fn finish(&self, m2: &[u8]) -> Secrets {
        let x25519 = spec::agree(self.x25519, server_share(m2));
        let ml_kem = self.ml_kem.as_ref().map(|dk| {
            let ciphertext: [u8; CIPHERTEXT_LEN] =
                m2[..CIPHERTEXT_LEN].try_into().expect("a hybrid M2");
            let key = dk.decapsulate(&ciphertext.into());
            let mut out = [0u8; 32];
            out.copy_from_slice(&key);
            out
        });
        Secrets { x25519, ml_kem }
    }
}

/// The server's answer to message 1: `server_reply` (M2 without its
/// signature), with `share` as its X25519 share, and its secrets.
///
/// # Errors
/// For a hybrid M1 whose encapsulation key fails FIPS 203's check: the
/// coefficient's index and value.
pub fn answer(
    kex: Kex,
    m1: &[u8],
    (secret, share): ([u8; 32], [u8; 32]),
) -> Result<(Vec<u8>, Secrets), (usize, u16)> {
    let x25519 = spec::agree(secret, client_share(m1));
    match kex {
        Kex::X25519 => Ok((
            share.to_vec(),
            Secrets {
                x25519,
                ml_kem: None,
            },
        )),
        Kex::X25519MlKem768 => {
            let ek_bytes = &m1[..ENCAPSULATION_KEY_LEN];
            if let Some(bad) = bad_coefficient(ek_bytes) {
                return Err(bad);
            }
            let ek = EncapsulationKey::<MlKem768>::new(ek_bytes.try_into().expect("1184 bytes"))
                .map_err(|_| (0, 0))?;
            // Encaps with 32 fresh random bytes m (FIPS 203 Algorithm 20).
            let (ciphertext, key) = ek.encapsulate_deterministic(&spec::random32().into());
            let mut ml_kem = [0u8; 32];
            ml_kem.copy_from_slice(&key);
            Ok((
                [&ciphertext[..], &share].concat(),
                Secrets {
                    x25519,
                    ml_kem: Some(ml_kem),
                },
            ))
        }
    }
}

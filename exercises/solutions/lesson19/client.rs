//! Exercise 19.2: the hybrid client's key exchange, message 1 to the
//! shared secret.
//!
//! Lesson: `lessons/19-post-quantum.md#build-it-yourself` ("Build it yourself").
//!
//! ```text
//! -> M1 = encapsulation_key (1184) || client_share (32)
//!         (dk, ek) = ML-KEM.KeyGen(d || z);  client_share = X25519(x25519_secret, 9)
//! <- M2 = ciphertext (1088) || server_share (32) || server_signature (64)
//!         x25519_secret' = X25519(x25519_secret, server_share), refused if all zeros
//!         ml_kem_key = ML-KEM.Decaps(dk, ciphertext)      (never fails)
//!         shared_secret = ml_kem_key || x25519_secret'     (19.1)
//! ```
//!
//! `offer` makes message 1 from the client's fresh randomness, given to it
//! (64 bytes of ML-KEM seed `d || z`, 32 bytes of X25519 secret) so that
//! the check can compare your message 1 with the library's byte for byte;
//! `finish` turns message 2 into the 64-byte shared secret. The server's
//! signature is checked before `finish` (the check does it): this
//! exercise is the key exchange only.
//!
//! This exercise calls your 10.1 and 19.1: do them first.
//! Check it: `cargo course check 19.2`; stuck: `cargo course hint 19.2`.
//!
//! # What it uses
//!
//! - [`DecapsulationKey`]`::<`[`MlKem768`]`>::from_seed((*ml_kem_seed).into())`:
//!   ML-KEM-768's KeyGen from `d || z`; `.encapsulation_key().to_bytes()`
//!   is the 1,184-byte key for message 1 ([`KeyExport`] brings `to_bytes`
//!   into scope); `.decapsulate(&ciphertext.into())` ([`Decapsulate`]) the
//!   32-byte key, as an array you can copy from.
//! - [`HybridClientHello`] `{ encapsulation_key, share }` and
//!   [`HybridServerHello`] `{ ciphertext, share, signature }`: messages 1
//!   and 2, fields in wire order.
//! - [`public_share`]: `X25519(secret, 9)`.
//! - [`shared_secret`] (your 10.1) and [`hybrid_shared_secret`] (your 19.1).

use learn_mtls::handshake::HandshakeError;
use learn_mtls::wire::{HybridClientHello, HybridServerHello};
use ml_kem::kem::{Decapsulate, KeyExport};
use ml_kem::{DecapsulationKey, MlKem768};
use zeroize::Zeroizing;

use super::combiner::hybrid_shared_secret;
use crate::lesson10::shared_secret::shared_secret;
use crate::support::public_share;

/// What the client keeps between message 1 and message 2: both ephemeral
/// secrets (the decapsulation key wipes itself when dropped).
pub struct HybridClient {
    decapsulation_key: DecapsulationKey<MlKem768>,
    x25519_secret: Zeroizing<[u8; 32]>,
}

impl HybridClient {
    /// Message 1, and the secrets to finish with, from the seed `d || z` of
    /// ML-KEM-768's key generation and the X25519 ephemeral secret.
    pub fn offer(ml_kem_seed: &[u8; 64], x25519_secret: &[u8; 32]) -> (Self, HybridClientHello) {
        let decapsulation_key = DecapsulationKey::<MlKem768>::from_seed((*ml_kem_seed).into());
        let mut encapsulation_key = [0u8; 1184];
        encapsulation_key.copy_from_slice(&decapsulation_key.encapsulation_key().to_bytes());
        let hello = HybridClientHello {
            encapsulation_key,
            share: public_share(x25519_secret),
        };
        let client = Self {
            decapsulation_key,
            x25519_secret: Zeroizing::new(*x25519_secret),
        };
        (client, hello)
    }

    /// The 64-byte shared secret from message 2 (its signature already
    /// checked): X25519 first, refusing a low-order share, then Decaps,
    /// then the combiner.
    ///
    /// # Errors
    /// [`HandshakeError::NonContributoryShare`] for a low-order server share.
    pub fn finish(
        self,
        server_hello: &HybridServerHello,
    ) -> Result<Zeroizing<[u8; 64]>, HandshakeError> {
        let x25519 = shared_secret(&self.x25519_secret, &server_hello.share)?;
        let key = self
            .decapsulation_key
            .decapsulate(&server_hello.ciphertext.into());
        let mut ml_kem_key = Zeroizing::new([0u8; 32]);
        ml_kem_key.copy_from_slice(&key);
        hybrid_shared_secret(&ml_kem_key, &x25519)
    }
}

//! Exercise 19.1: the hybrid combiner, the 64-byte shared secret.
//!
//! Lesson: `lessons/19-post-quantum.md#build-it-yourself` ("Build it yourself").
//!
//! ```text
//! shared_secret = ml_kem_key (32) || x25519_secret (32)       64 bytes, ML-KEM first
//! ```
//!
//! The order is `X25519MLKEM768`'s: ML-KEM's key first, then X25519's
//! secret. The 64 bytes go to the key schedule where Lesson 11's 32 went.
//! An all-zero X25519 secret means the peer sent a low-order share: refuse
//! it with `HandshakeError::NonContributoryShare`, in constant time, as in
//! exercise 10.1. (ML-KEM's key is never checked: Decaps has no failure.)
//!
//! Check it: `cargo course check 19.1`; stuck: `cargo course hint 19.1`.
//!
//! # What it uses
//!
//! - [`HandshakeError::NonContributoryShare`]: the error for an all-zero
//!   X25519 secret.
//! - [`Zeroizing`]: `Zeroizing::new([0u8; 64])` holds the result and wipes
//!   it when dropped; fill it through `&mut secret[..32]` and `[32..]`.
//! - [`ConstantTimeEq`]: `a.ct_eq(&b)` compares in constant time;
//!   `bool::from(choice)` reads the result.

#![allow(
    unused_imports,
    unused_variables,
    dead_code,
    reason = "a stub: the body is todo!() until you write it"
)]

use learn_mtls::handshake::HandshakeError;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// `ml_kem_key || x25519_secret`, or `NonContributoryShare` if the X25519
/// secret is all zeros.
///
/// # Errors
/// [`HandshakeError::NonContributoryShare`] for an all-zero `x25519_secret`.
pub fn hybrid_shared_secret(
    ml_kem_key: &[u8; 32],
    x25519_secret: &[u8; 32],
) -> Result<Zeroizing<[u8; 64]>, HandshakeError> {
    todo!("19.1: refuse an all-zero X25519 secret, then ML-KEM's key || X25519's")
}

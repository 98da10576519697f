//! Exercise 12.1: `P_hash`, a stream of bytes from HMAC.
//!
//! Lesson: `lessons/12-tls12-prf.md#1-p_hash-a-stream-of-bytes-from-hmac` ("1. P_hash: a stream of bytes from HMAC").
//!
//! ```text
//! A(0) = seed
//! A(i) = HMAC_hash(secret, A(i-1))
//! P_hash(secret, seed) = HMAC_hash(secret, A(1) + seed) +
//!                        HMAC_hash(secret, A(2) + seed) + ...      RFC 5246 section 5
//! ```
//!
//! Fill `out` completely: each HMAC-SHA256 gives 32 bytes, and the last
//! block is cut to fit. Here the hash is SHA-256.
//!
//! Useful: `hmac::Hmac::<sha2::Sha256>::new_from_slice(secret)` (trait
//! `hmac::KeyInit`), then `update` and `finalize().into_bytes()` (trait
//! `hmac::Mac`); `out.chunks_mut(32)`.
//! Check it: `cargo course check 12.1`; stuck: `cargo course hint 12.1`.
//!
//! # What it uses
//!
//! - Nothing from the library. From `hmac`: [`Hmac`]`::<Sha256>::new_from_slice(secret)`
//!   ([`KeyInit`]) gives a MAC (it accepts a secret of any length); `update(bytes)`
//!   feeds it and `finalize().into_bytes()` gives the 32 bytes ([`Mac`]).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

/// `P_SHA256(secret, seed)`, as many bytes as `out` holds.
pub fn p_hash(secret: &[u8], seed: &[u8], out: &mut [u8]) {
    let hmac = |parts: &[&[u8]]| -> Zeroizing<[u8; 32]> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
        for part in parts {
            mac.update(part);
        }
        Zeroizing::new(mac.finalize().into_bytes().into())
    };
    // A(1) = HMAC(secret, A(0)), A(0) = seed
    let mut a = hmac(&[seed]);
    for block in out.chunks_mut(32) {
        let output = hmac(&[&a[..], seed]);
        block.copy_from_slice(&output[..block.len()]);
        // A(i + 1) = HMAC(secret, A(i))
        a = hmac(&[&a[..]]);
    }
}

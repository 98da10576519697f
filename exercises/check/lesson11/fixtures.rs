//! Fixtures the Lesson 11 checks share: names, keys, and a key that is not
//! a point.

pub(super) use crate::harness::{key, name};

/// 32 bytes that are not the encoding of any Ed25519 point.
pub(super) fn not_a_point() -> [u8; 32] {
    (2u8..)
        .map(|y| {
            let mut bytes = [0u8; 32];
            bytes[0] = y;
            bytes
        })
        .find(|bytes| ed25519_dalek::VerifyingKey::from_bytes(bytes).is_err())
        .expect("some small y is not on the curve")
}

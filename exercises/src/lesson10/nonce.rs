//! Exercise 10.3: the nonce of each record.
//!
//! Lesson: `lessons/10-server-authentication.md#from-the-shared-secret-to-encrypted-records` ("From the shared secret to encrypted records");
//! the exact bytes: `lessons/11-specification.md#records` ("Records").
//!
//! ```text
//! nonce = write_iv XOR (0^4 || counter as 8 bytes big-endian)   RFC 8446 section 5.3
//! ```
//!
//! The counter starts at 0 and counts the records sent in one direction;
//! it is never sent. Its 8 big-endian bytes line up with the last 8 bytes
//! of the 12-byte IV; the first 4 bytes of the IV pass through unchanged.
//!
//! Useful: `u64::to_be_bytes`.
//! Check it: `cargo course check 10.3`; stuck: `cargo course hint 10.3`.
//!
//! # What it uses
//!
//! - Nothing from the library: the 12-byte IV, and `u64::to_be_bytes`
//!   (8 bytes, most significant first).
#![allow(
    unused_imports,
    unused_variables,
    dead_code,
    reason = "a stub: the body is todo!() until you write it"
)]

/// The nonce of record number `counter` sealed under `iv`.
pub fn record_nonce(iv: &[u8; 12], counter: u64) -> [u8; 12] {
    todo!("10.3: XOR the counter, 8 bytes big-endian, into the last 8 bytes of the IV")
}

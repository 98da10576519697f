//! Exercise 12.2: the TLS 1.2 PRF: `P_hash` with a label in front.
//!
//! Lesson: `lessons/12-tls12-prf.md#2-the-prf-p_hash-with-a-label-in-front` ("2. The PRF: P_hash with a label in front").
//!
//! ```text
//! PRF(secret, label, seed) = P_SHA256(secret, label + seed)      RFC 5246 section 5
//! ```
//!
//! The label is ASCII, with no length byte and no trailing zero.
//! Use your `p_hash` (12.1).
//! Check it: `cargo course check 12.2`; stuck: `cargo course hint 12.2`.
//!
//! # What it uses
//!
//! - Nothing from the library: your `p_hash` (12.1).
#![allow(
    unused_imports,
    unused_variables,
    dead_code,
    reason = "a stub: the body is todo!() until you write it"
)]

use super::p_hash::p_hash;

/// `PRF(secret, label, seed)` with SHA-256, as many bytes as `out` holds.
pub fn prf(secret: &[u8], label: &[u8], seed: &[u8], out: &mut [u8]) {
    todo!("12.2: P_hash over the label followed by the seed")
}

//! Exercise 10.2: the key schedule, from the shared secret to four traffic secrets.
//!
//! Lesson: `lessons/10-server-authentication.md#from-the-shared-secret-to-encrypted-records` ("From the shared secret to encrypted records");
//! the exact bytes: `lessons/11-specification.md#the-key-schedule` ("The key schedule").
//!
//! ```text
//! PRK = HKDF-Extract(salt, shared_secret)          RFC 5869 section 2.2
//!     salt = none (32 zero bytes)        under the lesson11 binding
//!     salt = SHA-256(every handshake byte) under the transcript binding
//! client_write_key = HKDF-Expand(PRK, "learn-mtls v1 client write key", 32)
//! client_write_iv  = HKDF-Expand(PRK, "learn-mtls v1 client write iv", 12)
//! server_write_key = HKDF-Expand(PRK, "learn-mtls v1 server write key", 32)
//! server_write_iv  = HKDF-Expand(PRK, "learn-mtls v1 server write iv", 12)
//! ```
//!
//! `transcript_hash` is the salt: `None` under the lesson11 binding. The
//! four labels are also constants in `learn_mtls::schedule`.
//!
//! Useful: `hkdf::Hkdf::<sha2::Sha256>::new(salt, ikm)` (extract) and its
//! `expand(info, &mut out)`.
//! Check it: `cargo course check 10.2`; stuck: `cargo course hint 10.2`.
//!
//! # What it uses
//!
//! - [`TrafficKeys`]: what you return; four public fields, no constructor
//!   (write `TrafficKeys { client_write_key: [0; 32], ... }`, then fill them):
//!   - `client_write_key: [u8; 32]`: seals what the client sends;
//!   - `client_write_iv: [u8; 12]`: the nonce base for what the client sends;
//!   - `server_write_key: [u8; 32]`: seals what the server sends;
//!   - `server_write_iv: [u8; 12]`: the nonce base for what the server sends.
//! - [`CLIENT_WRITE_KEY_LABEL`], [`CLIENT_WRITE_IV_LABEL`],
//!   [`SERVER_WRITE_KEY_LABEL`], [`SERVER_WRITE_IV_LABEL`]: the `info` of
//!   each expansion, one per field, in that order.
//! - [`Hkdf`]: `Hkdf::<Sha256>::new(salt, shared_secret)` extracts (`salt`
//!   is an `Option<&[u8]>`); `expand(info, &mut out)` fills `out` and
//!   returns a `Result` that fails only for an output far longer than these.
#![allow(
    unused_imports,
    unused_variables,
    dead_code,
    reason = "a stub: the body is todo!() until you write it"
)]

use hkdf::Hkdf;
use learn_mtls::raw::TrafficKeys;
use learn_mtls::schedule::{
    CLIENT_WRITE_IV_LABEL, CLIENT_WRITE_KEY_LABEL, SERVER_WRITE_IV_LABEL, SERVER_WRITE_KEY_LABEL,
};
use sha2::Sha256;

/// HKDF-Extract with `transcript_hash` as the salt, then the four labelled expansions.
pub fn key_schedule(shared_secret: &[u8; 32], transcript_hash: Option<&[u8; 32]>) -> TrafficKeys {
    todo!("10.2: HKDF-Extract with the right salt, then four HKDF-Expand calls")
}

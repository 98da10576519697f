//! Exercise 12.3: the master secret.
//!
//! Lesson: `lessons/12-tls12-prf.md#3-the-four-uses` ("3. The four uses").
//!
//! ```text
//! master_secret = PRF(pre_master_secret, "master secret",
//!                     client_random + server_random), 48 bytes    RFC 5246 section 8.1
//! ```
//!
//! The client's random comes first here (the key block, 12.5, puts it
//! second). In this course's handshake the pre-master secret is the X25519
//! shared secret and the randoms are the two ephemeral shares.
//! Useful: your `prf` (12.2), `learn_mtls::tls12::MASTER_SECRET_LABEL`.
//! Check it: `cargo course check 12.3`; stuck: `cargo course hint 12.3`.
//!
//! # What it uses
//!
//! - [`MASTER_SECRET_LABEL`]: the label, `b"master secret"`.
//! - [`Zeroizing`]: the 48 bytes you return, wiped on drop
//!   (`Zeroizing::new([0u8; 48])`, then fill `&mut master[..]`).
#![allow(
    unused_imports,
    unused_variables,
    dead_code,
    reason = "a stub: the body is todo!() until you write it"
)]

use learn_mtls::tls12::MASTER_SECRET_LABEL;
use zeroize::Zeroizing;

use super::prf::prf;

/// The 48-byte master secret from the pre-master secret and both randoms.
pub fn master_secret(
    pre_master_secret: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> Zeroizing<[u8; 48]> {
    todo!("12.3: PRF with \"master secret\", client random first, 48 bytes")
}

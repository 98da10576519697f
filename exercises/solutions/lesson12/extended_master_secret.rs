//! Exercise 12.4: the extended master secret (RFC 7627).
//!
//! Lesson: `lessons/12-tls12-prf.md#4-what-the-extended-master-secret-fixes` ("4. What the extended master secret fixes").
//!
//! ```text
//! master_secret = PRF(pre_master_secret, "extended master secret",
//!                     session_hash), 48 bytes                     RFC 7627 section 4
//! ```
//!
//! `session_hash` is the hash of every handshake message so far; in this
//! course's handshake under the transcript binding, SHA-256 of the
//! handshake bytes. Two connections get the same master secret only if
//! they saw the same messages.
//! Useful: your `prf` (12.2), `learn_mtls::tls12::EXTENDED_MASTER_SECRET_LABEL`.
//! Check it: `cargo course check 12.4`; stuck: `cargo course hint 12.4`.
//!
//! # What it uses
//!
//! - [`EXTENDED_MASTER_SECRET_LABEL`]: the label, `b"extended master secret"`.
//! - [`Zeroizing`]: the 48 bytes you return, wiped on drop.

use learn_mtls::tls12::EXTENDED_MASTER_SECRET_LABEL;
use zeroize::Zeroizing;

use super::prf::prf;

/// The 48-byte extended master secret.
pub fn extended_master_secret(
    pre_master_secret: &[u8],
    session_hash: &[u8; 32],
) -> Zeroizing<[u8; 48]> {
    let mut master = Zeroizing::new([0u8; 48]);
    prf(
        pre_master_secret,
        EXTENDED_MASTER_SECRET_LABEL,
        session_hash,
        &mut master[..],
    );
    master
}

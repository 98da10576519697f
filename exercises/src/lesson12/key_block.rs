//! Exercise 12.5: the key block, cut into its six pieces.
//!
//! Lesson: `lessons/12-tls12-prf.md#the-key-block-and-its-six-pieces` ("The key block and its six pieces");
//! and: `lessons/12-tls12-prf.md#why-the-randoms-swap-places` ("Why the randoms swap places").
//!
//! ```text
//! key_block = PRF(master_secret, "key expansion",
//!                 server_random + client_random)                  RFC 5246 section 6.3
//!           = client_write_MAC_key || server_write_MAC_key
//!          || client_write_key     || server_write_key
//!          || client_write_IV      || server_write_IV
//! ```
//!
//! The **server's** random comes first this time. The lengths come from
//! the cipher suite (`layout.mac_key_len()`, `enc_key_len()`,
//! `fixed_iv_len()`; `key_block_len()` is the total); for
//! ChaCha20-Poly1305 the MAC keys are empty.
//! Useful: your `prf` (12.2), `learn_mtls::tls12::KEY_EXPANSION_LABEL`.
//! Check it: `cargo course check 12.5`; stuck: `cargo course hint 12.5`.
//!
//! # What it uses
//!
//! - [`KEY_EXPANSION_LABEL`]: the label, `b"key expansion"`.
//! - [`KeyBlockLayout`]: the cipher suite's lengths: `mac_key_len()`,
//!   `enc_key_len()`, `fixed_iv_len()` (one piece each, the same for client
//!   and server); `key_block_len()`, all six together.
//! - [`KeyBlockPieces`] (above): what you return, one `Zeroizing<Vec<u8>>`
//!   per piece, in the key block's order.
#![allow(
    unused_imports,
    unused_variables,
    dead_code,
    reason = "a stub: the body is todo!() until you write it"
)]

use learn_mtls::tls12::{KEY_EXPANSION_LABEL, KeyBlockLayout};
use zeroize::Zeroizing;

use super::prf::prf;

/// The six pieces of a key block. Wiped on drop.
pub struct KeyBlockPieces {
    /// MAC key for what the client sends (empty for an AEAD suite).
    pub client_write_mac_key: Zeroizing<Vec<u8>>,
    /// MAC key for what the server sends (empty for an AEAD suite).
    pub server_write_mac_key: Zeroizing<Vec<u8>>,
    /// Encryption key for what the client sends.
    pub client_write_key: Zeroizing<Vec<u8>>,
    /// Encryption key for what the server sends.
    pub server_write_key: Zeroizing<Vec<u8>>,
    /// Fixed IV for what the client sends.
    pub client_write_iv: Zeroizing<Vec<u8>>,
    /// Fixed IV for what the server sends.
    pub server_write_iv: Zeroizing<Vec<u8>>,
}

/// Expands `master_secret` into the key block for `layout` and cuts it.
pub fn key_block(
    master_secret: &[u8; 48],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    layout: KeyBlockLayout,
) -> KeyBlockPieces {
    todo!("12.5: PRF with \"key expansion\", server random first; cut six pieces in order")
}

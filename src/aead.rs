//! The sizes of the record cipher, ChaCha20-Poly1305 (RFC 8439): what the
//! key schedule derives and what a record seals with.
//!
//! A module of its own so that the schedule, which makes keys of these
//! sizes, and the record layer, which uses them, both depend on it and not
//! on each other.

/// ChaCha20-Poly1305 key length.
pub const KEY_LEN: usize = 32;
/// ChaCha20-Poly1305 nonce length (RFC 8439 section 2.8).
pub const NONCE_LEN: usize = 12;
/// The Poly1305 authentication tag at the end of every record.
pub const TAG_LEN: usize = 16;

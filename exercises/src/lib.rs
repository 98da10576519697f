//! The learn-mtls exercises: one small file per exercise, each a function
//! with `todo!()` in its body, checked by `cargo course` (see
//! `exercises/README.md`). Everything around the stubs is the real library.
//!
//! - [`lesson10`]: the Lesson 10 client, piece by piece (10.1 to 10.6).
//! - [`lesson11`]: message 3, the server's checks, key lists, and a
//!   client and server of your own (11.1 to 11.5).
//! - [`lesson12`]: the TLS 1.2 PRF and what TLS 1.2 derives with it (12.1 to 12.6).
//! - [`lesson13`]: the attacks on Lesson 11, then the fix, in your own
//!   server (13.1 to 13.5).
//! - [`lesson15`]: certificates: the issuer's signature, the window, the
//!   chain walk, the revocation list, and a certified client of your own
//!   (15.1 to 15.5).
//! - [`lesson19`]: the hybrid key exchange: the combiner, and the
//!   client's encapsulation-key/decapsulation flow (19.1 and 19.2).
//! - [`support`]: small helpers the exercises use; not an exercise.
#![forbid(unsafe_code)]

pub mod support;

/// Lesson 10: the server proves who it is.
pub mod lesson10 {
    pub mod client;
    pub mod key_schedule;
    pub mod nonce;
    pub mod records;
    pub mod server_signature;
    pub mod shared_secret;
}

/// Lesson 11: mutual authentication.
pub mod lesson11 {
    pub mod authorized_keys;
    pub mod check_client_auth;
    pub mod client;
    pub mod client_auth;
    pub mod revocation;
    pub mod server;
}

/// Lesson 12: the TLS 1.2 PRF.
pub mod lesson12 {
    pub mod extended_master_secret;
    pub mod key_block;
    pub mod master_secret;
    pub mod p_hash;
    pub mod prf;
    pub mod verify_data;
}

/// Lesson 13: breaking Lesson 11, and the fix.
pub mod lesson13 {
    pub mod key_confirmation;
    pub mod misbinding;
    pub mod replay;
    pub mod server;
    pub mod signed_content;
}

/// Lesson 15: certificates.
pub mod lesson15 {
    pub mod chain;
    pub mod client;
    pub mod crl;
    pub mod issuer_signature;
    pub mod validity;
}

/// Lesson 19: post-quantum, the hybrid handshake.
pub mod lesson19 {
    pub mod client;
    pub mod combiner;
}

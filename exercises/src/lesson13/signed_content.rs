//! Exercise 13.3: the fix, part 1: what the transcript binding signs.
//!
//! Lesson: `lessons/13-breaking-lesson-11.md#6-why-the-transcript-binding-holds` ("6. Why the transcript binding holds");
//! the exact bytes: `lessons/11-specification.md#what-is-signed-the-two-bindings` ("What is signed: the two bindings").
//!
//! Under the transcript binding a signature covers a hash of the
//! handshake so far, behind a context string that names the protocol and
//! the role, as TLS 1.3's CertificateVerify does:
//!
//! ```text
//! signed = 0x20 x 64          (64 space bytes)
//!       || context            (for example "learn-mtls v1 mutual, client signature")
//!       || 0x00               (one zero byte)
//!       || transcript_hash    (32 bytes)
//! ```
//!
//! The client signs it with `MUTUAL_CLIENT_CONTEXT` and
//! `SHA-256(message 1 || message 2 || client_key)`; the server with
//! `MUTUAL_SERVER_CONTEXT` and `SHA-256(message 1 || server_share)`. Your
//! 13.5 server uses this function for both. Contexts are at most 64 bytes.
//! Check it: `cargo course check 13.3`; stuck: `cargo course hint 13.3`.
//!
//! # What it uses
//!
//! - Nothing from the library: the bytes, in a `Vec<u8>`. Your 13.5 calls
//!   it with [`learn_mtls::handshake::MUTUAL_CLIENT_CONTEXT`] and
//!   [`learn_mtls::handshake::MUTUAL_SERVER_CONTEXT`].
#![allow(
    unused_imports,
    unused_variables,
    dead_code,
    reason = "a stub: the body is todo!() until you write it"
)]

/// The bytes signed under the transcript binding for `context` and `transcript_hash`.
pub fn transcript_signed_content(context: &[u8], transcript_hash: &[u8; 32]) -> Vec<u8> {
    todo!("13.3: 64 spaces, the context, one zero byte, the hash")
}

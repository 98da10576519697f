//! Exercise 10.5: the Lesson 10 client checks the server's signature (message 2).
//!
//! Lesson: `lessons/10-server-authentication.md#what-is-signed` ("What is signed").
//!
//! Message 2 is `server_share (32) || server_signature (64)`. What the
//! server signed depends on the binding (`Binding::InsecureLesson11`,
//! `--binding lesson11` on the command line, or `Binding::Transcript`):
//!
//! ```text
//! lesson11:   signed = server_share
//! transcript: signed = 0x20 x 64
//!                   || "learn-mtls v1 server-only, server signature"
//!                   || 0x00
//!                   || SHA-256(client_share || server_share)
//! ```
//!
//! Verify it under the **pinned** key with `PublicIdentity::verify_strict`
//! (strict: it refuses the malleable and small-order signatures a lenient
//! check lets through). Return `HandshakeError::ServerSignatureInvalid`
//! if it does not verify.
//!
//! Useful: `learn_mtls::handshake::SERVER_ONLY_SERVER_CONTEXT`,
//! `crate::support::sha256`.
//! Check it: `cargo course check 10.5`; stuck: `cargo course hint 10.5`.
//!
//! # What it uses
//!
//! - [`Binding`]: either `InsecureLesson11` (each side signs only its own
//!   share) or `Transcript` (signatures over a hash of the messages).
//! - [`ClientHello`]: message 1; `share`: the client's ephemeral X25519
//!   public key (32 bytes).
//! - [`ServerHello`]: message 2; `share`: the server's ephemeral X25519
//!   public key; `signature`: its Ed25519 signature (64 bytes).
//! - [`SERVER_ONLY_SERVER_CONTEXT`]: the context string of the server's
//!   signature under the transcript binding.
//! - [`PublicIdentity::verify_strict`]: the check, `true` only for a valid
//!   signature in its one canonical form (`pinned.verify_strict(&signed, &signature)`).
//! - [`HandshakeError::ServerSignatureInvalid`]: the error when it does not verify.

use learn_mtls::handshake::{Binding, HandshakeError, SERVER_ONLY_SERVER_CONTEXT};
use learn_mtls::keys::PublicIdentity;
use learn_mtls::wire::{ClientHello, ServerHello};

use crate::support::sha256;

/// Whether `server_hello` carries a valid signature by `pinned` under `binding`.
///
/// # Errors
/// [`HandshakeError::ServerSignatureInvalid`].
pub fn check_server_signature(
    pinned: &PublicIdentity,
    binding: Binding,
    hello: &ClientHello,
    server_hello: &ServerHello,
) -> Result<(), HandshakeError> {
    let signed = match binding {
        Binding::InsecureLesson11 => server_hello.share.to_vec(),
        Binding::Transcript => {
            let mut signed = vec![0x20; 64];
            signed.extend_from_slice(SERVER_ONLY_SERVER_CONTEXT);
            signed.push(0x00);
            signed.extend_from_slice(&sha256(&[&hello.share, &server_hello.share]));
            signed
        }
    };
    if pinned.verify_strict(&signed, &server_hello.signature) {
        Ok(())
    } else {
        Err(HandshakeError::ServerSignatureInvalid)
    }
}

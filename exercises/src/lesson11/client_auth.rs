//! Exercise 11.1: message 3, the client's proof, under the `lesson11` binding.
//!
//! Lesson: `lessons/11-mutual-authentication.md#message-3-the-client-signs` ("Message 3: the client signs");
//! the exact bytes: `lessons/11-specification.md#what-is-signed-the-two-bindings` ("What is signed: the two bindings").
//!
//! ```text
//! message 3 = client_signature (64) || client_identity (32)
//! lesson11:   client_signature = Ed25519-Sign(client identity key, client_share)
//! ```
//!
//! The client signs its own ephemeral share (message 1) with its long-term
//! identity key, and attaches its public identity key so the server knows
//! whose signature to check. (Lesson 13 shows what this binding lets an
//! attacker do; the transcript binding is the fix.)
//!
//! Useful: `crate::support::sign(identity, message)`,
//! `identity.public().as_bytes()`.
//! Check it: `cargo course check 11.1`; stuck: `cargo course hint 11.1`.
//!
//! # What it uses
//!
//! - [`ClientAuth`]: message 3, what you return; two public fields:
//!   `signature` (64 bytes): the client's Ed25519 signature; `identity`
//!   (32 bytes): the client's public key as bytes.
//! - [`ClientHello`]: message 1; `share`: the client's own ephemeral share,
//!   what it signs under lesson11.
//! - [`IdentityKey`]: the client's long-term key; `identity.public()` is its
//!   [`learn_mtls::keys::PublicIdentity`], and `as_bytes()` gives the 32 bytes.
#![allow(
    unused_imports,
    unused_variables,
    dead_code,
    reason = "a stub: the body is todo!() until you write it"
)]

use learn_mtls::keys::IdentityKey;
use learn_mtls::wire::{ClientAuth, ClientHello};

use crate::support::sign;

/// Message 3 for the client `identity` that sent `hello`, under the lesson11 binding.
pub fn client_auth(identity: &IdentityKey, hello: &ClientHello) -> ClientAuth {
    todo!("11.1: sign your own share, attach your public key")
}

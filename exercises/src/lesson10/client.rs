//! Exercise 10.6, the finale: your Lesson 10 client, from your own pieces.
//!
//! Lesson: `lessons/10-server-authentication.md#run-it` ("Run it");
//! the messages: `lessons/10-server-authentication.md#the-protocol` ("The protocol").
//!
//! ```text
//! Client                                            Server
//!   -- message 1: client_share (32) ------------------->
//!   <-- message 2: server_share (32) || signature (64) --
//! ```
//!
//! Write `connect`: make an ephemeral secret and its share
//! (`crate::support::random_secret`, `public_share`), send message 1, read
//! exactly 96 bytes, check the signature (10.5) *before* using anything in
//! them, compute the shared secret (10.1), derive the keys (10.2; under the
//! transcript binding the salt is `SHA-256(message 1 || message 2)`), and
//! return two record layers (10.4): one that seals with the client's write
//! key and IV, one that opens with the server's.
//!
//! The check starts the real `10-server` (both bindings), connects your
//! client over TCP, sends messages through your record layer and opens the
//! echoes; and it makes sure your client refuses a server whose key is not
//! the pinned one.
//! Check it: `cargo course check 10.6`; stuck: `cargo course hint 10.6`.
//!
//! # What it uses
//!
//! - [`ClientHello`]: message 1, `ClientHello { share }` (`share`: your
//!   ephemeral public key); `to_bytes()` gives its 32 bytes.
//! - [`ServerHello`]: message 2; `ServerHello::from_bytes(&bytes)` reads
//!   [`SERVER_HELLO_LEN`] (96) bytes into `share` (the server's ephemeral
//!   public key) and `signature` (64 bytes).
//! - [`Binding`]: `InsecureLesson11` (salt `None`) or `Transcript` (salt
//!   `SHA-256(message 1 || message 2)`).
//! - [`PublicIdentity`]: the pinned server key, for your `check_server_signature`.
//! - The fields of the [`learn_mtls::raw::TrafficKeys`] your `key_schedule`
//!   returns: `client_write_key` and `client_write_iv` make the sealer,
//!   `server_write_key` and `server_write_iv` the opener
//!   (`RecordLayer::new(&key, &iv)`).
//! - `?` turns an `io::Error` or a [`learn_mtls::handshake::HandshakeError`]
//!   into the `Box<dyn Error>` returned.
#![allow(
    unused_imports,
    unused_variables,
    dead_code,
    reason = "a stub: the body is todo!() until you write it"
)]

use std::error::Error;
use std::io::{Read, Write};

use learn_mtls::handshake::Binding;
use learn_mtls::keys::PublicIdentity;
use learn_mtls::wire::{ClientHello, SERVER_HELLO_LEN, ServerHello};

use super::key_schedule::key_schedule;
use super::records::RecordLayer;
use super::server_signature::check_server_signature;
use super::shared_secret::shared_secret;
use crate::support::{public_share, random_secret, sha256};

/// Runs the Lesson 10 handshake over `stream` with the server pinned as
/// `server`; returns `(sealer, opener)`: what you send, what you receive.
///
/// # Errors
/// Any I/O error, or a [`learn_mtls::handshake::HandshakeError`].
pub fn connect(
    stream: &mut (impl Read + Write),
    server: &PublicIdentity,
    binding: Binding,
) -> Result<(RecordLayer, RecordLayer), Box<dyn Error>> {
    todo!("10.6: message 1, message 2, check, agree, derive, two record layers")
}

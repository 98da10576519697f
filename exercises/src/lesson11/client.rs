//! Exercise 11.5 (first half), the finale: your Lesson 11 client.
//!
//! Lesson: `lessons/11-mutual-authentication.md#your-own-client-and-server` ("Your own client and server");
//! the messages: `lessons/11-mutual-authentication.md#the-protocol` ("The protocol").
//!
//! ```text
//! Client                                             Server
//!   -- message 1: client_share (32) -------------------->
//!   <-- message 2: server_share (32) || server_sig (64) --
//!   -- message 3: client_sig (64) || client_key (32) --->
//! ```
//!
//! Under the `lesson11` binding (the binaries' default) the server's
//! signature covers its share, exactly as in Lesson 10 (your 10.5 checks
//! it), and message 3 is your 11.1. The keys come from the shared secret
//! alone (your 10.2 with no salt). Return `(sealer, opener)`.
//!
//! The check runs your client against the real `11-mtls-server`, and your
//! server (`super::server`) against the real `11-mtls-client`. It also
//! gives your client another server's key to pin: your client must stop
//! after message 2, without sending message 3 (a client never signs for a
//! server it has not authenticated).
//! Check it: `cargo course check 11.5`; stuck: `cargo course hint 11.5`.
//!
//! # What it uses
//!
//! - [`ClientHello`] `{ share }`: message 1 (`to_bytes()`: 32 bytes);
//!   [`ServerHello`]: message 2, `ServerHello::from_bytes(&bytes)` on
//!   [`SERVER_HELLO_LEN`] (96) bytes: `share` and `signature`.
//! - [`Binding::InsecureLesson11`]: the binding to give your
//!   `check_server_signature`.
//! - [`IdentityKey`]: the client's key, for your `client_auth`; the
//!   [`learn_mtls::wire::ClientAuth`] it returns goes out with `to_bytes()`
//!   (96 bytes).
//! - [`PublicIdentity`]: the pinned server key.
//! - The fields of the [`learn_mtls::raw::TrafficKeys`] your `key_schedule`
//!   returns: `client_write_key` and `client_write_iv` make the sealer,
//!   `server_write_key` and `server_write_iv` the opener.
#![allow(
    unused_imports,
    unused_variables,
    dead_code,
    reason = "a stub: the body is todo!() until you write it"
)]

use std::error::Error;
use std::io::{Read, Write};

use learn_mtls::handshake::Binding;
use learn_mtls::keys::{IdentityKey, PublicIdentity};
use learn_mtls::wire::{ClientHello, SERVER_HELLO_LEN, ServerHello};

use super::client_auth::client_auth;
use crate::lesson10::key_schedule::key_schedule;
use crate::lesson10::records::RecordLayer;
use crate::lesson10::server_signature::check_server_signature;
use crate::lesson10::shared_secret::shared_secret;
use crate::support::{public_share, random_secret};

/// Runs the Lesson 11 client handshake (lesson11 binding) as `identity`
/// with the server pinned as `server`; returns `(sealer, opener)`.
///
/// # Errors
/// Any I/O error, or a [`learn_mtls::handshake::HandshakeError`].
pub fn connect(
    stream: &mut (impl Read + Write),
    identity: &IdentityKey,
    server: &PublicIdentity,
) -> Result<(RecordLayer, RecordLayer), Box<dyn Error>> {
    todo!("11.5: messages 1, 2 (checked), 3, then the keys")
}

//! Exercise 11.5 (second half), the finale: your Lesson 11 server.
//!
//! Lesson: `lessons/11-mutual-authentication.md#your-own-client-and-server` ("Your own client and server");
//! the checks: `lessons/11-mutual-authentication.md#the-servers-checks-of-message-3-in-order` ("The server's checks of message 3, in order").
//!
//! Read message 1 (32 bytes). Make your own ephemeral secret and share,
//! compute the shared secret at once (your 10.1: a low-order client share
//! is refused before you sign anything), sign **your own share** with the
//! server's identity key (lesson11 binding) and send message 2 =
//! `server_share || signature`. Read message 3 (96 bytes), check it with
//! your 11.2, derive the keys (10.2, no salt) and return who the client is
//! with `(sealer, opener)`: you seal with the server's keys and open with
//! the client's. (The check sends your server a low-order share and
//! requires `NonContributoryShare` before any byte of message 2.)
//! Check it: `cargo course check 11.5`; stuck: `cargo course hint 11.5`.
//!
//! # What it uses
//!
//! - [`ClientHello::from_bytes`]: message 1 from [`CLIENT_HELLO_LEN`] (32)
//!   bytes; its `share` is the client's ephemeral public key.
//! - [`ServerHello`]: your message 2, `ServerHello { share, signature }`
//!   (your share, and your signature over it); `to_bytes()`: 96 bytes.
//! - [`ClientAuth::from_bytes`]: message 3 from [`CLIENT_AUTH_LEN`] (96)
//!   bytes, for your `check_client_auth`.
//! - [`IdentityKey`]: the server's key (`crate::support::sign(identity, &share)`).
//! - [`TrustPolicy`]: who may connect, for your `check_client_auth`, which
//!   returns the [`ClientIdentity`] you return.
//! - The fields of the [`learn_mtls::raw::TrafficKeys`] your `key_schedule`
//!   returns: the server seals with `server_write_key` and
//!   `server_write_iv`, and opens with `client_write_key` and `client_write_iv`.
#![allow(
    unused_imports,
    unused_variables,
    dead_code,
    reason = "a stub: the body is todo!() until you write it"
)]

use std::error::Error;
use std::io::{Read, Write};

use learn_mtls::keys::IdentityKey;
use learn_mtls::trust::{ClientIdentity, TrustPolicy};
use learn_mtls::wire::{CLIENT_AUTH_LEN, CLIENT_HELLO_LEN, ClientAuth, ClientHello, ServerHello};

use super::check_client_auth::check_client_auth;
use crate::lesson10::key_schedule::key_schedule;
use crate::lesson10::records::RecordLayer;
use crate::lesson10::shared_secret::shared_secret;
use crate::support::{public_share, random_secret, sign};

/// Runs the Lesson 11 server handshake (lesson11 binding) as `identity`,
/// admitting the clients `policy` accepts; returns the client, then
/// `(sealer, opener)`.
///
/// # Errors
/// Any I/O error, or a [`learn_mtls::handshake::HandshakeError`].
pub fn accept(
    stream: &mut (impl Read + Write),
    identity: &IdentityKey,
    policy: &impl TrustPolicy,
) -> Result<(ClientIdentity, RecordLayer, RecordLayer), Box<dyn Error>> {
    todo!("11.5: message 1, your message 2, message 3 checked, then the keys")
}

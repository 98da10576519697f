//! Exercise 13.1: the replay attacker.
//!
//! Lesson: `lessons/13-breaking-lesson-11.md#1-replay-a-recorded-handshake-played-again` ("1. Replay: a recorded handshake, played again").
//!
//! You are Mallory. You sat on alice's path while she connected to the
//! server, and recorded what went by (a [`Recorded`]). Now alice is gone,
//! and you open a connection of your own to the same server: `stream`.
//! Replay what alice said so that the server logs `accepted alice` on
//! **your** connection:
//!
//! ```text
//! mallory                                    server
//!   alice's message 1 (32 bytes) ------------> M1
//!   <------------------------------------------ M2'  fresh share, fresh signature
//!   alice's message 3 (96 bytes) ------------> M3   checks?
//! ```
//!
//! You do not need to understand message 2: read its 96 bytes (so the
//! server gets to send it) and ignore them. Return once message 3 is sent.
//! Under `lesson11` the server accepts alice; under `transcript` the very
//! same code fails, because alice's old signature covers the old message 2.
//!
//! Useful: `Write::write_all`, `Write::flush`, `Read::read_exact`,
//! `learn_mtls::wire::SERVER_HELLO_LEN`.
//! Check it: `cargo course check 13.1`; stuck: `cargo course hint 13.1`.
//!
//! # What it uses
//!
//! - [`Recorded`] (above): `client_hello`, alice's message 1 (32 bytes);
//!   `client_auth`, her message 3 (96 bytes); the rest you do not need.
//! - [`SERVER_HELLO_LEN`] (96): how many bytes of message 2 to read.

use std::io::{self, Read, Write};

use learn_mtls::wire::{CLIENT_AUTH_LEN, CLIENT_HELLO_LEN, SERVER_HELLO_LEN};

/// What Mallory's proxy saw of alice's session, as alice and the server sent it.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// Message 1, alice to the server: her share.
    pub client_hello: [u8; CLIENT_HELLO_LEN],
    /// Message 2, the server to alice: its share and signature.
    pub server_hello: [u8; SERVER_HELLO_LEN],
    /// Message 3, alice to the server: her signature and her key.
    pub client_auth: [u8; CLIENT_AUTH_LEN],
    /// Alice's records after the handshake, whole (header, ciphertext, tag).
    pub client_records: Vec<Vec<u8>>,
}

/// Replays alice's handshake from `recorded` on `stream`, a fresh
/// connection to the server.
///
/// # Errors
/// Any I/O error.
pub fn replay(stream: &mut (impl Read + Write), recorded: &Recorded) -> io::Result<()> {
    stream.write_all(&recorded.client_hello)?;
    stream.flush()?;
    let mut fresh_server_hello = [0u8; SERVER_HELLO_LEN];
    stream.read_exact(&mut fresh_server_hello)?;
    stream.write_all(&recorded.client_auth)?;
    stream.flush()
}

//! Exercise 12.6: `verify_data`, the heart of a Finished message.
//!
//! Lesson: `lessons/12-tls12-prf.md#3-the-four-uses` ("3. The four uses").
//!
//! ```text
//! verify_data = PRF(master_secret, finished_label,
//!                   Hash(handshake_messages)), 12 bytes           RFC 5246 section 7.4.9
//! finished_label = "client finished" or "server finished"
//! ```
//!
//! Each side proves it saw the same handshake (and holds the same master
//! secret); the different labels stop one side's Finished being replayed
//! as the other's.
//! Useful: your `prf` (12.2), `Sender::finished_label`.
//! Check it: `cargo course check 12.6`; stuck: `cargo course hint 12.6`.
//!
//! # What it uses
//!
//! - [`Sender`]: whose Finished message: `Client` or `Server`;
//!   `sender.finished_label()` gives `b"client finished"` or `b"server finished"`.
#![allow(
    unused_imports,
    unused_variables,
    dead_code,
    reason = "a stub: the body is todo!() until you write it"
)]

use learn_mtls::tls12::Sender;

use super::prf::prf;

/// The 12-byte `verify_data` of `sender`'s Finished message.
pub fn verify_data(
    master_secret: &[u8; 48],
    sender: Sender,
    handshake_hash: &[u8; 32],
) -> [u8; 12] {
    todo!("12.6: PRF with the sender's label over the handshake hash, 12 bytes")
}

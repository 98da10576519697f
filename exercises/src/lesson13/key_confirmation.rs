//! Exercise 13.4: the fix, part 2: key confirmation, on the server's side.
//!
//! Lesson: `lessons/13-breaking-lesson-11.md#6-why-the-transcript-binding-holds` ("6. Why the transcript binding holds");
//! the exact rule: `lessons/11-specification.md#key-confirmation-transcript-binding` ("Key confirmation (transcript binding)").
//!
//! Under the transcript binding the server has checked message 3 (the
//! signature and the policy) and derived the keys, salted with
//! `SHA-256(M1 || M2 || M3)`: that is an [`Unconfirmed`]. The client is
//! **not** authenticated yet. Eve's misbinding passes every signature
//! check; what stops her is that alice, who saw alice's M3, derived other
//! keys than the server, which saw eve's.
//!
//! Write `confirm`: open the client's first record with the client's write
//! key and IV (your 10.4 `RecordLayer`). Only if it opens, return a
//! [`Confirmed`]: the client, now authenticated, the server's sealer (the
//! server's write key and IV), the opener you just used (its counter has
//! moved on to 1) and the first record's plaintext (often empty: the
//! client sends an empty record just to confirm). If it does not open,
//! return `HandshakeError::KeyConfirmationFailed` with the record error,
//! and the claimed client never leaves this function.
//! Check it: `cargo course check 13.4`; stuck: `cargo course hint 13.4`.
//!
//! # What it uses
//!
//! - The fields of [`Unconfirmed`] (above): `claimed`, the client that
//!   signed; `keys`, the session's [`TrafficKeys`]: open the first record
//!   with `client_write_key` and `client_write_iv`; the sealer takes
//!   `server_write_key` and `server_write_iv`.
//! - [`ClientIdentity`]: the client (`name` and `key`), which goes into
//!   [`Confirmed`]'s `client` only once the record opened.
//! - [`HandshakeError::KeyConfirmationFailed`]: the error when the first
//!   record does not open, with the [`learn_mtls::record::RecordError`]
//!   your `open` gave.
#![allow(
    unused_imports,
    unused_variables,
    dead_code,
    reason = "a stub: the body is todo!() until you write it"
)]

use learn_mtls::handshake::HandshakeError;
use learn_mtls::raw::TrafficKeys;
use learn_mtls::trust::ClientIdentity;

use crate::lesson10::records::RecordLayer;

/// The server after message 3 under the transcript binding: the client
/// signed, but has not yet shown that it holds the same keys.
pub struct Unconfirmed {
    claimed: ClientIdentity,
    keys: TrafficKeys,
}

/// The server once the client's first record opened: the client is authenticated.
pub struct Confirmed {
    /// The authenticated client.
    pub client: ClientIdentity,
    /// Seals what the server sends (the server's write key and IV).
    pub sealer: RecordLayer,
    /// Opens what the client sends (the client's write key and IV); it
    /// has opened the first record already.
    pub opener: RecordLayer,
    /// The plaintext of the client's first record.
    pub first_message: Vec<u8>,
}

impl Unconfirmed {
    /// The state after message 3: `claimed` passed the signature check and
    /// the policy; `keys` are the session keys (salted with the transcript).
    pub fn new(claimed: ClientIdentity, keys: TrafficKeys) -> Self {
        Self { claimed, keys }
    }

    /// Who the client claims to be. Not authenticated: do not act on it.
    pub fn claimed_client(&self) -> &ClientIdentity {
        &self.claimed
    }

    /// Opens the client's first record; only if it opens, the client is authenticated.
    ///
    /// # Errors
    /// [`HandshakeError::KeyConfirmationFailed`] with the record's error.
    pub fn confirm(self, first_record: &[u8]) -> Result<Confirmed, HandshakeError> {
        todo!("13.4: open the first record; only then is the client authenticated")
    }
}

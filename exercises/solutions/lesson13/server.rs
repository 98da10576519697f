//! Exercise 13.5, the finale: your server under the transcript binding.
//!
//! Lesson: `lessons/13-breaking-lesson-11.md#6-why-the-transcript-binding-holds` ("6. Why the transcript binding holds");
//! every byte: `lessons/11-specification.md#what-is-signed-the-two-bindings` ("What is signed: the two bindings").
//!
//! Your 11.5 server, with the fix of 13.3 and 13.4 in place. In order,
//! stopping at the first failure:
//!
//! 1. read message 1 (32 bytes); make your ephemeral secret and share;
//!    the shared secret at once (10.1);
//! 2. message 2 = `server_share || signature`, the signature over your
//!    13.3 content with `MUTUAL_SERVER_CONTEXT` and
//!    `SHA-256(message 1 || server_share)`;
//! 3. read message 3 (96 bytes); the client's key must be a sound point
//!    (`PublicIdentity::from_bytes`, else `ClientKeyInvalid`); its
//!    signature must verify strictly over your 13.3 content with
//!    `MUTUAL_CLIENT_CONTEXT` and `SHA-256(message 1 || message 2 ||
//!    client_key)` (else `ClientSignatureInvalid`); then the policy
//!    (else `Refused`);
//! 4. the keys: your 10.2 salted with `SHA-256(message 1 || message 2 ||
//!    message 3)`;
//! 5. read the client's first record (`crate::support::read_record`) and
//!    confirm it with your 13.4.
//!
//! The check runs the real `11-mtls-client --binding transcript` against
//! your server, then your own attackers of 13.1 and 13.2: the replay must
//! be refused with `ClientSignatureInvalid`, the misbinding with
//! `KeyConfirmationFailed`; and a low-order share in message 1 must be
//! refused with `NonContributoryShare` before you send message 2. Return
//! errors as `HandshakeError`s (boxed).
//! Check it: `cargo course check 13.5`; stuck: `cargo course hint 13.5`.
//!
//! # What it uses
//!
//! - [`ClientHello::from_bytes`] on [`CLIENT_HELLO_LEN`] (32) bytes: message
//!   1, its `share`; [`ServerHello`] `{ share, signature }`: your message 2
//!   (`to_bytes()`: 96 bytes); [`ClientAuth::from_bytes`] on
//!   [`CLIENT_AUTH_LEN`] (96) bytes: message 3, its `signature` and
//!   `identity` (the client's key as bytes).
//! - [`MUTUAL_SERVER_CONTEXT`], [`MUTUAL_CLIENT_CONTEXT`]: the contexts of
//!   the server's and the client's signatures.
//! - [`PublicIdentity::from_bytes`]: the client's key, or a
//!   [`learn_mtls::keys::KeyError`]; [`PublicIdentity::verify_strict`]:
//!   whether its signature verifies.
//! - [`TrustPolicy::check`]: the client's name, or a refusal.
//! - [`HandshakeError`]: `ClientKeyInvalid(KeyError)`, `ClientSignatureInvalid`
//!   and `Refused(Refusal)` for message 3 (`.map_err(HandshakeError::from)`
//!   turns the policy's refusal into `Refused`: a bare `?` would box the
//!   `Refusal` itself); `NonContributoryShare` and `KeyConfirmationFailed`
//!   come from your 10.1 and 13.4.
//! - [`ClientIdentity`] `{ name, key }`: the claimed client, for
//!   `Unconfirmed::new(claimed, keys)`; [`Confirmed`]: what `confirm`
//!   returns, and you return.

use std::error::Error;
use std::io::{Read, Write};

use learn_mtls::handshake::{HandshakeError, MUTUAL_CLIENT_CONTEXT, MUTUAL_SERVER_CONTEXT};
use learn_mtls::keys::{IdentityKey, PublicIdentity};
use learn_mtls::trust::{ClientIdentity, TrustPolicy};
use learn_mtls::wire::{CLIENT_AUTH_LEN, CLIENT_HELLO_LEN, ClientAuth, ClientHello, ServerHello};

use super::key_confirmation::{Confirmed, Unconfirmed};
use super::signed_content::transcript_signed_content;
use crate::lesson10::key_schedule::key_schedule;
use crate::lesson10::shared_secret::shared_secret;
use crate::support::{public_share, random_secret, read_record, sha256, sign};

/// Runs the server handshake under the transcript binding as `identity`,
/// admitting the clients `policy` accepts, up to and including key
/// confirmation.
///
/// # Errors
/// Any I/O error, or a [`HandshakeError`].
pub fn accept(
    stream: &mut (impl Read + Write),
    identity: &IdentityKey,
    policy: &impl TrustPolicy,
) -> Result<Confirmed, Box<dyn Error>> {
    let mut message1 = [0u8; CLIENT_HELLO_LEN];
    stream.read_exact(&mut message1)?;
    let hello = ClientHello::from_bytes(&message1);
    let secret = random_secret();
    let share = public_share(&secret);
    let shared = shared_secret(&secret, &hello.share)?;

    let server_signed =
        transcript_signed_content(MUTUAL_SERVER_CONTEXT, &sha256(&[&message1, &share]));
    let message2 = ServerHello {
        share,
        signature: sign(identity, &server_signed),
    }
    .to_bytes();
    stream.write_all(&message2)?;
    stream.flush()?;

    let mut message3 = [0u8; CLIENT_AUTH_LEN];
    stream.read_exact(&mut message3)?;
    let auth = ClientAuth::from_bytes(&message3);
    let key =
        PublicIdentity::from_bytes(&auth.identity).map_err(HandshakeError::ClientKeyInvalid)?;
    let client_signed = transcript_signed_content(
        MUTUAL_CLIENT_CONTEXT,
        &sha256(&[&message1, &message2, &auth.identity]),
    );
    if !key.verify_strict(&client_signed, &auth.signature) {
        return Err(HandshakeError::ClientSignatureInvalid.into());
    }
    let name = policy.check(&key).map_err(HandshakeError::from)?;

    let keys = key_schedule(&shared, Some(&sha256(&[&message1, &message2, &message3])));
    let first_record = read_record(stream)?;
    let pending = Unconfirmed::new(ClientIdentity { name, key }, keys);
    Ok(pending.confirm(&first_record)?)
}

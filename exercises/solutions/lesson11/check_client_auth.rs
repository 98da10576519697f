//! Exercise 11.2: the server's checks of message 3, in order.
//!
//! Lesson: `lessons/11-mutual-authentication.md#the-servers-checks-of-message-3-in-order` ("The server's checks of message 3, in order");
//! the exact rules: `lessons/11-specification.md#the-checks-in-order` ("The checks, in order").
//!
//! Under the `lesson11` binding, the server checks message 3 like this,
//! and stops at the first failure:
//!
//! 1. the 32 bytes of `client_identity` are a point on the curve, else
//!    `ClientKeyInvalid(KeyError::NotAPoint)`;
//! 2. the point is not of small order (a weak key accepts forged
//!    signatures), else `ClientKeyInvalid(KeyError::Weak)`;
//! 3. `client_signature` verifies **strictly** under that key over
//!    `client_share` (message 1), else `ClientSignatureInvalid`;
//! 4. only then the trust policy: `policy.check(&key)`, else
//!    `Refused(why)`.
//!
//! The order matters: a policy never sees a key that has not proved
//! itself, and a refusal never says anything about an unproved key.
//! `PublicIdentity::from_bytes` does checks 1 and 2 (or write them with
//! `ed25519_dalek::VerifyingKey::from_bytes` and `is_weak`).
//! Check it: `cargo course check 11.2`; stuck: `cargo course hint 11.2`.

use learn_mtls::handshake::HandshakeError;
use learn_mtls::keys::PublicIdentity;
use learn_mtls::trust::{ClientIdentity, TrustPolicy};
use learn_mtls::wire::{ClientAuth, ClientHello};

/// Checks message 3 (`auth`) of the client that sent `hello`, then asks
/// `policy`; returns who the client is.
///
/// # Errors
/// [`HandshakeError::ClientKeyInvalid`], [`HandshakeError::ClientSignatureInvalid`]
/// or [`HandshakeError::Refused`], in that order of checking.
pub fn check_client_auth(
    hello: &ClientHello,
    auth: &ClientAuth,
    policy: &impl TrustPolicy,
) -> Result<ClientIdentity, HandshakeError> {
    let key =
        PublicIdentity::from_bytes(&auth.identity).map_err(HandshakeError::ClientKeyInvalid)?;
    if !key.verify_strict(&hello.share, &auth.signature) {
        return Err(HandshakeError::ClientSignatureInvalid);
    }
    let name = policy.check(&key)?;
    Ok(ClientIdentity { name, key })
}

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
//!
//! # What it uses
//!
//! - [`ClientAuth`]: message 3; `signature` (64 bytes); `identity` (32
//!   bytes, the client's key, unchecked as received).
//! - [`ClientHello`]: message 1; `share`: what the signature covers under lesson11.
//! - [`PublicIdentity::from_bytes`]: checks 1 and 2: the key, or
//!   `Err(KeyError::NotAPoint)` / `Err(KeyError::Weak)`
//!   ([`learn_mtls::keys::KeyError`]).
//! - [`PublicIdentity::verify_strict`]: check 3, `true` only for a valid,
//!   canonical signature.
//! - [`TrustPolicy::check`]: check 4, `policy.check(&key)`: the client's
//!   [`learn_mtls::trust::ClientName`], or a [`learn_mtls::trust::Refusal`].
//! - [`HandshakeError`]: `ClientKeyInvalid(KeyError)`: the key is unusable;
//!   `ClientSignatureInvalid`: the signature does not verify;
//!   `Refused(Refusal)`: the policy said no (`?` converts a `Refusal` into it).
//! - [`ClientIdentity`]: what you return, `ClientIdentity { name, key }`:
//!   the name the policy gave, the key the client proved it holds.

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

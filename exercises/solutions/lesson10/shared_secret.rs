//! Exercise 10.1: the X25519 shared secret, refusing the all-zero result.
//!
//! Lesson: `lessons/10-server-authentication.md#the-two-keys-each-side-needs` ("The two keys each side needs").
//!
//! Each side computes `X25519(own ephemeral secret, peer's share)` (RFC 7748
//! section 5) and both get the same 32 bytes. But a peer can send a share
//! of low order (32 zero bytes is one): then the result is all zeros
//! whatever your secret is, a "shared" secret that everyone knows. Refuse
//! it with `HandshakeError::NonContributoryShare`.
//!
//! The result is secret, so compare it with zeros in constant time
//! (`subtle::ConstantTimeEq`), not with `==`.
//!
//! Useful: `x25519_dalek::x25519(scalar, u_coordinate)`.
//! Check it: `cargo course check 10.1`; stuck: `cargo course hint 10.1`.
//!
//! # What it uses
//!
//! - [`HandshakeError::NonContributoryShare`]: the error for an all-zero
//!   result (the peer sent a share of low order).
//! - [`Zeroizing`]: `Zeroizing::new(bytes)` wraps the 32 bytes so that they
//!   are wiped when dropped; it derefs to the array.
//! - [`ConstantTimeEq`]: `a.ct_eq(&b)` compares in constant time and gives a
//!   `subtle::Choice`; `bool::from(choice)` reads it once the comparison is done.
//! - [`x25519_dalek::x25519`]: `x25519(scalar, u_coordinate)`, both 32-byte
//!   arrays: the X25519 function.

use learn_mtls::handshake::HandshakeError;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// `X25519(own_secret, peer_share)`, or `NonContributoryShare` if that is all zeros.
///
/// # Errors
/// [`HandshakeError::NonContributoryShare`] for a low-order `peer_share`.
pub fn shared_secret(
    own_secret: &[u8; 32],
    peer_share: &[u8; 32],
) -> Result<Zeroizing<[u8; 32]>, HandshakeError> {
    let shared = Zeroizing::new(x25519_dalek::x25519(*own_secret, *peer_share));
    if bool::from(shared.ct_eq(&[0u8; 32])) {
        return Err(HandshakeError::NonContributoryShare);
    }
    Ok(shared)
}

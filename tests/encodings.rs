//! Encodings the specification could leave open, answered: which spellings
//! of a key, a share or a signature are accepted, and which refused.
//!
//! - Ed25519 public keys: only the canonical encoding (y below 2^255 - 19).
//! - Ed25519 signatures: strict verification (S below the group order, R
//!   not of small order, the key not weak), so one message and key have
//!   one valid signature up to the signer's randomness.
//! - X25519 shares: any 32 bytes, as RFC 7748 requires (bit 255 ignored,
//!   values from p up read modulo p); a share of small order, however it
//!   is written, is refused by the all-zero check (see the low-order
//!   katas in `lesson11_handshake`).

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use learn_mtls::handshake::{Binding, mutual};
use learn_mtls::keys::{IdentityKey, KeyError, PublicIdentity};
use learn_mtls::trust::format::LineProblem;
use learn_mtls::trust::lists::AuthorizedKeys;
use learn_mtls::wire::ClientHello;

fn unhex<const N: usize>(text: &str) -> [u8; N] {
    learn_mtls::hex::decode_array(text).expect("hex")
}

/// The point with y = 3 (of large order), canonically: y itself.
const Y3_CANONICAL: &str = "0300000000000000000000000000000000000000000000000000000000000000";
/// The same point with y written as p + 3 = 2^255 - 16.
const Y3_NON_CANONICAL: &str = "f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f";

#[test]
fn a_public_key_is_accepted_only_in_its_canonical_encoding() {
    let canonical = PublicIdentity::from_bytes(&unhex(Y3_CANONICAL));
    let non_canonical = PublicIdentity::from_bytes(&unhex(Y3_NON_CANONICAL));

    // Notice: both decode to the same point, but a key compared by its
    // bytes must have one spelling only.
    assert!(canonical.is_ok());
    assert_eq!(non_canonical.err(), Some(KeyError::NonCanonical));
}

#[test]
fn a_non_canonical_key_in_an_authorized_list_names_the_problem() {
    let text = format!("{Y3_NON_CANONICAL} alice\n");

    let error = AuthorizedKeys::parse("authorized_keys", text).unwrap_err();

    assert_eq!(error.problem(), LineProblem::Key(KeyError::NonCanonical));
    assert!(error.to_string().contains("non-canonical"), "{error}");
}

/// A key with a small-order component (a*B + T, T of order 8), and a
/// signature of `non-strict 1` under it whose R is T itself: it satisfies
/// the cofactorless equation [s]B = R + [k]A, so a plain verification
/// accepts it, but R has small order. Made for this kata with Python.
const MIXED_KEY: &str = "11861db8de8ed16f50642fa25b7e6f0f16a6891627040e00206c7cc44742164a";
const SMALL_R_MESSAGE: &[u8] = b"non-strict 1";
const SMALL_R_SIGNATURE: &str = "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037af2ceab30c6dc93eb56f71efa414a1a7ab8dd4c4d9e536746631ff23e90430a06";

#[test]
fn a_signature_with_a_small_order_r_is_refused_though_plain_verify_accepts_it() {
    let key_bytes = unhex::<32>(MIXED_KEY);
    let signature = unhex::<64>(SMALL_R_SIGNATURE);
    let plain = VerifyingKey::from_bytes(&key_bytes).unwrap();

    // The key itself is acceptable: it has large order.
    let key = PublicIdentity::from_bytes(&key_bytes).expect("not weak");

    // Notice: the non-strict check says yes, the library says no.
    assert!(
        plain
            .verify(SMALL_R_MESSAGE, &Signature::from_bytes(&signature))
            .is_ok()
    );
    assert!(!key.verify_strict(SMALL_R_MESSAGE, &signature));
}

/// The order of the Ed25519 group, little-endian.
const GROUP_ORDER: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

#[test]
fn a_signature_whose_s_is_not_below_the_group_order_is_refused() {
    let signer = SigningKey::from_bytes(&[b'A'; 32]);
    let public = PublicIdentity::from_bytes(&signer.verifying_key().to_bytes()).unwrap();
    let mut signature = signer.sign(b"hello").to_bytes();
    assert!(public.verify_strict(b"hello", &signature));

    // S + L: the same value modulo L, a second spelling of the signature.
    let mut carry = 0u16;
    for (byte, add) in signature[32..].iter_mut().zip(GROUP_ORDER) {
        let sum = u16::from(*byte) + u16::from(add) + carry;
        *byte = sum as u8;
        carry = sum >> 8;
    }

    // Notice: malleable signatures are refused.
    assert!(!public.verify_strict(b"hello", &signature));
}

#[test]
fn a_non_canonical_x25519_share_of_large_order_is_accepted_as_rfc_7748_requires() {
    // u = 9 (the base point) written as p + 9, and with bit 255 set.
    let mut p_plus_9 = [0xffu8; 32];
    p_plus_9[0] = 0xf6;
    p_plus_9[31] = 0x7f;
    let mut nine_high_bit = [0u8; 32];
    nine_high_bit[0] = 9;
    nine_high_bit[31] = 0x80;
    let server = IdentityKey::from_secret_bytes(&[b'S'; 32]);

    for share in [p_plus_9, nine_high_bit] {
        let answer = mutual::Server::new(&server, Binding::Transcript)
            .read_client_hello(&mut learn_mtls::net::os_rng(), &ClientHello { share });

        // Notice: read modulo p and without bit 255, as RFC 7748 section 5
        // says receivers must; what matters is the all-zero check, which
        // refuses small-order shares however they are written.
        assert!(answer.is_ok(), "{share:02x?}");
    }
    // The arithmetic agrees: the same result as the canonical u = 9.
    let mut nine = [0u8; 32];
    nine[0] = 9;
    let k = [7u8; 32];
    assert_eq!(
        x25519_dalek::x25519(k, p_plus_9),
        x25519_dalek::x25519(k, nine)
    );
    assert_eq!(
        x25519_dalek::x25519(k, nine_high_bit),
        x25519_dalek::x25519(k, nine)
    );
}

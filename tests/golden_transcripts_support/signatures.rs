//! Route 2's identities: each scheme's public key from its 32-byte seed,
//! and the check of a signature, with the primitives crates directly
//! (`ed25519-dalek`; `ml-dsa` and `shake` for ML-DSA-65) and the sizes and
//! the context string the docs state, as literals.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use learn_mtls::hex::Hex;
use learn_mtls::identity::Identity;
use ml_dsa::{EncodedSignature, EncodedVerifyingKey, ExpandedSigningKey, MlDsa65};
use shake::{ExtendableOutput, Shake256, Update, XofReader};

/// A signature's length: Ed25519's 64 bytes, ML-DSA-65's 3,309 (FIPS 204
/// Table 2; `lessons/19-post-quantum.md`, "With ML-DSA-65 identities").
pub fn signature_len(identity: Identity) -> usize {
    match identity {
        Identity::Ed25519 => 64,
        Identity::MlDsa65 => 3309,
    }
}

/// A public key's length: 32 bytes, or ML-DSA-65's 1,952 (pkEncode).
pub fn public_key_len(identity: Identity) -> usize {
    match identity {
        Identity::Ed25519 => 32,
        Identity::MlDsa65 => 1952,
    }
}

/// The public key of the seed: RFC 8032 section 5.1.5 for Ed25519;
/// ML-DSA.KeyGen_internal (FIPS 204 Algorithm 6) from xi, then pkEncode,
/// for ML-DSA-65.
pub fn public_key(identity: Identity, seed: &[u8; 32]) -> Vec<u8> {
    match identity {
        Identity::Ed25519 => SigningKey::from_bytes(seed)
            .verifying_key()
            .to_bytes()
            .to_vec(),
        Identity::MlDsa65 => ExpandedSigningKey::<MlDsa65>::from_seed(&(*seed).into())
            .verifying_key()
            .encode()
            .to_vec(),
    }
}

/// Checks `signature` over `signed` under `public`, and that signing again
/// with the seed gives the same bytes (both schemes sign deterministically
/// here). For ML-DSA-65, returns mu, the 64-byte message representative
/// ML-DSA.Sign computes (FIPS 204 Algorithm 7, line 6), from the
/// documented formulas: ML-DSA.Sign, pure, ctx = "", deterministic.
pub fn check_signature(
    identity: Identity,
    seed: &[u8; 32],
    public: &[u8],
    signed: &[u8],
    signature: &[u8],
) -> Option<[u8; 64]> {
    assert_eq!(signature.len(), signature_len(identity));
    assert_eq!(public.len(), public_key_len(identity));
    match identity {
        Identity::Ed25519 => {
            check_ed25519(seed, public, signed, signature);
            None
        }
        Identity::MlDsa65 => Some(check_ml_dsa_65(seed, public, signed, signature)),
    }
}

/// Ed25519, verified strictly; signing is deterministic (RFC 8032).
fn check_ed25519(seed: &[u8; 32], public: &[u8], signed: &[u8], signature: &[u8]) {
    let signature: [u8; 64] = signature.try_into().unwrap();
    let public = VerifyingKey::from_bytes(public.try_into().unwrap()).expect("a valid public key");
    public
        .verify_strict(signed, &Signature::from_bytes(&signature))
        .expect("the signature verifies over the documented bytes");
    let again = SigningKey::from_bytes(seed).sign(signed).to_bytes();
    assert_eq!(Hex(&again).to_string(), Hex(&signature).to_string());
}

/// SHAKE256 of `parts`, 64 bytes: FIPS 204's H(..., 64).
fn h64(parts: &[&[u8]]) -> [u8; 64] {
    let mut xof = Shake256::default();
    for part in parts {
        xof.update(part);
    }
    let mut out = [0u8; 64];
    xof.finalize_xof().read(&mut out);
    out
}

/// ML-DSA-65, FIPS 204: ML-DSA.Sign (Algorithm 2) in its pure form with
/// the empty context and the deterministic variant (rnd = 32 zero bytes),
/// checked three ways: the crate's ML-DSA.Verify with ctx = "" accepts it;
/// its internal signing of mu, which this function computes itself as
/// Algorithms 2 and 7 say, gives the same bytes; and so does the crate's
/// own `sign_deterministic(signed, "")`.
fn check_ml_dsa_65(seed: &[u8; 32], public: &[u8], signed: &[u8], signature: &[u8]) -> [u8; 64] {
    let ctx: &[u8] = b"";
    let key = ExpandedSigningKey::<MlDsa65>::from_seed(&(*seed).into());

    // Algorithm 2, line 10: M' = IntegerToBytes(0, 1) || IntegerToBytes(|ctx|, 1)
    // || ctx || M (0 for the pure form, not HashML-DSA). Algorithm 6,
    // line 9: tr = H(pk, 64). Algorithm 7, line 6: mu = H(tr || M', 64).
    let tr = h64(&[public]);
    let mu = h64(&[&tr, &[0x00, 0x00], ctx, signed]);

    // The encoding: sigDecode takes it, and sigEncode gives it back.
    let encoded = EncodedSignature::<MlDsa65>::try_from(signature).unwrap();
    let decoded = ml_dsa::Signature::<MlDsa65>::decode(&encoded).expect("sigDecode accepts it");
    assert_eq!(decoded.encode().as_slice(), signature);

    let verifying = ml_dsa::VerifyingKey::<MlDsa65>::decode(
        &EncodedVerifyingKey::<MlDsa65>::try_from(public).unwrap(),
    );
    assert!(
        verifying.verify_with_context(signed, ctx, &decoded),
        "ML-DSA.Verify with ctx = \"\" accepts the signature over the documented bytes"
    );
    assert!(verifying.verify_mu(&mu.into(), &decoded));

    let from_mu = key.sign_mu_deterministic(&mu.into()).encode();
    assert_eq!(
        Hex(from_mu.as_slice()).to_string(),
        Hex(signature).to_string()
    );
    let again = key.sign_deterministic(signed, ctx).unwrap().encode();
    assert_eq!(
        Hex(again.as_slice()).to_string(),
        Hex(signature).to_string()
    );
    mu
}

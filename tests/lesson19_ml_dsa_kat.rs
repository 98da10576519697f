//! Known answers for ML-DSA-65 (FIPS 204), from NIST's published ACVP
//! vectors in `tests/vectors/ml-dsa-65-fips204.txt` (its header says
//! exactly where each value comes from): key generation from a seed,
//! through the library's own `MlDsaIdentityKey` and through the crate.
//! Lesson 19's ML-DSA-65 identities run on this crate; this pins it to the
//! standard, not to itself. A further test ties the library's strict
//! verification (ML-DSA.Verify, ctx = "") to the crate's
//! ML-DSA.Verify_internal over `0x00 || 0x00 || M`, FIPS 204 Algorithm 3,
//! under NIST's key. (NIST's sigGen and sigVer vectors are not shipped
//! yet.)

use std::collections::BTreeMap;

use learn_mtls::ml_dsa::MlDsaIdentityKey;
use ml_dsa::{EncodedVerifyingKey, ExpandedSigningKey, MlDsa65};

fn vectors() -> BTreeMap<String, Vec<u8>> {
    let path = format!(
        "{}/tests/vectors/ml-dsa-65-fips204.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (name, hex) = line
                .split_once(" = ")
                .unwrap_or_else(|| panic!("{path}: expected `name = hex`: {line}"));
            let bytes = learn_mtls::hex::decode_vec(hex.trim())
                .unwrap_or_else(|_| panic!("{path}: `{name}` is not hex"));
            (name.to_owned(), bytes)
        })
        .collect()
}

fn get<'v>(vectors: &'v BTreeMap<String, Vec<u8>>, name: &str) -> &'v [u8] {
    vectors
        .get(name)
        .unwrap_or_else(|| panic!("no `{name}` in the vector file"))
}

fn verifying_key(bytes: &[u8]) -> ml_dsa::VerifyingKey<MlDsa65> {
    let encoded = EncodedVerifyingKey::<MlDsa65>::try_from(bytes).expect("1,952 bytes");
    ml_dsa::VerifyingKey::decode(&encoded)
}

#[test]
fn key_generation_matches_nist_keygen_tc26() {
    let v = vectors();
    let seed: [u8; 32] = get(&v, "keygen_seed").try_into().unwrap();
    let pk = get(&v, "keygen_pk");
    // The library's identity key, as a key file's seed rebuilds it.
    let key = MlDsaIdentityKey::from_seed(&seed);
    assert_eq!(&key.public().as_bytes()[..], pk);
    // The crate directly (ML-DSA.KeyGen_internal, Algorithm 6).
    let expanded = ExpandedSigningKey::<MlDsa65>::from_seed(&seed.into());
    assert_eq!(expanded.verifying_key().encode().as_slice(), pk);
}

#[test]
fn the_library_verifies_ml_dsa_verify_with_an_empty_context() {
    // FIPS 204 Algorithm 2/3: ML-DSA.Sign/Verify(sk or pk, M, ctx) are the
    // internal functions over M' = 0x00 || len(ctx) || ctx || M. With
    // NIST's keyGen tcId 26 key and ctx = "": a deterministic signature
    // over M verifies under the library's check over M and under the
    // crate's internal check over 0x00 0x00 || M, and nowhere else.
    let v = vectors();
    let seed: [u8; 32] = get(&v, "keygen_seed").try_into().unwrap();
    let expanded = ExpandedSigningKey::<MlDsa65>::from_seed(&seed.into());
    let message = b"a transcript hash, or anything else";
    let sig = expanded.sign_deterministic(&message[..], b"").unwrap();
    let mut bytes = [0u8; 3309];
    bytes.copy_from_slice(&sig.encode());

    let public = MlDsaIdentityKey::from_seed(&seed).public();
    assert!(public.verify_strict(&message[..], &bytes));
    let prefixed = [&[0x00, 0x00][..], &message[..]].concat();
    let vk = verifying_key(get(&v, "keygen_pk"));
    assert!(vk.verify_internal(&prefixed, &sig));
    assert!(
        !vk.verify_internal(&message[..], &sig),
        "the prefix is signed too"
    );

    let mut altered = bytes;
    altered[100] ^= 1;
    assert!(!public.verify_strict(&message[..], &altered));
    let other = MlDsaIdentityKey::from_seed(&[0; 32]).public();
    assert!(!other.verify_strict(&message[..], &bytes));
}

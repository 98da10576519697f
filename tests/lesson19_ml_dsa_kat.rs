//! Known answers for ML-DSA-65 (FIPS 204), from NIST's published ACVP
//! vectors in `tests/vectors/ml-dsa-65-fips204.txt` (its header says
//! exactly where each value comes from): key generation from a seed
//! (keyGen tcId 26), through the library's own `MlDsaIdentityKey` and
//! through the crate; signing (sigGen tcId 21) and verification (sigVer
//! tcIds 22, 16, 18, internal; tcId 33, external). Lesson 19's ML-DSA-65
//! identities run on this crate; this pins it to the standard, not to
//! itself. NIST's sigGen and those three sigVer cases test the internal
//! functions (no context), so the crate is checked there, and the
//! library's strict verification (ML-DSA.Verify, ctx = "") is tied to them
//! through FIPS 204 Algorithm 3: it must refuse an internal signature over
//! M itself, and accept the crate's external signature under NIST's keys.
//! sigVer tcId 33 is the external interface, pure, with a non-empty
//! context (NIST's group has no empty one): the crate's ML-DSA.Verify must
//! accept it, as must Verify_internal over 0x00 || len(ctx) || ctx || M,
//! and the library, whose context is empty, must refuse it.

use std::collections::BTreeMap;

use learn_mtls::ml_dsa::MlDsaIdentityKey;
use learn_mtls::ml_dsa::MlDsaPublicIdentity;
use ml_dsa::{B32, EncodedVerifyingKey, ExpandedSigningKey, ExpandedSigningKeyBytes, MlDsa65};

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

fn signature(bytes: &[u8]) -> ml_dsa::Signature<MlDsa65> {
    ml_dsa::Signature::<MlDsa65>::try_from(bytes).expect("a well-formed 3,309-byte signature")
}

fn fixed<const N: usize>(bytes: &[u8], what: &str) -> [u8; N] {
    bytes
        .try_into()
        .unwrap_or_else(|_| panic!("{what}: {} bytes, not {N}", bytes.len()))
}

#[test]
fn signing_matches_nist_siggen_tc21() {
    // ML-DSA.Sign_internal (Algorithm 7), deterministic (rnd = 0^32), over
    // the vector's message as M', with the vector's 4,032-byte secret key.
    let v = vectors();
    let sk = get(&v, "siggen_tc21_sk");
    let message = get(&v, "siggen_tc21_message");
    let expected = get(&v, "siggen_tc21_signature");
    assert_eq!(sk.len(), 4032, "tcId 21: sk length");
    assert_eq!(expected.len(), 3309, "tcId 21: signature length");
    let enc = ExpandedSigningKeyBytes::<MlDsa65>::try_from(sk).expect("4,032 bytes");
    #[allow(deprecated)] // NIST's vectors carry the expanded key, not a seed
    let key = ExpandedSigningKey::<MlDsa65>::from_expanded(&enc);
    let sig = key.sign_internal(&[message], &B32::default());
    assert!(
        sig.encode().as_slice() == expected,
        "tcId 21: the crate's deterministic signature differs from NIST's"
    );

    // The same key, verified: the crate's internal check accepts NIST's
    // signature, the library's ML-DSA.Verify (over 0x00 0x00 || M) must
    // not, and the crate's external signature with ctx = "" verifies under
    // the library, with the public key the secret key derives.
    let vk = key.verifying_key();
    assert!(
        vk.verify_internal(message, &signature(expected)),
        "tcId 21: internal verify"
    );
    let public = MlDsaPublicIdentity::from_bytes(&fixed(vk.encode().as_slice(), "pk"));
    let nist: [u8; 3309] = fixed(expected, "signature");
    assert!(
        !public.verify_strict(message, &nist),
        "tcId 21: an internal signature over M is no ML-DSA.Verify signature over M"
    );
    let external = key.sign_deterministic(message, b"").unwrap();
    let external: [u8; 3309] = fixed(external.encode().as_slice(), "signature");
    assert!(
        public.verify_strict(message, &external),
        "tcId 21: library verify"
    );
}

#[test]
fn verification_matches_nist_sigver_tcs_22_16_18() {
    // ML-DSA.Verify_internal (Algorithm 8) over the vector's message as M':
    // (tcId, testPassed, the vectors' reason). Only tcId 22 also proves its
    // values were copied right (a slip would make it fail); a slip in the
    // failing tcIds 16 and 18 would still fail, so those two check the
    // crate's refusals, not the copy.
    let cases = [
        (22, true, "no modification"),
        (16, false, "modify message"),
        (18, false, "modify signature"),
    ];
    let v = vectors();
    let pk = get(&v, "sigver_pk");
    let vk = verifying_key(pk);
    let public = MlDsaPublicIdentity::from_bytes(&fixed(pk, "pk"));
    for (tc, passed, reason) in cases {
        let message = get(&v, &format!("sigver_tc{tc}_message"));
        let sig_bytes = get(&v, &format!("sigver_tc{tc}_signature"));
        let valid = ml_dsa::Signature::<MlDsa65>::try_from(sig_bytes)
            .is_ok_and(|sig| vk.verify_internal(message, &sig));
        assert_eq!(valid, passed, "tcId {tc} ({reason}): the crate's verdict");
        // The library's strict ML-DSA.Verify (ctx = "") signs 0x00 0x00 || M,
        // so none of these internal signatures over M may pass there.
        let nist: [u8; 3309] = fixed(sig_bytes, "signature");
        assert!(
            !public.verify_strict(message, &nist),
            "tcId {tc} ({reason}): library"
        );
        if passed {
            // Where NIST's signature is valid, one flipped bit must not be.
            let mut altered = nist;
            altered[1000] ^= 1;
            let altered = ml_dsa::Signature::<MlDsa65>::try_from(&altered[..])
                .is_ok_and(|sig| vk.verify_internal(message, &sig));
            assert!(!altered, "tcId {tc}: a flipped bit must fail");
        }
    }
}

#[test]
fn external_verification_matches_nist_sigver_tc33() {
    // ML-DSA.Verify (Algorithm 3), pure, with the vector's context: NIST's
    // testPassed is true. None of this group's contexts is empty, so the
    // library's ctx = "" check cannot take the case as it stands; it is
    // tied to it through the formatting Algorithm 3 fixes, and must refuse.
    let v = vectors();
    let pk = get(&v, "sigver_ext_tc33_pk");
    let message = get(&v, "sigver_ext_tc33_message");
    let ctx = get(&v, "sigver_ext_tc33_context");
    let sig_bytes = get(&v, "sigver_ext_tc33_signature");
    assert!(
        !ctx.is_empty() && ctx.len() <= 255,
        "tcId 33: context length"
    );
    let vk = verifying_key(pk);
    let sig = signature(sig_bytes);
    assert!(
        vk.verify_with_context(message, ctx, &sig),
        "tcId 33: the crate's ML-DSA.Verify must accept NIST's signature"
    );
    // Algorithm 3 is Verify_internal over M' = 0x00 || len(ctx) || ctx || M.
    let formatted = [&[0x00, ctx.len() as u8][..], ctx, message].concat();
    assert!(
        vk.verify_internal(&formatted, &sig),
        "tcId 33: Verify_internal over 0x00 || len(ctx) || ctx || M"
    );
    assert!(
        !vk.verify_internal(message, &sig),
        "tcId 33: the prefix is signed too"
    );
    // Changed relative to NIST's passing case: another context, none, or
    // one flipped signature bit must fail.
    let mut other_ctx = ctx.to_vec();
    other_ctx[0] ^= 1;
    assert!(
        !vk.verify_with_context(message, &other_ctx, &sig),
        "tcId 33: a changed context must fail"
    );
    assert!(
        !vk.verify_with_context(message, b"", &sig),
        "tcId 33: the empty context must fail"
    );
    let mut altered: [u8; 3309] = fixed(sig_bytes, "signature");
    altered[1000] ^= 1;
    let altered_valid = ml_dsa::Signature::<MlDsa65>::try_from(&altered[..])
        .is_ok_and(|sig| vk.verify_with_context(message, ctx, &sig));
    assert!(!altered_valid, "tcId 33: a flipped bit must fail");
    // The library's strict verification is ML-DSA.Verify with ctx = "": it
    // must refuse NIST's signature, made under a non-empty context.
    let public = MlDsaPublicIdentity::from_bytes(&fixed(pk, "pk"));
    let nist: [u8; 3309] = fixed(sig_bytes, "signature");
    assert!(
        !public.verify_strict(message, &nist),
        "tcId 33: the library (ctx = \"\") must refuse a ctx != \"\" signature"
    );
}

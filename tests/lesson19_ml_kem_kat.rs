//! Known answers for ML-KEM-768 (FIPS 203), from NIST's published ACVP
//! vectors in `tests/vectors/ml-kem-768-fips203.txt` (its header says
//! exactly where each value comes from): encapsulation from `ek` and `m`,
//! decapsulation from `dk` and `c`, and implicit rejection. The
//! hybrid key exchange of Lesson 19 runs on this crate; these tests pin
//! it to the standard, not to itself.

use std::collections::BTreeMap;

use ml_kem::kem::Decapsulate;
use ml_kem::{DecapsulationKey, EncapsulationKey, MlKem768};
use sha3::Digest;

fn vectors() -> BTreeMap<String, Vec<u8>> {
    let path = format!(
        "{}/tests/vectors/ml-kem-768-fips203.txt",
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

#[test]
fn encapsulation_matches_nist_encap_tc26() {
    let v = vectors();
    let dk = get(&v, "encap_dk");
    // The expanded dk is dk_pke (1152) || ek (1184) || H(ek) (32) || z (32).
    let ek_bytes = &dk[1152..2336];
    assert_eq!(sha3::Sha3_256::digest(ek_bytes).as_slice(), &dk[2336..2368]);

    let ek = EncapsulationKey::<MlKem768>::new(ek_bytes.try_into().unwrap()).unwrap();
    let (c, k) = ek.encapsulate_deterministic(get(&v, "encap_m").try_into().unwrap());

    assert_eq!(c.as_slice(), get(&v, "encap_c"));
    assert_eq!(k.as_slice(), get(&v, "encap_k"));
}

#[test]
#[allow(deprecated, reason = "NIST's vectors give dk in the expanded form")]
fn decapsulation_matches_nist_encap_tc26_and_rejects_implicitly() {
    let v = vectors();
    let expanded: ml_kem::ExpandedDecapsulationKey<MlKem768> =
        get(&v, "encap_dk").try_into().unwrap();
    let dk = DecapsulationKey::<MlKem768>::from_expanded(&expanded).unwrap();
    let c: ml_kem::Ciphertext<MlKem768> = get(&v, "encap_c").try_into().unwrap();

    assert_eq!(dk.decapsulate(&c).as_slice(), get(&v, "encap_k"));

    // Implicit rejection: a changed ciphertext is no error, but another key,
    // J(z || c) (FIPS 203 Algorithm 18), which the encapsulator does not have.
    let mut changed = c;
    changed[0] ^= 1;
    let rejected = dk.decapsulate(&changed);
    assert_ne!(rejected.as_slice(), get(&v, "encap_k"));
    // K-bar = SHAKE256(z || c, 32), z being the last 32 bytes of dk.
    let z = &get(&v, "encap_dk")[2368..];
    let mut xof = shake::Shake256::default();
    shake::Update::update(&mut xof, z);
    shake::Update::update(&mut xof, &changed);
    let mut k_bar = [0u8; 32];
    shake::XofReader::read(&mut shake::ExtendableOutput::finalize_xof(xof), &mut k_bar);
    assert_eq!(rejected.as_slice(), &k_bar);
}

//! Known answers for ML-KEM-768 (FIPS 203), from NIST's published ACVP
//! vectors in `tests/vectors/ml-kem-768-fips203.txt` and
//! `ml-kem-768-keygen-fips203.txt` (their headers say exactly where each
//! value comes from): key generation from the seeds `d` and `z`,
//! encapsulation from `ek` and `m`, decapsulation from `dk` and `c`, and
//! implicit rejection. The
//! hybrid key exchange of Lesson 19 runs on this crate; these tests pin
//! it to the standard, not to itself.

use std::collections::BTreeMap;

use ml_kem::kem::Decapsulate;
use ml_kem::{DecapsulationKey, EncapsulationKey, MlKem768};
use sha3::Digest;

/// The `name = hex` lines of `tests/vectors/FILE`.
fn vectors_in(file: &str) -> BTreeMap<String, Vec<u8>> {
    let path = format!("{}/tests/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
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

fn vectors() -> BTreeMap<String, Vec<u8>> {
    vectors_in("ml-kem-768-fips203.txt")
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

/// ML-KEM.KeyGen_internal(d, z), FIPS 203 Algorithm 16, against ACVP's
/// keyGen cases. The crate's 64-byte seed is `d || z` (d first, although
/// the JSON lists z first), and its `to_bytes()` exports that seed, not the
/// 2,400-byte expanded dk the vectors give: the expanded form is
/// `to_expanded_bytes()`.
#[test]
#[allow(deprecated, reason = "NIST's vectors give dk in the expanded form")]
fn key_generation_matches_nist_keygen_tc26_and_tc27() {
    use ml_kem::ExpandedKeyEncoding;
    use ml_kem::kem::KeyExport;

    let v = vectors_in("ml-kem-768-keygen-fips203.txt");
    for tc in [26, 27] {
        let field = |name: &str| get(&v, &format!("keygen_{tc}_{name}")).to_vec();
        let (d, z, ek, dk) = (field("d"), field("z"), field("ek"), field("dk"));
        assert_eq!((d.len(), z.len(), ek.len(), dk.len()), (32, 32, 1184, 2400));
        // The copy is consistent with itself: dk = dk_pke || ek || H(ek) || z.
        assert_eq!(&dk[1152..2336], &ek[..], "tcId {tc}: ek inside dk");
        assert_eq!(sha3::Sha3_256::digest(&ek).as_slice(), &dk[2336..2368]);
        assert_eq!(&dk[2368..], &z[..], "tcId {tc}: z at the end of dk");

        let seed: [u8; 64] = [&d[..], &z[..]].concat().try_into().unwrap();
        let key = DecapsulationKey::<MlKem768>::from_seed(seed.into());
        assert_eq!(
            key.encapsulation_key().to_bytes().as_slice(),
            &ek[..],
            "tcId {tc}: ek"
        );
        assert_eq!(key.to_expanded_bytes().as_slice(), &dk[..], "tcId {tc}: dk");
        // The seed form is what the crate exports.
        assert_eq!(key.to_bytes().as_slice(), &seed[..]);

        // z before d (the JSON's order) is another key.
        let swapped: [u8; 64] = [&z[..], &d[..]].concat().try_into().unwrap();
        let wrong = DecapsulationKey::<MlKem768>::from_seed(swapped.into());
        assert_ne!(wrong.encapsulation_key().to_bytes().as_slice(), &ek[..]);
    }
}

/// Why ACVP's older keyGen vectors do not reproduce: they were made for
/// FIPS 203's initial public draft, where K-PKE.KeyGen computes
/// `(rho, sigma) = G(d)`; the final standard computes `G(d || k)` (k = 3
/// for ML-KEM-768). `rho` is the last 32 bytes of ek, so the difference is
/// visible with SHA3-512 alone.
#[test]
fn older_acvp_keygen_vectors_are_the_draft_standard_without_domain_separation() {
    use ml_kem::kem::KeyExport;
    use sha3::Sha3_512;

    let v = vectors_in("ml-kem-768-keygen-fips203.txt");
    let final_rho = |d: &[u8]| {
        Sha3_512::new()
            .chain_update(d)
            .chain_update([3u8])
            .finalize()
    };
    let draft_rho = |d: &[u8]| Sha3_512::digest(d);

    // The final standard's cases: rho = G(d || 3), as the crate computes it.
    for tc in [26, 27] {
        let d = get(&v, &format!("keygen_{tc}_d"));
        let ek = get(&v, &format!("keygen_{tc}_ek"));
        assert_eq!(&final_rho(d)[..32], &ek[1152..], "tcId {tc}");
        assert_ne!(&draft_rho(d)[..32], &ek[1152..], "tcId {tc}");
    }

    // The draft-era case: rho = G(d), which no final implementation gives.
    let (d, ek) = (get(&v, "draft_26_d"), get(&v, "draft_26_ek"));
    assert_eq!(&draft_rho(d)[..32], &ek[1152..]);
    assert_ne!(&final_rho(d)[..32], &ek[1152..]);
    let z = [0u8; 32]; // z does not enter ek
    let seed: [u8; 64] = [d, &z[..]].concat().try_into().unwrap();
    let key = DecapsulationKey::<MlKem768>::from_seed(seed.into());
    let ours = key.encapsulation_key().to_bytes();
    assert_ne!(ours.as_slice(), ek);
    assert_eq!(&ours[1152..], &final_rho(d)[..32]);
}

//! The check of exercise 12.1: P_hash.

use learn_mtls::tls12;
use learn_mtls_exercises::lesson12;
use sha2::Sha256;

use crate::harness::{Result, hex, same_bytes};

use super::fixtures::{WG_OUTPUT, WG_SECRET, WG_SEED, lengths, random_vec, unhex};

/// 12.1: P_hash.
pub fn p_hash() -> Result {
    let (secret, seed) = (unhex(WG_SECRET), unhex(WG_SEED));
    let mut label_and_seed = b"test label".to_vec();
    label_and_seed.extend_from_slice(&seed);
    let mut got = vec![0u8; 100];
    lesson12::p_hash::p_hash(&secret, &label_and_seed, &mut got);
    same_bytes(
        "P_SHA256 on the TLS working group's vector",
        &format!("secret = {WG_SECRET}, seed = \"test label\" + {WG_SEED}, 100 bytes"),
        &unhex(WG_OUTPUT),
        &got,
    )?;
    // Keys longer than SHA-256's 64-byte block are hashed first by HMAC.
    for len in lengths() {
        let (secret, seed) = (random_vec(100), random_vec(100));
        let mut expected = vec![0u8; len];
        tls12::p_hash::<Sha256>(&secret, &[&seed], &mut expected);
        let mut got = vec![0u8; len];
        lesson12::p_hash::p_hash(&secret, &seed, &mut got);
        let input = format!(
            "secret = {}, seed = {}, {len} bytes",
            hex(&secret),
            hex(&seed)
        );
        same_bytes("P_SHA256", &input, &expected, &got)?;
    }
    Ok(())
}

//! The check of exercise 12.2: the PRF (label and seed).

use learn_mtls::tls12;
use learn_mtls_exercises::lesson12;

use crate::harness::{Result, below, hex, same_bytes};

use super::fixtures::{WG_OUTPUT, WG_SECRET, WG_SEED, lengths, random_vec, unhex};

/// 12.2: the PRF.
pub fn prf() -> Result {
    let mut got = vec![0u8; 100];
    lesson12::prf::prf(&unhex(WG_SECRET), b"test label", &unhex(WG_SEED), &mut got);
    same_bytes(
        "the PRF on the TLS working group's vector",
        &format!("secret = {WG_SECRET}, label = \"test label\", seed = {WG_SEED}, 100 bytes"),
        &unhex(WG_OUTPUT),
        &got,
    )?;
    let labels: [&[u8]; 5] = [
        b"master secret",
        b"key expansion",
        b"client finished",
        b"",
        b"a label",
    ];
    for len in lengths() {
        let (secret, seed) = (random_vec(64), random_vec(80));
        let label = labels[below(labels.len())];
        let mut expected = vec![0u8; len];
        tls12::prf_sha256(&secret, label, &[&seed], &mut expected);
        let mut got = vec![0u8; len];
        lesson12::prf::prf(&secret, label, &seed, &mut got);
        let input = format!(
            "secret = {}, label = {:?}, seed = {}, {len} bytes",
            hex(&secret),
            String::from_utf8_lossy(label),
            hex(&seed)
        );
        same_bytes("the PRF", &input, &expected, &got)?;
    }
    Ok(())
}

//! The check of exercise 19.1: the hybrid combiner.

use learn_mtls::handshake::{Config, HandshakeError};
use learn_mtls::raw;
use learn_mtls::wire::HybridClientHello;
use learn_mtls_exercises::lesson19::combiner::hybrid_shared_secret;
use learn_mtls_exercises::support::public_share;
use ml_kem::kem::{Decapsulate, KeyExport};
use ml_kem::{DecapsulationKey, MlKem768};
use zeroize::Zeroizing;

use crate::harness::{Result, below, fail, hex, random, same_bytes};

use super::fixtures::{Finish, config_name, goldens, real_handshake};

/// Compares the learner's 64 bytes with `ml_kem_key || x25519_secret`,
/// naming the likely slip.
fn compare(ml_kem_key: &[u8; 32], x25519_secret: &[u8; 32], input: &str) -> Result {
    let expected = [&ml_kem_key[..], x25519_secret].concat();
    let got = match hybrid_shared_secret(ml_kem_key, x25519_secret) {
        Ok(got) => got,
        Err(e) => {
            return Err(fail(format!(
                "a good pair of secrets was refused\n  input:    {input}\n  expected: Ok({})\n  got:      Err({e:?})",
                hex(&expected)
            )));
        }
    };
    if got[..] == [&x25519_secret[..], ml_kem_key].concat()[..] && got[..] != expected[..] {
        return Err(fail(format!(
            "the halves are swapped\n  input:    {input}\n  got:      X25519's secret, then ML-KEM's key\n  \
             expected: ML-KEM's key first (bytes 0..32), then X25519's (32..64), the order of \
             X25519MLKEM768's key shares"
        )));
    }
    same_bytes("the hybrid shared secret", &input, &expected, &got[..])
}

/// 19.1: the combiner.
pub fn combiner() -> Result {
    // The library's own handshakes, from the golden transcripts.
    for golden in goldens() {
        let ml_kem_key = golden.get::<32>("ml_kem_shared_key")?;
        let x25519 = golden.get::<32>("shared_secret")?;
        let expected = golden.get::<64>("hybrid_shared_secret")?;
        let input = format!(
            "{}: ml_kem_shared_key = {}, shared_secret = {}",
            golden.file,
            hex(&ml_kem_key),
            hex(&x25519)
        );
        compare(&ml_kem_key, &x25519, &input)?;
        let got = hybrid_shared_secret(&ml_kem_key, &x25519)
            .map_err(|e| fail(format!("{input}: refused ({e})")))?;
        same_bytes(
            "the hybrid shared secret (the library's, in the golden transcript)",
            &input,
            &expected,
            &got[..],
        )?;
    }
    // An all-zero X25519 secret is a low-order share: refused, whatever
    // ML-KEM's key is.
    for ml_kem_key in [[0u8; 32], random()] {
        let input = format!(
            "ml_kem_key = {}, x25519_secret = 32 zero bytes",
            hex(&ml_kem_key)
        );
        match hybrid_shared_secret(&ml_kem_key, &[0u8; 32]) {
            Err(HandshakeError::NonContributoryShare) => {}
            Err(other) => {
                return Err(fail(format!(
                    "the wrong error\n  input:    {input}\n  expected: Err(NonContributoryShare)\n  got:      Err({other:?})"
                )));
            }
            Ok(got) => {
                return Err(fail(format!(
                    "an all-zero X25519 secret must be refused (the peer sent a low-order share)\n  \
                     input:    {input}\n  expected: Err(NonContributoryShare)\n  got:      Ok({})",
                    hex(&got[..])
                )));
            }
        }
    }
    // ...but not a secret with a single nonzero byte, anywhere.
    for at in [0, 17, 31] {
        let mut x25519 = [0u8; 32];
        x25519[at] = 1;
        let input = format!("x25519_secret = zeros but byte {at} = 1 (not all zeros)");
        compare(&random(), &x25519, &input)?;
    }
    // An all-zero ML-KEM key is never refused: Decaps cannot fail, and only
    // X25519's zero result means something (a low-order share).
    compare(
        &[0u8; 32],
        &random(),
        "ml_kem_key = 32 zero bytes (not checked)",
    )?;
    for _ in 0..200 {
        let (ml_kem_key, x25519) = (random::<32>(), random::<32>());
        let input = format!(
            "ml_kem_key = {}, x25519_secret = {}",
            hex(&ml_kem_key),
            hex(&x25519)
        );
        compare(&ml_kem_key, &x25519, &input)?;
    }
    // Plugged into real hybrid handshakes with the library's server.
    for config in Config::ALL {
        let what = format!(
            "a real hybrid handshake ({}) with your combiner",
            config_name(config)
        );
        real_handshake(config, primitive_client, &what)?;
    }
    // One more with a random configuration, so the order above is not all.
    real_handshake(
        Config::ALL[below(Config::ALL.len())],
        primitive_client,
        "a real hybrid handshake with your combiner",
    )
}

/// A hybrid client made from the primitives, with the learner's combiner
/// at the end.
fn primitive_client() -> Result<(HybridClientHello, Finish<'static>)> {
    let seed: [u8; 64] = random();
    let secret: [u8; 32] = random();
    let decapsulation_key = DecapsulationKey::<MlKem768>::from_seed(seed.into());
    let mut encapsulation_key = [0u8; 1184];
    encapsulation_key.copy_from_slice(&decapsulation_key.encapsulation_key().to_bytes());
    let hello = HybridClientHello {
        encapsulation_key,
        share: public_share(&secret),
    };
    let finish: Finish<'static> = Box::new(move |server_hello| {
        let x25519 = raw::shared_secret(&secret, &server_hello.share)
            .map_err(|e| fail(format!("the real server's share was refused: {e}")))?;
        let key = decapsulation_key.decapsulate(&server_hello.ciphertext.into());
        let mut ml_kem_key = Zeroizing::new([0u8; 32]);
        ml_kem_key.copy_from_slice(&key);
        hybrid_shared_secret(&ml_kem_key, &x25519).map_err(|e| {
            fail(format!(
                "your combiner refused a real handshake's secrets: {e}"
            ))
        })
    });
    Ok((hello, finish))
}

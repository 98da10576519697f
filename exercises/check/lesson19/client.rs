//! The check of exercise 19.2: the hybrid client's key exchange.

use learn_mtls::handshake::{Config, HandshakeError};
use learn_mtls::raw;
use learn_mtls::wire::{HybridClientHello, HybridServerHello};
use learn_mtls_exercises::lesson19::client::HybridClient;
use learn_mtls_exercises::support::public_share;
use ml_kem::kem::{Decapsulate, KeyExport};
use ml_kem::{DecapsulationKey, EncapsulationKey, MlKem768};

use crate::harness::{Result, fail, hex, random, same_bytes};

use super::fixtures::{Finish, config_name, goldens, real_handshake};

/// A point of order 8: X25519 with it is all zeros whatever the secret.
const ORDER_8: &str = "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800";

/// Message 1 as the primitives make it from the same randomness.
fn expected_hello(seed: &[u8; 64], secret: &[u8; 32]) -> [u8; 1216] {
    let key = DecapsulationKey::<MlKem768>::from_seed((*seed).into());
    let mut m1 = [0u8; 1216];
    m1[..1184].copy_from_slice(&key.encapsulation_key().to_bytes());
    m1[1184..].copy_from_slice(&public_share(secret));
    m1
}

/// Says which half of message 1 is wrong, and how.
fn compare_hello(seed: &[u8; 64], secret: &[u8; 32], got: &HybridClientHello) -> Result {
    let expected = expected_hello(seed, secret);
    let input = format!(
        "ml_kem_seed (d || z) = {}, x25519_secret = {}",
        hex(seed),
        hex(secret)
    );
    let swapped: [u8; 64] = [&seed[32..], &seed[..32]].concat().try_into().expect("64");
    if got.encapsulation_key[..] == expected_hello(&swapped, secret)[..1184] {
        return Err(fail(format!(
            "the encapsulation key comes from z || d\n  input:    {input}\n  the seed is d || z as \
             given, whole: from_seed((*ml_kem_seed).into())"
        )));
    }
    same_bytes(
        "message 1 (encapsulation key 0..1184, X25519 share 1184..1216)",
        &input,
        &expected,
        &got.to_bytes(),
    )
}

/// 19.2: the hybrid client's flow.
pub fn client() -> Result {
    // The library's own handshakes, from the golden transcripts.
    for golden in goldens() {
        let seed: [u8; 64] = [golden.get::<32>("ml_kem_d")?, golden.get::<32>("ml_kem_z")?]
            .concat()
            .try_into()
            .expect("64 bytes");
        let secret = golden.get::<32>("client_ephemeral_secret")?;
        let (client, hello) = HybridClient::offer(&seed, &secret);
        let input = format!(
            "{}: ml_kem_d || ml_kem_z, client_ephemeral_secret",
            golden.file
        );
        compare_hello(&seed, &secret, &hello)?;
        same_bytes(
            "message 1 (the library's, in the golden transcript)",
            &input,
            &golden.get::<1216>("message1")?,
            &hello.to_bytes(),
        )?;
        let server_hello = HybridServerHello::from_bytes(&golden.get::<1184>("message2")?);
        let got = client
            .finish(&server_hello)
            .map_err(|e| fail(format!("{input}: message 2 was refused ({e})")))?;
        same_bytes(
            "the hybrid shared secret (the library's, in the golden transcript)",
            &format!("{input}, then its message2"),
            &golden.get::<64>("hybrid_shared_secret")?,
            &got[..],
        )?;
    }
    // Random randomness: message 1, then a message 2 made with the
    // primitives, whose ML-KEM key and X25519 secret the check knows.
    for _ in 0..20 {
        let (seed, secret) = (random::<64>(), random::<32>());
        let (client, hello) = HybridClient::offer(&seed, &secret);
        compare_hello(&seed, &secret, &hello)?;
        let (server_hello, ml_kem_key, x25519) = answer(&hello, random())?;
        let expected = [&ml_kem_key[..], &x25519[..]].concat();
        let got = client
            .finish(&server_hello)
            .map_err(|e| fail(format!("an honest message 2 was refused: {e}")))?;
        same_bytes(
            "the hybrid shared secret (ML-KEM's key from Decaps, then X25519's)",
            &format!(
                "ml_kem_seed = {}, x25519_secret = {}",
                hex(&seed),
                hex(&secret)
            ),
            &expected,
            &got[..],
        )?;
    }
    // A low-order server share is refused, before anything else counts.
    for share in [
        [0u8; 32],
        learn_mtls::hex::decode_array(ORDER_8).expect("hex"),
    ] {
        let (client, hello) = HybridClient::offer(&random(), &random());
        let (mut server_hello, _, _) = answer(&hello, random())?;
        server_hello.share = share;
        match client.finish(&server_hello) {
            Err(HandshakeError::NonContributoryShare) => {}
            other => {
                return Err(fail(format!(
                    "a low-order server share must be refused\n  input:    server_share = {}\n  \
                     expected: Err(NonContributoryShare)\n  got:      {}",
                    hex(&share),
                    match other {
                        Ok(secret) => format!("Ok({})", hex(&secret[..])),
                        Err(e) => format!("Err({e:?})"),
                    }
                )));
            }
        }
    }
    // A changed ciphertext: no error (implicit rejection), but another key,
    // the one Decaps gives for those bytes.
    let seed = random::<64>();
    let (client, hello) = HybridClient::offer(&seed, &random());
    let (mut server_hello, ml_kem_key, x25519) = answer(&hello, random())?;
    server_hello.ciphertext[0] ^= 1;
    let rejected = DecapsulationKey::<MlKem768>::from_seed(seed.into())
        .decapsulate(&server_hello.ciphertext.into());
    let got = client.finish(&server_hello).map_err(|e| {
        fail(format!(
            "a changed ciphertext must not be an error ({e}): ML-KEM's Decaps never fails, it \
             gives another key (implicit rejection), and the first record will not open"
        ))
    })?;
    if got[..32] == ml_kem_key[..] {
        return Err(fail(
            "a changed ciphertext gave the original ML-KEM key: your shared secret does not \
             come from decapsulating the ciphertext in message 2",
        ));
    }
    same_bytes(
        "the hybrid shared secret after one ciphertext bit flipped",
        &"ciphertext byte 0 XOR 1",
        &[&rejected[..], &x25519[..]].concat(),
        &got[..],
    )?;
    // Plugged into real hybrid handshakes with the library's server.
    for config in Config::ALL {
        let what = format!(
            "a real hybrid handshake ({}) with your client's key exchange",
            config_name(config)
        );
        real_handshake(
            config,
            || {
                let (client, hello) = HybridClient::offer(&random(), &random());
                let finish: Finish<'_> = Box::new(move |server_hello| {
                    client
                        .finish(server_hello)
                        .map_err(|e| fail(format!("the real server's message 2 was refused: {e}")))
                });
                Ok((hello, finish))
            },
            &what,
        )?;
    }
    Ok(())
}

/// An honest message 2 for `hello` made with the primitives (its signature
/// left zero: `finish` does not check it), with the ML-KEM key and X25519
/// secret the client should end with.
fn answer(
    hello: &HybridClientHello,
    server_secret: [u8; 32],
) -> Result<(HybridServerHello, [u8; 32], [u8; 32])> {
    let key = EncapsulationKey::<MlKem768>::new(&hello.encapsulation_key.into()).map_err(|_| {
        fail(format!(
            "your encapsulation key fails FIPS 203's check (a coefficient not below 3329): {}",
            hex(&hello.encapsulation_key[..32])
        ))
    })?;
    let (ciphertext, ml_kem_key) = key.encapsulate_deterministic(&random::<32>().into());
    let x25519 = raw::shared_secret(&server_secret, &hello.share)
        .map_err(|e| fail(format!("your X25519 share was refused: {e}")))?;
    let mut server_hello = HybridServerHello {
        ciphertext: [0u8; 1088],
        share: public_share(&server_secret),
        signature: [0u8; 64],
    };
    server_hello.ciphertext.copy_from_slice(&ciphertext);
    let mut k = [0u8; 32];
    k.copy_from_slice(&ml_kem_key);
    Ok((server_hello, k, *x25519))
}

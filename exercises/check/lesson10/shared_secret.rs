//! The check of exercise 10.1: the X25519 shared secret.

use learn_mtls::raw;
use learn_mtls::schedule::KeySchedule;
use learn_mtls_exercises::lesson10;
use learn_mtls_exercises::support::public_share;

use crate::harness::{Result, fail, hex, random, same, same_bytes};

use super::fixtures::{BINDINGS, exchange, h32, real_handshake};

/// X25519 shares of low order: each forces an all-zero shared secret
/// (RFC 7748 section 7; the list libsodium refuses).
const LOW_ORDER: [&str; 9] = [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
];

fn compare_shared(own: &[u8; 32], peer: &[u8; 32]) -> Result {
    let input = format!("own_secret = {}, peer_share = {}", hex(own), hex(peer));
    let expected = raw::shared_secret(own, peer);
    let got = lesson10::shared_secret::shared_secret(own, peer);
    match (expected, got) {
        (Ok(e), Ok(g)) => same_bytes("the shared secret", &input, &e[..], &g[..]),
        (Err(e), Ok(g)) => Err(fail(format!(
            "a low-order share must be refused\n  input:    {input}\n  expected: Err({e:?})\n  got:      Ok({})",
            hex(&g[..])
        ))),
        (Ok(e), Err(g)) => Err(fail(format!(
            "a good share was refused\n  input:    {input}\n  expected: Ok({})\n  got:      Err({g:?})",
            hex(&e[..])
        ))),
        (Err(e), Err(g)) => same("the error", &input, &e, &g),
    }
}

/// 10.1: the shared secret.
pub fn shared_secret() -> Result {
    crate::harness::not_the_library_itself(
        "10.1",
        "exercises/src/lesson10/shared_secret.rs",
        include_str!("../../src/lesson10/shared_secret.rs"),
        "shared_secret",
    )?;
    // RFC 7748 section 6.1: Alice's secret, Bob's share, their shared secret.
    let alice = h32("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    let bob = h32("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    let k = h32("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    let got = lesson10::shared_secret::shared_secret(&alice, &bob);
    let got = got.map_err(|e| fail(format!("RFC 7748's example was refused: {e}")))?;
    same_bytes(
        "the shared secret of RFC 7748 section 6.1",
        &"Alice's secret, Bob's share",
        &k,
        &got[..],
    )?;
    for point in LOW_ORDER {
        compare_shared(&random(), &h32(point))?;
    }
    for _ in 0..100 {
        compare_shared(&random(), &public_share(&random()))?;
    }
    for binding in BINDINGS {
        let mut real = real_handshake(binding)?;
        let shared = lesson10::shared_secret::shared_secret(&real.secret, &real.server_hello.share)
            .map_err(|e| fail(format!("the real server's share was refused: {e}")))?;
        let keys = raw::traffic_keys(
            KeySchedule::Hkdf,
            &shared,
            &real.hello.share,
            &real.server_hello.share,
            real.transcript_hash,
        );
        let what = format!("a real handshake ({binding} binding) with your shared secret");
        exchange(&mut raw::client_session(&keys), &mut real.server, &what)?;
    }
    Ok(())
}

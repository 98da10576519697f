//! Every Lesson 15 parser on seeded random input, a few thousand times
//! each: the stable-toolchain cousin of the `fuzz/` targets, run by
//! `cargo test`. No input may panic; what parses must re-encode to the
//! same bytes; a mutated certificate must not verify.

mod common;
use common::pki;

use chacha20::ChaCha20Rng;
use learn_mtls::cert::armour;
use learn_mtls::cert::crl::RevocationList;
use learn_mtls::cert::time::{Rfc3339, parse_rfc3339};
use learn_mtls::cert::verify::{Chain, check_issuer_signature};
use learn_mtls::cert::{CERTIFICATE_LEN, Certificate};
use learn_mtls::handshake::certified::{CertifiedClientAuth, CertifiedServerHello};
use learn_mtls::rand_core::{Rng, SeedableRng};
use pki::*;

const ROUNDS: usize = 3000;

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::from_seed([15; 32])
}

/// `honest` with a few random bytes changed (and sometimes cut short).
fn mutate(rng: &mut ChaCha20Rng, honest: &[u8]) -> Vec<u8> {
    let mut out = honest.to_vec();
    for _ in 0..=(rng.next_u32() % 4) {
        let at = rng.next_u32() as usize % out.len();
        out[at] ^= 1 << (rng.next_u32() % 8);
    }
    if rng.next_u32() % 8 == 0 {
        out.truncate(rng.next_u32() as usize % honest.len());
    }
    out
}

#[test]
fn certificates_from_random_changes() {
    let mut rng = rng();
    let honest = alice_cert().to_bytes();
    let (mut parsed, mut changed_and_parsed, mut refused) = (0, 0, 0);
    for _ in 0..ROUNDS {
        let bytes = mutate(&mut rng, &honest);
        let Ok(cert) = Certificate::from_bytes(&bytes) else {
            refused += 1;
            continue;
        };
        parsed += 1;
        {
            assert_eq!(
                &cert.to_bytes()[..],
                &bytes[..],
                "one encoding per certificate"
            );
            if bytes != honest {
                changed_and_parsed += 1;
                assert!(check_issuer_signature(&cert, &root_key().public()).is_err());
            }
        }
    }
    // Notice: both paths ran, and changed certificates did reach the
    // signature check (a mutation inside the signed fields parses).
    assert!(
        parsed > 100 && refused > 100,
        "parsed {parsed}, refused {refused}"
    );
    assert!(changed_and_parsed > 100, "{changed_and_parsed}");
}

#[test]
fn lists_from_random_changes() {
    let mut rng = rng();
    let honest = crl(&root_key(), &[2, 7, 9, 1000]);
    let (mut changed_and_parsed, mut refused) = (0, 0);
    for _ in 0..ROUNDS {
        let bytes = mutate(&mut rng, &honest);
        let parsed = RevocationList::from_bytes(&bytes);
        refused += usize::from(parsed.is_err());
        if let Ok(list) = parsed {
            let serials: Vec<u64> = list.serials().collect();
            assert!(serials.windows(2).all(|w| w[0] < w[1]));
            assert!(serials.iter().all(|s| list.contains(*s)));
            if bytes != honest {
                changed_and_parsed += 1;
                assert!(!list.signature_verifies(), "a changed list still verifies");
            }
        }
    }
    assert!(
        changed_and_parsed > 100 && refused > 100,
        "parsed {changed_and_parsed}, refused {refused}"
    );
}

#[test]
fn armour_from_random_text() {
    let mut rng = rng();
    let mut good = String::new();
    armour::write_block(
        &mut good,
        armour::CERTIFICATE_LABEL,
        &[7u8; CERTIFICATE_LEN],
    )
    .unwrap();
    let alphabet = b"AB+/=-\n\r #ENDBGIN";
    let mut buf = [0u8; 512];
    let (mut decoded, mut refused) = (0, 0);
    for _ in 0..ROUNDS {
        let mut text = good.clone().into_bytes();
        for _ in 0..=(rng.next_u32() % 6) {
            let at = rng.next_u32() as usize % text.len();
            text[at] = alphabet[rng.next_u32() as usize % alphabet.len()];
        }
        let text = String::from_utf8(text).expect("ASCII stays UTF-8");
        for block in armour::blocks(&text).take(8) {
            match block {
                Ok(block) => match block.decode(&mut buf) {
                    Ok(_) => decoded += 1,
                    Err(e) => {
                        refused += 1;
                        assert!(e.line >= 1 && e.line <= text.lines().count().max(1));
                    }
                },
                Err(e) => {
                    refused += 1;
                    assert!(e.line >= 1 && e.line <= text.lines().count().max(1));
                }
            }
        }
    }
    assert!(
        decoded > 100 && refused > 100,
        "decoded {decoded}, refused {refused}"
    );
}

#[test]
fn times_from_random_text() {
    let mut rng = rng();
    let alphabet = b"0123456789-:TZ+.z ";
    let mut parsed = 0;
    for _ in 0..ROUNDS * 10 {
        let mut text = *b"2026-11-28T09:00:00Z";
        for _ in 0..=(rng.next_u32() % 3) {
            let at = rng.next_u32() as usize % text.len();
            text[at] = alphabet[rng.next_u32() as usize % alphabet.len()];
        }
        let text = std::str::from_utf8(&text).unwrap();
        if let Ok(t) = parse_rfc3339(text) {
            parsed += 1;
            assert_eq!(parse_rfc3339(&Rfc3339(t).to_string()), Ok(t), "{text}");
        }
    }
    // Notice: many changed times still parse, so the round trip was exercised.
    assert!(parsed > 1000);
}

#[test]
fn handshake_messages_from_random_changes() {
    let mut rng = rng();
    let m2 = CertifiedServerHello {
        share: [9; 32],
        chain: server_chain_via_intermediate(),
        signature: [1; 64],
    };
    let m3 = CertifiedClientAuth {
        chain: Chain::leaf(alice_cert()),
        signature: [2; 64],
    };
    let (m2, m3) = (m2.encode(), m3.encode());
    let (mut parsed, mut refused) = ([0; 2], [0; 2]);
    for _ in 0..ROUNDS {
        let bytes = mutate(&mut rng, m2.as_bytes());
        match CertifiedServerHello::decode(&bytes) {
            Ok(m) => {
                parsed[0] += 1;
                assert_eq!(m.encode().as_bytes(), &bytes[..]);
            }
            Err(_) => refused[0] += 1,
        }
        let bytes = mutate(&mut rng, m3.as_bytes());
        match CertifiedClientAuth::decode(&bytes) {
            Ok(m) => {
                parsed[1] += 1;
                assert_eq!(m.encode().as_bytes(), &bytes[..]);
            }
            Err(_) => refused[1] += 1,
        }
    }
    // Notice: for each message, both the round trip and the refusal ran.
    assert!(
        parsed.iter().chain(&refused).all(|&n| n > 50),
        "parsed {parsed:?}, refused {refused:?}"
    );
}

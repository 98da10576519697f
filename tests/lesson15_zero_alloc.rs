//! The Lesson 15 core needs no allocator either: parsing certificates and
//! lists, verifying a chain with revocation, decoding armour, and the whole
//! certified handshake run inside `allocation_counter::measure` and make
//! no allocation at all.

mod common;
use common::pki;

use allocation_counter::measure;
use chacha20::ChaCha20Rng;
use learn_mtls::cert::armour::{self, CERTIFICATE_LABEL};
use learn_mtls::cert::crl::RevocationList;
use learn_mtls::cert::verify::{Chain, Role};
use learn_mtls::cert::{CERTIFICATE_LEN, Certificate};
use learn_mtls::handshake::certified::{self, CertifiedClientAuth, CertifiedServerHello};
use learn_mtls::rand_core::SeedableRng;
use learn_mtls::schedule::KeySchedule;
use pki::*;

#[test]
fn the_counter_counts_a_deliberate_allocation() {
    let info = measure(|| {
        std::hint::black_box(vec![1u8]);
    });
    assert_eq!(info.count_total, 1);
}

#[test]
fn verifying_a_chain_with_a_list_allocates_nothing() {
    let root = root();
    let chain = server_chain_via_intermediate();
    let (leaf, intermediate) = (
        chain.leaf.to_bytes(),
        chain.intermediate.unwrap().to_bytes(),
    );
    let by_root = crl(&root_key(), &[7, 8]);
    let by_intermediate = crl(&intermediate_key(), &[5]);
    let mut armoured = String::new();
    armour::write_block(&mut armoured, CERTIFICATE_LABEL, &leaf).unwrap();
    let info = measure(|| {
        let mut buf = [0u8; CERTIFICATE_LEN];
        let block = armour::blocks(&armoured).next().unwrap().unwrap();
        let leaf = Certificate::from_bytes(block.decode(&mut buf).unwrap()).unwrap();
        let chain = Chain {
            leaf,
            intermediate: Some(Certificate::from_bytes(&intermediate).unwrap()),
        };
        let lists = [
            RevocationList::from_bytes(&by_root).unwrap(),
            RevocationList::from_bytes(&by_intermediate).unwrap(),
        ];
        let peer = verifier(&root, NOW, &lists)
            .verify_chain(&chain, Role::Server, Some(&name("api.internal")))
            .unwrap();
        assert_eq!(peer.serial, 1);
    });
    assert_eq!(info.count_total, 0);
}

#[test]
fn the_certified_handshake_allocates_nothing() {
    let root = root();
    let (server, alice) = (server_key(), alice_key());
    let (server_chain, client_chain) = (server_chain_via_intermediate(), Chain::leaf(alice_cert()));
    let mut client_rng = ChaCha20Rng::from_seed([1; 32]);
    let mut server_rng = ChaCha20Rng::from_seed([2; 32]);
    let info = measure(|| {
        let (c, m1) = certified::Client::start(
            &mut client_rng,
            &alice,
            &client_chain,
            verifier(&root, NOW, &[]),
            name("api.internal"),
            KeySchedule::Hkdf,
        );
        let (s, m2) = certified::Server::new(&server, &server_chain, KeySchedule::Hkdf)
            .read_client_hello(&mut server_rng, &m1)
            .unwrap();
        let m2 = CertifiedServerHello::decode(m2.encode().as_bytes()).unwrap();
        let (mut session, m3, _) = c.read_server_hello(&m2).unwrap();
        let m3 = CertifiedClientAuth::decode(m3.encode().as_bytes()).unwrap();
        let pending = s.read_client_auth(&m3, &verifier(&root, NOW, &[])).unwrap();
        let mut record = [0u8; 64];
        let len = session.seal(b"hi", &mut record).unwrap();
        let (accepted, _) = pending.confirm(&mut record[..len]).unwrap();
        assert_eq!(accepted.client.serial, 3);
    });
    assert_eq!(info.count_total, 0);
}

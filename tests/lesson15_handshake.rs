//! Lesson 15 katas: the certified handshake in memory.
//!
//! Message sizes, a chain with an intermediate on the wire, a certificate
//! replayed by someone who lacks its key, every byte of messages 2 and 3
//! changed in flight, and the refusals a peer sees for each broken rule.

mod common;
use common::pki;

use chacha20::ChaCha20Rng;
use learn_mtls::cert::crl::RevocationList;
use learn_mtls::cert::verify::{CertError, Chain, VerifiedPeer, Verifier};
use learn_mtls::handshake::HandshakeError;
use learn_mtls::handshake::certified::{
    self, CertifiedClientAuth, CertifiedServerHello, MAX_CLIENT_AUTH_LEN, MAX_SERVER_HELLO_LEN,
};
use learn_mtls::keys::IdentityKey;
use learn_mtls::rand_core::SeedableRng;
use learn_mtls::schedule::KeySchedule;
use learn_mtls::wire::ClientHello;
use pki::*;

/// Which message Mallory may change.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Message {
    M2,
    M3,
}

/// Who ends up where after a handshake.
#[derive(Debug)]
struct Outcome {
    server_seen_by_client: VerifiedPeer,
    client_seen_by_server: VerifiedPeer,
}

struct Party<'a> {
    key: &'a IdentityKey,
    chain: &'a Chain,
}

/// The client and the server, each a key and the chain it presents.
fn parties<'a>(
    (client_key, client_chain): (&'a IdentityKey, &'a Chain),
    (server_key, server_chain): (&'a IdentityKey, &'a Chain),
) -> (Party<'a>, Party<'a>) {
    (
        Party {
            key: client_key,
            chain: client_chain,
        },
        Party {
            key: server_key,
            chain: server_chain,
        },
    )
}

/// Runs the whole handshake with key confirmation, every message 2 and 3
/// encoded to bytes and decoded again, through `mallory`.
fn run(
    (client, server): (Party<'_>, Party<'_>),
    (client_verifier, server_verifier): (Verifier<'_>, Verifier<'_>),
    server_name: &str,
    mut mallory: impl FnMut(Message, &mut Vec<u8>),
) -> Result<Outcome, HandshakeError> {
    let mut client_rng = ChaCha20Rng::from_seed([1; 32]);
    let mut server_rng = ChaCha20Rng::from_seed([2; 32]);
    let (c, m1) = certified::Client::start(
        &mut client_rng,
        client.key,
        client.chain,
        client_verifier,
        name(server_name),
        KeySchedule::Hkdf,
    );
    let (s, m2) = certified::Server::new(server.key, server.chain, KeySchedule::Hkdf)
        .read_client_hello(&mut server_rng, &ClientHello::from_bytes(&m1.to_bytes()))?;
    let mut m2_bytes = m2.encode().as_bytes().to_vec();
    mallory(Message::M2, &mut m2_bytes);
    let (mut client_session, m3, server_peer) =
        c.read_server_hello(&CertifiedServerHello::decode(&m2_bytes)?)?;
    let mut m3_bytes = m3.encode().as_bytes().to_vec();
    mallory(Message::M3, &mut m3_bytes);
    let pending = s.read_client_auth(&CertifiedClientAuth::decode(&m3_bytes)?, &server_verifier)?;
    let mut record = [0u8; 64];
    let len = client_session.seal(b"hi", &mut record).unwrap();
    let (accepted, first) = pending.confirm(&mut record[..len])?;
    assert_eq!(first, b"hi");
    Ok(Outcome {
        server_seen_by_client: server_peer,
        client_seen_by_server: accepted.client,
    })
}

fn honest(
    server_chain: &Chain,
    client_chain: &Chain,
    mallory: impl FnMut(Message, &mut Vec<u8>),
) -> Result<Outcome, HandshakeError> {
    let root = root();
    let (server_key, alice_key) = (server_key(), alice_key());
    run(
        parties((&alice_key, client_chain), (&server_key, server_chain)),
        (verifier(&root, NOW, &[]), verifier(&root, NOW, &[])),
        "api.internal",
        mallory,
    )
}

#[test]
fn both_sides_learn_who_the_other_is() {
    let outcome = honest(
        &Chain::leaf(server_cert()),
        &Chain::leaf(alice_cert()),
        |_, _| {},
    )
    .unwrap();
    assert_eq!(outcome.server_seen_by_client.name.as_str(), "api.internal");
    assert_eq!(outcome.server_seen_by_client.serial, 4);
    assert_eq!(outcome.client_seen_by_server.name.as_str(), "alice");
    assert_eq!(outcome.client_seen_by_server.serial, 3);
}

#[test]
fn a_chain_with_an_intermediate_works_end_to_end() {
    let mut sizes = Vec::new();
    let outcome = honest(
        &server_chain_via_intermediate(),
        &Chain::leaf(alice_cert()),
        |_, bytes| sizes.push(bytes.len()),
    )
    .unwrap();
    assert_eq!(outcome.server_seen_by_client.serial, 1);
    assert_eq!(sizes, [32 + 1 + 2 * 220 + 64, 1 + 220 + 64]);
}

#[test]
fn message_sizes() {
    // One certificate each: 32 + 317 + 285 = 634 bytes of handshake.
    let mut sizes = Vec::new();
    honest(
        &Chain::leaf(server_cert()),
        &Chain::leaf(alice_cert()),
        |_, bytes| sizes.push(bytes.len()),
    )
    .unwrap();
    assert_eq!(sizes, [317, 285]);
    assert_eq!(MAX_SERVER_HELLO_LEN, 537);
    assert_eq!(MAX_CLIENT_AUTH_LEN, 505);
}

#[test]
fn every_changed_byte_of_messages_2_and_3_is_refused() {
    let server_chain = Chain::leaf(server_cert());
    let client_chain = Chain::leaf(alice_cert());
    for (message, len) in [(Message::M2, 317), (Message::M3, 285)] {
        for at in 0..len {
            let result = honest(&server_chain, &client_chain, |m, bytes| {
                if m == message {
                    bytes[at] ^= 0x01;
                }
            });
            assert!(
                result.is_err(),
                "changing byte {at} of {} went unnoticed",
                if message == Message::M2 { "M2" } else { "M3" }
            );
        }
    }
}

#[test]
fn a_replayed_server_certificate_without_its_key_is_refused() {
    // Mallory presents the genuine server certificate but signs with her key.
    let root = root();
    let (mallory, alice) = (mallory_key(), alice_key());
    let (server_chain, client_chain) = (Chain::leaf(server_cert()), Chain::leaf(alice_cert()));
    let err = run(
        parties((&alice, &client_chain), (&mallory, &server_chain)),
        (verifier(&root, NOW, &[]), verifier(&root, NOW, &[])),
        "api.internal",
        |_, _| {},
    )
    .unwrap_err();
    assert_eq!(
        err,
        HandshakeError::ServerCertificate(CertError::NotSignedByCertificateKey {
            name: name("api.internal")
        })
    );
}

#[test]
fn a_replayed_client_certificate_without_its_key_is_refused() {
    let root = root();
    let (mallory, server) = (mallory_key(), server_key());
    let (server_chain, client_chain) = (Chain::leaf(server_cert()), Chain::leaf(alice_cert()));
    let err = run(
        parties((&mallory, &client_chain), (&server, &server_chain)),
        (verifier(&root, NOW, &[]), verifier(&root, NOW, &[])),
        "api.internal",
        |_, _| {},
    )
    .unwrap_err();
    assert_eq!(
        err,
        HandshakeError::ClientCertificate(CertError::NotSignedByCertificateKey {
            name: name("alice")
        })
    );
}

#[test]
fn the_client_checks_the_server_name_and_usage() {
    let server_chain = Chain::leaf(server_cert());
    let client_chain = Chain::leaf(alice_cert());
    let root = root();
    let (server, alice) = (server_key(), alice_key());
    let honest_parties = || parties((&alice, &client_chain), (&server, &server_chain));
    let verifiers = || (verifier(&root, NOW, &[]), verifier(&root, NOW, &[]));
    assert!(matches!(
        run(honest_parties(), verifiers(), "billing.internal", |_, _| {}),
        Err(HandshakeError::ServerCertificate(
            CertError::NameMismatch { .. }
        ))
    ));
    // Alice's client certificate cannot serve.
    let err = run(
        parties((&alice, &client_chain), (&alice, &client_chain)),
        verifiers(),
        "alice",
        |_, _| {},
    )
    .unwrap_err();
    assert!(matches!(
        err,
        HandshakeError::ServerCertificate(CertError::WrongUsage { .. })
    ));
}

#[test]
fn the_server_refuses_an_expired_or_revoked_client() {
    let root = root();
    let (server, alice) = (server_key(), alice_key());
    let (server_chain, client_chain) = (Chain::leaf(server_cert()), Chain::leaf(alice_cert()));
    let honest_parties = || parties((&alice, &client_chain), (&server, &server_chain));
    let late = NOT_AFTER + 3600;
    let err = run(
        honest_parties(),
        (verifier(&root, NOW, &[]), verifier(&root, late, &[])),
        "api.internal",
        |_, _| {},
    )
    .unwrap_err();
    assert!(matches!(
        err,
        HandshakeError::ClientCertificate(CertError::Expired { serial: 3, .. })
    ));

    let list = crl(&root_key(), &[3]);
    let lists = [RevocationList::from_bytes(&list).unwrap()];
    let err = run(
        honest_parties(),
        (verifier(&root, NOW, &[]), verifier(&root, NOW, &lists)),
        "api.internal",
        |_, _| {},
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "client certificate refused: revoked serial 3 (alice)"
    );
}

#[test]
fn malformed_messages_are_named() {
    let m2 = [0u8; 40];
    assert!(matches!(
        CertifiedServerHello::decode(&m2[..10]),
        Err(HandshakeError::MessageLength(_))
    ));
    let mut bad_count = [0u8; 40];
    bad_count[32] = 3;
    assert_eq!(
        CertifiedServerHello::decode(&bad_count),
        Err(HandshakeError::ServerCertificate(CertError::ChainLength {
            count: 3
        }))
    );
    assert_eq!(
        CertifiedClientAuth::decode(&[0u8]),
        Err(HandshakeError::ClientCertificate(CertError::ChainLength {
            count: 0
        }))
    );
    let err = CertifiedClientAuth::decode(&[1u8; 100]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "message 3 (CertifiedClientAuth) must be exactly 285 bytes, got 100"
    );
}

#[test]
fn both_schedules_work_and_a_mismatch_fails_at_the_first_signature() {
    let root = root();
    let (server, alice) = (server_key(), alice_key());
    let (server_chain, client_chain) = (Chain::leaf(server_cert()), Chain::leaf(alice_cert()));
    let attempt = |client_schedule, server_schedule| {
        let (c, m1) = certified::Client::start(
            &mut ChaCha20Rng::from_seed([1; 32]),
            &alice,
            &client_chain,
            verifier(&root, NOW, &[]),
            name("api.internal"),
            client_schedule,
        );
        let (s, m2) = certified::Server::new(&server, &server_chain, server_schedule)
            .read_client_hello(&mut ChaCha20Rng::from_seed([2; 32]), &m1)?;
        let (mut session, m3, _) = c.read_server_hello(&m2)?;
        let pending = s.read_client_auth(&m3, &verifier(&root, NOW, &[]))?;
        let mut record = [0u8; 64];
        let len = session.seal(b"hi", &mut record).unwrap();
        pending.confirm(&mut record[..len]).map(|_| ())
    };
    attempt(KeySchedule::Hkdf, KeySchedule::Hkdf).unwrap();
    attempt(KeySchedule::Tls12Prf, KeySchedule::Tls12Prf).unwrap();
    assert_eq!(
        attempt(KeySchedule::Hkdf, KeySchedule::Tls12Prf),
        Err(HandshakeError::ServerCertificate(
            CertError::NotSignedByCertificateKey {
                name: name("api.internal")
            }
        ))
    );
}

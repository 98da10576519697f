//! Lesson 19: the hybrid key exchange in the sans-IO core. The mutual
//! handshake's steps run with `X25519MlKem768` exactly as with `X25519`;
//! only messages 1 and 2 change (1,216 and 1,184 bytes), message 3 stays
//! 96, and the keys come from both secrets.

use std::hint::black_box;

use allocation_counter::measure;
use chacha20::ChaCha20Rng;
use learn_mtls::handshake::mutual::{self, ClientVerified};
use learn_mtls::handshake::{Binding, Config, HandshakeError};
use learn_mtls::kex::{KeyExchange, X25519MlKem768, looks_like_encapsulation_key};
use learn_mtls::keys::IdentityKey;
use learn_mtls::rand_core::SeedableRng;
use learn_mtls::record::Session;
use learn_mtls::trust::{ClientName, PinnedClient};
use learn_mtls::wire::{
    CLIENT_AUTH_LEN, HYBRID_CLIENT_HELLO_LEN, HYBRID_MUTUAL_HANDSHAKE_LEN, HYBRID_SERVER_HELLO_LEN,
    HybridClientHello, HybridServerHello,
};

fn keys() -> (IdentityKey, IdentityKey, PinnedClient) {
    let server_key = IdentityKey::from_secret_bytes(&[b'S'; 32]);
    let client_key = IdentityKey::from_secret_bytes(&[b'A'; 32]);
    let policy = PinnedClient::new(client_key.public(), ClientName::new("alice").unwrap());
    (server_key, client_key, policy)
}

/// The server's session once the client's first record (`record`) is in.
fn server_session(verified: ClientVerified, record: &mut [u8]) -> Result<Session, HandshakeError> {
    match verified {
        ClientVerified::Accepted(accepted) => {
            let mut session = accepted.session;
            session
                .open_in_place(record)
                .map_err(HandshakeError::KeyConfirmationFailed)?;
            Ok(session)
        }
        ClientVerified::ExpectKeyConfirmation(pending) => Ok(pending.confirm(record)?.0.session),
    }
}

#[test]
fn the_hybrid_handshake_completes_under_both_bindings_and_both_schedules() {
    let (server_key, client_key, policy) = keys();
    for config in Config::ALL {
        let mut rng = ChaCha20Rng::from_seed([7; 32]);
        let (client, hello) = mutual::Client::start_kex(
            &mut rng,
            X25519MlKem768,
            &client_key,
            server_key.public(),
            config,
        );
        let (server, server_hello) = mutual::Server::with_kex(&server_key, config, X25519MlKem768)
            .read_client_hello(&mut rng, &hello)
            .unwrap();
        let (mut client, auth) = client.read_server_hello(&server_hello).unwrap();
        let verified = server.read_client_auth(&auth, &policy).unwrap();

        // Notice: the sizes the lesson quotes, exactly.
        assert_eq!(hello.to_bytes().len(), 1216, "{config:?}");
        assert_eq!(server_hello.to_bytes().len(), 1184, "{config:?}");
        assert_eq!(auth.to_bytes().len(), 96, "{config:?}");
        assert_eq!(
            HYBRID_CLIENT_HELLO_LEN + HYBRID_SERVER_HELLO_LEN + CLIENT_AUTH_LEN,
            HYBRID_MUTUAL_HANDSHAKE_LEN
        );
        assert_eq!(HYBRID_MUTUAL_HANDSHAKE_LEN, 2496);

        let mut record = [0u8; 64];
        let len = client.seal(b"hello", &mut record).unwrap();
        let mut server = server_session(verified, &mut record[..len]).unwrap();
        let len = server.seal(b"back", &mut record).unwrap();
        assert_eq!(client.open_in_place(&mut record[..len]).unwrap(), b"back");
    }
}

#[test]
fn a_changed_ciphertext_is_caught_by_the_servers_signature_under_both_bindings() {
    let (server_key, client_key, _) = keys();
    for config in Config::ALL {
        let mut rng = ChaCha20Rng::from_seed([8; 32]);
        let (client, hello) = mutual::Client::start_kex(
            &mut rng,
            X25519MlKem768,
            &client_key,
            server_key.public(),
            config,
        );
        let (_, mut server_hello) = mutual::Server::with_kex(&server_key, config, X25519MlKem768)
            .read_client_hello(&mut rng, &hello)
            .unwrap();
        server_hello.ciphertext[100] ^= 1;

        // Notice: lesson11 signs the server's whole reply, ciphertext and
        // share; transcript signs its hash after message 1.
        assert_eq!(
            client.read_server_hello(&server_hello).err(),
            Some(HandshakeError::ServerSignatureInvalid),
            "{config:?}"
        );
    }
}

#[test]
fn decapsulating_a_changed_ciphertext_is_no_error_but_gives_another_secret() {
    let mut rng = ChaCha20Rng::from_seed([9; 32]);
    let (secret, hello) = X25519MlKem768::offer(&mut rng);
    let (server_secret, server_hello) = X25519MlKem768::answer(&mut rng, &hello).unwrap();
    let honest = X25519MlKem768::finish(secret, &server_hello).unwrap();
    assert_eq!(honest.as_ref(), server_secret.as_ref());

    let mut rng = ChaCha20Rng::from_seed([9; 32]);
    let (secret, _) = X25519MlKem768::offer(&mut rng);
    let mut altered = server_hello;
    altered.ciphertext[0] ^= 0x80;

    // Notice: implicit rejection. No error; a key the server does not have.
    let rejected = X25519MlKem768::finish(secret, &altered).unwrap();
    assert_ne!(rejected.as_ref(), server_secret.as_ref());
    // ...and its X25519 half is still the honest one: only ML-KEM's differs.
    assert_eq!(rejected.as_ref()[32..], server_secret.as_ref()[32..]);
    assert_ne!(rejected.as_ref()[..32], server_secret.as_ref()[..32]);
}

#[test]
fn the_shared_secret_is_the_ml_kem_key_then_the_x25519_one() {
    let mut rng = ChaCha20Rng::from_seed([10; 32]);
    let (_, hello) = X25519MlKem768::offer(&mut rng);
    let mut server_rng = ChaCha20Rng::from_seed([11; 32]);
    let (shared, server_hello) = X25519MlKem768::answer(&mut server_rng, &hello).unwrap();

    // Recomputed with the primitives: the server's X25519 secret is the
    // first 32 bytes of its randomness, then ML-KEM's m.
    let mut server_rng = ChaCha20Rng::from_seed([11; 32]);
    let mut x_secret = [0u8; 32];
    let mut m = [0u8; 32];
    learn_mtls::rand_core::Rng::fill_bytes(&mut server_rng, &mut x_secret);
    learn_mtls::rand_core::Rng::fill_bytes(&mut server_rng, &mut m);
    let x = x25519_dalek::x25519(x_secret, hello.share);
    let ek = ml_kem::ml_kem_768::EncapsulationKey::new(&hello.encapsulation_key.into()).unwrap();
    let (ct, k) = ek.encapsulate_deterministic(&m.into());
    assert_eq!(ct.as_slice(), &server_hello.ciphertext[..]);
    assert_eq!(&shared.as_ref()[..32], k.as_slice());
    assert_eq!(&shared.as_ref()[32..], &x[..]);
}

#[test]
fn a_bad_encapsulation_key_is_refused_before_the_server_signs() {
    let (server_key, client_key, _) = keys();
    let mut rng = ChaCha20Rng::from_seed([12; 32]);
    let (_, mut hello) = mutual::Client::start_kex(
        &mut rng,
        X25519MlKem768,
        &client_key,
        server_key.public(),
        Binding::Transcript,
    );
    // The first coefficient becomes 0xfff = 4095, not below q = 3329.
    hello.encapsulation_key[0] = 0xff;
    hello.encapsulation_key[1] |= 0x0f;

    let result = mutual::Server::with_kex(&server_key, Binding::Transcript, X25519MlKem768)
        .read_client_hello(&mut rng, &hello);

    assert_eq!(result.err(), Some(HandshakeError::EncapsulationKeyInvalid));
}

#[test]
fn a_low_order_share_is_still_refused() {
    let (server_key, client_key, _) = keys();
    let mut rng = ChaCha20Rng::from_seed([13; 32]);
    let (_, mut hello) = mutual::Client::start_kex(
        &mut rng,
        X25519MlKem768,
        &client_key,
        server_key.public(),
        Binding::Transcript,
    );
    hello.share = [0u8; 32]; // u = 0 has order 1: the X25519 result is all zeros

    let result = mutual::Server::with_kex(&server_key, Binding::Transcript, X25519MlKem768)
        .read_client_hello(&mut rng, &hello);

    assert_eq!(result.err(), Some(HandshakeError::NonContributoryShare));
}

#[test]
fn hybrid_messages_have_one_length() {
    let short = [0u8; 1215];
    let error = HybridClientHello::try_from(&short[..]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "hybrid message 1 (ClientHello) must be exactly 1216 bytes, got 1215"
    );
    let error = HybridServerHello::try_from(&[0u8; 96][..]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "hybrid message 2 (ServerHello) must be exactly 1184 bytes, got 96"
    );
}

#[test]
fn an_encapsulation_key_looks_like_one_and_random_bytes_do_not() {
    let mut rng = ChaCha20Rng::from_seed([14; 32]);
    let (_, hello) = X25519MlKem768::offer(&mut rng);
    assert!(looks_like_encapsulation_key(
        &hello.encapsulation_key[..126]
    ));
    let mut random = [0u8; 126];
    learn_mtls::rand_core::Rng::fill_bytes(&mut rng, &mut random);
    assert!(!looks_like_encapsulation_key(&random));
    // All zeros is a test's filler, not taken for a key.
    assert!(!looks_like_encapsulation_key(&[0u8; 126]));
}

#[test]
fn the_hybrid_handshake_allocates_nothing() {
    let (server_key, client_key, policy) = keys();
    let mut rng = ChaCha20Rng::from_seed([15; 32]);
    let info = measure(|| {
        let (client, hello) = mutual::Client::start_kex(
            &mut rng,
            X25519MlKem768,
            &client_key,
            server_key.public(),
            Binding::Transcript,
        );
        let (server, server_hello) =
            mutual::Server::with_kex(&server_key, Binding::Transcript, X25519MlKem768)
                .read_client_hello(&mut rng, &hello)
                .unwrap();
        let (mut client, auth) = client.read_server_hello(&server_hello).unwrap();
        let verified = server.read_client_auth(&auth, &policy).unwrap();
        let mut record = [0u8; 64];
        let len = client.seal(b"hi", &mut record).unwrap();
        black_box(server_session(verified, &mut record[..len]).unwrap());
    });
    assert_eq!(info.count_total, 0);
}

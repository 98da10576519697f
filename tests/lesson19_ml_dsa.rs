//! Lesson 19: ML-DSA-65 identities in the sans-IO core. The mutual
//! handshake's steps run with `MlDsa65` as with `Ed25519`, under both key
//! exchanges, both bindings and both schedules; messages 2 and 3 carry
//! 3,309-byte signatures and message 3 a 1,952-byte key, and every check
//! still refuses what it refused before.

use chacha20::ChaCha20Rng;
use learn_mtls::handshake::mutual::{self, ClientVerified};
use learn_mtls::handshake::{Binding, Config, HandshakeError};
use learn_mtls::identity::{Identity, MlDsa65};
use learn_mtls::kex::{Kex, KeyExchange, X25519, X25519MlKem768};
use learn_mtls::ml_dsa::{
    ML_DSA_CLIENT_AUTH_LEN, ML_DSA_PUBLIC_KEY_LEN, ML_DSA_SIGNATURE_LEN, MlDsaIdentityKey,
    MlDsaPublicIdentity,
};
use learn_mtls::rand_core::SeedableRng;
use learn_mtls::record::Session;
use learn_mtls::trust::{ClientName, PinnedClient, Refusal};
use learn_mtls::wire::Message;

struct Keys {
    server: MlDsaIdentityKey,
    client: MlDsaIdentityKey,
    policy: PinnedClient<MlDsaPublicIdentity>,
}

fn keys() -> Keys {
    let server = MlDsaIdentityKey::from_seed(&[b'S'; 32]);
    let client = MlDsaIdentityKey::from_seed(&[b'A'; 32]);
    let policy = PinnedClient::new(client.public(), ClientName::new("alice").unwrap());
    Keys {
        server,
        client,
        policy,
    }
}

/// The server's session once the client's first record (`record`) is in.
fn server_session(
    verified: ClientVerified<MlDsaPublicIdentity>,
    record: &mut [u8],
) -> Result<Session, HandshakeError> {
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

/// One whole handshake under `kex` and `config`, with a message each way;
/// returns the three messages' lengths.
fn handshake<K: KeyExchange>(kex: K, config: Config, keys: &Keys) -> [usize; 3] {
    let mut rng = ChaCha20Rng::seed_from_u64(19);
    let (client, hello) = mutual::Client::start_with(
        &mut rng,
        kex,
        MlDsa65,
        &keys.client,
        keys.server.public(),
        config,
    );
    let (server, server_hello) = mutual::Server::with_identity(&keys.server, config, kex, MlDsa65)
        .read_client_hello(&mut rng, &hello)
        .expect("message 1");
    let (mut client_session, auth) = client.read_server_hello(&server_hello).expect("message 2");
    let verified = server
        .read_client_auth(&auth, &keys.policy)
        .expect("message 3");
    let mut record = [0u8; 64];
    let len = client_session.seal(b"ping", &mut record).unwrap();
    let mut server_session = server_session(verified, &mut record[..len]).expect("first record");
    let mut reply = [0u8; 64];
    let len = server_session.seal(b"pong", &mut reply).unwrap();
    assert_eq!(
        client_session.open_in_place(&mut reply[..len]).unwrap(),
        b"pong"
    );
    [
        hello.encode().as_ref().len(),
        server_hello.encode().as_ref().len(),
        auth.encode().as_ref().len(),
    ]
}

#[test]
fn completes_under_both_key_exchanges_bindings_and_schedules_with_the_stated_sizes() {
    let keys = keys();
    for config in Config::ALL {
        assert_eq!(
            handshake(X25519, config, &keys),
            [32, 32 + ML_DSA_SIGNATURE_LEN, ML_DSA_CLIENT_AUTH_LEN],
            "{config:?}"
        );
        assert_eq!(
            handshake(X25519MlKem768, config, &keys),
            [1216, 1120 + ML_DSA_SIGNATURE_LEN, ML_DSA_CLIENT_AUTH_LEN],
            "{config:?}"
        );
    }
    // The sizes the command lines print come from the same numbers.
    assert_eq!(Identity::MlDsa65.server_hello_len(Kex::X25519), 3341);
    assert_eq!(
        Identity::MlDsa65.server_hello_len(Kex::X25519MlKem768),
        4429
    );
    assert_eq!(Identity::MlDsa65.client_auth_len(), 5261);
    assert_eq!(ML_DSA_CLIENT_AUTH_LEN, 3309 + 1952);
    assert_eq!(ML_DSA_PUBLIC_KEY_LEN, 1952);
}

/// Runs messages 1 and 2 and hands message 2 to `tamper` before the client
/// reads it.
fn client_result(
    config: Config,
    keys: &Keys,
    pinned: MlDsaPublicIdentity,
    tamper: impl FnOnce(&mut learn_mtls::ml_dsa::MlDsaServerHello<X25519>),
) -> Result<(), HandshakeError> {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let (client, hello) =
        mutual::Client::start_with(&mut rng, X25519, MlDsa65, &keys.client, pinned, config);
    let (_server, mut server_hello) =
        mutual::Server::with_identity(&keys.server, config, X25519, MlDsa65)
            .read_client_hello(&mut rng, &hello)
            .unwrap();
    tamper(&mut server_hello);
    client.read_server_hello(&server_hello).map(|_| ())
}

#[test]
fn an_altered_server_signature_or_share_or_a_wrong_pinned_key_is_refused() {
    let keys = keys();
    for config in Config::ALL {
        let ok = client_result(config, &keys, keys.server.public(), |_| {});
        assert_eq!(ok, Ok(()), "{config:?}");
        for at in [0, 1000, ML_DSA_SIGNATURE_LEN - 1] {
            let flipped = client_result(config, &keys, keys.server.public(), |m2| {
                m2.signature[at] ^= 1;
            });
            assert_eq!(
                flipped,
                Err(HandshakeError::ServerSignatureInvalid),
                "{config:?}, byte {at}"
            );
        }
        let share = client_result(config, &keys, keys.server.public(), |m2| {
            m2.kex.share[0] ^= 1;
        });
        assert_eq!(share, Err(HandshakeError::ServerSignatureInvalid));
        let other = MlDsaIdentityKey::from_seed(&[b'M'; 32]).public();
        let wrong = client_result(config, &keys, other, |_| {});
        assert_eq!(wrong, Err(HandshakeError::ServerSignatureInvalid));
    }
}

#[test]
fn an_altered_client_signature_is_refused_and_an_unknown_client_key_is_named() {
    let keys = keys();
    let mallory = MlDsaIdentityKey::from_seed(&[b'M'; 32]);
    for config in Config::ALL {
        for (who, flip) in [(&keys.client, true), (&mallory, false)] {
            let mut rng = ChaCha20Rng::seed_from_u64(8);
            let (client, hello) = mutual::Client::start_with(
                &mut rng,
                X25519,
                MlDsa65,
                who,
                keys.server.public(),
                config,
            );
            let (server, server_hello) =
                mutual::Server::with_identity(&keys.server, config, X25519, MlDsa65)
                    .read_client_hello(&mut rng, &hello)
                    .unwrap();
            let (_, mut auth) = client.read_server_hello(&server_hello).unwrap();
            if flip {
                auth.signature[5] ^= 0x80;
                let refused = server.read_client_auth(&auth, &keys.policy).unwrap_err();
                assert_eq!(
                    refused,
                    HandshakeError::ClientSignatureInvalid,
                    "{config:?}"
                );
            } else {
                let refused = server.read_client_auth(&auth, &keys.policy).unwrap_err();
                assert_eq!(
                    refused,
                    HandshakeError::Refused(Refusal::UnknownKey {
                        fingerprint: mallory.public().fingerprint()
                    }),
                    "{config:?}"
                );
            }
        }
    }
}

#[test]
fn signing_is_deterministic() {
    let key = MlDsaIdentityKey::from_seed(&[7; 32]);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let config = Config::from(Binding::Transcript);
    let run = |rng: &mut ChaCha20Rng| {
        let (_client, hello) =
            mutual::Client::start_with(rng, X25519, MlDsa65, &key, key.public(), config);
        let mut fixed = ChaCha20Rng::seed_from_u64(2);
        let (_, m2) = mutual::Server::with_identity(&key, config, X25519, MlDsa65)
            .read_client_hello(&mut fixed, &hello)
            .unwrap();
        (hello, m2)
    };
    let (hello_a, m2_a) = run(&mut ChaCha20Rng::seed_from_u64(3));
    let (hello_b, m2_b) = run(&mut ChaCha20Rng::seed_from_u64(3));
    assert_eq!(hello_a, hello_b);
    assert_eq!(m2_a.signature, m2_b.signature, "same key, same message");
    let (_, m2_c) = run(&mut rng);
    assert_ne!(m2_a.signature, m2_c.signature, "another transcript");
}

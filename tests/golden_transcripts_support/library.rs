//! Route 1: the library runs each case; every byte must match its file.

use super::cases::{CLIENT_RECORD_1, CLIENT_RECORD_2, Case, Handshake, SERVER_RECORD_1, Vectors};
use super::second_route::Inputs;
use chacha20::ChaCha20Rng;
use learn_mtls::handshake::mutual::{self, ClientVerified};
use learn_mtls::handshake::server_only;
use learn_mtls::identity::{Ed25519, Identity, IdentityScheme, MlDsa65};
use learn_mtls::kex::{Kex, KeyExchange, X25519, X25519MlKem768};
use learn_mtls::keys::IdentityKey;
use learn_mtls::ml_dsa::MlDsaIdentityKey;
use learn_mtls::rand_core::SeedableRng;
use learn_mtls::record::{HEADER_LEN, Session, TAG_LEN};
use learn_mtls::trust::{ClientName, PinnedClient};
use learn_mtls::wire::Message;

/// Every byte the library puts on the wire in one run.
pub struct Wire {
    pub message1: Vec<u8>,
    pub message2: Vec<u8>,
    /// Lesson 11 only.
    pub message3: Option<Vec<u8>>,
    pub client_record_1: Vec<u8>,
    pub client_record_2: Vec<u8>,
    pub server_record_1: Vec<u8>,
}

impl Wire {
    /// The bytes on the wire as a vector file holds them.
    pub fn from_file(vectors: &Vectors) -> Self {
        Self {
            message1: vectors.get("message1").to_vec(),
            message2: vectors.get("message2").to_vec(),
            message3: vectors.values.get("message3").cloned(),
            client_record_1: vectors.get("client_record_1").to_vec(),
            client_record_2: vectors.get("client_record_2").to_vec(),
            server_record_1: vectors.get("server_record_1").to_vec(),
        }
    }
}

pub fn seal(session: &mut Session, plaintext: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; HEADER_LEN + plaintext.len() + TAG_LEN];
    let len = session.seal(plaintext, &mut out).unwrap();
    out.truncate(len);
    out
}

pub fn open(session: &mut Session, record: &[u8]) -> Vec<u8> {
    let mut copy = record.to_vec();
    session.open_in_place(&mut copy).unwrap().to_vec()
}

/// Runs the case through the library with the given inputs.
pub fn run_library(case: &Case, inputs: &Inputs) -> Wire {
    let mut client_rng = ChaCha20Rng::from_seed(inputs.client_rng_seed);
    let mut server_rng = ChaCha20Rng::from_seed(inputs.server_rng_seed);
    let rngs = (&mut client_rng, &mut server_rng);
    let binding = case.binding;
    // The two secrets are the identity scheme's: Ed25519 seeds, or
    // ML-DSA-65 seeds xi.
    let ed25519_keys = || {
        (
            IdentityKey::from_secret_bytes(&inputs.server_secret),
            IdentityKey::from_secret_bytes(&inputs.client_secret),
        )
    };
    let ml_dsa_keys = || {
        (
            MlDsaIdentityKey::from_seed(&inputs.server_secret),
            MlDsaIdentityKey::from_seed(&inputs.client_secret),
        )
    };

    let (mut client, mut server, wire) = match (case.handshake, case.kex, case.identity) {
        (Handshake::Mutual, Kex::X25519, Identity::Ed25519) => {
            run_mutual(X25519, Ed25519, case, &ed25519_keys(), rngs)
        }
        (Handshake::Mutual, Kex::X25519MlKem768, Identity::Ed25519) => {
            run_mutual(X25519MlKem768, Ed25519, case, &ed25519_keys(), rngs)
        }
        (Handshake::Mutual, Kex::X25519, Identity::MlDsa65) => {
            run_mutual(X25519, MlDsa65, case, &ml_dsa_keys(), rngs)
        }
        (Handshake::Mutual, Kex::X25519MlKem768, Identity::MlDsa65) => {
            run_mutual(X25519MlKem768, MlDsa65, case, &ml_dsa_keys(), rngs)
        }
        (Handshake::ServerOnly, _, _) => {
            assert_eq!(case.kex, Kex::X25519, "{}", case.file);
            assert_eq!(case.identity, Identity::Ed25519, "{}", case.file);
            let (server_key, _) = ed25519_keys();
            let (client, hello) = server_only::Client::start(rngs.0, server_key.public(), binding);
            let (mut server, server_hello) = server_only::Server::new(&server_key, binding)
                .read_client_hello(rngs.1, &hello)
                .unwrap();
            let mut client = client.read_server_hello(&server_hello).unwrap();
            let client_record_1 = seal(&mut client, CLIENT_RECORD_1);
            assert_eq!(open(&mut server, &client_record_1), CLIENT_RECORD_1);
            let wire = Wire {
                message1: hello.to_bytes().to_vec(),
                message2: server_hello.to_bytes().to_vec(),
                message3: None,
                client_record_1,
                client_record_2: Vec::new(),
                server_record_1: Vec::new(),
            };
            (client, server, wire)
        }
    };
    let client_record_2 = seal(&mut client, CLIENT_RECORD_2);
    assert_eq!(open(&mut server, &client_record_2), CLIENT_RECORD_2);
    let server_record_1 = seal(&mut server, SERVER_RECORD_1);
    assert_eq!(open(&mut client, &server_record_1), SERVER_RECORD_1);
    Wire {
        client_record_2,
        server_record_1,
        ..wire
    }
}

/// The mutual handshake under the key exchange `kex` with identities of
/// the scheme `scheme` (the server's key, then the client's), and the
/// client's first record.
fn run_mutual<K: KeyExchange, I: IdentityScheme>(
    kex: K,
    scheme: I,
    case: &Case,
    (server_key, client_key): &(I::Secret, I::Secret),
    (client_rng, server_rng): (&mut ChaCha20Rng, &mut ChaCha20Rng),
) -> (Session, Session, Wire) {
    let binding = case.binding;
    let policy = PinnedClient::new(I::public(client_key), ClientName::new("golden").unwrap());
    let (client, hello) = mutual::Client::start_with(
        client_rng,
        kex,
        scheme,
        client_key,
        I::public(server_key),
        binding,
    );
    let (server, server_hello) = mutual::Server::with_identity(server_key, binding, kex, scheme)
        .read_client_hello(server_rng, &hello)
        .unwrap();
    let (mut client, auth) = client.read_server_hello(&server_hello).unwrap();
    let verified = server.read_client_auth(&auth, &policy).unwrap();
    let client_record_1 = seal(&mut client, CLIENT_RECORD_1);
    let server = match verified {
        ClientVerified::Accepted(accepted) => {
            let mut server = accepted.session;
            assert_eq!(open(&mut server, &client_record_1), CLIENT_RECORD_1);
            server
        }
        ClientVerified::ExpectKeyConfirmation(pending) => {
            let mut copy = client_record_1.clone();
            let (accepted, first) = pending.confirm(&mut copy).unwrap();
            assert_eq!(first, CLIENT_RECORD_1);
            accepted.session
        }
    };
    let wire = Wire {
        message1: hello.encode().as_ref().to_vec(),
        message2: server_hello.encode().as_ref().to_vec(),
        message3: Some(auth.encode().as_ref().to_vec()),
        client_record_1,
        client_record_2: Vec::new(),
        server_record_1: Vec::new(),
    };
    (client, server, wire)
}

pub fn check_library_against_file(case: &Case) {
    let vectors = Vectors::load(case.file);
    let inputs = Inputs::from_file(case, &vectors);

    let wire = run_library(case, &inputs);

    // The lengths the library's own constants give, then every byte.
    assert_eq!(
        wire.message1.len(),
        case.kex.client_hello_len(),
        "{}",
        case.file
    );
    if case.handshake == Handshake::Mutual {
        let message3 = wire
            .message3
            .as_ref()
            .expect("the mutual handshake's message 3");
        assert_eq!(
            wire.message2.len(),
            case.identity.server_hello_len(case.kex),
            "{}",
            case.file
        );
        assert_eq!(
            message3.len(),
            case.identity.client_auth_len(),
            "{}",
            case.file
        );
    }

    vectors.check("message1", &wire.message1);
    vectors.check("message2", &wire.message2);
    match &wire.message3 {
        Some(message3) => vectors.check("message3", message3),
        None => assert!(!vectors.values.contains_key("message3"), "{}", case.file),
    }
    vectors.check("client_record_1", &wire.client_record_1);
    vectors.check("client_record_2", &wire.client_record_2);
    vectors.check("server_record_1", &wire.server_record_1);
}

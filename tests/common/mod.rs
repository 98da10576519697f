//! Shared fixtures for the katas: fixed keys, seeded randomness, and one
//! function that runs the whole in-memory mutual handshake, optionally
//! through the hands of Mallory, who may change any message on the way.
//!
//! Each test file uses a different part of this module.
#![allow(dead_code, reason = "each test file uses only some of these helpers")]

pub mod binaries;
pub mod cli;
pub mod faulty;
pub mod pki;
pub mod processes;
pub mod wait;

use chacha20::ChaCha20Rng;
use learn_mtls::handshake::mutual::{self, ClientVerified};
use learn_mtls::handshake::{Binding, HandshakeError, server_only};
use learn_mtls::keys::IdentityKey;
use learn_mtls::rand_core::SeedableRng;
use learn_mtls::record::{HEADER_LEN, RecordError, Session, TAG_LEN};
use learn_mtls::trust::{ClientIdentity, ClientName, PinnedClient};
use learn_mtls::wire::{ClientAuth, ClientHello, ServerHello};

/// Both bindings, for tests that must hold under each.
pub const BINDINGS: [Binding; 2] = [Binding::InsecureLesson11, Binding::Transcript];

/// The server's long-term secret seed in every kata: 32 bytes of `S`.
pub const SERVER_SECRET: [u8; 32] = [b'S'; 32];
/// Alice's long-term secret seed: 32 bytes of `A`.
pub const ALICE_SECRET: [u8; 32] = [b'A'; 32];
/// Mallory's long-term secret seed: 32 bytes of `M`.
pub const MALLORY_SECRET: [u8; 32] = [b'M'; 32];

/// The server every kata pins.
pub fn server_key() -> IdentityKey {
    IdentityKey::from_secret_bytes(&SERVER_SECRET)
}

/// The client the server knows, as `alice`.
pub fn alice_key() -> IdentityKey {
    IdentityKey::from_secret_bytes(&ALICE_SECRET)
}

/// A key nobody has pinned or listed.
pub fn mallory_key() -> IdentityKey {
    IdentityKey::from_secret_bytes(&MALLORY_SECRET)
}

/// The name the server gives Alice's key.
pub fn alice_name() -> ClientName {
    ClientName::new("alice").expect("`alice` is a valid name")
}

/// A server policy that trusts exactly Alice.
pub fn trusts_alice() -> PinnedClient {
    PinnedClient::new(alice_key().public(), alice_name())
}

/// A reproducible RNG: ChaCha20 keyed with 32 copies of `byte`.
pub fn seeded_rng(byte: u8) -> ChaCha20Rng {
    ChaCha20Rng::from_seed([byte; 32])
}

/// The three messages, named for Mallory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message {
    /// Message 1, client to server.
    ClientHello,
    /// Message 2, server to client.
    ServerHello,
    /// Message 3, client to server.
    ClientAuth,
}

/// The step that refused the handshake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The server reading message 1.
    ServerReadsClientHello,
    /// The client reading message 2.
    ClientReadsServerHello,
    /// The server reading message 3.
    ServerReadsClientAuth,
    /// The server opening the client's first record (key confirmation under
    /// the transcript binding, the first application record under lesson11).
    ServerOpensFirstRecord,
}

/// How a handshake failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// A handshake step returned an error.
    At(Step, HandshakeError),
    /// Every step passed but the client's first record did not open at the
    /// server (lesson11 has no key confirmation, so this is where a
    /// difference in keys first shows).
    FirstRecord(RecordError),
}

/// A finished handshake: both sessions, after the client's first record.
#[derive(Debug)]
pub struct Established {
    /// The client's session.
    pub client: Session,
    /// The server's session.
    pub server: Session,
    /// Who the server believes it is talking to.
    pub peer: ClientIdentity,
}

/// The plaintext of the client's first record in [`run_mutual_through`].
pub const FIRST_MESSAGE: &[u8] = b"first";

/// Runs the whole mutual handshake in memory, passing every message
/// through `mallory` (who may change its bytes), then has the client seal
/// [`FIRST_MESSAGE`] and the server open it: the key confirmation of the
/// transcript binding, or simply the first record under lesson11.
///
/// # Errors
/// The first step that refused, or the first record that did not open.
pub fn run_mutual_through(
    binding: Binding,
    seed: u8,
    mut mallory: impl FnMut(Message, &mut [u8]),
) -> Result<Established, Failure> {
    let server_key = server_key();
    let alice_key = alice_key();
    let policy = trusts_alice();
    let mut client_rng = seeded_rng(seed);
    let mut server_rng = seeded_rng(seed.wrapping_add(0x80));

    // -> client_share
    let (client, hello) =
        mutual::Client::start(&mut client_rng, &alice_key, server_key.public(), binding);
    let mut bytes = hello.to_bytes();
    mallory(Message::ClientHello, &mut bytes);
    let hello = ClientHello::from_bytes(&bytes);

    // <- server_share, server_sig
    let (server, server_hello) = mutual::Server::new(&server_key, binding)
        .read_client_hello(&mut server_rng, &hello)
        .map_err(|e| Failure::At(Step::ServerReadsClientHello, e))?;
    let mut bytes = server_hello.to_bytes();
    mallory(Message::ServerHello, &mut bytes);
    let server_hello = ServerHello::from_bytes(&bytes);

    // -> client_sig, client_key
    let (mut client_session, auth) = client
        .read_server_hello(&server_hello)
        .map_err(|e| Failure::At(Step::ClientReadsServerHello, e))?;
    let mut bytes = auth.to_bytes();
    mallory(Message::ClientAuth, &mut bytes);
    let auth = ClientAuth::from_bytes(&bytes);
    let verified = server
        .read_client_auth(&auth, &policy)
        .map_err(|e| Failure::At(Step::ServerReadsClientAuth, e))?;

    // -> first record
    let mut record = [0u8; 64];
    let len = client_session
        .seal(FIRST_MESSAGE, &mut record)
        .expect("a 5-byte record fits in 64 bytes");
    let (server_session, peer) = match verified {
        ClientVerified::Accepted(accepted) => {
            let mut server_session = accepted.session;
            let opened = server_session
                .open_in_place(&mut record[..len])
                .map_err(Failure::FirstRecord)?;
            assert_eq!(opened, FIRST_MESSAGE);
            (server_session, accepted.client)
        }
        ClientVerified::ExpectKeyConfirmation(pending) => {
            let (accepted, opened) = pending
                .confirm(&mut record[..len])
                .map_err(|e| Failure::At(Step::ServerOpensFirstRecord, e))?;
            assert_eq!(opened, FIRST_MESSAGE);
            (accepted.session, accepted.client)
        }
    };
    Ok(Established {
        client: client_session,
        server: server_session,
        peer,
    })
}

/// An honest mutual handshake with seeded randomness (the same `seed`
/// gives the same sessions), including the client's first record.
pub fn run_mutual(binding: Binding, seed: u8) -> Established {
    run_mutual_through(binding, seed, |_, _| {}).expect("an untouched handshake succeeds")
}

/// An honest server-only handshake (Lesson 10): `(client, server)` sessions.
pub fn run_server_only(binding: Binding, seed: u8) -> (Session, Session) {
    let server_key = server_key();
    let mut client_rng = seeded_rng(seed);
    let mut server_rng = seeded_rng(seed.wrapping_add(0x80));
    let (client, hello) = server_only::Client::start(&mut client_rng, server_key.public(), binding);
    let (server_session, server_hello) = server_only::Server::new(&server_key, binding)
        .read_client_hello(&mut server_rng, &hello)
        .expect("an honest client hello is accepted");
    let client_session = client
        .read_server_hello(&server_hello)
        .expect("an honest server hello is accepted");
    (client_session, server_session)
}

/// Decodes hex written in a test (panics on a typo, which is a bug in the test).
pub fn unhex<const N: usize>(text: &str) -> [u8; N] {
    learn_mtls::hex::decode_array(text).expect("the test's hex literal is well formed")
}

/// Seals `plaintext` into a fresh record.
pub fn seal(session: &mut Session, plaintext: &[u8]) -> Vec<u8> {
    let mut record = vec![0u8; HEADER_LEN + plaintext.len() + TAG_LEN];
    let len = session
        .seal(plaintext, &mut record)
        .expect("the buffer is exactly large enough");
    assert_eq!(len, record.len());
    record
}

/// Opens a copy of `record`, leaving the original untouched for a retry.
pub fn open(session: &mut Session, record: &[u8]) -> Result<Vec<u8>, RecordError> {
    let mut copy = record.to_vec();
    session.open_in_place(&mut copy).map(<[u8]>::to_vec)
}

//! The core needs no allocator: every handshake step and every record
//! works in fixed-size arrays and the caller's buffers.
//!
//! `allocation-counter` replaces this test binary's global allocator and
//! counts the allocations made on the current thread inside `measure`.
//! Keys are made outside the measured region; inside it, randomness comes
//! from a seeded ChaCha20 RNG, so not even the operating system is asked
//! for anything.

use std::hint::black_box;

use allocation_counter::measure;
use chacha20::ChaCha20Rng;
use learn_mtls::handshake::mutual::{self, ClientVerified};
use learn_mtls::handshake::{Binding, HandshakeError, server_only};
use learn_mtls::keys::IdentityKey;
use learn_mtls::rand_core::SeedableRng;
use learn_mtls::record::{MAX_PLAINTEXT_LEN, MAX_RECORD_LEN};
use learn_mtls::trust::{ClientName, PinnedClient};

#[test]
fn the_counter_counts_a_deliberate_allocation() {
    let info = measure(|| {
        black_box(vec![1u8]);
    });

    // Notice: the counter works, so a zero below means zero.
    assert_eq!(info.count_total, 1);
    assert_eq!(info.bytes_total, 1);
}

/// A whole mutual handshake with key confirmation (when the binding has
/// it) and one record each way; returns what the server received.
fn mutual_handshake_and_records(binding: Binding) -> u64 {
    let server_key = IdentityKey::from_secret_bytes(&[b'S'; 32]);
    let client_key = IdentityKey::from_secret_bytes(&[b'A'; 32]);
    let policy = PinnedClient::new(client_key.public(), ClientName::new("alice").unwrap());
    let mut client_rng = ChaCha20Rng::from_seed([1; 32]);
    let mut server_rng = ChaCha20Rng::from_seed([2; 32]);
    let mut received = [0u8; 2];

    let info = measure(|| {
        let (client, hello) =
            mutual::Client::start(&mut client_rng, &client_key, server_key.public(), binding);
        let (server, server_hello) = mutual::Server::new(&server_key, binding)
            .read_client_hello(&mut server_rng, &hello)
            .unwrap();
        let (mut client, auth) = client.read_server_hello(&server_hello).unwrap();
        let verified = server.read_client_auth(&auth, &policy).unwrap();

        let mut record = [0u8; 64];
        let len = client.seal(b"hi", &mut record).unwrap();
        let mut server = match verified {
            ClientVerified::Accepted(accepted) => {
                let mut session = accepted.session;
                received.copy_from_slice(session.open_in_place(&mut record[..len]).unwrap());
                session
            }
            ClientVerified::ExpectKeyConfirmation(pending) => {
                let (accepted, first) = pending.confirm(&mut record[..len]).unwrap();
                received.copy_from_slice(first);
                accepted.session
            }
        };
        let len = server.seal(b"ok", &mut record).unwrap();
        client.open_in_place(&mut record[..len]).unwrap();
    });

    assert_eq!(&received, b"hi");
    info.count_total
}

#[test]
fn a_lesson11_binding_handshake_allocates_nothing() {
    let allocations = mutual_handshake_and_records(Binding::InsecureLesson11);

    // Notice: three messages, two signatures, one DH, and not one heap byte.
    assert_eq!(allocations, 0);
}

#[test]
fn a_transcript_binding_handshake_allocates_nothing() {
    let allocations = mutual_handshake_and_records(Binding::Transcript);

    // Notice: transcript hashes and key confirmation need no heap either.
    assert_eq!(allocations, 0);
}

#[test]
fn a_lesson10_handshake_allocates_nothing() {
    let server_key = IdentityKey::from_secret_bytes(&[b'S'; 32]);
    let mut client_rng = ChaCha20Rng::from_seed([3; 32]);
    let mut server_rng = ChaCha20Rng::from_seed([4; 32]);
    let mut received = [0u8; 2];

    let info = measure(|| {
        for binding in [Binding::InsecureLesson11, Binding::Transcript] {
            let (client, hello) =
                server_only::Client::start(&mut client_rng, server_key.public(), binding);
            let (mut server, server_hello) = server_only::Server::new(&server_key, binding)
                .read_client_hello(&mut server_rng, &hello)
                .unwrap();
            let mut client = client.read_server_hello(&server_hello).unwrap();
            let mut record = [0u8; 64];
            let len = client.seal(b"hi", &mut record).unwrap();
            received.copy_from_slice(server.open_in_place(&mut record[..len]).unwrap());
        }
    });

    // Notice: Lesson 10 is the same machinery, minus one message.
    assert_eq!(&received, b"hi");
    assert_eq!(info.count_total, 0);
}

#[test]
fn a_failed_handshake_allocates_nothing() {
    let server_key = IdentityKey::from_secret_bytes(&[b'S'; 32]);
    let client_key = IdentityKey::from_secret_bytes(&[b'A'; 32]);
    let wrong_pin = IdentityKey::from_secret_bytes(&[b'M'; 32]).public();
    let mut rng = ChaCha20Rng::from_seed([5; 32]);
    let mut result = Ok(());

    let info = measure(|| {
        let (client, hello) =
            mutual::Client::start(&mut rng, &client_key, wrong_pin, Binding::Transcript);
        let (_, server_hello) = mutual::Server::new(&server_key, Binding::Transcript)
            .read_client_hello(&mut rng, &hello)
            .unwrap();
        result = client.read_server_hello(&server_hello).map(|_| ());
    });

    // Notice: errors are small Copy enums; refusing costs no heap either.
    assert_eq!(result, Err(HandshakeError::ServerSignatureInvalid));
    assert_eq!(info.count_total, 0);
}

#[test]
fn sealing_and_opening_the_largest_record_allocates_nothing() {
    let server_key = IdentityKey::from_secret_bytes(&[b'S'; 32]);
    let mut rng = ChaCha20Rng::from_seed([6; 32]);
    let (client, hello) =
        server_only::Client::start(&mut rng, server_key.public(), Binding::Transcript);
    let (mut server, server_hello) = server_only::Server::new(&server_key, Binding::Transcript)
        .read_client_hello(&mut rng, &hello)
        .unwrap();
    let mut client = client.read_server_hello(&server_hello).unwrap();
    let mut record = [0u8; MAX_RECORD_LEN];
    let mut opened_len = 0;

    let info = measure(|| {
        let len = client
            .seal_in_place(&mut record, MAX_PLAINTEXT_LEN)
            .unwrap();
        opened_len = server.open_in_place(&mut record[..len]).unwrap().len();
    });

    // Notice: 16 KiB in and out of the caller's buffer, in place.
    assert_eq!(opened_len, 16 * 1024);
    assert_eq!(info.count_total, 0);
}

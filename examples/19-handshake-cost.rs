//! Lesson 19: what the hybrid key exchange costs, next to the classical one.
//!
//! ```text
//! cargo run --release --example 19-handshake-cost
//! ```
//!
//! Runs whole mutual handshakes between two variables (no sockets: the CPU
//! work only, both sides, transcript binding, HKDF), classical and hybrid,
//! and the primitives the hybrid one adds: ML-KEM-768 key generation,
//! encapsulation and decapsulation (with the `ml-kem` crate the library
//! uses). Prints the median time per operation over 11 rounds, each round
//! as many operations as `--count` says, the rounds of the
//! operations interleaved. A measurement to read, not a
//! test: nothing here passes or fails. Run it in release mode; in debug
//! mode the numbers mean nothing.

use std::hint::black_box;
use std::time::{Duration, Instant};

use clap::Parser;
use learn_mtls::handshake::mutual::{self, ClientVerified};
use learn_mtls::handshake::{Binding, HandshakeError};
use learn_mtls::kex::{KeyExchange, X25519, X25519MlKem768};
use learn_mtls::keys::IdentityKey;
use learn_mtls::net::os_rng;
use learn_mtls::trust::{ClientName, PinnedClient};
use learn_mtls::wire::Message;
use ml_kem::kem::{Decapsulate, Encapsulate, Generate, Kem};

#[derive(Parser)]
#[command(about = "Lesson 19: the hybrid handshake's CPU cost next to the classical one")]
struct Args {
    /// Operations per round (11 rounds; the median round is reported).
    #[arg(long, default_value_t = 300)]
    count: u32,
}

const ROUNDS: usize = 11;

/// For each operation, the median over `ROUNDS` rounds of its time per
/// call. The rounds interleave the operations (round 1 of each, then round
/// 2 of each, ...), so that a machine busy with something else for a while
/// slows all of them alike rather than one.
fn medians_per_call(count: u32, operations: &mut [&mut dyn FnMut()]) -> Vec<Duration> {
    let mut rounds = vec![Vec::with_capacity(ROUNDS); operations.len()];
    for _ in 0..ROUNDS {
        for (operation, times) in operations.iter_mut().zip(&mut rounds) {
            let start = Instant::now();
            for _ in 0..count {
                operation();
            }
            times.push(start.elapsed() / count);
        }
    }
    rounds
        .into_iter()
        .map(|mut times| {
            times.sort();
            times[ROUNDS / 2]
        })
        .collect()
}

/// One whole mutual handshake and key confirmation, both sides.
fn handshake<K: KeyExchange>(
    kex: K,
    server: &IdentityKey,
    client: &IdentityKey,
    policy: &PinnedClient,
) -> Result<(), HandshakeError> {
    let mut rng = os_rng();
    let binding = Binding::Transcript;
    let (state, hello) = mutual::Client::start_kex(&mut rng, kex, client, server.public(), binding);
    let (server_state, server_hello) =
        mutual::Server::with_kex(server, binding, kex).read_client_hello(&mut rng, &hello)?;
    let (mut session, auth) = state.read_server_hello(&server_hello)?;
    let verified = server_state.read_client_auth(&auth, policy)?;
    let mut record = [0u8; 64];
    let len = session
        .seal(b"", &mut record)
        .map_err(HandshakeError::KeyConfirmationFailed)?;
    if let ClientVerified::ExpectKeyConfirmation(pending) = verified {
        black_box(pending.confirm(&mut record[..len])?);
    }
    Ok(())
}

fn main() {
    let args = Args::parse();
    let count = args.count.max(1);
    let mut rng = os_rng();
    let server = IdentityKey::generate(&mut rng);
    let client = IdentityKey::generate(&mut rng);
    let policy = PinnedClient::new(client.public(), ClientName::new("alice").expect("a name"));

    if cfg!(debug_assertions) {
        println!("WARNING: a debug build; run with --release for numbers that mean something\n");
    }
    let (dk, ek) = ml_kem::MlKem768::generate_keypair_from_rng(&mut os_rng());
    let (ct, _) = ek.encapsulate_with_rng(&mut os_rng());
    let medians = medians_per_call(
        count,
        &mut [
            &mut || handshake(X25519, &server, &client, &policy).expect("a classical handshake"),
            &mut || {
                handshake(X25519MlKem768, &server, &client, &policy).expect("a hybrid handshake");
            },
            &mut || {
                black_box(
                    ml_kem::DecapsulationKey::<ml_kem::MlKem768>::generate_from_rng(&mut os_rng()),
                );
            },
            &mut || {
                black_box(ek.encapsulate_with_rng(&mut os_rng()));
            },
            &mut || {
                black_box(dk.decapsulate(&ct));
            },
        ],
    );
    let [classical, hybrid, keygen, encaps, decaps] = medians[..] else {
        unreachable!("five operations, five medians")
    };

    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!("median of {ROUNDS} rounds of {count}, per operation (transcript binding, HKDF):");
    println!(
        "  classical handshake, both sides   {:>8.1} us   ({} + {} + 96 bytes)",
        us(classical),
        <X25519 as KeyExchange>::ClientHello::LEN,
        <X25519 as KeyExchange>::ServerHello::LEN
    );
    println!(
        "  hybrid handshake, both sides      {:>8.1} us   ({} + {} + 96 bytes)",
        us(hybrid),
        <X25519MlKem768 as KeyExchange>::ClientHello::LEN,
        <X25519MlKem768 as KeyExchange>::ServerHello::LEN
    );
    println!(
        "  difference                        {:>8.1} us   ({:.2}x)",
        us(hybrid) - us(classical),
        us(hybrid) / us(classical)
    );
    println!("  ML-KEM-768 key generation         {:>8.1} us", us(keygen));
    println!("  ML-KEM-768 encapsulation          {:>8.1} us", us(encaps));
    println!("  ML-KEM-768 decapsulation          {:>8.1} us", us(decaps));
    println!(
        "  the three together                {:>8.1} us",
        us(keygen) + us(encaps) + us(decaps)
    );
}

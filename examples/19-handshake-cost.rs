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

use clap::Parser;
use learn_mtls::identity::Ed25519;
use learn_mtls::kex::{KeyExchange, X25519, X25519MlKem768};
use learn_mtls::keys::IdentityKey;
use learn_mtls::net::os_rng;
use learn_mtls::trust::{ClientName, PinnedClient};
use learn_mtls::wire::Message;
use learn_mtls_kit::cost::{ROUNDS, handshake, medians_per_call, micros};
use ml_kem::kem::{Decapsulate, Encapsulate, Generate, Kem};

#[derive(Parser)]
#[command(about = "Lesson 19: the hybrid handshake's CPU cost next to the classical one")]
struct Args {
    /// Operations per round (11 rounds; the median round is reported).
    #[arg(long, default_value_t = 300)]
    count: u32,
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
    let [classical, hybrid, keygen, encaps, decaps] = medians_per_call(
        count,
        [
            &mut || {
                handshake((X25519, Ed25519), &server, &client, &policy)
                    .expect("a classical handshake")
            },
            &mut || {
                handshake((X25519MlKem768, Ed25519), &server, &client, &policy)
                    .expect("a hybrid handshake");
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

    println!("median of {ROUNDS} rounds of {count}, per operation (transcript binding, HKDF):");
    println!(
        "  classical handshake, both sides   {:>8.1} us   ({} + {} + 96 bytes)",
        micros(classical),
        <X25519 as KeyExchange>::ClientHello::LEN,
        <X25519 as KeyExchange>::ServerHello::LEN
    );
    println!(
        "  hybrid handshake, both sides      {:>8.1} us   ({} + {} + 96 bytes)",
        micros(hybrid),
        <X25519MlKem768 as KeyExchange>::ClientHello::LEN,
        <X25519MlKem768 as KeyExchange>::ServerHello::LEN
    );
    println!(
        "  difference                        {:>8.1} us   ({:.2}x)",
        micros(hybrid) - micros(classical),
        micros(hybrid) / micros(classical)
    );
    println!(
        "  ML-KEM-768 key generation         {:>8.1} us",
        micros(keygen)
    );
    println!(
        "  ML-KEM-768 encapsulation          {:>8.1} us",
        micros(encaps)
    );
    println!(
        "  ML-KEM-768 decapsulation          {:>8.1} us",
        micros(decaps)
    );
    println!(
        "  the three together                {:>8.1} us",
        micros(keygen) + micros(encaps) + micros(decaps)
    );
}

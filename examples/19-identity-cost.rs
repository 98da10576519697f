//! Lesson 19: what ML-DSA-65 identities cost, next to Ed25519 ones.
//!
//! ```text
//! cargo run --release --example 19-identity-cost
//! ```
//!
//! Runs whole mutual handshakes between two variables (no sockets: the CPU
//! work only, both sides, transcript binding, HKDF) with Ed25519 and with
//! ML-DSA-65 identities, under X25519 and under the hybrid key exchange,
//! and the signature primitives alone: Ed25519 sign and verify, ML-DSA-65
//! sign (deterministic, ctx = "", from the 32-byte seed as the library
//! signs: the key is expanded for every signature; a different message
//! each time) and verify, with the
//! crates the library uses. Prints the median time per operation over 11
//! rounds of `--count` operations, the rounds interleaved, and every
//! message's size against Lesson 11's 224 bytes. A measurement to read,
//! not a test. Run it in release mode.

use std::hint::black_box;

use clap::Parser;
use ed25519_dalek::{Signer, SigningKey};
use learn_mtls::identity::{Ed25519, Identity, MlDsa65};
use learn_mtls::kex::{Kex, X25519, X25519MlKem768};
use learn_mtls::keys::IdentityKey;
use learn_mtls::ml_dsa::MlDsaIdentityKey;
use learn_mtls::net::os_rng;
use learn_mtls::trust::{ClientName, PinnedClient};
use learn_mtls::wire::MUTUAL_HANDSHAKE_LEN;
use learn_mtls_kit::cost::{ROUNDS, handshake, medians_per_call, micros};

#[derive(Parser)]
#[command(about = "Lesson 19: ML-DSA-65 identities' CPU cost and sizes next to Ed25519")]
struct Args {
    /// Operations per round (11 rounds; the median round is reported).
    #[arg(long, default_value_t = 50)]
    count: u32,
}

fn sizes(kex: Kex, identity: Identity) -> String {
    let (m1, m2, m3) = (
        kex.client_hello_len(),
        identity.server_hello_len(kex),
        identity.client_auth_len(),
    );
    let total = m1 + m2 + m3;
    #[allow(
        clippy::cast_precision_loss,
        reason = "lengths of a few thousand bytes"
    )]
    let ratio = total as f64 / MUTUAL_HANDSHAKE_LEN as f64;
    format!("{m1} + {m2} + {m3} = {total} bytes, {ratio:.1}x 224")
}

fn main() {
    let args = Args::parse();
    let count = args.count.max(1);
    let mut rng = os_rng();
    let name = || ClientName::new("alice").expect("a name");
    let (ed_server, ed_client) = (
        IdentityKey::generate(&mut rng),
        IdentityKey::generate(&mut rng),
    );
    let ed_policy = PinnedClient::new(ed_client.public(), name());
    let (ml_server, ml_client) = (
        MlDsaIdentityKey::generate(&mut rng),
        MlDsaIdentityKey::generate(&mut rng),
    );
    let ml_policy = PinnedClient::new(ml_client.public(), name());

    // The primitives, through the crates directly.
    let ed_key = SigningKey::from_bytes(&ed_server.to_secret_bytes());
    let ed_verifying = ed_key.verifying_key();
    let message = [0x42u8; 161]; // the length of a transcript signature's content
    let ed_signature = ed_key.sign(&message);
    let seed = ml_server.to_seed();
    let ml_signature = ml_dsa::ExpandedSigningKey::<ml_dsa::MlDsa65>::from_seed(&(*seed).into())
        .sign_deterministic(&message, b"")
        .expect("an empty context");
    let mut ml_signature_bytes = [0u8; 3309];
    ml_signature_bytes.copy_from_slice(&ml_signature.encode());
    let ml_public = ml_server.public();

    if cfg!(debug_assertions) {
        println!("WARNING: a debug build; run with --release for numbers that mean something\n");
    }
    let mut counter = 0u64;
    let [
        ed_hs,
        ml_hs,
        ml_hybrid_hs,
        ed_sign,
        ed_verify,
        ml_sign,
        ml_verify,
    ] = medians_per_call(
        count,
        [
            &mut || handshake((X25519, Ed25519), &ed_server, &ed_client, &ed_policy).expect("ok"),
            &mut || handshake((X25519, MlDsa65), &ml_server, &ml_client, &ml_policy).expect("ok"),
            &mut || {
                handshake(
                    (X25519MlKem768, MlDsa65),
                    &ml_server,
                    &ml_client,
                    &ml_policy,
                )
                .expect("ok");
            },
            &mut || {
                black_box(ed_key.sign(black_box(&message)));
            },
            &mut || {
                black_box(ed_verifying.verify_strict(&message, &ed_signature)).expect("valid");
            },
            &mut || {
                // A new message each time: ML-DSA's signing loop repeats a
                // number of times that depends on the message (about 5 on
                // average for ML-DSA-65), so one fixed message would measure
                // one arbitrary count.
                counter += 1;
                let mut varying = message;
                varying[..8].copy_from_slice(&counter.to_le_bytes());
                let key = ml_dsa::ExpandedSigningKey::<ml_dsa::MlDsa65>::from_seed(&(*seed).into());
                black_box(key.sign_deterministic(&varying, b"")).expect("signs");
            },
            &mut || {
                assert!(ml_public.verify_strict(black_box(&message), &ml_signature_bytes));
            },
        ],
    );

    println!("median of {ROUNDS} rounds of {count}, per operation (transcript binding, HKDF):");
    println!(
        "  handshake x25519, ed25519            {:>9.1} us   ({})",
        micros(ed_hs),
        sizes(Kex::X25519, Identity::Ed25519)
    );
    println!(
        "  handshake x25519, ml-dsa-65          {:>9.1} us   ({})",
        micros(ml_hs),
        sizes(Kex::X25519, Identity::MlDsa65)
    );
    println!(
        "  handshake x25519-mlkem768, ml-dsa-65 {:>9.1} us   ({})",
        micros(ml_hybrid_hs),
        sizes(Kex::X25519MlKem768, Identity::MlDsa65)
    );
    println!(
        "  Ed25519 sign                         {:>9.1} us",
        micros(ed_sign)
    );
    println!(
        "  Ed25519 verify (strict)              {:>9.1} us",
        micros(ed_verify)
    );
    println!(
        "  ML-DSA-65 sign (from the seed)       {:>9.1} us",
        micros(ml_sign)
    );
    println!(
        "  ML-DSA-65 verify (strict, ctx \"\")    {:>9.1} us",
        micros(ml_verify)
    );
    println!(
        "  ML-DSA-65 handshake - Ed25519 one    {:>9.1} us   (two signs and two verifies: {:.1} us \
         more than Ed25519's)",
        micros(ml_hs) - micros(ed_hs),
        2.0 * (micros(ml_sign) + micros(ml_verify) - micros(ed_sign) - micros(ed_verify))
    );
}

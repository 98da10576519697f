//! The handshake's public-key work, done directly with the crates: the
//! yardstick that `bench/benches/handshake.rs` and `examples/load.rs` both measure
//! the protocol against, defined once so both mean the same thing.
//!
//! Both sides of one mutual handshake, together: 2 X25519 key generations,
//! 2 X25519 agreements, 2 Ed25519 signatures, 2 strict Ed25519
//! verifications and 1 Ed25519 key decompression (with the weak-key check).

use std::hint::black_box;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use learn_mtls::net::os_rng;
use x25519_dalek::{EphemeralSecret, PublicKey};

/// Fixed inputs, made once, so only the operations themselves are timed.
pub struct Primitives {
    signer: SigningKey,
    verifier: VerifyingKey,
    verifier_bytes: [u8; 32],
    /// As long as a transcript-binding signed message.
    message: [u8; 130],
    signature: Signature,
    peer: PublicKey,
}

impl Primitives {
    #[allow(
        clippy::new_without_default,
        reason = "a fresh random key each time is no default"
    )]
    pub fn new() -> Self {
        let signer = SigningKey::generate(&mut os_rng());
        let message = [7u8; 130];
        let verifier = signer.verifying_key();
        Self {
            verifier_bytes: verifier.to_bytes(),
            signature: signer.sign(&message),
            signer,
            verifier,
            message,
            peer: PublicKey::from(&EphemeralSecret::random_from_rng(&mut os_rng())),
        }
    }

    /// Both sides' public-key work for one handshake, once.
    pub fn one_handshake(&self) {
        for _ in 0..2 {
            let secret = EphemeralSecret::random_from_rng(&mut os_rng());
            black_box(PublicKey::from(&secret));
            black_box(secret.diffie_hellman(&self.peer));
            black_box(self.signer.sign(black_box(&self.message)));
            black_box(
                self.verifier
                    .verify_strict(black_box(&self.message), &self.signature),
            )
            .expect("a valid signature");
        }
        black_box(VerifyingKey::from_bytes(black_box(&self.verifier_bytes)).map(|k| k.is_weak()))
            .expect("a valid key");
    }
}

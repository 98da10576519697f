//! The primitives the handshake is made of, one at a time, so the step
//! figures can be read as sums of known parts.
//!
//! Each operation runs under the probe and its result is checked: the two
//! X25519 results agree and are contributory, a signature verifies, and a
//! signature over an altered message does not.

use chacha20::ChaCha20Rng;
use ed25519_dalek::{Signer, SigningKey};
use learn_mtls::keys::PublicIdentity;
use learn_mtls::rand_core::SeedableRng;
use x25519_dalek::{EphemeralSecret, PublicKey};

use crate::device::{Failure, Probe};

/// As long as what a transcript-bound signature covers: 64 bytes of
/// padding, a 38-byte context, a zero byte and a SHA-256 hash.
const SIGNED_LEN: usize = 64 + 38 + 1 + 32;

/// Runs and checks each primitive once under `probe`.
///
/// # Errors
/// [`Failure::Primitive`] naming the check that failed.
#[inline(never)]
pub fn run(probe: &mut impl Probe) -> Result<(), Failure> {
    // DEMONSTRATION ONLY: a fixed seed, as in the handshake.
    let mut rng = ChaCha20Rng::from_seed(*b"learn-mtls embedded primitives..");

    let (alice, alice_share) = probe.step("X25519 key pair (fixed base)", || {
        let secret = EphemeralSecret::random_from_rng(&mut rng);
        let share = PublicKey::from(&secret);
        (secret, share)
    });
    let bob = EphemeralSecret::random_from_rng(&mut rng);
    let bob_share = PublicKey::from(&bob);
    let alice_shared = probe.step("X25519 shared secret (ladder)", || {
        alice.diffie_hellman(&bob_share)
    });
    let bob_shared = bob.diffie_hellman(&alice_share);
    if alice_shared.as_bytes() != bob_shared.as_bytes() || !alice_shared.was_contributory() {
        return Err(Failure::Primitive("the two X25519 results differ"));
    }

    let signing = probe.step("Ed25519 key from its seed", || {
        SigningKey::from_bytes(&[7; 32])
    });
    let mut message = [0x20; SIGNED_LEN];
    let signature = probe.step("Ed25519 sign (135 B)", || signing.sign(&message));
    let public = probe
        .step("Ed25519 public key check (decode)", || {
            PublicIdentity::from_bytes(signing.verifying_key().as_bytes())
        })
        .map_err(|_| Failure::Primitive("a genuine public key was refused"))?;
    let signature = signature.to_bytes();
    if !probe.step("Ed25519 verify_strict (135 B)", || {
        public.verify_strict(&message, &signature)
    }) {
        return Err(Failure::Primitive("a genuine signature did not verify"));
    }
    message[0] ^= 1;
    if public.verify_strict(&message, &signature) {
        return Err(Failure::Primitive(
            "a signature verified over an altered message",
        ));
    }
    Ok(())
}

/// ML-KEM-768's operations, one at a time (the `pq` feature), as the
/// hybrid handshake calls them: the client's key generation, the server's
/// check of the received encapsulation key (FIPS 203 section 7.2, with
/// `H(ek)`), its encapsulation, and the client's decapsulation.
///
/// # Errors
/// [`Failure::Primitive`] if the two sides' keys differ, or if a
/// ciphertext altered in one byte decapsulates to the same key (implicit
/// rejection must give another).
#[cfg(feature = "pq")]
#[inline(never)]
pub fn run_ml_kem(probe: &mut impl Probe) -> Result<(), Failure> {
    use ml_kem::kem::{Decapsulate, Encapsulate, Generate, KeyExport};
    use ml_kem::{DecapsulationKey, MlKem768, ml_kem_768};

    // DEMONSTRATION ONLY: a fixed seed, as in the handshake.
    let mut rng = ChaCha20Rng::from_seed(*b"learn-mtls embedded ML-KEM-768..");
    let (decapsulation_key, encoded) = probe.step("ML-KEM-768 key generation", || {
        let key = DecapsulationKey::<MlKem768>::generate_from_rng(&mut rng);
        let encoded = key.encapsulation_key().to_bytes();
        (key, encoded)
    });
    let encapsulation_key = probe
        .step("ML-KEM-768 encapsulation key check", || {
            ml_kem_768::EncapsulationKey::new(&encoded)
        })
        .map_err(|_| Failure::Primitive("a genuine encapsulation key was refused"))?;
    let (ciphertext, server_key) = probe.step("ML-KEM-768 encapsulation", || {
        encapsulation_key.encapsulate_with_rng(&mut rng)
    });
    let client_key = probe.step("ML-KEM-768 decapsulation", || {
        decapsulation_key.decapsulate(&ciphertext)
    });
    if client_key != server_key {
        return Err(Failure::Primitive("the two ML-KEM-768 keys differ"));
    }
    let mut altered = ciphertext;
    altered[0] ^= 1;
    if decapsulation_key.decapsulate(&altered) == server_key {
        return Err(Failure::Primitive(
            "an altered ciphertext decapsulated to the genuine key",
        ));
    }
    Ok(())
}

//! The handshake's public-key work, done directly with the crates: the
//! yardstick that `bench/benches/handshake.rs` and `examples/load/` both measure
//! the protocol against, defined once so both mean the same thing.
//!
//! Both sides of one classical mutual handshake ([`Kex::X25519`]),
//! together: 2 X25519 key generations, 2 X25519 agreements, 2 Ed25519
//! signatures, 2 strict Ed25519 verifications and 1 Ed25519 key
//! decompression (with the weak-key check): [`PRIMITIVES`].
//!
//! The hybrid handshake of Lesson 19 ([`Kex::X25519MlKem768`]) runs all of
//! those, and [`ML_KEM_PRIMITIVES`] on top: the calls into `ml-kem` that
//! the key exchange makes, once each. A primitive here is one call into a
//! primitive's crate that the protocol cannot do without, counted as often
//! as one handshake makes it; what is left of the handshake's cost (the
//! transcript hashes, HKDF, copying and framing the messages) is the
//! protocol's own work, the part the 1.10 target bounds. The one thing
//! counted apart from the textbook's three ML-KEM operations is the
//! encapsulation key check: `ml-kem` runs FIPS 203's input check (section
//! 7.2: decode, re-encode, compare) and hashes the key, `H(ek)`, when the
//! key is parsed, separately from encapsulating to it.

use std::hint::black_box;

use learn_mtls::handshake::{Binding, mutual};
use learn_mtls::kex::{Kex, KeyExchange, X25519, X25519MlKem768};
use learn_mtls::keys::IdentityKey;
use learn_mtls::record::{HEADER_LEN, Session, TAG_LEN};
use learn_mtls::trust::{ClientName, PinnedClient};

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use learn_mtls::net::os_rng;
use ml_kem::kem::{Ciphertext, Decapsulate, Encapsulate, Generate, KeyExport};
use ml_kem::{MlKem768, ml_kem_768};
use x25519_dalek::{EphemeralSecret, PublicKey};

/// ML-KEM-768's decapsulation key, as the client keeps it.
type DecapsulationKey = ml_kem::DecapsulationKey<MlKem768>;

/// The two identities and the server's policy of the measured handshake.
pub struct Fixture {
    pub server: IdentityKey,
    pub client: IdentityKey,
    pub policy: PinnedClient,
}

/// Fresh keys for [`handshake`].
pub fn fixture() -> Fixture {
    let server = IdentityKey::generate(&mut os_rng());
    let client = IdentityKey::generate(&mut os_rng());
    let policy = PinnedClient::new(
        client.public(),
        ClientName::new("client").expect("valid name"),
    );
    Fixture {
        server,
        client,
        policy,
    }
}

/// One whole mutual handshake in memory, both sides, up to and including
/// the server's key confirmation on an empty first record: what the
/// benchmark and the instruction count measure. Classical: X25519.
pub fn handshake(f: &Fixture) -> (Session, Session) {
    handshake_with(f, X25519)
}

/// [`handshake`] with the hybrid key exchange of Lesson 19, X25519 and
/// ML-KEM-768: the same steps, with 1,216- and 1,184-byte messages 1 and 2.
pub fn hybrid_handshake(f: &Fixture) -> (Session, Session) {
    handshake_with(f, X25519MlKem768)
}

/// The handshake of `kex`, by its name: [`handshake`] or [`hybrid_handshake`].
pub fn handshake_of(kex: Kex) -> fn(&Fixture) -> (Session, Session) {
    match kex {
        Kex::X25519 => handshake,
        Kex::X25519MlKem768 => hybrid_handshake,
    }
}

/// [`handshake`] under any key exchange, transcript binding.
fn handshake_with<K: KeyExchange>(f: &Fixture, kex: K) -> (Session, Session) {
    let mut rng = os_rng();
    let binding = Binding::Transcript;
    let (client, hello) =
        mutual::Client::start_kex(&mut rng, kex, &f.client, f.server.public(), binding);
    let (server, server_hello) = mutual::Server::with_kex(&f.server, binding, kex)
        .read_client_hello(&mut rng, &hello)
        .expect("valid hello");
    let (mut client_session, auth) = client
        .read_server_hello(&server_hello)
        .expect("valid server hello");
    let verified = server
        .read_client_auth(&auth, &f.policy)
        .expect("valid client auth");
    let mutual::ClientVerified::ExpectKeyConfirmation(pending) = verified else {
        panic!("the transcript binding always asks for key confirmation");
    };
    let mut record = [0u8; HEADER_LEN + TAG_LEN];
    let len = client_session.seal(&[], &mut record).expect("empty record");
    let (accepted, _) = pending.confirm(&mut record[..len]).expect("keys agree");
    (client_session, accepted.session)
}

/// Fixed inputs, made once, so only the operations themselves are timed.
pub struct Primitives {
    signer: SigningKey,
    verifier: VerifyingKey,
    verifier_bytes: [u8; 32],
    /// As long as a transcript-binding signed message.
    message: [u8; 130],
    signature: Signature,
    peer: PublicKey,
    /// A client's ML-KEM-768 key pair, its encapsulation key as sent in
    /// message 1 and as the server parses it, and a ciphertext to it.
    decapsulation_key: DecapsulationKey,
    encapsulation_key_bytes: [u8; learn_mtls::wire::ENCAPSULATION_KEY_LEN],
    encapsulation_key: ml_kem_768::EncapsulationKey,
    ciphertext: Ciphertext<MlKem768>,
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
        let decapsulation_key = DecapsulationKey::generate_from_rng(&mut os_rng());
        let encapsulation_key = decapsulation_key.encapsulation_key().clone();
        let mut encapsulation_key_bytes = [0u8; learn_mtls::wire::ENCAPSULATION_KEY_LEN];
        encapsulation_key_bytes.copy_from_slice(&encapsulation_key.to_bytes());
        let (ciphertext, _) = encapsulation_key.encapsulate_with_rng(&mut os_rng());
        Self {
            decapsulation_key,
            encapsulation_key_bytes,
            encapsulation_key,
            ciphertext,
            verifier_bytes: verifier.to_bytes(),
            signature: signer.sign(&message),
            signer,
            verifier,
            message,
            peer: PublicKey::from(&EphemeralSecret::random_from_rng(&mut os_rng())),
        }
    }

    /// Both sides' public-key work for one classical handshake, once: each
    /// of [`PRIMITIVES`] as many times as a handshake runs it.
    pub fn one_handshake(&self) {
        self.one_handshake_of(Kex::X25519);
    }

    /// Both sides' public-key work for one handshake of `kex`: each of
    /// [`primitives_of`]`(kex)` as many times as that handshake runs it.
    pub fn one_handshake_of(&self, kex: Kex) {
        for primitive in primitives_of(kex) {
            for _ in 0..primitive.per_handshake {
                (primitive.run)(self);
            }
        }
    }

    /// A fresh X25519 key pair: the secret and its public share.
    pub fn x25519_key_pair(&self) {
        let secret = EphemeralSecret::random_from_rng(&mut os_rng());
        black_box(PublicKey::from(&secret));
    }

    /// One X25519 agreement with the peer's share (a fresh secret, as
    /// each ephemeral is used once).
    pub fn x25519_agreement(&self) {
        let secret = EphemeralSecret::random_from_rng(&mut os_rng());
        black_box(secret.diffie_hellman(&self.peer));
    }

    /// One Ed25519 signature over a transcript-sized message.
    pub fn ed25519_sign(&self) {
        black_box(self.signer.sign(black_box(&self.message)));
    }

    /// One strict Ed25519 verification.
    pub fn ed25519_verify_strict(&self) {
        black_box(
            self.verifier
                .verify_strict(black_box(&self.message), &self.signature),
        )
        .expect("a valid signature");
    }

    /// One Ed25519 public key decompressed, with the weak-key check.
    pub fn ed25519_key_check(&self) {
        black_box(VerifyingKey::from_bytes(black_box(&self.verifier_bytes)).map(|k| k.is_weak()))
            .expect("a valid key");
    }
}

impl Primitives {
    /// A fresh ML-KEM-768 key pair (FIPS 203 Algorithm 19, from 64 random
    /// bytes), with the encapsulation key encoded as message 1 carries it.
    pub fn ml_kem_key_generation(&self) {
        let key = DecapsulationKey::generate_from_rng(&mut os_rng());
        black_box(key.encapsulation_key().to_bytes());
        black_box(key);
    }

    /// The server's parse of a received encapsulation key: FIPS 203's
    /// input check (section 7.2), and the key's hash `H(ek)`, which
    /// `ml-kem` computes here rather than in the encapsulation.
    pub fn ml_kem_encapsulation_key_check(&self) {
        black_box(ml_kem_768::EncapsulationKey::new(
            &black_box(self.encapsulation_key_bytes).into(),
        ))
        .expect("a valid encapsulation key");
    }

    /// One encapsulation to a parsed key (FIPS 203 Algorithm 20, from 32
    /// fresh random bytes): the ciphertext and the shared key.
    pub fn ml_kem_encapsulation(&self) {
        black_box(black_box(&self.encapsulation_key).encapsulate_with_rng(&mut os_rng()));
    }

    /// One decapsulation (FIPS 203 Algorithm 21), re-encryption and
    /// implicit rejection's comparison included.
    pub fn ml_kem_decapsulation(&self) {
        black_box(black_box(&self.decapsulation_key).decapsulate(black_box(&self.ciphertext)));
    }
}

/// One public-key operation of the handshake.
pub struct Primitive {
    /// What it is, as the benchmark names it.
    pub name: &'static str,
    /// How many times one mutual handshake (both sides) runs it.
    pub per_handshake: u32,
    /// Runs it once.
    pub run: fn(&Primitives),
}

/// The handshake's public-key work, operation by operation.
pub const PRIMITIVES: [Primitive; 5] = [
    Primitive {
        name: "X25519 key pair",
        per_handshake: 2,
        run: Primitives::x25519_key_pair,
    },
    Primitive {
        name: "X25519 agreement",
        per_handshake: 2,
        run: Primitives::x25519_agreement,
    },
    Primitive {
        name: "Ed25519 sign",
        per_handshake: 2,
        run: Primitives::ed25519_sign,
    },
    Primitive {
        name: "Ed25519 verify_strict",
        per_handshake: 2,
        run: Primitives::ed25519_verify_strict,
    },
    Primitive {
        name: "Ed25519 key decompression",
        per_handshake: 1,
        run: Primitives::ed25519_key_check,
    },
];

/// What the hybrid key exchange adds to [`PRIMITIVES`]: the client makes a
/// key pair and decapsulates, the server checks the key and encapsulates.
pub const ML_KEM_PRIMITIVES: [Primitive; 4] = [
    Primitive {
        name: "ML-KEM-768 key generation",
        per_handshake: 1,
        run: Primitives::ml_kem_key_generation,
    },
    Primitive {
        name: "ML-KEM-768 encapsulation key check",
        per_handshake: 1,
        run: Primitives::ml_kem_encapsulation_key_check,
    },
    Primitive {
        name: "ML-KEM-768 encapsulation",
        per_handshake: 1,
        run: Primitives::ml_kem_encapsulation,
    },
    Primitive {
        name: "ML-KEM-768 decapsulation",
        per_handshake: 1,
        run: Primitives::ml_kem_decapsulation,
    },
];

/// The primitives of one handshake of `kex`: [`PRIMITIVES`], then for the
/// hybrid key exchange [`ML_KEM_PRIMITIVES`].
pub fn primitives_of(kex: Kex) -> impl Iterator<Item = &'static Primitive> {
    let ml_kem: &'static [Primitive] = match kex {
        Kex::X25519 => &[],
        Kex::X25519MlKem768 => &ML_KEM_PRIMITIVES,
    };
    PRIMITIVES.iter().chain(ml_kem)
}

/// Every primitive either handshake runs, each once.
pub fn all_primitives() -> impl Iterator<Item = &'static Primitive> {
    primitives_of(Kex::X25519MlKem768)
}

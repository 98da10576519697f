//! The handshake's public-key work, done directly with the crates: the
//! yardstick that `bench/benches/handshake.rs` and `examples/load/` both measure
//! the protocol against, defined once so both mean the same thing.
//!
//! Both sides of one mutual handshake, together: 2 X25519 key generations,
//! 2 X25519 agreements, 2 Ed25519 signatures, 2 strict Ed25519
//! verifications and 1 Ed25519 key decompression (with the weak-key check).

use std::hint::black_box;

use learn_mtls::handshake::{Binding, mutual};
use learn_mtls::keys::IdentityKey;
use learn_mtls::record::{HEADER_LEN, Session, TAG_LEN};
use learn_mtls::trust::{ClientName, PinnedClient};

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use learn_mtls::net::os_rng;
use x25519_dalek::{EphemeralSecret, PublicKey};

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
/// benchmark and the instruction count measure.
pub fn handshake(f: &Fixture) -> (Session, Session) {
    let mut rng = os_rng();
    let binding = Binding::Transcript;
    let (client, hello) = mutual::Client::start(&mut rng, &f.client, f.server.public(), binding);
    let (server, server_hello) = mutual::Server::new(&f.server, binding)
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

    /// Both sides' public-key work for one handshake, once: each of
    /// [`PRIMITIVES`] as many times as a handshake runs it.
    pub fn one_handshake(&self) {
        for primitive in PRIMITIVES {
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

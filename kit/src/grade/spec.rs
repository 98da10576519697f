//! The protocol of Lessons 10 and 11, written again from the lesson text
//! with the primitive crates only: the graders' yardstick.
//!
//! Nothing here calls the library's handshake, schedule or record code, so
//! a mistake there cannot hide itself by being made twice. (Binding and
//! KeySchedule are borrowed from the library as names only.)

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce, Tag};
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::scalar::{Scalar, clamp_integer};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use learn_mtls::handshake::Binding;
use learn_mtls::kex::Kex;
use learn_mtls::rand_core::Rng;
use learn_mtls::schedule::KeySchedule;
use sha2::{Digest, Sha256, Sha512};
use x25519_dalek::{X25519_BASEPOINT_BYTES, x25519};

/// Which lesson's handshake: 128 bytes (10) or 224 (11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lesson {
    /// Server-only authentication.
    Ten,
    /// Mutual authentication.
    Eleven,
}

impl Lesson {
    pub fn name(self) -> &'static str {
        match self {
            Self::Ten => "Lesson 10",
            Self::Eleven => "Lesson 11",
        }
    }
}

/// Everything both ends must agree on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proto {
    pub lesson: Lesson,
    pub binding: Binding,
    pub schedule: KeySchedule,
    /// The key exchange (`--kex`): X25519 alone, or the hybrid of Lesson 19.
    pub kex: Kex,
}

impl Proto {
    /// The same protocol under another binding and schedule.
    pub fn with(self, binding: Binding, schedule: KeySchedule) -> Self {
        Self {
            binding,
            schedule,
            ..self
        }
    }

    /// Every binding and schedule of this lesson, for diagnosis.
    pub fn variants(self) -> [Proto; 4] {
        [
            self.with(Binding::InsecureLesson11, KeySchedule::Hkdf),
            self.with(Binding::InsecureLesson11, KeySchedule::Tls12Prf),
            self.with(Binding::Transcript, KeySchedule::Hkdf),
            self.with(Binding::Transcript, KeySchedule::Tls12Prf),
        ]
    }

    /// `--binding B --schedule S` (and `--kex K` unless X25519), as a
    /// learner would type it.
    pub fn flags(self) -> String {
        let kex = match self.kex {
            Kex::X25519 => String::new(),
            other => format!(" --kex {other}"),
        };
        format!(
            "--binding {} --schedule {}{kex}",
            self.binding, self.schedule
        )
    }

    /// Whether this is the hybrid handshake of Lesson 19.
    pub fn hybrid(self) -> bool {
        self.kex == Kex::X25519MlKem768
    }

    /// The length of message 1: 32, or 1,216 (hybrid).
    pub fn m1_len(self) -> usize {
        self.kex.client_hello_len()
    }

    /// The length of message 2: 96, or 1,184 (hybrid).
    pub fn m2_len(self) -> usize {
        self.kex.server_hello_len()
    }
}

pub const SHARE_LEN: usize = 32;
pub const M2_LEN: usize = 96;
pub const M3_LEN: usize = 96;
pub const TAG_LEN: usize = 16;
pub const MAX_PLAINTEXT: usize = 16384;
/// The largest legal length field: 16384 + 16.
pub const MAX_LENGTH_FIELD: usize = MAX_PLAINTEXT + TAG_LEN;

/// The HKDF labels, in the order client key, client iv, server key, server iv.
pub const LABELS: [&[u8]; 4] = [
    b"learn-mtls v1 client write key",
    b"learn-mtls v1 client write iv",
    b"learn-mtls v1 server write key",
    b"learn-mtls v1 server write iv",
];

/// The server's signature context (transcript binding).
fn server_context(p: Proto) -> &'static [u8] {
    match (p.lesson, p.schedule) {
        (Lesson::Eleven, KeySchedule::Hkdf) => b"learn-mtls v1 mutual, server signature",
        (Lesson::Eleven, KeySchedule::Tls12Prf) => {
            b"learn-mtls v1 mutual tls12-prf, server signature"
        }
        (Lesson::Ten, KeySchedule::Hkdf) => b"learn-mtls v1 server-only, server signature",
        (Lesson::Ten, KeySchedule::Tls12Prf) => {
            b"learn-mtls v1 server-only tls12-prf, server signature"
        }
    }
}

/// The client's signature context (transcript binding, Lesson 11).
fn client_context(p: Proto) -> &'static [u8] {
    match p.schedule {
        KeySchedule::Hkdf => b"learn-mtls v1 mutual, client signature",
        KeySchedule::Tls12Prf => b"learn-mtls v1 mutual tls12-prf, client signature",
    }
}

pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part);
    }
    hash.finalize().into()
}

/// `0x20 x 64 || context || 0x00 || hash`.
fn to_be_signed(context: &[u8], hash: &[u8; 32]) -> Vec<u8> {
    [&[0x20; 64][..], context, &[0x00], hash].concat()
}

/// What the server signs in M2. `server_reply` is M2 without its
/// signature: the share (classical), or ciphertext || share (hybrid,
/// Lesson 19's `server_reply`). The context strings are the same for both.
pub fn server_signed(p: Proto, m1: &[u8], server_reply: &[u8]) -> Vec<u8> {
    match p.binding {
        Binding::InsecureLesson11 => server_reply.to_vec(),
        Binding::Transcript => to_be_signed(server_context(p), &sha256(&[m1, server_reply])),
    }
}

/// What the client signs in M3 (Lesson 11): its whole M1 (lesson11), or
/// the hash of M1 || M2 || its key (transcript).
pub fn client_signed(p: Proto, m1: &[u8], m2: &[u8], client_key: &[u8; 32]) -> Vec<u8> {
    match p.binding {
        Binding::InsecureLesson11 => m1.to_vec(),
        Binding::Transcript => to_be_signed(client_context(p), &sha256(&[m1, m2, client_key])),
    }
}

/// Random bytes from the operating system.
pub fn random32() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    learn_mtls::net::os_rng().fill_bytes(&mut bytes);
    bytes
}

/// A fresh X25519 key pair: (secret, share).
pub fn ephemeral() -> ([u8; 32], [u8; 32]) {
    let secret = random32();
    (secret, x25519(secret, X25519_BASEPOINT_BYTES))
}

pub fn agree(secret: [u8; 32], peer_share: [u8; 32]) -> [u8; 32] {
    x25519(secret, peer_share)
}

/// Shares of low order: X25519 with any of them gives 32 zero bytes.
pub const LOW_ORDER_SHARES: [(&str, [u8; 32]); 3] = [
    ("u = 0", [0; 32]),
    ("u = 1", {
        let mut one = [0; 32];
        one[0] = 1;
        one
    }),
    (
        "a point of order 8",
        [
            0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f,
            0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16,
            0x5f, 0x49, 0xb8, 0x00,
        ],
    ),
];

// ---- Signatures ----------------------------------------------------------

pub fn public_key(seed: &[u8; 32]) -> [u8; 32] {
    SigningKey::from_bytes(seed).verifying_key().to_bytes()
}

pub fn sign(seed: &[u8; 32], message: &[u8]) -> [u8; 64] {
    SigningKey::from_bytes(seed).sign(message).to_bytes()
}

/// Strict verification, as the lesson requires.
pub fn verify_strict(key: &[u8; 32], message: &[u8], signature: &[u8]) -> bool {
    let (Ok(key), Ok(signature)) = (
        VerifyingKey::from_bytes(key),
        Signature::from_slice(signature),
    ) else {
        return false;
    };
    key.verify_strict(message, &signature).is_ok()
}

/// The small-order point with the simplest encoding: the identity.
const IDENTITY: [u8; 32] = {
    let mut bytes = [0; 32];
    bytes[0] = 1;
    bytes
};

fn challenge(r: &[u8], key: &[u8; 32], message: &[u8]) -> Scalar {
    let hash: [u8; 64] = Sha512::new()
        .chain_update(r)
        .chain_update(key)
        .chain_update(message)
        .finalize()
        .into();
    Scalar::from_bytes_mod_order_wide(&hash)
}

/// A signature by `seed` over `message` whose R is the identity point:
/// lenient verification (the RFC 8032 equation alone) accepts it, strict
/// verification refuses a small-order R.
pub fn sign_small_order_r(seed: &[u8; 32], message: &[u8]) -> [u8; 64] {
    let expanded: [u8; 64] = Sha512::digest(seed).into();
    let mut low = [0u8; 32];
    low.copy_from_slice(&expanded[..32]);
    let a = Scalar::from_bytes_mod_order(clamp_integer(low));
    let k = challenge(&IDENTITY, &public_key(seed), message);
    // [s]B - [k]A = [k a]B - [k a]B = identity = R.
    let s = k * a;
    let mut signature = [0u8; 64];
    signature[..32].copy_from_slice(&IDENTITY);
    signature[32..].copy_from_slice(s.as_bytes());
    signature
}

/// The same signature with S + L in place of S: equal modulo the group
/// order, refused by any verifier that insists S < L.
pub fn unreduced_s(signature: &[u8; 64]) -> [u8; 64] {
    // L = 2^252 + 27742317777372353535851937790883648493, little-endian.
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut out = *signature;
    let mut carry = 0u16;
    for (byte, l) in out[32..].iter_mut().zip(L) {
        let sum = u16::from(*byte) + u16::from(l) + carry;
        *byte = sum as u8;
        carry = sum >> 8;
    }
    out
}

/// A "key" of small order (the identity point) and a signature that
/// verifies under it, leniently, for any message: R = B, S = 1, since
/// \[1\]B - \[k\]identity = B.
pub fn weak_key_forgery() -> ([u8; 32], [u8; 64]) {
    let mut signature = [0u8; 64];
    signature[..32].copy_from_slice(EdwardsPoint::mul_base(&Scalar::ONE).compress().as_bytes());
    signature[32] = 1;
    (IDENTITY, signature)
}

// ---- The key schedule ------------------------------------------------------

/// Both directions' keys and IVs.
#[derive(Clone)]
pub struct Keys {
    pub client_key: [u8; 32],
    pub client_iv: [u8; 12],
    pub server_key: [u8; 32],
    pub server_iv: [u8; 12],
}

/// The handshake so far, as sent: M1, M2 and (Lesson 11) M3.
pub struct Transcript<'a> {
    pub m1: &'a [u8],
    pub m2: &'a [u8],
    pub m3: Option<&'a [u8; 96]>,
}

impl Transcript<'_> {
    fn hash(&self) -> [u8; 32] {
        match self.m3 {
            Some(m3) => sha256(&[self.m1, self.m2, m3]),
            None => sha256(&[self.m1, self.m2]),
        }
    }

    /// The TLS 1.2 PRF's randoms: the two X25519 shares, wherever the
    /// key exchange puts them (Lesson 19, "The key schedule").
    fn randoms(&self) -> ([u8; 32], [u8; 32]) {
        (
            super::kem::client_share(self.m1),
            super::kem::server_share(self.m2),
        )
    }
}

/// The session keys, exactly as the lessons specify; `shared` is 32 bytes
/// (X25519) or 64 (hybrid: ML-KEM's key, then X25519's).
pub fn derive(p: Proto, shared: &[u8], t: &Transcript<'_>) -> Keys {
    derive_with_labels(p, shared, t, LABELS)
}

/// [`derive()`] with other HKDF labels (only the tests' broken peers want that).
pub fn derive_with_labels(p: Proto, shared: &[u8], t: &Transcript<'_>, labels: [&[u8]; 4]) -> Keys {
    let salt = match p.binding {
        Binding::InsecureLesson11 => None,
        Binding::Transcript => Some(t.hash()),
    };
    match p.schedule {
        KeySchedule::Hkdf => {
            let prk = Hkdf::<Sha256>::new(salt.as_ref().map(|s| &s[..]), shared);
            let mut keys = Keys {
                client_key: [0; 32],
                client_iv: [0; 12],
                server_key: [0; 32],
                server_iv: [0; 12],
            };
            let ok = [
                prk.expand(labels[0], &mut keys.client_key),
                prk.expand(labels[1], &mut keys.client_iv),
                prk.expand(labels[2], &mut keys.server_key),
                prk.expand(labels[3], &mut keys.server_iv),
            ];
            assert!(ok.iter().all(Result::is_ok), "HKDF lengths are constants");
            keys
        }
        KeySchedule::Tls12Prf => {
            let (client_random, server_random) = t.randoms();
            let mut master = [0u8; 48];
            match salt {
                None => prf(
                    shared,
                    b"master secret",
                    &[&client_random, &server_random],
                    &mut master,
                ),
                Some(session_hash) => prf(
                    shared,
                    b"extended master secret",
                    &[&session_hash],
                    &mut master,
                ),
            }
            // client key, server key, client iv, server iv (RFC 5246 section 6.3).
            let mut block = [0u8; 88];
            prf(
                &master,
                b"key expansion",
                &[&server_random, &client_random],
                &mut block,
            );
            let mut keys = Keys {
                client_key: [0; 32],
                client_iv: [0; 12],
                server_key: [0; 32],
                server_iv: [0; 12],
            };
            keys.client_key.copy_from_slice(&block[..32]);
            keys.server_key.copy_from_slice(&block[32..64]);
            keys.client_iv.copy_from_slice(&block[64..76]);
            keys.server_iv.copy_from_slice(&block[76..]);
            keys
        }
    }
}

/// The TLS 1.2 PRF with SHA-256: P_SHA256(secret, label || seed).
fn prf(secret: &[u8], label: &[u8], seed: &[&[u8]], out: &mut [u8]) {
    let mac = || <Hmac<Sha256>>::new_from_slice(secret).expect("HMAC takes any key length");
    let mut full_seed = label.to_vec();
    for part in seed {
        full_seed.extend_from_slice(part);
    }
    // A(1) = HMAC(secret, seed); A(i) = HMAC(secret, A(i-1)).
    let mut a: [u8; 32] = mac()
        .chain_update(&full_seed)
        .finalize()
        .into_bytes()
        .into();
    for chunk in out.chunks_mut(32) {
        let block: [u8; 32] = mac()
            .chain_update(a)
            .chain_update(&full_seed)
            .finalize()
            .into_bytes()
            .into();
        chunk.copy_from_slice(&block[..chunk.len()]);
        a = mac().chain_update(a).finalize().into_bytes().into();
    }
}

// ---- Records ---------------------------------------------------------------

/// One direction of a session: a key, an IV and the next counter.
#[derive(Clone)]
pub struct Direction {
    key: [u8; 32],
    iv: [u8; 12],
    pub counter: u64,
}

impl Direction {
    pub fn new(key: [u8; 32], iv: [u8; 12]) -> Self {
        Self {
            key,
            iv,
            counter: 0,
        }
    }

    fn nonce(&self, counter: u64) -> Nonce {
        let mut nonce = self.iv;
        for (n, c) in nonce[4..].iter_mut().zip(counter.to_be_bytes()) {
            *n ^= c;
        }
        Nonce::from(nonce)
    }

    /// The record for `plaintext` under `counter`, without moving the counter.
    pub fn seal_at(&self, counter: u64, plaintext: &[u8]) -> Vec<u8> {
        let length = u16::try_from(plaintext.len() + TAG_LEN)
            .expect("at most 16384 bytes")
            .to_be_bytes();
        let mut body = plaintext.to_vec();
        let tag = ChaCha20Poly1305::new(&self.key.into())
            .encrypt_inout_detached(&self.nonce(counter), &length, body.as_mut_slice().into())
            .expect("a record is far below ChaCha20's limit");
        [&length[..], &body, &tag].concat()
    }

    /// Seals under the next counter.
    pub fn seal(&mut self, plaintext: &[u8]) -> Vec<u8> {
        let record = self.seal_at(self.counter, plaintext);
        self.counter += 1;
        record
    }

    /// Opens a whole record (header included) under `counter`.
    pub fn open_at(&self, counter: u64, record: &[u8]) -> Option<Vec<u8>> {
        if record.len() < 2 + TAG_LEN {
            return None;
        }
        let (length, rest) = record.split_at(2);
        if usize::from(u16::from_be_bytes([length[0], length[1]])) != rest.len() {
            return None;
        }
        let (ciphertext, tag) = rest.split_at(rest.len() - TAG_LEN);
        let mut plaintext = ciphertext.to_vec();
        ChaCha20Poly1305::new(&self.key.into())
            .decrypt_inout_detached(
                &self.nonce(counter),
                length,
                plaintext.as_mut_slice().into(),
                &Tag::try_from(tag).ok()?,
            )
            .ok()?;
        Some(plaintext)
    }

    /// Opens under the next counter and advances it.
    pub fn open(&mut self, record: &[u8]) -> Option<Vec<u8>> {
        let plaintext = self.open_at(self.counter, record)?;
        self.counter += 1;
        Some(plaintext)
    }
}

/// Which end of the connection a session belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Client,
    Server,
}

/// Both directions, from one side's point of view.
#[derive(Clone)]
pub struct Session {
    pub send: Direction,
    pub recv: Direction,
}

impl Session {
    pub fn new(keys: &Keys, side: Side) -> Self {
        let client = Direction::new(keys.client_key, keys.client_iv);
        let server = Direction::new(keys.server_key, keys.server_iv);
        match side {
            Side::Client => Self {
                send: client,
                recv: server,
            },
            Side::Server => Self {
                send: server,
                recv: client,
            },
        }
    }
}

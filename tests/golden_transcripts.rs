//! Golden transcripts: fixed keys and fixed randomness give fixed bytes.
//!
//! Two routes to the same bytes:
//!
//! 1. **The library.** Each `*_matches_its_golden_vector` test runs the
//!    handshake with the inputs in `tests/vectors/NAME.txt` and checks that
//!    every message and record is byte for byte the one in the file. Any
//!    change to the wire format fails here first.
//! 2. **The documentation.** Each `*_recomputes_by_a_second_route` test
//!    ignores the library entirely: it takes the bytes in the file and
//!    recomputes them with the primitives (`x25519-dalek`, `ed25519-dalek`,
//!    `sha2`, `hkdf`, `chacha20poly1305`), following only the formulas the
//!    docs state (`handshake/mod.rs`, `handshake/mutual.rs`, `schedule.rs`,
//!    `record.rs`), written out again below with every label and context
//!    string as a literal. If these pass, the docs that the lessons copy are
//!    precise enough for a learner to interoperate with the library.
//!
//! A third test, `the_vector_files_are_what_the_code_writes`, renders every
//! file again and fails if one differs from what is on disk. Only an
//! explicit switch rewrites them, after a deliberate change to the wire
//! format (then review the diff):
//!
//! ```text
//! LEARN_MTLS_BLESS=1 cargo test --test golden_transcripts
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chacha20::ChaCha20Rng;
use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Tag};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use hkdf::Hkdf;
use learn_mtls::handshake::mutual::{self, ClientVerified};
use learn_mtls::handshake::{Binding, server_only};
use learn_mtls::hex::Hex;
use learn_mtls::keys::IdentityKey;
use learn_mtls::rand_core::{Rng, SeedableRng};
use learn_mtls::record::{HEADER_LEN, Session, TAG_LEN};
use learn_mtls::trust::{ClientName, PinnedClient};
use sha2::{Digest, Sha256};

// ---------------------------------------------------------------------------
// The four cases and their inputs
// ---------------------------------------------------------------------------

/// Which handshake a vector file describes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Handshake {
    /// Lesson 11: three messages.
    Mutual,
    /// Lesson 10: two messages, the client anonymous.
    ServerOnly,
}

struct Case {
    file: &'static str,
    handshake: Handshake,
    binding: Binding,
}

const MUTUAL_LESSON11: Case = Case {
    file: "mutual-lesson11.txt",
    handshake: Handshake::Mutual,
    binding: Binding::InsecureLesson11,
};
const MUTUAL_TRANSCRIPT: Case = Case {
    file: "mutual-transcript.txt",
    handshake: Handshake::Mutual,
    binding: Binding::Transcript,
};
const LESSON10_LESSON11: Case = Case {
    file: "lesson10-lesson11.txt",
    handshake: Handshake::ServerOnly,
    binding: Binding::InsecureLesson11,
};
const LESSON10_TRANSCRIPT: Case = Case {
    file: "lesson10-transcript.txt",
    handshake: Handshake::ServerOnly,
    binding: Binding::Transcript,
};

/// The inputs written into every vector file by the generator. The tests
/// read them back from the file, so the file alone describes the case.
const SERVER_SECRET: [u8; 32] = *b"learn-mtls golden server secret!";
const CLIENT_SECRET: [u8; 32] = *b"learn-mtls golden client secret!";
const CLIENT_RNG_SEED: [u8; 32] = *b"learn-mtls golden client rng....";
const SERVER_RNG_SEED: [u8; 32] = *b"learn-mtls golden server rng....";

/// The plaintexts of the records in every vector file.
const CLIENT_RECORD_1: &[u8] = b"hello";
const CLIENT_RECORD_2: &[u8] = b"again";
const SERVER_RECORD_1: &[u8] = b"hello";

// ---------------------------------------------------------------------------
// Vector files
// ---------------------------------------------------------------------------

fn vector_path(file: &str) -> String {
    format!("{}/tests/vectors/{file}", env!("CARGO_MANIFEST_DIR"))
}

/// Decodes hex of any even length. (The files are written in lowercase;
/// `the_vector_files_are_what_the_code_writes` holds them to it.)
fn unhex(text: &str) -> Option<Vec<u8>> {
    learn_mtls::hex::decode_vec(text).ok()
}

/// `name = hex` lines; `#` starts a comment line.
struct Vectors {
    file: &'static str,
    values: BTreeMap<String, Vec<u8>>,
}

impl Vectors {
    fn load(file: &'static str) -> Self {
        let path = vector_path(file);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut values = BTreeMap::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (name, hex) = line
                .split_once(" = ")
                .unwrap_or_else(|| panic!("{path}:{}: expected `name = hex`", index + 1));
            let bytes = unhex(hex.trim())
                .unwrap_or_else(|| panic!("{path}:{}: not lowercase hex", index + 1));
            values.insert(name.trim().to_owned(), bytes);
        }
        Self { file, values }
    }

    fn get(&self, name: &str) -> &[u8] {
        self.values
            .get(name)
            .unwrap_or_else(|| panic!("{}: no `{name}`", self.file))
    }

    fn array<const N: usize>(&self, name: &str) -> [u8; N] {
        self.get(name)
            .try_into()
            .unwrap_or_else(|_| panic!("{}: `{name}` is not {N} bytes", self.file))
    }

    /// Checks `actual` against the file, printing both as hex on failure.
    fn check(&self, name: &str, actual: &[u8]) {
        assert_eq!(
            Hex(actual).to_string(),
            Hex(self.get(name)).to_string(),
            "{}: `{name}` differs",
            self.file
        );
    }
}

// ---------------------------------------------------------------------------
// Route 1: the library
// ---------------------------------------------------------------------------

/// Every byte the library puts on the wire in one run.
struct Wire {
    message1: Vec<u8>,
    message2: Vec<u8>,
    /// Lesson 11 only.
    message3: Option<Vec<u8>>,
    client_record_1: Vec<u8>,
    client_record_2: Vec<u8>,
    server_record_1: Vec<u8>,
}

fn seal(session: &mut Session, plaintext: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; HEADER_LEN + plaintext.len() + TAG_LEN];
    let len = session.seal(plaintext, &mut out).unwrap();
    out.truncate(len);
    out
}

fn open(session: &mut Session, record: &[u8]) -> Vec<u8> {
    let mut copy = record.to_vec();
    session.open_in_place(&mut copy).unwrap().to_vec()
}

/// Runs the case through the library with the given inputs.
fn run_library(case: &Case, inputs: &Inputs) -> Wire {
    let server_key = IdentityKey::from_secret_bytes(&inputs.server_secret);
    let client_key = IdentityKey::from_secret_bytes(&inputs.client_secret);
    let mut client_rng = ChaCha20Rng::from_seed(inputs.client_rng_seed);
    let mut server_rng = ChaCha20Rng::from_seed(inputs.server_rng_seed);
    let binding = case.binding;

    let (mut client, mut server, wire) = match case.handshake {
        Handshake::Mutual => {
            let policy = PinnedClient::new(client_key.public(), ClientName::new("golden").unwrap());
            let (client, hello) =
                mutual::Client::start(&mut client_rng, &client_key, server_key.public(), binding);
            let (server, server_hello) = mutual::Server::new(&server_key, binding)
                .read_client_hello(&mut server_rng, &hello)
                .unwrap();
            let (mut client, auth) = client.read_server_hello(&server_hello).unwrap();
            let verified = server.read_client_auth(&auth, &policy).unwrap();
            let client_record_1 = seal(&mut client, CLIENT_RECORD_1);
            let server = match verified {
                ClientVerified::Accepted(accepted) => {
                    let mut server = accepted.session;
                    assert_eq!(open(&mut server, &client_record_1), CLIENT_RECORD_1);
                    server
                }
                ClientVerified::ExpectKeyConfirmation(pending) => {
                    let mut copy = client_record_1.clone();
                    let (accepted, first) = pending.confirm(&mut copy).unwrap();
                    assert_eq!(first, CLIENT_RECORD_1);
                    accepted.session
                }
            };
            let wire = Wire {
                message1: hello.to_bytes().to_vec(),
                message2: server_hello.to_bytes().to_vec(),
                message3: Some(auth.to_bytes().to_vec()),
                client_record_1,
                client_record_2: Vec::new(),
                server_record_1: Vec::new(),
            };
            (client, server, wire)
        }
        Handshake::ServerOnly => {
            let (client, hello) =
                server_only::Client::start(&mut client_rng, server_key.public(), binding);
            let (mut server, server_hello) = server_only::Server::new(&server_key, binding)
                .read_client_hello(&mut server_rng, &hello)
                .unwrap();
            let mut client = client.read_server_hello(&server_hello).unwrap();
            let client_record_1 = seal(&mut client, CLIENT_RECORD_1);
            assert_eq!(open(&mut server, &client_record_1), CLIENT_RECORD_1);
            let wire = Wire {
                message1: hello.to_bytes().to_vec(),
                message2: server_hello.to_bytes().to_vec(),
                message3: None,
                client_record_1,
                client_record_2: Vec::new(),
                server_record_1: Vec::new(),
            };
            (client, server, wire)
        }
    };
    let client_record_2 = seal(&mut client, CLIENT_RECORD_2);
    assert_eq!(open(&mut server, &client_record_2), CLIENT_RECORD_2);
    let server_record_1 = seal(&mut server, SERVER_RECORD_1);
    assert_eq!(open(&mut client, &server_record_1), SERVER_RECORD_1);
    Wire {
        client_record_2,
        server_record_1,
        ..wire
    }
}

fn check_library_against_file(case: &Case) {
    let vectors = Vectors::load(case.file);
    let inputs = Inputs::from_file(&vectors);

    let wire = run_library(case, &inputs);

    vectors.check("message1", &wire.message1);
    vectors.check("message2", &wire.message2);
    match &wire.message3 {
        Some(message3) => vectors.check("message3", message3),
        None => assert!(!vectors.values.contains_key("message3"), "{}", case.file),
    }
    vectors.check("client_record_1", &wire.client_record_1);
    vectors.check("client_record_2", &wire.client_record_2);
    vectors.check("server_record_1", &wire.server_record_1);
}

#[test]
fn mutual_lesson11_matches_its_golden_vector() {
    check_library_against_file(&MUTUAL_LESSON11);
}

#[test]
fn mutual_transcript_matches_its_golden_vector() {
    check_library_against_file(&MUTUAL_TRANSCRIPT);
}

#[test]
fn lesson10_under_the_lesson11_binding_matches_its_golden_vector() {
    check_library_against_file(&LESSON10_LESSON11);
}

#[test]
fn lesson10_transcript_matches_its_golden_vector() {
    check_library_against_file(&LESSON10_TRANSCRIPT);
}

// ---------------------------------------------------------------------------
// Route 2: the documented formulas, with the primitives directly
// ---------------------------------------------------------------------------

struct Inputs {
    server_secret: [u8; 32],
    client_secret: [u8; 32],
    client_rng_seed: [u8; 32],
    server_rng_seed: [u8; 32],
}

impl Inputs {
    fn from_file(vectors: &Vectors) -> Self {
        Self {
            server_secret: vectors.array("server_secret"),
            client_secret: vectors.array("client_secret"),
            client_rng_seed: vectors.array("client_rng_seed"),
            server_rng_seed: vectors.array("server_rng_seed"),
        }
    }
}

/// Everything route 2 computes on the way, in file order.
struct Intermediates {
    client_ephemeral_secret: [u8; 32],
    server_ephemeral_secret: [u8; 32],
    shared_secret: [u8; 32],
    server_signed: Vec<u8>,
    /// Lesson 11 only.
    client_signed: Option<Vec<u8>>,
    /// Transcript binding only.
    transcript_hash: Option<[u8; 32]>,
    client_write_key: [u8; 32],
    client_write_iv: [u8; 12],
    server_write_key: [u8; 32],
    server_write_iv: [u8; 12],
}

impl Intermediates {
    fn named(&self) -> Vec<(&'static str, Vec<u8>)> {
        let mut named = vec![
            (
                "client_ephemeral_secret",
                self.client_ephemeral_secret.to_vec(),
            ),
            (
                "server_ephemeral_secret",
                self.server_ephemeral_secret.to_vec(),
            ),
            ("shared_secret", self.shared_secret.to_vec()),
            ("server_signed", self.server_signed.clone()),
        ];
        if let Some(client_signed) = &self.client_signed {
            named.push(("client_signed", client_signed.clone()));
        }
        if let Some(hash) = self.transcript_hash {
            named.push(("transcript_hash", hash.to_vec()));
        }
        named.extend([
            ("client_write_key", self.client_write_key.to_vec()),
            ("client_write_iv", self.client_write_iv.to_vec()),
            ("server_write_key", self.server_write_key.to_vec()),
            ("server_write_iv", self.server_write_iv.to_vec()),
        ]);
        named
    }
}

/// `0x20 x 64 || context || 0x00 || SHA-256(parts...)`, as
/// `handshake/mod.rs` documents it (RFC 8446 section 4.4.3).
fn transcript_signed(context: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part);
    }
    let mut signed = vec![0x20; 64];
    signed.extend_from_slice(context);
    signed.push(0x00);
    signed.extend_from_slice(&hash.finalize());
    signed
}

/// Checks an Ed25519 signature strictly, and that signing again with the
/// secret gives the same bytes (Ed25519 signing is deterministic).
fn check_signature(secret: &[u8; 32], public: &[u8; 32], signed: &[u8], signature: &[u8]) {
    let signature: [u8; 64] = signature.try_into().unwrap();
    let public = VerifyingKey::from_bytes(public).expect("a valid public key");
    public
        .verify_strict(signed, &Signature::from_bytes(&signature))
        .expect("the signature verifies over the documented bytes");
    let again = SigningKey::from_bytes(secret).sign(signed).to_bytes();
    assert_eq!(Hex(&again).to_string(), Hex(&signature).to_string());
}

/// `nonce = write_iv XOR (0^4 || counter as 8 bytes big-endian)`, from `record.rs`.
fn nonce(iv: &[u8; 12], counter: u64) -> [u8; 12] {
    let mut nonce = *iv;
    for (n, c) in nonce[4..].iter_mut().zip(counter.to_be_bytes()) {
        *n ^= c;
    }
    nonce
}

/// Opens `record = length (2, big-endian) || ciphertext || tag (16)`, with
/// the length as associated data, and checks that sealing the plaintext
/// again gives the same record.
fn check_record(key: &[u8; 32], iv: &[u8; 12], counter: u64, record: &[u8], plaintext: &[u8]) {
    let cipher = ChaCha20Poly1305::new(&(*key).into());
    let nonce = nonce(iv, counter).into();
    let (header, body) = record.split_at(2);
    assert_eq!(
        usize::from(u16::from_be_bytes([header[0], header[1]])),
        body.len()
    );
    let (ciphertext, tag) = body.split_at(body.len() - 16);

    let mut opened = ciphertext.to_vec();
    cipher
        .decrypt_inout_detached(
            &nonce,
            header,
            opened.as_mut_slice().into(),
            &Tag::try_from(tag).unwrap(),
        )
        .expect("the record opens under the documented key and nonce");
    assert_eq!(opened, plaintext);

    let mut sealed = plaintext.to_vec();
    let tag = cipher
        .encrypt_inout_detached(&nonce, header, sealed.as_mut_slice().into())
        .unwrap();
    sealed.extend_from_slice(&tag);
    assert_eq!(sealed, body);
}

/// Recomputes and checks every byte of a run from the inputs, by the
/// documented formulas alone. Returns the values computed on the way.
fn second_route(case: &Case, inputs: &Inputs, wire: &Wire) -> Intermediates {
    let mutual = case.handshake == Handshake::Mutual;
    let transcript = case.binding == Binding::Transcript;
    let (m1, m2) = (&wire.message1[..], &wire.message2[..]);
    let (server_share, server_signature) = m2.split_at(32);

    // Long-term keys: RFC 8032 section 5.1.5 from the 32-byte seeds.
    let server_public = SigningKey::from_bytes(&inputs.server_secret)
        .verifying_key()
        .to_bytes();
    let client_public = SigningKey::from_bytes(&inputs.client_secret)
        .verifying_key()
        .to_bytes();

    // Ephemeral secrets: the first 32 bytes each side's RNG produces
    // (x25519-dalek's EphemeralSecret::random_from_rng), clamped by X25519.
    let mut client_ephemeral_secret = [0u8; 32];
    ChaCha20Rng::from_seed(inputs.client_rng_seed).fill_bytes(&mut client_ephemeral_secret);
    let mut server_ephemeral_secret = [0u8; 32];
    ChaCha20Rng::from_seed(inputs.server_rng_seed).fill_bytes(&mut server_ephemeral_secret);

    // Message 1 = client_share = X25519(client secret, 9).
    let base = x25519_dalek::X25519_BASEPOINT_BYTES;
    assert_eq!(m1, x25519_dalek::x25519(client_ephemeral_secret, base));
    assert_eq!(
        server_share,
        x25519_dalek::x25519(server_ephemeral_secret, base)
    );

    // The shared secret, the same from both ends, and not all zeros.
    let shared_secret =
        x25519_dalek::x25519(client_ephemeral_secret, server_share.try_into().unwrap());
    assert_eq!(
        shared_secret,
        x25519_dalek::x25519(server_ephemeral_secret, m1.try_into().unwrap())
    );
    assert_ne!(shared_secret, [0u8; 32]);

    // Message 2 = server_share || server_sig.
    let server_context: &[u8] = if mutual {
        b"learn-mtls v1 mutual, server signature"
    } else {
        b"learn-mtls v1 server-only, server signature"
    };
    let server_signed = if transcript {
        transcript_signed(server_context, &[m1, server_share])
    } else {
        server_share.to_vec()
    };
    check_signature(
        &inputs.server_secret,
        &server_public,
        &server_signed,
        server_signature,
    );

    // Message 3 = client_sig || client_key (Lesson 11 only).
    let client_signed = wire.message3.as_ref().map(|m3| {
        let (client_signature, client_key) = m3.split_at(64);
        assert_eq!(client_key, client_public);
        let client_signed = if transcript {
            transcript_signed(
                b"learn-mtls v1 mutual, client signature",
                &[m1, m2, client_key],
            )
        } else {
            m1.to_vec()
        };
        check_signature(
            &inputs.client_secret,
            &client_public,
            &client_signed,
            client_signature,
        );
        client_signed
    });
    assert_eq!(client_signed.is_some(), mutual);

    // The key schedule: salt = SHA-256(all handshake bytes), or 32 zero bytes.
    let transcript_hash = transcript.then(|| {
        let mut hash = Sha256::new();
        hash.update(m1);
        hash.update(m2);
        if let Some(m3) = &wire.message3 {
            hash.update(m3);
        }
        <[u8; 32]>::from(hash.finalize())
    });
    let salt = transcript_hash.unwrap_or([0u8; 32]);
    let prk = Hkdf::<Sha256>::new(Some(&salt), &shared_secret);
    let mut client_write_key = [0u8; 32];
    let mut client_write_iv = [0u8; 12];
    let mut server_write_key = [0u8; 32];
    let mut server_write_iv = [0u8; 12];
    prk.expand(b"learn-mtls v1 client write key", &mut client_write_key)
        .unwrap();
    prk.expand(b"learn-mtls v1 client write iv", &mut client_write_iv)
        .unwrap();
    prk.expand(b"learn-mtls v1 server write key", &mut server_write_key)
        .unwrap();
    prk.expand(b"learn-mtls v1 server write iv", &mut server_write_iv)
        .unwrap();

    // Records: each direction counts from zero.
    check_record(
        &client_write_key,
        &client_write_iv,
        0,
        &wire.client_record_1,
        CLIENT_RECORD_1,
    );
    check_record(
        &client_write_key,
        &client_write_iv,
        1,
        &wire.client_record_2,
        CLIENT_RECORD_2,
    );
    check_record(
        &server_write_key,
        &server_write_iv,
        0,
        &wire.server_record_1,
        SERVER_RECORD_1,
    );

    Intermediates {
        client_ephemeral_secret,
        server_ephemeral_secret,
        shared_secret,
        server_signed,
        client_signed,
        transcript_hash,
        client_write_key,
        client_write_iv,
        server_write_key,
        server_write_iv,
    }
}

fn check_second_route_against_file(case: &Case) {
    let vectors = Vectors::load(case.file);
    let inputs = Inputs::from_file(&vectors);
    let wire = Wire {
        message1: vectors.get("message1").to_vec(),
        message2: vectors.get("message2").to_vec(),
        message3: vectors.values.get("message3").cloned(),
        client_record_1: vectors.get("client_record_1").to_vec(),
        client_record_2: vectors.get("client_record_2").to_vec(),
        server_record_1: vectors.get("server_record_1").to_vec(),
    };

    let intermediates = second_route(case, &inputs, &wire);

    for (name, value) in intermediates.named() {
        vectors.check(name, &value);
    }
}

#[test]
fn mutual_lesson11_recomputes_by_a_second_route() {
    check_second_route_against_file(&MUTUAL_LESSON11);
}

#[test]
fn mutual_transcript_recomputes_by_a_second_route() {
    check_second_route_against_file(&MUTUAL_TRANSCRIPT);
}

#[test]
fn lesson10_under_the_lesson11_binding_recomputes_by_a_second_route() {
    check_second_route_against_file(&LESSON10_LESSON11);
}

#[test]
fn lesson10_transcript_recomputes_by_a_second_route() {
    check_second_route_against_file(&LESSON10_TRANSCRIPT);
}

#[test]
fn the_second_route_notices_a_changed_byte() {
    // The control: route 2 is not a rubber stamp.
    let vectors = Vectors::load(MUTUAL_TRANSCRIPT.file);
    let inputs = Inputs::from_file(&vectors);
    let mut server_record_1 = vectors.get("server_record_1").to_vec();
    server_record_1[5] ^= 1;
    let wire = Wire {
        message1: vectors.get("message1").to_vec(),
        message2: vectors.get("message2").to_vec(),
        message3: vectors.values.get("message3").cloned(),
        client_record_1: vectors.get("client_record_1").to_vec(),
        client_record_2: vectors.get("client_record_2").to_vec(),
        server_record_1,
    };

    let result = std::panic::catch_unwind(|| second_route(&MUTUAL_TRANSCRIPT, &inputs, &wire));

    assert!(result.is_err());
}

// ---------------------------------------------------------------------------
// Regenerating the files
// ---------------------------------------------------------------------------

fn render(case: &Case, inputs: &Inputs, wire: &Wire, intermediates: &Intermediates) -> String {
    let (title, messages) = match case.handshake {
        Handshake::Mutual => ("the mutual handshake (Lesson 11)", "M1 || M2 || M3"),
        Handshake::ServerOnly => ("the server-only handshake (Lesson 10)", "M1 || M2"),
    };
    let binding = case.binding;
    let mut out = format!(
        "\
# learn-mtls golden transcript: {title}, binding `{binding}`.
#
# Produced by tests/golden_transcripts.rs, which checks it two ways: the
# library must produce these exact bytes from the inputs, and a second
# implementation of the documented formulas (x25519-dalek, ed25519-dalek,
# sha2, hkdf, chacha20poly1305 used directly) must recompute all of them.
# Regenerate only after a deliberate change to the wire format, then review:
#   LEARN_MTLS_BLESS=1 cargo test --test golden_transcripts
#
# Format: `name = lowercase hex`, one value per line.

# Inputs. Secrets are Ed25519 seeds (RFC 8032 section 5.1.5). Each side's
# randomness is ChaCha20Rng::from_seed(seed) (chacha20 0.10); its first 32
# bytes are that side's X25519 ephemeral secret.
"
    );
    let value = |out: &mut String, name: &str, bytes: &[u8]| {
        writeln!(out, "{name} = {}", Hex(bytes)).expect("writing to a String cannot fail");
    };
    value(&mut out, "server_secret", &inputs.server_secret);
    value(&mut out, "client_secret", &inputs.client_secret);
    value(&mut out, "client_rng_seed", &inputs.client_rng_seed);
    value(&mut out, "server_rng_seed", &inputs.server_rng_seed);
    out.push_str(
        "\n# On the wire. client_record_1 and server_record_1 carry \"hello\",\n\
         # client_record_2 carries \"again\" (so its nonce uses counter 1).\n",
    );
    value(&mut out, "message1", &wire.message1);
    value(&mut out, "message2", &wire.message2);
    if let Some(message3) = &wire.message3 {
        value(&mut out, "message3", message3);
    }
    value(&mut out, "client_record_1", &wire.client_record_1);
    value(&mut out, "client_record_2", &wire.client_record_2);
    value(&mut out, "server_record_1", &wire.server_record_1);
    let _ = write!(
        out,
        "\n# On the way, by the second route: the ephemeral secrets, X25519's shared\n\
         # secret, the exact bytes each side signs, the transcript hash\n\
         # SHA-256({messages}) when the binding uses one (otherwise the HKDF salt\n\
         # is 32 zero bytes), and the traffic secrets from HKDF-SHA256.\n"
    );
    for (name, bytes) in intermediates.named() {
        value(&mut out, name, &bytes);
    }
    out
}

/// Renders every vector file and compares it with the one on disk; with
/// `LEARN_MTLS_BLESS=1` (and only then) writes it instead. `--ignored` no
/// longer rewrites anything: a wire regression cannot be blessed by
/// accident.
#[test]
fn the_vector_files_are_what_the_code_writes() {
    let bless = std::env::var_os("LEARN_MTLS_BLESS").is_some_and(|v| v == "1");
    let inputs = Inputs {
        server_secret: SERVER_SECRET,
        client_secret: CLIENT_SECRET,
        client_rng_seed: CLIENT_RNG_SEED,
        server_rng_seed: SERVER_RNG_SEED,
    };
    let mut stale = Vec::new();
    for case in [
        MUTUAL_LESSON11,
        MUTUAL_TRANSCRIPT,
        LESSON10_LESSON11,
        LESSON10_TRANSCRIPT,
    ] {
        let wire = run_library(&case, &inputs);
        let intermediates = second_route(&case, &inputs, &wire);
        let path = vector_path(case.file);
        let rendered = render(&case, &inputs, &wire, &intermediates);
        if bless {
            std::fs::write(&path, &rendered).unwrap();
            println!("LEARN_MTLS_BLESS=1: wrote {path}");
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(rendered.as_str()) {
            stale.push(path);
        }
    }
    assert!(
        stale.is_empty(),
        "these vector files differ from what the code produces: {stale:?}. \
         If the wire format changed on purpose, rewrite them with \
         `LEARN_MTLS_BLESS=1 cargo test --test golden_transcripts` and review the diff"
    );
}

// ---------------------------------------------------------------------------
// What the vectors show side by side
// ---------------------------------------------------------------------------

#[test]
fn under_lesson11_both_handshakes_derive_the_same_keys_from_the_same_shares() {
    let mutual = Vectors::load(MUTUAL_LESSON11.file);
    let lesson10 = Vectors::load(LESSON10_LESSON11.file);

    // Notice: no salt, no context, so the keys depend on the shares alone,
    // whichever handshake carried them. The transcript binding ends this.
    for name in [
        "message1",
        "server_signed",
        "client_write_key",
        "server_write_key",
    ] {
        assert_eq!(mutual.get(name), lesson10.get(name), "{name}");
    }
}

#[test]
fn under_transcript_the_same_shares_give_different_keys_in_each_handshake() {
    let mutual = Vectors::load(MUTUAL_TRANSCRIPT.file);
    let lesson10 = Vectors::load(LESSON10_TRANSCRIPT.file);

    // Notice: same shares, same shared secret, yet every key differs.
    assert_eq!(mutual.get("shared_secret"), lesson10.get("shared_secret"));
    for name in [
        "server_signed",
        "client_write_key",
        "server_write_key",
        "server_write_iv",
    ] {
        assert_ne!(mutual.get(name), lesson10.get(name), "{name}");
    }
}

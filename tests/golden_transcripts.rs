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
//!    `sha2`, `hkdf`, `chacha20poly1305`, `ml-kem` for Lesson 19's
//!    hybrid files, and `ml-dsa` with `shake` for its ML-DSA-65 identities),
//!    following only the formulas the docs state (`handshake/mod.rs`,
//!    `handshake/mutual.rs`, `schedule.rs`, `record.rs`, `ml_dsa.rs`, and
//!    Lesson 19's specification), written out again in
//!    `golden_transcripts_support/` with every label and context string as
//!    a literal. If these pass, the docs that the lessons copy are
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

mod golden_transcripts_support;
use golden_transcripts_support::cases::{
    ALL, Case, HYBRID_LESSON11, HYBRID_TRANSCRIPT, LESSON10_LESSON11, LESSON10_TRANSCRIPT,
    ML_DSA_HYBRID_LESSON11, ML_DSA_HYBRID_TRANSCRIPT, ML_DSA_LESSON11, ML_DSA_TRANSCRIPT,
    MUTUAL_LESSON11, MUTUAL_TRANSCRIPT, Vectors, vector_path,
};
use golden_transcripts_support::library::{Wire, check_library_against_file, run_library};
use golden_transcripts_support::render::render;
use golden_transcripts_support::second_route::{
    Inputs, check_second_route_against_file, second_route,
};
use learn_mtls::identity::Identity;
use learn_mtls::kex::Kex;
use learn_mtls::ml_dsa::{ML_DSA_CLIENT_AUTH_LEN, ML_DSA_PUBLIC_KEY_LEN, ML_DSA_SIGNATURE_LEN};

// ---------------------------------------------------------------------------
// Route 1: the library
// ---------------------------------------------------------------------------

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

#[test]
fn hybrid_lesson11_matches_its_golden_vector() {
    check_library_against_file(&HYBRID_LESSON11);
}

#[test]
fn hybrid_transcript_matches_its_golden_vector() {
    check_library_against_file(&HYBRID_TRANSCRIPT);
}

#[test]
fn ml_dsa_lesson11_matches_its_golden_vector() {
    check_library_against_file(&ML_DSA_LESSON11);
}

#[test]
fn ml_dsa_transcript_matches_its_golden_vector() {
    check_library_against_file(&ML_DSA_TRANSCRIPT);
}

#[test]
fn ml_dsa_hybrid_lesson11_matches_its_golden_vector() {
    check_library_against_file(&ML_DSA_HYBRID_LESSON11);
}

#[test]
fn ml_dsa_hybrid_transcript_matches_its_golden_vector() {
    check_library_against_file(&ML_DSA_HYBRID_TRANSCRIPT);
}

// ---------------------------------------------------------------------------
// Route 2: the documented formulas, with the primitives directly
// ---------------------------------------------------------------------------

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
fn hybrid_lesson11_recomputes_by_a_second_route() {
    check_second_route_against_file(&HYBRID_LESSON11);
}

#[test]
fn hybrid_transcript_recomputes_by_a_second_route() {
    check_second_route_against_file(&HYBRID_TRANSCRIPT);
}

#[test]
fn ml_dsa_lesson11_recomputes_by_a_second_route() {
    check_second_route_against_file(&ML_DSA_LESSON11);
}

#[test]
fn ml_dsa_transcript_recomputes_by_a_second_route() {
    check_second_route_against_file(&ML_DSA_TRANSCRIPT);
}

#[test]
fn ml_dsa_hybrid_lesson11_recomputes_by_a_second_route() {
    check_second_route_against_file(&ML_DSA_HYBRID_LESSON11);
}

#[test]
fn ml_dsa_hybrid_transcript_recomputes_by_a_second_route() {
    check_second_route_against_file(&ML_DSA_HYBRID_TRANSCRIPT);
}

/// Whether route 2 refuses the case's file with one bit of `name`'s byte
/// `index` (counted from the end when negative) flipped.
fn second_route_refuses_a_flipped_bit(case: &Case, name: &str, index: isize) -> bool {
    let vectors = Vectors::load(case.file);
    let inputs = Inputs::from_file(case, &vectors);
    let mut wire = Wire::from_file(&vectors);
    let bytes = match name {
        "message2" => &mut wire.message2,
        "message3" => wire.message3.as_mut().expect("message 3"),
        "server_record_1" => &mut wire.server_record_1,
        _ => panic!("no `{name}` on the wire"),
    };
    let at = usize::try_from(index).unwrap_or_else(|_| bytes.len() - index.unsigned_abs());
    bytes[at] ^= 1;

    std::panic::catch_unwind(|| second_route(case, &inputs, &wire)).is_err()
}

#[test]
fn the_second_route_notices_a_changed_byte() {
    // The control: route 2 is not a rubber stamp.
    assert!(second_route_refuses_a_flipped_bit(
        &MUTUAL_TRANSCRIPT,
        "server_record_1",
        5
    ));
}

#[test]
fn the_second_route_notices_a_changed_byte_under_ml_dsa_identities() {
    // The same control where the signatures are ML-DSA-65's: a bit of each
    // signature (inside its z, and its last byte, in the hint), of the
    // client's key, and of a record.
    let ml_dsa = [
        ML_DSA_LESSON11,
        ML_DSA_TRANSCRIPT,
        ML_DSA_HYBRID_LESSON11,
        ML_DSA_HYBRID_TRANSCRIPT,
    ];
    for case in &ml_dsa {
        for (name, index) in [
            ("message2", -1000),
            ("message2", -1),
            ("message3", 1000),
            ("message3", 3308),
            ("message3", -1),
            ("server_record_1", 5),
        ] {
            assert!(
                second_route_refuses_a_flipped_bit(case, name, index),
                "{}: {name}[{index}]",
                case.file
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Regenerating the files
// ---------------------------------------------------------------------------

/// Renders every vector file and compares it with the one on disk; with
/// `LEARN_MTLS_BLESS=1` (and only then) writes it instead. `--ignored` no
/// longer rewrites anything: a wire regression cannot be blessed by
/// accident.
#[test]
fn the_vector_files_are_what_the_code_writes() {
    let bless = std::env::var_os("LEARN_MTLS_BLESS").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for case in ALL {
        let inputs = Inputs::fixed(&case);
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

#[test]
fn the_hybrid_handshake_keeps_x25519s_secret_and_adds_ml_kems() {
    let hybrid = Vectors::load(HYBRID_TRANSCRIPT.file);
    let classical = Vectors::load(MUTUAL_TRANSCRIPT.file);

    // Notice: same seeds, same X25519 secrets; the hybrid keys come from
    // ML-KEM's 32 bytes and X25519's together, so every key differs.
    assert_eq!(
        hybrid.get("client_ephemeral_secret"),
        classical.get("client_ephemeral_secret")
    );
    assert_eq!(hybrid.get("shared_secret"), classical.get("shared_secret"));
    let combined = [hybrid.get("ml_kem_shared_key"), hybrid.get("shared_secret")].concat();
    assert_eq!(hybrid.get("hybrid_shared_secret"), &combined[..]);
    assert_eq!(hybrid.get("message1").len(), 1216);
    assert_eq!(hybrid.get("message2").len(), 1184);
    assert_eq!(hybrid.get("message3").len(), 96);
    assert_ne!(
        hybrid.get("client_write_key"),
        classical.get("client_write_key")
    );
}

#[test]
fn ml_dsa_identities_change_the_signatures_and_the_client_key_only() {
    // Notice: message 1 and the shares are the same bytes as with Ed25519
    // identities (the seeds are the same, and ML-DSA signing takes no
    // randomness); only the signatures and the client's key grow.
    for (ml_dsa, ed25519, kex) in [
        (ML_DSA_TRANSCRIPT, MUTUAL_TRANSCRIPT, Kex::X25519),
        (ML_DSA_LESSON11, MUTUAL_LESSON11, Kex::X25519),
        (
            ML_DSA_HYBRID_TRANSCRIPT,
            HYBRID_TRANSCRIPT,
            Kex::X25519MlKem768,
        ),
        (ML_DSA_HYBRID_LESSON11, HYBRID_LESSON11, Kex::X25519MlKem768),
    ] {
        let (pq, classical) = (Vectors::load(ml_dsa.file), Vectors::load(ed25519.file));
        let (m2, m3) = (pq.get("message2"), pq.get("message3"));
        assert_eq!(
            pq.get("message1"),
            classical.get("message1"),
            "{}",
            ml_dsa.file
        );
        assert_eq!(pq.get("shared_secret"), classical.get("shared_secret"));
        // Message 2 = the same reply, then a 3,309-byte signature.
        let reply = &classical.get("message2")[..kex.server_hello_len() - 64];
        assert_eq!(&m2[..reply.len()], reply, "{}", ml_dsa.file);
        assert_eq!(m2.len(), Identity::MlDsa65.server_hello_len(kex));
        assert_eq!(m2.len(), reply.len() + ML_DSA_SIGNATURE_LEN);
        // Message 3 = a signature, then the client's 1,952-byte key.
        assert_eq!(m3.len(), ML_DSA_CLIENT_AUTH_LEN);
        assert_eq!(&m3[ML_DSA_SIGNATURE_LEN..], pq.get("client_public_key"));
        assert_eq!(pq.get("server_public_key").len(), ML_DSA_PUBLIC_KEY_LEN);
        // Under lesson11 the keys come from the shares alone, so they are
        // the Ed25519 handshake's; the transcript binding hashes the longer
        // messages, so every key differs.
        let same_keys = pq.get("client_write_key") == classical.get("client_write_key");
        assert_eq!(
            same_keys,
            !pq.values.contains_key("transcript_hash"),
            "{}",
            ml_dsa.file
        );
    }
}

#[test]
fn ml_dsa_messages_have_the_documented_sizes() {
    // Lesson 19: 32 / 3,341 / 5,261 bytes under X25519, 1,216 / 4,429 /
    // 5,261 under the hybrid, the library's constants agreeing.
    for (case, sizes) in [
        (ML_DSA_TRANSCRIPT, [32, 3341, 5261]),
        (ML_DSA_HYBRID_TRANSCRIPT, [1216, 4429, 5261]),
    ] {
        let vectors = Vectors::load(case.file);
        let lengths = ["message1", "message2", "message3"].map(|name| vectors.get(name).len());
        assert_eq!(lengths, sizes, "{}", case.file);
        let library = [
            case.kex.client_hello_len(),
            case.identity.server_hello_len(case.kex),
            case.identity.client_auth_len(),
        ];
        assert_eq!(library, sizes, "{}", case.file);
    }
}

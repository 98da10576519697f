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
//!    `sha2`, `hkdf`, `chacha20poly1305`, and `ml-kem` for Lesson 19's
//!    hybrid files), following only the formulas the
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

mod golden_transcripts_support;
use golden_transcripts_support::cases::{
    ALL, CLIENT_RNG_SEED, CLIENT_SECRET, HYBRID_LESSON11, HYBRID_TRANSCRIPT, LESSON10_LESSON11,
    LESSON10_TRANSCRIPT, MUTUAL_LESSON11, MUTUAL_TRANSCRIPT, SERVER_RNG_SEED, SERVER_SECRET,
    Vectors, vector_path,
};
use golden_transcripts_support::library::{Wire, check_library_against_file, run_library};
use golden_transcripts_support::render::render;
use golden_transcripts_support::second_route::{
    Inputs, check_second_route_against_file, second_route,
};

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
    for case in ALL {
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

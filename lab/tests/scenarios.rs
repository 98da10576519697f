//! Every scenario of the lab, under both bindings, ends as Lesson 13
//! teaches (`lessons/13-breaking-lesson-11.md`,
//! `lessons/13-attacks-both-bindings-stop.md`, `tests/lesson13_attacks.rs`),
//! and the page's contract (the query string in, the JSON answer out)
//! holds. Natively: the same code the WebAssembly module runs.

use learn_mtls::handshake::{Binding, HandshakeError};
use learn_mtls::record::RecordError;
use learn_mtls::trust::Refusal;
use learn_mtls::wire::{self, layout};
use learn_mtls_lab::scenario::{
    self, Attack, Cast, Edit, LabError, Message, Outcome, Run, Step, Verdict,
};
use serde_json::Value;

const BINDINGS: [Binding; 2] = [Binding::InsecureLesson11, Binding::Transcript];
const SEED: [u8; 32] = [7; 32];

fn run(run: &Run) -> Outcome {
    scenario::run(&Cast::new(), run, &SEED)
}

fn refused(outcome: &Outcome) -> (Step, LabError) {
    match &outcome.verdict {
        Verdict::Refused(step, error) => (*step, *error),
        Verdict::Accepted(name) => panic!("accepted {name}; story: {:#?}", outcome.story),
    }
}

fn accepted(outcome: &Outcome) -> &str {
    match &outcome.verdict {
        Verdict::Accepted(name) => name,
        Verdict::Refused(step, error) => panic!("refused at {step:?}: {error}"),
    }
}

fn hs(e: HandshakeError) -> LabError {
    LabError::Handshake(e)
}

fn shown(outcome: &Outcome, message: Message) -> &scenario::Shown {
    outcome
        .shown
        .iter()
        .find(|s| s.message == message)
        .unwrap_or_else(|| panic!("{message:?} was not sent"))
}

// ---- The honest handshake ----------------------------------------------

#[test]
fn the_honest_handshake_completes_under_both_bindings_with_a_working_session() {
    for binding in BINDINGS {
        let outcome = run(&Run::honest(binding));
        assert_eq!(accepted(&outcome), "alice", "{binding}");
        assert_eq!(outcome.verdict.to_string(), "accepted alice");
        let session = outcome.session.as_deref().expect("a session");
        assert!(
            session.ends_with("opened at alice's end: \"hello, it's alice\""),
            "{binding}: {session}"
        );
        // 224 bytes of handshake, then the record; nothing changed on the way.
        let lens: Vec<usize> = outcome.shown.iter().map(|s| s.delivered.len()).collect();
        assert_eq!(lens[..3], [32, 96, 96], "{binding}");
        assert_eq!(lens[..3].iter().sum::<usize>(), wire::MUTUAL_HANDSHAKE_LEN);
        assert!(outcome.shown.iter().all(|s| s.sent == s.delivered));
    }
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_other_bytes() {
    let cast = Cast::new();
    let honest = Run::honest(Binding::Transcript);
    let a = scenario::run(&cast, &honest, &SEED);
    let b = scenario::run(&cast, &honest, &SEED);
    let c = scenario::run(&cast, &honest, &[8; 32]);
    assert_eq!(a.shown, b.shown);
    assert_ne!(a.shown[0].sent, c.shown[0].sent);
}

// ---- The reader's changed bytes -------------------------------------------

fn with_edit(binding: Binding, message: Message, offset: usize, xor: u8) -> Outcome {
    run(&Run {
        binding,
        attack: None,
        edits: vec![Edit {
            message,
            offset,
            xor,
        }],
    })
}

#[test]
fn a_changed_byte_of_server_signature_gives_the_signature_refusal() {
    for binding in BINDINGS {
        for offset in layout::SERVER_SIGNATURE.range() {
            let outcome = with_edit(binding, Message::M2, offset, 0x01);
            assert_eq!(
                refused(&outcome),
                (Step::Message2, hs(HandshakeError::ServerSignatureInvalid)),
                "{binding} m2:{offset}"
            );
            // Alice refused: she sent no message 3.
            assert!(outcome.shown.iter().all(|s| s.message != Message::M3));
        }
    }
}

#[test]
fn a_changed_byte_of_client_signature_is_refused_at_message_3() {
    for binding in BINDINGS {
        for offset in layout::CLIENT_SIGNATURE.range() {
            assert_eq!(
                refused(&with_edit(binding, Message::M3, offset, 0x80)),
                (Step::Message3, hs(HandshakeError::ClientSignatureInvalid)),
                "{binding} m3:{offset}"
            );
        }
    }
}

#[test]
fn a_changed_byte_of_the_first_record_fails_key_confirmation_or_the_record_layer() {
    let record_len = scenario::message_len(Message::Record, None);
    for offset in 0..record_len {
        let (step, error) = refused(&with_edit(Binding::Transcript, Message::Record, offset, 1));
        assert_eq!(step, Step::KeyConfirmation, "rec:{offset}");
        assert!(matches!(
            error,
            LabError::Handshake(HandshakeError::KeyConfirmationFailed(_))
        ));
        // Lesson 11 accepted already; the record layer refuses the record.
        let (step, error) = refused(&with_edit(
            Binding::InsecureLesson11,
            Message::Record,
            offset,
            1,
        ));
        assert_eq!(step, Step::RecordOpen, "rec:{offset}");
        assert!(matches!(error, LabError::Record(_)));
    }
}

#[test]
fn flipping_any_bit_of_any_handshake_message_stops_the_handshake_under_both_bindings() {
    // As tests/lesson13_attacks.rs shows for the library; here through the
    // lab's wire, for every byte the page lets the reader click.
    for binding in BINDINGS {
        for message in [Message::M1, Message::M2, Message::M3] {
            for offset in 0..scenario::message_len(message, None) {
                for bit in [0, 7] {
                    let outcome = with_edit(binding, message, offset, 1 << bit);
                    let (step, _) = refused(&outcome);
                    assert_ne!(step, Step::RecordOpen, "{binding} {message:?}:{offset}");
                }
            }
        }
    }
}

// ---- Lesson 13's attacks ------------------------------------------------------

#[test]
fn replay_is_accepted_as_alice_under_lesson11_without_keys_and_refused_under_transcript() {
    let outcome = run(&Run::attack(Binding::InsecureLesson11, Attack::Replay));
    assert_eq!(accepted(&outcome), "alice");
    let session = outcome.session.as_deref().expect("a session line");
    assert!(session.contains("does not open"), "{session}");
    assert!(
        session.contains(&RecordError::Forged.to_string()),
        "{session}"
    );
    // Message 2 of the replayed connection is fresh: not alice's.
    let honest = run(&Run::honest(Binding::InsecureLesson11));
    assert_eq!(
        shown(&outcome, Message::M1).sent,
        shown(&honest, Message::M1).sent
    );
    assert_ne!(
        shown(&outcome, Message::M2).sent,
        shown(&honest, Message::M2).sent
    );

    let outcome = run(&Run::attack(Binding::Transcript, Attack::Replay));
    assert_eq!(
        refused(&outcome),
        (Step::Message3, hs(HandshakeError::ClientSignatureInvalid))
    );
}

#[test]
fn misbinding_files_alices_session_under_eve_under_lesson11_and_fails_key_confirmation_under_transcript()
 {
    let outcome = run(&Run::attack(Binding::InsecureLesson11, Attack::Misbinding));
    assert_eq!(accepted(&outcome), "eve");
    let session = outcome.session.as_deref().expect("a session");
    assert!(
        session.contains("opened it as eve's: \"alice: please pay invoice 42\""),
        "{session}"
    );
    // Message 3 as the server got it carries eve's key, not alice's.
    let m3 = &shown(&outcome, Message::M3).delivered;
    let eve = learn_mtls::keys::IdentityKey::from_secret_bytes(&[3; 32]).public();
    assert_eq!(&m3[layout::CLIENT_PUBLIC_KEY.range()], eve.as_bytes());

    let outcome = run(&Run::attack(Binding::Transcript, Attack::Misbinding));
    assert_eq!(
        refused(&outcome),
        (
            Step::KeyConfirmation,
            hs(HandshakeError::KeyConfirmationFailed(RecordError::Forged))
        )
    );
}

#[test]
fn an_all_zero_share_is_refused_both_ways_under_both_bindings() {
    for binding in BINDINGS {
        let outcome = run(&Run::attack(binding, Attack::LowOrder));
        assert_eq!(
            refused(&outcome),
            (Step::Message1, hs(HandshakeError::NonContributoryShare)),
            "{binding}"
        );
        assert_eq!(shown(&outcome, Message::M1).delivered, [0u8; 32]);
        // The server signed nothing.
        assert!(outcome.shown.iter().all(|s| s.message == Message::M1));
        // And the malicious server's all-zero share in message 2, validly signed.
        let low_order = HandshakeError::NonContributoryShare.to_string();
        assert!(
            outcome
                .story
                .iter()
                .any(|line| line.contains("the other way round") && line.contains(&low_order)),
            "{binding}: {:#?}",
            outcome.story
        );
    }
}

#[test]
fn the_reader_zeroing_the_share_by_hand_gets_the_same_refusal() {
    for binding in BINDINGS {
        let honest = run(&Run::honest(binding));
        let share = &shown(&honest, Message::M1).sent;
        let edits = share
            .iter()
            .enumerate()
            .filter(|(_, b)| **b != 0)
            .map(|(offset, b)| Edit {
                message: Message::M1,
                offset,
                xor: *b,
            })
            .collect();
        let outcome = run(&Run {
            binding,
            attack: None,
            edits,
        });
        assert_eq!(
            refused(&outcome),
            (Step::Message1, hs(HandshakeError::NonContributoryShare))
        );
    }
}

#[test]
fn a_flipped_record_bit_is_refused_by_the_record_layer_under_both_bindings() {
    for binding in BINDINGS {
        let outcome = run(&Run::attack(binding, Attack::RecordFlip));
        assert_eq!(
            refused(&outcome),
            (Step::RecordOpen, LabError::Record(RecordError::Forged)),
            "{binding}"
        );
        // The handshake itself completed, and the first record was echoed.
        assert!(outcome.session.is_some());
        let record = shown(&outcome, Message::Record);
        let differ: Vec<usize> = (0..record.sent.len())
            .filter(|i| record.sent[*i] != record.delivered[*i])
            .collect();
        assert_eq!(differ, [learn_mtls::record::HEADER_LEN]);
    }
}

#[test]
fn an_outsider_signing_honestly_is_refused_by_the_trust_policy() {
    for binding in BINDINGS {
        let (step, error) = refused(&run(&Run::attack(binding, Attack::Outsider)));
        assert_eq!(step, Step::TrustPolicy);
        assert!(matches!(
            error,
            LabError::Handshake(HandshakeError::Refused(Refusal::UnknownKey { .. }))
        ));
    }
}

// ---- The page's contract: query string in, JSON out ----------------------------

fn answer(query: &str) -> Value {
    let text = learn_mtls_lab::run_query(query, &SEED);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{query}: not JSON ({e}): {text}"))
}

fn result(query: &str) -> String {
    answer(query)["result"]
        .as_str()
        .expect("a result string")
        .to_owned()
}

#[test]
fn the_contracts_queries_give_the_contracts_results() {
    assert_eq!(result(""), "accepted alice");
    assert_eq!(result("binding=lesson11"), "accepted alice");
    let signature = format!("refused: {}", HandshakeError::ServerSignatureInvalid);
    for binding in ["lesson11", "transcript"] {
        assert_eq!(result(&format!("binding={binding}&flip=m2:40")), signature);
        assert_eq!(
            result(&format!("binding={binding}&attack=low-order")),
            format!("refused: {}", HandshakeError::NonContributoryShare)
        );
    }
    assert_eq!(result("binding=lesson11&attack=misbinding"), "accepted eve");
    assert_eq!(
        result("binding=transcript&attack=misbinding"),
        format!(
            "refused: {}",
            HandshakeError::KeyConfirmationFailed(RecordError::Forged)
        )
    );
    assert_eq!(result("?attack=replay&binding=lesson11"), "accepted alice");
    assert_eq!(
        result("attack=replay"),
        format!("refused: {}", HandshakeError::ClientSignatureInvalid)
    );
    // mdBook's search adds ?highlight=...; it changes nothing.
    assert_eq!(
        result("highlight=%22x%22&binding=lesson11"),
        "accepted alice"
    );
    // A percent-encoded colon, several flips, a mask.
    assert_eq!(result("flip=m2%3A40"), signature);
    assert_eq!(result("flip=m1:0,m2:40:ff&flip=m3:5"), result("flip=m1:0"));
}

#[test]
fn the_answer_carries_the_step_the_fields_and_the_seed() {
    let a = answer("binding=lesson11&flip=m2:40");
    assert_eq!(a["step"], "message 2 verification");
    assert_eq!(a["accepted"], false);
    assert_eq!(a["binding"], "lesson11");
    assert_eq!(a["seed"], "07".repeat(32));
    let m2 = &a["messages"][1];
    assert_eq!(m2["key"], "m2");
    // Byte 40 is the one that changed.
    let (sent, delivered) = (
        m2["sent"].as_str().unwrap(),
        m2["delivered"].as_str().unwrap(),
    );
    assert_eq!(sent.len(), 2 * wire::SERVER_HELLO_LEN);
    let changed: Vec<usize> = (0..wire::SERVER_HELLO_LEN)
        .filter(|i| sent[2 * i..2 * i + 2] != delivered[2 * i..2 * i + 2])
        .collect();
    assert_eq!(changed, [40]);
    // The fields are the core's table, not a copy.
    for (message, (_, table)) in a["messages"].as_array().unwrap().iter().zip(layout::MUTUAL) {
        let fields: Vec<(String, u64, u64)> = message["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["name"].as_str().unwrap().to_owned(),
                    f["offset"].as_u64().unwrap(),
                    f["len"].as_u64().unwrap(),
                )
            })
            .collect();
        let expected: Vec<(String, u64, u64)> = table
            .iter()
            .map(|f| (f.name.to_owned(), f.offset as u64, f.len as u64))
            .collect();
        assert_eq!(fields, expected);
    }
    // A seed in the query string is taken.
    let b = answer(&format!("seed={}", "ab".repeat(32)));
    assert_eq!(b["seed"], "ab".repeat(32));
    assert_eq!(b["result"], "accepted alice");
}

#[test]
fn bad_queries_say_what_is_wrong() {
    for (query, says) in [
        ("binding=tls", "binding=tls: unknown binding"),
        ("attack=dos", "attack=dos: expected one of"),
        ("flip=m4:1", "MESSAGE must be m1, m2, m3 or rec"),
        (
            "flip=m1:32",
            "m1 is 32 bytes long, so OFFSET must be below 32",
        ),
        ("flip=m2:x", "OFFSET must be a byte offset"),
        ("flip=m2:4:00", "MASK must be a non-zero byte"),
        ("seed=12", "seed:"),
        ("flip=m1%2", "a % not followed by two hex digits"),
    ] {
        let a = answer(query);
        let bad = a["bad_query"]
            .as_str()
            .unwrap_or_else(|| panic!("{query}: {a}"));
        assert!(bad.contains(says), "{query}: {bad}");
        assert!(a["result"].as_str().unwrap().starts_with("bad query: "));
    }
}

#[test]
fn the_about_answer_lists_the_attacks_the_demo_keys_and_the_native_figure() {
    let about: Value = serde_json::from_str(&learn_mtls_lab::json::about(&Cast::new())).unwrap();
    let keys: Vec<&str> = about["attacks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "replay",
            "misbinding",
            "low-order",
            "record-flip",
            "outsider"
        ]
    );
    assert_eq!(about["cast"].as_array().unwrap().len(), 4);
    let native = &about["native"];
    assert!(native["time"].as_str().unwrap().ends_with("µs"), "{native}");
    assert!(
        native["measured"]
            .as_str()
            .unwrap()
            .starts_with("Measured on "),
        "{native}"
    );
}

#[test]
fn the_bench_accepts_every_handshake_it_runs() {
    assert_eq!(learn_mtls_lab::bench(5, &SEED), 5);
}

/// What the page hands the module is bounded: a query string longer than
/// the input buffer takes is refused (the page throws), and a timing run
/// asks for at most MAX_BENCH_RUNS handshakes, so no caller can exhaust the
/// module's memory or keep it busy for hours.
#[test]
fn the_page_cannot_ask_for_unbounded_work() {
    assert_eq!(learn_mtls_lab::bench_runs(300), 300);
    assert_eq!(
        learn_mtls_lab::bench_runs(u32::MAX),
        learn_mtls_lab::MAX_BENCH_RUNS
    );
    // The longest query a reader can make by hand: every byte of the three
    // messages flipped, each as `mN:OFFSET:MASK`, fits with room to spare.
    let longest: String = (0..224)
        .map(|i| format!("m{}:{:03}:ff", 1 + i / 96, i % 96))
        .collect::<Vec<_>>()
        .join(",");
    assert!(format!("binding=transcript&flip={longest}").len() < learn_mtls_lab::MAX_INPUT_LEN);
}

//! Lesson 11 katas: who may connect.
//!
//! A handshake proves which key a client holds; these exercises decide what
//! that key is allowed to do. Read them top to bottom: first the lists in
//! memory, then the text formats they are read from, then a whole handshake
//! with the composed policy. (Reloading from files is in
//! `lesson11_trust_files.rs`.)

use learn_mtls::handshake::{Binding, HandshakeError, mutual};
use learn_mtls::keys::{IdentityKey, KeyError, PublicIdentity};
use learn_mtls::trust::format::LineProblem;
use learn_mtls::trust::{
    AuthorizedKey, AuthorizedKeys, ClientName, NameError, PinnedClient, Refusal, RevokedKeys,
    TrustPolicy, WithRevocations,
};

/// A fixed identity per seed byte, so the tests need no randomness.
fn identity(seed: u8) -> IdentityKey {
    IdentityKey::from_secret_bytes(&[seed; 32])
}

fn key(seed: u8) -> PublicIdentity {
    identity(seed).public()
}

fn name(text: &str) -> ClientName {
    ClientName::new(text).expect("a valid name")
}

/// The 64 hex characters of a key, as they appear in a file.
fn hex(seed: u8) -> String {
    key(seed).to_string()
}

const ALICE: u8 = 1;
const BOB: u8 = 2;
const MALLORY: u8 = 3;

/// The identity point: a valid encoding, but of small order (weak).
const WEAK_KEY: &str = "0100000000000000000000000000000000000000000000000000000000000000";
/// y = 2 does not decode to any point on the curve.
const NOT_A_POINT: &str = "0200000000000000000000000000000000000000000000000000000000000000";

fn alice_and_bob() -> [AuthorizedKey; 2] {
    [
        AuthorizedKey::new(key(ALICE), name("alice")),
        AuthorizedKey::new(key(BOB), name("bob")),
    ]
}

/// The problem reported for the authorized-keys `text`.
fn authorized_problem(text: &str) -> LineProblem {
    AuthorizedKeys::parse("authorized_keys", text)
        .expect_err("the list should be refused")
        .problem()
}

// ---- Lists in memory ---------------------------------------------------

#[test]
fn an_authorized_key_is_accepted_under_its_name() {
    let entries = alice_and_bob();
    let authorized = AuthorizedKeys::new(&entries[..]);

    assert_eq!(authorized.check(&key(ALICE)), Ok(name("alice")));
    assert_eq!(authorized.check(&key(BOB)), Ok(name("bob")));
}

#[test]
fn an_unknown_key_is_refused_with_its_fingerprint() {
    let authorized = AuthorizedKeys::new(alice_and_bob());

    assert_eq!(
        authorized.check(&key(MALLORY)),
        Err(Refusal::UnknownKey {
            fingerprint: key(MALLORY).fingerprint()
        })
    );
}

#[test]
fn an_empty_list_refuses_everyone() {
    let authorized = AuthorizedKeys::new([]);

    assert!(authorized.is_empty());
    assert!(authorized.check(&key(ALICE)).is_err());
}

#[test]
fn a_revoked_key_is_refused_even_when_authorized() {
    let policy = WithRevocations::new(
        AuthorizedKeys::new(alice_and_bob()),
        RevokedKeys::new([key(BOB)]),
    );

    assert_eq!(policy.check(&key(ALICE)), Ok(name("alice")));
    assert_eq!(
        policy.check(&key(BOB)),
        Err(Refusal::Revoked {
            name: Some(name("bob")),
            fingerprint: key(BOB).fingerprint(),
        })
    );
}

#[test]
fn a_revoked_key_that_was_never_authorized_is_refused_as_revoked_without_a_name() {
    let policy = WithRevocations::new(
        AuthorizedKeys::new(alice_and_bob()),
        RevokedKeys::new([key(MALLORY)]),
    );

    assert_eq!(
        policy.check(&key(MALLORY)),
        Err(Refusal::Revoked {
            name: None,
            fingerprint: key(MALLORY).fingerprint(),
        })
    );
}

#[test]
fn a_pinned_client_can_be_combined_with_a_revocation_list() {
    let pinned = PinnedClient::new(key(ALICE), name("alice"));

    let nothing_revoked = WithRevocations::new(pinned, RevokedKeys::new([]));
    assert_eq!(nothing_revoked.check(&key(ALICE)), Ok(name("alice")));

    let alice_revoked = WithRevocations::new(pinned, RevokedKeys::new([key(ALICE)]));
    assert!(matches!(
        alice_revoked.check(&key(ALICE)),
        Err(Refusal::Revoked { name: Some(n), .. }) if n == name("alice")
    ));
}

#[test]
fn refusals_explain_themselves_in_words() {
    let policy = WithRevocations::new(
        AuthorizedKeys::new(alice_and_bob()),
        RevokedKeys::new([key(BOB)]),
    );
    let bob = key(BOB).fingerprint();
    let mallory = key(MALLORY).fingerprint();

    let refusal = policy.check(&key(BOB)).unwrap_err();
    assert_eq!(
        refusal.to_string(),
        format!("revoked client key of bob (fingerprint {bob})")
    );
    let refusal = policy.check(&key(MALLORY)).unwrap_err();
    assert_eq!(
        refusal.to_string(),
        format!("unknown client key (fingerprint {mallory})")
    );
}

// ---- The authorized-keys format ------------------------------------------

#[test]
fn an_authorized_keys_file_lists_one_client_per_line() {
    let text = format!("{} alice\n{} bob\n", hex(ALICE), hex(BOB));

    let authorized = AuthorizedKeys::parse("authorized_keys", &text).unwrap();

    assert_eq!(authorized.entries(), alice_and_bob());
}

#[test]
fn comments_and_blank_lines_are_ignored() {
    let text = format!(
        "# lab clients\n\n   \n\t# indented comment\n{} alice\n\n# the end\n",
        hex(ALICE)
    );

    let authorized = AuthorizedKeys::parse("authorized_keys", &text).unwrap();

    assert_eq!(authorized.len(), 1);
    assert_eq!(authorized.check(&key(ALICE)), Ok(name("alice")));
}

#[test]
fn windows_line_endings_tabs_spaces_and_a_byte_order_mark_do_not_matter() {
    let text = format!(
        "\u{feff}# saved by Notepad\r\n  {}\t\talice  \r\n{} bob\r\n",
        hex(ALICE),
        hex(BOB)
    );

    let authorized = AuthorizedKeys::parse("authorized_keys", &text).unwrap();

    assert_eq!(authorized.entries(), alice_and_bob());
}

#[test]
fn uppercase_hex_is_accepted() {
    let text = format!("{} alice", hex(ALICE).to_uppercase());

    let authorized = AuthorizedKeys::parse("authorized_keys", &text).unwrap();

    assert_eq!(authorized.check(&key(ALICE)), Ok(name("alice")));
}

#[test]
fn a_malformed_line_is_reported_with_the_file_name_and_its_number() {
    let text = format!(
        "# clients\n{} alice\n{}xyz bob\n",
        hex(ALICE),
        &hex(BOB)[3..]
    );

    let error = AuthorizedKeys::parse("/etc/lab/authorized_keys", &text).unwrap_err();

    assert_eq!(error.file(), "/etc/lab/authorized_keys");
    assert_eq!(error.line(), 3);
    assert_eq!(
        error.to_string(),
        "/etc/lab/authorized_keys:3: not hex: 'x' (column 62) is not a hex digit; \
         a key is 64 characters 0-9, a-f"
    );
}

#[test]
fn a_key_of_the_wrong_length_is_refused() {
    let text = format!("{} alice", &hex(ALICE)[..62]);

    assert_eq!(
        authorized_problem(&text),
        LineProblem::WrongLength { found: 62 }
    );
}

#[test]
fn a_key_that_is_not_a_curve_point_is_refused() {
    let text = format!("{NOT_A_POINT} alice");

    assert_eq!(
        authorized_problem(&text),
        LineProblem::Key(KeyError::NotAPoint)
    );
}

#[test]
fn a_weak_key_is_refused() {
    let text = format!("{WEAK_KEY} alice");

    assert_eq!(authorized_problem(&text), LineProblem::Key(KeyError::Weak));
    assert_eq!(
        AuthorizedKeys::parse("authorized_keys", &text)
            .unwrap_err()
            .to_string(),
        "authorized_keys:1: a weak Ed25519 public key (small order): \
         it would accept forged signatures"
    );
}

#[test]
fn the_same_key_twice_is_refused_naming_the_earlier_line() {
    let text = format!(
        "{} alice\n\n{} bob\n{} alice-laptop\n",
        hex(ALICE),
        hex(BOB),
        hex(ALICE).to_uppercase()
    );

    let error = AuthorizedKeys::parse("authorized_keys", &text).unwrap_err();

    assert_eq!(error.problem(), LineProblem::Duplicate { first_line: 1 });
    assert_eq!(
        error.to_string(),
        "authorized_keys:4: duplicate key: the same key is already on line 1; \
         each client may be listed once"
    );
}

#[test]
fn a_key_without_a_name_is_refused() {
    let text = format!("{}   \n", hex(ALICE));

    assert_eq!(authorized_problem(&text), LineProblem::MissingName);
}

#[test]
fn a_name_must_follow_the_client_name_rules() {
    let text = format!("{} {}", hex(ALICE), "a".repeat(65));

    assert_eq!(
        authorized_problem(&text),
        LineProblem::BadName(NameError::TooLong)
    );
}

#[test]
fn text_after_the_name_is_refused_rather_than_silently_dropped() {
    // Did the operator mean a client called "billing" or "billing service"?
    let text = format!("{} billing service", hex(ALICE));

    assert_eq!(authorized_problem(&text), LineProblem::TextAfterName);
}

#[test]
fn a_file_that_is_not_utf8_is_refused_at_the_bad_line() {
    let mut bytes = format!("{} alice\n", hex(ALICE)).into_bytes();
    bytes.extend_from_slice(b"# caf\xe9\n");

    let error = AuthorizedKeys::parse("authorized_keys", bytes).unwrap_err();

    assert_eq!((error.line(), error.problem()), (2, LineProblem::NotUtf8));
}

#[test]
fn one_bad_line_refuses_the_whole_list() {
    // Parsing gives the whole list or nothing: alice is not let in by a
    // list that breaks further down.
    let text = format!("{} alice\n{} bob\nnonsense\n", hex(ALICE), hex(BOB));

    assert!(AuthorizedKeys::parse("authorized_keys", &text).is_err());
}

// ---- The revocation format -----------------------------------------------

#[test]
fn a_revocation_line_is_a_key_optionally_followed_by_a_comment() {
    let text = format!(
        "# refused even if authorized\n{}\n{} stolen laptop, 2024-05-01\r\n",
        hex(ALICE),
        hex(BOB)
    );

    let revoked = RevokedKeys::parse("revoked_keys", &text).unwrap();

    assert_eq!(revoked.keys(), [key(ALICE), key(BOB)]);
    assert!(!revoked.contains(&key(MALLORY)));
}

#[test]
fn a_key_revoked_twice_is_not_an_error() {
    let text = format!("{0}\n{0} again, to be sure\n", hex(BOB));

    let revoked = RevokedKeys::parse("revoked_keys", &text).unwrap();

    assert!(revoked.contains(&key(BOB)));
}

#[test]
fn a_malformed_revocation_line_is_reported_with_the_file_name_and_its_number() {
    let text = format!("{}\n\n{WEAK_KEY}\n", hex(ALICE));

    let error = RevokedKeys::parse("revoked_keys", &text).unwrap_err();

    assert_eq!(
        (error.line(), error.problem()),
        (3, LineProblem::Key(KeyError::Weak))
    );
    assert!(error.to_string().starts_with("revoked_keys:3: "));
}

// ---- Garbage in, an error out: never a panic -------------------------------

/// xorshift64: enough randomness to garble files, and reproducible.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn garbled_input_is_refused_or_parsed_but_never_panics() {
    let valid = format!(
        "# clients\r\n{} alice\n\t{} bob  \n{}\n",
        hex(ALICE),
        hex(BOB),
        hex(MALLORY)
    );
    let alphabet = b"0123456789abcdefABCDEFxyz #\t\r\n\xef\xbb\xbf\xff\x00";
    let mut state = 0x5eed_1e55_u64;
    for round in 0..3000 {
        let mut bytes = valid.clone().into_bytes();
        if round % 3 == 0 {
            // Pure noise of random length.
            let len = (next(&mut state) % 300) as usize;
            bytes = (0..len).map(|_| next(&mut state) as u8).collect();
        } else {
            // A valid file with a few bytes changed, dropped or doubled.
            for _ in 0..1 + next(&mut state) % 4 {
                let at = (next(&mut state) as usize) % bytes.len().max(1);
                let with = alphabet[(next(&mut state) as usize) % alphabet.len()];
                match next(&mut state) % 3 {
                    0 if at < bytes.len() => bytes[at] = with,
                    1 if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    _ => bytes.insert(at.min(bytes.len()), with),
                }
            }
        }
        // Whatever comes back is fine; reaching the next round is the test.
        if let Err(error) = AuthorizedKeys::parse("authorized_keys", &bytes) {
            assert!(error.to_string().starts_with("authorized_keys:"));
        }
        if let Err(error) = RevokedKeys::parse("revoked_keys", &bytes) {
            assert!(error.to_string().starts_with("revoked_keys:"));
        }
    }
}

// ---- The policy in a whole handshake -----------------------------------------

/// Runs the Lesson 11 handshake (transcript binding) between two variables
/// and returns who the server accepted, or why it refused.
fn handshake(
    client_key: &IdentityKey,
    policy: &impl TrustPolicy,
) -> Result<ClientName, HandshakeError> {
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    let server_key = identity(100);
    let binding = Binding::Transcript;

    // -> client_share
    let (client, hello) = mutual::Client::start(&mut rng, client_key, server_key.public(), binding);
    // <- server_share, server_sig
    let (server, server_hello) =
        mutual::Server::new(&server_key, binding).read_client_hello(&mut rng, &hello)?;
    // -> client_sig, client_key: the policy is asked here
    let (mut client_session, auth) = client.read_server_hello(&server_hello)?;
    let verified = server.read_client_auth(&auth, policy)?;

    // -> first record, which confirms the keys
    let mut record = [0u8; 64];
    let len = client_session
        .seal(b"hello", &mut record)
        .expect("room for the record");
    let mutual::ClientVerified::ExpectKeyConfirmation(pending) = verified else {
        panic!("the transcript binding always asks for key confirmation");
    };
    let (accepted, _) = pending.confirm(&mut record[..len])?;
    Ok(accepted.client.name)
}

#[test]
fn a_full_handshake_accepts_an_authorized_client_by_name() {
    let text = format!("{} alice\n{} bob\n", hex(ALICE), hex(BOB));
    let policy = WithRevocations::new(
        AuthorizedKeys::parse("authorized_keys", &text).unwrap(),
        RevokedKeys::parse("revoked_keys", "# nobody yet\n").unwrap(),
    );

    assert_eq!(handshake(&identity(BOB), &policy), Ok(name("bob")));
}

#[test]
fn a_full_handshake_refuses_a_revoked_client_and_an_unknown_one() {
    let text = format!("{} alice\n{} bob\n", hex(ALICE), hex(BOB));
    let revoked = format!("{} lost her laptop\n", hex(ALICE));
    let policy = WithRevocations::new(
        AuthorizedKeys::parse("authorized_keys", &text).unwrap(),
        RevokedKeys::parse("revoked_keys", &revoked).unwrap(),
    );

    assert_eq!(
        handshake(&identity(ALICE), &policy),
        Err(HandshakeError::Refused(Refusal::Revoked {
            name: Some(name("alice")),
            fingerprint: key(ALICE).fingerprint(),
        }))
    );
    assert_eq!(
        handshake(&identity(MALLORY), &policy),
        Err(HandshakeError::Refused(Refusal::UnknownKey {
            fingerprint: key(MALLORY).fingerprint(),
        }))
    );
}

/// Issue 19: a list with CR-only line ends was refused with "text after
/// the name", which sends the reader to the names; a revocation list with
/// CR-only line ends silently kept only its first key.
#[test]
fn cr_only_line_ends_are_named_as_such() {
    let text = format!("{} alice\r{} bob\r", hex(1), hex(2));
    assert_eq!(authorized_problem(&text), LineProblem::BareCarriageReturn);
    let message = AuthorizedKeys::parse("authorized_keys", &text)
        .unwrap_err()
        .to_string();
    assert!(message.starts_with("authorized_keys:1:"), "{message}");
    assert!(message.contains("CR-only"), "{message}");
    let revoked = format!("{}\r{}\r", hex(1), hex(2));
    assert_eq!(
        RevokedKeys::parse("revoked_keys", &revoked)
            .unwrap_err()
            .problem(),
        LineProblem::BareCarriageReturn
    );
    // Windows line ends stay fine.
    let crlf = format!("{} alice\r\n{} bob\r\n", hex(1), hex(2));
    assert_eq!(
        AuthorizedKeys::parse("authorized_keys", &crlf)
            .unwrap()
            .len(),
        2
    );
}

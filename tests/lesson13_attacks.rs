//! Lesson 13 katas: breaking Lesson 11, and watching the transcript hold.
//!
//! The same attacks as the `13-attack-*` examples, without sockets: the
//! handshake is a sans-IO state machine, so Mallory is just a test that
//! moves messages between variables, copying, swapping and rewriting them.
//! Read top to bottom: replay, misbinding, low-order shares, records,
//! impersonation, then tampering and splicing in general.

use chacha20::ChaCha20Rng;
use ed25519_dalek::{Signer, SigningKey};
use learn_mtls::handshake::mutual::{self, Accepted, ClientVerified};
use learn_mtls::handshake::{
    Binding, HandshakeError, MUTUAL_CLIENT_CONTEXT, MUTUAL_SERVER_CONTEXT,
};
use learn_mtls::keys::{IdentityKey, PublicIdentity};
use learn_mtls::record::{HEADER_LEN, RecordError, Session, TAG_LEN};
use learn_mtls::trust::{AuthorizedKey, AuthorizedKeys, ClientName};
use learn_mtls::wire::{ClientAuth, ClientHello, ServerHello};
use rand_core::SeedableRng;
use sha2::{Digest, Sha256};

const BINDINGS: [Binding; 2] = [Binding::InsecureLesson11, Binding::Transcript];

/// A fixed identity per seed byte: the tests need no key files.
fn identity(seed: u8) -> IdentityKey {
    IdentityKey::from_secret_bytes(&[seed; 32])
}

const SERVER: u8 = 1;
const ALICE: u8 = 2;
const EVE: u8 = 3;
const MALLORY: u8 = 4;

fn server_public() -> PublicIdentity {
    identity(SERVER).public()
}

/// The server's list: alice and eve. Mallory is on no list.
fn policy() -> AuthorizedKeys<[AuthorizedKey; 2]> {
    let entry =
        |seed, name| AuthorizedKey::new(identity(seed).public(), ClientName::new(name).unwrap());
    AuthorizedKeys::new([entry(ALICE, "alice"), entry(EVE, "eve")])
}

/// A reproducible RNG: the same `seed` always gives the same ephemeral keys.
fn rng(seed: u8) -> ChaCha20Rng {
    ChaCha20Rng::from_seed([seed; 32])
}

/// Ed25519 with any key, straight from `ed25519_dalek`, as an attacker would.
fn sign(signer: &IdentityKey, message: &[u8]) -> [u8; 64] {
    SigningKey::from_bytes(&signer.to_secret_bytes())
        .sign(message)
        .to_bytes()
}

/// `0x20 x 64 || context || 0x00 || SHA-256(parts)`: the transcript binding's signed bytes.
fn transcript_signed(context: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut signed = vec![0x20; 64];
    signed.extend_from_slice(context);
    signed.push(0x00);
    let mut hash = Sha256::new();
    parts.iter().for_each(|part| hash.update(part));
    signed.extend_from_slice(&hash.finalize());
    signed
}

/// Alice's side of one honest handshake, as a recording: the three
/// messages and her session.
struct Recorded {
    m1: ClientHello,
    m2: ServerHello,
    m3: ClientAuth,
    alice: Session,
}

/// Alice and the server run one whole handshake; `seed` picks the ephemerals.
fn honest_handshake(binding: Binding, seed: u8) -> Recorded {
    let (alice, server) = (identity(ALICE), identity(SERVER));
    let (client, m1) = mutual::Client::start(&mut rng(seed), &alice, server.public(), binding);
    let (server_state, m2) = mutual::Server::new(&server, binding)
        .read_client_hello(&mut rng(seed.wrapping_add(100)), &m1)
        .unwrap();
    let (session, m3) = client.read_server_hello(&m2).unwrap();
    server_state.read_client_auth(&m3, &policy()).unwrap();
    Recorded {
        m1,
        m2,
        m3,
        alice: session,
    }
}

/// Seals `message` as the next record of `session`.
fn seal(session: &mut Session, message: &[u8]) -> Vec<u8> {
    let mut record = vec![0u8; HEADER_LEN + message.len() + TAG_LEN];
    let len = session.seal(message, &mut record).unwrap();
    record.truncate(len);
    record
}

/// The server's last step: under lesson11 the client is already in; under
/// transcript its first record must open first (key confirmation).
fn finish(verified: ClientVerified, first_record: &mut [u8]) -> Result<Accepted, HandshakeError> {
    match verified {
        ClientVerified::Accepted(accepted) => Ok(accepted),
        ClientVerified::ExpectKeyConfirmation(pending) => {
            pending.confirm(first_record).map(|(a, _)| a)
        }
    }
}

/// A fresh server (fresh ephemeral share) that receives `m1`, answers, and
/// then receives `m3`: the replayer's connection.
fn fresh_server_receives(
    binding: Binding,
    m1: &ClientHello,
    m3: &ClientAuth,
) -> Result<ClientVerified, HandshakeError> {
    let server = identity(SERVER);
    let (state, _fresh_m2) =
        mutual::Server::new(&server, binding).read_client_hello(&mut rng(200), m1)?;
    state.read_client_auth(m3, &policy())
}

// ---- Attack 1: replaying a whole handshake -------------------------------

#[test]
fn under_lesson11_a_replayed_handshake_is_accepted_as_the_victim() {
    let recorded = honest_handshake(Binding::InsecureLesson11, 1);

    let verified =
        fresh_server_receives(Binding::InsecureLesson11, &recorded.m1, &recorded.m3).unwrap();

    let ClientVerified::Accepted(accepted) = verified else {
        panic!("lesson11 accepts at once")
    };
    assert_eq!(accepted.client.name.as_str(), "alice");
}

#[test]
fn under_lesson11_the_replayer_still_cannot_send_a_record_that_opens() {
    let mut recorded = honest_handshake(Binding::InsecureLesson11, 1);
    let mut alices_record = seal(&mut recorded.alice, b"from the recorded session");

    let verified =
        fresh_server_receives(Binding::InsecureLesson11, &recorded.m1, &recorded.m3).unwrap();
    let mut accepted = finish(verified, &mut []).unwrap();

    // The server's fresh share means fresh keys, which Mallory never had.
    assert_eq!(
        accepted.session.open_in_place(&mut alices_record),
        Err(RecordError::Forged)
    );
}

#[test]
fn under_transcript_a_replayed_handshake_fails_the_client_signature() {
    let recorded = honest_handshake(Binding::Transcript, 1);

    let refused = fresh_server_receives(Binding::Transcript, &recorded.m1, &recorded.m3);

    // Alice signed M2 of *her* session; this server's M2 has a fresh share.
    assert_eq!(refused.err(), Some(HandshakeError::ClientSignatureInvalid));
}

// ---- Attack 2: identity misbinding ----------------------------------------

/// Eve relays alice's M1 and M2 and sends her own M3. Returns the server's
/// verdict and alice's session.
fn eve_swaps_message_3(binding: Binding) -> (Result<ClientVerified, HandshakeError>, Session) {
    let (alice, server, eve) = (identity(ALICE), identity(SERVER), identity(EVE));
    let (client, m1) = mutual::Client::start(&mut rng(1), &alice, server.public(), binding);
    let (server_state, m2) = mutual::Server::new(&server, binding)
        .read_client_hello(&mut rng(2), &m1)
        .unwrap();
    let (alice_session, _alices_m3) = client.read_server_hello(&m2).unwrap();

    let eve_key = *eve.public().as_bytes();
    let signed = match binding {
        Binding::InsecureLesson11 => m1.share.to_vec(),
        Binding::Transcript => transcript_signed(
            MUTUAL_CLIENT_CONTEXT,
            &[&m1.to_bytes(), &m2.to_bytes(), &eve_key],
        ),
    };
    let eves_m3 = ClientAuth {
        signature: sign(&eve, &signed),
        identity: eve_key,
    };

    (
        server_state.read_client_auth(&eves_m3, &policy()),
        alice_session,
    )
}

#[test]
fn under_lesson11_an_insider_can_claim_alices_session_as_her_own() {
    let (verified, mut alice) = eve_swaps_message_3(Binding::InsecureLesson11);
    let ClientVerified::Accepted(mut server) = verified.unwrap() else {
        panic!("lesson11 accepts at once")
    };

    let mut record = seal(&mut alice, b"alice: pay invoice 42");
    let opened = server.session.open_in_place(&mut record).unwrap();

    assert_eq!(server.client.name.as_str(), "eve");
    assert_eq!(opened, b"alice: pay invoice 42");
}

#[test]
fn under_transcript_the_insiders_signature_verifies_but_key_confirmation_fails() {
    let (verified, mut alice) = eve_swaps_message_3(Binding::Transcript);
    let ClientVerified::ExpectKeyConfirmation(pending) = verified.unwrap() else {
        panic!("transcript waits for key confirmation")
    };
    assert_eq!(pending.claimed_client().name.as_str(), "eve");

    let mut alices_first_record = seal(&mut alice, b"");

    assert_eq!(
        pending.confirm(&mut alices_first_record).err(),
        Some(HandshakeError::KeyConfirmationFailed(RecordError::Forged))
    );
}

// ---- Attack 3: low-order shares --------------------------------------------

/// X25519 u-coordinates whose point has order 1, 2, 4 or 8, or that reduce
/// to one (p - 1, p, p + 1): times any clamped secret, all give zero.
const LOW_ORDER_SHARES: [&str; 7] = [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
];

/// The shares above as bytes.
fn low_order_shares() -> impl Iterator<Item = [u8; 32]> {
    LOW_ORDER_SHARES
        .iter()
        .map(|share| learn_mtls::hex::decode_array(share).expect("32 bytes of hex"))
}

#[test]
fn every_low_order_share_gives_the_all_zero_secret() {
    for share in low_order_shares() {
        for secret in [[7u8; 32], [0x42; 32]] {
            assert_eq!(
                x25519_dalek::x25519(secret, share),
                [0u8; 32],
                "{share:02x?}"
            );
        }
    }
}

#[test]
fn a_low_order_client_share_is_refused_before_the_server_signs_anything() {
    let server = identity(SERVER);
    for binding in BINDINGS {
        for share in low_order_shares() {
            let refused = mutual::Server::new(&server, binding)
                .read_client_hello(&mut rng(1), &ClientHello { share });
            assert_eq!(
                refused.err(),
                Some(HandshakeError::NonContributoryShare),
                "{binding}"
            );
        }
    }
}

#[test]
fn a_low_order_server_share_is_refused_even_under_a_valid_signature() {
    // A malicious server: it holds the very key alice pinned.
    let (alice, server) = (identity(ALICE), identity(SERVER));
    for binding in BINDINGS {
        for share in low_order_shares() {
            let (client, m1) = mutual::Client::start(&mut rng(1), &alice, server.public(), binding);
            let signed = match binding {
                Binding::InsecureLesson11 => share.to_vec(),
                Binding::Transcript => {
                    transcript_signed(MUTUAL_SERVER_CONTEXT, &[&m1.to_bytes(), &share])
                }
            };
            let m2 = ServerHello {
                share,
                signature: sign(&server, &signed),
            };

            let refused = client.read_server_hello(&m2);

            assert_eq!(
                refused.err(),
                Some(HandshakeError::NonContributoryShare),
                "{binding}"
            );
        }
    }
}

// ---- Attack 4: records replayed or reordered -------------------------------

/// An accepted server session and alice's, after one honest handshake.
fn live_session(binding: Binding) -> (Session, Session) {
    let (alice, server) = (identity(ALICE), identity(SERVER));
    let (client, m1) = mutual::Client::start(&mut rng(1), &alice, server.public(), binding);
    let (state, m2) = mutual::Server::new(&server, binding)
        .read_client_hello(&mut rng(2), &m1)
        .unwrap();
    let (mut alice_session, m3) = client.read_server_hello(&m2).unwrap();
    let verified = state.read_client_auth(&m3, &policy()).unwrap();
    let accepted = match verified {
        ClientVerified::Accepted(accepted) => accepted,
        ClientVerified::ExpectKeyConfirmation(pending) => {
            let mut confirmation = seal(&mut alice_session, b"");
            pending.confirm(&mut confirmation).unwrap().0
        }
    };
    (alice_session, accepted.session)
}

#[test]
fn a_record_replayed_inside_its_session_does_not_open() {
    for binding in BINDINGS {
        let (mut alice, mut server) = live_session(binding);
        let record = seal(&mut alice, b"pay bob 10");

        assert!(server.open_in_place(&mut record.clone()).is_ok());
        assert_eq!(
            server.open_in_place(&mut record.clone()),
            Err(RecordError::Forged),
            "{binding}"
        );
    }
}

#[test]
fn records_delivered_out_of_order_do_not_open() {
    for binding in BINDINGS {
        let (mut alice, mut server) = live_session(binding);
        let _first = seal(&mut alice, b"first");
        let mut second = seal(&mut alice, b"second");

        assert_eq!(
            server.open_in_place(&mut second),
            Err(RecordError::Forged),
            "{binding}"
        );
    }
}

// ---- Attack 5: server impersonation ----------------------------------------

#[test]
fn a_server_signing_with_another_key_is_refused_before_the_client_signs() {
    let (alice, server, mallory) = (identity(ALICE), identity(SERVER), identity(MALLORY));
    for binding in BINDINGS {
        let (client, m1) = mutual::Client::start(&mut rng(1), &alice, server.public(), binding);
        // Mallory runs the genuine server code, with her own key.
        let (_, m2) = mutual::Server::new(&mallory, binding)
            .read_client_hello(&mut rng(2), &m1)
            .unwrap();

        let refused = client.read_server_hello(&m2);

        assert_eq!(
            refused.err(),
            Some(HandshakeError::ServerSignatureInvalid),
            "{binding}"
        );
    }
}

// ---- Tampering: single-byte changes -------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Message {
    M1,
    M2,
    M3,
}

/// The parties of the tampering katas, made once: thousands of handshakes
/// follow, and each should spend its time on the handshake, not on keys.
struct Parties {
    alice: IdentityKey,
    server: IdentityKey,
    server_public: PublicIdentity,
    policy: AuthorizedKeys<[AuthorizedKey; 2]>,
}

impl Parties {
    fn new() -> Self {
        let server = identity(SERVER);
        Self {
            alice: identity(ALICE),
            server_public: server.public(),
            server,
            policy: policy(),
        }
    }

    /// The three messages of the seeded handshake that
    /// [`Parties::completes_with_one_byte_changed`] runs.
    fn honest_messages(&self, binding: Binding) -> [Vec<u8>; 3] {
        let (client, m1) =
            mutual::Client::start(&mut rng(1), &self.alice, self.server_public, binding);
        let (_, m2) = mutual::Server::new(&self.server, binding)
            .read_client_hello(&mut rng(2), &m1)
            .unwrap();
        let (_, m3) = client.read_server_hello(&m2).unwrap();
        [
            m1.to_bytes().to_vec(),
            m2.to_bytes().to_vec(),
            m3.to_bytes().to_vec(),
        ]
    }

    /// Runs one handshake in which `message` has byte `position` replaced
    /// by `value` on its way, and says whether the server ended up
    /// accepting. The seeded RNGs make every run identical but for that byte.
    fn completes_with_one_byte_changed(
        &self,
        binding: Binding,
        (message, position, value): (Message, usize, u8),
    ) -> bool {
        let change = |bytes: &mut [u8]| bytes[position] = value;

        let (client, m1) =
            mutual::Client::start(&mut rng(1), &self.alice, self.server_public, binding);
        let mut m1 = m1.to_bytes();
        if let Message::M1 = message {
            change(&mut m1);
        }
        let Ok((state, m2)) = mutual::Server::new(&self.server, binding)
            .read_client_hello(&mut rng(2), &ClientHello::from_bytes(&m1))
        else {
            return false;
        };
        let mut m2 = m2.to_bytes();
        if let Message::M2 = message {
            change(&mut m2);
        }
        let Ok((mut session, m3)) = client.read_server_hello(&ServerHello::from_bytes(&m2)) else {
            return false;
        };
        let mut m3 = m3.to_bytes();
        if let Message::M3 = message {
            change(&mut m3);
        }
        let Ok(verified) = state.read_client_auth(&ClientAuth::from_bytes(&m3), &self.policy)
        else {
            return false;
        };
        finish(verified, &mut seal(&mut session, b"")).is_ok()
    }

    /// Every (message, position, new value) that `new_values` proposes,
    /// given each byte's original value.
    fn changes(
        &self,
        binding: Binding,
        new_values: fn(u8) -> Vec<u8>,
    ) -> Vec<(Message, usize, u8)> {
        let [m1, m2, m3] = self.honest_messages(binding);
        [(Message::M1, m1), (Message::M2, m2), (Message::M3, m3)]
            .into_iter()
            .flat_map(|(message, bytes)| {
                bytes
                    .into_iter()
                    .enumerate()
                    .flat_map(move |(position, original)| {
                        new_values(original)
                            .into_iter()
                            .map(move |value| (message, position, value))
                    })
            })
            .collect()
    }
}

/// The eight values one bit away from `original`.
fn one_bit_away(original: u8) -> Vec<u8> {
    (0..8).map(|bit| original ^ (1 << bit)).collect()
}

/// All 255 values other than `original`.
fn any_other_value(original: u8) -> Vec<u8> {
    (0..=255).filter(|value| *value != original).collect()
}

#[test]
fn the_untouched_seeded_handshake_completes() {
    let parties = Parties::new();
    for binding in BINDINGS {
        // Writing a byte's own value back changes nothing.
        let first = parties.honest_messages(binding)[0][0];
        assert!(
            parties.completes_with_one_byte_changed(binding, (Message::M1, 0, first)),
            "{binding}"
        );
    }
}

#[test]
fn under_transcript_flipping_any_bit_of_any_message_stops_the_handshake() {
    let parties = Parties::new();
    for change in parties.changes(Binding::Transcript, one_bit_away) {
        assert!(
            !parties.completes_with_one_byte_changed(Binding::Transcript, change),
            "{change:?} went unnoticed"
        );
    }
}

#[test]
#[ignore = "57,120 handshakes, about 20 s: cargo test --test lesson13_attacks -- --ignored"]
fn under_transcript_every_single_byte_change_to_any_message_stops_the_handshake() {
    let parties = Parties::new();
    for change in parties.changes(Binding::Transcript, any_other_value) {
        assert!(
            !parties.completes_with_one_byte_changed(Binding::Transcript, change),
            "{change:?} went unnoticed"
        );
    }
}

#[test]
fn under_lesson11_flipping_any_bit_is_caught_too() {
    // Lesson 11's weakness is not tampering: each signature covers its
    // sender's share, and the keys come from both shares. What it misses is
    // *context*: genuine messages from another session or another party.
    let parties = Parties::new();
    for change in parties.changes(Binding::InsecureLesson11, one_bit_away) {
        assert!(
            !parties.completes_with_one_byte_changed(Binding::InsecureLesson11, change),
            "{change:?} went unnoticed"
        );
    }
}

// ---- Splicing: messages from two sessions ----------------------------------

/// Session B's server, which has answered B's M1, receives `m3`.
fn session_b_server_receives(
    binding: Binding,
    m3: &ClientAuth,
) -> Result<ClientVerified, HandshakeError> {
    let (alice, server) = (identity(ALICE), identity(SERVER));
    let (client_b, m1_b) = mutual::Client::start(&mut rng(50), &alice, server.public(), binding);
    let (state_b, m2_b) = mutual::Server::new(&server, binding)
        .read_client_hello(&mut rng(51), &m1_b)
        .unwrap();
    let _ = client_b.read_server_hello(&m2_b).unwrap();
    state_b.read_client_auth(m3, &policy())
}

#[test]
fn under_transcript_message_3_from_another_session_is_refused() {
    let a = honest_handshake(Binding::Transcript, 1);

    let refused = session_b_server_receives(Binding::Transcript, &a.m3);

    assert_eq!(refused.err(), Some(HandshakeError::ClientSignatureInvalid));
}

#[test]
fn under_lesson11_message_3_from_another_session_is_refused_unless_its_message_1_came_too() {
    let a = honest_handshake(Binding::InsecureLesson11, 1);

    // Into session B, after B's own M1: alice signed A's share, not B's.
    let refused = session_b_server_receives(Binding::InsecureLesson11, &a.m3);
    assert_eq!(refused.err(), Some(HandshakeError::ClientSignatureInvalid));

    // With A's M1 in front of it, the pair is portable: that is the replay.
    assert!(fresh_server_receives(Binding::InsecureLesson11, &a.m1, &a.m3).is_ok());
}

#[test]
fn under_lesson11_a_client_accepts_message_2_from_another_session() {
    let a = honest_handshake(Binding::InsecureLesson11, 1);
    let alice = identity(ALICE);
    let (client_b, _m1_b) = mutual::Client::start(
        &mut rng(50),
        &alice,
        server_public(),
        Binding::InsecureLesson11,
    );

    // The server signed only its own share, which fits any session. (Without
    // that share's secret the keys are useless to Mallory; with a leaked one,
    // she could pose as the server for ever.)
    assert!(client_b.read_server_hello(&a.m2).is_ok());
}

#[test]
fn under_transcript_message_2_from_another_session_is_refused() {
    let a = honest_handshake(Binding::Transcript, 1);
    let alice = identity(ALICE);
    let (client_b, _m1_b) =
        mutual::Client::start(&mut rng(50), &alice, server_public(), Binding::Transcript);

    assert_eq!(
        client_b.read_server_hello(&a.m2).err(),
        Some(HandshakeError::ServerSignatureInvalid)
    );
}

//! The lab's runs: one Lesson 11 handshake between alice and the server,
//! in memory, with the reader's changed bytes and Lesson 13's attacks
//! applied to the messages on their way.
//!
//! Every step is the library's own: `mutual::Client` and `mutual::Server`,
//! the server's `AuthorizedKeys` policy, key confirmation and the record
//! layer. Mallory is the code between the two state machines: she copies,
//! replaces and changes bytes, and nothing else. What refused, and with
//! which error, is whatever the library said.
//!
//! ```text
//! alice                      the wire (edits, attacks)                server
//!   m1  client_share            32 ------------------------------------>
//!       <------------------------------ server_share || server_sig  96  m2
//!   m3  client_sig || client_key 96 ----------------------------------->
//!   rec alice's first record   ------------------------------------->  (key confirmation
//!       <------------------------------------------- the server's echo   under transcript)
//! ```

use std::fmt;

use chacha20::ChaCha20Rng;
use learn_mtls::handshake::mutual::{self, ClientVerified};
use learn_mtls::handshake::{Binding, HandshakeError};
use learn_mtls::hex::{self, Hex};
use learn_mtls::keys::IdentityKey;
use learn_mtls::rand_core::SeedableRng;
use learn_mtls::record::{HEADER_LEN, RecordError, Session, TAG_LEN};
use learn_mtls::trust::{AuthorizedKey, AuthorizedKeys, ClientName};
use learn_mtls::wire::{self, ClientAuth, ClientHello, ServerHello, layout};

/// The seed of a run: 32 bytes for the ChaCha20 generator that makes
/// every ephemeral key of it. The page draws one from
/// `crypto.getRandomValues`; the same seed gives the same bytes.
pub type Seed = [u8; 32];

// ---- The cast: demo keys -------------------------------------------------

/// DEMO KEYS, public on purpose: each identity's secret is 32 copies of
/// one byte, as in `tests/lesson13_attacks.rs`. Anyone can compute them;
/// they exist so that the page shows the same keys every time.
const DEMO_SERVER: u8 = 1;
const DEMO_ALICE: u8 = 2;
const DEMO_EVE: u8 = 3;
const DEMO_MALLORY: u8 = 4;

/// The server, alice and eve (both on the server's list), and mallory (on
/// none), with their demo keys.
pub struct Cast {
    server: IdentityKey,
    alice: IdentityKey,
    eve: IdentityKey,
    mallory: IdentityKey,
    policy: AuthorizedKeys<[AuthorizedKey; 2]>,
}

impl Cast {
    /// The demo identities and the server's list: alice and eve, by name.
    #[allow(
        clippy::new_without_default,
        reason = "a fixed cast, named where it is made"
    )]
    pub fn new() -> Self {
        let demo = |byte| IdentityKey::from_secret_bytes(&[byte; 32]);
        let (alice, eve) = (demo(DEMO_ALICE), demo(DEMO_EVE));
        let entry = |key: &IdentityKey, name| {
            let name = ClientName::new(name).unwrap_or_else(|_| unreachable!("a valid name"));
            AuthorizedKey::new(key.public(), name)
        };
        let policy = AuthorizedKeys::new([entry(&alice, "alice"), entry(&eve, "eve")]);
        Self {
            server: demo(DEMO_SERVER),
            alice,
            eve,
            mallory: demo(DEMO_MALLORY),
            policy,
        }
    }

    /// Who is who, with each demo key's fingerprint, for the page.
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        [
            ("server", &self.server),
            ("alice", &self.alice),
            ("eve", &self.eve),
            ("mallory", &self.mallory),
        ]
        .into_iter()
        .map(|(who, key)| (who, key.public().fingerprint().to_string()))
        .collect()
    }
}

// ---- What a run is ---------------------------------------------------------

/// One of the bytes strings the map shows: the three handshake messages,
/// and the client's record the run is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Message {
    /// Message 1, ClientHello.
    M1,
    /// Message 2, ServerHello.
    M2,
    /// Message 3, ClientAuth.
    M3,
    /// The client's record: its first (key confirmation under transcript),
    /// or under `attack=record-flip` the one after it.
    Record,
}

impl Message {
    /// The four, in the order they cross the wire.
    pub const ALL: [Self; 4] = [Self::M1, Self::M2, Self::M3, Self::Record];

    /// The name in a query string: `m1`, `m2`, `m3`, `rec`.
    pub fn key(self) -> &'static str {
        match self {
            Self::M1 => "m1",
            Self::M2 => "m2",
            Self::M3 => "m3",
            Self::Record => "rec",
        }
    }

    fn index(self) -> usize {
        match self {
            Self::M1 => 0,
            Self::M2 => 1,
            Self::M3 => 2,
            Self::Record => 3,
        }
    }
}

/// A byte changed on the wire: `message[offset] ^= xor`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edit {
    /// Which message.
    pub message: Message,
    /// Which byte of it, counted from 0.
    pub offset: usize,
    /// What is XORed into it (`0x01` flips its low bit).
    pub xor: u8,
}

/// Lesson 13's attacks, as the lab runs them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attack {
    /// Mallory recorded alice's handshake and replays its messages 1 and 3,
    /// and her first record, to the server on a new connection.
    Replay,
    /// Eve (on the server's list) relays alice's messages 1 and 2 and
    /// answers the server with her own message 3.
    Misbinding,
    /// Mallory replaces the share in message 1 with 32 zero bytes, a point
    /// of low order.
    LowOrder,
    /// The handshake completes; alice's next record has one bit flipped
    /// on its way.
    RecordFlip,
    /// Mallory, on no list, runs the genuine client with her own key.
    Outsider,
}

impl Attack {
    /// Every attack, in the page's menu order.
    pub const ALL: [Self; 5] = [
        Self::Replay,
        Self::Misbinding,
        Self::LowOrder,
        Self::RecordFlip,
        Self::Outsider,
    ];

    /// The name in a query string.
    pub fn key(self) -> &'static str {
        match self {
            Self::Replay => "replay",
            Self::Misbinding => "misbinding",
            Self::LowOrder => "low-order",
            Self::RecordFlip => "record-flip",
            Self::Outsider => "outsider",
        }
    }

    /// One line for the page's menu.
    pub fn title(self) -> &'static str {
        match self {
            Self::Replay => "replay: mallory replays alice's recorded messages 1 and 3",
            Self::Misbinding => "misbinding: eve swaps alice's message 3 for her own",
            Self::LowOrder => "low-order share: message 1's share becomes 32 zero bytes",
            Self::RecordFlip => "a flipped record bit: one bit of alice's next record",
            Self::Outsider => "outsider: mallory, on no list, signs honestly with her own key",
        }
    }

    /// What Lesson 13 teaches for this attack under `binding`.
    pub fn lesson(self, binding: Binding) -> &'static str {
        match (self, binding) {
            (Self::Replay, Binding::InsecureLesson11) => {
                "accepted as alice, though mallory has no keys: alice signed only her own share"
            }
            (Self::Replay, Binding::Transcript) => {
                "refused at message 3: alice's signature covers a message 2 this connection never had"
            }
            (Self::Misbinding, Binding::InsecureLesson11) => {
                "accepted as eve: alice's session is filed under eve's name"
            }
            (Self::Misbinding, Binding::Transcript) => {
                "refused at key confirmation: eve's message 3 is not alice's, so the keys differ"
            }
            (Self::LowOrder, _) => {
                "refused under both bindings: the X25519 result would be all zeros"
            }
            (Self::RecordFlip, _) => "refused under both bindings by the record layer",
            (Self::Outsider, _) => "refused under both bindings by the trust policy",
        }
    }
}

/// Everything that decides a run but its seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    /// What both ends sign and derive their keys from.
    pub binding: Binding,
    /// The attack, if any.
    pub attack: Option<Attack>,
    /// The reader's changes, applied after the attack's.
    pub edits: Vec<Edit>,
}

impl Run {
    /// An honest run: no attack, no change.
    pub fn honest(binding: Binding) -> Self {
        Self {
            binding,
            attack: None,
            edits: Vec::new(),
        }
    }

    /// `attack` under `binding`, with no change of the reader's.
    pub fn attack(binding: Binding, attack: Attack) -> Self {
        Self {
            binding,
            attack: Some(attack),
            edits: Vec::new(),
        }
    }
}

// ---- What a run found ------------------------------------------------------

/// The check that refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The server's X25519 with the share in message 1.
    Message1,
    /// Alice's check of message 2: the server's signature, then its share.
    Message2,
    /// The server's check of message 3: the client's key and signature.
    Message3,
    /// The server's list: is this key allowed in?
    TrustPolicy,
    /// Transcript binding: the client's first record must open.
    KeyConfirmation,
    /// The record layer, after the handshake.
    RecordOpen,
}

impl Step {
    /// The step's name, as the page shows it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Message1 => "message 1 check",
            Self::Message2 => "message 2 verification",
            Self::Message3 => "message 3 verification",
            Self::TrustPolicy => "trust policy",
            Self::KeyConfirmation => "key confirmation",
            Self::RecordOpen => "record open",
        }
    }

    /// Who checks what at this step.
    pub fn detail(self) -> &'static str {
        match self {
            Self::Message1 => "the server runs X25519 with the client's share",
            Self::Message2 => {
                "alice checks the server's signature under the pinned key, then its share"
            }
            Self::Message3 => "the server checks the client's key and signature",
            Self::TrustPolicy => "the server asks its list whether this key may connect",
            Self::KeyConfirmation => "the server opens the client's first record",
            Self::RecordOpen => "the record layer opens a record under the session's keys",
        }
    }

    /// The step at which the server refused `error` in `read_client_auth`.
    fn of_client_auth(error: &HandshakeError) -> Self {
        match error {
            HandshakeError::Refused(_) => Self::TrustPolicy,
            _ => Self::Message3,
        }
    }
}

/// The library's error, as it returned it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabError {
    /// From a handshake step.
    Handshake(HandshakeError),
    /// From the record layer.
    Record(RecordError),
}

impl fmt::Display for LabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Handshake(e) => e.fmt(f),
            Self::Record(e) => e.fmt(f),
        }
    }
}

/// How the run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The server accepted a client, by this name.
    Accepted(String),
    /// A check refused.
    Refused(Step, LabError),
}

impl fmt::Display for Verdict {
    /// The contract's text: `accepted NAME` or `refused: ERROR`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Accepted(name) => write!(f, "accepted {name}"),
            Self::Refused(_, error) => write!(f, "refused: {error}"),
        }
    }
}

/// One byte string as it crossed the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shown {
    /// Which one.
    pub message: Message,
    /// What its row is called, e.g. "message 1, ClientHello".
    pub title: String,
    /// Who sent it and who received it, e.g. "alice -> server".
    pub path: String,
    /// As its sender made it (or Mallory, for a message she made).
    pub sent: Vec<u8>,
    /// As its receiver got it, after the reader's changes.
    pub delivered: Vec<u8>,
}

/// What a run did.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// How it ended.
    pub verdict: Verdict,
    /// The messages that were sent, in order; a refusal stops the rest.
    pub shown: Vec<Shown>,
    /// What happened, one line per event.
    pub story: Vec<String>,
    /// The session, when there was one: the records that crossed it.
    pub session: Option<String>,
}

// ---- The wire ------------------------------------------------------------------

/// The messages of one run, and the changes the reader asked for.
struct Wire<'e> {
    edits: &'e [Edit],
    shown: Vec<Shown>,
    story: Vec<String>,
}

impl Wire<'_> {
    /// `bytes` cross the wire: records what was sent, applies the reader's
    /// changes to `message`, records and returns what arrives.
    fn carry(&mut self, message: Message, title: &str, path: &str, bytes: &[u8]) -> Vec<u8> {
        let mut delivered = bytes.to_vec();
        for edit in self.edits.iter().filter(|e| e.message == message) {
            if let Some(byte) = delivered.get_mut(edit.offset) {
                *byte ^= edit.xor;
            }
        }
        let changed = bytes.iter().zip(&delivered).filter(|(a, b)| a != b).count();
        if changed > 0 {
            self.story
                .push(format!("{changed} byte(s) of {title} changed on the way"));
        }
        self.shown.retain(|s| s.message != message);
        self.shown.push(Shown {
            message,
            title: title.to_owned(),
            path: path.to_owned(),
            sent: bytes.to_vec(),
            delivered: delivered.clone(),
        });
        delivered
    }

    fn say(&mut self, line: impl Into<String>) {
        self.story.push(line.into());
    }

    fn end(mut self, verdict: Verdict, session: Option<String>) -> Outcome {
        if let Verdict::Refused(step, error) = &verdict {
            self.story.push(format!(
                "refused at {} ({}): {error}",
                step.name(),
                step.detail()
            ));
        }
        self.shown.sort_by_key(|s| s.message.index());
        Outcome {
            verdict,
            shown: self.shown,
            story: self.story,
            session,
        }
    }
}

fn m1(bytes: &[u8]) -> ClientHello {
    let mut m = [0u8; wire::CLIENT_HELLO_LEN];
    m.copy_from_slice(bytes);
    ClientHello::from_bytes(&m)
}

fn m2(bytes: &[u8]) -> ServerHello {
    let mut m = [0u8; wire::SERVER_HELLO_LEN];
    m.copy_from_slice(bytes);
    ServerHello::from_bytes(&m)
}

fn m3(bytes: &[u8]) -> ClientAuth {
    let mut m = [0u8; wire::CLIENT_AUTH_LEN];
    m.copy_from_slice(bytes);
    ClientAuth::from_bytes(&m)
}

/// Seals `plaintext` as `session`'s next record.
fn seal(session: &mut Session, plaintext: &[u8]) -> Vec<u8> {
    let mut record = vec![0u8; HEADER_LEN + plaintext.len() + TAG_LEN];
    match session.seal(plaintext, &mut record) {
        Ok(len) => record.truncate(len),
        // The lab's plaintexts are a few bytes: far below the limit.
        Err(_) => record.clear(),
    }
    record
}

fn text(bytes: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(bytes))
}

const M1_TITLE: &str = "message 1, ClientHello";
const M2_TITLE: &str = "message 2, ServerHello";
const M3_TITLE: &str = "message 3, ClientAuth";
const ALICE_SAYS: &[u8] = b"hello, it's alice";

/// The server's side after message 3 arrived: accepted at once (lesson11),
/// or once `first_record` opens (transcript, key confirmation). Returns the
/// server's session, the client's name and the record's plaintext (`None`
/// under lesson11, where the record is still to be opened).
fn server_accepts(
    verified: ClientVerified,
    first_record: &mut [u8],
) -> Result<(Session, String, Option<Vec<u8>>), HandshakeError> {
    match verified {
        ClientVerified::Accepted(accepted) => Ok((
            accepted.session,
            accepted.client.name.as_str().to_owned(),
            None,
        )),
        ClientVerified::ExpectKeyConfirmation(pending) => {
            let (accepted, plaintext) = pending.confirm(first_record)?;
            let plaintext = plaintext.to_vec();
            Ok((
                accepted.session,
                accepted.client.name.as_str().to_owned(),
                Some(plaintext),
            ))
        }
    }
}

/// A key-confirmation refusal.
fn unconfirmed(e: HandshakeError) -> Verdict {
    Verdict::Refused(Step::KeyConfirmation, LabError::Handshake(e))
}

// ---- The runs ----------------------------------------------------------------

/// Runs `run` from `seed`: the same pair always gives the same bytes.
pub fn run(cast: &Cast, run: &Run, seed: &Seed) -> Outcome {
    let mut rng = ChaCha20Rng::from_seed(*seed);
    let mut wire = Wire {
        edits: &run.edits,
        shown: Vec::new(),
        story: Vec::new(),
    };
    match run.attack {
        Some(Attack::Replay) => replay(cast, run.binding, &mut rng, wire),
        Some(attack) => {
            if let Some(line) = match attack {
                Attack::Misbinding => Some("eve sits between alice and the server"),
                Attack::LowOrder => Some("mallory sits between alice and the server"),
                Attack::Outsider => Some("mallory connects with her own key, on no list"),
                _ => None,
            } {
                wire.say(line);
            }
            handshake(cast, run.binding, Some(attack), &mut rng, wire)
        }
        None => handshake(cast, run.binding, None, &mut rng, wire),
    }
}

/// One handshake from a client to the server, then the client's first
/// record and the server's echo; `attack` rewrites on the way.
fn handshake(
    cast: &Cast,
    binding: Binding,
    attack: Option<Attack>,
    rng: &mut ChaCha20Rng,
    mut wire: Wire<'_>,
) -> Outcome {
    let (client_key, client) = match attack {
        Some(Attack::Outsider) => (&cast.mallory, "mallory"),
        _ => (&cast.alice, "alice"),
    };
    let to_server = format!("{client} -> server");
    let to_client = format!("server -> {client}");

    // -> client_share
    let (client_state, hello) =
        mutual::Client::start(rng, client_key, cast.server.public(), binding);
    let mut sent = hello.to_bytes();
    if attack == Some(Attack::LowOrder) {
        sent = [0u8; wire::CLIENT_HELLO_LEN];
        wire.say("mallory replaced the client's share with 32 zero bytes (a point of low order)");
    }
    let path = match attack {
        Some(Attack::LowOrder) => "mallory -> server, in place of alice's".to_owned(),
        _ => to_server.clone(),
    };
    let got = wire.carry(Message::M1, M1_TITLE, &path, &sent);
    let server_hello_in = m1(&got);
    let (server_state, server_hello) =
        match mutual::Server::new(&cast.server, binding).read_client_hello(rng, &server_hello_in) {
            Ok(next) => next,
            Err(e) => {
                if attack == Some(Attack::LowOrder) {
                    low_order_other_way(cast, binding, rng, &mut wire);
                }
                return wire.end(
                    Verdict::Refused(Step::Message1, LabError::Handshake(e)),
                    None,
                );
            }
        };

    // <- server_share, server_sig
    let got = wire.carry(Message::M2, M2_TITLE, &to_client, &server_hello.to_bytes());
    let (mut client_session, auth) = match client_state.read_server_hello(&m2(&got)) {
        Ok(next) => next,
        Err(e) => {
            return wire.end(
                Verdict::Refused(Step::Message2, LabError::Handshake(e)),
                None,
            );
        }
    };

    // -> client_sig, client_key
    let mut sent = auth.to_bytes();
    if attack == Some(Attack::Misbinding) {
        // Eve signs what the binding asks, over what she relayed, with her key.
        sent = mutual::sign_client_auth(&cast.eve, binding, &server_hello_in, &server_hello)
            .to_bytes();
        wire.say("eve dropped alice's message 3 and sent her own, signed with eve's key");
    }
    let path = match attack {
        Some(Attack::Misbinding) => "eve -> server, in place of alice's".to_owned(),
        _ => to_server.clone(),
    };
    let got = wire.carry(Message::M3, M3_TITLE, &path, &sent);
    let verified = match server_state.read_client_auth(&m3(&got), &cast.policy) {
        Ok(verified) => verified,
        Err(e) => {
            return wire.end(
                Verdict::Refused(Step::of_client_auth(&e), LabError::Handshake(e)),
                None,
            );
        }
    };

    // -> the client's first record (key confirmation under transcript)
    let said: &[u8] = match attack {
        Some(Attack::Misbinding) => b"alice: please pay invoice 42",
        Some(Attack::Outsider) => b"hello, it's mallory",
        _ => ALICE_SAYS,
    };
    let record = seal(&mut client_session, said);
    let title = format!("{client}'s first record");
    let mut got = wire.carry(Message::Record, &title, &to_server, &record);
    let (mut server_session, name, confirmed) = match server_accepts(verified, &mut got) {
        Ok(next) => next,
        Err(e) => return wire.end(unconfirmed(e), None),
    };
    let opened = match confirmed {
        Some(plaintext) => {
            wire.say(format!(
                "the server confirmed the keys: {client}'s first record opened"
            ));
            plaintext
        }
        None => match server_session.open_in_place(&mut got) {
            Ok(plaintext) => plaintext.to_vec(),
            Err(e) => {
                // Lesson 11 accepts before any record: the verdict stands,
                // but the session is dead.
                wire.say(format!("the server accepted {name}"));
                return wire.end(
                    Verdict::Refused(Step::RecordOpen, LabError::Record(e)),
                    None,
                );
            }
        },
    };
    wire.say(format!("the server accepted {name}"));

    // <- the echo
    let echo = seal(&mut server_session, &opened);
    let mut echo_in = echo.clone();
    let echoed = client_session
        .open_in_place(&mut echo_in)
        .map(<[u8]>::to_vec);
    let mut session = format!(
        "{client} sealed {} ({} bytes: {}...); the server opened it as {name}'s: {}; \
         its echo, sealed under the server's keys, opened at {client}'s end: {}",
        text(said),
        record.len(),
        Hex(&record[..8.min(record.len())]),
        text(&opened),
        match &echoed {
            Ok(plaintext) => text(plaintext),
            Err(e) => format!("NO ({e})"),
        }
    );
    if attack == Some(Attack::Misbinding) {
        wire.say(format!(
            "alice believes she spoke as alice; the server filed her message under {name}"
        ));
    }

    if attack == Some(Attack::RecordFlip) {
        // One more record, one bit flipped on its way.
        let next = seal(&mut client_session, b"pay bob 10");
        let mut flipped = next.clone();
        flipped[HEADER_LEN] ^= 0x01;
        wire.say(format!(
            "alice sealed {} as her next record; mallory flipped the low bit of its first \
             ciphertext byte",
            text(b"pay bob 10")
        ));
        let mut got = wire.carry(Message::Record, "alice's next record", &to_server, &flipped);
        // The map shows what alice sealed and what arrived.
        if let Some(shown) = wire.shown.iter_mut().find(|s| s.message == Message::Record) {
            shown.sent = next;
        }
        return match server_session.open_in_place(&mut got) {
            Ok(plaintext) => {
                session.push_str(&format!("; the flipped record opened: {}", text(plaintext)));
                wire.end(Verdict::Accepted(name), Some(session))
            }
            Err(e) => wire.end(
                Verdict::Refused(Step::RecordOpen, LabError::Record(e)),
                Some(session),
            ),
        };
    }
    wire.end(Verdict::Accepted(name), Some(session))
}

/// The low-order attack the other way round, for the story: a server that
/// holds the pinned key signs an all-zero share in message 2.
fn low_order_other_way(cast: &Cast, binding: Binding, rng: &mut ChaCha20Rng, wire: &mut Wire<'_>) {
    let (client, hello) = mutual::Client::start(rng, &cast.alice, cast.server.public(), binding);
    let forged = mutual::sign_server_hello(&cast.server, binding, &hello, [0u8; wire::SHARE_LEN]);
    wire.say(format!(
        "the other way round, a server holding the pinned key signs 32 zero bytes as its \
         share in message 2; alice: {}",
        match client.read_server_hello(&forged) {
            Ok(_) => "accepted it".to_owned(),
            Err(e) => format!("refused: {e}"),
        }
    ));
}

/// Mallory records alice's whole session, then replays its message 1,
/// message 3 and first record to the server on a new connection.
fn replay(cast: &Cast, binding: Binding, rng: &mut ChaCha20Rng, mut wire: Wire<'_>) -> Outcome {
    // 1. alice's honest session, recorded.
    let (client, hello) = mutual::Client::start(rng, &cast.alice, cast.server.public(), binding);
    let recorded = mutual::Server::new(&cast.server, binding)
        .read_client_hello(rng, &hello)
        .map_err(|e| (Step::Message1, e))
        .and_then(|(server, server_hello)| {
            let (mut session, auth) = client
                .read_server_hello(&server_hello)
                .map_err(|e| (Step::Message2, e))?;
            let verified = server
                .read_client_auth(&auth, &cast.policy)
                .map_err(|e| (Step::of_client_auth(&e), e))?;
            let mut record = seal(&mut session, ALICE_SAYS);
            let replayable = record.clone();
            server_accepts(verified, &mut record).map_err(|e| (Step::KeyConfirmation, e))?;
            Ok((auth, replayable))
        });
    let (auth, record) = match recorded {
        Ok(recorded) => recorded,
        Err((step, e)) => {
            wire.say("alice's own session failed, so there was nothing to replay");
            return wire.end(Verdict::Refused(step, LabError::Handshake(e)), None);
        }
    };
    wire.say(
        "alice's session went through mallory, who recorded message 1, message 3 and \
         alice's first record",
    );
    wire.say("mallory opens a new connection to the server and replays them");

    // 2. The replay, on a new connection: the server's share is fresh.
    let got = wire.carry(
        Message::M1,
        "message 1, replayed",
        "mallory -> server",
        &hello.to_bytes(),
    );
    let (server, fresh) =
        match mutual::Server::new(&cast.server, binding).read_client_hello(rng, &m1(&got)) {
            Ok(next) => next,
            Err(e) => {
                return wire.end(
                    Verdict::Refused(Step::Message1, LabError::Handshake(e)),
                    None,
                );
            }
        };
    wire.carry(
        Message::M2,
        "message 2, fresh",
        "server -> mallory",
        &fresh.to_bytes(),
    );
    wire.say("the server answered with a fresh share; mallory cannot use it and ignores it");
    let got = wire.carry(
        Message::M3,
        "message 3, replayed",
        "mallory -> server",
        &auth.to_bytes(),
    );
    let verified = match server.read_client_auth(&m3(&got), &cast.policy) {
        Ok(verified) => verified,
        Err(e) => {
            return wire.end(
                Verdict::Refused(Step::of_client_auth(&e), LabError::Handshake(e)),
                None,
            );
        }
    };
    let mut got = wire.carry(
        Message::Record,
        "alice's first record, replayed",
        "mallory -> server",
        &record,
    );
    match server_accepts(verified, &mut got) {
        Err(e) => wire.end(unconfirmed(e), None),
        Ok((mut session, name, confirmed)) => {
            // Lesson 11 accepted on the signature alone; can Mallory use it?
            let session_text = match confirmed {
                Some(plaintext) => format!(
                    "the replayed record opened: {} (mallory holds the keys?!)",
                    text(&plaintext)
                ),
                None => match session.open_in_place(&mut got) {
                    Ok(plaintext) => format!("the replayed record opened: {}", text(plaintext)),
                    Err(e) => format!(
                        "mallory has no keys: the server's share was fresh, so the replayed \
                         record does not open (record open: {e})"
                    ),
                },
            };
            wire.say(format!(
                "the server's log says {name} connected; it was mallory"
            ));
            wire.end(Verdict::Accepted(name), Some(session_text))
        }
    }
}

// ---- The query string ----------------------------------------------------------

/// A query string the lab cannot run, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadQuery(pub String);

impl fmt::Display for BadQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadQuery {}

/// The byte length of `message` in a run of `run` (the record's length
/// depends on the attack's plaintext, so it is that of an honest run's).
pub fn message_len(message: Message, attack: Option<Attack>) -> usize {
    match message {
        Message::M1 => wire::CLIENT_HELLO_LEN,
        Message::M2 => wire::SERVER_HELLO_LEN,
        Message::M3 => wire::CLIENT_AUTH_LEN,
        Message::Record => {
            let said: &[u8] = match attack {
                Some(Attack::Misbinding) => b"alice: please pay invoice 42",
                Some(Attack::Outsider) => b"hello, it's mallory",
                Some(Attack::RecordFlip) => b"pay bob 10",
                _ => ALICE_SAYS,
            };
            HEADER_LEN + said.len() + TAG_LEN
        }
    }
}

fn percent_decode(value: &str) -> Result<String, BadQuery> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let byte = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| {
                        BadQuery(format!("`{value}`: a % not followed by two hex digits"))
                    })?;
                out.push(byte);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| BadQuery(format!("`{value}` is not UTF-8")))
}

fn parse_edit(value: &str, attack: Option<Attack>) -> Result<Edit, BadQuery> {
    let bad = |why: &str| BadQuery(format!("flip={value}: {why}"));
    let mut parts = value.split(':');
    let message = match parts.next() {
        Some("m1") => Message::M1,
        Some("m2") => Message::M2,
        Some("m3") => Message::M3,
        Some("rec") => Message::Record,
        _ => {
            return Err(bad(
                "MESSAGE must be m1, m2, m3 or rec (flip=MESSAGE:OFFSET)",
            ));
        }
    };
    let offset: usize = parts
        .next()
        .and_then(|o| o.parse().ok())
        .ok_or_else(|| bad("OFFSET must be a byte offset, a decimal number"))?;
    let len = message_len(message, attack);
    if offset >= len {
        return Err(bad(&format!(
            "{} is {len} bytes long, so OFFSET must be below {len}",
            message.key()
        )));
    }
    let xor = match parts.next() {
        None => 0x01,
        Some(mask) => u8::from_str_radix(mask.trim_start_matches("0x"), 16)
            .ok()
            .filter(|m| *m != 0)
            .ok_or_else(|| bad("MASK must be a non-zero byte in hex, e.g. 80"))?,
    };
    if parts.next().is_some() {
        return Err(bad("expected MESSAGE:OFFSET or MESSAGE:OFFSET:MASK"));
    }
    Ok(Edit {
        message,
        offset,
        xor,
    })
}

/// Reads a query string (without its `?`): `binding=lesson11|transcript`,
/// `attack=replay|misbinding|low-order|record-flip|outsider`,
/// `flip=MESSAGE:OFFSET[:MASK]` (any number of them, or comma-separated;
/// MESSAGE `m1`, `m2`, `m3` or `rec`, MASK a hex byte XORed in, default
/// `01`), and `seed=` 64 hex digits. Other keys (mdBook's `highlight`, say)
/// are ignored. The binding defaults to `transcript`, the library's.
///
/// # Errors
/// A [`BadQuery`] naming the parameter and what is wrong with it.
pub fn parse_query(query: &str) -> Result<(Run, Option<Seed>), BadQuery> {
    let mut binding = Binding::Transcript;
    let mut attack = None;
    let mut flips = Vec::new();
    let mut seed = None;
    for pair in query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_decode(value)?;
        match key {
            "binding" => {
                binding = value
                    .parse()
                    .map_err(|e| BadQuery(format!("binding={value}: {e}")))?;
            }
            "attack" => {
                attack = match Attack::ALL.into_iter().find(|a| a.key() == value) {
                    Some(found) => Some(found),
                    None if value.is_empty() || value == "none" => None,
                    None => {
                        return Err(BadQuery(format!(
                            "attack={value}: expected one of replay, misbinding, low-order, \
                             record-flip, outsider"
                        )));
                    }
                };
            }
            "flip" => flips.extend(
                value
                    .split(',')
                    .filter(|f| !f.is_empty())
                    .map(str::to_owned),
            ),
            "seed" => {
                seed = Some(
                    hex::decode_array::<32>(&value)
                        .map_err(|e| BadQuery(format!("seed: {e} (expected 64 hex digits)")))?,
                );
            }
            _ => {}
        }
    }
    let edits = flips
        .iter()
        .map(|f| parse_edit(f, attack))
        .collect::<Result<_, _>>()?;
    Ok((
        Run {
            binding,
            attack,
            edits,
        },
        seed,
    ))
}

/// The fields of `message`'s row, from the core's own tables
/// (`wire::layout`); the record's from its framing constants.
pub fn fields(message: Message, len: usize) -> Vec<layout::Field> {
    let [(_, m1), (_, m2), (_, m3)] = layout::MUTUAL;
    match message {
        Message::M1 => m1.to_vec(),
        Message::M2 => m2.to_vec(),
        Message::M3 => m3.to_vec(),
        Message::Record => {
            let body = len.saturating_sub(HEADER_LEN + TAG_LEN);
            vec![
                layout::Field {
                    name: "length",
                    offset: 0,
                    len: HEADER_LEN,
                },
                layout::Field {
                    name: "ciphertext",
                    offset: HEADER_LEN,
                    len: body,
                },
                layout::Field {
                    name: "tag",
                    offset: HEADER_LEN + body,
                    len: TAG_LEN,
                },
            ]
        }
    }
}

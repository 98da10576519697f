//! The runs: [`run`] picks the attack, and every run but the replay is
//! one handshake from a client to the server, then the client's first
//! record and the server's echo, with misbinding, low-order, outsider and
//! record-flip rewriting on the way.

use chacha20::ChaCha20Rng;
use learn_mtls::handshake::Binding;
use learn_mtls::handshake::mutual;
use learn_mtls::hex::Hex;
use learn_mtls::rand_core::SeedableRng;
use learn_mtls::record::HEADER_LEN;
use learn_mtls::wire;

use super::attacks::{low_order_other_way, replay};
use super::carry::{
    ALICE_SAYS, M1_TITLE, M2_TITLE, M3_TITLE, Wire, m1, m2, m3, seal, server_accepts, text,
    unconfirmed,
};
use super::cast::Cast;
use super::input::{Attack, Message, Run, Seed};
use super::outcome::{LabError, Outcome, Step, Verdict};

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

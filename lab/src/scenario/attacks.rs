//! The attacks that are more than a rewrite of one handshake: the replay,
//! on a second connection, and the low-order share the other way round.

use chacha20::ChaCha20Rng;
use learn_mtls::handshake::Binding;
use learn_mtls::handshake::mutual;
use learn_mtls::wire;

use super::carry::{ALICE_SAYS, Wire, m1, m3, seal, server_accepts, text, unconfirmed};
use super::cast::Cast;
use super::input::Message;
use super::outcome::{LabError, Outcome, Step, Verdict};

/// The low-order attack the other way round, for the story: a server that
/// holds the pinned key signs an all-zero share in message 2.
pub(super) fn low_order_other_way(
    cast: &Cast,
    binding: Binding,
    rng: &mut ChaCha20Rng,
    wire: &mut Wire<'_>,
) {
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
pub(super) fn replay(
    cast: &Cast,
    binding: Binding,
    rng: &mut ChaCha20Rng,
    mut wire: Wire<'_>,
) -> Outcome {
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

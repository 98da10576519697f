//! The check of exercise 13.4: key confirmation on the server.

use learn_mtls::handshake::mutual;
use learn_mtls::handshake::{Binding, HandshakeError, MUTUAL_SERVER_CONTEXT};
use learn_mtls::keys::IdentityKey;
use learn_mtls::net::os_rng;
use learn_mtls::raw::{self, TrafficKeys};
use learn_mtls::record::Session;
use learn_mtls::schedule::KeySchedule;
use learn_mtls::trust::ClientIdentity;
use learn_mtls::wire::{ClientAuth, ClientHello, ServerHello};
use learn_mtls_exercises::lesson13::key_confirmation::Unconfirmed;
use learn_mtls_exercises::support::{public_share, sha256, sign};

use crate::harness::{Context, Result, below, fail, hex, random, same, same_bytes};

use super::fixtures::{key, name, seal};

/// A transcript handshake done by hand, with the library's client on the
/// other side: the server's keys for the client's message 3 (or another).
struct HandServer {
    client_session: Session,
    alice_auth: ClientAuth,
    hello: ClientHello,
    server_hello: ServerHello,
    shared: [u8; 32],
}

impl HandServer {
    fn start(server: &IdentityKey, alice: &IdentityKey) -> Result<Self> {
        let (client, hello) =
            mutual::Client::start(&mut os_rng(), alice, server.public(), Binding::Transcript);
        let secret: [u8; 32] = random();
        let share = public_share(&secret);
        let shared = *raw::shared_secret(&secret, &hello.share).context("X25519")?;
        let signed = raw::transcript_signed_content(
            MUTUAL_SERVER_CONTEXT,
            &sha256(&[&hello.to_bytes(), &share]),
        )
        .expect("a short context");
        let server_hello = ServerHello {
            share,
            signature: sign(server, signed.as_bytes()),
        };
        let (client_session, alice_auth) = client
            .read_server_hello(&server_hello)
            .context("the library's client")?;
        Ok(Self {
            client_session,
            alice_auth,
            hello,
            server_hello,
            shared,
        })
    }

    /// The server's keys when message 3 is `auth`.
    fn keys(&self, auth: &ClientAuth) -> TrafficKeys {
        raw::traffic_keys(
            KeySchedule::Hkdf,
            &self.shared,
            &self.hello.share,
            &self.server_hello.share,
            Some(sha256(&[
                &self.hello.to_bytes(),
                &self.server_hello.to_bytes(),
                &auth.to_bytes(),
            ])),
        )
    }
}

/// What the library's server does with `first_record` as key confirmation.
fn library_confirm(
    keys: &TrafficKeys,
    first_record: &[u8],
) -> std::result::Result<Vec<u8>, HandshakeError> {
    let mut record = first_record.to_vec();
    raw::server_session(keys)
        .open_in_place(&mut record)
        .map(<[u8]>::to_vec)
        .map_err(HandshakeError::KeyConfirmationFailed)
}

/// 13.4: key confirmation on the server.
pub fn key_confirmation() -> Result {
    let (server, alice, eve) = (key(), key(), key());
    let claimed = ClientIdentity {
        name: name("alice"),
        key: alice.public(),
    };
    for round in 0..30 {
        let mut hand = HandServer::start(&server, &alice)?;
        let keys = hand.keys(&hand.alice_auth);
        let plaintext = if round % 3 == 0 {
            Vec::new()
        } else {
            random::<40>()[..below(41)].to_vec()
        };
        let genuine = seal(&mut hand.client_session, &plaintext)?;
        let second = seal(&mut hand.client_session, b"second")?;
        let eves_keys = hand.keys(&ClientAuth {
            signature: sign(&eve, b"whatever eve signs"),
            identity: *eve.public().as_bytes(),
        });
        let under_eves_keys = seal(&mut raw::client_session(&eves_keys), &plaintext)?;
        let reflected = seal(&mut raw::server_session(&keys), &plaintext)?;
        let mut flipped = genuine.clone();
        let at = below(flipped.len());
        flipped[at] ^= 1 << below(8);
        let cases: Vec<(String, Vec<u8>)> = vec![
            ("the client's genuine first record".into(), genuine.clone()),
            (
                format!("the first record with a bit flipped in byte {at}"),
                flipped,
            ),
            (
                "the client's second record, sent first".into(),
                second.clone(),
            ),
            (
                "a first record sealed under the keys of eve's message 3".into(),
                under_eves_keys,
            ),
            (
                "a record sealed with the server's own write key".into(),
                reflected,
            ),
            (
                "the first record cut short".into(),
                genuine[..genuine.len() - 1].to_vec(),
            ),
            ("no record at all (zero bytes)".into(), Vec::new()),
        ];
        for (what, record) in cases {
            let expected = library_confirm(&keys, &record);
            let got = Unconfirmed::new(claimed, keys.clone()).confirm(&record);
            let input = format!("{what}: {}", hex(&record));
            let got_client = got.as_ref().ok().map(|c| c.client);
            let got = got.map(|c| c.first_message);
            same("the confirmation", &input, &expected, &got)?;
            if let Some(client) = got_client {
                same("the confirmed client", &input, &claimed, &client)?;
            }
        }

        // After a genuine confirmation the session goes on, both ways.
        let mut confirmed = Unconfirmed::new(claimed, keys.clone())
            .confirm(&genuine)
            .map_err(|e| {
                fail(format!(
                    "your confirmation refused a genuine first record: {e}"
                ))
            })?;
        let opened = confirmed.opener.open(&second).map_err(|e| {
            fail(format!(
                "your opener refused the client's second record: {e}"
            ))
        })?;
        same_bytes(
            "the client's second message",
            &"after confirmation",
            b"second",
            &opened,
        )?;
        let mut reply = confirmed.sealer.seal(b"reply").context("your sealer")?;
        let opened = hand.client_session.open_in_place(&mut reply).map_err(|e| {
            fail(format!(
                "the library's client could not open your sealer's record: {e}"
            ))
        })?;
        same_bytes("the reply", &"your sealer's first record", b"reply", opened)?;
    }
    Ok(())
}

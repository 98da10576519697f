//! Lesson 13, attack 2: identity misbinding by an insider.
//!
//! ```console
//! $ cargo run --example 13-attack-misbinding
//! ```
//!
//! ```text
//! alice                       eve (in the middle)                  server
//!   M1 = alice_share  ---------->|---------------------------------> M1
//!   <----------------------------|<--------------------------------- M2
//!   M3 = alice_sig, alice_key -->|  M3' = eve_sig, eve_key --------> M3'
//!   records ------------------->|---------------------------------> ...
//! ```
//!
//! Eve is on the server's authorized list. She relays alice's messages 1
//! and 2 untouched and replaces message 3 with a signature of her own.
//! Under `lesson11` she signs alice's share with her own key; the keys come
//! from the Diffie-Hellman secret alone, which alice and the server share,
//! so the session works, and the server files every message alice sends
//! under "eve". Under `transcript` Eve signs what that binding requires
//! (she saw M1 and M2, so she can), but the keys now come from a hash of
//! all three messages, and her M3 is not alice's: alice's first record
//! does not open and the server refuses with `KeyConfirmationFailed`.

use crate::attack;

use attack::{Cast, Event, Hooks, Proxy, RealServer, Report};
use learn_mtls::handshake::{Binding, HandshakeError, MUTUAL_CLIENT_CONTEXT};
use learn_mtls::keys::IdentityKey;
use learn_mtls::record::RecordError;
use learn_mtls::wire::{CLIENT_AUTH_LEN, CLIENT_HELLO_LEN, SERVER_HELLO_LEN};

/// Eve in the middle: relays messages 1 and 2, replaces message 3.
struct Eve {
    key: IdentityKey,
    binding: Binding,
    m1: [u8; CLIENT_HELLO_LEN],
    m2: [u8; SERVER_HELLO_LEN],
}

impl Hooks for Eve {
    fn client_hello(&mut self, m1: [u8; CLIENT_HELLO_LEN]) -> [u8; CLIENT_HELLO_LEN] {
        self.m1 = m1;
        m1
    }

    fn server_hello(&mut self, m2: [u8; SERVER_HELLO_LEN]) -> [u8; SERVER_HELLO_LEN] {
        self.m2 = m2;
        m2
    }

    fn client_auth(&mut self, _alice: [u8; CLIENT_AUTH_LEN]) -> [u8; CLIENT_AUTH_LEN] {
        let eve_key = *self.key.public().as_bytes();
        let signed = match self.binding {
            // As taught, the client signs its own share: alice's share is in M1.
            Binding::InsecureLesson11 => self.m1.to_vec(),
            // The transcript binding: context string, then M1 || M2 || client key.
            Binding::Transcript => {
                attack::transcript_signed(MUTUAL_CLIENT_CONTEXT, &[&self.m1, &self.m2, &eve_key])
            }
        };
        let mut m3 = [0u8; CLIENT_AUTH_LEN];
        m3[..64].copy_from_slice(&attack::sign(&self.key, &signed));
        m3[64..].copy_from_slice(&eve_key);
        m3
    }
}

/// Runs the attack once under `binding`.
pub fn misbinding(binding: Binding) -> Result<Report, String> {
    let cast = Cast::new();
    let server = RealServer::start(cast.server.clone(), cast.authorized(), binding)?;
    let mut report = Report::new(binding);

    let eve = Eve {
        key: IdentityKey::from_secret_bytes(&cast.eve.to_secret_bytes()),
        binding,
        m1: [0; CLIENT_HELLO_LEN],
        m2: [0; SERVER_HELLO_LEN],
    };
    let proxy = Proxy::start(server.addr, eve)?;
    let message = b"alice here: please pay invoice 42";
    let alice = attack::connect(proxy.addr, &cast.alice, cast.server_public(), binding).and_then(
        |mut channel| {
            channel.send(message)?;
            channel.recv()
        },
    );
    match &alice {
        Ok(Some(reply)) => report.say(format!(
            "alice: handshake done, sent {:?}, got back {:?}",
            String::from_utf8_lossy(message),
            String::from_utf8_lossy(reply)
        )),
        Ok(None) => report.say("alice: the server closed without replying"),
        Err(e) => report.say(format!("alice: {e}")),
    }
    let alice_echoed = matches!(&alice, Ok(Some(reply)) if reply == message);
    proxy.finish()?;

    let first = server.next_event()?;
    report.say(format!("server: {first}"));
    Ok(match first {
        Event::Accepted(client) => {
            let closed = server.next_event()?;
            report.say(format!("server: {closed}"));
            let filed_under_eve = matches!(
                &closed,
                Event::Closed { client: name, echoed: 1.., .. } if name.as_str() == "eve"
            );
            report.say(format!(
                "alice believes she spoke as alice; the server filed her message under {}",
                client.name
            ));
            report.conclude(
                binding == Binding::InsecureLesson11
                    && client.name.as_str() == "eve"
                    && filed_under_eve
                    && alice_echoed,
                format!("alice's session filed under {}", client.name),
            )
        }
        Event::Rejected(e) => {
            report.say("eve's M3 differs from alice's, so the two ends derived different keys");
            report.conclude(
                binding == Binding::Transcript
                    && attack::is_handshake(
                        &e,
                        HandshakeError::KeyConfirmationFailed(RecordError::Forged),
                    )
                    && !alice_echoed,
                format!("refused: {}", attack::short(&e)),
            )
        }
        other => report.conclude(false, format!("unexpected: {other}")),
    })
}

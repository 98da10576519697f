//! Lesson 13, attack 5: Mallory answers in the server's place.
//!
//! ```console
//! $ cargo run --example 13-attack-impersonation
//! ```
//!
//! ```text
//! alice (pinned server.pub)             mallory (the real server code, mallory's key)
//!   M1 = alice_share ---------------------->
//!   <--------------- M2 = mallory_share, signed with mallory's key
//!   the signature does not verify under the pinned key: abort, no M3
//! ```
//!
//! Mallory has redirected alice's connection (a poisoned DNS entry, a
//! rogue Wi-Fi access point) and runs the genuine server program with her
//! own key. Alice checks M2's signature against the key she pinned, and it
//! fails (`ServerSignatureInvalid`) under either binding. She stops before
//! signing anything, so Mallory does not even get a signature from her.

use crate::attack;

use attack::{Cast, Event, RealServer, Report};
use learn_mtls::handshake::{Binding, HandshakeError};
use learn_mtls::identity::Identity;
use learn_mtls::net::{Error, Stage};
use learn_mtls::schedule::KeySchedule;

/// What `11-mtls-client --server-pub SERVER_PUB --binding BINDING` prints
/// when the server's signature does not verify, word for word (the client
/// and this attack both take the words from [`crate::client::wrong_server`];
/// a test runs both).
pub fn client_says_wrong_server(server_pub: &str, binding: Binding) -> String {
    format!(
        "error: {}",
        crate::client::wrong_server(server_pub, binding, KeySchedule::Hkdf, Identity::Ed25519)
    )
}

/// Runs the attack once under `binding`.
pub fn impersonation(binding: Binding) -> Result<Report, String> {
    let cast = Cast::new();
    let mallory_key = std::sync::Arc::new(learn_mtls::keys::IdentityKey::from_secret_bytes(
        &cast.mallory.to_secret_bytes(),
    ));
    let mallory = RealServer::start(mallory_key, cast.authorized(), binding)?;
    let mut report = Report::new(binding);

    let alice = attack::connect(mallory.addr, &cast.alice, cast.server_public(), binding);
    let event = mallory.next_event()?;
    match &alice {
        Ok(_) => report.say("alice: handshake done with mallory (she should have aborted)"),
        Err(e) => {
            report.say(format!("alice: {e}"));
            report.say("11-mtls-client would print:");
            report.say(format!(
                "   {}",
                client_says_wrong_server("server.pub", binding)
            ));
        }
    }
    report.say(format!("mallory's server: {event}"));

    let alice_aborted = matches!(&alice, Err(e)
        if attack::is_handshake(e, HandshakeError::ServerSignatureInvalid));
    // Alice stopped before message 3: Mallory got no signature from her.
    let no_m3 = matches!(event, Event::Rejected(Error::Closed(Stage::ClientAuth)));
    Ok(report.conclude(
        alice_aborted && no_m3,
        match &alice {
            Err(e) => format!("client aborts: {}", attack::short(e)),
            Ok(_) => "client accepted mallory".to_owned(),
        },
    ))
}

//! Lesson 13, attack 1: replaying a recorded handshake.
//!
//! ```console
//! $ cargo run --example 13-attack-replay
//! ```
//!
//! ```text
//! alice                    mallory (proxy)                    server
//!   M1 ------------------------>|------------------------------> M1   (recorded)
//!   <---------------------------|<------------------------------ M2
//!   M3 ------------------------>|------------------------------> M3   (recorded)
//!   records ------------------->|------------------------------> ...  (recorded)
//!
//!                          mallory (new connection)           server
//!                               M1 (alice's, replayed) ------> M1
//!                               <----------------------------- M2'  (fresh share)
//!                               M3 (alice's, replayed) ------> M3
//! ```
//!
//! Under `lesson11` alice's signature covers only her own share, which
//! Mallory replays unchanged, so the server logs "accepted alice". Under
//! `transcript` alice's signature covers M2, and the server's share in M2'
//! is fresh: the server refuses with `ClientSignatureInvalid`.

use crate::attack;

use attack::{Cast, Event, Passive, Proxy, RawClient, RealServer, Report};
use learn_mtls::handshake::{Binding, HandshakeError};

/// Runs the attack once under `binding`.
pub fn replay(binding: Binding) -> Result<Report, String> {
    let cast = Cast::new();
    let server = RealServer::start(cast.server.clone(), cast.authorized(), binding)?;
    let mut report = Report::new(binding);

    // 1. Alice talks to the server through Mallory's proxy, which records.
    let proxy = Proxy::start(server.addr, Passive)?;
    let mut channel = attack::connect(proxy.addr, &cast.alice, cast.server_public(), binding)
        .map_err(|e| format!("alice's honest session failed: {e}"))?;
    channel
        .send(b"hello, it's alice")
        .and_then(|()| channel.recv())
        .map_err(|e| format!("alice's honest session failed: {e}"))?;
    drop(channel);
    let recording = proxy.finish()?;
    report.say("alice's session, through mallory's proxy:");
    for _ in 0..2 {
        report.say(format!("   server: {}", server.next_event()?));
    }
    let (Some(m1), Some(m3)) = (recording.m1, recording.m3) else {
        return Err("the proxy did not see the whole handshake".into());
    };
    report.say(format!(
        "mallory recorded M1, M3 and {} record(s) of alice's session",
        recording.client_records.len()
    ));

    // 2. Mallory replays M1 and M3 on a new connection, then alice's first record.
    let mut mallory = RawClient::connect(server.addr).map_err(|e| e.to_string())?;
    mallory.send(&m1).map_err(|e| e.to_string())?;
    mallory.read_server_hello().map_err(|e| e.to_string())?;
    mallory.send(&m3).map_err(|e| e.to_string())?;
    report.say("mallory replayed M1 and M3 on a new connection");
    let first_event = server.next_event()?;
    report.say(format!("server: {first_event}"));

    Ok(match first_event {
        Event::Accepted(client) => {
            // The server thinks alice is here. Can Mallory use that?
            if let Some(record) = recording.client_records.first() {
                let _ = mallory.send(record);
                report.say("mallory replayed alice's first record");
            }
            let hung_up = mallory.server_hung_up();
            let closed = server.next_event()?;
            report.say(format!("server: {closed}"));
            let record_failed = matches!(
                &closed,
                Event::Closed { error: Some(e), echoed: 0, .. } if attack::is_forged(e)
            );
            report.say(format!(
                "mallory gained a log line saying {} connected; she has no keys: \
                 the server's share was fresh, so her replayed record {}",
                client.name,
                if record_failed {
                    "failed"
                } else {
                    "did NOT fail"
                }
            ));
            report.conclude(
                binding == Binding::InsecureLesson11
                    && client.name.as_str() == "alice"
                    && record_failed
                    && hung_up,
                format!("accepted as {} (no keys)", client.name),
            )
        }
        Event::Rejected(e) => {
            report.say(
                "alice's signature covers M2, and M2 on this connection carries a fresh share",
            );
            report.conclude(
                binding == Binding::Transcript
                    && attack::is_handshake(&e, HandshakeError::ClientSignatureInvalid),
                format!("refused: {}", attack::short(&e)),
            )
        }
        other => report.conclude(false, format!("unexpected: {other}")),
    })
}

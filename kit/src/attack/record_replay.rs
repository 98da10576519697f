//! Lesson 13, attack 4: replaying and reordering records in a live session.
//!
//! ```console
//! $ cargo run --example 13-attack-record-replay
//! ```
//!
//! ```text
//! alice                  mallory (proxy)                  server
//!   record 0 "pay bob 10" -->|-- record 0 --------------------> opens (counter 0), echoed
//!                            |-- record 0 again --------------> counter 1: tag fails, connection closed
//!
//!   record 0 "first"  ------>|   (held back)
//!   record 1 "second" ------>|-- record 1 --------------------> counter 0: tag fails, connection closed
//!                            |-- record 0
//! ```
//!
//! Mallory cannot read or forge a record, but she can copy, hold back and
//! resend the ones she sees. The nonce of every record is the sender's
//! count of records so far, never sent, so a copy or a swapped record is
//! opened under the wrong nonce and its tag fails (`RecordError::Forged`).
//! The server closes that connection, and keeps serving everyone else. The
//! binding makes no difference here: both use the same record layer.

use crate::attack;

use attack::{Cast, Event, Hooks, Proxy, RealServer, Report};
use learn_mtls::handshake::Binding;

/// Forwards the client's record number `target` twice.
struct Duplicate {
    target: usize,
    seen: usize,
}

impl Hooks for Duplicate {
    fn client_record(&mut self, record: Vec<u8>) -> Vec<Vec<u8>> {
        self.seen += 1;
        if self.seen - 1 == self.target {
            vec![record.clone(), record]
        } else {
            vec![record]
        }
    }
}

/// Holds back the client's record number `target` and sends it after the next one.
struct Swap {
    target: usize,
    seen: usize,
    held: Option<Vec<u8>>,
}

impl Hooks for Swap {
    fn client_record(&mut self, record: Vec<u8>) -> Vec<Vec<u8>> {
        self.seen += 1;
        if self.seen - 1 == self.target {
            self.held = Some(record);
            return Vec::new();
        }
        let mut out = vec![record];
        out.extend(self.held.take());
        out
    }
}

/// Runs the attack once under `binding`.
pub fn record_replay(binding: Binding) -> Result<Report, String> {
    let cast = Cast::new();
    let server = RealServer::start(cast.server.clone(), cast.authorized(), binding)?;
    let mut report = Report::new(binding);
    // Under the transcript binding the client's record 0 is the empty
    // key-confirmation record; alice's first message is record 1.
    let first_message = match binding {
        Binding::InsecureLesson11 => 0,
        Binding::Transcript => 1,
    };

    // Replay: alice's first message arrives twice.
    let proxy = Proxy::start(
        server.addr,
        Duplicate {
            target: first_message,
            seen: 0,
        },
    )?;
    let mut alice = attack::connect(proxy.addr, &cast.alice, cast.server_public(), binding)
        .map_err(|e| format!("alice: {e}"))?;
    let reply = alice
        .send(b"pay bob 10")
        .and_then(|()| alice.recv())
        .map_err(|e| format!("alice: {e}"))?;
    report.say(format!(
        "alice sent \"pay bob 10\" once and got back {:?}; mallory sent the record again",
        String::from_utf8_lossy(reply.as_deref().unwrap_or_default())
    ));
    let later = alice.send(b"pay bob 20").and_then(|()| alice.recv());
    report.say(format!(
        "alice's next message: {}",
        match &later {
            Ok(Some(_)) => "echoed (the session is still open!)".to_owned(),
            Ok(None) => "the server had closed the connection".to_owned(),
            Err(e) => e.to_string(),
        }
    ));
    drop(alice);
    proxy.finish()?;
    let replayed = closed_by_forgery(&server, &mut report, 1)?;

    // Reorder: alice's first two messages arrive swapped.
    let proxy = Proxy::start(
        server.addr,
        Swap {
            target: first_message,
            seen: 0,
            held: None,
        },
    )?;
    let mut alice = attack::connect(proxy.addr, &cast.alice, cast.server_public(), binding)
        .map_err(|e| format!("alice: {e}"))?;
    let reply = alice
        .send(b"first")
        .and_then(|()| alice.send(b"second"))
        .and_then(|()| alice.recv());
    report.say(format!(
        "alice sent \"first\" then \"second\"; mallory swapped them; alice got back {}",
        match &reply {
            Ok(Some(r)) => format!("{:?}", String::from_utf8_lossy(r)),
            Ok(None) => "nothing: the connection closed".to_owned(),
            Err(e) => e.to_string(),
        }
    ));
    drop(alice);
    proxy.finish()?;
    let reordered = closed_by_forgery(&server, &mut report, 0)?;

    // Meanwhile everyone else is still served.
    let mut alice = attack::connect(server.addr, &cast.alice, cast.server_public(), binding)
        .map_err(|e| format!("alice, directly: {e}"))?;
    let reply = alice
        .send(b"still there?")
        .and_then(|()| alice.recv())
        .map_err(|e| format!("alice, directly: {e}"))?;
    drop(alice);
    let still_served = matches!(server.next_event()?, Event::Accepted(_))
        && matches!(
            server.next_event()?,
            Event::Closed {
                echoed: 1,
                error: None,
                ..
            }
        )
        && reply.as_deref() == Some(b"still there?");
    report.say(format!(
        "a new connection straight to the server: {}",
        if still_served {
            "accepted and echoed"
        } else {
            "NOT served"
        }
    ));

    Ok(report.conclude(
        replayed && reordered && still_served,
        if replayed && reordered {
            "refused: Forged; the server serves on".to_owned()
        } else {
            "a replayed or reordered record was accepted".to_owned()
        },
    ))
}

/// Reads the server's two lines about one session and says whether it was
/// closed by a record that failed to open, after echoing `echoed` messages.
fn closed_by_forgery(
    server: &RealServer,
    report: &mut Report,
    echoed: u64,
) -> Result<bool, String> {
    let accepted = server.next_event()?;
    report.say(format!("server: {accepted}"));
    if !matches!(accepted, Event::Accepted(_)) {
        return Ok(false);
    }
    let closed = server.next_event()?;
    report.say(format!("server: {closed}"));
    Ok(matches!(
        &closed,
        Event::Closed { echoed: n, error: Some(e), .. } if *n == echoed && attack::is_forged(e)
    ))
}

//! Lesson 13, attack 3: a low-order X25519 share.
//!
//! ```console
//! $ cargo run --example 13-attack-low-order
//! ```
//!
//! ```text
//! eve (authorized client)                    server
//!   M1 = a point of order 8 ------------------> X25519 gives 32 zero bytes: refused
//!
//! alice                                      mallory, holding the pinned server key
//!   M1 = alice_share ------------------------->
//!   <-- M2 = a point of order 8, validly signed with the server key
//!   X25519 gives 32 zero bytes: refused, no M3
//! ```
//!
//! X25519 multiplies the peer's point by a secret that is a multiple of 8,
//! so a point of order 1, 2, 4 or 8 always gives the all-zero secret, what
//! ever the honest side's key. Whoever sends such a share decides the
//! session key, and it is a key anybody can compute. Both bindings refuse
//! (`NonContributoryShare`), in both directions.
//!
//! The server direction needs a malicious server: Mallory must sign M2
//! with the key alice pinned. Think of a server operator who wants the
//! traffic readable by a third party without ever handing over a key, or an
//! attack that needs two sessions to end up with the same keys. The client
//! checks the share after the signature, and refuses before sending M3.

use crate::attack;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::thread;

use attack::{Cast, Event, RawClient, RealServer, Report};
use hkdf::Hkdf;
use learn_mtls::handshake::{Binding, HandshakeError, MUTUAL_SERVER_CONTEXT};
use learn_mtls::hex::Hex;
use learn_mtls::keys::IdentityKey;
use learn_mtls::schedule::{
    CLIENT_WRITE_IV_LABEL, CLIENT_WRITE_KEY_LABEL, SERVER_WRITE_IV_LABEL, SERVER_WRITE_KEY_LABEL,
};
use learn_mtls::wire::{CLIENT_AUTH_LEN, CLIENT_HELLO_LEN, SERVER_HELLO_LEN};
use sha2::Sha256;

/// A point of order 8 on Curve25519 (from the list of low-order points that
/// libsodium refuses): times any clamped X25519 secret, it gives zero.
pub const ORDER_8_POINT: [u8; 32] = [
    0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
    0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00,
];

/// Runs the attack, in both directions, once under `binding`.
pub fn low_order(binding: Binding) -> Result<Report, String> {
    let cast = Cast::new();
    let mut report = Report::new(binding);

    // Client to server: Eve's M1 is the low-order point.
    let server = RealServer::start(cast.server.clone(), cast.authorized(), binding)?;
    let mut eve = RawClient::connect(server.addr).map_err(|e| e.to_string())?;
    eve.send(&ORDER_8_POINT).map_err(|e| e.to_string())?;
    let got_m2 = eve.read_server_hello().is_ok();
    let event = server.next_event()?;
    report.say(format!("eve sends M1 = {}", Hex(&ORDER_8_POINT)));
    report.say(format!("server: {event}"));
    let server_refused = !got_m2
        && matches!(&event, Event::Rejected(e)
            if attack::is_handshake(e, HandshakeError::NonContributoryShare));

    // Server to client: Mallory holds the server key and sends the point in M2.
    let (addr, got_m3) = malicious_server(cast.server.clone(), binding)?;
    let alice = attack::connect(addr, &cast.alice, cast.server_public(), binding);
    let got_m3 = got_m3
        .join()
        .map_err(|_| "mallory's server panicked".to_owned())?;
    match &alice {
        Ok(_) => report.say("alice: handshake done (she should have refused)"),
        Err(e) => report.say(format!("alice: {e}")),
    }
    let alice_refused = !got_m3
        && matches!(&alice, Err(e)
            if attack::is_handshake(e, HandshakeError::NonContributoryShare));

    // What the keys would have been, had nobody checked.
    match binding {
        Binding::InsecureLesson11 => {
            report.say(
                "LESSON OUTPUT, never print real keys: with the check removed, every such \
                 session would share these keys",
            );
            report.say("   PRK = HKDF-Extract(no salt, 32 zero bytes)");
            for (label, value) in keys_from_the_zero_secret(None) {
                report.say(format!(
                    "   {:<32} {}",
                    String::from_utf8_lossy(label),
                    Hex(&value)
                ));
            }
        }
        Binding::Transcript => report.say(
            "without the check, PRK = HKDF-Extract(SHA-256(M1 || M2 || M3), 32 zero bytes): \
             the salt is all public bytes, so anyone who saw the handshake has the keys",
        ),
    }

    let refused = |yes| if yes { "refused" } else { "NOT refused" };
    report.say(format!(
        "server {} the share in M1; alice {} the share in M2",
        refused(server_refused),
        refused(alice_refused)
    ));
    Ok(report.conclude(
        server_refused && alice_refused,
        if server_refused && alice_refused {
            "refused both ways: NonContributoryShare".to_owned()
        } else {
            "a low-order share got through".to_owned()
        },
    ))
}

/// Mallory's server for one connection: reads M1, answers with the
/// low-order point signed under the real server key as `binding` requires,
/// and reports whether M3 ever came.
fn malicious_server(
    key: Arc<IdentityKey>,
    binding: Binding,
) -> Result<(std::net::SocketAddr, thread::JoinHandle<bool>), String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let handle = thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(attack::TIMEOUT));
        let mut m1 = [0u8; CLIENT_HELLO_LEN];
        if stream.read_exact(&mut m1).is_err() {
            return false;
        }
        let signed = match binding {
            Binding::InsecureLesson11 => ORDER_8_POINT.to_vec(),
            Binding::Transcript => {
                attack::transcript_signed(MUTUAL_SERVER_CONTEXT, &[&m1, &ORDER_8_POINT])
            }
        };
        let mut m2 = [0u8; SERVER_HELLO_LEN];
        m2[..32].copy_from_slice(&ORDER_8_POINT);
        m2[32..].copy_from_slice(&attack::sign(&key, &signed));
        if stream.write_all(&m2).is_err() {
            return false;
        }
        let mut m3 = [0u8; CLIENT_AUTH_LEN];
        stream.read_exact(&mut m3).is_ok()
    });
    Ok((addr, handle))
}

/// The four traffic secrets from an all-zero shared secret, following the
/// HKDF formulas in `src/schedule.rs`; `salt` is `None` under lesson11.
pub fn keys_from_the_zero_secret(salt: Option<&[u8]>) -> Vec<(&'static [u8], Vec<u8>)> {
    let prk = Hkdf::<Sha256>::new(salt, &[0u8; 32]);
    [
        (CLIENT_WRITE_KEY_LABEL, 32),
        (CLIENT_WRITE_IV_LABEL, 12),
        (SERVER_WRITE_KEY_LABEL, 32),
        (SERVER_WRITE_IV_LABEL, 12),
    ]
    .into_iter()
    .map(|(label, len)| {
        let mut okm = vec![0u8; len];
        prk.expand(label, &mut okm)
            .expect("32 and 12 bytes are far below HKDF's limit");
        (label, okm)
    })
    .collect()
}

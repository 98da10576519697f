//! The check of exercise 13.5: your server, with the fix, against the real
//! client and your attackers.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::Duration;

use learn_mtls::handshake::mutual;
use learn_mtls::handshake::{Binding, HandshakeError};
use learn_mtls::keys::IdentityKey;
use learn_mtls::net::os_rng;
use learn_mtls::record::RecordError;
use learn_mtls::trust::{AuthorizedKey, AuthorizedKeys, PinnedClient};
use learn_mtls::wire::{SERVER_HELLO_LEN, ServerHello};
use learn_mtls_exercises::lesson13;

use crate::harness::{Context, Result, debug_shown, fail, hex};
use crate::lesson10::connect;
use crate::lesson11::serve_real_client;
use crate::processes::write_keys;

use super::fixtures::{Cast, honest_session, key, name, seal};

/// How your server ended one connection.
enum Verdict {
    Accepted(String),
    Refused(Option<HandshakeError>, String),
}

/// Runs your 13.5 server for one connection on a fresh port, in a thread.
fn your_server(
    server: &IdentityKey,
    policy: &AuthorizedKeys<Vec<AuthorizedKey>>,
) -> Result<(String, mpsc::Receiver<Verdict>)> {
    let listener = TcpListener::bind("127.0.0.1:0").context("listening on loopback")?;
    let address = listener.local_addr().context("the address")?.to_string();
    let (send, receive) = mpsc::channel();
    let server = IdentityKey::from_secret_bytes(&server.to_secret_bytes());
    let policy = policy.clone();
    std::thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let verdict = match lesson13::server::accept(&mut stream, &server, &policy) {
            Ok(confirmed) => Verdict::Accepted(confirmed.client.name.as_str().to_owned()),
            Err(e) => Verdict::Refused(
                e.downcast_ref::<HandshakeError>().cloned(),
                crate::harness::explain(&*e),
            ),
        };
        let _ = send.send(verdict);
    });
    Ok((address, receive))
}

fn verdict(receive: &mpsc::Receiver<Verdict>) -> Result<Verdict> {
    receive
        .recv_timeout(Duration::from_secs(20))
        .map_err(|_| fail("your server did not finish the connection (or panicked)"))
}

/// 13.5: your server, with the fix, against the real client and your attackers.
pub fn finale() -> Result {
    let cast = Cast::new("13.5")?;
    let policy = cast.policy();

    // 1. Your replay attacker (13.1) against your server.
    let (address, receive) = your_server(&cast.server, &policy)?;
    let mut alice = connect(&address)?;
    let recorded = honest_session(&mut alice, &cast.alice, &cast.server, Binding::Transcript)?;
    match verdict(&receive)? {
        Verdict::Accepted(who) if who == "alice" => {}
        Verdict::Accepted(who) => {
            return Err(fail(format!("your server called alice {who:?}")));
        }
        Verdict::Refused(_, why) => {
            return Err(fail(format!(
                "your server refused alice's honest session: {why}"
            )));
        }
    }
    drop(alice);
    let (address, receive) = your_server(&cast.server, &policy)?;
    let mut mallory = connect(&address)?;
    let replayed = lesson13::replay::replay(&mut mallory, &recorded);
    for record in &recorded.client_records {
        let _ = mallory.write_all(record);
    }
    let got = verdict(&receive)?;
    drop(mallory);
    expect_refused(
        got,
        &HandshakeError::ClientSignatureInvalid,
        &format!(
            "your 13.1 replay (it returned {replayed:?}) of alice's message 1 = {} and message 3 = {}",
            hex(&recorded.client_hello),
            hex(&recorded.client_auth)
        ),
    )?;

    // 2. Your misbinding attacker (13.2) between alice and your server.
    let (address, receive) = your_server(&cast.server, &policy)?;
    let mut stream = connect(&address)?;
    let (client, hello) = mutual::Client::start(
        &mut os_rng(),
        &cast.alice,
        cast.server.public(),
        Binding::Transcript,
    );
    stream
        .write_all(&hello.to_bytes())
        .context("relaying message 1")?;
    let mut m2 = [0u8; SERVER_HELLO_LEN];
    stream
        .read_exact(&mut m2)
        .context("reading your message 2")?;
    let server_hello = ServerHello::from_bytes(&m2);
    let (mut alice, _) = client
        .read_server_hello(&server_hello)
        .map_err(|e| fail(format!("the library's client refused your message 2: {e}")))?;
    let eves = lesson13::misbinding::misbind(&cast.eve, Binding::Transcript, &hello, &server_hello);
    stream
        .write_all(&eves.to_bytes())
        .context("sending eve's message 3")?;
    stream
        .write_all(&seal(&mut alice, b"")?)
        .context("relaying alice's first record")?;
    let got = verdict(&receive)?;
    expect_refused(
        got,
        &HandshakeError::KeyConfirmationFailed(RecordError::Forged),
        &format!(
            "your 13.2 eve in the middle: message 1 = {}, message 2 = {}, her message 3 = {}",
            hex(&hello.to_bytes()),
            hex(&m2),
            hex(&eves.to_bytes())
        ),
    )?;

    // 3. A low-order share: refused before your server signs anything.
    crate::lesson11::refuses_low_order_share(|stream| {
        lesson13::server::accept(stream, &cast.server, &policy)
    })?;

    // 4. An honest client, then a stranger: the real 11-mtls-client.
    write_keys(&cast.dir, "client", &cast.alice)?;
    write_keys(&cast.dir, "stranger", &key())?;
    let pinned = PinnedClient::new(cast.alice.public(), name("client"));
    let accept = |stream: &mut TcpStream| {
        lesson13::server::accept(stream, &cast.server, &pinned).map(|confirmed| {
            (
                confirmed.client,
                confirmed.sealer,
                confirmed.opener,
                confirmed.first_message,
            )
        })
    };
    let output = serve_real_client(&cast.dir, "client.key", "transcript", true, accept)?;
    if output != "hello\nworld\n" {
        return Err(fail(format!(
            "the real 11-mtls-client --binding transcript printed {output:?}, expected the echo \"hello\\nworld\\n\""
        )));
    }
    serve_real_client(&cast.dir, "stranger.key", "transcript", false, accept)?;
    Ok(())
}

fn expect_refused(got: Verdict, expected: &HandshakeError, input: &str) -> Result {
    match got {
        Verdict::Refused(Some(error), _) if error == *expected => Ok(()),
        Verdict::Accepted(who) => Err(fail(format!(
            "your server accepted the attacker as {}\n  input:    {input}\n  expected: refused with {expected:?}",
            debug_shown(&who)
        ))),
        Verdict::Refused(error, why) => Err(fail(format!(
            "your server refused, but not for the reason that matters\n  input:    {input}\n  expected: {expected:?}\n  got:      {} ({why})",
            error.map_or(
                "an error that is not a HandshakeError".to_owned(),
                |e| format!("{e:?}")
            )
        ))),
    }
}

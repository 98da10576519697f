//! The checks of Lesson 13's exercises: the attackers against the real
//! `11-mtls-server`, then the fix, then your server against your attackers.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::Duration;

use learn_mtls::handshake::mutual::{self, ClientVerified};
use learn_mtls::handshake::{
    Binding, HandshakeError, MUTUAL_CLIENT_CONTEXT, MUTUAL_CLIENT_TLS12_PRF_CONTEXT,
    MUTUAL_SERVER_CONTEXT, MUTUAL_SERVER_TLS12_PRF_CONTEXT, SERVER_ONLY_SERVER_CONTEXT,
    SERVER_ONLY_SERVER_TLS12_PRF_CONTEXT,
};
use learn_mtls::keys::IdentityKey;
use learn_mtls::net::os_rng;
use learn_mtls::raw::{self, TrafficKeys};
use learn_mtls::record::{RecordError, Session};
use learn_mtls::schedule::KeySchedule;
use learn_mtls::trust::{AuthorizedKey, AuthorizedKeys, ClientIdentity, ClientName, PinnedClient};
use learn_mtls::wire::{ClientAuth, ClientHello, SERVER_HELLO_LEN, ServerHello};
use learn_mtls_exercises::lesson13;
use learn_mtls_exercises::lesson13::key_confirmation::Unconfirmed;
use learn_mtls_exercises::lesson13::replay::Recorded;
use learn_mtls_exercises::support::{public_share, read_record, sha256, sign};

use crate::harness::{Context, Result, below, fail, hex, random, same, same_bytes};
use crate::lesson10::connect;
use crate::lesson11::serve_real_client;
use crate::processes::{Running, scratch_dir, write_keys};

fn key() -> IdentityKey {
    IdentityKey::generate(&mut os_rng())
}

fn name(text: &str) -> ClientName {
    ClientName::new(text).expect("a valid name")
}

fn binding_name(binding: Binding) -> &'static str {
    match binding {
        Binding::InsecureLesson11 => "lesson11",
        Binding::Transcript => "transcript",
    }
}

/// The cast of the attacks: the server, alice (honest) and eve (an
/// insider), with key files in a scratch folder and an authorized list
/// naming alice and eve.
struct Cast {
    dir: std::path::PathBuf,
    server: IdentityKey,
    alice: IdentityKey,
    eve: IdentityKey,
}

impl Cast {
    fn new(label: &str) -> Result<Self> {
        let cast = Self {
            dir: scratch_dir(label)?,
            server: key(),
            alice: key(),
            eve: key(),
        };
        write_keys(&cast.dir, "server", &cast.server)?;
        let list = format!("{} alice\n{} eve\n", cast.alice.public(), cast.eve.public());
        std::fs::write(cast.dir.join("authorized_keys"), list).context("writing a key list")?;
        Ok(cast)
    }

    fn policy(&self) -> AuthorizedKeys<Vec<AuthorizedKey>> {
        AuthorizedKeys::new(vec![
            AuthorizedKey::new(self.alice.public(), name("alice")),
            AuthorizedKey::new(self.eve.public(), name("eve")),
        ])
    }

    /// The real `11-mtls-server` with alice and eve on its list.
    fn real_server(&self, binding: Binding) -> Result<(Running, String)> {
        let mut server = Running::start(
            "11-mtls-server",
            &[
                "--listen",
                "127.0.0.1:0",
                "--key",
                "server.key",
                "--authorized",
                "authorized_keys",
                "--binding",
                binding_name(binding),
            ],
            &self.dir,
        )?;
        let address = server.listening_address()?;
        Ok((server, address))
    }
}

impl Drop for Cast {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Alice's honest session over `stream`, with the library's client, as a
/// proxy on her path records it: the three messages and her records
/// (under transcript the empty key-confirmation record comes first).
fn honest_session(
    stream: &mut TcpStream,
    alice: &IdentityKey,
    cast_server: &IdentityKey,
    binding: Binding,
) -> Result<Recorded> {
    let (client, hello) =
        mutual::Client::start(&mut os_rng(), alice, cast_server.public(), binding);
    let client_hello = hello.to_bytes();
    stream
        .write_all(&client_hello)
        .context("alice sending message 1")?;
    let mut server_hello = [0u8; SERVER_HELLO_LEN];
    stream
        .read_exact(&mut server_hello)
        .context("alice reading message 2")?;
    let (mut session, auth) = client
        .read_server_hello(&ServerHello::from_bytes(&server_hello))
        .context("alice checking message 2")?;
    let client_auth = auth.to_bytes();
    stream
        .write_all(&client_auth)
        .context("alice sending message 3")?;
    let mut client_records = Vec::new();
    if binding == Binding::Transcript {
        client_records.push(seal(&mut session, b"")?);
    }
    client_records.push(seal(&mut session, b"hello, it's alice")?);
    for record in &client_records {
        stream.write_all(record).context("alice sending a record")?;
    }
    Ok(Recorded {
        client_hello,
        server_hello,
        client_auth,
        client_records,
    })
}

fn seal(session: &mut Session, plaintext: &[u8]) -> Result<Vec<u8>> {
    let mut record = vec![0u8; plaintext.len() + 64];
    let len = session.seal(plaintext, &mut record).context("sealing")?;
    record.truncate(len);
    Ok(record)
}

/// The real server's line about the connection from `local`.
fn line_for(server: &mut Running, local: &str) -> Result<String> {
    for _ in 0..4 {
        let line = server.next_line(Duration::from_secs(10))?;
        if line.ends_with(&format!("from {local}"))
            || line.starts_with(&format!("rejected {local}:"))
        {
            return Ok(line);
        }
    }
    Err(fail(format!(
        "the real 11-mtls-server said nothing about the connection from {local}"
    )))
}

/// 13.1: the replay attacker against the real server, under both bindings.
pub fn replay() -> Result {
    let cast = Cast::new("13.1")?;
    for binding in [Binding::InsecureLesson11, Binding::Transcript] {
        let (mut server, address) = cast.real_server(binding)?;
        // Alice, recorded on her way.
        let mut alice = connect(&address)?;
        let recorded = honest_session(&mut alice, &cast.alice, &cast.server, binding)?;
        let alice_local = alice.local_addr().context("alice's address")?.to_string();
        let line = line_for(&mut server, &alice_local)?;
        if !line.starts_with("accepted alice") {
            return Err(fail(format!(
                "alice's honest session was not accepted (the check's fault, not yours): {line:?}"
            )));
        }
        drop(alice);

        // Mallory, later, on a connection of her own.
        let mut stream = connect(&address)?;
        let local = stream.local_addr().context("your address")?.to_string();
        let replayed = lesson13::replay::replay(&mut stream, &recorded);
        let line = line_for(&mut server, &local)?;
        let shown = format!(
            "the real 11-mtls-server --binding {}, alice's session recorded: message 1 = {}, message 3 = {}",
            binding_name(binding),
            hex(&recorded.client_hello),
            hex(&recorded.client_auth)
        );
        match binding {
            Binding::InsecureLesson11 => {
                replayed.map_err(|e| {
                    fail(format!(
                        "your replay failed: {}\n  input:    {shown}",
                        crate::harness::explain(&e)
                    ))
                })?;
                if !line.starts_with("accepted alice") {
                    return Err(fail(format!(
                        "the server did not accept your connection as alice\n  input:    {shown}\n  expected: \"accepted alice (...) from {local}\"\n  got:      {line:?}"
                    )));
                }
            }
            Binding::Transcript => {
                if line.starts_with("accepted") || !line.contains("signature") {
                    return Err(fail(format!(
                        "under transcript, your replay should be refused for its signature\n  input:    {shown}\n  expected: \"rejected {local}: the client's signature does not verify ...\"\n  got:      {line:?}"
                    )));
                }
            }
        }
    }
    Ok(())
}

/// 13.2: the misbinding attacker in the middle of alice's connection to the
/// real server, under both bindings.
pub fn misbinding() -> Result {
    let cast = Cast::new("13.2")?;
    // First on its own: the message 3 must carry eve's key.
    let (client, hello) = mutual::Client::start(
        &mut os_rng(),
        &cast.alice,
        cast.server.public(),
        Binding::InsecureLesson11,
    );
    let (_, server_hello) = mutual::Server::new(&cast.server, Binding::InsecureLesson11)
        .read_client_hello(&mut os_rng(), &hello)
        .context("the real server")?;
    drop(client);
    let got =
        lesson13::misbinding::misbind(&cast.eve, Binding::InsecureLesson11, &hello, &server_hello);
    same_bytes(
        "the key in eve's message 3",
        &"eve's public key",
        cast.eve.public().as_bytes(),
        &got.identity,
    )?;

    let message = b"alice here: please pay invoice 42";
    for binding in [Binding::InsecureLesson11, Binding::Transcript] {
        let (mut server, address) = cast.real_server(binding)?;
        // Eve's connection to the server; alice talks through her.
        let mut stream = connect(&address)?;
        let local = stream.local_addr().context("eve's address")?.to_string();
        let (client, hello) =
            mutual::Client::start(&mut os_rng(), &cast.alice, cast.server.public(), binding);
        stream
            .write_all(&hello.to_bytes())
            .context("relaying message 1")?;
        let mut m2 = [0u8; SERVER_HELLO_LEN];
        stream.read_exact(&mut m2).context("relaying message 2")?;
        let server_hello = ServerHello::from_bytes(&m2);
        let (mut alice, _alices_m3) = client
            .read_server_hello(&server_hello)
            .context("alice checking message 2")?;
        let eves = lesson13::misbinding::misbind(&cast.eve, binding, &hello, &server_hello);
        stream
            .write_all(&eves.to_bytes())
            .context("sending eve's message 3")?;
        if binding == Binding::Transcript {
            stream
                .write_all(&seal(&mut alice, b"")?)
                .context("relaying alice's first record")?;
        }
        stream
            .write_all(&seal(&mut alice, message)?)
            .context("relaying alice's record")?;
        let line = line_for(&mut server, &local)?;
        let shown = format!(
            "the real 11-mtls-server --binding {}, message 1 = {}, message 2 = {}, your message 3 = {}",
            binding_name(binding),
            hex(&hello.to_bytes()),
            hex(&m2),
            hex(&eves.to_bytes())
        );
        match binding {
            Binding::InsecureLesson11 => {
                if !line.starts_with("accepted eve") {
                    return Err(fail(format!(
                        "the server did not file alice's session under eve\n  input:    {shown}\n  expected: \"accepted eve (...) from {local}\"\n  got:      {line:?}"
                    )));
                }
                let mut echo = read_record(&mut stream).context("reading the server's echo")?;
                let opened = alice
                    .open_in_place(&mut echo)
                    .context("alice opening the echo")?;
                same_bytes("the echo alice got", &shown, message, opened)?;
            }
            Binding::Transcript => {
                if !line.contains("key confirmation") {
                    return Err(fail(format!(
                        "under transcript, eve's signature should verify and key confirmation stop her\n  input:    {shown}\n  expected: \"rejected {local}: key confirmation failed ...\"\n  got:      {line:?}"
                    )));
                }
            }
        }
    }
    Ok(())
}

/// 13.3: the transcript binding's signed content.
pub fn signed_content() -> Result {
    crate::harness::not_the_library_itself(
        "13.3",
        "exercises/src/lesson13/signed_content.rs",
        include_str!("../src/lesson13/signed_content.rs"),
        "transcript_signed_content",
    )?;
    let first = lesson13::signed_content::transcript_signed_content(b"", &[0; 32]);
    let mut contexts: Vec<Vec<u8>> = [
        MUTUAL_CLIENT_CONTEXT,
        MUTUAL_SERVER_CONTEXT,
        SERVER_ONLY_SERVER_CONTEXT,
        MUTUAL_CLIENT_TLS12_PRF_CONTEXT,
        MUTUAL_SERVER_TLS12_PRF_CONTEXT,
        SERVER_ONLY_SERVER_TLS12_PRF_CONTEXT,
        b"",
        b"x",
        &[0x20; 64],
        &[0; 64],
    ]
    .iter()
    .map(|c| c.to_vec())
    .collect();
    for _ in 0..40 {
        let bytes: [u8; 64] = random();
        contexts.push(bytes[..below(65)].to_vec());
    }
    let mut inputs = vec![(b"".to_vec(), [0u8; 32], first)];
    for context in contexts {
        for hash in [random(), [0; 32], [0xff; 32]] {
            let got = lesson13::signed_content::transcript_signed_content(&context, &hash);
            inputs.push((context.clone(), hash, got));
        }
    }
    for (context, hash, got) in inputs {
        let expected = raw::transcript_signed_content(&context, &hash).expect("a short context");
        let input = format!(
            "context = {:?} ({} bytes), transcript_hash = {}",
            String::from_utf8_lossy(&context),
            context.len(),
            hex(&hash)
        );
        same_bytes("the signed content", &input, expected.as_bytes(), &got)?;
    }

    // Plugged into a real handshake: the library's client accepts a message 2
    // signed over your content, and the library's server a message 3.
    let (server, alice) = (key(), key());
    let (client, hello) =
        mutual::Client::start(&mut os_rng(), &alice, server.public(), Binding::Transcript);
    let share = public_share(&random());
    let server_signed = lesson13::signed_content::transcript_signed_content(
        MUTUAL_SERVER_CONTEXT,
        &sha256(&[&hello.to_bytes(), &share]),
    );
    let server_hello = ServerHello {
        share,
        signature: sign(&server, &server_signed),
    };
    client.read_server_hello(&server_hello).map_err(|e| {
        fail(format!(
            "the library's client refused a message 2 signed over your content: {e}"
        ))
    })?;

    let (_, hello) =
        mutual::Client::start(&mut os_rng(), &alice, server.public(), Binding::Transcript);
    let (state, server_hello) = mutual::Server::new(&server, Binding::Transcript)
        .read_client_hello(&mut os_rng(), &hello)
        .context("the library's server")?;
    let identity = *alice.public().as_bytes();
    let client_signed = lesson13::signed_content::transcript_signed_content(
        MUTUAL_CLIENT_CONTEXT,
        &sha256(&[&hello.to_bytes(), &server_hello.to_bytes(), &identity]),
    );
    let auth = ClientAuth {
        signature: sign(&alice, &client_signed),
        identity,
    };
    let policy = PinnedClient::new(alice.public(), name("alice"));
    match state.read_client_auth(&auth, &policy) {
        Ok(ClientVerified::ExpectKeyConfirmation(_)) => Ok(()),
        Ok(ClientVerified::Accepted(_)) => Err(fail(
            "the library's server accepted without key confirmation under transcript",
        )),
        Err(e) => Err(fail(format!(
            "the library's server refused a message 3 signed over your content: {e}"
        ))),
    }
}

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
            "your server accepted the attacker as {who:?}\n  input:    {input}\n  expected: refused with {expected:?}"
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

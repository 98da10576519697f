//! The checks of Lesson 11's exercises.

use std::io::{ErrorKind, Read as _, Write as _};
use std::mem::discriminant;
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use learn_mtls::handshake::mutual::{self, ClientVerified};
use learn_mtls::handshake::{Binding, HandshakeError};
use learn_mtls::keys::{IdentityKey, PublicIdentity};
use learn_mtls::net::os_rng;
use learn_mtls::record::Session;
use learn_mtls::trust::lists::{AuthorizedKeys, RevokedKeys, WithRevocations};
use learn_mtls::trust::{
    AuthorizedKey, ClientIdentity, ClientName, PinnedClient, Refusal, TrustPolicy,
};
use learn_mtls::wire::{ClientAuth, ClientHello};
use learn_mtls_exercises::lesson10::records::RecordLayer;
use learn_mtls_exercises::lesson11;
use learn_mtls_exercises::lesson11::revocation::Revocations;
use learn_mtls_exercises::support::{public_share, read_record, sign};

use crate::harness::{Context, Result, below, fail, hex, random, same};
use crate::lesson10::{connect, malleate};
use crate::processes::{Running, example, scratch_dir, write_keys};

fn name(text: &str) -> ClientName {
    ClientName::new(text).expect("a valid name")
}

fn key() -> IdentityKey {
    IdentityKey::generate(&mut os_rng())
}

/// Runs a real lesson11 handshake up to message 3, returning what the real
/// server decides about `auth` (built from the real message 1).
fn real_server_verdict(
    server: &IdentityKey,
    hello: &ClientHello,
    auth: &ClientAuth,
    policy: &impl TrustPolicy,
) -> Result<std::result::Result<ClientIdentity, HandshakeError>> {
    let (state, _) = mutual::Server::new(server, Binding::InsecureLesson11)
        .read_client_hello(&mut os_rng(), hello)
        .context("the real server")?;
    Ok(match state.read_client_auth(auth, policy) {
        Ok(ClientVerified::Accepted(accepted)) => Ok(accepted.client),
        Ok(ClientVerified::ExpectKeyConfirmation(_)) => {
            return Err(fail(
                "the real server asked for key confirmation under lesson11",
            ));
        }
        Err(e) => Err(e),
    })
}

/// 11.1: message 3.
pub fn client_auth() -> Result {
    let server = key();
    for round in 0..20 {
        let client = key();
        let (state, hello) = mutual::Client::start(
            &mut os_rng(),
            &client,
            server.public(),
            Binding::InsecureLesson11,
        );
        let (server_state, server_hello) = mutual::Server::new(&server, Binding::InsecureLesson11)
            .read_client_hello(&mut os_rng(), &hello)
            .context("the real server")?;
        let (mut client_session, expected) = state
            .read_server_hello(&server_hello)
            .context("the real client")?;
        let got = lesson11::client_auth::client_auth(&client, &hello);
        let input = format!(
            "client key {}, message 1 = {}",
            client.public(),
            hex(&hello.to_bytes())
        );
        crate::harness::same_bytes("message 3", &input, &expected.to_bytes(), &got.to_bytes())?;
        if round < 3 {
            let policy = PinnedClient::new(client.public(), name("learner"));
            let verified = server_state
                .read_client_auth(&got, &policy)
                .map_err(|e| fail(format!("the real server refused your message 3: {e}")))?;
            let ClientVerified::Accepted(mut accepted) = verified else {
                return Err(fail(
                    "the real server asked for key confirmation under lesson11",
                ));
            };
            exchange(&mut client_session, &mut accepted.session)?;
        }
    }
    Ok(())
}

fn exchange(client: &mut Session, server: &mut Session) -> Result {
    let mut buf = [0u8; 64];
    let len = client.seal(b"hello", &mut buf).context("sealing")?;
    server
        .open_in_place(&mut buf[..len])
        .context("the real server opening a record after your message 3")?;
    Ok(())
}

/// 32 bytes that are not the encoding of any Ed25519 point.
fn not_a_point() -> [u8; 32] {
    (2u8..)
        .map(|y| {
            let mut bytes = [0u8; 32];
            bytes[0] = y;
            bytes
        })
        .find(|bytes| ed25519_dalek::VerifyingKey::from_bytes(bytes).is_err())
        .expect("some small y is not on the curve")
}

/// 11.2: the server's checks of message 3.
pub fn check_client_auth() -> Result {
    let server = key();
    let (alice, bob, mallory) = (key(), key(), key());
    let policy = WithRevocations::new(
        AuthorizedKeys::new([
            AuthorizedKey::new(alice.public(), name("alice")),
            AuthorizedKey::new(bob.public(), name("bob")),
        ]),
        RevokedKeys::new([bob.public()]),
    );
    let mut weak = [0u8; 32];
    weak[0] = 1; // the neutral point: small order
    type Make = fn(&ClientHello, &[&IdentityKey; 3], [u8; 32], [u8; 32]) -> ClientAuth;
    let cases: [(&str, Make); 11] = [
        ("alice, genuine", |h, k, _, _| ClientAuth {
            signature: sign(k[0], &h.share),
            identity: *k[0].public().as_bytes(),
        }),
        ("bob, genuine but revoked", |h, k, _, _| ClientAuth {
            signature: sign(k[1], &h.share),
            identity: *k[1].public().as_bytes(),
        }),
        ("mallory, genuine but on no list", |h, k, _, _| ClientAuth {
            signature: sign(k[2], &h.share),
            identity: *k[2].public().as_bytes(),
        }),
        (
            "alice's key, one bit of the signature flipped",
            |h, k, _, _| {
                let mut signature = sign(k[0], &h.share);
                signature[40] ^= 4;
                ClientAuth {
                    signature,
                    identity: *k[0].public().as_bytes(),
                }
            },
        ),
        (
            "alice's key, the signature made non-canonical (S + L)",
            |h, k, _, _| {
                let mut signature = sign(k[0], &h.share);
                malleate(&mut signature);
                ClientAuth {
                    signature,
                    identity: *k[0].public().as_bytes(),
                }
            },
        ),
        ("alice's key, signed by mallory", |h, k, _, _| ClientAuth {
            signature: sign(k[2], &h.share),
            identity: *k[0].public().as_bytes(),
        }),
        (
            "alice's key, alice's signature over other bytes",
            |_, k, _, _| ClientAuth {
                signature: sign(k[0], &[7; 32]),
                identity: *k[0].public().as_bytes(),
            },
        ),
        ("mallory, on no list, with a bad signature", |_, k, _, _| {
            ClientAuth {
                signature: [9; 64],
                identity: *k[2].public().as_bytes(),
            }
        }),
        ("a key that is not a curve point", |h, k, bad, _| {
            ClientAuth {
                signature: sign(k[0], &h.share),
                identity: bad,
            }
        }),
        ("a weak (small-order) key", |h, k, _, weak| ClientAuth {
            signature: sign(k[0], &h.share),
            identity: weak,
        }),
        ("a weak key and a signature of zeros", |_, _, _, weak| {
            ClientAuth {
                signature: [0; 64],
                identity: weak,
            }
        }),
    ];
    let keys = [&alice, &bob, &mallory];
    for (what, make) in cases {
        let hello = ClientHello {
            share: public_share(&random()),
        };
        let auth = make(&hello, &keys, not_a_point(), weak);
        let expected = real_server_verdict(&server, &hello, &auth, &policy)?;
        let got = lesson11::check_client_auth::check_client_auth(&hello, &auth, &policy);
        let input = format!(
            "{what}\n            message 1 = {}\n            message 3 = {}",
            hex(&hello.to_bytes()),
            hex(&auth.to_bytes())
        );
        same("your verdict", &input, &expected, &got)?;
    }
    Ok(())
}

fn key_line(key: &IdentityKey) -> String {
    key.public().to_string()
}

/// "1 entry", "2 entries".
fn entries(n: usize) -> String {
    if n == 1 {
        "1 entry".to_owned()
    } else {
        format!("{n} entries")
    }
}

/// Compares the learner's parser with the library's on one file.
fn compare_parse(text: &str) -> Result {
    let expected = AuthorizedKeys::parse("authorized_keys", text);
    let got = lesson11::authorized_keys::parse_authorized_keys("authorized_keys", text);
    let input = format!("the file {text:?}");
    match (expected, got) {
        (Ok(e), Ok(g)) => same("the list", &input, &e.entries().to_vec(), &g),
        (Err(e), Err(g)) => {
            // The whole problem, fields too: a column, a length or the
            // line of the first duplicate is what the operator reads.
            let fine = g.file == e.file() && g.line == e.line() && g.problem == e.problem();
            if fine {
                Ok(())
            } else {
                let detail = if discriminant(&g.problem) == discriminant(&e.problem()) {
                    format!(
                        "\n  (the right kind of problem, but {:?} where the library says {:?})",
                        g.problem,
                        e.problem()
                    )
                } else {
                    String::new()
                };
                Err(fail(format!(
                    "the error is wrong\n  input:    {input}\n  expected: {e}\n  got:      {g}{detail}"
                )))
            }
        }
        (Ok(e), Err(g)) => Err(fail(format!(
            "a good list was refused\n  input:    {input}\n  expected: a list of {}\n  got:      {g}",
            entries(e.len())
        ))),
        (Err(e), Ok(g)) => Err(fail(format!(
            "a bad list was accepted\n  input:    {input}\n  expected: {e}\n  got:      a list of {}",
            entries(g.len())
        ))),
    }
}

/// 11.3: the authorized-keys parser.
pub fn authorized_keys() -> Result {
    let (a, b, c) = (key_line(&key()), key_line(&key()), key_line(&key()));
    let weak = format!("01{}", "0".repeat(62));
    let not_point = hex(&not_a_point());
    let mut fixed: Vec<String> = vec![
        String::new(),
        "\n".into(),
        format!("{a} alice\n"),
        format!("{a} alice"),
        format!("# clients\n\n{a} alice\n{b} bob\n"),
        format!("\u{feff}{a} alice\r\n{b}\tbob\r\n"),
        format!("   {a}    alice   \n\t# indented comment\n"),
        format!("{} alice\n", a.to_uppercase()),
        format!("{a}\n"),
        format!("{a} alice smith\n"),
        format!("{a} alice # comment\n"),
        format!("{a} alice\n{b} bob\n{a} alice2\n"),
        format!("{} alice\n", &a[..63]),
        format!("{}g alice\n", &a[..63]),
        format!("  {}z{} alice\n", &a[..10], &a[11..]),
        format!("{weak} weakling\n"),
        format!("{not_point} nobody\n"),
        format!("{a} {}\n", "x".repeat(65)),
        format!("{a} al\u{202e}ice\n"),
        format!("abc alice\n"),
        format!("{a}alice\n"),
        format!("\n\n\n{c} carol\n{c} carol\n"),
        // Whitespace is Unicode whitespace, not only spaces and tabs.
        format!("{a}\u{a0}alice\n"),
        format!("\u{3000}{a}\u{2003}alice\n\u{c}\n"),
    ];
    let pool: Vec<String> = vec![
        format!("{a} alice"),
        format!("{b} bob"),
        format!("{c} carol"),
        "# a comment".into(),
        String::new(),
        "   ".into(),
        format!("{} carol-upper", c.to_uppercase()),
        format!("{a}"),
        format!("{b} bob two"),
        format!("{} short", &b[..60]),
        format!("{weak} w"),
        format!("x{} y", &c[1..]),
    ];
    for _ in 0..300 {
        let lines = below(6) + 1;
        let mut text = if below(10) == 0 {
            "\u{feff}".to_owned()
        } else {
            String::new()
        };
        for _ in 0..lines {
            text.push_str(&pool[below(pool.len())]);
            text.push_str(if below(4) == 0 { "\r\n" } else { "\n" });
        }
        fixed.push(text);
    }
    for text in &fixed {
        compare_parse(text)?;
    }
    // Your list as a real server's policy, in a real handshake.
    let (server, alice) = (key(), key());
    let text = format!("# lab\n{} alice\n{b} bob\n", key_line(&alice));
    let entries = lesson11::authorized_keys::parse_authorized_keys("authorized_keys", &text)
        .map_err(|e| fail(format!("your parser refused a good list: {e}")))?;
    let policy = AuthorizedKeys::new(entries);
    let (client, hello) = mutual::Client::start(
        &mut os_rng(),
        &alice,
        server.public(),
        Binding::InsecureLesson11,
    );
    let (state, server_hello) = mutual::Server::new(&server, Binding::InsecureLesson11)
        .read_client_hello(&mut os_rng(), &hello)
        .context("the real server")?;
    let (_, auth) = client
        .read_server_hello(&server_hello)
        .context("the real client")?;
    match state.read_client_auth(&auth, &policy) {
        Ok(ClientVerified::Accepted(accepted)) if accepted.client.name.as_str() == "alice" => {
            Ok(())
        }
        Ok(_) => Err(fail(
            "with your list, the real server did not call alice \"alice\"",
        )),
        Err(e) => Err(fail(format!(
            "with your list, the real server refused alice: {e}"
        ))),
    }
}

/// 11.4: the revocation check.
pub fn revocation() -> Result {
    let keys: Vec<IdentityKey> = (0..5).map(|_| key()).collect();
    let publics: Vec<PublicIdentity> = keys.iter().map(IdentityKey::public).collect();
    let names = ["alice", "bob", "carol", "dave", "eve"];
    // alice and bob are authorized; the others are not.
    let policy = AuthorizedKeys::new([
        AuthorizedKey::new(publics[0], name(names[0])),
        AuthorizedKey::new(publics[1], name(names[1])),
    ]);
    let mut lists: Vec<Option<Vec<usize>>> = vec![
        Some(vec![]),
        Some(vec![1]),
        Some(vec![2]),
        Some(vec![1, 1]),
        Some(vec![0, 2, 3]),
        Some(vec![4, 3, 2, 1, 0]),
        None,
    ];
    for _ in 0..30 {
        lists.push(Some((0..below(5)).map(|_| below(5)).collect()));
    }
    for list in &lists {
        let revoked = list
            .as_ref()
            .map(|l| l.iter().map(|&i| publics[i]).collect::<Vec<_>>());
        let mine = Revocations {
            policy: &policy,
            revoked: revoked.clone(),
        };
        for (i, client) in publics.iter().enumerate() {
            let expected = match &revoked {
                // A broken revocation list refuses everyone (as FilePolicy does).
                None => Err(Refusal::RevocationListUnavailable),
                Some(keys) => {
                    WithRevocations::new(&policy, RevokedKeys::new(keys.clone())).check(client)
                }
            };
            let got = mine.check(client);
            let shown: Option<Vec<&str>> =
                list.as_ref().map(|l| l.iter().map(|&i| names[i]).collect());
            let input = format!(
                "{} ({}) asks; authorized: alice, bob; revoked: {}",
                names[i],
                if i < 2 {
                    "authorized"
                } else {
                    "not authorized"
                },
                shown.map_or("the list is unavailable".to_owned(), |s| format!("{s:?}"))
            );
            same("the verdict", &input, &expected, &got)?;
        }
    }
    // Your policy in a real server: bob is revoked, alice gets in.
    let server = key();
    let mine = Revocations {
        policy: &policy,
        revoked: Some(vec![publics[1]]),
    };
    for (who, expect_in) in [(0, true), (1, false)] {
        let (client, hello) = mutual::Client::start(
            &mut os_rng(),
            &keys[who],
            server.public(),
            Binding::Transcript,
        );
        let (state, server_hello) = mutual::Server::new(&server, Binding::Transcript)
            .read_client_hello(&mut os_rng(), &hello)
            .context("the real server")?;
        let (_, auth) = client
            .read_server_hello(&server_hello)
            .context("the real client")?;
        let verdict = state.read_client_auth(&auth, &mine);
        if verdict.is_ok() != expect_in {
            return Err(fail(format!(
                "with your policy, a real server {} {}",
                if expect_in { "refused" } else { "accepted" },
                names[who]
            )));
        }
    }
    Ok(())
}

/// A connection in memory: the bytes a client sends, and what the server wrote.
pub struct Scripted {
    input: std::io::Cursor<Vec<u8>>,
    output: Vec<u8>,
}

impl std::io::Read for Scripted {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.input.read(buf)
    }
}

impl std::io::Write for Scripted {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.output.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Feeds a server `accept` a low-order share as message 1 (32 zero bytes):
/// it must refuse with `NonContributoryShare` before it sends (signs) message 2.
pub fn refuses_low_order_share<T>(
    accept: impl FnOnce(&mut Scripted) -> std::result::Result<T, Box<dyn std::error::Error>>,
) -> Result {
    let mut stream = Scripted {
        input: std::io::Cursor::new(vec![0u8; 32]),
        output: Vec::new(),
    };
    let input = "message 1 = 32 zero bytes (a low-order share), then nothing";
    match accept(&mut stream) {
        Ok(_) => Err(fail(format!(
            "your server accepted a low-order client share\n  input:    {input}"
        ))),
        Err(e) if !stream.output.is_empty() => {
            let refused = matches!(
                e.downcast_ref::<HandshakeError>(),
                Some(HandshakeError::NonContributoryShare)
            );
            Err(fail(format!(
                "your server sent {} bytes (message 2, signed) {} a low-order client share: \
                 compute the shared secret (your 10.1) right after message 1, before you \
                 sign\n  input:    {input}",
                stream.output.len(),
                if refused {
                    "before refusing"
                } else {
                    "and never refused"
                }
            )))
        }
        Err(e) => match e.downcast_ref::<HandshakeError>() {
            Some(HandshakeError::NonContributoryShare) => Ok(()),
            _ => Err(fail(format!(
                "your server refused a low-order client share, but not with \
                 NonContributoryShare\n  input:    {input}\n  got:      {}",
                crate::harness::explain(&*e)
            ))),
        },
    }
}

/// 11.5: the learner's client and server against the real binaries.
pub fn finale() -> Result {
    let dir = scratch_dir("11.5")?;
    let (server_key, client_key, stranger) = (key(), key(), key());
    write_keys(&dir, "server", &server_key)?;
    write_keys(&dir, "client", &client_key)?;
    write_keys(&dir, "stranger", &stranger)?;

    // Your client, the real server.
    let mut server = Running::start(
        "11-mtls-server",
        &[
            "--listen",
            "127.0.0.1:0",
            "--key",
            "server.key",
            "--client-pub",
            "client.pub",
            "--binding",
            "lesson11",
        ],
        &dir,
    )?;
    let address = server.listening_address()?;
    let mut stream = connect(&address)?;
    let (mut sealer, mut opener) =
        lesson11::client::connect(&mut stream, &client_key, &server_key.public()).map_err(|e| {
            fail(format!(
                "your client failed the handshake with the real 11-mtls-server: {}",
                crate::harness::explain(&*e)
            ))
        })?;
    let line = server.next_line(Duration::from_secs(10))?;
    if !line.starts_with("accepted client") {
        return Err(fail(format!(
            "the real 11-mtls-server did not accept your client: it said {line:?}"
        )));
    }
    for i in 0..3 {
        let text = format!("exercise 11.5, message {i}");
        stream
            .write_all(&sealer.seal(text.as_bytes()).context("your seal")?)
            .context("sending")?;
        let reply = read_record(&mut stream).map_err(|e| {
            fail(format!(
                "the real 11-mtls-server hung up instead of echoing your message {i} ({e}): \
                 it could not open your record, so your keys or your sealing differ from \
                 its own (under lesson11: your 10.2 with no salt; the client seals with the \
                 client's write key and IV)"
            ))
        })?;
        let opened = opener
            .open(&reply)
            .context("opening the real server's echo")?;
        crate::harness::same_bytes("the echo", &text, text.as_bytes(), &opened)?;
    }
    drop(stream);

    // The same server, but your client pins another key: it must stop at
    // message 2, before it signs anything.
    let mut stream = connect(&address)?;
    let verdict = lesson11::client::connect(&mut stream, &client_key, &stranger.public());
    drop(stream);
    if verdict.is_ok() {
        return Err(fail(
            "your client accepted the real 11-mtls-server although the pinned key was \
             another server's: check the signature in message 2 (your 10.5) before \
             anything else",
        ));
    }
    let line = server.next_line(Duration::from_secs(10))?;
    if line.starts_with("accepted") {
        return Err(fail(format!(
            "your client refused a server whose key is not the pinned one, but only after \
             sending message 3: it signed for a server it had not authenticated (the server \
             said {line:?}); check message 2 before you send message 3"
        )));
    }
    drop(server);

    // Your server, the real client; then a client your server must refuse.
    let policy = PinnedClient::new(client_key.public(), name("client"));
    let accept = |stream: &mut TcpStream| {
        lesson11::server::accept(stream, &server_key, &policy)
            .map(|(client, sealer, opener)| (client, sealer, opener, Vec::new()))
    };
    refuses_low_order_share(|stream| lesson11::server::accept(stream, &server_key, &policy))?;
    let output = serve_real_client(&dir, "client.key", "lesson11", true, accept)?;
    if output != "hello\nworld\n" {
        return Err(fail(format!(
            "the real 11-mtls-client printed {output:?}, expected the echo \"hello\\nworld\\n\""
        )));
    }
    serve_real_client(&dir, "stranger.key", "lesson11", false, accept)?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// What a learner's server returns: the client, the sealer, the opener,
/// and the plaintext of a first record it already opened (if any).
pub type Served = (ClientIdentity, RecordLayer, RecordLayer, Vec<u8>);

/// Starts the real `11-mtls-client` with `key` and `binding`, accepts it
/// with `accept` (your server), echoes; returns what the client printed.
pub fn serve_real_client(
    dir: &std::path::Path,
    key: &str,
    binding: &str,
    should_accept: bool,
    accept: impl Fn(&mut TcpStream) -> std::result::Result<Served, Box<dyn std::error::Error>>,
) -> Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").context("listening on loopback")?;
    let address = listener
        .local_addr()
        .context("the listening address")?
        .to_string();
    let mut client = Command::new(example("11-mtls-client")?)
        .args([
            "--connect",
            &address,
            "--key",
            key,
            "--server-pub",
            "server.pub",
            "--binding",
            binding,
        ])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting 11-mtls-client")?;
    let mut stdin = client.stdin.take().expect("piped stdin");
    stdin
        .write_all(b"hello\nworld\n")
        .context("writing to 11-mtls-client")?;
    drop(stdin);
    let kill = KillOnDrop(Some(client));
    let (stream, _) = listener.accept().context("accepting the real client")?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .context("a timeout")?;
    let mut stream = stream;
    let accepted = accept(&mut stream);
    match (accepted, should_accept) {
        (Ok((client, mut sealer, mut opener, first)), true) => {
            if client.name.as_str() != "client" {
                return Err(fail(format!(
                    "your server named the client {:?}",
                    client.name.as_str()
                )));
            }
            if !first.is_empty() {
                stream
                    .write_all(&sealer.seal(&first).context("your seal")?)
                    .context("sending")?;
            }
            loop {
                let record = match read_record(&mut stream) {
                    Ok(record) => record,
                    Err(e) if e.kind() == ErrorKind::UnexpectedEof => break,
                    Err(e) => return Err(fail(format!("reading the real client's record: {e}"))),
                };
                let message = opener.open(&record).map_err(|e| {
                    fail(format!(
                        "your server could not open the real client's record: {e}"
                    ))
                })?;
                stream
                    .write_all(&sealer.seal(&message).context("your seal")?)
                    .context("sending")?;
            }
        }
        (Err(e), true) => {
            return Err(fail(format!(
                "your server refused the real 11-mtls-client: {}",
                crate::harness::explain(&*e)
            )));
        }
        (Ok(_), false) => {
            return Err(fail(
                "your server accepted a client whose key is not the pinned one",
            ));
        }
        (Err(_), false) => drop(stream),
    }
    let output = kill.wait(Duration::from_secs(15))?;
    let succeeded = output.0;
    if succeeded != should_accept {
        return Err(fail(format!(
            "the real 11-mtls-client {} (it said: {})",
            if should_accept {
                "failed"
            } else {
                "succeeded although your server refused it"
            },
            output.2.trim()
        )));
    }
    Ok(output.1)
}

/// A child process that is killed unless it finishes in time.
struct KillOnDrop(Option<std::process::Child>);

impl KillOnDrop {
    /// Waits for the child: (exited successfully, stdout, stderr).
    fn wait(mut self, timeout: Duration) -> Result<(bool, String, String)> {
        let mut child = self.0.take().expect("a child");
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().context("waiting for 11-mtls-client")? {
                let mut stdout = String::new();
                let mut stderr = String::new();
                if let Some(mut out) = child.stdout.take() {
                    let _ = out.read_to_string(&mut stdout);
                }
                if let Some(mut err) = child.stderr.take() {
                    let _ = err.read_to_string(&mut stderr);
                }
                return Ok((status.success(), stdout, stderr));
            }
            if started.elapsed() > timeout {
                let _ = child.kill();
                let _ = child.wait();
                return Err(fail("the real 11-mtls-client did not finish in time"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

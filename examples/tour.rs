//! The whole story on loopback, in one process, with no setup:
//!
//! ```console
//! $ cargo run --example tour
//! ```
//!
//! Makes keys in a temporary directory, starts a Lesson 11 server on a free
//! port with an authorized-keys list and a revocation list, and sends
//! clients at it: two it knows, one it does not, one that pinned the wrong
//! server, and one whose key is revoked while the server runs. Each step
//! says what to expect before it happens and checks that it did; the tour
//! exits 1 if anything went differently, so it doubles as a smoke test.
//! It ends with Lesson 13 on one screen: the five attacks of the
//! `13-attack-*` examples, run in-process under both bindings.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use learn_mtls::handshake::{Binding, HandshakeError};
use learn_mtls::keyfile::{self, Overwrite};
use learn_mtls::keys::{IdentityKey, PublicIdentity};
use learn_mtls::net::{self, Connection, Error};
use learn_mtls::trust::files::{Clients, FilePolicy};
use learn_mtls::wire::{CLIENT_AUTH_LEN, CLIENT_HELLO_LEN, MUTUAL_HANDSHAKE_LEN, SERVER_HELLO_LEN};

// Lesson 13's attacks, the ones the `13-attack-*` examples run.
use learn_mtls_kit::attack::{impersonation, low_order, misbinding, record_replay, replay};

const TIMEOUT: Duration = Duration::from_secs(5);

/// The tour's binding: Lesson 11 as taught, like the lesson binaries.
const BINDING: Binding = Binding::InsecureLesson11;

fn main() -> ExitCode {
    // No options: `--help` explains, anything else is refused (exit 2).
    clap::Command::new("tour")
        .about("The whole course on loopback, in one process, with no setup")
        .long_about(
            "The whole course on loopback, in one process, with no setup: makes keys in a \
             temporary directory, starts a Lesson 11 server with an authorized-keys list and a \
             revocation list, sends it five clients, then runs Lesson 13's five attacks under \
             both bindings. Each step says what to expect and checks it; exits 1 if anything \
             went differently. Takes no arguments.",
        )
        .get_matches();
    let dir = std::env::temp_dir().join(format!("learn-mtls-tour-{}", std::process::id()));
    let result = tour(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    match result {
        Ok(()) => {
            println!(
                "\nEvery step went as the lesson says. Next: lessons/11-mutual-authentication.md"
            );
            ExitCode::SUCCESS
        }
        Err(what) => {
            eprintln!("\nTOUR FAILED: {what}");
            ExitCode::FAILURE
        }
    }
}

fn tour(dir: &Path) -> Result<(), String> {
    println!("learn-mtls tour: mutual authentication in {MUTUAL_HANDSHAKE_LEN} bytes");

    step(
        1,
        "Every party gets a long-term Ed25519 identity key (what 11-mtls-genkeys does).",
    );
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let server = make_key(dir, "server")?;
    let alice = make_key(dir, "alice")?;
    let bob = make_key(dir, "bob")?;
    let mallory = make_key(dir, "mallory")?;

    step(
        2,
        "The operator lists who may connect, by name, and starts the server.",
    );
    let authorized = dir.join("authorized_keys");
    let revoked = dir.join("revoked_keys");
    let list = format!(
        "# <public key> <name>\n{} alice\n{} bob\n",
        alice.public, bob.public
    );
    write_atomically(&authorized, &list)?;
    write_atomically(
        &revoked,
        "# <public key> [comment]: refused even when authorized\n",
    )?;
    println!("   authorized_keys: alice, bob        revoked_keys: (empty)");
    let (addr, server_log) = start_server(server.key, &authorized, &revoked)?;
    println!("   listening on {addr}");

    step(
        3,
        "Alice, then Bob, connect, pinning the server's public key. Both sides sign; both verify.",
    );
    println!(
        "   on the wire: {CLIENT_HELLO_LEN} bytes ->, <- {SERVER_HELLO_LEN} bytes, {CLIENT_AUTH_LEN} bytes -> \
         ({MUTUAL_HANDSHAKE_LEN} in all)"
    );
    let reply = talk(addr, &alice.key, server.public, "hello from alice")
        .map_err(|e| format!("alice failed: {e}"))?;
    println!("   alice sent \"hello from alice\", the server echoed \"{reply}\"");
    expect_server(&server_log, "accepted alice ")?;
    let reply = talk(addr, &bob.key, server.public, "hello from bob")
        .map_err(|e| format!("bob failed: {e}"))?;
    println!("   bob sent \"hello from bob\", the server echoed \"{reply}\"");
    expect_server(&server_log, "accepted bob ")?;
    println!("   (the server names each client from its list: it knows *who*, not just *that*.)");

    step(4, "Mallory connects with a key that is on no list.");
    match talk(addr, &mallory.key, server.public, "let me in") {
        Err(Error::Closed(_)) => println!("   mallory: the connection closed without a reply"),
        other => return Err(format!("mallory should have been refused, got {other:?}")),
    }
    expect_server(&server_log, "rejected")?;
    println!(
        "   (her signature was valid: she holds her key. The server simply does not trust that key.)"
    );

    step(
        5,
        "Alice connects again, but pins the wrong server key (mallory's), as if mallory ran this server.",
    );
    match talk(addr, &alice.key, mallory.public, "hello?") {
        Err(Error::Handshake(e @ HandshakeError::ServerSignatureInvalid)) => {
            println!("   alice aborts: {e}")
        }
        other => return Err(format!("alice should have aborted, got {other:?}")),
    }
    expect_server(&server_log, "rejected")?;
    println!(
        "   (alice stopped before signing anything: she never proves herself to a server she doesn't trust.)"
    );

    step(
        6,
        "Bob's laptop is stolen. The operator revokes his key while the server keeps running.",
    );
    let revocation = format!("{} bob: laptop stolen\n", bob.public);
    write_atomically(&revoked, &revocation)?;
    println!("   revoked_keys now lists bob's key (written to a copy, then renamed into place)");
    match talk(addr, &bob.key, server.public, "it's me, bob") {
        Err(Error::Closed(_)) => println!("   bob: the connection closed without a reply"),
        other => return Err(format!("bob should have been refused, got {other:?}")),
    }
    expect_server(&server_log, "rejected")?;
    talk(addr, &alice.key, server.public, "still fine?")
        .map_err(|e| format!("alice failed: {e}"))?;
    expect_server(&server_log, "accepted alice ")?;
    println!(
        "   (revocation beats authorization, takes effect on the next connection, and needs no restart.)"
    );

    attacks()?;
    certificates()?;

    println!("\nSummary");
    println!("   alice and bob, authorized keys         accepted by name, messages echoed");
    println!(
        "   mallory, unknown key                   refused by the server after her signature checked"
    );
    println!("   alice, wrong server pin                aborted by alice before sending message 3");
    println!("   bob, after his key was revoked         refused; alice still accepted");
    println!("\nThis tour used --binding {BINDING}, the protocol exactly as Lesson 11 teaches it.");
    println!(
        "Step 7 showed why the library's default, --binding transcript, signs more than that."
    );

    Ok(())
}

/// Lesson 13 in one screen: each attack under both bindings, as a table.
fn attacks() -> Result<(), String> {
    step(
        7,
        "Lesson 13 in one screen: five attacks, each run against both bindings.",
    );
    // An attack's outcome in words, and whether it is the taught one.
    type Attack = fn(Binding) -> Result<(String, bool), String>;
    let attacks: [(&str, Attack); 5] = [
        ("1 replay a handshake", |b| {
            replay::replay(b).map(|r| (r.outcome, r.as_taught))
        }),
        ("2 insider misbinding", |b| {
            misbinding::misbinding(b).map(|r| (r.outcome, r.as_taught))
        }),
        ("3 low-order share", |b| {
            low_order::low_order(b).map(|r| (r.outcome, r.as_taught))
        }),
        ("4 replay a record", |b| {
            record_replay::record_replay(b).map(|r| (r.outcome, r.as_taught))
        }),
        ("5 impersonate server", |b| {
            impersonation::impersonation(b).map(|r| (r.outcome, r.as_taught))
        }),
    ];
    let mut rows = Vec::new();
    for (name, attack) in attacks {
        let (lesson11, taught_11) = attack(Binding::InsecureLesson11)?;
        let (transcript, taught_t) = attack(Binding::Transcript)?;
        if !(taught_11 && taught_t) {
            return Err(format!("attack {name:?} did not go as Lesson 13 teaches"));
        }
        rows.push((name, lesson11, transcript));
    }
    let width = rows.iter().map(|row| row.1.len()).max().unwrap_or(0);
    println!(
        "   {:<22} {:<width$}  --binding transcript",
        "attack", "--binding lesson11"
    );
    for (name, lesson11, transcript) in rows {
        println!("   {name:<22} {lesson11:<width$}  {transcript}");
    }
    println!(
        "   (each row is `cargo run --example 13-attack-...`; lessons/13-breaking-lesson-11.md explains it.)"
    );
    Ok(())
}

/// Replaces a file the way operators should: write a copy, then rename it
/// over the original, so the server never reads half a file.
fn write_atomically(path: &Path, contents: &str) -> Result<(), String> {
    let copy = path.with_extension("new");
    std::fs::write(&copy, contents)
        .and_then(|()| std::fs::rename(&copy, path))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn step(number: u32, text: &str) {
    println!("\n{number}. {text}");
}

struct Party {
    key: IdentityKey,
    public: PublicIdentity,
}

/// Writes NAME.key and NAME.pub, then reads them back as the binaries would.
fn make_key(dir: &Path, name: &str) -> Result<Party, String> {
    let key = IdentityKey::generate(&mut net::os_rng());
    let (secret_path, public_path): (PathBuf, PathBuf) =
        keyfile::write_pair(dir, name, &key, Overwrite::Never).map_err(|e| e.to_string())?;
    let key = keyfile::read_secret(&secret_path).map_err(|e| e.to_string())?;
    let public = keyfile::read_public(&public_path).map_err(|e| e.to_string())?;
    println!(
        "   {name:8} {}  fingerprint {}",
        public_path.display(),
        public.fingerprint()
    );
    Ok(Party { key, public })
}

/// Runs the server on its own threads; each accepted/rejected line comes
/// back over a channel so the tour can print it in order.
fn start_server(
    key: IdentityKey,
    authorized: &Path,
    revoked: &Path,
) -> Result<(SocketAddr, Receiver<String>), String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot listen: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let policy = FilePolicy::open(
        Clients::AuthorizedFile(authorized.to_path_buf()),
        Some(revoked),
    )
    .map_err(|e| e.to_string())?;
    let key = Arc::new(key);
    let (log, lines) = mpsc::channel::<String>();
    let log = std::sync::Mutex::new(log);
    let report = move |line: String| {
        if let Ok(log) = log.lock() {
            let _ = log.send(line);
        }
    };
    std::thread::spawn(move || {
        net::serve(&listener, net::Limits::DEFAULT, move |conn: Connection| {
            // As the real server does: pick up edits to the lists first.
            policy.refresh();
            match net::accept_tcp(conn.stream, &key, &policy, BINDING, TIMEOUT) {
                Ok((mut channel, client)) => {
                    report(format!("accepted {client} from {}", conn.peer));
                    let _ = net::echo_back(&mut channel);
                }
                Err(e) => report(format!("rejected {}: {e}", conn.peer)),
            }
        })
    });
    Ok((addr, lines))
}

/// One client connection: handshake, one message, one reply.
fn talk(
    addr: SocketAddr,
    key: &IdentityKey,
    server: PublicIdentity,
    message: &str,
) -> Result<String, Error> {
    let stream = TcpStream::connect(addr).map_err(|e| Error::Io(net::Stage::ClientHello, e))?;
    let mut channel = net::connect_tcp(stream, key, server, BINDING, TIMEOUT)?;
    channel.send(message.as_bytes())?;
    let reply = channel.recv()?.ok_or(Error::Closed(net::Stage::Records))?;
    Ok(String::from_utf8_lossy(&reply).into_owned())
}

/// Waits for the server's line about the last connection and checks how it begins.
fn expect_server(lines: &Receiver<String>, beginning: &str) -> Result<(), String> {
    let line = lines.recv_timeout(TIMEOUT).map_err(|_| {
        format!("the server printed nothing (expected a line beginning {beginning:?})")
    })?;
    println!("   server: {line}");
    if line.starts_with(beginning) {
        Ok(())
    } else {
        Err(format!(
            "expected the server to print a line beginning {beginning:?}"
        ))
    }
}

/// Lesson 15 in one step: one CA key instead of lists of keys.
fn certificates() -> Result<(), String> {
    use learn_mtls::cert::crl::RevocationList;
    use learn_mtls::cert::verify::{Chain, Role, Root, StaleCrl, Verifier};
    use learn_mtls::cert::{CertificateBody, Usage};
    use learn_mtls::trust::ClientName;

    step(
        8,
        "Lesson 15: the server trusts one CA key; the CA signs a certificate for each client.",
    );
    let rng = &mut net::os_rng();
    let (ca, alice) = (IdentityKey::generate(rng), IdentityKey::generate(rng));
    let now = 1_796_115_600; // 2026-12-01T09:00:00Z
    let body = |usage, name: &str, key: &IdentityKey, serial| CertificateBody {
        usage,
        name: ClientName::new(name).expect("a valid name"),
        key: key.public(),
        serial,
        not_before: now,
        not_after: now + 7 * 86_400,
        issuer: ca.public(),
    };
    let sign = |b: CertificateBody| b.sign(&ca).map_err(|e| e.to_string());
    let ca_body = CertificateBody {
        not_after: now + 3650 * 86_400,
        ..body(Usage::Ca { path_len: 0 }, "tour-ca", &ca, 1)
    };
    let root = Root::new(sign(ca_body)?).map_err(|e| e.to_string())?;
    let chain = Chain::leaf(sign(body(Usage::Client, "alice", &alice, 2))?);
    let check = |now, lists: &[RevocationList<'_>]| {
        Verifier {
            root: &root,
            now,
            crls: lists,
            stale: StaleCrl::Refuse,
        }
        .verify_chain(&chain, Role::Client, None)
    };
    let peer = check(now + 86_400, &[]).map_err(|e| e.to_string())?;
    println!("   day 1: accepted {peer}, no list of keys on the server");
    match check(now + 8 * 86_400, &[]) {
        Err(e) => println!("   day 8: {e}"),
        Ok(_) => return Err("an expired certificate was accepted".to_owned()),
    }
    let mut buf = [0u8; 128];
    let len = RevocationList::sign_into(&ca, (now, now + 86_400), &[2], &mut buf)
        .map_err(|e| e.to_string())?;
    let list = RevocationList::from_bytes(&buf[..len]).map_err(|e| e.to_string())?;
    match check(now + 3600, &[list]) {
        Err(e) => println!("   day 1, after the CA revoked serial 2: {e}"),
        Ok(_) => return Err("a revoked certificate was accepted".to_owned()),
    }
    println!(
        "   (cargo run --example 15-ca and 15-mtls-server do this with files; lessons/15-certificates.md)"
    );
    Ok(())
}

//! The whole story on loopback, in one process, with no setup:
//!
//! ```console
//! $ cargo run --example tour
//! ```
//!
//! Makes keys in a temporary directory, starts a Lesson 11 server on a free
//! port, and sends three clients at it: one it knows, one it does not, and
//! one that pinned the wrong server. Each step says what to expect before
//! it happens and checks that it did; the tour exits 1 if anything went
//! differently, so it doubles as a smoke test.

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
use learn_mtls::trust::{ClientName, PinnedClient};
use learn_mtls::wire::{CLIENT_AUTH_LEN, CLIENT_HELLO_LEN, MUTUAL_HANDSHAKE_LEN, SERVER_HELLO_LEN};

const TIMEOUT: Duration = Duration::from_secs(5);

/// The tour's binding: Lesson 11 as taught, like the lesson binaries.
const BINDING: Binding = Binding::InsecureLesson11;

fn main() -> ExitCode {
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
    println!("learn-mtls tour: mutual authentication in {MUTUAL_HANDSHAKE_LEN} bytes\n");

    step(
        1,
        "Every party gets a long-term Ed25519 identity key (what 11-mtls-genkeys does).",
    );
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let server = make_key(dir, "server")?;
    let alice = make_key(dir, "alice")?;
    let mallory = make_key(dir, "mallory")?;

    step(
        2,
        "The server starts, knowing one client key: alice's (like --client-pub alice.pub).",
    );
    let (addr, server_log) = start_server(server.key, alice.public)?;
    println!("   listening on {addr}");

    step(
        3,
        "Alice connects, pinning the server's public key. Both sides sign; both verify.",
    );
    println!(
        "   on the wire: {CLIENT_HELLO_LEN} bytes ->, <- {SERVER_HELLO_LEN} bytes, {CLIENT_AUTH_LEN} bytes -> \
         ({MUTUAL_HANDSHAKE_LEN} in all)"
    );
    let reply = talk(addr, &alice.key, server.public, "hello from alice")
        .map_err(|e| format!("alice failed: {e}"))?;
    println!("   alice sent \"hello from alice\", the server echoed \"{reply}\"");
    expect_server(&server_log, "accepted alice")?;

    step(4, "Mallory connects with a key the server has never seen.");
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

    println!("\nSummary");
    println!("   alice, known key, right server pin     accepted, message echoed");
    println!(
        "   mallory, unknown key                   refused by the server after her signature checked"
    );
    println!("   alice, wrong server pin                aborted by alice before sending message 3");
    println!("\nThis tour used --binding {BINDING}, the protocol exactly as Lesson 11 teaches it.");
    println!(
        "Lesson 13 shows why the library's default, --binding transcript, signs more than that."
    );
    Ok(())
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
    alice: PublicIdentity,
) -> Result<(SocketAddr, Receiver<String>), String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot listen: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let policy = PinnedClient::new(alice, ClientName::new("alice").map_err(|e| e.to_string())?);
    let key = Arc::new(key);
    let (log, lines) = mpsc::channel();
    std::thread::spawn(move || {
        let log = std::sync::Mutex::new(log);
        let _ = net::serve(&listener, 16, move |conn: Connection| {
            let line = match net::accept_tcp(conn.stream, &key, &policy, BINDING, TIMEOUT) {
                Ok((mut channel, client)) => {
                    let line = format!("accepted {client} from {}", conn.peer);
                    if let Ok(log) = log.lock() {
                        let _ = log.send(line);
                    }
                    let _ = net::echo_back(&mut channel);
                    return;
                }
                Err(e) => format!("rejected {}: {e}", conn.peer),
            };
            if let Ok(log) = log.lock() {
                let _ = log.send(line);
            }
        });
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

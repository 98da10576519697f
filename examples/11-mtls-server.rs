//! Lesson 11: the server of the mutual handshake.
//!
//! ```console
//! $ cargo run --example 11-mtls-server -- --listen 127.0.0.1:7011 --key server.key --client-pub client.pub
//! listening on 127.0.0.1:7011
//! accepted client (fingerprint 3f1c0e2a9b4d5e6f) from 127.0.0.1:52144
//! ```
//!
//! Every connection gets exactly one line on standard output: `accepted`
//! with who, or `rejected` with why. Accepted clients get each message
//! echoed back, encrypted. Each connection runs on its own thread with a
//! deadline on its handshake.
//!
//! Exercises 2 to 4 swap the one pinned key for lists:
//!
//! ```console
//! $ cargo run --example 11-mtls-server -- --listen 127.0.0.1:7011 --key server.key \
//!       --authorized authorized_keys --revoked revoked_keys
//! ```
//!
//! Both files are checked again as each connection arrives and before each
//! message is echoed, so adding a client needs no restart and revoking one
//! also ends the sessions it has open. Reload notices go to standard error;
//! problems start with `WARNING`.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use learn_mtls::handshake::{Binding, Config};
use learn_mtls::keyfile;
use learn_mtls::net::{self, Channel, Connection, Limits};
use learn_mtls::schedule::KeySchedule;
use learn_mtls::trust::files::{Clients, FilePolicy};
use learn_mtls::trust::{ClientIdentity, TrustPolicy};
use learn_mtls::trust::{ClientName, PinnedClient};

#[derive(Parser)]
#[command(about = "Lesson 11 server: mutual authentication with a pinned client key or a list")]
#[command(group(clap::ArgGroup::new("clients").required(true).args(["client_pub", "authorized"])))]
struct Args {
    /// Address to listen on, HOST:PORT (port 0 picks a free port).
    #[arg(long)]
    listen: String,
    /// The server's secret key file.
    #[arg(long)]
    key: PathBuf,
    /// The one client public key to accept (exercise 1): a `.pub` file, or an OpenSSH
    /// `ssh-ed25519 AAAA...` one.
    #[arg(long)]
    client_pub: Option<PathBuf>,
    /// An authorized-keys file: `<64 hex> <name>` or `ssh-ed25519 <base64> <name>` per line
    /// (exercise 2).
    #[arg(long)]
    authorized: Option<PathBuf>,
    /// A revocation file: `<64 hex>` or `ssh-ed25519 <base64>` per line, then an optional
    /// comment; refused even when authorized (exercise 4).
    #[arg(long)]
    revoked: Option<PathBuf>,
    /// What the signatures cover: `lesson11` (as taught) or `transcript`.
    #[arg(long, default_value = "lesson11")]
    binding: Binding,
    /// How keys are derived: `hkdf` (Lessons 10-11) or `tls12-prf` (Lesson 12).
    #[arg(long, default_value = "hkdf")]
    schedule: KeySchedule,
    /// Seconds a client has to complete its handshake.
    #[arg(long, default_value_t = 10)]
    handshake_timeout: u64,
    /// Most handshakes in progress at once; more connections are refused.
    #[arg(long, default_value_t = Limits::DEFAULT.max_pending)]
    max_pending: usize,
    /// Most connections open at once, handshaking or not.
    #[arg(long, default_value_t = Limits::DEFAULT.max_connections)]
    max_connections: usize,
    /// Seconds an authenticated client may stay silent before it is dropped.
    #[arg(long, default_value_t = 300)]
    idle_timeout: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let key = match keyfile::read_secret(&args.key) {
        Ok(key) => Arc::new(key),
        Err(e) => return fail(&e),
    };
    let clients = match (&args.authorized, &args.client_pub) {
        (Some(file), _) => Clients::AuthorizedFile(file.clone()),
        (None, Some(file)) => match pinned(file) {
            Ok(pinned) => Clients::Pinned(pinned),
            Err(e) => return fail(&e),
        },
        (None, None) => return fail(&"give --client-pub FILE or --authorized FILE"),
    };
    let policy = match FilePolicy::open(clients, args.revoked.as_deref()) {
        Ok(policy) => policy,
        Err(e) => return fail(&e),
    };

    let listener = match TcpListener::bind(&args.listen) {
        Ok(listener) => listener,
        Err(e) => {
            return fail(&format!(
                "cannot listen on {}: {e} (expected HOST:PORT such as 127.0.0.1:7011; \
                 if the port is in use, is another server still running?)",
                args.listen
            ));
        }
    };
    match listener.local_addr() {
        Ok(addr) => println!("listening on {addr}"),
        Err(e) => return fail(&e),
    }
    let clients = policy.client_count();
    if clients == 0 {
        eprintln!("WARNING: no client is authorized: every connection will be refused");
    }
    match (&args.revoked, policy.revoked_count()) {
        (None, _) => eprintln!("trusting {clients} client(s); no revocation list"),
        (Some(_), Some(revoked)) => {
            eprintln!("trusting {clients} client(s); {revoked} revoked key(s)")
        }
        (Some(_), None) => eprintln!(
            "trusting {clients} client(s); revocation list unavailable: refusing everyone"
        ),
    }

    let config = Config {
        binding: args.binding,
        schedule: args.schedule,
    };
    let timeout = Duration::from_secs(args.handshake_timeout);
    let idle = Duration::from_secs(args.idle_timeout);
    let limits = Limits {
        max_pending: args.max_pending,
        max_connections: args.max_connections,
    };
    net::serve(&listener, limits, move |conn: Connection| {
        let Connection {
            stream, peer, slot, ..
        } = conn;
        let slot = match slot {
            Ok(slot) => slot,
            Err(busy) => return println!("rejected {peer}: {busy}"),
        };
        // Pick up edits to the key lists before deciding about this client.
        refresh(&policy);
        match net::accept_tcp(stream, &key, &policy, config, timeout) {
            Ok((mut channel, client)) => {
                drop(slot);
                println!("accepted {client} from {peer}");
                if let Err(why) = echo_while_trusted(&mut channel, &client, &policy, idle) {
                    eprintln!("closed {peer} ({}): {why}", client.name);
                }
            }
            Err(e) => println!("rejected {peer}: {e}"),
        }
    })
}

/// Re-reads the key lists if they changed, and says what happened.
fn refresh(policy: &FilePolicy) {
    for notice in policy.refresh() {
        if notice.is_problem() {
            eprintln!("WARNING: {notice}");
        } else {
            eprintln!("{notice}");
        }
    }
}

/// Echoes each message back, asking the policy again before each one: a
/// key revoked while its session is open loses the session at its next
/// message, not only at its next connection.
fn echo_while_trusted(
    channel: &mut Channel<std::net::TcpStream>,
    client: &ClientIdentity,
    policy: &FilePolicy,
    idle: Duration,
) -> Result<(), String> {
    channel
        .set_idle_timeout(Some(idle))
        .map_err(|e| e.to_string())?;
    while let Some(message) = channel.recv().map_err(|e| e.to_string())? {
        refresh(policy);
        if let Err(refusal) = policy.check(&client.key) {
            return Err(format!("no longer trusted: {refusal}"));
        }
        channel.send(&message).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The client pinned with --client-pub, named after its file: client.pub -> "client".
fn pinned(file: &std::path::Path) -> Result<PinnedClient, keyfile::KeyFileError> {
    let key = keyfile::read_public(file)?;
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("client");
    let name = ClientName::new(stem).or_else(|_| ClientName::new("client"));
    Ok(PinnedClient::new(
        key,
        name.expect("\"client\" is a valid name"),
    ))
}

fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::FAILURE
}

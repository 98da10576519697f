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

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use learn_mtls::handshake::{Binding, Config};
use learn_mtls::keyfile;
use learn_mtls::net::{self, Connection};
use learn_mtls::schedule::KeySchedule;
use learn_mtls::trust::{ClientName, PinnedClient};

#[derive(Parser)]
#[command(about = "Lesson 11 server: mutual authentication with a pinned client key")]
struct Args {
    /// Address to listen on, HOST:PORT (port 0 picks a free port).
    #[arg(long)]
    listen: String,
    /// The server's secret key file.
    #[arg(long)]
    key: PathBuf,
    /// The one client public key to accept.
    #[arg(long)]
    client_pub: PathBuf,
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
    #[arg(long, default_value_t = 64)]
    max_pending: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let key = match keyfile::read_secret(&args.key) {
        Ok(key) => Arc::new(key),
        Err(e) => return fail(&e),
    };
    let client_key = match keyfile::read_public(&args.client_pub) {
        Ok(client_key) => client_key,
        Err(e) => return fail(&e),
    };
    // The pinned client is named after its file: client.pub -> "client".
    let stem = args
        .client_pub
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("client");
    let name = ClientName::new(stem).unwrap_or(ClientName::new("client").expect("a valid name"));
    let policy = PinnedClient::new(client_key, name);

    let listener = match TcpListener::bind(&args.listen) {
        Ok(listener) => listener,
        Err(e) => return fail(&format!("cannot listen on {}: {e}", args.listen)),
    };
    match listener.local_addr() {
        Ok(addr) => println!("listening on {addr}"),
        Err(e) => return fail(&e),
    }

    let config = Config {
        binding: args.binding,
        schedule: args.schedule,
    };
    let timeout = Duration::from_secs(args.handshake_timeout);
    let served = net::serve(&listener, args.max_pending, move |conn: Connection| {
        let Connection { stream, peer, slot } = conn;
        let Some(slot) = slot else {
            println!("rejected {peer}: too many handshakes in progress");
            return;
        };
        match net::accept_tcp(stream, &key, &policy, config, timeout) {
            Ok((mut channel, client)) => {
                drop(slot);
                println!("accepted {client} from {peer}");
                if let Err(e) = net::echo_back(&mut channel) {
                    eprintln!("closed {peer} ({}): {e}", client.name);
                }
            }
            Err(e) => println!("rejected {peer}: {e}"),
        }
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::FAILURE
}

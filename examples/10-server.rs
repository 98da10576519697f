//! Lesson 10: a server that proves who it is to anonymous clients.
//!
//! ```console
//! $ cargo run --example 11-mtls-genkeys -- server
//! $ cargo run --example 10-server -- --listen 127.0.0.1:7010 --key server.key
//! listening on 127.0.0.1:7010
//! accepted anonymous client from 127.0.0.1:52144
//! ```
//!
//! The same conventions as `11-mtls-server`, minus the client key: the
//! server has no idea who connected. Compare the two to see exactly what
//! mutual authentication adds.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use learn_mtls::handshake::{Binding, Config};
use learn_mtls::keyfile;
use learn_mtls::net::log::Log;
use learn_mtls::net::{self, Connection, Limits};
use learn_mtls::schedule::KeySchedule;

#[derive(Parser)]
#[command(
    about = "Lesson 10 server: only the server is authenticated",
    long_about = "Lesson 10 server: only the server is authenticated.\n\n\
        Proves its key to anonymous clients and echoes each message back, encrypted: \
        10-client sends each line of its standard input and prints the echo. First line of \
        output: `listening on HOST:PORT`; then one line per connection."
)]
struct Args {
    /// Address to listen on, HOST:PORT (port 0 picks a free port).
    #[arg(long)]
    listen: String,
    /// The server's secret key file.
    #[arg(long)]
    key: PathBuf,
    /// What the server's signature covers: `lesson11` (its bare share, as Lessons 10 and 11
    /// teach; the name is the binding's, shared by both lessons) or `transcript`. Clients
    /// must use the same.
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
    /// Seconds a client may stay silent after the handshake before it is dropped.
    #[arg(long, default_value_t = 300)]
    idle_timeout: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let key = match keyfile::read_secret(&args.key) {
        Ok(key) => Arc::new(key),
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
    // Every line from here on goes through the log: it never blocks
    // serving and never panics, whatever standard output is (Lesson 14).
    let log = Log::stdio();
    match listener.local_addr() {
        Ok(addr) => log.out(format!("listening on {addr}")),
        Err(e) => return fail(&e),
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
        ..Limits::DEFAULT
    };
    net::serve(&listener, limits, move |conn: Connection| {
        let Connection {
            stream, peer, slot, ..
        } = conn;
        let slot = match slot {
            Ok(slot) => slot,
            Err(busy) => return log.refusal(format!("rejected {peer}: {busy}")),
        };
        match net::accept_anonymous_tcp(stream, &key, config, timeout) {
            Ok(mut channel) => {
                drop(slot);
                // All the server can say about its client is where it came from.
                log.out(format!("accepted anonymous client from {peer}"));
                let echoed = channel
                    .set_idle_timeout(Some(idle))
                    .map_err(|e| net::Error::Io(net::Stage::Records, e))
                    .and_then(|()| net::echo_back(&mut channel));
                if let Err(e) = echoed {
                    log.err(format!("closed {peer}: {e}"));
                }
            }
            Err(e) => log.refusal(format!("rejected {peer}: {e}")),
        }
    })
}

fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    // A closed standard error is no reason to panic.
    let _ = std::io::Write::write_fmt(&mut std::io::stderr(), format_args!("error: {e}\n"));
    ExitCode::FAILURE
}

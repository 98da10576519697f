//! Lesson 10: an anonymous client that insists on one server.
//!
//! ```console
//! $ echo hello | cargo run --example 10-client -- --connect 127.0.0.1:7010 --server-pub server.pub
//! hello
//! ```
//!
//! Sends each line of standard input and prints each reply; exits 0 at the
//! end of input, 1 with a reason on any failure.

use std::io;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use learn_mtls::handshake::{Binding, Config, HandshakeError};
use learn_mtls::keyfile;
use learn_mtls::net::{self, Error, Stage};
use learn_mtls::record::{MAX_PLAINTEXT_LEN, RecordError};
use learn_mtls::schedule::KeySchedule;

#[derive(Parser)]
#[command(about = "Lesson 10 client: authenticates the server, stays anonymous")]
struct Args {
    /// Server address, HOST:PORT.
    #[arg(long)]
    connect: String,
    /// The server's public key file: the only server this client will talk to.
    #[arg(long)]
    server_pub: PathBuf,
    /// What the signature covers: `lesson11` (as taught) or `transcript`.
    #[arg(long, default_value = "lesson11")]
    binding: Binding,
    /// How keys are derived: `hkdf` (Lessons 10-11) or `tls12-prf` (Lesson 12).
    #[arg(long, default_value = "hkdf")]
    schedule: KeySchedule,
    /// Seconds to wait for the handshake.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
}

impl Args {
    fn config(&self) -> Config {
        Config {
            binding: self.binding,
            schedule: self.schedule,
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let server = keyfile::read_public(&args.server_pub).map_err(|e| e.to_string())?;
    let stream = TcpStream::connect(&args.connect).map_err(|e| {
        format!(
            "cannot connect to {}: {e} (is the server running, on that HOST:PORT?)",
            args.connect
        )
    })?;
    let timeout = Duration::from_secs(args.timeout);
    let explain = |e: Error| match e {
        Error::Handshake(HandshakeError::ServerSignatureInvalid) => format!(
            "the server's signature does not match the pinned key in {}: this is not the server \
             you pinned (or it runs a different --binding or --schedule than {} and {})",
            args.server_pub.display(),
            args.binding,
            args.schedule
        ),
        Error::Closed(Stage::FirstReply | Stage::Records) => {
            "the server closed the connection (it stopped, or dropped us after a long silence)"
                .to_owned()
        }
        Error::Record(RecordError::PlaintextTooLong { len }) => format!(
            "an input line is {len} bytes; each line travels as one record of at most {MAX_PLAINTEXT_LEN} bytes"
        ),
        other => other.to_string(),
    };
    let mut channel =
        net::connect_anonymous_tcp(stream, server, args.config(), timeout).map_err(explain)?;
    eprintln!(
        "handshake done: the server proved it holds {}",
        args.server_pub.display()
    );
    net::echo_lines(&mut channel, io::stdin().lock(), io::stdout().lock()).map_err(explain)
}

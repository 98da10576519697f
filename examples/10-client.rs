//! Lesson 10: an anonymous client that insists on one server.
//!
//! ```console
//! $ echo hello | cargo run --example 10-client -- --connect 127.0.0.1:7010 --server-pub server.pub
//! hello
//! ```
//!
//! Sends each line of standard input as one encrypted message and prints
//! the server's reply, which is the same line echoed back; exits 0 at the
//! end of input, 1 with a reason on any failure.

use std::io;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use learn_mtls::handshake::{Binding, Config, Handshake, HandshakeError};
use learn_mtls::keyfile;
use learn_mtls::net::{self, Error, Stage};
use learn_mtls::record::{MAX_PLAINTEXT_LEN, RecordError};
use learn_mtls::schedule::KeySchedule;

#[derive(Parser)]
#[command(
    about = "Lesson 10 client: authenticates the server, stays anonymous",
    long_about = "Lesson 10 client: authenticates the server, stays anonymous.\n\n\
        Sends each line of standard input as one encrypted message and prints the reply \
        (a Lesson 10 server echoes each message back). A line ends at \\n; the \\n, and a \\r \
        just before it, are not sent. Lines are sent as bytes, UTF-8 or not, at most 16384 \
        bytes each. Exits 0 at the end of input; otherwise exits 1 saying what failed."
)]
struct Args {
    /// Server address, HOST:PORT.
    #[arg(long)]
    connect: String,
    /// The server's public key file (64 hex characters, or an OpenSSH `ssh-ed25519 AAAA...`
    /// line): the only server this client will talk to.
    #[arg(long)]
    server_pub: PathBuf,
    /// What the server's signature covers: `lesson11` (its bare share, as Lessons 10 and 11
    /// teach; the name is the binding's, shared by both lessons) or `transcript`. Must match
    /// the server's.
    #[arg(long, default_value = "lesson11")]
    binding: Binding,
    /// How keys are derived: `hkdf` (Lessons 10-11) or `tls12-prf` (Lesson 12).
    #[arg(long, default_value = "hkdf")]
    schedule: KeySchedule,
    /// Seconds to wait for the handshake.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
    /// Seconds to wait for each reply (a Lesson 10 server echoes at once).
    #[arg(long, default_value_t = 5)]
    reply_timeout: u64,
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
        Error::ServerSpeaksOther(guess) => format!(
            "{} answered with the pinned key, but {guess}; this client speaks Lesson 10 with \
             --binding {} --schedule {}{}",
            args.connect,
            args.binding,
            args.schedule,
            if guess.handshake == Some(Handshake::Mutual) {
                " (a Lesson 11 server needs 11-mtls-client)"
            } else {
                ""
            }
        ),
        Error::TimedOut(Stage::FirstReply) => format!(
            "no reply within {}s to the first message, though a Lesson 10 server echoes at once: \
             this looks like a Lesson 11 server, which after message 2 waits for message 3 (the \
             client's key and signature) that a Lesson 10 client never sends; use 11-mtls-client \
             with a key the server accepts",
            args.reply_timeout
        ),
        Error::Closed(Stage::FirstReply) => {
            "the server closed the connection before its first reply (it stopped, or it is a \
             Lesson 11 server, which takes the first message for message 3 and refuses it; \
             use 11-mtls-client)"
                .to_owned()
        }
        Error::TimedOut(Stage::Records) => format!(
            "no reply within {}s (--reply-timeout): the server is stuck or overloaded",
            args.reply_timeout
        ),
        Error::Closed(Stage::Records) => {
            "the server closed the connection (it stopped, or dropped us after a long silence)"
                .to_owned()
        }
        Error::Input(e) => format!("cannot read standard input: {e}"),
        Error::InputLineTooLong { line } => format!(
            "line {line} of standard input is longer than {MAX_PLAINTEXT_LEN} bytes; each line \
             travels as one record of at most {MAX_PLAINTEXT_LEN} bytes"
        ),
        Error::Record(RecordError::PlaintextTooLong { len }) => format!(
            "an input line is {len} bytes; each line travels as one record of at most {MAX_PLAINTEXT_LEN} bytes"
        ),
        other => other.to_string(),
    };
    let mut channel =
        net::connect_anonymous_tcp(stream, server, args.config(), timeout).map_err(explain)?;
    // A reply that does not come at once is the sign of a Lesson 11 server.
    channel
        .set_idle_timeout(Some(Duration::from_secs(args.reply_timeout)))
        .map_err(|e| format!("cannot set the reply timeout: {e}"))?;
    eprintln!(
        "handshake done: the server proved it holds {}",
        args.server_pub.display()
    );
    net::echo_lines(&mut channel, io::stdin().lock(), io::stdout().lock()).map_err(explain)
}

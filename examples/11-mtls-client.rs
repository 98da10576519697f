//! Lesson 11: the client of the mutual handshake.
//!
//! ```console
//! $ echo hello | cargo run --example 11-mtls-client -- --connect 127.0.0.1:7011 --key client.key --server-pub server.pub
//! hello
//! ```
//!
//! Sends each line of standard input as one encrypted message and prints
//! the server's reply, which is the same line echoed back. Exits 0 at the
//! end of input; on any failure it exits 1 and says what failed.

use std::io;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use learn_mtls::handshake::{Binding, Config, Handshake, HandshakeError};
use learn_mtls::identity::Identity;
use learn_mtls::kex::Kex;
use learn_mtls::keyfile;
use learn_mtls::net::{self, Error, Stage};
use learn_mtls::record::{MAX_PLAINTEXT_LEN, RecordError};
use learn_mtls::schedule::KeySchedule;

#[derive(Parser)]
#[command(
    about = "Lesson 11 client: mutual authentication with a pinned server key",
    long_about = "Lesson 11 client: mutual authentication with a pinned server key.\n\n\
        Sends each line of standard input as one encrypted message and prints the reply \
        (a Lesson 11 server echoes each message back). A line ends at \\n; the \\n, and a \\r \
        just before it, are not sent. Lines are sent as bytes, UTF-8 or not, at most 16384 \
        bytes each. Exits 0 at the end of input; otherwise exits 1 saying what failed."
)]
struct Args {
    /// Server address, HOST:PORT.
    #[arg(long)]
    connect: String,
    /// This client's secret key file.
    #[arg(long)]
    key: PathBuf,
    /// The server's public key file (64 hex characters, or an OpenSSH `ssh-ed25519 AAAA...`
    /// line): the only server this client will talk to.
    #[arg(long)]
    server_pub: PathBuf,
    /// What the signatures cover: `lesson11` (as taught) or `transcript`.
    #[arg(long, default_value = "lesson11")]
    binding: Binding,
    /// How keys are derived: `hkdf` (Lessons 10-11) or `tls12-prf` (Lesson 12).
    #[arg(long, default_value = "hkdf")]
    schedule: KeySchedule,
    /// The key exchange: `x25519` (Lesson 11) or `x25519-mlkem768`, hybrid with ML-KEM-768
    /// (Lesson 19). Both ends must use the same.
    #[arg(long, default_value = "x25519")]
    kex: Kex,
    /// The identity scheme: `ed25519` (Lesson 11) or `ml-dsa-65`, post-quantum signatures
    /// (Lesson 19; keys from `11-mtls-genkeys --identity ml-dsa-65`). Both ends must use the
    /// same.
    #[arg(long, default_value = "ed25519")]
    identity: Identity,
    /// Seconds to wait for the handshake.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
    /// Seconds to wait for each reply (a Lesson 11 server echoes at once, or closes).
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
    let timeout = Duration::from_secs(args.timeout);
    let (mut channel, fingerprint) = match args.identity {
        Identity::Ed25519 => {
            let key = keyfile::read_secret(&args.key).map_err(|e| e.to_string())?;
            let server = keyfile::read_public(&args.server_pub).map_err(|e| e.to_string())?;
            let stream = connect(args)?;
            let channel =
                net::connect_tcp_with(stream, &key, server, args.config(), args.kex, timeout)
                    .map_err(|e| explain(&e, args))?;
            (channel, server.fingerprint())
        }
        Identity::MlDsa65 => {
            let key = keyfile::ml_dsa::read_secret(&args.key).map_err(|e| e.to_string())?;
            let server =
                keyfile::ml_dsa::read_public(&args.server_pub).map_err(|e| e.to_string())?;
            let stream = connect(args)?;
            let channel =
                net::connect_tcp_ml_dsa(stream, &key, server, args.config(), args.kex, timeout)
                    .map_err(|e| explain(&e, args))?;
            (channel, server.fingerprint())
        }
    };
    // A server that neither answers nor closes is not a Lesson 11 server.
    channel
        .set_idle_timeout(Some(Duration::from_secs(args.reply_timeout)))
        .map_err(|e| format!("cannot set the reply timeout: {e}"))?;
    eprintln!(
        "handshake done: the server proved it holds {} (fingerprint {})",
        args.server_pub.display(),
        fingerprint
    );
    eprintln!(
        "{}",
        learn_mtls_kit::server::message_sizes_with(args.kex, args.identity)
    );
    net::echo_lines(&mut channel, io::stdin().lock(), io::stdout().lock())
        .map_err(|e| explain(&e, args))
}

fn connect(args: &Args) -> Result<TcpStream, String> {
    TcpStream::connect(&args.connect).map_err(|e| {
        format!(
            "cannot connect to {}: {e} (is the server running, on that HOST:PORT?)",
            args.connect
        )
    })
}

/// What a learner should read for each way the connection can fail.
fn explain(e: &Error, args: &Args) -> String {
    match e {
        Error::Handshake(HandshakeError::ServerSignatureInvalid) => {
            learn_mtls_kit::client::wrong_server(
                &args.server_pub.display().to_string(),
                args.binding,
                args.schedule,
                args.identity,
            )
        }
        Error::ServerSpeaksOther(guess) => format!(
            "{} answered with the pinned key, but {guess}; this client speaks Lesson 11 with \
             --binding {} --schedule {}{}",
            args.connect,
            args.binding,
            args.schedule,
            if guess.handshake == Some(Handshake::ServerOnly) {
                " (a Lesson 10 server needs 10-client)"
            } else {
                ""
            }
        ),
        Error::Closed(Stage::FirstReply) => format!(
            "the connection closed right after the handshake: the server probably did not accept \
             this client (is the public key of {} on its list, and do both ends use --binding {} \
             --schedule {}?), or it is a Lesson 10 server, which closes the same way when message \
             3 arrives (use 10-client)",
            args.key.display(),
            args.binding,
            args.schedule
        ),
        Error::TimedOut(Stage::FirstReply) => format!(
            "no reply within {}s to the first message, though a Lesson 11 server answers at once \
             (or closes when it refuses a client): this looks like a Lesson 10 server, which took \
             message 3 for the start of a record and waits for the rest; use 10-client",
            args.reply_timeout
        ),
        Error::TimedOut(Stage::Records) => format!(
            "no reply within {}s (--reply-timeout): the server is stuck or overloaded",
            args.reply_timeout
        ),
        Error::Input(e) => format!("cannot read standard input: {e}"),
        Error::InputLineTooLong { line } => format!(
            "line {line} of standard input is longer than {MAX_PLAINTEXT_LEN} bytes; each line \
             travels as one record of at most {MAX_PLAINTEXT_LEN} bytes"
        ),
        Error::Closed(Stage::Records) => {
            "the server closed the connection in the middle of the session \
             (it stopped, dropped us after a long silence, or no longer trusts this key)"
                .to_owned()
        }
        Error::Record(RecordError::PlaintextTooLong { len }) => format!(
            "an input line is {len} bytes; each line travels as one record of at most {MAX_PLAINTEXT_LEN} bytes"
        ),
        Error::Closed(stage) => format!(
            "the connection closed during the handshake ({stage}): the server may have refused us or \
             crashed, or is not a Lesson 11 server{}",
            kex_hint(*stage, args)
        ),
        Error::TimedOut(stage) => format!(
            "timed out after {}s ({stage}): is the server up and speaking Lesson 11?{}",
            args.timeout,
            kex_hint(*stage, args)
        ),
        other => other.to_string(),
    }
}

/// A classical client that gets no message 2 may be talking to a hybrid
/// server, which waits for the rest of a 1216-byte message 1 (Lesson 19).
fn kex_hint(stage: Stage, args: &Args) -> &'static str {
    if stage == Stage::ServerHello && args.kex == Kex::X25519 {
        " (a server running --kex x25519-mlkem768 waits for a 1216-byte message 1 and never \
         answers this client's 32 bytes: both ends must use the same --kex)"
    } else {
        ""
    }
}

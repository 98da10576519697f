//! Lesson 15: the client of the certified mutual handshake.
//!
//! ```console
//! $ echo hello | cargo run --example 15-mtls-client -- --connect 127.0.0.1:7015 \
//!       --key client.key --cert client.crt --ca root/ca.crt --server-name api.internal
//! hello
//! ```
//!
//! Checks the server's chain against the root in `--ca`, as a server
//! certificate for `--server-name`, then sends each line of standard input
//! as one encrypted message and prints each reply. Exits 0 at the end of
//! input; on any failure it exits 1 and says what failed.

use std::io;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use learn_mtls::cert::files::{self, Clock, Crls};
use learn_mtls::cert::time::Rfc3339;
use learn_mtls::cert::verify::{CertError, StaleCrl, Verifier};
use learn_mtls::handshake::HandshakeError;
use learn_mtls::net::{self, Error, Stage};
use learn_mtls::schedule::KeySchedule;
use learn_mtls::trust::ClientName;

#[derive(Parser)]
#[command(about = "Lesson 15 client: mutual authentication with certificates")]
struct Args {
    /// Server address, HOST:PORT.
    #[arg(long)]
    connect: String,
    /// This client's secret key file.
    #[arg(long)]
    key: PathBuf,
    /// This client's certificate file (its chain: leaf, then intermediate).
    #[arg(long)]
    cert: PathBuf,
    /// The root CA's certificate: the server must chain up to it.
    #[arg(long)]
    ca: PathBuf,
    /// The name the server's certificate must carry.
    #[arg(long)]
    server_name: String,
    /// Revocation lists to check the server's certificate against.
    #[arg(long)]
    crl: Option<PathBuf>,
    /// Pretend it is this time (RFC 3339).
    #[arg(long)]
    now: Option<String>,
    /// How keys are derived: `hkdf` or `tls12-prf`.
    #[arg(long, default_value = "hkdf")]
    schedule: KeySchedule,
    /// Seconds to wait for the handshake.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
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
    let now = Clock::from_option(args.now.as_deref())?.now();
    let server_name = ClientName::new(&args.server_name)
        .map_err(|e| format!("--server-name {:?}: {e}", args.server_name))?;
    let credentials = files::read_credentials(&args.key, &args.cert).map_err(|e| e.to_string())?;
    let root = files::read_root(&args.ca).map_err(|e| e.to_string())?;
    let crls = match &args.crl {
        Some(path) => Crls::read(path).map_err(|e| e.to_string())?,
        None => Crls::default(),
    };
    let lists = crls.lists();
    let verifier = Verifier {
        root: &root,
        now,
        crls: &lists,
        stale: StaleCrl::Refuse,
    };
    let stream = TcpStream::connect(&args.connect).map_err(|e| {
        format!(
            "cannot connect to {}: {e} (is the server running, on that HOST:PORT?)",
            args.connect
        )
    })?;
    let (mut channel, server) = net::certified::connect_tcp(
        stream,
        (&credentials.key, &credentials.chain),
        verifier,
        server_name,
        args.schedule,
        Duration::from_secs(args.timeout),
    )
    .map_err(|e| explain(&e, args))?;
    eprintln!(
        "handshake done: the server is {server}, certified until {}",
        Rfc3339(server.not_after)
    );
    net::echo_lines(&mut channel, io::stdin().lock(), io::stdout().lock())
        .map_err(|e| explain(&e, args))
}

/// What a learner should read for each way the connection can fail.
fn explain(e: &Error, args: &Args) -> String {
    match e {
        Error::Handshake(HandshakeError::ServerCertificate(CertError::NameMismatch { found })) => {
            format!(
                "server certificate refused: name mismatch: asked for {}, the server's \
                 certificate is for {found}",
                args.server_name
            )
        }
        Error::Closed(Stage::FirstReply) => format!(
            "the connection closed right after the handshake: the server refused this client's \
             certificate ({}): its log says why (expired, revoked, another CA, ...)",
            args.cert.display()
        ),
        Error::Closed(Stage::Records) => "the server closed the connection in the middle of \
                                          the session (it stopped, or no longer trusts this \
                                          certificate)"
            .to_owned(),
        Error::TimedOut(stage) => format!(
            "timed out after {}s ({stage}): is the server up and speaking Lesson 15?",
            args.timeout
        ),
        other => other.to_string(),
    }
}

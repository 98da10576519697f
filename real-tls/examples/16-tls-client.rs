//! Lesson 16: a mutual TLS 1.3 client (rustls).
//!
//! ```console
//! $ echo hello | cargo run -p learn-mtls-real-tls --example 16-tls-client -- --connect 127.0.0.1:8443 \
//!       --cert pki/client.pem --key pki/client.key --ca pki/ca.pem --server-name localhost [--trace]
//! hello
//! ```
//!
//! `--groups x25519mlkem768,x25519` offers Lesson 19's hybrid key exchange
//! first (its key share and an X25519 one beside it); the default offers
//! X25519 alone.
//!
//! Sends each line of standard input and prints each reply line. Exits 0 at
//! the end of input; on any failure it exits 1 and says what failed.

use std::io::{self, BufRead, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use learn_mtls_real_tls::cli::{self, Failure, Socket, SocketRef};
use learn_mtls_real_tls::kx::Groups;
use learn_mtls_real_tls::tls;
use learn_mtls_real_tls::trace::Peer;
use rustls::ClientConnection;
use rustls::pki_types::{ServerName, UnixTime};

#[derive(Parser)]
#[command(about = "Lesson 16 client: mutual TLS 1.3 with X.509 certificates (rustls)")]
struct Args {
    /// Server address, HOST:PORT.
    #[arg(long)]
    connect: String,
    /// This client's certificate (PEM). Without --cert and --key the client
    /// offers no certificate, and a mutual TLS server refuses it.
    #[arg(long, requires = "key")]
    cert: Option<PathBuf>,
    /// This client's private key (PEM).
    #[arg(long, requires = "cert")]
    key: Option<PathBuf>,
    /// The CA certificate the server's certificate must chain to (PEM).
    #[arg(long)]
    ca: PathBuf,
    /// The name the server's certificate must carry (as a browser checks a host name).
    #[arg(long)]
    server_name: String,
    /// Print each handshake message as it passes, beside its course concept.
    #[arg(long)]
    trace: bool,
    /// TEACHING AID: append the session secrets to FILE in the key log format.
    #[arg(long, value_name = "FILE")]
    keylog: Option<PathBuf>,
    /// Accept only the server certificate whose DER has this SHA-256
    /// (64 hex digits; `openssl x509 -noout -fingerprint -sha256` prints
    /// it), even if the CA signed another (Lesson 17).
    #[arg(long, value_name = "HEX")]
    pin_sha256: Option<tls::Fingerprint>,
    /// Require a stapled OCSP response about the server's certificate, and
    /// check it: signed by its CA (or a responder the CA delegated to), for
    /// this certificate, fresh, and `good` (Lesson 18).
    #[arg(long, conflicts_with = "pin_sha256")]
    require_ocsp: bool,
    /// Check the server's certificate (and its staple) as if the clock read
    /// TIME: Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (a teaching
    /// aid: what a client will say once a certificate or a staple has aged).
    #[arg(long, value_name = "TIME", value_parser = learn_mtls_real_tls::clock::parse_time)]
    now: Option<UnixTime>,
    /// Key exchange groups to offer, most preferred first: `x25519`,
    /// `x25519mlkem768` (Lesson 19's hybrid, TLS code point 0x11EC), or
    /// both, comma-separated.
    /// Without it: x25519, and nothing about groups is printed.
    #[arg(long, value_name = "LIST")]
    groups: Option<Groups>,
    /// Seconds to wait for the server at each step.
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
    let key_log = cli::key_log(args.trace, args.keylog.as_deref()).map_err(|e| e.to_string())?;
    let identity = args.cert.as_deref().zip(args.key.as_deref());
    if identity.is_none() {
        eprintln!("note: no --cert/--key: this client offers no certificate");
    }
    let config = tls::client_config_for(
        identity,
        &args.ca,
        args.pin_sha256,
        key_log.clone().map(|k| k as Arc<dyn rustls::KeyLog>),
        tls::provider_with_groups(&args.groups.clone().unwrap_or_default()),
    )
    .map_err(|e| e.to_string())?;
    let mut config = config;
    if args.require_ocsp {
        learn_mtls_real_tls::ocsp::require_ocsp(&mut config, &args.ca)
            .map_err(|e| e.to_string())?;
    }
    if let Some(at) = args.now {
        config.time_provider = learn_mtls_real_tls::clock::FixedClock::shared(at);
    }
    let name = ServerName::try_from(args.server_name.clone())
        .map_err(|e| format!("--server-name {}: {e}", args.server_name))?;
    let mut conn = ClientConnection::new(Arc::new(config), name).map_err(|e| e.to_string())?;

    let stream = TcpStream::connect(&args.connect).map_err(|e| {
        format!(
            "cannot connect to {}: {e} (is the server running, on that HOST:PORT?)",
            args.connect
        )
    })?;
    let timeout = Duration::from_secs(args.timeout);
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    let (mut socket, tracer) = cli::traced(stream, Peer::Client, args.trace, key_log.as_ref());

    let result = cli::complete_handshake(&mut conn, socket.as_mut(), &tracer, "trace")
        .map_err(|e| format!("handshake failed: {e}"))
        .and_then(|()| {
            eprintln!(
                "connected to {}",
                tls::describe_peer(conn.peer_certificates())
            );
            if args.groups.is_some() {
                eprintln!("key exchange: {}", cli::negotiated_group(&conn));
            }
            talk(&mut conn, socket.as_mut()).map_err(|e| e.to_string())
        });
    cli::print_trace(&tracer, "trace", true);
    result
}

/// Sends each line of standard input, and prints the reply line to each.
fn talk(conn: &mut ClientConnection, socket: &mut dyn Socket) -> Result<(), Failure> {
    let mut io = SocketRef(socket);
    let mut out = io::stdout().lock();
    let mut replies = Vec::new();
    for line in io::stdin().lock().lines() {
        let mut line = line.map_err(Failure::Io)?;
        line.push('\n');
        rustls::Stream::new(conn, &mut io).write_all(line.as_bytes())?;
        // Wait for the reply line.
        let mut buf = [0u8; 4096];
        let reply = loop {
            if let Some(end) = replies.iter().position(|b| *b == b'\n') {
                break replies.drain(..=end).collect::<Vec<u8>>();
            }
            let n = rustls::Stream::new(conn, &mut io)
                .read(&mut buf)
                .map_err(refusal)?;
            if n == 0 {
                return Err(Failure::Io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the server closed the connection before replying",
                )));
            }
            replies.extend_from_slice(&buf[..n]);
        };
        out.write_all(&reply).map_err(Failure::Io)?;
        out.flush().map_err(Failure::Io)?;
    }
    conn.send_close_notify();
    let _ = conn.write_tls(&mut io);
    Ok(())
}

/// A TLS 1.3 client finishes its handshake before the server has checked
/// its certificate; a refusal arrives as an alert on the first read.
fn refusal(e: io::Error) -> Failure {
    match Failure::from(e) {
        Failure::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => Failure::Io(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the server closed the connection (if this was right after the handshake: it refused our certificate)",
        )),
        other => other,
    }
}

//! Lesson 17: one call to the gRPC `Echo` service over mutual TLS, the
//! client the reference text builds with `grpc.ssl_channel_credentials(
//! root_certificates=..., private_key=..., certificate_chain=...)`.
//!
//! ```console
//! $ cargo run -p learn-mtls-services --example 17-grpc-client -- --connect 127.0.0.1:50051 \
//!       --cert pki/client.pem --key pki/client.key --ca pki/ca.pem --server-name localhost \
//!       --message hello
//! hello
//! spiffe://course.test/ns/shop/sa/payments
//! ```
//!
//! Prints the reply's `message` and `peer`, one per line; exits 1 with
//! the reason (a gRPC status, a refused handshake) on failure.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use learn_mtls_real_tls::tls;
use learn_mtls_services::grpc::{self, ALPN_H2};

#[derive(Parser)]
#[command(about = "Lesson 17: one gRPC call over mutual TLS")]
struct Args {
    /// Server address, HOST:PORT.
    #[arg(long)]
    connect: String,
    /// This client's certificate (PEM). Without --cert and --key the
    /// client offers none, and the server refuses it.
    #[arg(long, requires = "key")]
    cert: Option<PathBuf>,
    /// This client's private key (PEM).
    #[arg(long, requires = "cert")]
    key: Option<PathBuf>,
    /// The CA certificate the server's certificate must chain to (PEM).
    #[arg(long)]
    ca: PathBuf,
    /// The name the server's certificate must carry.
    #[arg(long)]
    server_name: String,
    /// What to send.
    #[arg(long, default_value = "hello")]
    message: String,
    /// Seconds to wait for the whole call.
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
    let (host, port) = args
        .connect
        .rsplit_once(':')
        .ok_or_else(|| format!("--connect {}: expected HOST:PORT", args.connect))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port: u16 = port
        .parse()
        .map_err(|_| format!("--connect {}: `{port}` is not a port number", args.connect))?;
    let identity = args.cert.as_deref().zip(args.key.as_deref());
    if identity.is_none() {
        eprintln!("note: no --cert/--key: this client offers no certificate");
    }
    let mut config = tls::client_config(identity, &args.ca, None).map_err(|e| e.to_string())?;
    config.alpn_protocols = vec![ALPN_H2.to_vec()];
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let reply = runtime.block_on(grpc::call_say(
        host,
        port,
        &args.server_name,
        config,
        &args.message,
        Duration::from_secs(args.timeout),
    ))?;
    println!("{}", reply.message);
    println!("{}", reply.peer);
    Ok(())
}

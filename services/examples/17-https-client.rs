//! Lesson 17: one HTTPS request with a client certificate, the way `curl
//! --cert --key --cacert` makes it.
//!
//! ```console
//! $ cargo run -p learn-mtls-services --example 17-https-client -- --url https://localhost:8443/whoami \
//!       --cert pki/client.pem --key pki/client.key --ca pki/ca.pem [--pin-sha256 HEX]
//! 200
//! {"sans":["DNS:alice"],"serial":"5f98...","spiffe_id":null,"subject":"CN=alice"}
//! ```
//!
//! Prints the status code on the first line, then the body. Exits 0 when
//! an answer came, whatever its status; 1, saying why, when none did.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use learn_mtls_real_tls::tls;
use learn_mtls_services::https::{self, ALPN, Url};

#[derive(Parser)]
#[command(about = "Lesson 17: one HTTPS request over mutual TLS")]
struct Args {
    /// https://HOST[:PORT]/PATH; HOST is also the name the server's
    /// certificate must carry.
    #[arg(long)]
    url: Url,
    /// This client's certificate (PEM). Without --cert and --key the
    /// client offers none, and a mutual TLS server refuses it.
    #[arg(long, requires = "key")]
    cert: Option<PathBuf>,
    /// This client's private key (PEM).
    #[arg(long, requires = "cert")]
    key: Option<PathBuf>,
    /// The CA certificate the server's certificate must chain to (PEM).
    #[arg(long)]
    ca: PathBuf,
    /// Also require the server certificate whose DER has this SHA-256 (64
    /// hex digits), even if the CA signed another.
    #[arg(long, value_name = "HEX")]
    pin_sha256: Option<tls::Fingerprint>,
    /// Seconds to wait for the whole exchange.
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
    let identity = args.cert.as_deref().zip(args.key.as_deref());
    if identity.is_none() {
        eprintln!("note: no --cert/--key: this client offers no certificate");
    }
    let mut config = tls::client_config_pinned(identity, &args.ca, args.pin_sha256, None)
        .map_err(|e| e.to_string())?;
    config.alpn_protocols = ALPN.iter().map(|p| p.to_vec()).collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let answer = runtime.block_on(https::get(
        &args.url,
        config,
        Duration::from_secs(args.timeout),
    ))?;
    eprintln!("{:?} {}", answer.version, answer.status);
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", answer.status.as_u16())
        .and_then(|()| out.write_all(&answer.body))
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write the answer: {e}"))
}

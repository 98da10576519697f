//! Lesson 17: an HTTPS service that requires a client certificate, the way
//! the reference text's Go server does (`ClientAuth:
//! tls.RequireAndVerifyClientCert`, TLS 1.3 only), over HTTP/2 or HTTP/1.1.
//!
//! ```console
//! $ cargo run -p learn-mtls-services --example 17-https-server -- --listen 127.0.0.1:8443 \
//!       --cert pki/server.pem --key pki/server.key --client-ca pki/ca.pem \
//!       [--allow-spiffe-id spiffe://course.test/ns/shop/sa/payments ...]
//! listening on 127.0.0.1:8443
//! accepted spiffe://course.test/ns/shop/sa/payments from 127.0.0.1:50412: GET /whoami HTTP/2.0 -> 200
//! rejected 127.0.0.1:50414: no client certificate (the server requires one) (rustls: ...)
//! ```
//!
//! `GET /whoami` answers JSON about the verified client: `subject`,
//! `spiffe_id` (or null), `serial`, `sans`. Other paths: 404. With
//! `--allow-spiffe-id`, any other identity gets 403.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use learn_mtls_real_tls::{certs, tls};
use learn_mtls_services::https::{self, ALPN};
use learn_mtls_services::policy::AllowList;
use learn_mtls_services::say;

#[derive(Parser)]
#[command(about = "Lesson 17: HTTPS (HTTP/2 and HTTP/1.1) with a required client certificate")]
struct Args {
    /// Address to listen on, HOST:PORT (port 0: any free port).
    #[arg(long)]
    listen: String,
    /// This server's certificate chain (PEM), leaf first.
    #[arg(long)]
    cert: PathBuf,
    /// This server's private key (PEM).
    #[arg(long)]
    key: PathBuf,
    /// The CA certificate(s) whose clients are accepted (PEM).
    #[arg(long)]
    client_ca: PathBuf,
    /// Admit only clients with this SPIFFE ID (repeat for more); without
    /// it, every client the CA vouches for.
    #[arg(long, value_name = "URI")]
    allow_spiffe_id: Vec<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    for id in &args.allow_spiffe_id {
        certs::check_spiffe_id(id).map_err(|e| format!("--allow-spiffe-id: {e}"))?;
    }
    let mut config = tls::server_config(&args.cert, &args.key, &args.client_ca, None, None)
        .map_err(|e| e.to_string())?;
    config.alpn_protocols = ALPN.iter().map(|p| p.to_vec()).collect();
    let allow = AllowList::new(args.allow_spiffe_id);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        say(&format!("listening on {addr}"));
        eprintln!(
            "TLS 1.3, client certificate required; HTTP/2 and HTTP/1.1 (ALPN); {}",
            if allow.is_open() {
                "any client the CA vouches for".to_owned()
            } else {
                "only the SPIFFE IDs on the allow-list".to_owned()
            }
        );
        https::serve(listener, config, allow).await;
        Ok(())
    })
}

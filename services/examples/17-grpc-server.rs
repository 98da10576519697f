//! Lesson 17: the gRPC `Echo` service (proto/echo.proto) over mutual TLS
//! 1.3, the server the reference text builds with
//! `grpc.ssl_server_credentials(..., require_client_auth=True)`.
//!
//! ```console
//! $ cargo run -p learn-mtls-services --example 17-grpc-server -- --listen 127.0.0.1:50051 \
//!       --cert pki/server.pem --key pki/server.key --client-ca pki/ca.pem \
//!       [--allow-spiffe-id spiffe://course.test/ns/shop/sa/payments ...]
//! listening on 127.0.0.1:50051
//! accepted spiffe://course.test/ns/shop/sa/payments from 127.0.0.1:50412: Say
//! rejected spiffe://course.test/ns/ops/sa/log-shipper from 127.0.0.1:50420: Say -> PermissionDenied: ...
//! ```
//!
//! `Say` echoes the message and names the caller (`peer`): its SPIFFE ID
//! if its certificate has one, else its common name. With
//! `--allow-spiffe-id`, other callers get `PERMISSION_DENIED`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use learn_mtls_real_tls::{certs, tls};
use learn_mtls_services::grpc::{self, ALPN_H2};
use learn_mtls_services::policy::AllowList;
use learn_mtls_services::say;

#[derive(Parser)]
#[command(about = "Lesson 17: a gRPC service with a required client certificate")]
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
    /// Admit only callers with this SPIFFE ID (repeat for more).
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
    config.alpn_protocols = vec![ALPN_H2.to_vec()];
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
            "gRPC learnmtls.echo.v1.Echo over TLS 1.3, client certificate required; {}",
            if allow.is_open() {
                "any client the CA vouches for"
            } else {
                "only the SPIFFE IDs on the allow-list"
            }
        );
        grpc::serve(listener, config, allow).await;
        Ok(())
    })
}

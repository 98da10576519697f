//! Lesson 17: a plaintext HTTP app behind a proxy that terminates mutual
//! TLS (services/nginx/mtls-proxy.conf). The proxy verifies the client's
//! certificate and passes it in `X-Client-Cert`; this app reads the
//! identity from it and answers `GET /whoami` with the same JSON as
//! `17-https-server`.
//!
//! ```console
//! $ cargo run -p learn-mtls-services --example 17-proxied-app -- --listen 127.0.0.1:8080 \
//!       [--allow-spiffe-id URI ...]
//! listening on 127.0.0.1:8080
//! accepted spiffe://course.test/ns/shop/sa/payments via 127.0.0.1:41822: GET /whoami -> 200
//! rejected 127.0.0.1:41830: GET /whoami -> 401: no X-Client-Verify header: ...
//! ```
//!
//! It trusts those headers from anyone who can connect, so it must listen
//! only where the proxy alone can reach it (here: loopback).

use std::convert::Infallible;
use std::process::ExitCode;
use std::sync::Arc;

use bytes::Bytes;
use clap::Parser;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use learn_mtls_real_tls::certs;
use learn_mtls_services::https::answer;
use learn_mtls_services::policy::AllowList;
use learn_mtls_services::proxied::{self, CERT_HEADER, VERIFY_HEADER};
use learn_mtls_services::say;

#[derive(Parser)]
#[command(about = "Lesson 17: a plaintext app behind a proxy that terminates mutual TLS")]
struct Args {
    /// Address to listen on, HOST:PORT: loopback, so only the proxy reaches it.
    #[arg(long)]
    listen: String,
    /// Admit only clients with this SPIFFE ID (repeat for more).
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

fn header<'a>(request: &'a Request<Incoming>, name: &str) -> Option<&'a str> {
    request.headers().get(name).and_then(|v| v.to_str().ok())
}

fn respond(status: StatusCode, body: &serde_json::Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(format!("{body}\n"))));
    *response.status_mut() = status;
    response
}

fn run(args: Args) -> Result<(), String> {
    for id in &args.allow_spiffe_id {
        certs::check_spiffe_id(id).map_err(|e| format!("--allow-spiffe-id: {e}"))?;
    }
    let allow = Arc::new(AllowList::new(args.allow_spiffe_id));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        if !addr.ip().is_loopback() {
            eprintln!(
                "WARNING: {addr} is not loopback: anyone who reaches it can claim any identity"
            );
        }
        say(&format!("listening on {addr}"));
        loop {
            let Ok((tcp, from)) = listener.accept().await else {
                // Out of descriptors, most likely: wait rather than spin.
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            };
            let allow = allow.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                    let allow = allow.clone();
                    async move {
                        let path = request.uri().path().to_owned();
                        let line = format!("{} {path}", request.method());
                        let who = proxied::identity(
                            header(&request, VERIFY_HEADER),
                            header(&request, CERT_HEADER),
                        );
                        let response = match who {
                            Err(missing) => {
                                say(&format!("rejected {from}: {line} -> 401: {missing}"));
                                let body = serde_json::json!({ "error": missing.to_string() });
                                respond(StatusCode::UNAUTHORIZED, &body)
                            }
                            Ok(who) => {
                                let (status, body, verdict) =
                                    answer(request.method(), &path, &who, &allow);
                                let code = status.as_u16();
                                match verdict {
                                    Ok(()) => say(&format!(
                                        "accepted {} via {from}: {line} -> {code}",
                                        who.peer()
                                    )),
                                    Err(why) => say(&format!(
                                        "rejected {} via {from}: {line} -> {code}: {why}",
                                        who.peer()
                                    )),
                                }
                                respond(status, &body)
                            }
                        };
                        Ok::<_, Infallible>(response)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), service)
                    .await;
            });
        }
    })
}

//! gRPC over mutual TLS: the `Echo` service of `proto/echo.proto`, its
//! server (`17-grpc-server`) and its one call (`17-grpc-client`).
//!
//! gRPC is HTTP/2 with a fixed framing, so the transport is the HTTPS
//! lesson's: rustls checks the client's chain, and the handler reads the
//! verified identity (put into each request's extensions by the
//! connection) and applies the allow-list, answering `PERMISSION_DENIED`.
//!
//! Why no generated code: tonic-build needs `protoc` (or protox, a
//! Protobuf compiler in Rust, and a build script) to write what is here
//! in forty lines: two prost structs, one route, one call. The Python
//! interop tests compile the `.proto` itself, so a drift shows there.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::{TlsAcceptor, TlsConnector};
use tonic::codegen::http;
use tonic::server::UnaryService;
use tonic_prost::ProstCodec;

use crate::https::{HANDSHAKE_TIMEOUT, http_failure, io_reason};
use crate::identity::Identity;
use crate::policy::AllowList;
use crate::say;

/// `message SayRequest { string message = 1; }`
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct SayRequest {
    /// What to echo.
    #[prost(string, tag = "1")]
    pub message: String,
}

/// `message SayReply { string message = 1; string peer = 2; }`
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct SayReply {
    /// The request's message, echoed.
    #[prost(string, tag = "1")]
    pub message: String,
    /// The caller: its SPIFFE ID, else its common name.
    #[prost(string, tag = "2")]
    pub peer: String,
}

/// The one method's path: `/package.Service/Method`.
pub const SAY_PATH: &str = "/learnmtls.echo.v1.Echo/Say";

/// The ALPN name gRPC requires (grpcio refuses a server that selects none).
pub const ALPN_H2: &[u8] = b"h2";

/// What the server answers `request` from `who`, and the log line's verdict.
///
/// # Errors
///
/// `PERMISSION_DENIED` naming the refused identity.
pub fn say_reply(
    request: &SayRequest,
    who: &Identity,
    allow: &AllowList,
) -> Result<SayReply, tonic::Status> {
    allow
        .decide(who)
        .map_err(|refusal| tonic::Status::permission_denied(refusal.to_string()))?;
    Ok(SayReply {
        message: request.message.clone(),
        peer: who.peer().to_owned(),
    })
}

/// The `Say` handler, for tonic's unary plumbing.
struct Say {
    allow: Arc<AllowList>,
    from: SocketAddr,
}

impl UnaryService<SayRequest> for Say {
    type Response = SayReply;
    type Future =
        Pin<Box<dyn Future<Output = Result<tonic::Response<SayReply>, tonic::Status>> + Send>>;

    fn call(&mut self, request: tonic::Request<SayRequest>) -> Self::Future {
        let (allow, from) = (self.allow.clone(), self.from);
        Box::pin(async move {
            let Some(who) = request.extensions().get::<Arc<Identity>>().cloned() else {
                return Err(tonic::Status::unauthenticated(
                    "no verified client certificate",
                ));
            };
            match say_reply(request.get_ref(), &who, &allow) {
                Ok(reply) => {
                    say(&format!("accepted {} from {from}: Say", who.peer()));
                    Ok(tonic::Response::new(reply))
                }
                Err(status) => {
                    say(&format!(
                        "rejected {} from {from}: Say -> {:?}: {}",
                        who.peer(),
                        status.code(),
                        status.message()
                    ));
                    Err(status)
                }
            }
        })
    }
}

/// Routes one HTTP/2 request: `Say`, or `UNIMPLEMENTED`.
async fn route(
    request: http::Request<Incoming>,
    allow: Arc<AllowList>,
    from: SocketAddr,
) -> Result<http::Response<tonic::body::Body>, Infallible> {
    if request.uri().path() == SAY_PATH {
        let mut grpc = tonic::server::Grpc::new(ProstCodec::<SayReply, SayRequest>::default());
        Ok(grpc.unary(Say { allow, from }, request).await)
    } else {
        let path = request.uri().path().to_owned();
        say(&format!(
            "rejected {from}: {path}: no such method (UNIMPLEMENTED)"
        ));
        Ok(tonic::Status::unimplemented(format!("no method {path}")).into_http())
    }
}

/// Accepts connections on `listener` for ever, one task each.
pub async fn serve(listener: TcpListener, config: rustls::ServerConfig, allow: AllowList) {
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let allow = Arc::new(allow);
    loop {
        let (tcp, from) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                say(&format!("rejected a connection: accept failed: {e}"));
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        tokio::spawn(connection(tcp, from, acceptor.clone(), allow.clone()));
    }
}

async fn connection(
    tcp: TcpStream,
    from: SocketAddr,
    acceptor: TlsAcceptor,
    allow: Arc<AllowList>,
) {
    let stream = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => return say(&format!("rejected {from}: {}", io_reason(&e))),
        Err(_) => {
            return say(&format!(
                "rejected {from}: no handshake within {HANDSHAKE_TIMEOUT:?}"
            ));
        }
    };
    let who = match stream
        .get_ref()
        .1
        .peer_certificates()
        .and_then(<[_]>::first)
    {
        Some(leaf) => match Identity::from_der(leaf) {
            Ok(who) => Arc::new(who),
            Err(e) => return say(&format!("rejected {from}: {e}")),
        },
        None => return say(&format!("rejected {from}: no client certificate")),
    };
    let service = hyper::service::service_fn(move |mut request: http::Request<Incoming>| {
        // The connection's verified identity travels with each call.
        request.extensions_mut().insert(who.clone());
        route(request, allow.clone(), from)
    });
    if let Err(e) = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
        .serve_connection(TokioIo::new(stream), service)
        .await
    {
        eprintln!("closed {from}: {e}");
    }
}

/// hyper's HTTP/2 sender as the tower service tonic's client calls.
struct Http2(hyper::client::conn::http2::SendRequest<tonic::body::Body>);

impl tower_service::Service<http::Request<tonic::body::Body>> for Http2 {
    type Response = http::Response<Incoming>;
    type Error = hyper::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, hyper::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), hyper::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        Box::pin(self.0.send_request(request))
    }
}

/// One `Say` call to `host:port` over mutual TLS with `config` (which
/// should offer [`ALPN_H2`]), within `timeout`.
///
/// # Errors
///
/// A sentence naming what failed: connecting, the handshake, or the call
/// (with its gRPC status code).
pub async fn call_say(
    host: &str,
    port: u16,
    server_name: &str,
    config: rustls::ClientConfig,
    message: &str,
    timeout: Duration,
) -> Result<SayReply, String> {
    let work = async {
        let tcp = TcpStream::connect((host, port))
            .await
            .map_err(|e| format!("cannot connect to {host}:{port}: {e}"))?;
        let name = rustls::pki_types::ServerName::try_from(server_name.to_owned())
            .map_err(|e| format!("--server-name {server_name}: {e}"))?;
        let stream = TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|e| format!("handshake failed: {}", io_reason(&e)))?;
        let (sender, conn) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
                .await
                .map_err(|e| format!("HTTP/2 set-up failed: {e}"))?;
        let conn = tokio::spawn(conn);
        let origin: http::Uri = format!("https://{server_name}:{port}")
            .parse()
            .map_err(|e| format!("--server-name {server_name}: {e}"))?;
        let mut grpc = tonic::client::Grpc::with_origin(Http2(sender), origin);
        grpc.ready()
            .await
            .map_err(|e| format!("the connection is not ready: {e}"))?;
        let reply = grpc
            .unary(
                tonic::Request::new(SayRequest {
                    message: message.to_owned(),
                }),
                http::uri::PathAndQuery::from_static(SAY_PATH),
                ProstCodec::<SayRequest, SayReply>::default(),
            )
            .await;
        match reply {
            Ok(reply) => Ok(reply.into_inner()),
            Err(status) => {
                let mut why = format!("the call failed: {:?}: {}", status.code(), status.message());
                let transport = matches!(
                    status.code(),
                    tonic::Code::Unknown | tonic::Code::Unavailable
                );
                if transport {
                    if let Ok(Ok(Err(e))) = tokio::time::timeout(Duration::from_secs(1), conn).await
                    {
                        why.push_str(&format!(" ({})", http_failure(&e)));
                    }
                    if !why.contains("CertificateRequired") {
                        why.push_str(
                            " (right after the handshake: this is how a mutual TLS server that refuses the client's certificate, or its lack of one, closes the connection)",
                        );
                    }
                }
                Err(why)
            }
        }
    };
    tokio::time::timeout(timeout, work)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {timeout:?}")))
}

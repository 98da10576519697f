//! HTTPS with a required client certificate: the server of
//! `17-https-server` (HTTP/1.1 and HTTP/2, chosen by ALPN) and the one
//! request of `17-https-client`.
//!
//! Who does what: rustls, configured by Lesson 16's crate, sends the
//! CertificateRequest and checks the client's chain against `--client-ca`
//! before any HTTP byte is read. The handler here only reads the verified
//! certificate and decides, with the allow-list, whether this caller may
//! have this answer.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use learn_mtls_real_tls::tls;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::{TlsAcceptor, TlsConnector};

use crate::identity::Identity;
use crate::policy::AllowList;
use crate::say;

/// The ALPN names offered and accepted, best first.
pub const ALPN: [&[u8]; 2] = [b"h2", b"http/1.1"];

/// How long a client may take over its handshake before it is dropped.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a TLS step failed, in the course's words when rustls says why.
#[must_use]
pub fn io_reason(e: &std::io::Error) -> String {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(tls_error) => tls::reason(tls_error),
        None => e.to_string(),
    }
}

/// What the server answers `request` from `who`: `/whoami` as JSON to an
/// admitted client, 403 to a refused one, 404 elsewhere. Also returns the
/// log line's verdict.
pub fn answer(
    method: &Method,
    path: &str,
    who: &Identity,
    allow: &AllowList,
) -> (StatusCode, serde_json::Value, Result<(), String>) {
    if let Err(refusal) = allow.decide(who) {
        let body = serde_json::json!({ "error": refusal.to_string() });
        return (StatusCode::FORBIDDEN, body, Err(refusal.to_string()));
    }
    if method == Method::GET && path == "/whoami" {
        (StatusCode::OK, who.to_json(), Ok(()))
    } else {
        let body = serde_json::json!({ "error": format!("no such resource: {method} {path}") });
        (StatusCode::NOT_FOUND, body, Ok(()))
    }
}

fn json_response(status: StatusCode, body: &serde_json::Value) -> Response<Full<Bytes>> {
    let mut text = body.to_string();
    text.push('\n');
    let mut response = Response::new(Full::new(Bytes::from(text)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}

/// Accepts connections on `listener` for ever, one task each.
pub async fn serve(listener: TcpListener, config: rustls::ServerConfig, allow: AllowList) {
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let allow = Arc::new(allow);
    loop {
        let (tcp, from) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of descriptors, most likely: wait rather than spin.
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
    let (_, session) = stream.get_ref();
    // The verifier admitted the chain, so a leaf is there; read it.
    let who = match session.peer_certificates().and_then(<[_]>::first) {
        Some(leaf) => match Identity::from_der(leaf) {
            Ok(who) => Arc::new(who),
            Err(e) => return say(&format!("rejected {from}: {e}")),
        },
        None => return say(&format!("rejected {from}: no client certificate")),
    };
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let (who, allow) = (who.clone(), allow.clone());
        async move {
            let path = request.uri().path().to_owned();
            let (status, body, verdict) = answer(request.method(), &path, &who, &allow);
            let line = format!(
                "{} {path} {:?} -> {}",
                request.method(),
                request.version(),
                status.as_u16()
            );
            match verdict {
                Ok(()) => say(&format!("accepted {} from {from}: {line}", who.peer())),
                Err(why) => say(&format!(
                    "rejected {} from {from}: {line}: {why}",
                    who.peer()
                )),
            }
            Ok::<_, Infallible>(json_response(status, &body))
        }
    });
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    if let Err(e) = builder
        .serve_connection(TokioIo::new(stream), service)
        .await
    {
        eprintln!("closed {from}: {e}");
    }
}

/// An `https://HOST[:PORT][/PATH]` URL, taken apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    /// The host as written (an IPv6 address without its brackets).
    pub host: String,
    /// 443 unless given.
    pub port: u16,
    /// `/` unless given; the query stays on it.
    pub path: String,
}

impl std::str::FromStr for Url {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let rest = text.strip_prefix("https://").ok_or_else(|| {
            format!("`{text}`: only https:// URLs (this client speaks mutual TLS only)")
        })?;
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6
                .split_once(']')
                .ok_or_else(|| format!("`{text}`: an IPv6 host needs its closing ]"))?;
            (host, after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(format!("`{text}`: no host"));
        }
        let port = match port {
            None => 443,
            Some(port) => port
                .parse()
                .map_err(|_| format!("`{text}`: port `{port}` is not a number from 1 to 65535"))?,
        };
        Ok(Self {
            host: host.to_owned(),
            port,
            path: if path.is_empty() {
                "/".to_owned()
            } else {
                path.to_owned()
            },
        })
    }
}

/// The answer to one request: the status code and the body.
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status.
    pub status: StatusCode,
    /// The body, as sent.
    pub body: Bytes,
    /// `HTTP/2.0` or `HTTP/1.1`, as ALPN chose.
    pub version: hyper::Version,
}

/// One `GET` of `url` over mutual TLS with `config` (which should offer
/// [`ALPN`]), within `timeout`.
///
/// # Errors
///
/// A sentence naming what failed: connecting, the handshake (a refused
/// certificate, a pin), or the HTTP exchange.
pub async fn get(
    url: &Url,
    config: rustls::ClientConfig,
    timeout: Duration,
) -> Result<Answer, String> {
    let work = async {
        let tcp = TcpStream::connect((url.host.as_str(), url.port))
            .await
            .map_err(|e| format!("cannot connect to {}:{}: {e}", url.host, url.port))?;
        let name = rustls::pki_types::ServerName::try_from(url.host.clone())
            .map_err(|e| format!("`{}` is not a server name: {e}", url.host))?;
        let stream = TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|e| format!("handshake failed: {}", io_reason(&e)))?;
        let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
        let authority = if url.host.contains(':') {
            format!("[{}]:{}", url.host, url.port)
        } else {
            format!("{}:{}", url.host, url.port)
        };
        // HTTP/2 carries the whole URL (`:scheme`, `:authority`); HTTP/1.1
        // the path alone ("origin form"), with the authority in `Host`.
        let target = if h2 {
            format!("https://{authority}{}", url.path)
        } else {
            url.path.clone()
        };
        let request = Request::get(target)
            .header(hyper::header::HOST, &authority)
            .body(http_body_util::Empty::<Bytes>::new())
            .map_err(|e| format!("cannot build the request: {e}"))?;
        let io = TokioIo::new(stream);
        // The connection runs as its own task; when the request fails, the
        // reason (a refusal alert, say) is in the task's result.
        let (sent, conn): (_, tokio::task::JoinHandle<Result<(), hyper::Error>>) = if h2 {
            let (mut sender, conn) =
                hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
                    .await
                    .map_err(|e| http_failure(&e))?;
            let conn = tokio::spawn(conn);
            (sender.send_request(request).await, conn)
        } else {
            let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
                .await
                .map_err(|e| http_failure(&e))?;
            let conn = tokio::spawn(conn);
            (sender.send_request(request).await, conn)
        };
        let response = match sent {
            Ok(response) => response,
            Err(e) => {
                let mut why = match tokio::time::timeout(Duration::from_secs(1), conn).await {
                    Ok(Ok(Err(conn_error))) => http_failure(&conn_error),
                    _ => http_failure(&e),
                };
                if !why.contains("refused") && !why.contains("CertificateRequired") {
                    // The alert can lose the race with our first write.
                    why.push_str(
                        " (right after the handshake: this is how a mutual TLS server that refuses the client's certificate, or its lack of one, closes the connection)",
                    );
                }
                return Err(why);
            }
        };
        let status = response.status();
        let version = response.version();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| http_failure(&e))?
            .to_bytes();
        Ok(Answer {
            status,
            body,
            version,
        })
    };
    tokio::time::timeout(timeout, work)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {timeout:?}")))
}

/// A TLS 1.3 client finishes its handshake before the server has judged
/// its certificate: a refusal arrives as an alert on the first read, and
/// hyper reports it as an I/O error underneath its own. Walks the chain of
/// causes: the course's words if a rustls error is there, else every
/// cause's text (HTTP/2 keeps only the text of the alert).
pub(crate) fn http_failure(e: &hyper::Error) -> String {
    let mut text = format!("HTTP exchange failed: {e}");
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(inner) = source {
        let tls_error = inner.downcast_ref::<rustls::Error>().or_else(|| {
            inner
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .and_then(|i| i.downcast_ref::<rustls::Error>())
        });
        if let Some(tls_error) = tls_error {
            return format!("the server refused us: {}", tls::reason(tls_error));
        }
        text.push_str(&format!(": {inner}"));
        source = inner.source();
    }
    if text.contains("CertificateRequired") {
        text.push_str(" (the server requires a client certificate)");
    }
    text
}

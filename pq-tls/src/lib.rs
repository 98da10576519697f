//! Lesson 19 of learn-mtls, in real TLS: the hybrid key exchange group
//! `X25519MLKEM768` (code point 0x11EC) in mutual TLS 1.3, between rustls
//! (with the course's own implementation of the group,
//! `learn_mtls_real_tls::kx`) and an independent stack, OpenSSL 3.5 or
//! newer, built from source by the `openssl-src` crate and driven here
//! through the `openssl` crate.
//!
//! This crate is the OpenSSL end of the tests: a server that requires and
//! checks a client certificate ([`acceptor`]), a client that presents one
//! ([`connector`]), each limited to the groups it is given in OpenSSL's
//! own syntax (`X25519MLKEM768:X25519`), and what each saw of a
//! connection ([`Seen`]), OpenSSL's word on the group included
//! ([`negotiated_group`]). The rustls end is Lesson 16's binaries,
//! `16-tls-server` and `16-tls-client`, with `--groups` and `--trace`.
#![deny(unsafe_code)]
#![deny(missing_docs)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

use openssl::ssl::{
    SslAcceptor, SslConnector, SslFiletype, SslMethod, SslRef, SslStream, SslVerifyMode, SslVersion,
};
use openssl::x509::X509VerifyResult;

mod group;

pub use group::negotiated_group;

/// OpenSSL 3.5.0 in `OPENSSL_VERSION_NUMBER`'s layout (0xMNN00PP0): the
/// first release with `X25519MLKEM768`.
pub const OPENSSL_3_5: i64 = 0x3050_0000;

/// How long any read or write on a test connection may wait.
pub const IO_TIMEOUT: Duration = Duration::from_secs(20);

/// The OpenSSL this crate was built with, as it names itself
/// (`OpenSSL 3.6.x ...`).
#[must_use]
pub fn openssl_version() -> &'static str {
    openssl::version::version()
}

/// Whether the OpenSSL built in is 3.5 or newer.
#[must_use]
pub fn openssl_has_ml_kem() -> bool {
    openssl::version::number() >= OPENSSL_3_5
}

/// Something OpenSSL refused, with what we were doing.
#[derive(Debug)]
pub struct OpensslError(pub String);

impl std::fmt::Display for OpensslError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OpensslError {}

fn context<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> OpensslError + '_ {
    move |e| OpensslError(format!("{what}: {e}"))
}

/// An OpenSSL TLS 1.3 server with the certificates of `pki` (as
/// `16-tls-certs` writes them: `server.pem`, `server.key`, `ca.pem`) that
/// *requires* a client certificate issued by that CA
/// (`SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT`) and accepts only
/// the key exchange groups in `groups`, in OpenSSL's syntax.
///
/// # Errors
///
/// A file is missing or OpenSSL does not know a group.
pub fn acceptor(pki: &Path, groups: &str) -> Result<SslAcceptor, OpensslError> {
    let mut builder = SslAcceptor::mozilla_modern_v5(SslMethod::tls_server())
        .map_err(context("OpenSSL server"))?;
    builder
        .set_min_proto_version(Some(SslVersion::TLS1_3))
        .map_err(context("TLS 1.3 only"))?;
    builder
        .set_certificate_chain_file(pki.join("server.pem"))
        .map_err(context("server.pem"))?;
    builder
        .set_private_key_file(pki.join("server.key"), SslFiletype::PEM)
        .map_err(context("server.key"))?;
    builder
        .set_ca_file(pki.join("ca.pem"))
        .map_err(context("ca.pem"))?;
    builder.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
    builder
        .set_groups_list(groups)
        .map_err(context(&format!("groups {groups}")))?;
    Ok(builder.build())
}

/// An OpenSSL TLS 1.3 client that presents `client.pem` / `client.key`
/// of `pki`, checks the server's certificate against `ca.pem` and its
/// name, and offers the groups in `groups` (OpenSSL sends a key share for
/// the first only, unless the list says otherwise with `*`).
///
/// # Errors
///
/// A file is missing or OpenSSL does not know a group.
pub fn connector(pki: &Path, groups: &str) -> Result<SslConnector, OpensslError> {
    let mut builder =
        SslConnector::builder(SslMethod::tls_client()).map_err(context("OpenSSL client"))?;
    builder
        .set_min_proto_version(Some(SslVersion::TLS1_3))
        .map_err(context("TLS 1.3 only"))?;
    builder
        .set_ca_file(pki.join("ca.pem"))
        .map_err(context("ca.pem"))?;
    builder
        .set_certificate_chain_file(pki.join("client.pem"))
        .map_err(context("client.pem"))?;
    builder
        .set_private_key_file(pki.join("client.key"), SslFiletype::PEM)
        .map_err(context("client.key"))?;
    builder
        .set_groups_list(groups)
        .map_err(context(&format!("groups {groups}")))?;
    Ok(builder.build())
}

/// What the OpenSSL end saw of one connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    /// The group OpenSSL negotiated, in its own words.
    pub group: Option<String>,
    /// The peer certificate's subject, `CN=...`, if it sent one.
    pub peer_subject: Option<String>,
    /// OpenSSL checked the peer's certificate chain and found it good.
    pub peer_verified: bool,
    /// The line the peer sent (the client's, or the echo of ours).
    pub line: String,
}

fn seen(ssl: &SslRef, line: String) -> Seen {
    let peer_subject = ssl.peer_certificate().map(|cert| {
        cert.subject_name()
            .entries()
            .map(|e| {
                format!(
                    "{}={}",
                    e.object().nid().short_name().unwrap_or("?"),
                    e.data().to_string().unwrap_or_else(|_| "?".to_owned())
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    });
    Seen {
        group: negotiated_group(ssl),
        peer_subject,
        peer_verified: ssl.verify_result() == X509VerifyResult::OK,
        line,
    }
}

fn read_line<S: Read + Write>(stream: &mut SslStream<S>) -> Result<String, OpensslError> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader
        .read_line(&mut line)
        .map_err(context("reading a line over TLS"))?;
    if !line.ends_with('\n') {
        return Err(OpensslError(format!(
            "the peer closed before a whole line arrived (got {line:?})"
        )));
    }
    Ok(line)
}

/// Accepts one connection on `listener`, completes the handshake, reads
/// one line and sends it back (what `16-tls-server` does).
///
/// # Errors
///
/// The handshake failed (OpenSSL's error stack says why) or the line did
/// not arrive.
pub fn serve_one(listener: &TcpListener, acceptor: &SslAcceptor) -> Result<Seen, OpensslError> {
    let (tcp, _) = listener.accept().map_err(context("accept"))?;
    timeouts(&tcp)?;
    let mut tls = acceptor
        .accept(tcp)
        .map_err(context("OpenSSL server handshake"))?;
    let line = read_line(&mut tls)?;
    tls.write_all(line.as_bytes())
        .map_err(context("echoing the line"))?;
    tls.flush().map_err(context("echoing the line"))?;
    let result = seen(tls.ssl(), line);
    // The client closes after the echo; its close_notify ends the session.
    let mut rest = Vec::new();
    let _ = tls.read_to_end(&mut rest);
    let _ = tls.shutdown();
    Ok(result)
}

/// Connects to `addr` as `server_name`, completes the handshake, sends
/// `line` and waits for it to come back (what `16-tls-client` does).
///
/// # Errors
///
/// The connection or the handshake failed, or the echo did not arrive.
pub fn connect_one(
    addr: impl ToSocketAddrs,
    server_name: &str,
    connector: &SslConnector,
    line: &str,
) -> Result<Seen, OpensslError> {
    let tcp = TcpStream::connect(addr).map_err(context("connect"))?;
    timeouts(&tcp)?;
    let mut tls = connector
        .connect(server_name, tcp)
        .map_err(context("OpenSSL client handshake"))?;
    tls.write_all(line.as_bytes())
        .map_err(context("sending a line"))?;
    tls.flush().map_err(context("sending a line"))?;
    // A TLS 1.3 server judges the client's certificate after the client's
    // last flight: a refusal shows here, as an alert instead of the echo.
    let echo = read_line(&mut tls)?;
    let result = seen(tls.ssl(), echo);
    let _ = tls.shutdown();
    Ok(result)
}

fn timeouts(tcp: &TcpStream) -> Result<(), OpensslError> {
    tcp.set_read_timeout(Some(IO_TIMEOUT))
        .and_then(|()| tcp.set_write_timeout(Some(IO_TIMEOUT)))
        .map_err(context("socket timeouts"))
}

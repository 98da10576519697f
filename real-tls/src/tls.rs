//! rustls configurations for the lesson's server and client: TLS 1.3
//! only, X25519 only, the two SHA-256 cipher suites, client certificate
//! required.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use rustls::crypto::{CryptoProvider, ring};
use rustls::server::WebPkiClientVerifier;
use rustls::{
    AlertDescription, CertificateError, ClientConfig, Error, KeyLog, RootCertStore, ServerConfig,
};

use crate::files::{self, FileError};
use crate::x509;

/// The cryptography the lesson offers: the course's own pieces where TLS
/// has them (X25519, ChaCha20-Poly1305, SHA-256), plus AES-128-GCM, the
/// suite every TLS 1.3 peer must support.
#[must_use]
pub fn provider() -> Arc<CryptoProvider> {
    let mut provider = ring::default_provider();
    provider.cipher_suites = vec![
        ring::cipher_suite::TLS13_CHACHA20_POLY1305_SHA256,
        ring::cipher_suite::TLS13_AES_128_GCM_SHA256,
    ];
    provider.kx_groups = vec![ring::kx_group::X25519];
    Arc::new(provider)
}

/// A configuration could not be built.
#[derive(Debug)]
pub enum SetupError {
    /// A PEM file was missing or malformed.
    File(FileError),
    /// rustls refused a certificate, key or revocation list.
    Rustls(String),
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(e) => e.fmt(f),
            Self::Rustls(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for SetupError {}

impl From<FileError> for SetupError {
    fn from(e: FileError) -> Self {
        Self::File(e)
    }
}

fn roots(path: &Path) -> Result<Arc<RootCertStore>, SetupError> {
    let mut roots = RootCertStore::empty();
    for cert in files::certificates(path)? {
        roots.add(cert).map_err(|e| {
            SetupError::Rustls(format!(
                "{}: not a usable CA certificate: {e}",
                path.display()
            ))
        })?;
    }
    Ok(Arc::new(roots))
}

/// The server's configuration: TLS 1.3, a client certificate issued by the
/// CA in `client_ca` required, and refused if its serial is on a CRL in `crl`.
///
/// # Errors
///
/// A file is missing or malformed, or the key does not suit the certificate.
pub fn server_config(
    cert: &Path,
    key: &Path,
    client_ca: &Path,
    crl: Option<&Path>,
    key_log: Option<Arc<dyn KeyLog>>,
) -> Result<ServerConfig, SetupError> {
    let provider = provider();
    let crls = match crl {
        Some(path) => files::revocation_lists(path)?,
        None => Vec::new(),
    };
    let verifier = WebPkiClientVerifier::builder_with_provider(roots(client_ca)?, provider.clone())
        .with_crls(crls)
        .build()
        .map_err(|e| SetupError::Rustls(format!("client verifier: {e}")))?;
    let chain = files::certificates(cert)?;
    let private_key = files::private_key(key)?;
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| SetupError::Rustls(e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, private_key)
        .map_err(|e| key_error(cert, key, &e))?;
    if let Some(key_log) = key_log {
        config.key_log = key_log;
    }
    Ok(config)
}

/// The client's configuration: TLS 1.3, the server must have a certificate
/// from the CA in `ca`; the client presents `cert` and `key` if given.
///
/// # Errors
///
/// A file is missing or malformed, or the key does not suit the certificate.
pub fn client_config(
    identity: Option<(&Path, &Path)>,
    ca: &Path,
    key_log: Option<Arc<dyn KeyLog>>,
) -> Result<ClientConfig, SetupError> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| SetupError::Rustls(e.to_string()))?
        .with_root_certificates(roots(ca)?);
    let mut config = match identity {
        Some((cert, key)) => builder
            .with_client_auth_cert(files::certificates(cert)?, files::private_key(key)?)
            .map_err(|e| key_error(cert, key, &e))?,
        None => builder.with_no_client_auth(),
    };
    if let Some(key_log) = key_log {
        config.key_log = key_log;
    }
    Ok(config)
}

fn key_error(cert: &Path, key: &Path, e: &Error) -> SetupError {
    let what = match e {
        Error::InconsistentKeys(_) => {
            "the private key does not belong to the certificate".to_owned()
        }
        other => other.to_string(),
    };
    SetupError::Rustls(format!("{} and {}: {what}", cert.display(), key.display()))
}

/// Why a handshake failed, in the words of the course, followed by rustls's own.
#[must_use]
pub fn reason(error: &Error) -> String {
    let ours = match error {
        Error::NoCertificatesPresented => {
            "no client certificate (the server requires one)".to_owned()
        }
        Error::InvalidCertificate(why) => certificate_reason(why),
        Error::AlertReceived(alert) => {
            format!("the peer refused the handshake: {}", alert_reason(*alert))
        }
        Error::PeerIncompatible(_) => {
            "the peer cannot speak what we require (TLS 1.3, X25519, a SHA-256 suite)".to_owned()
        }
        _ => return error.to_string(),
    };
    format!("{ours} (rustls: {error})")
}

fn certificate_reason(why: &CertificateError) -> String {
    match why {
        CertificateError::UnknownIssuer => {
            "certificate not issued by a trusted CA (unknown issuer)".to_owned()
        }
        CertificateError::Revoked => {
            "certificate revoked (its serial is on the CA's revocation list)".to_owned()
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "certificate expired".to_owned()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "certificate not yet valid".to_owned()
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            "certificate not valid for the name we asked for".to_owned()
        }
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            "certificate not valid for this use (its extended key usage does not allow it)"
                .to_owned()
        }
        CertificateError::BadSignature => {
            "certificate signature does not verify (a different CA with the same name issued it?)"
                .to_owned()
        }
        other => format!("certificate refused: {other:?}"),
    }
}

fn alert_reason(alert: AlertDescription) -> String {
    let hint = match alert {
        AlertDescription::CertificateRequired => "it requires a client certificate",
        AlertDescription::UnknownCA => "it does not trust the CA that issued our certificate",
        AlertDescription::CertificateRevoked => "our certificate is revoked",
        AlertDescription::CertificateExpired => "our certificate expired",
        AlertDescription::BadCertificate => "it found our certificate bad",
        AlertDescription::DecryptError => "a signature or Finished did not verify",
        AlertDescription::HandshakeFailure => "no common parameters",
        _ => "",
    };
    if hint.is_empty() {
        format!("alert {alert:?}")
    } else {
        format!("alert {alert:?}: {hint}")
    }
}

/// `subject, serial N` of a peer's leaf certificate, for the `accepted` line.
#[must_use]
pub fn describe_peer(certs: Option<&[rustls::pki_types::CertificateDer<'_>]>) -> String {
    match certs.and_then(<[_]>::first).map(|c| x509::summarize(c)) {
        Some(Ok(s)) => format!(
            "{} (serial {}, issuer {})",
            s.subject,
            s.serial_hex(),
            s.issuer
        ),
        Some(Err(e)) => format!("<{e}>"),
        None => "<no certificate>".to_owned(),
    }
}

//! rustls configurations for the lesson's server and client: TLS 1.3
//! only, X25519 unless told otherwise (`--groups`, Lesson 19: the hybrid
//! `X25519MLKEM768`), the two SHA-256 cipher suites, client certificate
//! required.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, ring};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::{
    AlertDescription, CertificateError, ClientConfig, DigitallySignedStruct, Error, KeyLog,
    OtherError, RootCertStore, ServerConfig, SignatureScheme,
};
use sha2::{Digest as _, Sha256};

use crate::files::{self, FileError};
use crate::kx::Groups;
use crate::x509;

/// The cryptography the lesson offers: the course's own pieces where TLS
/// has them (X25519, ChaCha20-Poly1305, SHA-256), plus AES-128-GCM, the
/// suite every TLS 1.3 peer must support.
#[must_use]
pub fn provider() -> Arc<CryptoProvider> {
    provider_with_groups(&Groups::default())
}

/// As [`provider`], with the key exchange groups `groups` (a client
/// offers them in this order; a server accepts only these).
#[must_use]
pub fn provider_with_groups(groups: &Groups) -> Arc<CryptoProvider> {
    let mut provider = ring::default_provider();
    provider.cipher_suites = vec![
        ring::cipher_suite::TLS13_CHACHA20_POLY1305_SHA256,
        ring::cipher_suite::TLS13_AES_128_GCM_SHA256,
    ];
    provider.kx_groups = groups.kx_groups();
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
    server_config_for(cert, key, client_ca, crl, key_log, provider())
}

/// As [`server_config`], with the cryptography in `provider` (see
/// [`provider_with_groups`]: a server accepts only its key exchange
/// groups, and of a client's offer picks the first of *its own* list that
/// the client supports).
///
/// # Errors
///
/// As [`server_config`].
pub fn server_config_for(
    cert: &Path,
    key: &Path,
    client_ca: &Path,
    crl: Option<&Path>,
    key_log: Option<Arc<dyn KeyLog>>,
    provider: Arc<CryptoProvider>,
) -> Result<ServerConfig, SetupError> {
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
    client_config_pinned(identity, ca, None, key_log)
}

/// As [`client_config`]; with `pin`, the server's certificate must also
/// have exactly that SHA-256 fingerprint (of its DER), CA or not.
///
/// # Errors
///
/// As [`client_config`].
pub fn client_config_pinned(
    identity: Option<(&Path, &Path)>,
    ca: &Path,
    pin: Option<Fingerprint>,
    key_log: Option<Arc<dyn KeyLog>>,
) -> Result<ClientConfig, SetupError> {
    client_config_for(identity, ca, pin, key_log, provider())
}

/// As [`client_config_pinned`], with the cryptography in `provider` (see
/// [`provider_with_groups`]: a client offers its key exchange groups in
/// that order, with a key share for the first, and, when the first is
/// `X25519MLKEM768` and X25519 follows, an X25519 share beside it).
///
/// # Errors
///
/// As [`client_config`].
pub fn client_config_for(
    identity: Option<(&Path, &Path)>,
    ca: &Path,
    pin: Option<Fingerprint>,
    key_log: Option<Arc<dyn KeyLog>>,
    provider: Arc<CryptoProvider>,
) -> Result<ClientConfig, SetupError> {
    let wants_verifier = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| SetupError::Rustls(e.to_string()))?;
    let builder = match pin {
        None => wants_verifier.with_root_certificates(roots(ca)?),
        Some(pin) => {
            let chain = WebPkiServerVerifier::builder_with_provider(roots(ca)?, provider)
                .build()
                .map_err(|e| SetupError::Rustls(format!("server verifier: {e}")))?;
            wants_verifier
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(PinnedServer { chain, pin }))
        }
    };
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

/// The SHA-256 of a certificate's DER encoding: what `openssl x509
/// -fingerprint -sha256` prints, and what a pinning client compares.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint(pub [u8; 32]);

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

impl Fingerprint {
    /// The fingerprint of `der`.
    #[must_use]
    pub fn of(der: &[u8]) -> Self {
        Self(Sha256::digest(der).into())
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&x509::hex(&self.0))
    }
}

impl std::str::FromStr for Fingerprint {
    type Err = String;
    /// 64 hex digits, either case, with or without OpenSSL's colons.
    fn from_str(text: &str) -> Result<Self, String> {
        let digits: String = text.chars().filter(|c| *c != ':').collect();
        learn_mtls::hex::decode_array(&digits)
            .map(Self)
            .map_err(|e| format!("not a SHA-256 fingerprint (64 hex digits): {e}"))
    }
}

/// The server's certificate did not have the pinned fingerprint.
#[derive(Debug)]
pub struct PinMismatch {
    /// The fingerprint the client was told to expect.
    pub expected: Fingerprint,
    /// The fingerprint of the certificate the server sent.
    pub seen: Fingerprint,
}

impl fmt::Display for PinMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "certificate pinning failure: expected SHA-256 {}, the server sent {}",
            self.expected, self.seen
        )
    }
}

impl std::error::Error for PinMismatch {}

/// Checks the chain as usual, then the pin: a certificate the CA signed
/// but with another fingerprint (a re-issue, a rotation) is refused.
#[derive(Debug)]
struct PinnedServer {
    chain: Arc<WebPkiServerVerifier>,
    pin: Fingerprint,
}

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let verified = self.chain.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )?;
        let seen = Fingerprint::of(end_entity);
        if seen == self.pin {
            Ok(verified)
        } else {
            Err(Error::InvalidCertificate(CertificateError::Other(
                OtherError(Arc::new(PinMismatch {
                    expected: self.pin,
                    seen,
                })),
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.chain.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.chain.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.chain.supported_verify_schemes()
    }
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
        // Our own refusals (a pin) say all there is to say.
        Error::InvalidCertificate(CertificateError::Other(ours)) => return ours.to_string(),
        Error::NoCertificatesPresented => {
            "no client certificate (the server requires one)".to_owned()
        }
        Error::InvalidCertificate(why) => certificate_reason(why),
        Error::AlertReceived(alert) => {
            format!("the peer refused the handshake: {}", alert_reason(*alert))
        }
        Error::PeerIncompatible(_) => {
            "the peer cannot speak what we require (TLS 1.3, one of our key exchange groups, \
             a SHA-256 suite)"
                .to_owned()
        }
        Error::PeerMisbehaved(rustls::PeerMisbehaved::InvalidKeyShare) => {
            "the peer's key share is invalid (an X25519 share of low order, an ML-KEM-768 \
             encapsulation key with a coefficient of 3329 or more, or the wrong length)"
                .to_owned()
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

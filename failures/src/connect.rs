//! `18-mtls-doctor connect`: connect to a server as a client, keep what it
//! sends, and explain what went wrong.
//!
//! The client accepts any server certificate *for the diagnosis only*
//! (every certificate it receives is then checked by [`doctor::check_chain`]
//! against `--ca`); it still verifies the server's handshake signature, and
//! it never sends application data. It notes whether the server asked for
//! a client certificate, and how the server answered the one it sent (or
//! its absence): TLS 1.3 servers refuse a client certificate after the
//! client has finished its handshake, so the doctor waits a moment for
//! that alert.

use std::io::{self, Read as _};
use std::net::{TcpStream, ToSocketAddrs as _};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use learn_mtls_real_tls::x509;
use learn_mtls_real_tls::{files, ocsp};
use rustls::client::ResolvesClientCert;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{
    AlertDescription, ClientConfig, ClientConnection, DigitallySignedStruct, Error,
    PeerIncompatible, SignatureScheme,
};

use crate::doctor::{self, Cause, DoctorError, Finding, Presented, Role, Trust};

/// The `connect` mode's inputs.
pub struct ConnectCheck<'a> {
    /// `--connect HOST:PORT`.
    pub addr: &'a str,
    /// `--ca`: what the server's certificate must chain to.
    pub ca: &'a Path,
    /// `--cert` and `--key`, if the client has a certificate.
    pub identity: Option<(&'a Path, &'a Path)>,
    /// `--server-name`: the name dialled (default: ADDR's host).
    pub server_name: &'a str,
    /// How long to wait at each step, and for a refusal after the handshake.
    pub timeout: Duration,
    /// `--now`: the time the server's certificate and staple are judged at.
    pub now: UnixTime,
}

/// Keeps the server's certificates; lets the handshake go on.
#[derive(Debug)]
struct Recorder {
    seen: Mutex<Vec<CertificateDer<'static>>>,
    /// The OCSP response the server stapled (empty: none).
    staple: Mutex<Vec<u8>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        if let Ok(mut staple) = self.staple.lock() {
            *staple = ocsp_response.to_vec();
        }
        let mut seen = self
            .seen
            .lock()
            .map_err(|_| Error::General("lock".into()))?;
        seen.clear();
        seen.push(end_entity.clone().into_owned());
        seen.extend(intermediates.iter().map(|c| c.clone().into_owned()));
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Offers the client's certificate, and notes whether it was asked for.
#[derive(Debug)]
struct Offer {
    key: Option<Arc<CertifiedKey>>,
    /// `Some(hints)` once the server sent a CertificateRequest; the hints
    /// are the DER names of the CAs it said it accepts.
    asked: Mutex<Option<Vec<Vec<u8>>>>,
}

impl ResolvesClientCert for Offer {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        if let Ok(mut asked) = self.asked.lock() {
            *asked = Some(root_hint_subjects.iter().map(|s| s.to_vec()).collect());
        }
        self.key.clone()
    }

    fn has_certs(&self) -> bool {
        self.key.is_some()
    }
}

/// What one connection showed.
struct Attempt {
    server_chain: Vec<CertificateDer<'static>>,
    staple: Vec<u8>,
    asked: Option<Vec<Vec<u8>>>,
    outcome: Outcome,
}

enum Outcome {
    /// The handshake completed and no refusal followed.
    Accepted,
    /// The server sent this alert (during or right after the handshake).
    Alert(AlertDescription),
    /// The server closed the connection without an alert.
    Closed,
    /// rustls stopped the handshake itself.
    Local(Error),
}

fn attempt(
    check: &ConnectCheck<'_>,
    key: Option<Arc<CertifiedKey>>,
) -> Result<Attempt, DoctorError> {
    let provider = doctor::provider();
    let recorder = Arc::new(Recorder {
        seen: Mutex::new(Vec::new()),
        staple: Mutex::new(Vec::new()),
        algorithms: provider.signature_verification_algorithms,
    });
    let offer = Arc::new(Offer {
        key,
        asked: Mutex::new(None),
    });
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| DoctorError::Other(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_client_cert_resolver(offer.clone());
    let name = ServerName::try_from(check.server_name.to_owned())
        .map_err(|e| DoctorError::Other(format!("--server-name {}: {e}", check.server_name)))?;
    let mut conn = ClientConnection::new(Arc::new(config), name)
        .map_err(|e| DoctorError::Other(e.to_string()))?;
    let addr = check
        .addr
        .to_socket_addrs()
        .map_err(|e| DoctorError::Other(format!("{}: {e}", check.addr)))?
        .next()
        .ok_or_else(|| DoctorError::Other(format!("{}: no address", check.addr)))?;
    let mut socket = TcpStream::connect_timeout(&addr, check.timeout).map_err(|e| {
        DoctorError::Other(format!(
            "cannot connect to {}: {e} (is the server running, on that HOST:PORT?)",
            check.addr
        ))
    })?;
    socket
        .set_read_timeout(Some(check.timeout))
        .and_then(|()| socket.set_write_timeout(Some(check.timeout)))
        .map_err(|e| DoctorError::Other(e.to_string()))?;

    let mut outcome = None;
    while conn.is_handshaking() {
        match conn.complete_io(&mut socket) {
            Ok((0, 0)) if conn.is_handshaking() => {
                outcome = Some(Outcome::Closed);
                break;
            }
            Ok(_) => {}
            Err(e) => {
                outcome = Some(classify(e));
                break;
            }
        }
    }
    if outcome.is_none() {
        // Flush our last flight, then wait for the server's verdict.
        if let Err(e) = conn.complete_io(&mut socket) {
            outcome = Some(classify(e));
        }
    }
    if outcome.is_none() {
        let wait = check.timeout.min(Duration::from_millis(1500));
        socket
            .set_read_timeout(Some(wait))
            .map_err(|e| DoctorError::Other(e.to_string()))?;
        let deadline = std::time::Instant::now() + wait;
        outcome = Some(loop {
            if std::time::Instant::now() >= deadline {
                break Outcome::Accepted;
            }
            match conn.read_tls(&mut socket) {
                Ok(0) => break Outcome::Closed,
                Ok(_) => match conn.process_new_packets() {
                    Ok(state) => {
                        if state.peer_has_closed() {
                            break Outcome::Closed;
                        }
                        let mut sink = Vec::new();
                        let _ = conn.reader().read_to_end(&mut sink);
                    }
                    Err(e) => break classify(io::Error::other(e)),
                },
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    break Outcome::Accepted;
                }
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => break Outcome::Closed,
                Err(e) => return Err(DoctorError::Other(format!("{}: {e}", check.addr))),
            }
        });
    }
    let server_chain = recorder.seen.lock().map(|s| s.clone()).unwrap_or_default();
    let asked = offer.asked.lock().map(|a| a.clone()).unwrap_or_default();
    let staple = recorder
        .staple
        .lock()
        .map(|s| s.clone())
        .unwrap_or_default();
    Ok(Attempt {
        server_chain,
        staple,
        asked,
        outcome: outcome.unwrap_or(Outcome::Accepted),
    })
}

fn classify(e: io::Error) -> Outcome {
    if e.kind() == io::ErrorKind::ConnectionReset || e.kind() == io::ErrorKind::UnexpectedEof {
        return Outcome::Closed;
    }
    match e.into_inner().map(|inner| inner.downcast::<Error>()) {
        Some(Ok(error)) => match *error {
            Error::AlertReceived(alert) => Outcome::Alert(alert),
            other => Outcome::Local(other),
        },
        Some(Err(other)) => Outcome::Local(Error::General(other.to_string())),
        None => Outcome::Closed,
    }
}

fn alert_name(alert: AlertDescription) -> String {
    // rustls's names are CamelCase; the RFC's are snake_case.
    let camel = format!("{alert:?}");
    let mut out = String::new();
    for (i, ch) in camel.chars().enumerate() {
        if ch.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(ch.to_ascii_lowercase());
        } else {
            out.push(ch);
        }
    }
    out.replace("unknown_c_a", "unknown_ca")
}

const REQUIRE_FIX: &str = "make the server require a certificate: rustls WebPkiClientVerifier (not allow_unauthenticated), nginx ssl_verify_client on, OpenSSL s_server -Verify (capital V), Python ssl.CERT_REQUIRED, Go tls.RequireAndVerifyClientCert";

/// `18-mtls-doctor connect`: connects, then reports on the server's
/// certificates and on how it treated the client's.
///
/// # Errors
///
/// A file is unreadable, or the server cannot be reached.
pub fn check_connect(check: &ConnectCheck<'_>) -> Result<Vec<Finding>, DoctorError> {
    let mut findings = Vec::new();
    let cas = files::certificates(check.ca)?;
    let now = check.now;

    // The client's own files first: a key that is not the certificate's
    // never gets as far as the server.
    let mut ours = None;
    if let Some((cert, key)) = check.identity {
        let chain = files::certificates(cert)?;
        let key_finding = doctor::check_key(&chain, cert, key)?;
        let usable = key_finding.cause.is_none();
        findings.push(key_finding);
        if !usable {
            return Ok(findings);
        }
        let signing = doctor::provider()
            .key_provider
            .load_private_key(files::private_key(key)?)
            .map_err(|e| DoctorError::Other(format!("{}: {e}", key.display())))?;
        ours = Some((cert, Arc::new(CertifiedKey::new(chain, signing))));
    }

    let first = attempt(check, ours.as_ref().map(|(_, k)| k.clone()))?;
    let source = format!("the server at {}", check.addr);

    // What the server sent.
    if first.server_chain.is_empty() {
        match &first.outcome {
            Outcome::Alert(AlertDescription::HandshakeFailure)
            | Outcome::Local(Error::PeerIncompatible(
                PeerIncompatible::NoSignatureSchemesInCommon
                | PeerIncompatible::SignatureAlgorithmsExtensionRequired,
            )) => {
                let schemes = doctor::provider()
                    .signature_verification_algorithms
                    .supported_schemes()
                    .iter()
                    .map(|s| format!("{s:?}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                findings.push(Finding::problem(
                    Cause::UnsupportedKeyType,
                    format!("{source} gave up on the handshake before sending a certificate, though this client offered every version, group and suite rustls has: the likeliest reason is that its certificate's key type is one rustls does not offer (it offers {schemes}; not Ed448, not P-521)"),
                    "openssl s_client -connect ADDR shows the server's key type (\"Peer signature type\"); reissue the server's certificate with an ECDSA P-256 key, or give it a second certificate of that type",
                ));
                return Ok(findings);
            }
            other => {
                return Err(DoctorError::Other(format!(
                    "{source}: the handshake stopped before the server sent a certificate ({})",
                    describe(other)
                )));
            }
        }
    }
    let trust = Trust {
        ca_file: check.ca,
        cas: &cas,
        crls: None,
        now,
    };
    findings.extend(doctor::check_chain(
        &Presented {
            source: source.clone(),
            chain: &first.server_chain,
            separate_chain: false,
        },
        &trust,
        Role::Server,
        Some(check.server_name),
    )?);
    findings.extend(staple_finding(
        &source,
        &first.server_chain,
        &cas,
        &first.staple,
        now,
    ));

    // How the server treated the client.
    let Some(hints) = &first.asked else {
        findings.push(Finding::problem(
            Cause::ClientCertNotRequired,
            format!("{source} never asked for a client certificate: it is not mutual TLS, and anyone can connect"),
            REQUIRE_FIX,
        ));
        return Ok(findings);
    };
    let hint_names: Vec<String> = hints.iter().map(|h| dn_text(h)).collect();
    let asked_for = if hint_names.is_empty() {
        String::new()
    } else {
        format!(" (it named the CAs it accepts: {})", hint_names.join("; "))
    };
    match (&ours, &first.outcome) {
        (None, Outcome::Accepted) => findings.push(Finding::problem(
            Cause::ClientCertNotRequired,
            format!("{source} asked for a client certificate but let this client in without one: the certificate is optional (CERT_OPTIONAL, ssl_verify_client optional, -verify)"),
            REQUIRE_FIX,
        )),
        (None, _) => findings.push(Finding::problem(
            Cause::NoClientCert,
            format!(
                "{source} requires a client certificate{asked_for}, and this connection offered none ({})",
                describe(&first.outcome)
            ),
            "give the client its certificate and key (here: --cert FILE --key FILE), from a CA the server trusts",
        )),
        (Some((cert, _)), Outcome::Accepted) => {
            findings.push(Finding::ok(format!(
                "{source} asked for a client certificate and accepted {}",
                cert.display()
            )));
            // Would it have let us in without one?
            let second = attempt(check, None)?;
            if matches!(second.outcome, Outcome::Accepted) {
                findings.push(Finding::problem(
                    Cause::ClientCertNotRequired,
                    format!("{source} also lets a client in without any certificate: the certificate is optional there"),
                    REQUIRE_FIX,
                ));
            } else {
                findings.push(Finding::ok(format!(
                    "{source} refuses a client without a certificate ({})",
                    describe(&second.outcome)
                )));
            }
        }
        (Some((cert, key)), outcome) => {
            findings.extend(refused_ours(
                &source, cert, &key.cert, &hint_names, outcome, now,
            ));
        }
    }
    Ok(findings)
}

/// What the server's stapled OCSP response says, if it stapled one, judged
/// as `16-tls-client --require-ocsp` judges it (the same function): a
/// `revoked` answer is `revoked`, a stale one `expired` (the answer has
/// expired, not the certificate), and any other refusal `unknown-ca`,
/// since the staple then does not come, verifiably, from the
/// certificate's CA about this certificate.
fn staple_finding(
    source: &str,
    chain: &[CertificateDer<'static>],
    cas: &[CertificateDer<'static>],
    staple: &[u8],
    now: UnixTime,
) -> Option<Finding> {
    let leaf = chain.first()?;
    if staple.is_empty() {
        return None;
    }
    let name = x509::summarize(leaf).map_or_else(
        |_| "its certificate".to_owned(),
        |s| format!("{} (serial {})", s.subject, s.serial_hex()),
    );
    let verdict = ocsp::issuer_of(leaf, chain[1..].iter().chain(cas).map(|c| c.as_ref()))
        .and_then(|issuer| ocsp::check(staple, leaf, issuer, now));
    let staple_text = format!(
        "the OCSP response {source} staples ({} bytes)",
        staple.len()
    );
    Some(match verdict {
        Ok(()) => Finding::ok(format!(
            "{staple_text} says {name} is good, signed by its CA, and is fresh"
        )),
        Err(e) => {
            let why = e.0;
            match e.1 {
                ocsp::Fault::Revoked => Finding::problem(
                    Cause::Revoked,
                    format!("{staple_text}, signed by its CA, says {name} is revoked"),
                    "the server needs a new certificate and key; until it has one, every client that checks the staple refuses it",
                ),
                ocsp::Fault::Stale => Finding::problem(
                    Cause::Expired,
                    format!(
                        "{staple_text} has expired, not the certificate {name}: {why}; clients that require a staple refuse it"
                    ),
                    "fetch a fresh response from the CA's responder (openssl ocsp ... -respout FILE) into the file the server staples, and refresh it well before each nextUpdate (is the responder up? is the refresh job running?)",
                ),
                ocsp::Fault::Other => Finding::problem(
                    Cause::UnknownCa,
                    format!("{staple_text} does not vouch for {name}: {why}"),
                    "staple a response about this very certificate, fetched from its CA's responder (openssl ocsp -issuer ISSUER -cert CERT -url URL -respout FILE)",
                ),
            }
        }
    })
}

fn describe(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Accepted => "accepted".to_owned(),
        Outcome::Alert(alert) => format!("alert {}", alert_name(*alert)),
        Outcome::Closed => "it closed the connection without an alert".to_owned(),
        Outcome::Local(e) => format!("rustls: {e}"),
    }
}

/// A DER `Name` from a CertificateRequest (the whole `Name`, as in a
/// certificate's subject) as `CN=...` text.
fn dn_text(der: &[u8]) -> String {
    name_text(der).unwrap_or_else(|| "<a name the doctor cannot read>".to_owned())
}

/// A `Name` (SEQUENCE OF SET OF { OID, value }) as `CN=...` text.
fn name_text(der: &[u8]) -> Option<String> {
    // SEQUENCE { SET { SEQUENCE { OID, value } } ... }
    let ((_, inner), _) = tlv(der)?;
    let mut rest = inner;
    let mut parts = Vec::new();
    while !rest.is_empty() {
        let (set, after) = tlv(rest)?;
        rest = after;
        let (pair, _) = tlv(set.1)?;
        let (oid, value_rest) = tlv(pair.1)?;
        let (value, _) = tlv(value_rest)?;
        let kind = match oid.1 {
            [0x55, 0x04, 0x03] => "CN",
            [0x55, 0x04, 0x0a] => "O",
            [0x55, 0x04, 0x06] => "C",
            _ => "?",
        };
        parts.push(format!("{kind}={}", String::from_utf8_lossy(value.1)));
    }
    Some(parts.join(", "))
}

/// A tag and its value.
type Tlv<'a> = (u8, &'a [u8]);

/// One TLV, and what follows it.
fn tlv(der: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = match first {
        0..=0x7f => (usize::from(first), rest),
        0x81 => (usize::from(*rest.first()?), rest.get(1..)?),
        0x82 => (
            usize::from(*rest.first()?) << 8 | usize::from(*rest.get(1)?),
            rest.get(2..)?,
        ),
        _ => return None,
    };
    let value = rest.get(..len)?;
    Some(((tag, value), rest.get(len..)?))
}

/// The server refused the client's certificate: what it said, and what
/// the client's own files show.
fn refused_ours(
    source: &str,
    cert: &Path,
    chain: &[CertificateDer<'static>],
    hints: &[String],
    outcome: &Outcome,
    now: UnixTime,
) -> Vec<Finding> {
    let said = describe(outcome);
    let file = cert.display();
    let Some(leaf) = chain.first().and_then(|c| x509::summarize(c).ok()) else {
        return vec![];
    };
    let now_s = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    let expired = doctor::unix_seconds(&leaf.not_after).is_some_and(|t| now_s > t);
    let early = doctor::unix_seconds(&leaf.not_before).is_some_and(|t| now_s < t);
    let wrong_usage = !leaf.extended_key_usages.is_empty()
        && !leaf.extended_key_usages.iter().any(|u| u == "clientAuth");
    let alert = match outcome {
        Outcome::Alert(a) => Some(*a),
        _ => None,
    };
    let one = |cause, what: String, fix: &str| vec![Finding::problem(cause, what, fix)];
    if alert == Some(AlertDescription::CertificateRevoked) {
        return one(
            Cause::Revoked,
            format!(
                "{source} refused {file} ({}) as revoked ({said})",
                leaf.subject
            ),
            "a revoked certificate never becomes good again: make a new key and have the CA issue a new certificate",
        );
    }
    if expired || alert == Some(AlertDescription::CertificateExpired) {
        return one(
            Cause::Expired,
            format!(
                "{source} refused {file} ({}), which expired on {} ({said})",
                leaf.subject, leaf.not_after
            ),
            "issue a new client certificate and install it; if it should still be valid, check the clocks (date -u) on both machines",
        );
    }
    if early {
        return one(
            Cause::NotYetValid,
            format!(
                "{source} refused {file} ({}), valid only from {} ({said})",
                leaf.subject, leaf.not_before
            ),
            "set the clocks right (timedatectl set-ntp true), or reissue the certificate with a start a few minutes in the past",
        );
    }
    if wrong_usage {
        return one(
            Cause::WrongUsage,
            format!(
                "{source} refused {file} ({}), which may be used only for {} ({said})",
                leaf.subject,
                leaf.extended_key_usages.join(", ")
            ),
            "present the client certificate (extendedKeyUsage=clientAuth), not the server's",
        );
    }
    let issuer_hinted = hints.contains(&leaf.issuer);
    let chain_names: Vec<String> = chain
        .iter()
        .filter_map(|c| x509::summarize(c).ok())
        .map(|s| s.issuer)
        .collect();
    let any_hinted = chain_names.iter().any(|n| hints.contains(n));
    if !hints.is_empty() && chain.len() == 1 && !issuer_hinted {
        return vec![
            Finding::problem(
                Cause::IncompleteChain,
                format!(
                    "{source} refused {file} ({said}): it holds {} alone, issued by {}, which is not among the CAs the server named ({}); either the intermediate {} is missing from {file} (likelier when the server's CA is its parent)",
                    leaf.subject,
                    leaf.issuer,
                    hints.join("; "),
                    leaf.issuer
                ),
                "append the intermediate's certificate to the client's certificate file, after the leaf",
            ),
            Finding::problem(
                Cause::UnknownCa,
                format!(
                    "or the server does not trust the CA above {} at all",
                    leaf.issuer
                ),
                "get a client certificate from a CA the server trusts, or have the server trust this one",
            ),
        ];
    }
    let what = if hints.is_empty() || any_hinted {
        format!(
            "{source} refused {file} ({}, issued by {}) ({said}): nothing is wrong with it that the client can see, so the server does not trust its CA",
            leaf.subject, leaf.issuer
        )
    } else {
        format!(
            "{source} refused {file} ({}, issued by {}) ({said}): the server trusts only {}",
            leaf.subject,
            leaf.issuer,
            hints.join("; ")
        )
    };
    one(
        Cause::UnknownCa,
        what,
        "get a client certificate from a CA the server trusts (its CertificateRequest names them), or add this certificate's CA to the server's client CA file",
    )
}

/// The default `--server-name`: ADDR without its port.
#[must_use]
pub fn host_of(addr: &str) -> &str {
    match addr.rsplit_once(':') {
        Some((host, _)) => host.trim_start_matches('[').trim_end_matches(']'),
        None => addr,
    }
}

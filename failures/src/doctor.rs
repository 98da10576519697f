//! `18-mtls-doctor`: what is wrong with a set of certificate files, or with
//! a live server, in one line per finding.
//!
//! ```text
//! ok server-full.pem: CN=localhost (serial 18..., ECDSA P-256 key)
//! problem expired: expired-server-full.pem: CN=localhost expired on 2026-12-05 12:00:00 UTC, 2 days ago; fix: issue a new certificate ...
//! ```
//!
//! The word after `problem` comes from [`Cause`], a fixed list scripts can
//! match on. The checks themselves are the ones rustls makes (chain, time,
//! usage, revocation: `webpki`, run at a chosen time), plus the ones it
//! cannot explain well by itself: which file is short of what, whether a
//! name lives only in the common name, whether a key type is one some
//! stacks refuse, and whether a key belongs to its certificate.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use learn_mtls_real_tls::files::{self, FileError};
use learn_mtls_real_tls::x509::{self, San, Summary};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier as _;
use rustls::crypto::{CryptoProvider, ring};
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::sign::CertifiedKey;
use rustls::{CertificateError, Error, InconsistentKeys, RootCertStore};

/// Why a connection fails: the fixed vocabulary of `problem CAUSE:` lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Cause {
    /// A certificate was sent without the intermediate that links it to the CA.
    IncompleteChain,
    /// The certificate's CA is not one the other side trusts.
    UnknownCa,
    /// Past its `notAfter`.
    Expired,
    /// Before its `notBefore` (often: a clock behind).
    NotYetValid,
    /// Its names do not cover the name dialled.
    NameMismatch,
    /// A name in the common name only, no subjectAltName.
    NoSan,
    /// Its extended key usage does not allow this role.
    WrongUsage,
    /// The server requires a client certificate and none was sent.
    NoClientCert,
    /// The server lets clients in without a certificate.
    ClientCertNotRequired,
    /// The private key is not the certificate's.
    KeyMismatch,
    /// A key type that some TLS stacks do not offer.
    UnsupportedKeyType,
    /// On its CA's revocation list.
    Revoked,
}

impl Cause {
    /// Every cause, in the order the lesson lists them.
    pub const ALL: [Self; 12] = [
        Self::IncompleteChain,
        Self::UnknownCa,
        Self::Expired,
        Self::NotYetValid,
        Self::NameMismatch,
        Self::NoSan,
        Self::WrongUsage,
        Self::NoClientCert,
        Self::ClientCertNotRequired,
        Self::KeyMismatch,
        Self::UnsupportedKeyType,
        Self::Revoked,
    ];

    /// The word printed after `problem`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::IncompleteChain => "incomplete-chain",
            Self::UnknownCa => "unknown-ca",
            Self::Expired => "expired",
            Self::NotYetValid => "not-yet-valid",
            Self::NameMismatch => "name-mismatch",
            Self::NoSan => "no-san",
            Self::WrongUsage => "wrong-usage",
            Self::NoClientCert => "no-client-cert",
            Self::ClientCertNotRequired => "client-cert-not-required",
            Self::KeyMismatch => "key-mismatch",
            Self::UnsupportedKeyType => "unsupported-key-type",
            Self::Revoked => "revoked",
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One line of the doctor's report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// `None`: an `ok` line.
    pub cause: Option<Cause>,
    /// What was found, naming the file and the certificate.
    pub what: String,
    /// What to do (empty on an `ok` line).
    pub fix: String,
}

impl Finding {
    pub(crate) fn ok(what: impl Into<String>) -> Self {
        Self {
            cause: None,
            what: what.into(),
            fix: String::new(),
        }
    }

    pub(crate) fn problem(cause: Cause, what: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            cause: Some(cause),
            what: what.into(),
            fix: fix.into(),
        }
    }

    /// The `--json` form: `{"status":"ok","what":...}` or
    /// `{"status":"problem","cause":...,"what":...,"fix":...}`.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        match self.cause {
            None => serde_json::json!({ "status": "ok", "what": self.what }),
            Some(cause) => serde_json::json!({
                "status": "problem",
                "cause": cause.name(),
                "what": self.what,
                "fix": self.fix,
            }),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.cause {
            None => write!(f, "ok {}", self.what),
            Some(cause) => write!(f, "problem {cause}: {}; fix: {}", self.what, self.fix),
        }
    }
}

/// Which side a certificate is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A TLS client's certificate (extended key usage `clientAuth`).
    Client,
    /// A TLS server's certificate (`serverAuth`, names checked).
    Server,
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "client" => Ok(Self::Client),
            "server" => Ok(Self::Server),
            other => Err(format!("role {other:?}: expected client or server")),
        }
    }
}

/// The doctor could not look at all (a file it cannot read, a server it
/// cannot reach): no finding, exit status 2.
#[derive(Debug)]
pub enum DoctorError {
    /// A file is missing or not PEM.
    File(FileError),
    /// A certificate is not DER the course's reader understands.
    X509(String),
    /// Something the doctor has no cause for.
    Other(String),
}

impl fmt::Display for DoctorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(e) => e.fmt(f),
            Self::X509(e) | Self::Other(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for DoctorError {}

impl From<FileError> for DoctorError {
    fn from(e: FileError) -> Self {
        Self::File(e)
    }
}

/// The cryptography the doctor accepts: everything rustls with ring has
/// (both TLS versions, every group and suite), so that a failure it sees
/// is the peer's, not a narrow configuration of its own.
#[must_use]
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(ring::default_provider())
}

/// A certificate as the report names it: `CN=localhost (serial 18ab...)`.
fn label(s: &Summary) -> String {
    format!("{} (serial {})", s.subject, s.serial_hex())
}

/// The calendar conversions live beside the certificate readers, where
/// `16-tls-client --now` uses them too.
pub use learn_mtls_real_tls::clock::{parse_time, unix_seconds};

/// `2 days`, `5 hours`, `40 minutes`.
fn span(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    let (n, unit) = if s >= 2 * 86_400 {
        (s / 86_400, "days")
    } else if s >= 2 * 3600 {
        (s / 3600, "hours")
    } else if s >= 120 {
        (s / 60, "minutes")
    } else {
        (s, "seconds")
    };
    format!("{n} {unit}")
}

/// What the doctor knows of the key types the lab's stacks accept.
fn key_type_problem(s: &Summary) -> Option<&'static str> {
    match s.key_algorithm.as_str() {
        "Ed25519" | "ECDSA P-256" | "RSA" => None,
        // P-384
        "EC key on curve OID 2b81040022" => None,
        // 1.3.101.113
        "OID 2b6571" => Some(
            "an Ed448 key: OpenSSL (and Python and curl, which use it) accept it, but rustls and Go offer no signature scheme for Ed448, so their handshakes fail",
        ),
        // P-521
        "EC key on curve OID 2b81040023" => Some(
            "an ECDSA P-521 key: OpenSSL and Go accept it, but rustls built on ring does not verify P-521",
        ),
        // id-RSASSA-PSS
        "OID 2a864886f70d01010a" => Some(
            "an RSA-PSS-only key (id-RSASSA-PSS): OpenSSL accepts it, but rustls (webpki) and Go do not",
        ),
        _ => Some("a key type rustls does not know"),
    }
}

const KEY_TYPE_FIX: &str = "reissue it with an ECDSA P-256 key, which every stack accepts (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256)";

/// The names a client compares with the one it dialled.
fn host_names(s: &Summary) -> Vec<&San> {
    s.sans
        .iter()
        .filter(|san| matches!(san, San::Dns(_) | San::Ip(_)))
        .collect()
}

/// Whether `san` covers `name`: DNS names case-insensitively, `*.` for
/// exactly one leftmost label; IP addresses only as IP SANs.
fn covers(san: &San, name: &str) -> bool {
    match san {
        San::Dns(pattern) => {
            let (pattern, name) = (pattern.to_ascii_lowercase(), name.to_ascii_lowercase());
            match pattern.strip_prefix("*.") {
                Some(rest) => name
                    .split_once('.')
                    .is_some_and(|(label, tail)| !label.is_empty() && tail == rest),
                None => pattern == name,
            }
        }
        San::Ip(ip) => name.parse::<std::net::IpAddr>().is_ok_and(|n| n == *ip),
        _ => false,
    }
}

/// The certificates under examination and where they came from.
pub struct Presented<'a> {
    /// How the report names where the chain came from (a file, or "the server at ADDR").
    pub source: String,
    /// The leaf first, then any intermediates.
    pub chain: &'a [CertificateDer<'static>],
    /// Whether the intermediates came in a file of their own (`--chain`).
    pub separate_chain: bool,
}

/// What the certificates are checked against.
pub struct Trust<'a> {
    /// The CA file's name, for the report.
    pub ca_file: &'a Path,
    /// The CA certificates in it.
    pub cas: &'a [CertificateDer<'static>],
    /// Revocation lists, and the file they came from.
    pub crls: Option<(&'a Path, Vec<CertificateRevocationListDer<'static>>)>,
    /// The time to check validity at.
    pub now: UnixTime,
}

fn summaries(where_: &str, certs: &[CertificateDer<'static>]) -> Result<Vec<Summary>, DoctorError> {
    certs
        .iter()
        .enumerate()
        .map(|(i, c)| {
            x509::summarize(c)
                .map_err(|e| DoctorError::X509(format!("{where_}, certificate {}: {e}", i + 1)))
        })
        .collect()
}

/// Checks a chain (leaf first) for `role`, against `trust`; `name` is the
/// name a client would dial. Returns one finding per check.
///
/// # Errors
///
/// A certificate is not DER, or the CA file holds something rustls cannot
/// use as a trust anchor.
pub fn check_chain(
    presented: &Presented<'_>,
    trust: &Trust<'_>,
    role: Role,
    name: Option<&str>,
) -> Result<Vec<Finding>, DoctorError> {
    let source = presented.source.as_str();
    let ca_file = trust.ca_file.display().to_string();
    let Some((leaf, intermediates)) = presented.chain.split_first() else {
        return Err(DoctorError::Other(format!("{source}: no certificate")));
    };
    let chain = summaries(source, presented.chain)?;
    let cas = summaries(&ca_file, trust.cas)?;
    let leaf_s = &chain[0];
    let mut findings = Vec::new();

    findings.push(Finding::ok(format!(
        "{source}: {}, {} key",
        label(leaf_s),
        match leaf_s.key_algorithm.as_str() {
            "OID 2b6571" => "Ed448",
            other => other,
        }
    )));
    if let Some(ca) = cas.iter().find(|ca| !ca.is_ca) {
        findings.push(
            Finding::problem(
                Cause::UnknownCa,
                format!("{ca_file} holds {}, which is not a CA certificate (no basicConstraints CA:TRUE), so it cannot be trusted as one", label(ca)),
                format!("put the CA's own certificate in {ca_file} (the one with CA:TRUE that signed the peer's), not a leaf"),
            ),
        );
    }

    // Key type.
    if let Some(why) = key_type_problem(leaf_s) {
        findings.push(Finding::problem(
            Cause::UnsupportedKeyType,
            format!("{source}: {} has {why}", leaf_s.subject),
            KEY_TYPE_FIX,
        ));
    }

    // Validity windows, every certificate on hand.
    let now = i64::try_from(trust.now.as_secs()).unwrap_or(i64::MAX);
    let mut time_ok = true;
    let everything = chain
        .iter()
        .map(|s| (s, source.to_owned()))
        .chain(cas.iter().map(|s| (s, ca_file.clone())));
    for (i, (s, file)) in everything.enumerate() {
        let (Some(from), Some(until)) = (unix_seconds(&s.not_before), unix_seconds(&s.not_after))
        else {
            continue;
        };
        // One time problem is enough: a CA's is reported only when the
        // leaf's window is fine.
        if i > 0 && !time_ok {
            break;
        }
        let which = if i == 0 { "" } else { "the CA certificate " };
        if now > until {
            time_ok = false;
            findings.push(
                Finding::problem(
                    Cause::Expired,
                    format!(
                        "{file}: {which}{} expired on {}, {} ago",
                        label(s),
                        s.not_after,
                        span(now - until)
                    ),
                    "issue a new certificate and install it (and renew before the end next time: Lesson 17's monitor warns); if it should still be valid, check this machine's clock (date -u)",
                ),
            );
        } else if now < from {
            time_ok = false;
            findings.push(
                Finding::problem(
                    Cause::NotYetValid,
                    format!(
                        "{file}: {which}{} is valid only from {}, {} from now: either the clock of the machine checking it is behind, or it was issued to start in the future",
                        label(s),
                        s.not_before,
                        span(from - now)
                    ),
                    "set the clock right (date -u; timedatectl set-ntp true), or reissue it with a start a few minutes in the past",
                ),
            );
        }
    }
    if time_ok {
        let until = unix_seconds(&leaf_s.not_after).unwrap_or(now);
        findings.push(Finding::ok(format!(
            "valid now, until {} ({} left)",
            leaf_s.not_after,
            span(until - now)
        )));
    }

    // Extended key usage.
    let wanted = match role {
        Role::Server => "serverAuth",
        Role::Client => "clientAuth",
    };
    let usages = &leaf_s.extended_key_usages;
    if !usages.is_empty() && !usages.iter().any(|u| u == wanted) {
        let (side, other) = match role {
            Role::Server => ("a TLS server", "a client certificate"),
            Role::Client => ("a TLS client", "a server certificate"),
        };
        findings.push(
            Finding::problem(
                Cause::WrongUsage,
                format!(
                    "{source}: {} may be used only for {} (extended key usage), not by {side}: it looks like {other} in the wrong place",
                    leaf_s.subject,
                    usages.join(", ")
                ),
                format!("use the certificate made for this side, or reissue with extendedKeyUsage={wanted}"),
            ),
        );
    } else {
        findings.push(Finding::ok(if usages.is_empty() {
            "usage: no extended key usage, so any".to_owned()
        } else {
            format!("usage: {}", usages.join(", "))
        }));
    }

    // Names.
    let names = host_names(leaf_s);
    if names.is_empty() && (role == Role::Server || name.is_some()) {
        let cn = leaf_s.common_name.as_deref().unwrap_or("");
        findings.push(
            Finding::problem(
                Cause::NoSan,
                format!(
                    "{source}: {} has no subjectAltName DNS or IP name{}: clients stopped reading the common name for host names (RFC 6125; Go since 1.15, Python, curl, rustls), so it matches no name at all",
                    leaf_s.subject,
                    if cn.is_empty() { String::new() } else { format!(" (\"{cn}\" is only in the CN)") }
                ),
                format!(
                    "reissue it with subjectAltName=DNS:{} (openssl req ... -addext \"subjectAltName=DNS:{}\")",
                    name.unwrap_or(if cn.is_empty() { "NAME" } else { cn }),
                    name.unwrap_or(if cn.is_empty() { "NAME" } else { cn })
                ),
            ),
        );
    } else if let Some(name) = name {
        let list = names
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        if names.iter().any(|san| covers(san, name)) {
            findings.push(Finding::ok(format!("covers {name} ({list})")));
        } else {
            let ip_hint = if name.parse::<std::net::IpAddr>().is_ok() {
                " (an address is matched only by an IP SAN, never by a DNS name)"
            } else {
                ""
            };
            findings.push(
                Finding::problem(
                    Cause::NameMismatch,
                    format!(
                        "{source}: {} is for {list}, and {name} is not among them{ip_hint}",
                        leaf_s.subject
                    ),
                    format!(
                        "dial a name the certificate has (--server-name / the URL's host), or reissue it with subjectAltName=DNS:{name}"
                    ),
                ),
            );
        }
    }

    // The chain to a trusted CA, checked by webpki at a time when the
    // leaf is valid (so that a time problem, reported above, does not hide
    // a chain problem).
    let mut roots = RootCertStore::empty();
    for ca in trust.cas {
        roots.add(ca.clone()).map_err(|e| {
            DoctorError::Other(format!("{ca_file}: not a usable CA certificate: {e}"))
        })?;
    }
    let check_at = if time_ok {
        trust.now
    } else {
        match (
            unix_seconds(&leaf_s.not_before),
            unix_seconds(&leaf_s.not_after),
        ) {
            (Some(a), Some(b)) => UnixTime::since_unix_epoch(std::time::Duration::from_secs(
                u64::try_from(a + (b - a) / 2).unwrap_or(0),
            )),
            _ => trust.now,
        }
    };
    let crls = trust
        .crls
        .as_ref()
        .map(|(_, l)| l.clone())
        .unwrap_or_default();
    let result = match role {
        Role::Server => {
            let verifier = WebPkiServerVerifier::builder_with_provider(roots.into(), provider())
                .with_crls(crls)
                .only_check_end_entity_revocation()
                .allow_unknown_revocation_status()
                .build()
                .map_err(|e| DoctorError::Other(format!("verifier: {e}")))?;
            // The name was checked above; dial one the leaf has, so that
            // webpki's answer is about the chain.
            let dial = names
                .first()
                .map(|san| match san {
                    San::Dns(n) => n.trim_start_matches("*.").to_owned(),
                    other => other.to_string().trim_start_matches("IP:").to_owned(),
                })
                .unwrap_or_else(|| "localhost".to_owned());
            let server_name =
                ServerName::try_from(dial).map_err(|e| DoctorError::Other(format!("name: {e}")))?;
            verifier
                .verify_server_cert(leaf, intermediates, &server_name, &[], check_at)
                .map(|_| ())
        }
        Role::Client => {
            let verifier = WebPkiClientVerifier::builder_with_provider(roots.into(), provider())
                .with_crls(crls)
                .only_check_end_entity_revocation()
                .allow_unknown_revocation_status()
                .build()
                .map_err(|e| DoctorError::Other(format!("verifier: {e}")))?;
            verifier
                .verify_client_cert(leaf, intermediates, check_at)
                .map(|_| ())
        }
    };
    let path = describe_path(&chain, &cas);
    match result {
        Ok(()) | Err(Error::InvalidCertificate(CertificateError::NotValidForName)) => {
            findings.push(Finding::ok(format!("chain: {path}")));
        }
        Err(Error::InvalidCertificate(
            CertificateError::NotValidForNameContext { .. },
        )) => findings.push(Finding::ok(format!("chain: {path}"))),
        Err(Error::InvalidCertificate(CertificateError::UnknownIssuer)) => {
            for f in unknown_issuer(presented, &chain, &cas, &ca_file) {
                findings.push(f);
            }
        }
        Err(Error::InvalidCertificate(CertificateError::BadSignature))
        => findings.push(
            Finding::problem(
                Cause::UnknownCa,
                format!(
                    "{source}: {}'s issuer {} has the name of a CA in {ca_file}, but the signature does not verify with that CA's key: another CA with the same name issued it",
                    leaf_s.subject, leaf_s.issuer
                ),
                format!("trust the CA that really issued it, or reissue the certificate from the one in {ca_file}; give each CA a name of its own"),
            ),
        ),
        Err(Error::InvalidCertificate(CertificateError::Revoked)) => {
            let crl_file = trust
                .crls
                .as_ref()
                .map_or_else(String::new, |(p, _)| p.display().to_string());
            findings.push(
                Finding::problem(
                    Cause::Revoked,
                    format!(
                        "{source}: {} is on the revocation list in {crl_file}",
                        label(leaf_s)
                    ),
                    "a revoked certificate never becomes good again: make a new key, have the CA issue a new certificate, and install both",
                ),
            );
        }
        Err(Error::InvalidCertificate(
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. },
        )) if has(&findings, Cause::WrongUsage) => {}
        Err(Error::InvalidCertificate(
            CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. },
        )) if !time_ok => {}
        Err(Error::InvalidCertificate(
            CertificateError::UnsupportedSignatureAlgorithmContext { .. },
        )) if has(&findings, Cause::UnsupportedKeyType) => {}
        Err(other) => {
            return Err(DoctorError::Other(format!(
                "{source}: rustls refuses the chain for a reason the doctor has no name for: {other}"
            )));
        }
    }
    if let Some((crl_file, _)) = &trust.crls {
        if !has(&findings, Cause::Revoked) {
            findings.push(Finding::ok(format!(
                "not revoked by {}",
                crl_file.display()
            )));
        }
    }
    Ok(findings)
}

fn has(findings: &[Finding], cause: Cause) -> bool {
    findings.iter().any(|f| f.cause == Some(cause))
}

/// `CN=leaf <- CN=intermediate <- CN=root (in ca.pem)`, as far as the names go.
fn describe_path(chain: &[Summary], cas: &[Summary]) -> String {
    let mut parts = vec![chain[0].subject.clone()];
    let mut current = &chain[0];
    for _ in 0..chain.len() {
        if let Some(ca) = cas.iter().find(|ca| ca.subject == current.issuer) {
            parts.push(format!("{} (trusted)", ca.subject));
            break;
        }
        match chain[1..]
            .iter()
            .find(|c| c.subject == current.issuer && c.subject != current.subject)
        {
            Some(next) => {
                parts.push(next.subject.clone());
                current = next;
            }
            None => break,
        }
    }
    parts.join(" <- ")
}

/// webpki found no path to a trusted CA: say where the chain stops and why.
fn unknown_issuer(
    presented: &Presented<'_>,
    chain: &[Summary],
    cas: &[Summary],
    ca_file: &str,
) -> Vec<Finding> {
    let source = presented.source.as_str();
    let trusted = if cas.is_empty() {
        "nothing".to_owned()
    } else {
        cas.iter()
            .map(|c| c.subject.clone())
            .collect::<Vec<_>>()
            .join("; ")
    };
    // Follow issuer names through the certificates sent.
    let mut top = &chain[0];
    let mut path = vec![top.subject.clone()];
    for _ in 0..chain.len() {
        match chain[1..]
            .iter()
            .find(|c| c.subject == top.issuer && c.subject != top.subject)
        {
            Some(next) => {
                path.push(next.subject.clone());
                top = next;
            }
            None => break,
        }
    }
    let path = path.join(" <- ");
    if top.issuer == top.subject {
        // The chain reaches a root, just not one we trust.
        return vec![Finding::problem(
            Cause::UnknownCa,
            format!(
                "{source}: the chain {path} ends at the root {}, which {ca_file} does not hold (it trusts {trusted}): a trust store mismatch",
                top.subject
            ),
            format!(
                "if {} is meant to be trusted, add its certificate to {ca_file}; if not, give the peer a certificate from a CA in {ca_file}",
                top.subject
            ),
        )];
    }
    let missing = &top.issuer;
    let where_to_add = if presented.separate_chain {
        "the --chain file".to_owned()
    } else {
        format!("{source}, after the leaf (cat leaf.pem intermediate.pem > fullchain.pem)")
    };
    let alone = chain.len() == 1;
    vec![
        Finding::problem(
            Cause::IncompleteChain,
            format!(
                "{source}: {path} was issued by {missing}, which is neither sent nor in {ca_file} (it trusts {trusted}); likeliest, the intermediate {missing} was left out{}; the other possibility is on the next line",
                if alone {
                    " (the certificate came alone, the most common slip)"
                } else {
                    ""
                },
            ),
            format!(
                "add {missing}'s certificate to {where_to_add}; to tell the two apart, get that certificate and run openssl verify -CAfile {ca_file} -untrusted intermediate.pem leaf.pem: OK means it was only missing"
            ),
        ),
        Finding::problem(
            Cause::UnknownCa,
            format!(
                "or {missing} does not lead to any CA in {ca_file} at all (it trusts {trusted}): the peer's CA is not the one trusted"
            ),
            format!(
                "if openssl verify still fails with the intermediate added, trust the peer's root CA in {ca_file}, or give the peer a certificate from a CA in {ca_file}"
            ),
        ),
    ]
}

/// The `files` mode's inputs.
pub struct FilesCheck<'a> {
    /// `--cert`: the leaf, maybe followed by its intermediates.
    pub cert: &'a Path,
    /// `--key`.
    pub key: &'a Path,
    /// `--ca`: the CA(s) the other side trusts.
    pub ca: &'a Path,
    /// `--chain`: the intermediates, if in a file of their own.
    pub chain: Option<&'a Path>,
    /// `--name`: the name a client dials.
    pub name: Option<&'a str>,
    /// `--role`.
    pub role: Role,
    /// `--now`.
    pub now: UnixTime,
    /// `--crl`.
    pub crl: Option<&'a Path>,
}

/// Whether `key` is the private key of the first certificate in `chain`.
///
/// # Errors
///
/// The key file is missing or not PEM.
pub fn check_key(
    chain: &[CertificateDer<'static>],
    cert_file: &Path,
    key_file: &Path,
) -> Result<Finding, DoctorError> {
    let key = files::private_key(key_file)?;
    let (cert, keyf) = (cert_file.display(), key_file.display());
    let subject = chain
        .first()
        .and_then(|c| x509::summarize(c).ok())
        .map_or_else(|| "its certificate".to_owned(), |s| s.subject);
    let signing = match provider().key_provider.load_private_key(key) {
        Ok(signing) => signing,
        Err(e) => {
            return Ok(Finding::problem(
                Cause::UnsupportedKeyType,
                format!(
                    "{keyf}: rustls cannot use this key ({e}), so neither can any rustls server or client"
                ),
                KEY_TYPE_FIX,
            ));
        }
    };
    match CertifiedKey::new(chain.to_vec(), signing).keys_match() {
        Ok(()) => Ok(Finding::ok(format!(
            "{keyf} is the private key of {subject}"
        ))),
        Err(Error::InconsistentKeys(InconsistentKeys::KeyMismatch)) => Ok(Finding::problem(
            Cause::KeyMismatch,
            format!(
                "{keyf} is not the private key of {subject} in {cert}: its public half is not the certificate's"
            ),
            format!(
                "find the key made with this certificate (openssl pkey -in {keyf} -pubout and openssl x509 -in {cert} -noout -pubkey print the same key for a matching pair), or have a certificate issued for this key"
            ),
        )),
        Err(e) => Err(DoctorError::Other(format!("{keyf} and {cert}: {e}"))),
    }
}

/// `18-mtls-doctor files`: every check on a set of files.
///
/// # Errors
///
/// A file is missing or unreadable.
pub fn check_files(input: &FilesCheck<'_>) -> Result<Vec<Finding>, DoctorError> {
    let mut chain = files::certificates(input.cert)?;
    if let Some(extra) = input.chain {
        chain.extend(files::certificates(extra)?);
    }
    let cas = files::certificates(input.ca)?;
    let crls = match input.crl {
        Some(path) => Some((path, files::revocation_lists(path)?)),
        None => None,
    };
    let presented = Presented {
        source: input.cert.display().to_string(),
        chain: &chain,
        separate_chain: input.chain.is_some(),
    };
    let trust = Trust {
        ca_file: input.ca,
        cas: &cas,
        crls,
        now: input.now,
    };
    let mut findings = check_chain(&presented, &trust, input.role, input.name)?;
    findings.insert(1, check_key(&chain, input.cert, input.key)?);
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cover_as_clients_match_them() {
        let dns = |n: &str| San::Dns(n.to_owned());
        assert!(covers(&dns("localhost"), "LOCALHOST"));
        assert!(covers(&dns("*.example.test"), "www.example.test"));
        assert!(!covers(&dns("*.example.test"), "a.b.example.test"));
        assert!(!covers(&dns("*.example.test"), "example.test"));
        assert!(!covers(&dns("localhost"), "127.0.0.1"));
        assert!(covers(&San::Ip([127, 0, 0, 1].into()), "127.0.0.1"));
    }

    #[test]
    fn causes_have_their_fixed_names() {
        let names: Vec<_> = Cause::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(
            names,
            [
                "incomplete-chain",
                "unknown-ca",
                "expired",
                "not-yet-valid",
                "name-mismatch",
                "no-san",
                "wrong-usage",
                "no-client-cert",
                "client-cert-not-required",
                "key-mismatch",
                "unsupported-key-type",
                "revoked"
            ]
        );
    }
}

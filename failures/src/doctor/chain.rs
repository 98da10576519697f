//! Checking a chain against a trust store: one finding per check (key
//! type, validity, usage, names, the path to a trusted CA, revocation), and
//! where the chain stops when webpki finds no path.

use std::path::Path;

use learn_mtls_real_tls::clock::unix_seconds;
use learn_mtls_real_tls::x509::{self, San, Summary};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier as _;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::{CertificateError, Error, RootCertStore};

use super::certs::{KEY_TYPE_FIX, covers, host_names, key_type_problem, label, provider, span};
use super::findings::{Cause, DoctorError, Finding, Role};

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

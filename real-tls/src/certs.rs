//! The lesson's certificate authority: a CA, a server certificate for
//! `localhost` and a client certificate for `alice`, and a revocation list.
//!
//! The same pieces Lesson 15 builds from scratch, here in X.509 so that
//! OpenSSL, Python and rustls accept them as they are.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CertifiedIssuer,
    DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair,
    KeyUsagePurpose, RevocationReason, RevokedCertParams, SanType, SerialNumber,
    SignatureAlgorithm,
};
use ring::rand::{SecureRandom, SystemRandom};
use time::{Duration, OffsetDateTime};

use crate::files;
use crate::x509;

/// The CA's name unless told otherwise. `revoke` reads the name back from
/// `ca.pem`, so a revocation list names exactly the issuer the
/// certificates name.
pub const CA_NAME: &str = "learn-mtls lesson 16 CA";
/// The server certificate's name, and the name a client must ask for.
pub const SERVER_NAME: &str = "localhost";
/// The client certificate's name.
pub const CLIENT_NAME: &str = "alice";

/// The signature algorithm of every key in the directory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Algorithm {
    /// Ed25519, the course's own signature algorithm.
    #[default]
    Ed25519,
    /// ECDSA on P-256 with SHA-256: what most deployed certificates use,
    /// and what TLS 1.2's `ECDHE-ECDSA-*` suites need.
    EcdsaP256,
}

impl Algorithm {
    fn rcgen(self) -> &'static SignatureAlgorithm {
        match self {
            Self::Ed25519 => &rcgen::PKCS_ED25519,
            Self::EcdsaP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
        }
    }
}

impl std::str::FromStr for Algorithm {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "ed25519" => Ok(Self::Ed25519),
            "ecdsa-p256" => Ok(Self::EcdsaP256),
            _ => Err(format!(
                "unknown algorithm `{s}`: expected ed25519 or ecdsa-p256"
            )),
        }
    }
}

/// Something went wrong making or revoking certificates.
#[derive(Debug)]
pub enum CertError {
    /// rcgen refused the parameters.
    Rcgen(rcgen::Error),
    /// A file could not be written.
    Write(PathBuf, io::Error),
    /// A file could not be read or parsed.
    File(files::FileError),
    /// The certificate to revoke did not parse.
    X509(PathBuf, x509::X509Error),
    /// `revoke` was asked for a certificate this tool does not make.
    UnknownCertificate(String),
    /// The system random number generator failed.
    Random,
    /// A SPIFFE ID to put in a certificate is not one.
    SpiffeId(String, &'static str),
}

impl fmt::Display for CertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rcgen(e) => write!(f, "certificate generation failed: {e}"),
            Self::Write(path, e) => write!(f, "{}: {e}", path.display()),
            Self::File(e) => e.fmt(f),
            Self::X509(path, e) => write!(f, "{}: {e}", path.display()),
            Self::UnknownCertificate(name) => write!(
                f,
                "cannot revoke `{name}`: expected `client` or `server` (the files DIR/client.pem and DIR/server.pem)"
            ),
            Self::Random => f.write_str("the system random number generator failed"),
            Self::SpiffeId(id, why) => write!(
                f,
                "`{id}` is not a SPIFFE ID ({why}): expected spiffe://TRUST-DOMAIN/PATH, e.g. spiffe://course.test/ns/shop/sa/payments"
            ),
        }
    }
}

impl std::error::Error for CertError {}

impl From<rcgen::Error> for CertError {
    fn from(e: rcgen::Error) -> Self {
        Self::Rcgen(e)
    }
}

/// A fresh positive 16-byte serial number (RFC 5280 §4.1.2.2 allows up to 20).
fn random_serial() -> Result<SerialNumber, CertError> {
    let mut bytes = [0u8; 16];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| CertError::Random)?;
    // Clear the top bit so the INTEGER is positive, and set the next one so
    // the serial always takes all 16 bytes.
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    Ok(SerialNumber::from_slice(&bytes))
}

fn named(name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, name);
    dn
}

/// The CA's parameters: may issue certificates (and no intermediate
/// below it: path length 0) and sign revocation lists.
fn ca_params(name: &str, now: OffsetDateTime, days: i64) -> Result<CertificateParams, CertError> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.distinguished_name = named(name);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = now - Duration::hours(1);
    params.not_after = now + Duration::days(days);
    params.key_identifier_method = KeyIdMethod::Sha256;
    params.serial_number = Some(random_serial()?);
    Ok(params)
}

/// The workload identities (SPIFFE IDs) to put in the leaf certificates as
/// URI SANs, beside their DNS names. `None`: a DNS name only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identities {
    /// The client's, e.g. `spiffe://course.test/ns/shop/sa/payments`.
    pub client_spiffe_id: Option<String>,
    /// The server's.
    pub server_spiffe_id: Option<String>,
}

/// Checks the shape the SPIFFE specification gives an ID:
/// `spiffe://` + a trust domain (lower-case letters, digits, `.-_`) + a
/// path of non-empty segments, no query or fragment.
///
/// # Errors
///
/// [`CertError::SpiffeId`] saying what is wrong.
pub fn check_spiffe_id(id: &str) -> Result<(), CertError> {
    let bad = |why| Err(CertError::SpiffeId(id.to_owned(), why));
    let Some(rest) = id.strip_prefix("spiffe://") else {
        return bad("it does not start with spiffe://");
    };
    let (domain, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if domain.is_empty() {
        return bad("no trust domain");
    }
    if !domain
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-._".contains(&b))
    {
        return bad("the trust domain may hold only a-z, 0-9, '.', '-' and '_'");
    }
    if path.split('/').skip(1).any(str::is_empty) {
        return bad("an empty path segment or a trailing '/'");
    }
    if !path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._/".contains(&b))
    {
        return bad("the path may hold only letters, digits, '.', '-', '_' and '/'");
    }
    Ok(())
}

/// A leaf certificate's parameters for `name` (and `spiffe_id`, as a URI
/// SAN), usable only in `usage`.
fn leaf_params(
    name: &str,
    spiffe_id: Option<&str>,
    usage: ExtendedKeyUsagePurpose,
    now: OffsetDateTime,
    days: i64,
) -> Result<CertificateParams, CertError> {
    let mut params = CertificateParams::new(vec![name.to_owned()])?;
    if let Some(id) = spiffe_id {
        check_spiffe_id(id)?;
        params
            .subject_alt_names
            .push(SanType::URI(rcgen::string::Ia5String::try_from(id)?));
    }
    params.distinguished_name = named(name);
    // No basic constraints extension: an end entity by default (RFC 5280
    // §4.2.1.9). rcgen's `ExplicitNoCa` writes `cA BOOLEAN FALSE`, a
    // DEFAULT value that DER forbids encoding; Python's `cryptography`
    // (since 42 or so) refuses such certificates outright.
    params.is_ca = IsCa::NoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![usage];
    params.use_authority_key_identifier_extension = true;
    params.not_before = now - Duration::hours(1);
    params.not_after = now + Duration::days(days);
    params.serial_number = Some(random_serial()?);
    Ok(params)
}

/// The PEM text of every file `16-tls-certs` writes.
pub struct Issued {
    /// `ca.pem`: the CA certificate, what both sides trust.
    pub ca_pem: String,
    /// `ca.key`: the CA's private key, kept so `revoke` can sign a CRL.
    pub ca_key_pem: String,
    /// `server.pem`: the server's certificate for `localhost`.
    pub server_pem: String,
    /// `server.key`: the server's private key.
    pub server_key_pem: String,
    /// `client.pem`: the client's certificate for `alice`.
    pub client_pem: String,
    /// `client.key`: the client's private key.
    pub client_key_pem: String,
}

impl fmt::Debug for Issued {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Issued { keys: <redacted> }")
    }
}

/// Makes a CA named `ca_name` and the two leaf certificates, valid from an
/// hour ago for `days` days.
///
/// # Errors
///
/// rcgen refused the parameters or the random number generator failed.
pub fn issue(algorithm: Algorithm, ca_name: &str, days: i64) -> Result<Issued, CertError> {
    issue_with(algorithm, ca_name, days, &Identities::default())
}

/// As [`issue`], with the SPIFFE IDs in `ids` in the leaf certificates.
///
/// # Errors
///
/// As [`issue`], or an ID is not a SPIFFE ID.
pub fn issue_with(
    algorithm: Algorithm,
    ca_name: &str,
    days: i64,
    ids: &Identities,
) -> Result<Issued, CertError> {
    let now = OffsetDateTime::now_utc();
    let ca_key = KeyPair::generate_for(algorithm.rcgen())?;
    let ca_key_pem = private_key_pem(&ca_key);
    let ca = CertifiedIssuer::self_signed(ca_params(ca_name, now, days)?, ca_key)?;

    let server_key = KeyPair::generate_for(algorithm.rcgen())?;
    let server = leaf_params(
        SERVER_NAME,
        ids.server_spiffe_id.as_deref(),
        ExtendedKeyUsagePurpose::ServerAuth,
        now,
        days,
    )?
    .signed_by(&server_key, &ca)?;
    let client_key = KeyPair::generate_for(algorithm.rcgen())?;
    let client = leaf_params(
        CLIENT_NAME,
        ids.client_spiffe_id.as_deref(),
        ExtendedKeyUsagePurpose::ClientAuth,
        now,
        days,
    )?
    .signed_by(&client_key, &ca)?;

    Ok(Issued {
        ca_pem: ca.pem(),
        ca_key_pem,
        server_pem: server.pem(),
        server_key_pem: private_key_pem(&server_key),
        client_pem: client.pem(),
        client_key_pem: private_key_pem(&client_key),
    })
}

/// The start of a PKCS#8 v1 Ed25519 private key (RFC 8410 §7), up to the 32-byte seed:
/// `SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING (32) } }`.
const ED25519_PKCS8_V1_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// A private key as PKCS#8 PEM that OpenSSL 3.0 and Python load.
///
/// ring writes Ed25519 keys as PKCS#8 v2 (RFC 5958: the public key
/// appended), which OpenSSL 3.0 refuses; the v1 form (RFC 8410) carries
/// the same 32-byte seed and every library reads it. Other keys are
/// written as they are.
fn private_key_pem(key: &KeyPair) -> String {
    let der = zeroize::Zeroizing::new(key.serialize_der());
    let v1 = if key.algorithm() == &rcgen::PKCS_ED25519
        && der.get(7..16) == Some(&ED25519_PKCS8_V1_PREFIX[7..])
    {
        der.get(16..48).map(|seed| {
            let mut v1 = ED25519_PKCS8_V1_PREFIX.to_vec();
            v1.extend_from_slice(seed);
            zeroize::Zeroizing::new(v1)
        })
    } else {
        None
    };
    match v1 {
        Some(v1) => pem::encode(&pem::Pem::new("PRIVATE KEY", v1.to_vec())),
        None => key.serialize_pem(),
    }
}

/// Writes `contents` to `path`; private keys get mode 0600 on Unix.
fn write(path: &Path, contents: &str, secret: bool) -> Result<(), CertError> {
    fs::write(path, contents).map_err(|e| CertError::Write(path.to_owned(), e))?;
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))
            .map_err(|e| CertError::Write(path.to_owned(), e))?;
    }
    #[cfg(not(unix))]
    let _ = secret;
    Ok(())
}

/// Writes the six files into `dir` (created if missing) and returns their paths.
///
/// # Errors
///
/// As [`issue`], or a file could not be written.
pub fn write_all(
    dir: &Path,
    algorithm: Algorithm,
    ca_name: &str,
    days: i64,
) -> Result<Vec<PathBuf>, CertError> {
    write_all_with(dir, algorithm, ca_name, days, &Identities::default())
}

/// As [`write_all`], with the SPIFFE IDs in `ids` in the leaf certificates.
///
/// # Errors
///
/// As [`write_all`], or an ID is not a SPIFFE ID.
pub fn write_all_with(
    dir: &Path,
    algorithm: Algorithm,
    ca_name: &str,
    days: i64,
    ids: &Identities,
) -> Result<Vec<PathBuf>, CertError> {
    // Check the IDs before anything is written.
    let issued = issue_with(algorithm, ca_name, days, ids)?;
    fs::create_dir_all(dir).map_err(|e| CertError::Write(dir.to_owned(), e))?;
    let files = [
        ("ca.pem", &issued.ca_pem, false),
        ("ca.key", &issued.ca_key_pem, true),
        ("server.pem", &issued.server_pem, false),
        ("server.key", &issued.server_key_pem, true),
        ("client.pem", &issued.client_pem, false),
        ("client.key", &issued.client_key_pem, true),
    ];
    let mut written = Vec::new();
    for (name, contents, secret) in files {
        let path = dir.join(name);
        write(&path, contents, secret)?;
        written.push(path);
    }
    // A fresh CA starts with nothing revoked.
    let revoked = dir.join(REVOKED_LIST);
    if revoked.exists() {
        fs::remove_file(&revoked).map_err(|e| CertError::Write(revoked.clone(), e))?;
    }
    Ok(written)
}

/// The CA's record of revoked serials, one hex serial a line, so that
/// revoking a second certificate keeps the first on the list.
const REVOKED_LIST: &str = "revoked.txt";

/// Adds `which` (`client` or `server`) to the CA's revocation record and
/// writes `DIR/crl.pem`, signed by the CA key in `DIR/ca.key`, valid for
/// `days` days. Returns the CRL's path and the serial revoked.
///
/// # Errors
///
/// `which` is not a known certificate, a file is missing or malformed, or
/// signing failed.
pub fn revoke(dir: &Path, which: &str, days: i64) -> Result<(PathBuf, String), CertError> {
    let cert_path = match which {
        "client" | "server" => dir.join(format!("{which}.pem")),
        other => return Err(CertError::UnknownCertificate(other.to_owned())),
    };
    let cert = files::certificates(&cert_path).map_err(CertError::File)?;
    let serial = x509::summarize(&cert[0])
        .map_err(|e| CertError::X509(cert_path.clone(), e))?
        .serial_hex();

    let record = dir.join(REVOKED_LIST);
    let mut serials = revoked_serials(dir)?;
    if !serials.contains(&serial) {
        serials.push(serial.clone());
    }
    write(&record, &(serials.join("\n") + "\n"), false)?;
    Ok((publish_crl(dir, days)?.0, serial))
}

/// The serials in the CA's revocation record (none when there is no record).
fn revoked_serials(dir: &Path) -> Result<Vec<String>, CertError> {
    let record = dir.join(REVOKED_LIST);
    match fs::read_to_string(&record) {
        Ok(text) => Ok(text
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(CertError::Write(record, e)),
    }
}

/// Signs and writes `DIR/crl.pem` from the CA's revocation record as it is
/// (empty when nothing is revoked), valid for `days` days: what a CA does
/// on every revocation, and again before each list's nextUpdate. Returns
/// the CRL's path and how many serials it lists.
///
/// # Errors
///
/// A file is missing or malformed, or signing failed.
pub fn publish_crl(dir: &Path, days: i64) -> Result<(PathBuf, usize), CertError> {
    let record = dir.join(REVOKED_LIST);
    let serials = revoked_serials(dir)?;
    let key_path = dir.join("ca.key");
    let key_pem =
        fs::read_to_string(&key_path).map_err(|e| CertError::Write(key_path.clone(), e))?;
    let ca_key = KeyPair::from_pem(&key_pem)?;
    let now = OffsetDateTime::now_utc();
    // The CRL's issuer must be, byte for byte, the name in the certificates.
    let ca_path = dir.join("ca.pem");
    let ca = files::certificates(&ca_path).map_err(CertError::File)?;
    let ca_subject = x509::summarize(&ca[0])
        .map_err(|e| CertError::X509(ca_path.clone(), e))?
        .subject;
    let ca_name = ca_subject
        .strip_prefix("CN=")
        .filter(|name| !name.contains(", "))
        .ok_or(CertError::X509(
            ca_path,
            x509::X509Error("the CA's name is not a single CN, as 16-tls-certs writes it"),
        ))?;
    let issuer = Issuer::new(ca_params(ca_name, now, days)?, ca_key);

    let mut revoked_certs = Vec::new();
    for hex in &serials {
        let bytes = learn_mtls::hex::decode_vec(hex).map_err(|_| {
            CertError::X509(
                record.clone(),
                x509::X509Error("revoked.txt holds a line that is not hex"),
            )
        })?;
        revoked_certs.push(RevokedCertParams {
            serial_number: SerialNumber::from_slice(&bytes),
            revocation_time: now,
            reason_code: Some(RevocationReason::KeyCompromise),
            invalidity_date: None,
        });
    }
    let crl = CertificateRevocationListParams {
        this_update: now - Duration::minutes(1),
        next_update: now + Duration::days(days),
        // Increases with every list this CA signs, as RFC 5280 §5.2.3 asks.
        crl_number: SerialNumber::from(u64::try_from(now.unix_timestamp()).unwrap_or(0)),
        issuing_distribution_point: None,
        revoked_certs,
        key_identifier_method: KeyIdMethod::Sha256,
    }
    .signed_by(&issuer)?;
    let crl_path = dir.join("crl.pem");
    write(&crl_path, &crl.pem()?, false)?;
    Ok((crl_path, serials.len()))
}

/// Writes `DIR/index.txt`, the database `openssl ca` keeps and `openssl
/// ocsp -index` answers from, for the server and client certificates in
/// `DIR`: `V` (valid) or, if the CA's revocation record lists its serial,
/// `R` (revoked, for key compromise), with the expiry, the serial in upper
/// case hex (as `openssl ocsp` looks it up) and the subject. The
/// revocation time is when the index is written, as every entry of
/// [`publish_crl`]'s list is stamped with the time the list is signed.
/// Returns the index's path.
///
/// # Errors
///
/// A certificate is missing or malformed, or the index cannot be written.
pub fn ocsp_index(dir: &Path) -> Result<PathBuf, CertError> {
    let revoked = revoked_serials(dir)?;
    let stamp = |t: OffsetDateTime| {
        format!(
            "{:02}{:02}{:02}{:02}{:02}{:02}Z",
            t.year().rem_euclid(100),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    };
    let now = stamp(OffsetDateTime::now_utc());
    let mut index = String::new();
    for which in ["server", "client"] {
        let path = dir.join(format!("{which}.pem"));
        let cert = files::certificates(&path).map_err(CertError::File)?;
        let summary = x509::summarize(&cert[0]).map_err(|e| CertError::X509(path.clone(), e))?;
        let expiry = crate::clock::unix_seconds(&summary.not_after)
            .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
            .ok_or(CertError::X509(
                path.clone(),
                x509::X509Error("its notAfter does not read as a time"),
            ))?;
        let serial = summary.serial_hex();
        let (status, when) = if revoked.contains(&serial) {
            ("R", format!("{now},keyCompromise"))
        } else {
            ("V", String::new())
        };
        // openssl writes the subject in its one-line form, /CN=...
        let subject = format!("/{}", summary.subject.replace(", ", "/"));
        index.push_str(&format!(
            "{status}\t{}\t{when}\t{}\tunknown\t{subject}\n",
            stamp(expiry),
            serial.to_uppercase()
        ));
    }
    let path = dir.join("index.txt");
    write(&path, &index, false)?;
    Ok(path)
}

//! The lab's certificates: one good set (a root CA, an intermediate, a
//! server and a client certificate under the intermediate) and, beside it,
//! one broken certificate per failure, each broken in exactly one way.
//!
//! `18-failure-certs --out DIR` writes them; `failures/openssl-failures.sh
//! DIR` writes the same file names with plain `openssl` commands, so that
//! the doctor is tested on both. Every key is ECDSA P-256, which all five
//! stacks accept; the one key type some stacks refuse (Ed448) cannot be
//! made by the course's tool at all, since ring does not implement it: the
//! script makes that one with OpenSSL for both sets.
//!
//! | file | what is wrong with it |
//! |---|---|
//! | `server-full.pem`, `client-full.pem` | nothing: leaf + intermediate |
//! | `server.pem` | the leaf alone, its intermediate missing |
//! | `other-server-full.pem`, `other-client-full.pem` | issued under `other-ca.pem`, not `ca.pem` |
//! | `expired-server-full.pem`, `expired-client-full.pem` | expired two days ago |
//! | `future-server-full.pem` | valid only from two days from now |
//! | `wrongname-server-full.pem` | for `www.example.test`, not `localhost` |
//! | `nosan-server-full.pem` | `CN=localhost` and no subjectAltName |
//! | `server-full.pem` + `client.key` | a key that is not the certificate's |
//! | `revoked-client-full.pem` + `crl.pem` | revoked by the intermediate's CRL |

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CertifiedIssuer,
    DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyIdMethod, KeyPair,
    KeyUsagePurpose, RevocationReason, RevokedCertParams, SerialNumber,
};
use time::{Duration, OffsetDateTime};

/// The root CA's name.
pub const ROOT_NAME: &str = "learn-mtls lesson 18 root CA";
/// The intermediate CA's name, the issuer of every leaf.
pub const INTERMEDIATE_NAME: &str = "learn-mtls lesson 18 intermediate CA";
/// The CA nobody trusts.
pub const OTHER_NAME: &str = "some other CA";
/// The name the server certificates are for (all but `wrongname`).
pub const SERVER_NAME: &str = "localhost";
/// The name in `wrongname-server-full.pem`.
pub const WRONG_NAME: &str = "www.example.test";
/// The client certificates' name.
pub const CLIENT_NAME: &str = "alice";

/// Making or writing the certificates failed.
#[derive(Debug)]
pub enum FixtureError {
    /// rcgen refused the parameters or could not sign.
    Rcgen(rcgen::Error),
    /// A file could not be written.
    Write(PathBuf, std::io::Error),
}

impl fmt::Display for FixtureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rcgen(e) => write!(f, "cannot make a certificate: {e}"),
            Self::Write(path, e) => write!(f, "cannot write {}: {e}", path.display()),
        }
    }
}

impl std::error::Error for FixtureError {}

impl From<rcgen::Error> for FixtureError {
    fn from(e: rcgen::Error) -> Self {
        Self::Rcgen(e)
    }
}

fn named(name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, name);
    dn
}

fn ca_params(
    name: &str,
    path_len: u8,
    now: OffsetDateTime,
) -> Result<CertificateParams, FixtureError> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.distinguished_name = named(name);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(path_len));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(365);
    params.key_identifier_method = KeyIdMethod::Sha256;
    params.use_authority_key_identifier_extension = true;
    Ok(params)
}

/// A leaf for `name`; `san: false` leaves the subjectAltName out.
fn leaf_params(
    name: &str,
    san: bool,
    usage: ExtendedKeyUsagePurpose,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<CertificateParams, FixtureError> {
    let sans = if san {
        vec![name.to_owned()]
    } else {
        Vec::new()
    };
    let mut params = CertificateParams::new(sans)?;
    params.distinguished_name = named(name);
    params.is_ca = IsCa::NoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![usage];
    params.use_authority_key_identifier_extension = true;
    params.not_before = not_before;
    params.not_after = not_after;
    Ok(params)
}

fn key() -> Result<KeyPair, FixtureError> {
    Ok(KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?)
}

fn write(dir: &Path, name: &str, contents: &str) -> Result<PathBuf, FixtureError> {
    let path = dir.join(name);
    fs::write(&path, contents).map_err(|e| FixtureError::Write(path.clone(), e))?;
    #[cfg(unix)]
    if name.ends_with(".key") {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600))
            .map_err(|e| FixtureError::Write(path.clone(), e))?;
    }
    Ok(path)
}

/// Writes the lab's certificates and keys into `dir` (created if missing)
/// and returns the paths written.
///
/// # Errors
///
/// rcgen failed, or a file could not be written.
pub fn write_all(dir: &Path) -> Result<Vec<PathBuf>, FixtureError> {
    fs::create_dir_all(dir).map_err(|e| FixtureError::Write(dir.to_owned(), e))?;
    let now = OffsetDateTime::now_utc();
    let mut out = Vec::new();

    // The root may have one CA below it (the intermediate), no more.
    let root_key = key()?;
    let root = CertifiedIssuer::self_signed(ca_params(ROOT_NAME, 1, now)?, root_key)?;
    let inter_key = key()?;
    let inter =
        CertifiedIssuer::signed_by(ca_params(INTERMEDIATE_NAME, 0, now)?, inter_key, &root)?;
    let other_key = key()?;
    let other = CertifiedIssuer::self_signed(ca_params(OTHER_NAME, 0, now)?, other_key)?;
    out.push(write(dir, "ca.pem", &root.pem())?);
    out.push(write(dir, "intermediate.pem", &inter.pem())?);
    out.push(write(dir, "other-ca.pem", &other.pem())?);

    let valid = (now - Duration::hours(1), now + Duration::days(30));
    let server = ExtendedKeyUsagePurpose::ServerAuth;
    let client = ExtendedKeyUsagePurpose::ClientAuth;
    // (file stem, name, SAN?, usage, window, issuer is the other CA?)
    let leaves = [
        ("server", SERVER_NAME, true, &server, valid, false),
        ("client", CLIENT_NAME, true, &client, valid, false),
        ("other-server", SERVER_NAME, true, &server, valid, true),
        ("other-client", CLIENT_NAME, true, &client, valid, true),
        (
            "expired-server",
            SERVER_NAME,
            true,
            &server,
            (now - Duration::days(32), now - Duration::days(2)),
            false,
        ),
        (
            "expired-client",
            CLIENT_NAME,
            true,
            &client,
            (now - Duration::days(32), now - Duration::days(2)),
            false,
        ),
        (
            "future-server",
            SERVER_NAME,
            true,
            &server,
            (now + Duration::days(2), now + Duration::days(32)),
            false,
        ),
        ("wrongname-server", WRONG_NAME, true, &server, valid, false),
        ("nosan-server", SERVER_NAME, false, &server, valid, false),
        ("revoked-client", CLIENT_NAME, true, &client, valid, false),
    ];
    let mut revoked_serial = None;
    for (index, (stem, name, san, usage, (from, until), other_ca)) in leaves.into_iter().enumerate()
    {
        let leaf_key = key()?;
        let mut params = leaf_params(name, san, usage.clone(), from, until)?;
        // Serials: positive (top bit clear), distinct within a set (the
        // index) and between runs (the time).
        let mut serial = vec![0x18, u8::try_from(index).unwrap_or(0xff)];
        serial.extend_from_slice(&now.unix_timestamp_nanos().to_be_bytes()[8..]);
        let serial = SerialNumber::from_slice(&serial);
        params.serial_number = Some(serial.clone());
        if stem == "revoked-client" {
            revoked_serial = Some(serial);
        }
        let (cert, issuer_pem) = if other_ca {
            (params.signed_by(&leaf_key, &other)?, other.pem())
        } else {
            (params.signed_by(&leaf_key, &inter)?, inter.pem())
        };
        let key_pem = leaf_key.serialize_pem();
        // The pairs `other-*` and `revoked-*` share the names of the good
        // ones, so only the files for the usual server and client get their
        // plain `.pem` (the leaf alone), which is what the incomplete-chain
        // case sends.
        if stem == "server" || stem == "client" {
            out.push(write(dir, &format!("{stem}.pem"), &cert.pem())?);
        }
        out.push(write(
            dir,
            &format!("{stem}-full.pem"),
            &(cert.pem() + &issuer_pem),
        )?);
        out.push(write(dir, &format!("{stem}.key"), &key_pem)?);
    }

    // The intermediate's revocation list: the revoked client is on it.
    let crl = CertificateRevocationListParams {
        this_update: now - Duration::minutes(5),
        next_update: now + Duration::days(7),
        crl_number: SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs: revoked_serial
            .into_iter()
            .map(|serial_number| RevokedCertParams {
                serial_number,
                revocation_time: now - Duration::minutes(5),
                reason_code: Some(RevocationReason::KeyCompromise),
                invalidity_date: None,
            })
            .collect(),
        key_identifier_method: KeyIdMethod::Sha256,
    }
    .signed_by(&inter)?;
    // The root's list, empty: a verifier that checks the whole chain needs
    // one for the intermediate too.
    let root_crl = CertificateRevocationListParams {
        this_update: now - Duration::minutes(5),
        next_update: now + Duration::days(7),
        crl_number: SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs: Vec::new(),
        key_identifier_method: KeyIdMethod::Sha256,
    }
    .signed_by(&root)?;
    out.push(write(dir, "crl.pem", &(crl.pem()? + &root_crl.pem()?))?);
    // The CA file and the intermediate together, for tools that want every
    // CA in one file (OpenSSL's -CAfile with -crl_check_all).
    out.push(write(
        dir,
        "ca-and-intermediate.pem",
        &(root.pem() + &inter.pem()),
    )?);
    Ok(out)
}

//! `18-mtls-doctor files`: the inputs of the files mode, whether a key
//! belongs to its certificate, and every check on a set of files.

use std::path::Path;

use learn_mtls_real_tls::files;
use learn_mtls_real_tls::x509;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{Error, InconsistentKeys};

use super::certs::{KEY_TYPE_FIX, provider};
use super::chain::{Presented, Trust, check_chain};
use super::findings::{Cause, DoctorError, Finding, Role};

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

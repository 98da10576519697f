//! Reading PEM files, with errors that name the file.

use std::fmt;
use std::path::{Path, PathBuf};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};

/// A file that could not be read or did not hold what it should.
#[derive(Debug)]
pub struct FileError {
    /// The file.
    pub path: PathBuf,
    /// What was wrong with it.
    pub problem: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.problem)
    }
}

impl std::error::Error for FileError {}

fn error(path: &Path, problem: impl fmt::Display) -> FileError {
    FileError {
        path: path.to_owned(),
        problem: problem.to_string(),
    }
}

/// Every `CERTIFICATE` block in a PEM file, leaf first as written.
///
/// # Errors
///
/// The file is unreadable, not PEM, or holds no certificate.
pub fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, FileError> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| error(path, pem_problem(&e)))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| error(path, pem_problem(&e)))?;
    if certs.is_empty() {
        return Err(error(path, "no `BEGIN CERTIFICATE` block in this file"));
    }
    Ok(certs)
}

/// The first private key (PKCS#8, SEC1 or PKCS#1) in a PEM file.
///
/// # Errors
///
/// The file is unreadable or holds no private key.
pub fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>, FileError> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => error(
            path,
            "no private key (`BEGIN PRIVATE KEY` or `BEGIN EC PRIVATE KEY`) in this file",
        ),
        other => error(path, pem_problem(&other)),
    })
}

/// Every `X509 CRL` block in a PEM file.
///
/// # Errors
///
/// The file is unreadable or holds no revocation list.
pub fn revocation_lists(
    path: &Path,
) -> Result<Vec<CertificateRevocationListDer<'static>>, FileError> {
    let crls = CertificateRevocationListDer::pem_file_iter(path)
        .map_err(|e| error(path, pem_problem(&e)))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| error(path, pem_problem(&e)))?;
    if crls.is_empty() {
        return Err(error(path, "no `BEGIN X509 CRL` block in this file"));
    }
    Ok(crls)
}

fn pem_problem(e: &rustls::pki_types::pem::Error) -> String {
    use rustls::pki_types::pem::Error;
    match e {
        Error::NoItemsFound => "no PEM block of the expected kind in this file".to_owned(),
        Error::Io(io) => io.to_string(),
        other => format!("not valid PEM ({other:?})"),
    }
}

//! Certificate, chain and revocation list files: reading, parsing and
//! writing them (reloading them while a server runs is
//! [`super::live`]'s).
//!
//! Every error names the file, and the line when there is one:
//! `client.crt:7: not valid base64`. Files are written whole to a
//! temporary name and renamed into place, so a reader (a running server)
//! never sees half a certificate. A file holding two lists from one
//! issuer dated the same second with other contents is broken
//! ([`Problem::SameDateLists`]).

// The crate is no_std; modules that need std bring its prelude in by name.
use std::prelude::rust_2024::*;

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::string::{String, ToString};
use std::vec::Vec;
use std::{format, vec};

use super::armour::{self, ArmourError, CERTIFICATE_LABEL, CRL_LABEL};
use super::crl::{CrlFormatError, MAX_CRL_LEN, RevocationList};
use super::time::Rfc3339;
use super::verify::{CertError, Chain, Root};
use super::{CERTIFICATE_LEN, Certificate, FormatError};
use crate::keyfile::{self, KeyFileError};
use crate::keys::{Fingerprint, IdentityKey};

/// The largest certificate or list file read: a full list, armoured, with room for comments.
pub const MAX_CERT_FILE_LEN: u64 = 2 * MAX_CRL_LEN as u64;

/// What is wrong with a certificate or list file.
#[derive(Debug)]
#[non_exhaustive]
pub enum Problem {
    /// It could not be read or written.
    Io(io::Error),
    /// It is larger than [`MAX_CERT_FILE_LEN`].
    TooLarge,
    /// The armour is broken.
    Armour(ArmourError),
    /// A block is not a certificate.
    Certificate(FormatError),
    /// A block is not a revocation list.
    Crl(CrlFormatError),
    /// More certificates than a chain holds (leaf and one intermediate).
    ChainTooLong {
        /// How many were found.
        found: usize,
    },
    /// A root file must hold exactly one certificate.
    NotOneCertificate {
        /// How many were found.
        found: usize,
    },
    /// The certificates do not form a usable chain or root.
    Chain(Box<CertError>),
    /// The key file next to the certificate is unusable.
    Key(KeyFileError),
    /// The secret key does not belong to the certificate's public key.
    KeyMismatch,
    /// Two lists from one issuer with the same `this_update` and different
    /// contents: which is newer cannot be told, so the file is refused.
    SameDateLists {
        /// Their issuer's fingerprint.
        issuer: Fingerprint,
        /// The date both carry.
        this_update: u64,
        /// The line the first of them starts on.
        first_line: usize,
    },
}

/// An error about one file, naming it and the line.
#[derive(Debug)]
pub struct CertFileError {
    /// The file.
    pub path: PathBuf,
    /// The 1-based line, when the problem is on one.
    pub line: Option<usize>,
    /// What is wrong.
    pub problem: Problem,
}

impl fmt::Display for CertFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Problem::Key(e) = &self.problem {
            return write!(f, "{e}");
        }
        let path = self.path.display();
        match self.line {
            Some(line) => write!(f, "{path}:{line}: ")?,
            None => write!(f, "{path}: ")?,
        }
        match &self.problem {
            Problem::Io(e) => write!(f, "{e}"),
            Problem::TooLarge => write!(
                f,
                "larger than {MAX_CERT_FILE_LEN} bytes; not a certificate or revocation list file"
            ),
            Problem::Armour(e) => write!(f, "{}", e.problem_text()),
            Problem::Certificate(e) => write!(f, "not a certificate: {e}"),
            Problem::Crl(e) => write!(f, "not a revocation list: {e}"),
            Problem::ChainTooLong { found } => write!(
                f,
                "{found} certificates; a chain file holds the leaf and at most one intermediate \
                 (never the root: that is --ca)"
            ),
            Problem::NotOneCertificate { found } => write!(
                f,
                "{found} certificates; a CA file holds exactly one (the root's)"
            ),
            Problem::Chain(e) => write!(f, "{e}"),
            Problem::Key(e) => write!(f, "{e}"),
            Problem::KeyMismatch => f.write_str(
                "the certificate is for another key than the secret key given with it \
                 (issue it for this key's .pub, or give the matching --key)",
            ),
            Problem::SameDateLists {
                issuer,
                this_update,
                first_line,
            } => write!(
                f,
                "a second list from issuer {} dated {} like the one on line {first_line}, \
                 with other contents: which is newer cannot be told (keep only the newest \
                 list of each issuer in the file)",
                issuer,
                Rfc3339(*this_update)
            ),
        }
    }
}

impl std::error::Error for CertFileError {}

impl ArmourError {
    /// The problem's text without the `line N:` prefix (the file error adds it).
    fn problem_text(&self) -> String {
        let full = self.to_string();
        let prefix = format!("line {}: ", self.line);
        full.strip_prefix(&prefix).unwrap_or(&full).to_string()
    }
}

fn error(path: &Path, line: Option<usize>, problem: Problem) -> CertFileError {
    CertFileError {
        path: path.to_path_buf(),
        line,
        problem,
    }
}

/// Reads a whole file, refusing anything larger than [`MAX_CERT_FILE_LEN`].
fn read_small(path: &Path) -> Result<String, CertFileError> {
    let mut bytes = Vec::new();
    crate::smallfile::read(path, MAX_CERT_FILE_LEN, &mut bytes).map_err(|e| read_error(path, e))?;
    text_of(path, &bytes)
}

/// A file that could not be read, as a [`CertFileError`].
pub(crate) fn read_error(path: &Path, e: crate::smallfile::ReadError) -> CertFileError {
    match e {
        crate::smallfile::ReadError::TooLarge => error(path, None, Problem::TooLarge),
        other => error(path, None, Problem::Io(other.into_io())),
    }
}

/// A file's bytes as text: certificate and list files are ASCII armour.
pub(crate) fn text_of(path: &Path, bytes: &[u8]) -> Result<String, CertFileError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| {
        let invalid = io::Error::new(
            io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        );
        error(path, None, Problem::Io(invalid))
    })
}

impl From<ArmourError> for CertFileError {
    fn from(e: ArmourError) -> Self {
        // The path is filled in by the caller.
        error(Path::new(""), Some(e.line), Problem::Armour(e))
    }
}

fn with_path(mut e: CertFileError, path: &Path) -> CertFileError {
    path.clone_into(&mut e.path);
    e
}

/// Parses the certificates of armoured `text`, in order.
///
/// # Errors
/// A [`CertFileError`] naming `path` and the line.
pub fn parse_certificates(path: &Path, text: &str) -> Result<Vec<Certificate>, CertFileError> {
    let mut certs = Vec::new();
    let mut buf = [0u8; CERTIFICATE_LEN + 1];
    armour::decode_each(text, CERTIFICATE_LABEL, &mut buf, |bytes, line| {
        let cert = Certificate::from_bytes(bytes)
            .map_err(|e| error(path, Some(line), Problem::Certificate(e)))?;
        certs.push(cert);
        Ok::<(), CertFileError>(())
    })
    .map_err(|e| with_path(e, path))?;
    Ok(certs)
}

/// Reads every certificate in a file.
///
/// # Errors
/// A [`CertFileError`].
pub fn read_certificates(path: impl AsRef<Path>) -> Result<Vec<Certificate>, CertFileError> {
    let path = path.as_ref();
    parse_certificates(path, &read_small(path)?)
}

/// Reads a chain file: the leaf, then at most one intermediate.
///
/// # Errors
/// A [`CertFileError`], [`Problem::ChainTooLong`] for three or more.
pub fn read_chain(path: impl AsRef<Path>) -> Result<Chain, CertFileError> {
    let path = path.as_ref();
    chain_of(path, &read_certificates(path)?)
}

fn chain_of(path: &Path, certs: &[Certificate]) -> Result<Chain, CertFileError> {
    match certs {
        [leaf] => Ok(Chain::leaf(*leaf)),
        [leaf, intermediate] => Ok(Chain {
            leaf: *leaf,
            intermediate: Some(*intermediate),
        }),
        more => Err(error(
            path,
            None,
            Problem::ChainTooLong { found: more.len() },
        )),
    }
}

/// Reads a root CA file: exactly one self-signed CA certificate.
///
/// # Errors
/// A [`CertFileError`].
pub fn read_root(path: impl AsRef<Path>) -> Result<Root, CertFileError> {
    let path = path.as_ref();
    root_of(path, &read_certificates(path)?)
}

pub(crate) fn root_of(path: &Path, certs: &[Certificate]) -> Result<Root, CertFileError> {
    match certs {
        [cert] => Root::new(*cert).map_err(|e| error(path, None, Problem::Chain(Box::new(e)))),
        more => Err(error(
            path,
            None,
            Problem::NotOneCertificate { found: more.len() },
        )),
    }
}

/// Revocation lists read from a file, each checked for format; borrow them
/// with [`Crls::lists`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Crls {
    encoded: Vec<Vec<u8>>,
}

impl Crls {
    /// Parses the lists of armoured `text`.
    ///
    /// Two lists from one issuer with the same `this_update` but different
    /// contents are refused ([`Problem::SameDateLists`]): a verifier takes
    /// the newest list of each issuer, and between these it could only
    /// guess, perhaps the one that has not yet revoked a serial.
    ///
    /// # Errors
    /// A [`CertFileError`] naming `path` and the line.
    pub fn parse(path: &Path, text: &str) -> Result<Self, CertFileError> {
        let mut encoded: Vec<Vec<u8>> = Vec::new();
        let mut lines = Vec::new();
        let mut buf = vec![0u8; MAX_CRL_LEN + 1];
        armour::decode_each(text, CRL_LABEL, &mut buf, |bytes, line| {
            let list = RevocationList::from_bytes(bytes)
                .map_err(|e| error(path, Some(line), Problem::Crl(e)))?;
            for (earlier, &first_line) in encoded.iter().zip(&lines) {
                let Ok(earlier) = RevocationList::from_bytes(earlier) else {
                    continue;
                };
                if earlier.issuer == list.issuer
                    && earlier.this_update == list.this_update
                    && earlier.signed_bytes() != list.signed_bytes()
                {
                    return Err(error(
                        path,
                        Some(line),
                        Problem::SameDateLists {
                            issuer: list.issuer.fingerprint(),
                            this_update: list.this_update,
                            first_line,
                        },
                    ));
                }
            }
            encoded.push(bytes.to_vec());
            lines.push(line);
            Ok::<(), CertFileError>(())
        })
        .map_err(|e| with_path(e, path))?;
        Ok(Self { encoded })
    }

    /// Reads a file of one or more revocation lists.
    ///
    /// # Errors
    /// A [`CertFileError`].
    pub fn read(path: impl AsRef<Path>) -> Result<Self, CertFileError> {
        let path = path.as_ref();
        Self::parse(path, &read_small(path)?)
    }

    /// The lists, borrowed.
    pub fn lists(&self) -> Vec<RevocationList<'_>> {
        self.encoded
            .iter()
            // Each was parsed successfully when read, so none is skipped.
            .filter_map(|bytes| RevocationList::from_bytes(bytes).ok())
            .collect()
    }
}

/// Certificates as armoured text, one block each.
pub fn certificates_text(certs: &[Certificate]) -> String {
    let mut text = String::new();
    for cert in certs {
        // Writing to a String cannot fail.
        let _ = armour::write_block(&mut text, CERTIFICATE_LABEL, &cert.to_bytes());
    }
    text
}

/// A revocation list as armoured text.
pub fn crl_text(encoded: &[u8]) -> String {
    let mut text = String::new();
    // Writing to a String cannot fail.
    let _ = armour::write_block(&mut text, CRL_LABEL, encoded);
    text
}

/// Writes `contents` to `path` through a temporary file and a rename, so a
/// reader never sees a half-written file. Replaces an existing file (mode
/// 0644); see [`crate::keyfile::write_atomically`], which this calls, for
/// the random temporary name and why a planted link is never followed.
///
/// # Errors
/// A [`CertFileError`] with the I/O error.
pub fn write_atomically(path: &Path, contents: &str) -> Result<(), CertFileError> {
    keyfile::write_atomically(
        path,
        contents.as_bytes(),
        0o644,
        keyfile::Overwrite::Replace,
    )
    .map_err(|e| error(path, None, Problem::Io(e)))
}

// ---------------------------------------------------------------------------
// Reloading these files while a server runs is `cert::live`'s.

/// A party's secret key and the chain that certifies it.
#[derive(Debug)]
pub struct Credentials {
    /// The secret key; its public half is the leaf's key.
    pub key: IdentityKey,
    /// The chain presented in the handshake.
    pub chain: Chain,
}

/// Reads a key file and a chain file, and checks that they belong together.
///
/// # Errors
/// A [`CertFileError`]; [`Problem::KeyMismatch`] if the leaf is for another key.
pub fn read_credentials(
    key: impl AsRef<Path>,
    chain: impl AsRef<Path>,
) -> Result<Credentials, CertFileError> {
    let key_path = key.as_ref();
    let identity =
        keyfile::read_secret(key_path).map_err(|e| error(key_path, None, Problem::Key(e)))?;
    let chain_path = chain.as_ref();
    let chain = read_chain(chain_path)?;
    if identity.public() != chain.leaf.body.key {
        return Err(error(chain_path, None, Problem::KeyMismatch));
    }
    Ok(Credentials {
        key: identity,
        chain,
    })
}

/// The clock the lesson binaries check validity against: the system's wall
/// clock, read afresh at every decision, shifted by a fixed offset when
/// `--now` is given.
///
/// `--now` does not freeze time: the clock it makes reads `start` at the
/// moment it was made and keeps running with the system clock from there.
/// Nothing is cached: a system clock corrected by NTP, or a machine that
/// was suspended, moves every later [`Clock::now`] with it, so a
/// certificate or list that has since expired is refused at the next
/// decision. (An earlier version read the wall clock once at start-up and
/// added a monotonic elapsed time, which a suspend or a clock step never
/// moves.)
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    /// Seconds added to the system clock (negative: `--now` in the past).
    offset: i128,
}

/// Unix seconds on the system's wall clock now (0 before 1970).
fn system_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self { offset: 0 }
    }

    /// A clock that reads `start` now, and runs with the system clock.
    pub fn starting_at(start: u64) -> Self {
        Self::starting_at_wall(start, system_seconds())
    }

    /// A clock that reads `start` when the system clock reads `wall`.
    fn starting_at_wall(start: u64, wall: u64) -> Self {
        Self {
            offset: i128::from(start) - i128::from(wall),
        }
    }

    /// `--now` if given (RFC 3339), else the system clock.
    ///
    /// # Errors
    /// The [`super::time::TimeError`] of a malformed `--now`, as text.
    pub fn from_option(now: Option<&str>) -> Result<Self, String> {
        match now {
            None => Ok(Self::system()),
            Some(text) => super::time::parse_rfc3339(text)
                .map(Self::starting_at)
                .map_err(|e| format!("--now {text}: {e}")),
        }
    }

    /// Unix seconds now: the wall clock, read now, plus the offset.
    pub fn now(&self) -> u64 {
        self.at_wall(system_seconds())
    }

    /// What this clock reads when the system clock reads `wall`.
    fn at_wall(&self, wall: u64) -> u64 {
        let t = i128::from(wall) + self.offset;
        u64::try_from(t.max(0)).unwrap_or(u64::MAX)
    }
}

#[cfg(all(test, unix))]
mod read_tests {
    /// Issue 19, weakness 3: the --key file was read whole, unbounded, on
    /// every connection (a 256 MiB file cost 256 MiB each time). Now it
    /// is refused after one byte past the key file bound.
    #[test]
    fn a_huge_key_file_is_refused_not_read_whole() {
        let dir = std::env::temp_dir().join(std::format!("learn-mtls-pair-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (key, cert) = (dir.join("huge.key"), dir.join("c.crt"));
        std::fs::File::create(&key)
            .unwrap()
            .set_len(256 << 20)
            .unwrap();
        std::fs::write(&cert, b"not read").unwrap();
        let refused = super::read_credentials(&key, &cert).unwrap_err();
        let text = std::format!("{refused}");
        assert!(text.contains("larger than 4096 bytes"), "{text}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[cfg(test)]
mod clock_tests {
    use super::Clock;

    #[test]
    fn a_wall_clock_step_moves_every_later_reading() {
        // Made when the system clock read 1,000 (a wrong clock), as if
        // `--now` said 5,000. NTP then steps the system clock to 2,000:
        // the clock must now read 6,000, not 5,000 plus the elapsed time.
        let clock = Clock::starting_at_wall(5_000, 1_000);
        assert_eq!(clock.at_wall(1_000), 5_000);
        assert_eq!(clock.at_wall(2_000), 6_000);
        // A clock stepped back is followed too.
        assert_eq!(clock.at_wall(900), 4_900);
    }

    #[test]
    fn the_system_clock_is_read_at_every_call() {
        let clock = Clock::system();
        assert_eq!(clock.at_wall(1_234), 1_234);
        assert_eq!(clock.at_wall(99_999), 99_999);
        let before = super::system_seconds();
        let now = clock.now();
        assert!(now >= before && now <= super::system_seconds());
    }

    #[test]
    fn a_now_in_the_past_never_reads_below_zero() {
        let clock = Clock::starting_at_wall(0, 10);
        assert_eq!(clock.at_wall(5), 0);
        assert_eq!(clock.at_wall(15), 5);
    }
}

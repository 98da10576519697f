//! Key files: how identities live on disk between lessons.
//!
//! ```text
//! NAME.key   secret, mode 0600:   # learn-mtls Ed25519 secret key for NAME. Keep it private:
//!                                 # whoever holds this file can prove they are NAME.
//!                                 <64 hex characters: the Ed25519 secret seed>
//! NAME.pub   public:              <64 lowercase hex characters>
//! ```
//!
//! Readers skip blank lines and lines starting with `#`, and expect exactly
//! one key line. Hex digits may be upper or lower case (writers use lower).
//!
//! A secret key file must **begin with the line `# learn-mtls Ed25519
//! secret key`** (anything may follow on that line), as 11-mtls-genkeys has
//! always written it: a public key file is also one line of 64 hex
//! characters, and without the header a `.pub` copied to `x.key` would be
//! taken for a secret. A file without the header is refused, and one that
//! looks like a public key is refused as one. (A secret key file written by
//! hand needs the header added as its first line.)
//!
//! A public key file may instead hold an OpenSSH public key line,
//! `ssh-ed25519 AAAA... [comment]` (see [`crate::openssh`]), so an
//! `id_ed25519.pub` can be used as it is. OpenSSH private keys (`-----BEGIN
//! OPENSSH PRIVATE KEY-----`) are recognised and refused with what to do.
//!
//! ML-DSA-65 identities (feature `pq`, Lesson 19) have files of their own,
//! read and written by `ml_dsa::read_secret`, `ml_dsa::read_public` and
//! `ml_dsa::write_pair` (module `ml_dsa`, feature `pq`) with the same
//! checks:
//!
//! ```text
//! NAME.key   secret, mode 0600:   # learn-mtls ML-DSA-65 secret key for NAME. Keep it private:
//!                                 # whoever holds this file can prove they are NAME.
//!                                 <64 hex characters: the seed xi of FIPS 204 ML-DSA.KeyGen>
//! NAME.pub   public:              # learn-mtls ML-DSA-65 public key for NAME
//!                                 <3,904 lowercase hex characters: the 1,952-byte key>
//! ```
//!
//! A key of one scheme where the other is needed is refused as such
//! ([`Problem::WrongScheme`]), naming the file and the line.
//!
//! A secret key file that group or others may read or write (any of the
//! mode bits 077) is refused, as OpenSSH refuses an unprotected private
//! key: a key that others could have copied no longer proves who you are.

#[cfg(feature = "pq")]
pub mod ml_dsa;

// The crate is no_std; modules that need std bring its prelude in by name.
use std::prelude::rust_2024::*;

use std::fmt::{self, Write as _};
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::hex::{self, HexError};
use crate::keys::{IdentityKey, KeyError, PUBLIC_KEY_LEN, PublicIdentity, SECRET_KEY_LEN};
use crate::openssh::{self, OpenSshError};
use zeroize::Zeroizing;

/// Key files are tiny; anything bigger than this is not one.
pub(crate) const MAX_KEY_FILE_LEN: u64 = 4096;

/// What is wrong with a key file.
#[derive(Debug)]
#[non_exhaustive]
pub enum Problem {
    /// The file could not be read or written.
    Io(io::Error),
    /// The file exists and `--force` was not given.
    AlreadyExists,
    /// A secret key file is readable or writable by group or others.
    PermissionsTooOpen {
        /// The file's permission bits.
        mode: u32,
    },
    /// The file is larger than any key file.
    TooLarge,
    /// The path is not a regular file (a directory, a pipe, a device).
    NotAFile,
    /// A public key file where a secret one is needed, or the reverse.
    WrongKind {
        /// Whether a secret key file was expected.
        wanted_secret: bool,
    },
    /// The name given for a new key pair cannot be a file name.
    BadName(&'static str),
    /// No key line was found.
    NoKey,
    /// A second key line was found.
    MoreThanOneKey,
    /// The key line is not 64 hex characters.
    Hex(HexError),
    /// The public key is not usable.
    Key(KeyError),
    /// A secret key file without the `# learn-mtls Ed25519 secret key`
    /// header line (and not a public key either).
    NoSecretKeyHeader,
    /// An OpenSSH public key line that cannot be used.
    OpenSsh(OpenSshError),
    /// An OpenSSH private key file.
    OpenSshPrivateKey {
        /// Whether a secret key file was expected.
        wanted_secret: bool,
    },
    /// A PEM file (`-----BEGIN ...`) other than an OpenSSH private key.
    Pem,
    /// A key of the other identity scheme (Lesson 19): an Ed25519 key where
    /// an ML-DSA-65 one is needed, or the reverse.
    WrongScheme {
        /// The scheme of the key in the file.
        found: crate::identity::Identity,
        /// The scheme needed here.
        wanted: crate::identity::Identity,
    },
    /// An ML-DSA-65 secret key file without its header line,
    /// `# learn-mtls ML-DSA-65 secret key`.
    NoMlDsaSecretKeyHeader,
}

/// An error about one key file, naming it (and the line, when there is one).
#[derive(Debug)]
pub struct KeyFileError {
    /// The file.
    pub path: PathBuf,
    /// The 1-based line the problem is on, if it is on one.
    pub line: Option<usize>,
    /// What is wrong.
    pub problem: Problem,
}

impl fmt::Display for KeyFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        match self.line {
            Some(line) => write!(f, "{path}:{line}: ")?,
            None => write!(f, "{path}: ")?,
        }
        match &self.problem {
            Problem::Io(e) => write!(f, "{e}"),
            Problem::AlreadyExists => f.write_str(
                "already exists; refusing to overwrite a key (use --force to replace it)",
            ),
            Problem::PermissionsTooOpen { mode } => write!(
                f,
                "permissions {mode:04o} are too open: a secret key must be readable by its owner only \
                 (fix: chmod 600 {path})"
            ),
            Problem::TooLarge => write!(f, "larger than {MAX_KEY_FILE_LEN} bytes; not a key file"),
            Problem::NotAFile => f.write_str("not a regular file; a key file must be one"),
            Problem::WrongKind {
                wanted_secret: true,
            } => f.write_str(
                "this is a public key file (NAME.pub), not a secret key file: a secret key file \
                 (NAME.key, as 11-mtls-genkeys writes it) is needed here, and it begins with the \
                 line `# learn-mtls Ed25519 secret key`",
            ),
            Problem::WrongKind {
                wanted_secret: false,
            } => f.write_str(
                "this is a secret key file (NAME.key); a public key file (NAME.pub) is needed here \
                 (and a .key file is never handed to anyone)",
            ),
            Problem::BadName(why) => write!(f, "cannot name a key pair: {why}"),
            Problem::NoKey => f.write_str("no key found (expected one line of 64 hex characters)"),
            Problem::MoreThanOneKey => {
                f.write_str("a second key line; a key file holds exactly one key")
            }
            Problem::Hex(e) => write!(f, "not a key: {e}"),
            Problem::Key(e) => write!(f, "{e}"),
            Problem::NoSecretKeyHeader => write!(
                f,
                "not a learn-mtls secret key file: its first line must be `{SECRET_KEY_HEADER} ...`, \
                 as 11-mtls-genkeys writes it (a secret key written by hand needs that line added)"
            ),
            Problem::OpenSsh(e) => write!(f, "{e}"),
            Problem::OpenSshPrivateKey {
                wanted_secret: true,
            } => f.write_str(
                "this is an OpenSSH private key, which learn-mtls does not read: make a key pair \
                 with 11-mtls-genkeys (a server or client may still be given your OpenSSH public \
                 key, `ssh-ed25519 AAAA...`, wherever a public key is read)",
            ),
            Problem::OpenSshPrivateKey {
                wanted_secret: false,
            } => f.write_str(
                "this is an OpenSSH private key; a public key is needed here: give the matching \
                 `.pub` file (`ssh-ed25519 AAAA...`), and never hand the private one to anyone",
            ),
            Problem::WrongScheme { found, wanted } => write!(
                f,
                "this is an {} key, but an {} key is needed here: both ends choose the scheme \
                 with --identity, and `11-mtls-genkeys --identity {}` makes {} keys",
                scheme_name(*found),
                scheme_name(*wanted),
                wanted.name(),
                scheme_name(*wanted)
            ),
            Problem::NoMlDsaSecretKeyHeader => write!(
                f,
                "not a learn-mtls ML-DSA-65 secret key file: its first line must be \
                 `{ML_DSA_SECRET_KEY_HEADER} ...`, as `11-mtls-genkeys --identity ml-dsa-65` \
                 writes it"
            ),
            Problem::Pem => f.write_str(
                "a PEM file (-----BEGIN ...), which learn-mtls does not read: key files are the \
                 ones 11-mtls-genkeys writes (public keys may also be `ssh-ed25519 AAAA...` lines)",
            ),
        }
    }
}

impl std::error::Error for KeyFileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.problem {
            Problem::Io(e) => Some(e),
            Problem::Hex(e) => Some(e),
            Problem::Key(e) => Some(e),
            Problem::OpenSsh(e) => Some(e),
            _ => None,
        }
    }
}

/// A scheme as key files and errors name it.
fn scheme_name(scheme: crate::identity::Identity) -> &'static str {
    match scheme {
        crate::identity::Identity::Ed25519 => "Ed25519",
        crate::identity::Identity::MlDsa65 => "ML-DSA-65",
    }
}

fn error(path: &Path, line: Option<usize>, problem: Problem) -> KeyFileError {
    KeyFileError {
        path: path.to_path_buf(),
        line,
        problem,
    }
}

/// Finds the one key line of a key file: its 1-based number and its text,
/// borrowed from `text` so no copy of a secret is made.
fn read_key_line<'t>(path: &Path, text: &'t str) -> Result<(usize, &'t str), KeyFileError> {
    let mut found = None;
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if found.is_some() {
            return Err(error(path, Some(index + 1), Problem::MoreThanOneKey));
        }
        found = Some((index + 1, line));
    }
    found.ok_or_else(|| error(path, None, Problem::NoKey))
}

/// Reads a whole key file, returning it with its metadata. The checks run
/// on the open file, not on the path, so the file checked is the file read
/// even if the path is swapped in between; the text is wiped when dropped,
/// on every path out.
fn read_small(path: &Path) -> Result<(Zeroizing<String>, fs::Metadata), KeyFileError> {
    // Sized up front so the buffer never reallocates and leaves a stray
    // copy of a secret behind in freed memory.
    let mut bytes = Zeroizing::new(Vec::with_capacity(MAX_KEY_FILE_LEN as usize + 1));
    let metadata = crate::smallfile::read(path, MAX_KEY_FILE_LEN, &mut bytes).map_err(|e| {
        let problem = match e {
            crate::smallfile::ReadError::Io(e) => Problem::Io(e),
            crate::smallfile::ReadError::NotAFile => Problem::NotAFile,
            crate::smallfile::ReadError::TooLarge => Problem::TooLarge,
        };
        error(path, None, problem)
    })?;
    // The buffer moves into the String (no copy); invalid UTF-8 hands it
    // back, wrapped again so that it is wiped too.
    match String::from_utf8(core::mem::take(&mut *bytes)) {
        Ok(text) => Ok((Zeroizing::new(text), metadata)),
        Err(e) => {
            drop(Zeroizing::new(e.into_bytes()));
            Err(error(
                path,
                None,
                Problem::Io(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "stream did not contain valid UTF-8",
                )),
            ))
        }
    }
}

/// The first line of an OpenSSH private key file.
const OPENSSH_PRIVATE_KEY_HEADER: &str = "-----BEGIN OPENSSH PRIVATE KEY-----";

/// Refuses PEM files (OpenSSH private keys and the rest) with what they are.
fn refuse_pem(path: &Path, text: &str, wanted_secret: bool) -> Result<(), KeyFileError> {
    let first = text.trim_start();
    if first.starts_with(OPENSSH_PRIVATE_KEY_HEADER) {
        return Err(error(
            path,
            None,
            Problem::OpenSshPrivateKey { wanted_secret },
        ));
    }
    if first.starts_with("-----BEGIN ") {
        return Err(error(path, None, Problem::Pem));
    }
    Ok(())
}

/// The first line of every Ed25519 secret key file this crate writes.
const SECRET_KEY_HEADER: &str = "# learn-mtls Ed25519 secret key";
/// The first line of every ML-DSA-65 secret key file (Lesson 19).
const ML_DSA_SECRET_KEY_HEADER: &str = "# learn-mtls ML-DSA-65 secret key";
/// The first line of every ML-DSA-65 public key file (Lesson 19).
const ML_DSA_PUBLIC_KEY_HEADER: &str = "# learn-mtls ML-DSA-65 public key";
/// An ML-DSA-65 public key line: 1,952 bytes in hex.
const ML_DSA_PUBLIC_HEX_LEN: usize = 2 * crate::keys::ML_DSA_PUBLIC_KEY_LEN;

/// An Ed25519 file's refusal when it holds an ML-DSA-65 key.
fn ml_dsa_not_ed25519() -> Problem {
    Problem::WrongScheme {
        found: crate::identity::Identity::MlDsa65,
        wanted: crate::identity::Identity::Ed25519,
    }
}

/// Whether `path` is named like the other kind of key file, so that a
/// swapped `.pub` and `.key` gets an error that says so (before any
/// permission check, whose advice would be wrong for a public file).
fn named_as(path: &Path, extension: &str) -> bool {
    path.extension().is_some_and(|e| e == extension)
}

/// The rule every public key file is read by, whatever its scheme: not
/// named `.key`, read bounded, not a secret key file of either scheme, not
/// PEM, one key line. `parse` gets the whole text and that line's key, for
/// the scheme's own checks; its problem is reported at that line.
fn read_public_with<T>(
    path: &Path,
    parse: impl FnOnce(&str, &str) -> Result<T, Problem>,
) -> Result<T, KeyFileError> {
    let wrong_kind = || {
        error(
            path,
            None,
            Problem::WrongKind {
                wanted_secret: false,
            },
        )
    };
    if named_as(path, "key") {
        return Err(wrong_kind());
    }
    let (text, _) = read_small(path)?;
    if text.starts_with(SECRET_KEY_HEADER) || text.starts_with(ML_DSA_SECRET_KEY_HEADER) {
        return Err(wrong_kind());
    }
    refuse_pem(path, &text, false)?;
    let (line, key_text) = read_key_line(path, &text)?;
    parse(&text, key_text).map_err(|problem| error(path, Some(line), problem))
}

/// The rule every secret key file is read by, whatever its scheme: not
/// named `.pub`, read bounded, not PEM, then `header` (the scheme's own
/// first line, the other scheme's refused), all before the permission
/// check, so that a file of the wrong kind is refused as such and not
/// with advice to chmod it; then one key line of `N` bytes in hex.
fn read_secret_with<const N: usize>(
    path: &Path,
    header: impl FnOnce(&str) -> Result<(), KeyFileError>,
) -> Result<Zeroizing<[u8; N]>, KeyFileError> {
    if named_as(path, "pub") {
        return Err(error(
            path,
            None,
            Problem::WrongKind {
                wanted_secret: true,
            },
        ));
    }
    let (text, metadata) = read_small(path)?;
    refuse_pem(path, &text, true)?;
    header(&text)?;
    check_private(path, &metadata)?;
    let (line, hex_text) = read_key_line(path, &text)?;
    Ok(Zeroizing::new(
        hex::decode_array::<N>(hex_text).map_err(|e| error(path, Some(line), Problem::Hex(e)))?,
    ))
}

/// Reads a public key file (`NAME.pub`).
///
/// # Errors
/// A [`KeyFileError`] naming the file, the line and the problem.
pub fn read_public(path: impl AsRef<Path>) -> Result<PublicIdentity, KeyFileError> {
    read_public_with(path.as_ref(), |text, key_text| {
        if text.starts_with(ML_DSA_PUBLIC_KEY_HEADER) || key_text.len() == ML_DSA_PUBLIC_HEX_LEN {
            return Err(ml_dsa_not_ed25519());
        }
        if let Some(parsed) = openssh::parse_line(key_text) {
            return parsed.map(|(key, _comment)| key).map_err(Problem::OpenSsh);
        }
        let bytes: [u8; PUBLIC_KEY_LEN] = hex::decode_array(key_text).map_err(Problem::Hex)?;
        PublicIdentity::from_bytes(&bytes).map_err(Problem::Key)
    })
}

/// Reads a secret key file (`NAME.key`), refusing one that others can read.
///
/// # Errors
/// A [`KeyFileError`]; [`Problem::PermissionsTooOpen`] says how to fix the mode.
pub fn read_secret(path: impl AsRef<Path>) -> Result<IdentityKey, KeyFileError> {
    let path = path.as_ref();
    let secret = read_secret_with::<SECRET_KEY_LEN>(path, |text| {
        if text.starts_with(ML_DSA_SECRET_KEY_HEADER) {
            return Err(error(path, Some(1), ml_dsa_not_ed25519()));
        }
        if !text.starts_with(SECRET_KEY_HEADER) {
            return Err(error(path, None, missing_header(text)));
        }
        Ok(())
    })?;
    Ok(IdentityKey::from_secret_bytes(&secret))
}

/// Why a file without the secret key header is refused: it looks like a
/// public key (one line of 64 hex characters, or an OpenSSH public key
/// line), or it is simply not a learn-mtls secret key file.
fn missing_header(text: &str) -> Problem {
    let mut key_lines = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'));
    let looks_public = match (key_lines.next(), key_lines.next()) {
        (Some(line), None) => {
            openssh::parse_line(line).is_some()
                || (line.len() == 2 * PUBLIC_KEY_LEN && line.bytes().all(|b| b.is_ascii_hexdigit()))
        }
        _ => false,
    };
    if looks_public {
        Problem::WrongKind {
            wanted_secret: true,
        }
    } else {
        Problem::NoSecretKeyHeader
    }
}

#[cfg(unix)]
fn check_private(path: &Path, metadata: &fs::Metadata) -> Result<(), KeyFileError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(error(path, None, Problem::PermissionsTooOpen { mode }));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path, _metadata: &fs::Metadata) -> Result<(), KeyFileError> {
    // Other systems express "owner only" with ACLs this course does not cover.
    Ok(())
}

/// Whether an existing file may be replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overwrite {
    /// Fail with [`Problem::AlreadyExists`] if the file exists.
    Never,
    /// Replace it (atomically: write a temporary file, then rename).
    Replace,
}

/// Writes `NAME.key` (mode 0600) and `NAME.pub` into `dir`, returning their paths.
///
/// Each file is written to a temporary name and renamed into place, so a
/// reader never sees half a key.
///
/// # Errors
/// A [`KeyFileError`], for instance [`Problem::AlreadyExists`].
pub fn write_pair(
    dir: impl AsRef<Path>,
    name: &str,
    key: &IdentityKey,
    overwrite: Overwrite,
) -> Result<(PathBuf, PathBuf), KeyFileError> {
    write_pair_with(
        dir.as_ref(),
        name,
        SECRET_KEY_HEADER,
        &key.to_secret_bytes()[..],
        &format!("{}\n", key.public()),
        overwrite,
    )
}

/// The one writer of a key pair, whatever the scheme: checks the name,
/// refuses to overwrite unless asked, writes `NAME.key` (mode 0600, the
/// secret in hex under `secret_header`) and `NAME.pub` (mode 0644,
/// `public_text` as given), each atomically.
pub(crate) fn write_pair_with(
    dir: &Path,
    name: &str,
    secret_header: &str,
    secret: &[u8],
    public_text: &str,
    overwrite: Overwrite,
) -> Result<(PathBuf, PathBuf), KeyFileError> {
    if let Err(why) = check_name(name) {
        return Err(error(&dir.join(name), None, Problem::BadName(why)));
    }
    let secret_path = dir.join(format!("{name}.key"));
    let public_path = dir.join(format!("{name}.pub"));
    if overwrite == Overwrite::Never {
        for path in [&secret_path, &public_path] {
            if path.exists() {
                return Err(error(path, None, Problem::AlreadyExists));
            }
        }
    }
    // Reserved in full before the secret is written, so the String never
    // reallocates and leaves a copy of the secret in freed memory.
    let mut secret_text = Zeroizing::new(String::with_capacity(
        secret_header.len() + 2 * secret.len() + 128 + 2 * name.len(),
    ));
    // Writing to a String cannot fail.
    let _ = write!(
        secret_text,
        "{secret_header} for {name}. Keep it private:\n\
         # whoever holds this file can prove they are {name}.\n{}\n",
        crate::hex::Hex(secret)
    );
    write_key_file(&secret_path, secret_text.as_bytes(), 0o600, overwrite)?;
    write_key_file(&public_path, public_text.as_bytes(), 0o644, overwrite)?;
    Ok((secret_path, public_path))
}

/// A key pair's name becomes two file names and a client name in logs.
fn check_name(name: &str) -> Result<(), &'static str> {
    if name.contains(['/', '\\']) || name.starts_with('.') {
        return Err("it must be a plain file name (no '/', no leading '.')");
    }
    crate::trust::ClientName::new(name)
        .map(|_| ())
        .map_err(|_| "it must be 1 to 64 bytes with no spaces or control characters")
}

/// [`write_atomically`] for a key file, with errors as [`KeyFileError`]s.
fn write_key_file(
    path: &Path,
    contents: &[u8],
    mode: u32,
    overwrite: Overwrite,
) -> Result<(), KeyFileError> {
    write_atomically(path, contents, mode, overwrite).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            error(path, None, Problem::AlreadyExists)
        } else {
            error(path, None, Problem::Io(e))
        }
    })
}

/// Writes `contents` to `path` so that a reader sees the old file or the
/// whole new one, and a planted link is never written through.
///
/// The contents go to a new temporary file in `path`'s directory, named
/// `FILE.tmp-` and 32 hex digits from the operating system's random number
/// generator, so nobody can plant a file or a symbolic link at the name in
/// advance. It is opened with `create_new` (`O_CREAT | O_EXCL`), which
/// refuses any existing name, a symbolic link included, instead of
/// following it; on Unix it is created with permissions `mode` (`0o600` for
/// a secret), so it is never readable by others, not even briefly. It is
/// synced to disk, then moved into place: with `rename` for
/// [`Overwrite::Replace`] (which replaces a link at `path` rather than
/// writing to where it points), with `hard_link` for [`Overwrite::Never`]
/// (which refuses an existing name, so a file created meanwhile is never
/// clobbered). The temporary name is removed whatever happens.
///
/// # Errors
/// The I/O error; [`io::ErrorKind::AlreadyExists`] if `path` exists and
/// `overwrite` is [`Overwrite::Never`].
pub fn write_atomically(
    path: &Path,
    contents: &[u8],
    mode: u32,
    overwrite: Overwrite,
) -> io::Result<()> {
    let temporary = temporary_name(path)?;
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Set at creation, so the secret is never readable by others, not even briefly.
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    // Only a file this call created is written to or removed: if `open`
    // fails (the name exists), nothing else happens.
    let mut file = options.open(&temporary)?;
    let written = file.write_all(contents).and_then(|()| file.sync_all());
    drop(file);
    let placed = written.and_then(|()| match overwrite {
        Overwrite::Replace => fs::rename(&temporary, path),
        Overwrite::Never => fs::hard_link(&temporary, path),
    });
    // After a rename the temporary name is gone already; otherwise remove it.
    let _ = fs::remove_file(&temporary);
    placed
}

/// `path` with `.tmp-` and 32 random hex digits appended.
fn temporary_name(path: &Path) -> io::Result<PathBuf> {
    let mut random = [0u8; 16];
    getrandom::fill(&mut random)
        .map_err(|e| io::Error::other(format!("no random temporary name: {e}")))?;
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".tmp-{}", crate::hex::Hex(&random[..])));
    Ok(PathBuf::from(temporary))
}

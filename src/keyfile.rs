//! Key files: how identities live on disk between lessons.
//!
//! ```text
//! NAME.key   secret, mode 0600:   # comment lines...
//!                                 <64 hex characters: the Ed25519 secret seed>
//! NAME.pub   public:              <64 lowercase hex characters>
//! ```
//!
//! Readers skip blank lines and lines starting with `#`, and expect exactly
//! one line of hex. A secret key file that group or others may read is
//! refused, as OpenSSH refuses an unprotected private key: a key that others
//! could have copied no longer proves who you are.

// The crate is no_std; modules that need std bring its prelude in by name.
use std::prelude::rust_2024::*;

use std::fmt::{self, Write as _};
use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::hex::{self, HexError};
use crate::keys::{IdentityKey, KeyError, PUBLIC_KEY_LEN, PublicIdentity, SECRET_KEY_LEN};
use zeroize::Zeroizing;

/// Key files are tiny; anything bigger than this is not one.
const MAX_KEY_FILE_LEN: u64 = 4096;

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
                "this is a public key file (NAME.pub); a secret key file (NAME.key) is needed here",
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
        }
    }
}

impl std::error::Error for KeyFileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.problem {
            Problem::Io(e) => Some(e),
            Problem::Hex(e) => Some(e),
            Problem::Key(e) => Some(e),
            _ => None,
        }
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

/// Reads a whole key file. The checks run on the open file, not on the
/// path, so the file checked is the file read even if the path is swapped
/// in between; the text is wiped when dropped, on every path out.
fn read_small(path: &Path, must_be_private: bool) -> Result<Zeroizing<String>, KeyFileError> {
    let io = |e| error(path, None, Problem::Io(e));
    // Opening a named pipe would wait for a writer forever: look first.
    if !fs::metadata(path).map_err(io)?.is_file() {
        return Err(error(path, None, Problem::NotAFile));
    }
    let file = fs::File::open(path).map_err(io)?;
    let metadata = file.metadata().map_err(io)?;
    if !metadata.is_file() {
        return Err(error(path, None, Problem::NotAFile));
    }
    if must_be_private {
        check_private(path, &metadata)?;
    }
    // Sized up front so the buffer never reallocates and leaves a stray
    // copy of a secret behind in freed memory.
    let mut text = Zeroizing::new(String::with_capacity(MAX_KEY_FILE_LEN as usize + 1));
    let read = file
        .take(MAX_KEY_FILE_LEN + 1)
        .read_to_string(&mut text)
        .map_err(io)?;
    if read as u64 > MAX_KEY_FILE_LEN {
        return Err(error(path, None, Problem::TooLarge));
    }
    Ok(text)
}

/// The first line of every secret key file this crate writes.
const SECRET_KEY_HEADER: &str = "# learn-mtls Ed25519 secret key";

/// Whether `path` is named like the other kind of key file, so that a
/// swapped `.pub` and `.key` gets an error that says so (before any
/// permission check, whose advice would be wrong for a public file).
fn named_as(path: &Path, extension: &str) -> bool {
    path.extension().is_some_and(|e| e == extension)
}

/// Reads a public key file (`NAME.pub`).
///
/// # Errors
/// A [`KeyFileError`] naming the file, the line and the problem.
pub fn read_public(path: impl AsRef<Path>) -> Result<PublicIdentity, KeyFileError> {
    let path = path.as_ref();
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
    let text = read_small(path, false)?;
    if text.starts_with(SECRET_KEY_HEADER) {
        return Err(wrong_kind());
    }
    let (line, hex_text) = read_key_line(path, &text)?;
    let bytes: [u8; PUBLIC_KEY_LEN] =
        hex::decode_array(hex_text).map_err(|e| error(path, Some(line), Problem::Hex(e)))?;
    PublicIdentity::from_bytes(&bytes).map_err(|e| error(path, Some(line), Problem::Key(e)))
}

/// Reads a secret key file (`NAME.key`), refusing one that others can read.
///
/// # Errors
/// A [`KeyFileError`]; [`Problem::PermissionsTooOpen`] says how to fix the mode.
pub fn read_secret(path: impl AsRef<Path>) -> Result<IdentityKey, KeyFileError> {
    let path = path.as_ref();
    if named_as(path, "pub") {
        return Err(error(
            path,
            None,
            Problem::WrongKind {
                wanted_secret: true,
            },
        ));
    }
    let text = read_small(path, true)?;
    let (line, hex_text) = read_key_line(path, &text)?;
    let secret = Zeroizing::new(
        hex::decode_array::<SECRET_KEY_LEN>(hex_text)
            .map_err(|e| error(path, Some(line), Problem::Hex(e)))?,
    );
    Ok(IdentityKey::from_secret_bytes(&secret))
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
    let dir = dir.as_ref();
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
    let mut secret_text = Zeroizing::new(String::with_capacity(256 + 2 * name.len()));
    // Writing to a String cannot fail.
    let _ = write!(
        secret_text,
        "{SECRET_KEY_HEADER} for {name}. Keep it private:\n\
         # whoever holds this file can prove they are {name}.\n{}\n",
        crate::hex::Hex(&key.to_secret_bytes()[..])
    );
    write_atomically(&secret_path, secret_text.as_bytes(), 0o600, overwrite)?;
    let public_text = format!("{}\n", key.public());
    write_atomically(&public_path, public_text.as_bytes(), 0o644, overwrite)?;
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

/// Writes a temporary file, then moves it into place: with `rename` when
/// replacing, with `hard_link` (which refuses an existing name) otherwise,
/// so a file created meanwhile is never clobbered.
fn write_atomically(
    path: &Path,
    contents: &[u8],
    mode: u32,
    overwrite: Overwrite,
) -> Result<(), KeyFileError> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".tmp{}", std::process::id()));
    let temporary = PathBuf::from(temporary);
    let io = |e| error(path, None, Problem::Io(e));
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
    let written = options
        .open(&temporary)
        .and_then(|mut file| file.write_all(contents).and_then(|()| file.sync_all()));
    let placed = written.and_then(|()| match overwrite {
        Overwrite::Replace => fs::rename(&temporary, path),
        Overwrite::Never => fs::hard_link(&temporary, path),
    });
    // After a rename the temporary name is gone already; otherwise remove it.
    let _ = fs::remove_file(&temporary);
    match placed {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            Err(error(path, None, Problem::AlreadyExists))
        }
        other => other.map_err(io),
    }
}

//! The two text formats: authorized keys and revoked keys.
//!
//! Parsing returns either the whole list or the first error, never half a
//! list, and every error names the file, the line and the problem:
//!
//! ```text
//! authorized_keys:3: not hex: 'g' (column 7) is not a hex digit; a key is 64 characters 0-9, a-f
//! ```
//!
//! # Authorized keys
//!
//! One client per line: the client's public key, then whitespace, then its
//! name. The key is 64 hex characters, or an OpenSSH Ed25519 public key
//! (`ssh-ed25519 AAAA...`, see [`crate::openssh`]), so a line of OpenSSH's
//! own `authorized_keys` or an `id_ed25519.pub` works as it is, its comment
//! (`alice@laptop`) becoming the name.
//!
//! ```text
//! # Who may connect to the lab server.
//! 3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c alice
//! fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025 billing-service
//! ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIL+oN2zdAph7ewqWHMmumlD/orLSfLQUj/033qLnjmij carol@laptop
//! ```
//!
//! - The name follows the [`ClientName`] rules: 1 to 64 bytes of UTF-8,
//!   no whitespace, no control characters, no invisible characters
//!   (default-ignorable code points and format characters, refused by
//!   code point: `U+3164`).
//! - **Nothing may follow the name.** A name is one word, so text after it
//!   is almost always a name with a space in it (`billing service`); taking
//!   the first word silently would let the log call a client something the
//!   operator did not write. Comments go on their own line.
//! - A key may appear only once: two lines with one key would give it two
//!   names, and the error names the earlier line.
//!
//! # Revoked keys
//!
//! One key per line, 64 hex characters or `ssh-ed25519 AAAA...`, optionally
//! followed by whitespace and a free-form comment (no `#` needed):
//!
//! ```text
//! # Refused even if authorized.
//! fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025 laptop stolen 2024-05-01
//! ```
//!
//! A key may be listed twice: revoking twice is still revoked, and refusing
//! the file would turn an innocent double append into an outage (a broken
//! revocation list makes the server refuse everyone, see `super::files`).
//!
//! # Rules shared by both formats
//!
//! - Lines end with `\n`; a `\r` before it (Windows `\r\n`) is ignored.
//! - A UTF-8 byte-order mark at the very start of the file is ignored
//!   (some Windows editors write one). The file must be UTF-8.
//! - Leading and trailing whitespace on a line is ignored, and fields are
//!   separated by any run of whitespace, spaces and tabs alike: whitespace
//!   is invisible in an editor, so it must not change the meaning.
//! - Empty lines, lines of only whitespace, and lines whose first
//!   non-whitespace character is `#` are ignored.
//! - Hex digits may be upper or lower case.
//! - An OpenSSH key must be `ssh-ed25519`: other types (`ssh-rsa`,
//!   `ecdsa-sha2-*`, `sk-*`) and OpenSSH options before the key
//!   (`restrict,command="..."`) are refused, each with its own error.
//! - Every key must be a valid Ed25519 public key of large order, exactly
//!   what the handshake would accept ([`PublicIdentity::from_bytes`]). In a
//!   revocation list this matters too: a key that does not decode is a
//!   typo, and the key the operator meant to revoke would stay trusted.
//! - Line numbers in errors count from 1, as editors do.
//!
//! # What errors reveal
//!
//! Errors quote at most one character of the file (the first one that is
//! not a hex digit), never a key or a name, so they can go to a shared log.
//! They are for the operator: a server tells a refused client nothing.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::lists::{AuthorizedKey, AuthorizedKeys, RevokedKeys};
use crate::hex::{self, HexError};
use crate::keys::{KeyError, PUBLIC_KEY_LEN, PublicIdentity};
use crate::name::{ClientName, NameError};
use crate::openssh::{self, OpenSshError};

/// The UTF-8 byte-order mark, ignored at the start of a file.
const BOM: &str = "\u{feff}";

/// What is wrong with one line of a key list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LineProblem {
    /// The line is not valid UTF-8.
    NotUtf8,
    /// A carriage return inside the line (not just before its `\n`): the
    /// file uses CR-only line ends, so what looks like many lines is one.
    BareCarriageReturn,
    /// The key has a character that is not a hex digit.
    NotHex {
        /// The first offending character.
        found: char,
        /// Its position on the line, counting characters from 1.
        column: usize,
    },
    /// The key is not 64 characters long.
    WrongLength {
        /// How many characters the key has.
        found: usize,
    },
    /// The 32 bytes are not an acceptable Ed25519 public key: not a curve
    /// point, or a weak (small-order) one.
    Key(KeyError),
    /// The key was already listed.
    Duplicate {
        /// The line it first appeared on.
        first_line: usize,
    },
    /// An OpenSSH key (`ssh-...`) that cannot be used.
    OpenSsh(OpenSshError),
    /// An authorized key with no name after it.
    MissingName,
    /// The name breaks a [`ClientName`] rule.
    BadName(NameError),
    /// Text after the name of an authorized key.
    TextAfterName,
}

impl fmt::Display for LineProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotUtf8 => f.write_str("not UTF-8: a key list must be plain UTF-8 text"),
            Self::NotHex { found, column } => write!(
                f,
                "not hex: {found:?} (column {column}) is not a hex digit; \
                 a key is {} characters 0-9, a-f",
                2 * PUBLIC_KEY_LEN
            ),
            Self::WrongLength { found } => write!(
                f,
                "wrong length: a key is {} hex characters, this one has {found}",
                2 * PUBLIC_KEY_LEN
            ),
            Self::Key(why) => fmt::Display::fmt(why, f),
            Self::OpenSsh(why) => fmt::Display::fmt(why, f),
            Self::Duplicate { first_line } => write!(
                f,
                "duplicate key: the same key is already on line {first_line}; \
                 each client may be listed once"
            ),
            Self::MissingName => {
                f.write_str("missing name: write the client's name after the key: <key> <name>")
            }
            Self::BadName(why) => write!(f, "bad name: {why}"),
            Self::BareCarriageReturn => f.write_str(
                "a carriage return (\\r) inside the line: the file seems to use \
                 CR-only (old Mac) line ends, which make the whole file one line; \
                 convert them to \\n (or \\r\\n)",
            ),
            Self::TextAfterName => f.write_str(
                "text after the name: a name is one word (no spaces); \
                 put comments on their own line, starting with #",
            ),
        }
    }
}

impl core::error::Error for LineProblem {}

/// A key list that cannot be used, with where and why: shown as
/// `FILE:LINE: problem`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    file: String,
    line: usize,
    problem: LineProblem,
}

impl ParseError {
    /// The file name as given to the parser.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The line number, counting from 1.
    pub fn line(&self) -> usize {
        self.line
    }

    /// What is wrong with that line.
    pub fn problem(&self) -> LineProblem {
        self.problem
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.problem)
    }
}

impl core::error::Error for ParseError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(&self.problem)
    }
}

impl AuthorizedKeys<Vec<AuthorizedKey>> {
    /// Parses an authorized-keys list (format in the [module
    /// documentation](self)). `file` only labels errors.
    ///
    /// # Errors
    /// The first bad line, as a [`ParseError`] naming `file` and the line.
    ///
    /// # Examples
    ///
    /// ```
    /// use learn_mtls::trust::lists::AuthorizedKeys;
    ///
    /// let text = "# lab clients\n\
    ///     3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c alice\n";
    /// let authorized = AuthorizedKeys::parse("authorized_keys", text)?;
    /// assert_eq!(authorized.entries()[0].name.as_str(), "alice");
    ///
    /// let error = AuthorizedKeys::parse("authorized_keys", "# lab clients\nabc alice\n").unwrap_err();
    /// assert_eq!(
    ///     error.to_string(),
    ///     "authorized_keys:2: wrong length: a key is 64 hex characters, this one has 3"
    /// );
    /// # Ok::<(), learn_mtls::trust::format::ParseError>(())
    /// ```
    pub fn parse(file: &str, text: impl AsRef<[u8]>) -> Result<Self, ParseError> {
        let mut entries = Vec::new();
        // Where each key was first seen. Ordered by the key's bytes, which is
        // not constant-time; fine here, because a list is public data read
        // once, and a linear search per line would be quadratic.
        let mut first_seen: BTreeMap<[u8; PUBLIC_KEY_LEN], usize> = BTreeMap::new();
        for (number, line) in lines(text.as_ref()) {
            let at = |problem| ParseError {
                file: file.into(),
                line: number,
                problem,
            };
            let Some(entry) = authorized_line(line).map_err(at)? else {
                continue;
            };
            if let Some(&first_line) = first_seen.get(entry.key.as_bytes()) {
                return Err(at(LineProblem::Duplicate { first_line }));
            }
            first_seen.insert(*entry.key.as_bytes(), number);
            entries.push(entry);
        }
        Ok(Self::new(entries))
    }
}

impl RevokedKeys<Vec<PublicIdentity>> {
    /// Parses a revocation list (format in the [module
    /// documentation](self)). `file` only labels errors.
    ///
    /// # Errors
    /// The first bad line, as a [`ParseError`] naming `file` and the line.
    ///
    /// # Examples
    ///
    /// ```
    /// use learn_mtls::trust::lists::RevokedKeys;
    ///
    /// let text = "FC51CD8E6218A1A38DA47ED00230F0580816ED13BA3303AC5DEB911548908025 stolen laptop\r\n";
    /// assert_eq!(RevokedKeys::parse("revoked_keys", text)?.len(), 1);
    /// # Ok::<(), learn_mtls::trust::format::ParseError>(())
    /// ```
    pub fn parse(file: &str, text: impl AsRef<[u8]>) -> Result<Self, ParseError> {
        let mut keys = Vec::new();
        for (number, line) in lines(text.as_ref()) {
            let key = revoked_line(line).map_err(|problem| ParseError {
                file: file.into(),
                line: number,
                problem,
            })?;
            keys.extend(key);
        }
        Ok(Self::new(keys))
    }
}

/// The lines of a file with their numbers (from 1), the byte-order mark and
/// any `\r` before the `\n` removed. A line that is not UTF-8 comes out as an
/// error carrying its number.
fn lines(text: &[u8]) -> impl Iterator<Item = (usize, Result<&str, LineProblem>)> {
    let text = text.strip_prefix(BOM.as_bytes()).unwrap_or(text);
    // A final "\n" ends the last line rather than starting an empty one.
    let text = text.strip_suffix(b"\n").unwrap_or(text);
    (1..)
        .zip(text.split(|&byte| byte == b'\n'))
        .map(|(number, line)| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let line = if line.contains(&b'\r') {
                Err(LineProblem::BareCarriageReturn)
            } else {
                core::str::from_utf8(line).map_err(|_| LineProblem::NotUtf8)
            };
            (number, line)
        })
}

/// The first word of a line, or `None` for a blank or comment line; with
/// the key's column and the rest of the line.
fn first_field(line: &str) -> Option<(&str, usize, &str)> {
    let trimmed = line.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return None;
    }
    let column = line[..line.len() - trimmed.len()].chars().count() + 1;
    let end = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
    Some((&trimmed[..end], column, &trimmed[end..]))
}

/// One key as 64 hex characters, checked the way the handshake checks keys.
/// `column` is where the key starts, to point at a bad character.
fn parse_key(text: &str, column: usize) -> Result<PublicIdentity, LineProblem> {
    let bytes = hex::decode_array::<PUBLIC_KEY_LEN>(text).map_err(|error| match error {
        HexError::WrongLength { found, .. } => LineProblem::WrongLength { found },
        // Locate the culprit only to explain the error; the key is public.
        _ => text
            .chars()
            .zip(column..)
            .find(|(c, _)| !c.is_ascii_hexdigit())
            .map_or(
                LineProblem::NotHex { found: '?', column },
                |(found, column)| LineProblem::NotHex { found, column },
            ),
    })?;
    PublicIdentity::from_bytes(&bytes).map_err(LineProblem::Key)
}

/// The key a line starts with, in either form, and the rest of the line;
/// `Ok(None)` for blank and comment lines.
fn line_key(line: &str) -> Result<Option<(PublicIdentity, &str)>, LineProblem> {
    if let Some(parsed) = openssh::parse_line(line) {
        return parsed.map(Some).map_err(|why| match why {
            OpenSshError::Key(why) => LineProblem::Key(why),
            why => LineProblem::OpenSsh(why),
        });
    }
    let Some((key, column, rest)) = first_field(line) else {
        return Ok(None);
    };
    match parse_key(key, column) {
        Ok(key) => Ok(Some((key, rest))),
        // `restrict,command="..." ssh-ed25519 AAAA... name`: say so, rather
        // than "not hex" about the options.
        Err(_)
            if rest
                .split_whitespace()
                .any(|w| w == openssh::ED25519_KEY_TYPE) =>
        {
            Err(LineProblem::OpenSsh(OpenSshError::Options))
        }
        Err(problem) => Err(problem),
    }
}

/// One line of an authorized-keys list: `Ok(None)` for blank and comment lines.
fn authorized_line(line: Result<&str, LineProblem>) -> Result<Option<AuthorizedKey>, LineProblem> {
    let Some((key, rest)) = line_key(line?)? else {
        return Ok(None);
    };
    let mut words = rest.split_whitespace();
    let name = words.next().ok_or(LineProblem::MissingName)?;
    let name = ClientName::new(name).map_err(LineProblem::BadName)?;
    if words.next().is_some() {
        return Err(LineProblem::TextAfterName);
    }
    Ok(Some(AuthorizedKey::new(key, name)))
}

/// One line of a revocation list: `Ok(None)` for blank and comment lines.
/// Whatever follows the key is a comment.
fn revoked_line(line: Result<&str, LineProblem>) -> Result<Option<PublicIdentity>, LineProblem> {
    Ok(line_key(line?)?.map(|(key, _comment)| key))
}

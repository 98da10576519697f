//! Exercise 11.3: the authorized-keys parser, with `FILE:LINE` errors.
//!
//! Lesson: `lessons/11-mutual-authentication.md#step-2-a-list-of-authorized-clients` ("Step 2: a list of authorized clients");
//! the format in full is the documentation of `learn_mtls::trust::format`.
//!
//! ```text
//! # Who may connect: <64 hex characters> <name>
//! 3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c alice
//! ```
//!
//! Rules, each line on its own (line numbers count from 1):
//!
//! - a UTF-8 byte-order mark at the very start is ignored; a `\r` before
//!   the `\n` is ignored; a final `\n` does not start an empty line;
//! - blank lines, and lines whose first non-whitespace character is `#`,
//!   are skipped; fields are separated by any run of whitespace. Whitespace
//!   is what `char::is_whitespace` says: spaces and tabs, and also the
//!   other Unicode spaces (U+00A0, U+3000, ...), as `str::split_whitespace`
//!   and `str::trim_start` see it.
//!
//! Then each remaining line is checked in this order, and the first
//! problem is the one reported:
//!
//! 1. the key: first its length (64 characters, else `WrongLength`), then
//!    its characters (0-9, a-f, A-F, else `NotHex` with the first bad
//!    character and its column, counting characters from 1 at the start
//!    of the line), then `PublicIdentity::from_bytes` (else `Key(why)`);
//! 2. the name: missing is `MissingName`; it must pass `ClientName::new`
//!    (else `BadName(why)`); any word after it is `TextAfterName`;
//! 3. last, only for a line that is otherwise good: a key listed before is
//!    `Duplicate` with the line it first appeared on.
//!
//! Each good line gives `AuthorizedKey::new(key, name)`, in file order.
//! Return the first problem as a [`ListError`]: the check compares the file,
//! the line and the problem, details included (the column, the length,
//! the first line), with the library's parser (`AuthorizedKeys::parse`),
//! and never accepts half a list.
//! Useful: `learn_mtls::hex::decode_array::<32>` (checks the length first).
//! Check it: `cargo course check 11.3`; stuck: `cargo course hint 11.3`.
//!
//! # What it uses
//!
//! - [`AuthorizedKey::new`]: `AuthorizedKey::new(key, name)`, one good line:
//!   the client's key and the name it gets.
//! - [`LineProblem`]: the `problem` of a [`ListError`]:
//!   - `WrongLength { found }`: the key has `found` characters, not 64;
//!   - `NotHex { found, column }`: the first character that is not a hex
//!     digit, and its column (characters, counting from 1);
//!   - `Key(KeyError)`: 64 hex digits that are not a usable key (what
//!     [`PublicIdentity::from_bytes`] says);
//!   - `MissingName`: a key with nothing after it;
//!   - `BadName(NameError)`: the name breaks a rule (what
//!     [`ClientName::new`] says);
//!   - `TextAfterName`: a word after the name;
//!   - `Duplicate { first_line }`: the key was listed before, first on line
//!     `first_line`.
//! - [`hex::decode_array`]: `decode_array::<32>(text)`: 32 bytes, or a
//!   [`HexError`]: `WrongLength { expected, found }` (checked first) or
//!   `NotHex` (without a position: find the character yourself).

use std::fmt;

use learn_mtls::hex::{self, HexError};
use learn_mtls::keys::PublicIdentity;
use learn_mtls::trust::format::LineProblem;
use learn_mtls::trust::{AuthorizedKey, ClientName};

/// The first bad line of a list: shown as `FILE:LINE: problem`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListError {
    /// The file name given to the parser.
    pub file: String,
    /// The line number, counting from 1.
    pub line: usize,
    /// What is wrong with it.
    pub problem: LineProblem,
}

impl fmt::Display for ListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.problem)
    }
}

/// Parses an authorized-keys list; `file` only labels errors.
///
/// # Errors
/// The first bad line, as a [`ListError`].
pub fn parse_authorized_keys(file: &str, text: &str) -> Result<Vec<AuthorizedKey>, ListError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text.strip_suffix('\n').unwrap_or(text);
    let mut entries: Vec<(AuthorizedKey, usize)> = Vec::new();
    for (number, line) in (1..).zip(text.split('\n')) {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let at = |problem| ListError {
            file: file.to_owned(),
            line: number,
            problem,
        };
        let Some(entry) = parse_line(line).map_err(at)? else {
            continue;
        };
        if let Some((_, first_line)) = entries.iter().find(|(seen, _)| seen.key == entry.key) {
            return Err(at(LineProblem::Duplicate {
                first_line: *first_line,
            }));
        }
        entries.push((entry, number));
    }
    Ok(entries.into_iter().map(|(entry, _)| entry).collect())
}

/// One line: `Ok(None)` for a blank or comment line.
fn parse_line(line: &str) -> Result<Option<AuthorizedKey>, LineProblem> {
    let trimmed = line.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(None);
    }
    let column = line[..line.len() - trimmed.len()].chars().count() + 1;
    let mut words = trimmed.split_whitespace();
    let key_text = words.next().unwrap_or_default();
    let bytes = hex::decode_array::<32>(key_text).map_err(|error| match error {
        HexError::WrongLength { found, .. } => LineProblem::WrongLength { found },
        _ => key_text
            .chars()
            .zip(column..)
            .find(|(c, _)| !c.is_ascii_hexdigit())
            .map_or(
                LineProblem::NotHex { found: '?', column },
                |(found, column)| LineProblem::NotHex { found, column },
            ),
    })?;
    let key = PublicIdentity::from_bytes(&bytes).map_err(LineProblem::Key)?;
    let name = words.next().ok_or(LineProblem::MissingName)?;
    let name = ClientName::new(name).map_err(LineProblem::BadName)?;
    if words.next().is_some() {
        return Err(LineProblem::TextAfterName);
    }
    Ok(Some(AuthorizedKey::new(key, name)))
}

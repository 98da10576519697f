//! OpenSSH public keys, accepted wherever a public key is read.
//!
//! Operators already have Ed25519 keys in OpenSSH's one-line form (an
//! `id_ed25519.pub`, a line of `authorized_keys`):
//!
//! ```text
//! ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDF0...Yw8 alice@laptop
//! ```
//!
//! The base64 text holds the key in SSH's wire format (RFC 4253 section
//! 6.6, RFC 8709 section 4): a `string` is a 4-byte big-endian length and
//! that many bytes, and an Ed25519 key is
//!
//! ```text
//! string "ssh-ed25519"    00 00 00 0b  73 73 68 2d 65 64 32 35 35 31 39
//! string key              00 00 00 20  <the 32 bytes of the public key>
//! ```
//!
//! 51 bytes, so always 68 base64 characters. Anything else is refused with
//! the reason: another key type (RSA, ECDSA, security keys), text that is not
//! base64, or base64 that does not hold exactly this. The key is then checked
//! as every public key is ([`PublicIdentity::from_bytes`]).
//!
//! No allocation: the text is decoded into a 51-byte array.
//!
//! ```
//! use learn_mtls::openssh;
//!
//! // From `ssh-keygen -t ed25519 -C alice@laptop`: the same key in both forms.
//! let line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIL+oN2zdAph7ewqWHMmumlD/orLSfLQUj/033qLnjmij alice@laptop";
//! let (key, comment) = openssh::parse_line(line).expect("an OpenSSH key line")?;
//! assert_eq!(comment, "alice@laptop");
//! assert_eq!(key.to_string(), "bfa8376cdd02987b7b0a961cc9ae9a50ffa2b2d27cb4148ffd37dea2e78e68a3");
//! # Ok::<(), learn_mtls::openssh::OpenSshError>(())
//! ```

use core::fmt;

use base64ct::{Base64, Encoding};

use crate::keys::{KeyError, PUBLIC_KEY_LEN, PublicIdentity};

/// The key type of an OpenSSH Ed25519 public key, first word of its line.
pub const ED25519_KEY_TYPE: &str = "ssh-ed25519";

/// The decoded key: `string "ssh-ed25519"` then `string key32`.
const BLOB_LEN: usize = 4 + ED25519_KEY_TYPE.len() + 4 + PUBLIC_KEY_LEN;

/// The length of an `ssh-ed25519` key in base64: 51 bytes, 68 characters
/// (no padding: 51 is a multiple of 3).
pub const BASE64_LEN: usize = BLOB_LEN / 3 * 4;

/// Why an OpenSSH public key cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OpenSshError {
    /// A key type other than `ssh-ed25519`.
    NotEd25519,
    /// `ssh-ed25519` with nothing after it.
    MissingKeyData,
    /// The key text is not 68 characters long.
    WrongLength {
        /// How many characters it has.
        found: usize,
    },
    /// The key text is not base64.
    NotBase64,
    /// The base64 decodes, but not to `string "ssh-ed25519"`, `string key32`.
    NotAnEd25519Blob,
    /// Text before the key type, as in OpenSSH's `restrict,command="..."
    /// ssh-ed25519 ...` lines.
    Options,
    /// The 32 bytes are not an acceptable Ed25519 public key.
    Key(KeyError),
}

impl fmt::Display for OpenSshError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotEd25519 => f.write_str(
                "an OpenSSH key of another type: only `ssh-ed25519` keys can be used \
                 (make one with `ssh-keygen -t ed25519`, or with 11-mtls-genkeys)",
            ),
            Self::MissingKeyData => f.write_str(
                "`ssh-ed25519` with no key after it: expected `ssh-ed25519 AAAA... [comment]`",
            ),
            Self::WrongLength { found } => write!(
                f,
                "an `ssh-ed25519` key is {BASE64_LEN} base64 characters, this one has {found}"
            ),
            Self::NotBase64 => f.write_str("the text after `ssh-ed25519` is not base64"),
            Self::NotAnEd25519Blob => f.write_str(
                "the base64 after `ssh-ed25519` does not hold an Ed25519 key \
                 (string \"ssh-ed25519\", then a string of 32 key bytes)",
            ),
            Self::Options => f.write_str(
                "OpenSSH options before the key are not supported: \
                 start the line with `ssh-ed25519`",
            ),
            Self::Key(why) => fmt::Display::fmt(why, f),
        }
    }
}

impl core::error::Error for OpenSshError {}

/// Whether `word` names an OpenSSH public key type: `ssh-ed25519`,
/// `ssh-rsa`, `ecdsa-sha2-nistp256`, `sk-ssh-ed25519@openssh.com`, ...
pub fn is_key_type(word: &str) -> bool {
    ["ssh-", "ecdsa-sha2-", "sk-"]
        .iter()
        .any(|prefix| word.starts_with(prefix))
}

/// Parses an OpenSSH public key given as its type and its base64 text.
///
/// # Errors
/// An [`OpenSshError`] naming what is wrong.
pub fn parse_key(key_type: &str, base64: &str) -> Result<PublicIdentity, OpenSshError> {
    if key_type != ED25519_KEY_TYPE {
        return Err(OpenSshError::NotEd25519);
    }
    if base64.len() != BASE64_LEN {
        return Err(OpenSshError::WrongLength {
            found: base64.chars().count(),
        });
    }
    let mut blob = [0u8; BLOB_LEN];
    Base64::decode(base64, &mut blob).map_err(|_| OpenSshError::NotBase64)?;
    let rest = string(&blob, ED25519_KEY_TYPE.as_bytes()).ok_or(OpenSshError::NotAnEd25519Blob)?;
    let key: &[u8; PUBLIC_KEY_LEN] = rest
        .strip_prefix(&(PUBLIC_KEY_LEN as u32).to_be_bytes()[..])
        .and_then(|key| key.try_into().ok())
        .ok_or(OpenSshError::NotAnEd25519Blob)?;
    PublicIdentity::from_bytes(key).map_err(OpenSshError::Key)
}

/// Strips one SSH `string` equal to `expected` from the front of `bytes`.
fn string<'b>(bytes: &'b [u8], expected: &[u8]) -> Option<&'b [u8]> {
    let len = u32::try_from(expected.len()).ok()?.to_be_bytes();
    bytes.strip_prefix(&len[..])?.strip_prefix(expected)
}

/// Parses a line `TYPE BASE64 [comment]`: `None` if its first word is not
/// an OpenSSH key type (so the line is in some other format), otherwise the
/// key and the comment (trimmed; empty if there is none).
pub fn parse_line(line: &str) -> Option<Result<(PublicIdentity, &str), OpenSshError>> {
    let line = line.trim();
    let (key_type, rest) = split_word(line);
    if !is_key_type(key_type) {
        return None;
    }
    if key_type != ED25519_KEY_TYPE {
        return Some(Err(OpenSshError::NotEd25519));
    }
    let (base64, comment) = split_word(rest.trim_start());
    if base64.is_empty() {
        return Some(Err(OpenSshError::MissingKeyData));
    }
    Some(parse_key(key_type, base64).map(|key| (key, comment.trim())))
}

/// The first word of `text` and what follows it.
fn split_word(text: &str) -> (&str, &str) {
    let end = text.find(char::is_whitespace).unwrap_or(text.len());
    text.split_at(end)
}

//! Lesson 15: certificates from scratch.
//!
//! A certificate is a statement signed by an issuer: "this key belongs to
//! this name, for this use, between these two times". Our format is not
//! X.509 but holds the same ideas in 220 fixed bytes (the lesson maps each
//! field to its X.509 counterpart):
//!
//! ```text
//! offset  len  field
//!      0    1  version        0x01
//!      1    1  usage          0x01 client, 0x02 server, 0x03 ca
//!      2    1  path_len       ca: how many CAs may sit below it; else 0x00
//!      3    1  name_len       1..=64
//!      4   64  name           UTF-8, then zero bytes up to 64
//!     68   32  subject_key    Ed25519 public key of the named party
//!    100    8  serial         u64, big-endian, unique per issuer
//!    108    8  not_before     u64, big-endian, seconds since the Unix epoch
//!    116    8  not_after      u64, big-endian, seconds since the Unix epoch
//!    124   32  issuer_key     Ed25519 public key of the issuer
//!    156   64  signature      Ed25519, by issuer_key, over
//!                             0x20 x 64 || CERTIFICATE_CONTEXT || 0x00 || SHA-256(bytes 0..156)
//! ```
//!
//! The modules:
//!
//! - this one: the format ([`Certificate`], [`CertificateBody`]) and issuing.
//! - [`crl`]: the signed revocation list.
//! - [`verify`]: the checks, one function each, and a whole chain.
//! - [`armour`]: the text form for files (`-----BEGIN LEARN-MTLS CERTIFICATE-----`).
//! - [`time`]: RFC 3339 times.
//! - `files` (with `std`): certificate, chain and list files, reloaded when they change.

use core::fmt;

use crate::keys::{IdentityKey, KeyError, PUBLIC_KEY_LEN, PublicIdentity, SIGNATURE_LEN};
use crate::name::{ClientName, MAX_NAME_LEN, NameError};
use crate::signed::signed_content;
use crate::wire::layout::{Field, tiles};

pub mod armour;
pub mod crl;
#[cfg(feature = "std")]
pub mod files;
#[cfg(feature = "std")]
pub mod live;
pub mod time;
pub mod verify;

/// The only format version this code reads and writes.
pub const CERTIFICATE_VERSION: u8 = 1;
/// The longest name a certificate holds, as for client names.
pub const MAX_CERT_NAME_LEN: usize = MAX_NAME_LEN;
/// The signed part: everything before the signature, 156 bytes.
pub const BODY_LEN: usize = 4 + MAX_CERT_NAME_LEN + PUBLIC_KEY_LEN + 8 + 8 + 8 + PUBLIC_KEY_LEN;
/// A whole certificate: the body and the issuer's signature, 220 bytes.
pub const CERTIFICATE_LEN: usize = BODY_LEN + SIGNATURE_LEN;
/// What an issuer's signature on a certificate is made under, so that it
/// can never be taken for a handshake signature or a revocation list.
pub const CERTIFICATE_CONTEXT: &[u8] = b"learn-mtls v1 certificate";

// Field offsets, as in the table above.
const USAGE_AT: usize = 1;
const PATH_LEN_AT: usize = 2;
const NAME_LEN_AT: usize = 3;
const NAME_AT: usize = 4;
const KEY_AT: usize = NAME_AT + MAX_CERT_NAME_LEN;
const SERIAL_AT: usize = KEY_AT + PUBLIC_KEY_LEN;
const NOT_BEFORE_AT: usize = SERIAL_AT + 8;
const NOT_AFTER_AT: usize = NOT_BEFORE_AT + 8;
const ISSUER_AT: usize = NOT_AFTER_AT + 8;
const _: () = assert!(ISSUER_AT + PUBLIC_KEY_LEN == BODY_LEN);

/// The table above as data, from the same offsets the encoder uses: what
/// figures and the live lab colour a certificate's bytes by.
pub const LAYOUT: &[Field] = &[
    Field {
        name: "version",
        offset: 0,
        len: 1,
    },
    Field {
        name: "usage",
        offset: USAGE_AT,
        len: 1,
    },
    Field {
        name: "path_len",
        offset: PATH_LEN_AT,
        len: 1,
    },
    Field {
        name: "name_len",
        offset: NAME_LEN_AT,
        len: 1,
    },
    Field {
        name: "name",
        offset: NAME_AT,
        len: KEY_AT - NAME_AT,
    },
    Field {
        name: "subject_key",
        offset: KEY_AT,
        len: SERIAL_AT - KEY_AT,
    },
    Field {
        name: "serial",
        offset: SERIAL_AT,
        len: NOT_BEFORE_AT - SERIAL_AT,
    },
    Field {
        name: "not_before",
        offset: NOT_BEFORE_AT,
        len: NOT_AFTER_AT - NOT_BEFORE_AT,
    },
    Field {
        name: "not_after",
        offset: NOT_AFTER_AT,
        len: ISSUER_AT - NOT_AFTER_AT,
    },
    Field {
        name: "issuer_key",
        offset: ISSUER_AT,
        len: BODY_LEN - ISSUER_AT,
    },
    Field {
        name: "signature",
        offset: BODY_LEN,
        len: SIGNATURE_LEN,
    },
];
const _: () = assert!(tiles(LAYOUT, CERTIFICATE_LEN));

/// What a certificate's key may be used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Usage {
    /// Log in to a server (X.509: extended key usage `clientAuth`).
    Client,
    /// Serve under its name (X.509: `serverAuth`).
    Server,
    /// Issue certificates (X.509: basic constraints `cA`, key usage
    /// `keyCertSign`), with at most `path_len` CA certificates below it
    /// in any chain (X.509: `pathLenConstraint`).
    Ca {
        /// How many intermediate CAs may follow this one; 0: it issues leaves only.
        path_len: u8,
    },
}

impl Usage {
    fn code(self) -> u8 {
        match self {
            Self::Client => 1,
            Self::Server => 2,
            Self::Ca { .. } => 3,
        }
    }

    /// The word used in files and on command lines: `client`, `server`, `ca`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Server => "server",
            Self::Ca { .. } => "ca",
        }
    }
}

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ca { path_len } => write!(f, "ca (path length {path_len})"),
            other => f.write_str(other.name()),
        }
    }
}

/// Why bytes are not a well-formed certificate. Nothing here says whether
/// the certificate should be trusted: that is [`verify`]'s work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormatError {
    /// Not [`CERTIFICATE_LEN`] bytes.
    WrongLength {
        /// The length found.
        found: usize,
    },
    /// A version byte other than [`CERTIFICATE_VERSION`].
    UnknownVersion(u8),
    /// A usage byte other than 1, 2 or 3.
    UnknownUsage(u8),
    /// A client or server certificate with a non-zero path length.
    PathLenOnLeaf(u8),
    /// The name length is 0 or more than [`MAX_CERT_NAME_LEN`].
    NameLength(u8),
    /// A byte after the name is not zero: each certificate has one encoding only.
    NamePadding,
    /// The name is not UTF-8.
    NameNotUtf8,
    /// The name breaks the naming rules.
    Name(NameError),
    /// The subject key is unusable.
    SubjectKey(KeyError),
    /// The issuer key is unusable.
    IssuerKey(KeyError),
    /// `not_after` is earlier than `not_before`: valid at no time at all.
    WindowInverted {
        /// Start of the window.
        not_before: u64,
        /// End of the window.
        not_after: u64,
    },
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongLength { found } => write!(
                f,
                "a certificate is exactly {CERTIFICATE_LEN} bytes, this one is {found}"
            ),
            Self::UnknownVersion(v) => write!(
                f,
                "unknown certificate version {v} (this code reads version {CERTIFICATE_VERSION})"
            ),
            Self::UnknownUsage(u) => write!(f, "unknown usage byte {u} (1 client, 2 server, 3 ca)"),
            Self::PathLenOnLeaf(n) => write!(
                f,
                "a client or server certificate has path length {n}; only a CA may have one"
            ),
            Self::NameLength(n) => write!(
                f,
                "the name length is {n}; it must be 1 to {MAX_CERT_NAME_LEN}"
            ),
            Self::NamePadding => f.write_str("the bytes after the name are not all zero"),
            Self::NameNotUtf8 => f.write_str("the name is not UTF-8"),
            Self::Name(e) => write!(f, "bad name: {e}"),
            Self::SubjectKey(e) => write!(f, "the subject key is {e}"),
            Self::IssuerKey(e) => write!(f, "the issuer key is {e}"),
            Self::WindowInverted {
                not_before,
                not_after,
            } => write!(
                f,
                "the validity window ends ({}) before it starts ({})",
                time::Rfc3339(*not_after),
                time::Rfc3339(*not_before)
            ),
        }
    }
}

impl core::error::Error for FormatError {}

/// The signed part of a certificate (X.509: `TBSCertificate`).
///
/// Fields are public: change one and the signature no longer verifies,
/// which is what the katas show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CertificateBody {
    /// What the key may be used for.
    pub usage: Usage,
    /// Who the key belongs to: a client's name, or the name a server answers to.
    pub name: ClientName,
    /// The named party's Ed25519 public key.
    pub key: PublicIdentity,
    /// The issuer's number for this certificate; revocation lists name it.
    pub serial: u64,
    /// First second (Unix time) at which the certificate is valid.
    pub not_before: u64,
    /// Last second (Unix time) at which the certificate is valid.
    pub not_after: u64,
    /// The key that signs this certificate.
    pub issuer: PublicIdentity,
}

fn be64(bytes: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[at..at + 8]);
    u64::from_be_bytes(b)
}

fn key_at(bytes: &[u8], at: usize) -> [u8; PUBLIC_KEY_LEN] {
    let mut b = [0u8; PUBLIC_KEY_LEN];
    b.copy_from_slice(&bytes[at..at + PUBLIC_KEY_LEN]);
    b
}

impl CertificateBody {
    /// The 156 bytes the issuer signs.
    pub fn to_bytes(&self) -> [u8; BODY_LEN] {
        let mut out = [0u8; BODY_LEN];
        out[0] = CERTIFICATE_VERSION;
        out[USAGE_AT] = self.usage.code();
        out[PATH_LEN_AT] = match self.usage {
            Usage::Ca { path_len } => path_len,
            _ => 0,
        };
        let name = self.name.as_str().as_bytes();
        // Fits: a ClientName is at most 64 bytes.
        out[NAME_LEN_AT] = name.len() as u8;
        out[NAME_AT..NAME_AT + name.len()].copy_from_slice(name);
        out[KEY_AT..SERIAL_AT].copy_from_slice(self.key.as_bytes());
        out[SERIAL_AT..NOT_BEFORE_AT].copy_from_slice(&self.serial.to_be_bytes());
        out[NOT_BEFORE_AT..NOT_AFTER_AT].copy_from_slice(&self.not_before.to_be_bytes());
        out[NOT_AFTER_AT..ISSUER_AT].copy_from_slice(&self.not_after.to_be_bytes());
        out[ISSUER_AT..].copy_from_slice(self.issuer.as_bytes());
        out
    }

    /// Reads the 156 signed bytes, checking that each field is well formed.
    ///
    /// # Errors
    /// The first [`FormatError`] found, in field order.
    pub fn from_bytes(bytes: &[u8; BODY_LEN]) -> Result<Self, FormatError> {
        if bytes[0] != CERTIFICATE_VERSION {
            return Err(FormatError::UnknownVersion(bytes[0]));
        }
        let path_len = bytes[PATH_LEN_AT];
        let usage = match bytes[USAGE_AT] {
            1 => Usage::Client,
            2 => Usage::Server,
            3 => Usage::Ca { path_len },
            other => return Err(FormatError::UnknownUsage(other)),
        };
        if !matches!(usage, Usage::Ca { .. }) && path_len != 0 {
            return Err(FormatError::PathLenOnLeaf(path_len));
        }
        let name_len = bytes[NAME_LEN_AT];
        let len = usize::from(name_len);
        if len == 0 || len > MAX_CERT_NAME_LEN {
            return Err(FormatError::NameLength(name_len));
        }
        let (name, padding) = bytes[NAME_AT..KEY_AT].split_at(len);
        if padding.iter().any(|&b| b != 0) {
            return Err(FormatError::NamePadding);
        }
        let name = core::str::from_utf8(name).map_err(|_| FormatError::NameNotUtf8)?;
        let name = ClientName::new(name).map_err(FormatError::Name)?;
        let key =
            PublicIdentity::from_bytes(&key_at(bytes, KEY_AT)).map_err(FormatError::SubjectKey)?;
        let not_before = be64(bytes, NOT_BEFORE_AT);
        let not_after = be64(bytes, NOT_AFTER_AT);
        if not_after < not_before {
            return Err(FormatError::WindowInverted {
                not_before,
                not_after,
            });
        }
        let issuer = PublicIdentity::from_bytes(&key_at(bytes, ISSUER_AT))
            .map_err(FormatError::IssuerKey)?;
        Ok(Self {
            usage,
            name,
            key,
            serial: be64(bytes, SERIAL_AT),
            not_before,
            not_after,
            issuer,
        })
    }

    /// Signs this body with `issuer`, whose public key must be the body's
    /// `issuer` field (a root CA signs its own certificate: `issuer` and
    /// `key` are then the same key).
    ///
    /// # Errors
    /// [`IssueError`] if the key is not the named issuer or the window is inverted.
    pub fn sign(self, issuer: &IdentityKey) -> Result<Certificate, IssueError> {
        if issuer.public() != self.issuer {
            return Err(IssueError::NotTheNamedIssuer);
        }
        if self.not_after < self.not_before {
            return Err(IssueError::WindowInverted);
        }
        let signed = signed_content(CERTIFICATE_CONTEXT, &self.to_bytes());
        Ok(Certificate {
            body: self,
            signature: issuer.sign(signed.as_bytes()),
        })
    }
}

/// Why a certificate could not be issued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IssueError {
    /// The signing key is not the key named as issuer in the body.
    NotTheNamedIssuer,
    /// `not_after` is before `not_before`.
    WindowInverted,
}

impl fmt::Display for IssueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotTheNamedIssuer => {
                "the signing key is not the issuer key written in the certificate"
            }
            Self::WindowInverted => "the validity window ends before it starts",
        })
    }
}

impl core::error::Error for IssueError {}

/// A certificate: the body and the issuer's signature over it.
///
/// Parsing ([`Certificate::from_bytes`]) checks the format only; whether
/// the certificate is to be believed is [`verify`]'s question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Certificate {
    /// What the issuer vouches for.
    pub body: CertificateBody,
    /// The issuer's Ed25519 signature over the body (see the module docs).
    pub signature: [u8; SIGNATURE_LEN],
}

impl Certificate {
    /// The 220 bytes of the certificate.
    pub fn to_bytes(&self) -> [u8; CERTIFICATE_LEN] {
        let mut out = [0u8; CERTIFICATE_LEN];
        out[..BODY_LEN].copy_from_slice(&self.body.to_bytes());
        out[BODY_LEN..].copy_from_slice(&self.signature);
        out
    }

    /// Reads a certificate.
    ///
    /// # Errors
    /// [`FormatError`], the first problem found.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FormatError> {
        let bytes: &[u8; CERTIFICATE_LEN] = bytes
            .try_into()
            .map_err(|_| FormatError::WrongLength { found: bytes.len() })?;
        let (body, signature) = bytes.split_at(BODY_LEN);
        let mut body_bytes = [0u8; BODY_LEN];
        body_bytes.copy_from_slice(body);
        let mut sig = [0u8; SIGNATURE_LEN];
        sig.copy_from_slice(signature);
        Ok(Self {
            body: CertificateBody::from_bytes(&body_bytes)?,
            signature: sig,
        })
    }

    /// Whether the certificate names its own key as issuer (a root CA's is).
    pub fn is_self_issued(&self) -> bool {
        self.body.issuer == self.body.key
    }
}

impl fmt::Display for Certificate {
    /// One line: `NAME (usage, serial N, valid FROM to UNTIL)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.body;
        write!(
            f,
            "{} ({}, serial {}, valid {} to {})",
            b.name,
            b.usage,
            b.serial,
            time::Rfc3339(b.not_before),
            time::Rfc3339(b.not_after)
        )
    }
}

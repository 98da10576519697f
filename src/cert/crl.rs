//! The signed revocation list: which serials an issuer takes back, and
//! until when this list may be believed.
//!
//! ```text
//! offset   len  field
//!      0     1  version       0x01
//!      1    32  issuer_key    Ed25519 public key of the CA that signs the list
//!     33     8  this_update   u64, big-endian, Unix seconds: when it was made
//!     41     8  next_update   u64, big-endian, Unix seconds: when a newer one is due
//!     49     2  count         u16, big-endian, 0..=MAX_REVOKED_SERIALS
//!     51   8*n  serials       u64, big-endian, strictly ascending
//! 51+8n     64  signature     Ed25519, by issuer_key, over
//!                             0x20 x 64 || CRL_CONTEXT || 0x00 || SHA-256(bytes 0..51+8n)
//! ```
//!
//! Parsing borrows the serials from the input, so a list of any allowed
//! length needs no allocator; strictly ascending serials give each list a
//! single encoding and let [`RevocationList::contains`] binary-search.

use core::fmt;

use super::time::Rfc3339;
use crate::keys::{IdentityKey, KeyError, PUBLIC_KEY_LEN, PublicIdentity, SIGNATURE_LEN};
use crate::signed::signed_content;

/// The only list version this code reads and writes.
pub const CRL_VERSION: u8 = 1;
/// The signed header before the serials.
pub const CRL_HEADER_LEN: usize = 1 + PUBLIC_KEY_LEN + 8 + 8 + 2;
/// The most serials one list may hold (a 32 KiB list).
pub const MAX_REVOKED_SERIALS: usize = 4096;
/// The longest list: header, every serial, signature.
pub const MAX_CRL_LEN: usize = CRL_HEADER_LEN + 8 * MAX_REVOKED_SERIALS + SIGNATURE_LEN;
/// What the issuer's signature on a list is made under.
pub const CRL_CONTEXT: &[u8] = b"learn-mtls v1 revocation list";

/// What is wrong with a revocation list's bytes, or with signing one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CrlFormatError {
    /// Shorter than a header and a signature.
    TooShort {
        /// The length found.
        found: usize,
    },
    /// A version byte other than [`CRL_VERSION`].
    UnknownVersion(u8),
    /// More than [`MAX_REVOKED_SERIALS`] serials.
    TooMany {
        /// The count given.
        count: usize,
    },
    /// The length does not match the count.
    WrongLength {
        /// Header, `8 x count` and signature.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// Serial number `index` (0-based) is not larger than the one before.
    NotAscending {
        /// Its position in the list.
        index: usize,
    },
    /// The issuer key is unusable.
    IssuerKey(KeyError),
    /// `next_update` is before `this_update`.
    WindowInverted,
    /// The output buffer given for signing is too small.
    BufferTooSmall {
        /// The bytes needed.
        needed: usize,
    },
}

impl fmt::Display for CrlFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooShort { found } => write!(
                f,
                "a revocation list is at least {} bytes, this one is {found}",
                CRL_HEADER_LEN + SIGNATURE_LEN
            ),
            Self::UnknownVersion(v) => write!(
                f,
                "unknown revocation list version {v} (this code reads version {CRL_VERSION})"
            ),
            Self::TooMany { count } => write!(
                f,
                "the list claims {count} serials; at most {MAX_REVOKED_SERIALS} are allowed"
            ),
            Self::WrongLength { expected, found } => write!(
                f,
                "the list's count says {expected} bytes, but it is {found}"
            ),
            Self::NotAscending { index } => write!(
                f,
                "serial number {index} (0-based) is not larger than the one before: \
                 serials must be strictly ascending"
            ),
            Self::IssuerKey(e) => write!(f, "the issuer key is {e}"),
            Self::WindowInverted => f.write_str("next_update is before this_update"),
            Self::BufferTooSmall { needed } => {
                write!(
                    f,
                    "the output buffer is too small: {needed} bytes are needed"
                )
            }
        }
    }
}

impl core::error::Error for CrlFormatError {}

/// A parsed revocation list, borrowing its serials from the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RevocationList<'a> {
    /// The CA that signs the list; it revokes only serials it issued.
    pub issuer: PublicIdentity,
    /// When the list was made (Unix seconds).
    pub this_update: u64,
    /// When the next list is due (Unix seconds); after this the list is stale.
    pub next_update: u64,
    /// The signed bytes: header and serials.
    signed: &'a [u8],
    /// The issuer's signature.
    pub signature: [u8; SIGNATURE_LEN],
}

fn be64(bytes: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[..8]);
    u64::from_be_bytes(b)
}

impl<'a> RevocationList<'a> {
    /// Reads a list, checking its format (not its signature or freshness:
    /// see [`super::verify::check_crl`]).
    ///
    /// # Errors
    /// The first [`CrlFormatError`] found.
    pub fn from_bytes(bytes: &'a [u8]) -> Result<Self, CrlFormatError> {
        if bytes.len() < CRL_HEADER_LEN + SIGNATURE_LEN {
            return Err(CrlFormatError::TooShort { found: bytes.len() });
        }
        if bytes[0] != CRL_VERSION {
            return Err(CrlFormatError::UnknownVersion(bytes[0]));
        }
        let count = usize::from(u16::from_be_bytes([bytes[49], bytes[50]]));
        if count > MAX_REVOKED_SERIALS {
            return Err(CrlFormatError::TooMany { count });
        }
        let signed_len = CRL_HEADER_LEN + 8 * count;
        if bytes.len() != signed_len + SIGNATURE_LEN {
            return Err(CrlFormatError::WrongLength {
                expected: signed_len + SIGNATURE_LEN,
                found: bytes.len(),
            });
        }
        let mut issuer = [0u8; PUBLIC_KEY_LEN];
        issuer.copy_from_slice(&bytes[1..33]);
        let issuer = PublicIdentity::from_bytes(&issuer).map_err(CrlFormatError::IssuerKey)?;
        let this_update = be64(&bytes[33..]);
        let next_update = be64(&bytes[41..]);
        if next_update < this_update {
            return Err(CrlFormatError::WindowInverted);
        }
        let (signed, signature) = bytes.split_at(signed_len);
        let list = Self {
            issuer,
            this_update,
            next_update,
            signed,
            signature: signature
                .try_into()
                .map_err(|_| CrlFormatError::TooShort { found: bytes.len() })?,
        };
        let mut previous = None;
        for (index, serial) in list.serials().enumerate() {
            if previous.is_some_and(|p| serial <= p) {
                return Err(CrlFormatError::NotAscending { index });
            }
            previous = Some(serial);
        }
        Ok(list)
    }

    /// The revoked serials, in ascending order.
    pub fn serials(&self) -> impl ExactSizeIterator<Item = u64> + 'a {
        self.signed[CRL_HEADER_LEN..].chunks_exact(8).map(be64)
    }

    /// How many serials the list revokes.
    pub fn len(&self) -> usize {
        (self.signed.len() - CRL_HEADER_LEN) / 8
    }

    /// Whether the list revokes nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `serial` is on the list (a binary search).
    pub fn contains(&self, serial: u64) -> bool {
        let serials = &self.signed[CRL_HEADER_LEN..];
        let (mut low, mut high) = (0, serials.len() / 8);
        while low < high {
            let mid = low + (high - low) / 2;
            match be64(&serials[mid * 8..]).cmp(&serial) {
                core::cmp::Ordering::Less => low = mid + 1,
                core::cmp::Ordering::Greater => high = mid,
                core::cmp::Ordering::Equal => return true,
            }
        }
        false
    }

    /// The bytes the issuer's signature covers: the header and the serials
    /// (bytes `0..51 + 8n`). The signature is over `0x20 x 64 ||`
    /// [`CRL_CONTEXT`] `|| 0x00 || SHA-256(signed_bytes)`. For a verifier
    /// written by hand (the course's exercise 15.4); the
    /// library's own check is [`RevocationList::signature_verifies`].
    ///
    /// # Examples
    /// ```
    /// use learn_mtls::cert::crl::{CRL_CONTEXT, RevocationList};
    /// use learn_mtls::keys::IdentityKey;
    /// use sha2::{Digest, Sha256};
    ///
    /// let ca = IdentityKey::from_secret_bytes(&[7; 32]);
    /// let mut buf = [0u8; 256];
    /// let len = RevocationList::sign_into(&ca, (0, 100), &[3, 9], &mut buf)?;
    /// let crl = RevocationList::from_bytes(&buf[..len])?;
    /// assert_eq!(crl.signed_bytes(), &buf[..len - 64]);
    ///
    /// let mut signed = vec![0x20; 64];
    /// signed.extend_from_slice(CRL_CONTEXT);
    /// signed.push(0x00);
    /// signed.extend_from_slice(&Sha256::digest(crl.signed_bytes()));
    /// assert!(ca.public().verify_strict(&signed, &crl.signature));
    /// # Ok::<(), learn_mtls::cert::crl::CrlFormatError>(())
    /// ```
    pub fn signed_bytes(&self) -> &'a [u8] {
        self.signed
    }

    /// Whether the issuer's signature over the list verifies (strictly),
    /// and the public fields still say what was signed: a list whose
    /// `next_update` was moved after parsing is not genuine any more.
    pub fn signature_verifies(&self) -> bool {
        let fields_as_signed = self.signed[1..33] == self.issuer.as_bytes()[..]
            && be64(&self.signed[33..]) == self.this_update
            && be64(&self.signed[41..]) == self.next_update;
        let signed = signed_content(CRL_CONTEXT, self.signed);
        fields_as_signed
            && self
                .issuer
                .verify_strict(signed.as_bytes(), &self.signature)
    }

    /// Writes a signed list into `out` and returns its length. `serials`
    /// must be strictly ascending.
    ///
    /// # Errors
    /// [`CrlFormatError::TooMany`], [`CrlFormatError::NotAscending`],
    /// [`CrlFormatError::WindowInverted`] or [`CrlFormatError::BufferTooSmall`].
    pub fn sign_into(
        issuer: &IdentityKey,
        (this_update, next_update): (u64, u64),
        serials: &[u64],
        out: &mut [u8],
    ) -> Result<usize, CrlFormatError> {
        let count = serials.len();
        if count > MAX_REVOKED_SERIALS {
            return Err(CrlFormatError::TooMany { count });
        }
        if let Some(index) = serials.windows(2).position(|w| w[1] <= w[0]) {
            return Err(CrlFormatError::NotAscending { index: index + 1 });
        }
        if next_update < this_update {
            return Err(CrlFormatError::WindowInverted);
        }
        let signed_len = CRL_HEADER_LEN + 8 * count;
        let needed = signed_len + SIGNATURE_LEN;
        let out = out
            .get_mut(..needed)
            .ok_or(CrlFormatError::BufferTooSmall { needed })?;
        out[0] = CRL_VERSION;
        out[1..33].copy_from_slice(issuer.public().as_bytes());
        out[33..41].copy_from_slice(&this_update.to_be_bytes());
        out[41..49].copy_from_slice(&next_update.to_be_bytes());
        // Fits: count <= MAX_REVOKED_SERIALS (4096).
        out[49..51].copy_from_slice(&(count as u16).to_be_bytes());
        for (slot, serial) in out[CRL_HEADER_LEN..signed_len]
            .chunks_exact_mut(8)
            .zip(serials)
        {
            slot.copy_from_slice(&serial.to_be_bytes());
        }
        let signature = issuer.sign(signed_content(CRL_CONTEXT, &out[..signed_len]).as_bytes());
        out[signed_len..].copy_from_slice(&signature);
        Ok(needed)
    }
}

impl fmt::Display for RevocationList<'_> {
    /// One line: `N revoked serial(s), valid FROM to UNTIL, issuer FINGERPRINT`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} revoked serial(s), valid {} to {}, issuer {}",
            self.len(),
            Rfc3339(self.this_update),
            Rfc3339(self.next_update),
            self.issuer.fingerprint()
        )
    }
}

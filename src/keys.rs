//! Long-term identities: an Ed25519 key pair per party.
//!
//! The secret half ([`IdentityKey`]) signs; the public half
//! ([`PublicIdentity`]) is what the other side pins, lists or refuses.
//! A `PublicIdentity` can only be built from a key that is a valid curve
//! point and not of small order, so every key the handshake ever holds has
//! already passed those checks.

use core::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand_core::CryptoRng;
use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroizing;

use crate::hex::Hex;

/// Length of an Ed25519 public key on the wire and in `.pub` files.
pub const PUBLIC_KEY_LEN: usize = 32;
/// Length of an Ed25519 secret key (the 32-byte seed of RFC 8032 section 5.1.5).
pub const SECRET_KEY_LEN: usize = 32;
/// Length of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;
/// Length of an ML-DSA-65 public key (FIPS 204 section 4, Table 2;
/// Lesson 19, `crate::ml_dsa`).
pub const ML_DSA_PUBLIC_KEY_LEN: usize = 1952;
/// Length of an ML-DSA-65 signature (FIPS 204 section 4, Table 2).
pub const ML_DSA_SIGNATURE_LEN: usize = 3309;
/// Length of a [`Fingerprint`] in bytes.
pub const FINGERPRINT_LEN: usize = 8;

/// A party's long-term secret identity key (Ed25519).
///
/// The secret is wiped from memory when this value is dropped, and `Debug`
/// prints only the public key's fingerprint.
pub struct IdentityKey {
    // SigningKey zeroizes itself on drop (ed25519-dalek's `zeroize` feature).
    signing: SigningKey,
}

impl IdentityKey {
    /// Generates a fresh identity from a cryptographically secure RNG.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self {
            signing: SigningKey::generate(rng),
        }
    }

    /// Rebuilds an identity from its 32 secret bytes (as stored in a `.key` file).
    pub fn from_secret_bytes(secret: &[u8; SECRET_KEY_LEN]) -> Self {
        Self {
            signing: SigningKey::from_bytes(secret),
        }
    }

    /// The 32 secret bytes, for writing a key file. Wiped when dropped.
    pub fn to_secret_bytes(&self) -> Zeroizing<[u8; SECRET_KEY_LEN]> {
        Zeroizing::new(self.signing.to_bytes())
    }

    /// The public half, to give to the other side.
    pub fn public(&self) -> PublicIdentity {
        PublicIdentity {
            key: self.signing.verifying_key(),
        }
    }

    /// Signs `message` (plain Ed25519, RFC 8032 section 5.1.6).
    pub(crate) fn sign(&self, message: &[u8]) -> [u8; SIGNATURE_LEN] {
        self.signing.sign(message).to_bytes()
    }
}

impl fmt::Debug for IdentityKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityKey")
            .field("public", &self.public().fingerprint())
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// Why 32 bytes are not acceptable as a peer's identity key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The bytes do not decode to a point on the Ed25519 curve.
    NotAPoint,
    /// The point has small order: signatures under it prove nothing,
    /// because many messages verify under such a key.
    Weak,
    /// The y-coordinate is written as a number not below the field prime
    /// 2^255 - 19: a second spelling of a key that has a shorter one.
    NonCanonical,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotAPoint => "not a valid Ed25519 public key (not a point on the curve)",
            Self::Weak => {
                "a weak Ed25519 public key (small order): it would accept forged signatures"
            }
            Self::NonCanonical => {
                "a non-canonical Ed25519 public key encoding (y is not below 2^255 - 19): \
                 the same point has a canonical encoding, and only that one is accepted"
            }
        })
    }
}

impl core::error::Error for KeyError {}

/// Whether the y-coordinate of an encoded Edwards point (its low 255 bits,
/// little-endian) is below p = 2^255 - 19. The encodings at or above p are
/// p + 0 ..= p + 18: byte 0 at least 0xed, bytes 1..=30 all 0xff, byte 31
/// 0x7f once the sign bit is cleared. (The other non-canonical form, x = 0
/// with the sign bit set, only occurs for y = 1 and y = -1, both of small
/// order, so already refused as weak.) Public data: branching is fine.
fn is_canonical_y(bytes: &[u8; PUBLIC_KEY_LEN]) -> bool {
    let at_least_p =
        bytes[31] & 0x7f == 0x7f && bytes[1..31].iter().all(|&b| b == 0xff) && bytes[0] >= 0xed;
    !at_least_p
}

/// A checked Ed25519 public key: a valid point of large order.
///
/// Equality is constant-time.
#[derive(Clone, Copy)]
pub struct PublicIdentity {
    key: VerifyingKey,
}

impl PublicIdentity {
    /// Checks and wraps 32 bytes received from a peer or read from a file.
    ///
    /// Only the canonical encoding of a point is accepted (RFC 8032
    /// section 5.1.3 allows refusing the others): one key, one spelling, so
    /// a key compared by its bytes (a pinned key, a list) cannot be matched
    /// or dodged by writing it differently.
    ///
    /// # Errors
    /// [`KeyError::NotAPoint`], [`KeyError::Weak`] or [`KeyError::NonCanonical`].
    pub fn from_bytes(bytes: &[u8; PUBLIC_KEY_LEN]) -> Result<Self, KeyError> {
        let key = VerifyingKey::from_bytes(bytes).map_err(|_| KeyError::NotAPoint)?;
        if key.is_weak() {
            return Err(KeyError::Weak);
        }
        if !is_canonical_y(bytes) {
            return Err(KeyError::NonCanonical);
        }
        Ok(Self { key })
    }

    /// The 32 bytes of the key.
    pub fn as_bytes(&self) -> &[u8; PUBLIC_KEY_LEN] {
        self.key.as_bytes()
    }

    /// A short, stable name for this key, for logs and refusals.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(self.as_bytes())
    }

    /// Verifies an Ed25519 signature strictly: canonical encodings only and
    /// no small-order components (ed25519-dalek's `verify_strict`), so that
    /// nobody but the key holder can turn one valid signature into another
    /// (signature malleability).
    ///
    /// This is the one signature check both handshakes make. It is public
    /// so that conformance tests (Wycheproof's Ed25519 vectors, whose
    /// messages have every length) and fuzz targets exercise exactly the
    /// check the handshake uses, not a copy of it; a handshake only ever
    /// calls it on the 32-byte or transcript-sized content of
    /// `handshake`'s signed messages.
    ///
    /// # Examples
    /// ```
    /// use learn_mtls::keys::PublicIdentity;
    /// # let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    /// # let key = learn_mtls::keys::IdentityKey::generate(&mut rng);
    /// let public: PublicIdentity = key.public();
    /// // Not a signature of anything under this key:
    /// assert!(!public.verify_strict(b"hello", &[0u8; 64]));
    /// ```
    pub fn verify_strict(&self, message: &[u8], signature: &[u8; SIGNATURE_LEN]) -> bool {
        let signature = Signature::from_bytes(signature);
        self.key.verify_strict(message, &signature).is_ok()
    }
}

impl ConstantTimeEq for PublicIdentity {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.as_bytes().ct_eq(other.as_bytes())
    }
}

impl PartialEq for PublicIdentity {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl Eq for PublicIdentity {}

impl fmt::Display for PublicIdentity {
    /// The 64 lowercase hex characters of a `.pub` file.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&Hex(self.as_bytes()), f)
    }
}

impl fmt::Debug for PublicIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicIdentity({self})")
    }
}

/// The first 8 bytes of SHA-256 over a public key, shown as 16 hex digits.
///
/// Short enough to read aloud and compare by eye; long enough that two keys
/// in a class will not collide by accident. (It is not meant to resist a
/// deliberate collision search: compare the full key for that.)
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; FINGERPRINT_LEN]);

impl Fingerprint {
    /// The fingerprint of any 32-byte public key, valid or not, so that even
    /// a refused key can be named in a log.
    pub fn of(public_key: &[u8; PUBLIC_KEY_LEN]) -> Self {
        Self::of_bytes(public_key)
    }

    /// The fingerprint of a public key of any length (an ML-DSA-65 key is
    /// 1,952 bytes): the first 8 bytes of SHA-256 over all of it.
    pub fn of_bytes(public_key: &[u8]) -> Self {
        let digest = Sha256::digest(public_key);
        let mut short = [0u8; FINGERPRINT_LEN];
        short.copy_from_slice(&digest[..FINGERPRINT_LEN]);
        Self(short)
    }

    /// The raw 8 bytes.
    pub fn as_bytes(&self) -> &[u8; FINGERPRINT_LEN] {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&Hex(&self.0), f)
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

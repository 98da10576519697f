//! Hex for keys: what learners copy between terminals and files.
//!
//! Decoding goes through `base16ct`, which runs in constant time, because the
//! same functions read secret key files and a decoder that branches on each
//! character would leak the secret through timing.

use core::fmt;

/// Why a string is not the hex encoding of exactly `N` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HexError {
    /// The string has the wrong number of characters.
    WrongLength {
        /// How many hex characters were expected (two per byte).
        expected: usize,
        /// How many characters were found.
        found: usize,
    },
    /// A character is not one of `0-9`, `a-f`, `A-F`.
    NotHex,
    /// An odd number of characters: every byte takes two.
    OddLength {
        /// How many characters were found.
        found: usize,
    },
}

impl fmt::Display for HexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongLength { expected, found } => {
                write!(f, "expected {expected} hex characters, found {found}")
            }
            Self::NotHex => {
                f.write_str("contains a character that is not a hex digit (0-9, a-f, A-F)")
            }
            Self::OddLength { found } => {
                write!(
                    f,
                    "{found} hex characters is an odd number; every byte takes two"
                )
            }
        }
    }
}

impl core::error::Error for HexError {}

/// Decodes exactly `N` bytes from `2 * N` hex characters (either case).
///
/// # Errors
/// [`HexError::WrongLength`] if `text` is not `2 * N` characters long,
/// [`HexError::NotHex`] if any character is not a hex digit.
///
/// # Examples
/// ```
/// let bytes: [u8; 2] = learn_mtls::hex::decode_array("beEF")?;
/// assert_eq!(bytes, [0xbe, 0xef]);
/// # Ok::<(), learn_mtls::hex::HexError>(())
/// ```
pub fn decode_array<const N: usize>(text: &str) -> Result<[u8; N], HexError> {
    let found = text.chars().count();
    if found != 2 * N {
        return Err(HexError::WrongLength {
            expected: 2 * N,
            found,
        });
    }
    let mut out = [0u8; N];
    base16ct::mixed::decode(text, &mut out).map_err(|_| HexError::NotHex)?;
    Ok(out)
}

/// Decodes hex of any even length (either case) into a vector: test
/// vectors, certificates' fingerprints, the PRF calculator's input. Every
/// reader of hex in the course goes through this or [`decode_array`].
///
/// # Errors
/// [`HexError::OddLength`] or [`HexError::NotHex`].
///
/// # Examples
/// ```
/// assert_eq!(learn_mtls::hex::decode_vec("00ff")?, [0x00, 0xff]);
/// assert!(learn_mtls::hex::decode_vec("0ff").is_err());
/// # Ok::<(), learn_mtls::hex::HexError>(())
/// ```
#[cfg(feature = "alloc")]
pub fn decode_vec(text: &str) -> Result<alloc::vec::Vec<u8>, HexError> {
    let found = text.chars().count();
    if found % 2 != 0 {
        return Err(HexError::OddLength { found });
    }
    base16ct::mixed::decode_vec(text).map_err(|_| HexError::NotHex)
}

/// Writes `bytes` as lowercase hex into `out` and returns it as a `&str`.
///
/// # Errors
/// [`HexError::WrongLength`] if `out` is shorter than `2 * bytes.len()`.
pub fn encode<'o>(bytes: &[u8], out: &'o mut [u8]) -> Result<&'o str, HexError> {
    let found = out.len();
    base16ct::lower::encode_str(bytes, out).map_err(|_| HexError::WrongLength {
        expected: 2 * bytes.len(),
        found,
    })
}

/// Formats bytes as lowercase hex without allocating: `format!("{}", Hex(&key))`.
#[derive(Clone, Copy)]
pub struct Hex<'a>(pub &'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Encode in small chunks so no buffer has to be as long as the
        // input, and wipe the chunk buffer after: secret keys pass through
        // here on their way into a key file.
        let mut buf = zeroize::Zeroizing::new([0u8; 64]);
        for chunk in self.0.chunks(buf.len() / 2) {
            let text = encode(chunk, &mut buf[..]).map_err(|_| fmt::Error)?;
            f.write_str(text)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

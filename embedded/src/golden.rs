//! The golden transcripts, read on the device.
//!
//! The vector files are embedded with `include_str!` and parsed here, line
//! by line, into fixed-size arrays: the same `name = hex` format that
//! `tests/golden_transcripts.rs` reads on the host, with no allocator.

use core::fmt;

use learn_mtls::handshake::Binding;
use learn_mtls::hex::{HexError, decode_array};
use learn_mtls::kex::Kex;
use learn_mtls::wire::Message;

/// One vector file, as text.
pub struct Vectors {
    /// The file's name, for error messages.
    pub file: &'static str,
    text: &'static str,
}

/// The mutual handshake under the transcript binding.
pub const MUTUAL_TRANSCRIPT: Vectors = Vectors {
    file: "tests/vectors/mutual-transcript.txt",
    text: include_str!("../../tests/vectors/mutual-transcript.txt"),
};

/// The mutual handshake under Lesson 11's binding.
pub const MUTUAL_LESSON11: Vectors = Vectors {
    file: "tests/vectors/mutual-lesson11.txt",
    text: include_str!("../../tests/vectors/mutual-lesson11.txt"),
};

/// The hybrid mutual handshake (Lesson 19) under the transcript binding.
#[cfg(feature = "pq")]
pub const HYBRID_TRANSCRIPT: Vectors = Vectors {
    file: "tests/vectors/hybrid-transcript.txt",
    text: include_str!("../../tests/vectors/hybrid-transcript.txt"),
};

/// The hybrid mutual handshake under Lesson 11's binding.
#[cfg(feature = "pq")]
pub const HYBRID_LESSON11: Vectors = Vectors {
    file: "tests/vectors/hybrid-lesson11.txt",
    text: include_str!("../../tests/vectors/hybrid-lesson11.txt"),
};

impl Vectors {
    /// The file for the mutual handshake under `binding`.
    pub fn mutual(binding: Binding) -> &'static Self {
        match binding {
            Binding::Transcript => &MUTUAL_TRANSCRIPT,
            Binding::InsecureLesson11 => &MUTUAL_LESSON11,
        }
    }

    /// The file for the mutual handshake with the key exchange `kex` under
    /// `binding`; `None` for the hybrid one in a build without `pq`.
    pub fn of(kex: Kex, binding: Binding) -> Option<&'static Self> {
        match (kex, binding) {
            (Kex::X25519, _) => Some(Self::mutual(binding)),
            #[cfg(feature = "pq")]
            (Kex::X25519MlKem768, Binding::Transcript) => Some(&HYBRID_TRANSCRIPT),
            #[cfg(feature = "pq")]
            (Kex::X25519MlKem768, Binding::InsecureLesson11) => Some(&HYBRID_LESSON11),
            #[cfg(not(feature = "pq"))]
            (Kex::X25519MlKem768, _) => None,
        }
    }

    /// The value named `name`, which must be exactly `N` bytes.
    ///
    /// # Errors
    /// [`VectorError`] naming the file, and the line when the value is
    /// there but unreadable.
    pub fn array<const N: usize>(&self, name: &'static str) -> Result<[u8; N], VectorError> {
        let (line, hex) = self.find(name)?;
        decode_array(hex).map_err(|why| self.error(name, Some(line), Problem::Hex(why)))
    }

    /// The value named `name` as the wire bytes of the message `M` (as
    /// [`array`](Self::array), for a length the caller names by its type).
    ///
    /// # Errors
    /// As [`array`](Self::array).
    pub fn message<M: Message>(&self, name: &'static str) -> Result<M::Bytes, VectorError> {
        let mut bytes = M::zeroed();
        self.fill(name, bytes.as_mut())?;
        Ok(bytes)
    }

    /// Decodes the value named `name` into `out`, which it must fill exactly.
    ///
    /// # Errors
    /// As [`array`](Self::array).
    pub fn fill(&self, name: &'static str, out: &mut [u8]) -> Result<(), VectorError> {
        let (line, hex) = self.find(name)?;
        let found = hex.chars().count();
        if found != 2 * out.len() {
            let why = HexError::WrongLength {
                expected: 2 * out.len(),
                found,
            };
            return Err(self.error(name, Some(line), Problem::Hex(why)));
        }
        // The core's hex decoder (`decode_array`) wants the length as a
        // constant; this is the same crate, `base16ct`, on a slice.
        base16ct::mixed::decode(hex, out)
            .map_err(|_| self.error(name, Some(line), Problem::Hex(HexError::NotHex)))?;
        Ok(())
    }

    /// The line number (from 1) and the hex text of the value `name`.
    fn find(&self, name: &'static str) -> Result<(usize, &'static str), VectorError> {
        for (index, line) in self.text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((key, hex)) = line.split_once(" = ") else {
                return Err(self.error(name, Some(index + 1), Problem::NotNameEqualsHex));
            };
            if key.trim() == name {
                return Ok((index + 1, hex.trim()));
            }
        }
        Err(self.error(name, None, Problem::Missing))
    }

    fn error(&self, name: &'static str, line: Option<usize>, problem: Problem) -> VectorError {
        VectorError {
            file: self.file,
            line,
            name,
            problem,
        }
    }
}

/// A vector file that does not say what the firmware needs.
#[derive(Debug)]
pub struct VectorError {
    file: &'static str,
    line: Option<usize>,
    name: &'static str,
    problem: Problem,
}

#[derive(Debug)]
enum Problem {
    NotNameEqualsHex,
    Hex(HexError),
    Missing,
}

impl fmt::Display for VectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: ", self.file)?,
            None => write!(f, "{}: ", self.file)?,
        }
        match &self.problem {
            Problem::NotNameEqualsHex => f.write_str("expected `name = hex`"),
            Problem::Hex(why) => write!(f, "`{}` {why}", self.name),
            Problem::Missing => write!(f, "no `{}`", self.name),
        }
    }
}

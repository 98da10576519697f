//! The golden transcripts, read on the device.
//!
//! The vector files are embedded with `include_str!` and parsed here, line
//! by line, into fixed-size arrays: the same `name = hex` format that
//! `tests/golden_transcripts.rs` reads on the host, with no allocator.

use core::fmt;

use learn_mtls::handshake::Binding;
use learn_mtls::hex::{HexError, decode_array};

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

impl Vectors {
    /// The file for the mutual handshake under `binding`.
    pub fn mutual(binding: Binding) -> &'static Self {
        match binding {
            Binding::Transcript => &MUTUAL_TRANSCRIPT,
            Binding::InsecureLesson11 => &MUTUAL_LESSON11,
        }
    }

    /// The value named `name`, which must be exactly `N` bytes.
    ///
    /// # Errors
    /// [`VectorError`] naming the file, and the line when the value is
    /// there but unreadable.
    pub fn array<const N: usize>(&self, name: &'static str) -> Result<[u8; N], VectorError> {
        for (index, line) in self.text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((key, hex)) = line.split_once(" = ") else {
                return Err(self.error(name, Some(index + 1), Problem::NotNameEqualsHex));
            };
            if key.trim() == name {
                return decode_array(hex.trim())
                    .map_err(|why| self.error(name, Some(index + 1), Problem::Hex(why)));
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

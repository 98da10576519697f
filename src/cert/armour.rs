//! The text form: base64 between BEGIN and END lines, as in a PEM file.
//!
//! ```text
//! # optional comment lines and blank lines between blocks
//! -----BEGIN LEARN-MTLS CERTIFICATE-----
//! <base64, 64 characters a line; the last line may be shorter>
//! -----END LEARN-MTLS CERTIFICATE-----
//! ```
//!
//! A file may hold several blocks: a chain file holds the leaf first, then
//! the intermediate (as a `fullchain.pem` does). The base64 is RFC 4648's
//! standard alphabet with `=` padding, decoded with `base64ct`, whose
//! decoder does not branch on the data. Everything here works on borrowed
//! text and caller buffers: no allocator needed.

use core::fmt;

use base64ct::{Base64, Encoding};

/// The label of a certificate block.
pub const CERTIFICATE_LABEL: &str = "LEARN-MTLS CERTIFICATE";
/// The label of a revocation list block.
pub const CRL_LABEL: &str = "LEARN-MTLS REVOCATION LIST";
/// Base64 characters per line (48 bytes).
pub const LINE_LEN: usize = 64;
const BYTES_PER_LINE: usize = LINE_LEN / 4 * 3;

const BEGIN: &str = "-----BEGIN ";
const END: &str = "-----END ";
const DASHES: &str = "-----";

/// What is wrong with armoured text, and on which line (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArmourError {
    /// The line the problem is on.
    pub line: usize,
    /// What is wrong.
    pub problem: ArmourProblem,
}

/// The kinds of [`ArmourError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ArmourProblem {
    /// A line outside any block that is neither blank nor a `#` comment.
    TextOutsideBlock,
    /// A BEGIN line with no END line after it.
    MissingEnd,
    /// An END line whose label differs from its BEGIN line's.
    MismatchedEnd,
    /// A BEGIN or END line that is not `-----BEGIN LABEL-----`.
    MalformedBoundary,
    /// A block with another label than the one wanted.
    UnexpectedLabel {
        /// The label wanted.
        wanted: &'static str,
    },
    /// A base64 line that is not the last is not 64 characters long.
    LineLength {
        /// Its length.
        found: usize,
    },
    /// A line is not valid base64 (a bad character, or padding before the end).
    Base64,
    /// A block with no base64 at all.
    Empty,
    /// The block decodes to more bytes than the buffer (or the format) allows.
    TooLarge {
        /// The most allowed.
        max: usize,
    },
    /// No block at all where one was expected.
    NoBlock,
}

impl fmt::Display for ArmourError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: ", self.line)?;
        match self.problem {
            ArmourProblem::TextOutsideBlock => f.write_str(
                "text outside a -----BEGIN ...----- / -----END ...----- block \
                 (only blank lines and # comments may be there)",
            ),
            ArmourProblem::MissingEnd => f.write_str("this block has no -----END ...----- line"),
            ArmourProblem::MismatchedEnd => {
                f.write_str("the END line's label differs from the BEGIN line's")
            }
            ArmourProblem::MalformedBoundary => {
                f.write_str("expected -----BEGIN LABEL----- or -----END LABEL-----")
            }
            ArmourProblem::UnexpectedLabel { wanted } => {
                write!(f, "expected a {wanted} block here")
            }
            ArmourProblem::LineLength { found } if found > LINE_LEN => write!(
                f,
                "a base64 line is {found} characters, longer than the {LINE_LEN} a line may hold; \
                 break it into lines of {LINE_LEN}"
            ),
            ArmourProblem::LineLength { found } => write!(
                f,
                "a base64 line is {found} characters; every line but the last must be {LINE_LEN}"
            ),
            ArmourProblem::Base64 => f.write_str("not valid base64"),
            ArmourProblem::Empty => f.write_str("the block holds no data"),
            ArmourProblem::TooLarge { max } => {
                write!(f, "the block holds more than {max} bytes")
            }
            ArmourProblem::NoBlock => f.write_str("no -----BEGIN ...----- block found"),
        }
    }
}

impl core::error::Error for ArmourError {}

/// Writes `bytes` as one armoured block labelled `label`.
///
/// # Errors
/// Only the writer's own.
pub fn write_block(out: &mut impl fmt::Write, label: &str, bytes: &[u8]) -> fmt::Result {
    writeln!(out, "{BEGIN}{label}{DASHES}")?;
    for chunk in bytes.chunks(BYTES_PER_LINE) {
        let mut line = [0u8; LINE_LEN];
        // A 48-byte chunk encodes to exactly 64 characters: the buffer fits.
        let text = Base64::encode(chunk, &mut line).map_err(|_| fmt::Error)?;
        writeln!(out, "{text}")?;
    }
    writeln!(out, "{END}{label}{DASHES}")
}

/// One block found in a text: its label and base64 lines, not yet decoded.
#[derive(Clone, Copy, Debug)]
pub struct Block<'t> {
    /// The label between `BEGIN ` and the dashes.
    pub label: &'t str,
    /// The BEGIN line's number (1-based).
    pub line: usize,
    body: &'t str,
}

impl Block<'_> {
    /// Decodes the block into `out` and returns the bytes written.
    ///
    /// # Errors
    /// [`ArmourProblem::LineLength`], [`ArmourProblem::Base64`],
    /// [`ArmourProblem::Empty`] or [`ArmourProblem::TooLarge`], with the line.
    pub fn decode<'o>(&self, out: &'o mut [u8]) -> Result<&'o [u8], ArmourError> {
        let mut written = 0;
        let mut lines = self.body.lines().enumerate().peekable();
        while let Some((index, line)) = lines.next() {
            let line_no = self.line + 1 + index;
            let error = |problem| ArmourError {
                line: line_no,
                problem,
            };
            let line = line.strip_suffix('\r').unwrap_or(line);
            let last = lines.peek().is_none();
            if (!last && line.len() != LINE_LEN) || line.len() > LINE_LEN {
                return Err(error(ArmourProblem::LineLength { found: line.len() }));
            }
            let max = out.len();
            let room = out
                .get_mut(written..)
                .ok_or(error(ArmourProblem::TooLarge { max }))?;
            let decoded = match Base64::decode(line, room) {
                Ok(decoded) => decoded.len(),
                Err(base64ct::Error::InvalidLength) if line.len() % 4 == 0 => {
                    return Err(error(ArmourProblem::TooLarge { max }));
                }
                Err(_) => return Err(error(ArmourProblem::Base64)),
            };
            // Padding is only allowed at the very end.
            if !last && decoded != BYTES_PER_LINE {
                return Err(error(ArmourProblem::Base64));
            }
            written += decoded;
        }
        if written == 0 {
            return Err(ArmourError {
                line: self.line,
                problem: ArmourProblem::Empty,
            });
        }
        Ok(&out[..written])
    }
}

/// The label of a `-----BEGIN LABEL-----` or `-----END LABEL-----` line.
fn boundary<'t>(line: &'t str, prefix: &str) -> Option<&'t str> {
    line.strip_prefix(prefix)?.strip_suffix(DASHES)
}

/// The blocks of `text`, in order, each checked for its BEGIN and END
/// lines; the base64 is checked when a block is decoded.
pub fn blocks(text: &str) -> Blocks<'_> {
    Blocks {
        text,
        offset: 0,
        line: 0,
    }
}

/// Iterator returned by [`blocks`].
#[derive(Clone, Debug)]
pub struct Blocks<'t> {
    text: &'t str,
    offset: usize,
    line: usize,
}

impl<'t> Blocks<'t> {
    /// The next line and the offset just after it, or `None` at the end.
    fn next_line(&mut self) -> Option<(usize, &'t str)> {
        let rest = self.text.get(self.offset..).filter(|r| !r.is_empty())?;
        let len = rest.find('\n').map_or(rest.len(), |i| i + 1);
        let line = &rest[..len];
        self.offset += len;
        self.line += 1;
        let line = line.strip_suffix('\n').unwrap_or(line);
        Some((
            self.line,
            line.strip_suffix('\r').unwrap_or(line).trim_end(),
        ))
    }
}

impl<'t> Iterator for Blocks<'t> {
    type Item = Result<Block<'t>, ArmourError>;

    fn next(&mut self) -> Option<Self::Item> {
        let error = |line, problem| Some(Err(ArmourError { line, problem }));
        // Skip blank and comment lines up to a BEGIN line.
        let (begin_line, label) = loop {
            let (line_no, line) = self.next_line()?;
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            if line.starts_with(BEGIN) {
                match boundary(line, BEGIN) {
                    Some(label) if !label.is_empty() => break (line_no, label),
                    _ => {
                        self.offset = self.text.len();
                        return error(line_no, ArmourProblem::MalformedBoundary);
                    }
                }
            }
            self.offset = self.text.len();
            return error(line_no, ArmourProblem::TextOutsideBlock);
        };
        let body_start = self.offset;
        loop {
            let line_start = self.offset;
            let Some((line_no, line)) = self.next_line() else {
                return error(begin_line, ArmourProblem::MissingEnd);
            };
            if line.starts_with(END) {
                return match boundary(line, END) {
                    Some(end) if end == label => Some(Ok(Block {
                        label,
                        line: begin_line,
                        body: &self.text[body_start..line_start],
                    })),
                    Some(_) => {
                        self.offset = self.text.len();
                        error(line_no, ArmourProblem::MismatchedEnd)
                    }
                    None => {
                        self.offset = self.text.len();
                        error(line_no, ArmourProblem::MalformedBoundary)
                    }
                };
            }
            if line.starts_with(BEGIN) {
                self.offset = self.text.len();
                return error(begin_line, ArmourProblem::MissingEnd);
            }
        }
    }
}

/// Decodes the blocks of `text` labelled `label`, in order, calling
/// `each(bytes, line)` for each; any other label is an error.
///
/// # Errors
/// The first [`ArmourError`], or the callback's.
pub fn decode_each<E: From<ArmourError>>(
    text: &str,
    label: &'static str,
    buf: &mut [u8],
    mut each: impl FnMut(&[u8], usize) -> Result<(), E>,
) -> Result<usize, E> {
    let mut count = 0;
    for block in blocks(text) {
        let block = block?;
        if block.label != label {
            return Err(ArmourError {
                line: block.line,
                problem: ArmourProblem::UnexpectedLabel { wanted: label },
            }
            .into());
        }
        let bytes = block.decode(buf)?;
        each(bytes, block.line)?;
        count += 1;
    }
    if count == 0 {
        return Err(ArmourError {
            line: 1,
            problem: ArmourProblem::NoBlock,
        }
        .into());
    }
    Ok(count)
}

//! Records: the encrypted messages that follow the handshake.
//!
//! ```text
//! record = length (2 bytes, big-endian) || ChaCha20-Poly1305 ciphertext || tag (16)
//!          length counts ciphertext + tag, and is the AEAD's associated data
//! nonce  = write_iv XOR (0^4 || counter as 8 bytes big-endian)    RFC 8446 section 5.3
//! ```
//!
//! The nonce is never sent: each side counts the records it has sealed and
//! opened. A replayed, reordered, dropped or forged record is therefore
//! opened under the wrong nonce, and its tag fails. Sealing and opening work
//! in the caller's buffer; nothing is allocated.
//!
//! A record that fails to open leaves the receiver's state untouched, so
//! the genuine next record still opens. A stream-based caller should close
//! the connection anyway: a TCP stream that carried one bad record cannot be
//! trusted to be in step.

use core::fmt;

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce, Tag};
use zeroize::Zeroizing;

use crate::schedule::{SessionSecrets, TrafficSecrets};

pub use crate::aead::{KEY_LEN, NONCE_LEN, TAG_LEN};

/// The length prefix of every record.
pub const HEADER_LEN: usize = 2;
/// The most plaintext one record carries: 16 KiB, as in TLS (RFC 8446 section 5.1).
pub const MAX_PLAINTEXT_LEN: usize = 16 * 1024;
/// The longest record body a header may announce (ciphertext + tag).
pub const MAX_BODY_LEN: usize = MAX_PLAINTEXT_LEN + TAG_LEN;
/// The longest whole record.
pub const MAX_RECORD_LEN: usize = HEADER_LEN + MAX_BODY_LEN;

/// Why a record could not be sealed or opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordError {
    /// The plaintext is longer than [`MAX_PLAINTEXT_LEN`].
    PlaintextTooLong {
        /// The plaintext length offered.
        len: usize,
    },
    /// The caller's buffer cannot hold the record.
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// The header announces a body longer than [`MAX_BODY_LEN`].
    Oversized {
        /// The announced body length.
        announced: usize,
    },
    /// The header announces a body too short to hold even the tag.
    Undersized {
        /// The announced body length.
        announced: usize,
    },
    /// The record is not as long as its header says.
    LengthMismatch {
        /// Header plus the announced body.
        announced: usize,
        /// The bytes actually given.
        found: usize,
    },
    /// The tag did not verify: the record was tampered with, replayed,
    /// reordered, comes from another session, or the two sides derived
    /// different keys.
    Forged,
    /// This direction has sealed or opened 2^64 - 1 records; the counter
    /// would wrap and reuse a nonce, so the session must end.
    CounterExhausted,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PlaintextTooLong { len } => write!(
                f,
                "a record carries at most {MAX_PLAINTEXT_LEN} bytes of plaintext, not {len}"
            ),
            Self::BufferTooSmall { needed, available } => {
                write!(f, "the record buffer holds {available} bytes but {needed} are needed")
            }
            Self::Oversized { announced } => write!(
                f,
                "the record header announces {announced} bytes, more than the {MAX_BODY_LEN} allowed"
            ),
            Self::Undersized { announced } => write!(
                f,
                "the record header announces {announced} bytes, too few for the {TAG_LEN}-byte tag"
            ),
            Self::LengthMismatch { announced, found } => write!(
                f,
                "the record is {found} bytes but its header announces {announced} (truncated or with trailing bytes)"
            ),
            Self::Forged => f.write_str(
                "the record failed authentication: tampered, replayed, reordered, or sealed under other keys",
            ),
            Self::CounterExhausted => {
                f.write_str("the record counter is exhausted; the session must be re-established")
            }
        }
    }
}

impl core::error::Error for RecordError {}

/// Reads a record header and returns how many body bytes follow it.
///
/// Stream readers call this before reading the body, so an absurd length is
/// refused before a single byte of it is awaited or buffered.
///
/// # Errors
/// [`RecordError::Oversized`] or [`RecordError::Undersized`].
pub fn body_len(header: [u8; HEADER_LEN]) -> Result<usize, RecordError> {
    let announced = usize::from(u16::from_be_bytes(header));
    if announced > MAX_BODY_LEN {
        Err(RecordError::Oversized { announced })
    } else if announced < TAG_LEN {
        Err(RecordError::Undersized { announced })
    } else {
        Ok(announced)
    }
}

/// One direction's AEAD state: key, IV and record counter.
struct Direction {
    cipher: ChaCha20Poly1305,
    iv: Zeroizing<[u8; NONCE_LEN]>,
    counter: u64,
}

impl Direction {
    fn new(secrets: &TrafficSecrets) -> Self {
        Self {
            cipher: ChaCha20Poly1305::new(&(*secrets.key).into()),
            iv: Zeroizing::new(*secrets.iv),
            counter: 0,
        }
    }

    /// The nonce for the current counter, or an error rather than wrap.
    fn nonce(&self) -> Result<Nonce, RecordError> {
        // u64::MAX itself is never used, so "counter + 1" below cannot overflow.
        if self.counter == u64::MAX {
            return Err(RecordError::CounterExhausted);
        }
        Ok(nonce(&self.iv, self.counter).into())
    }
}

/// `iv XOR (0^4 || counter as 8 bytes big-endian)` (RFC 8446 section 5.3).
pub(crate) fn nonce(iv: &[u8; NONCE_LEN], counter: u64) -> [u8; NONCE_LEN] {
    let mut nonce = *iv;
    for (n, c) in nonce[NONCE_LEN - 8..].iter_mut().zip(counter.to_be_bytes()) {
        *n ^= c;
    }
    nonce
}

/// The sending half of a session.
pub struct Sealer(Direction);

impl Sealer {
    /// Seals the `plaintext_len` bytes at `record[HEADER_LEN..]` in place,
    /// writing the header in front and the tag behind. Returns the record's
    /// length: `HEADER_LEN + plaintext_len + TAG_LEN`.
    ///
    /// # Errors
    /// [`RecordError::PlaintextTooLong`], [`RecordError::BufferTooSmall`],
    /// or [`RecordError::CounterExhausted`].
    pub fn seal_in_place(
        &mut self,
        record: &mut [u8],
        plaintext_len: usize,
    ) -> Result<usize, RecordError> {
        if plaintext_len > MAX_PLAINTEXT_LEN {
            return Err(RecordError::PlaintextTooLong { len: plaintext_len });
        }
        let record_len = HEADER_LEN + plaintext_len + TAG_LEN;
        let available = record.len();
        let record = record
            .get_mut(..record_len)
            .ok_or(RecordError::BufferTooSmall {
                needed: record_len,
                available,
            })?;
        let nonce = self.0.nonce()?;
        // Fits in u16: at most MAX_BODY_LEN = 16400.
        let header = ((plaintext_len + TAG_LEN) as u16).to_be_bytes();
        let (head, rest) = record.split_at_mut(HEADER_LEN);
        head.copy_from_slice(&header);
        let (body, tag_out) = rest.split_at_mut(plaintext_len);
        let tag = self
            .0
            .cipher
            .encrypt_inout_detached(&nonce, &header, body.into())
            // Only fails for plaintexts over 256 GiB.
            .map_err(|_| RecordError::PlaintextTooLong { len: plaintext_len })?;
        tag_out.copy_from_slice(&tag);
        self.0.counter += 1;
        Ok(record_len)
    }

    /// Seals a copy of `plaintext` into `out`; returns the record's length.
    ///
    /// # Errors
    /// As [`Sealer::seal_in_place`].
    pub fn seal(&mut self, plaintext: &[u8], out: &mut [u8]) -> Result<usize, RecordError> {
        if plaintext.len() > MAX_PLAINTEXT_LEN {
            return Err(RecordError::PlaintextTooLong {
                len: plaintext.len(),
            });
        }
        let needed = HEADER_LEN + plaintext.len() + TAG_LEN;
        let available = out.len();
        let body = out
            .get_mut(HEADER_LEN..HEADER_LEN + plaintext.len())
            .ok_or(RecordError::BufferTooSmall { needed, available })?;
        body.copy_from_slice(plaintext);
        self.seal_in_place(out, plaintext.len())
    }
}

/// The receiving half of a session.
pub struct Opener(Direction);

impl Opener {
    /// Opens one whole record in place and returns its plaintext, a slice
    /// of `record`.
    ///
    /// # Errors
    /// A framing error ([`RecordError::LengthMismatch`],
    /// [`RecordError::Oversized`], [`RecordError::Undersized`]) or
    /// [`RecordError::Forged`]. On any error nothing changes: the counter
    /// stays where it was.
    pub fn open_in_place<'r>(&mut self, record: &'r mut [u8]) -> Result<&'r [u8], RecordError> {
        let found = record.len();
        let (head, body) =
            record
                .split_first_chunk_mut::<HEADER_LEN>()
                .ok_or(RecordError::LengthMismatch {
                    announced: HEADER_LEN,
                    found,
                })?;
        let header = *head;
        let announced = body_len(header)?;
        if body.len() != announced {
            return Err(RecordError::LengthMismatch {
                announced: HEADER_LEN + announced,
                found,
            });
        }
        let nonce = self.0.nonce()?;
        let (ciphertext, tag) = body.split_at_mut(announced - TAG_LEN);
        let tag = Tag::try_from(&*tag).map_err(|_| RecordError::Forged)?;
        self.0
            .cipher
            .decrypt_inout_detached(&nonce, &header, ciphertext.into(), &tag)
            .map_err(|_| RecordError::Forged)?;
        self.0.counter += 1;
        Ok(ciphertext)
    }
}

/// An established session: a sealer for what we send, an opener for what
/// we receive.
pub struct Session {
    sealer: Sealer,
    opener: Opener,
}

/// Which end of the handshake this session belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    Client,
    Server,
}

impl Session {
    pub(crate) fn new(secrets: &SessionSecrets, side: Side) -> Self {
        let (send, receive) = match side {
            Side::Client => (&secrets.client_write, &secrets.server_write),
            Side::Server => (&secrets.server_write, &secrets.client_write),
        };
        Self {
            sealer: Sealer(Direction::new(send)),
            opener: Opener(Direction::new(receive)),
        }
    }

    /// See [`Sealer::seal_in_place`].
    ///
    /// # Errors
    /// As [`Sealer::seal_in_place`].
    pub fn seal_in_place(
        &mut self,
        record: &mut [u8],
        plaintext_len: usize,
    ) -> Result<usize, RecordError> {
        self.sealer.seal_in_place(record, plaintext_len)
    }

    /// See [`Sealer::seal`].
    ///
    /// # Errors
    /// As [`Sealer::seal_in_place`].
    pub fn seal(&mut self, plaintext: &[u8], out: &mut [u8]) -> Result<usize, RecordError> {
        self.sealer.seal(plaintext, out)
    }

    /// See [`Opener::open_in_place`].
    ///
    /// # Errors
    /// As [`Opener::open_in_place`].
    pub fn open_in_place<'r>(&mut self, record: &'r mut [u8]) -> Result<&'r [u8], RecordError> {
        self.opener.open_in_place(record)
    }

    /// Splits the session so sending and receiving can live on different threads.
    pub fn split(self) -> (Sealer, Opener) {
        (self.sealer, self.opener)
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("sent", &self.sealer.0.counter)
            .field("received", &self.opener.0.counter)
            .field("keys", &"<redacted>")
            .finish()
    }
}

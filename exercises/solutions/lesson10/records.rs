//! Exercise 10.4: sealing and opening records, with a counter per direction.
//!
//! Lesson: `lessons/10-server-authentication.md#from-the-shared-secret-to-encrypted-records` ("From the shared secret to encrypted records");
//! the exact bytes: `lessons/11-specification.md#records` ("Records").
//!
//! ```text
//! record = length (2 bytes, big-endian) || ciphertext || tag (16 bytes)
//!          length = ciphertext + tag; the 2 length bytes are the AEAD's
//!          associated data (authenticated, not encrypted)
//! nonce  = record_nonce(iv, counter)     your exercise 10.3
//! ```
//!
//! `seal` and `open` each use the counter, then add one to it, but only
//! when they succeed: a record that fails to open changes nothing, so the
//! genuine next record still opens. Errors, as the library gives them
//! (`learn_mtls::record::RecordError`; the checks compare the variant):
//!
//! - `seal`: more than `MAX_PLAINTEXT_LEN` bytes: `PlaintextTooLong`.
//! - `open`: fewer than 2 bytes, or not as long as the header says:
//!   `LengthMismatch`; a header announcing more than `MAX_BODY_LEN` or
//!   fewer than 16 bytes: `Oversized` / `Undersized` (`record::body_len`
//!   decides both); a tag that does not verify: `Forged`.
//! - both: a counter that has reached `u64::MAX` would repeat a nonce:
//!   `CounterExhausted` (no check gets that far, but say it rather than
//!   overflow). `encrypt_inout_detached` fails only for a plaintext far
//!   longer than a record: report that as `PlaintextTooLong` too.
//!
//! Useful: `ChaCha20Poly1305::encrypt_inout_detached(&nonce, aad, buf)` and
//! `decrypt_inout_detached(&nonce, aad, buf, &tag)` (trait `AeadInOut`);
//! `Tag::try_from(&bytes[..])`.
//! Check it: `cargo course check 10.4`; stuck: `cargo course hint 10.4`.
//!
//! # What it uses
//!
//! - [`RecordError`]: what `seal` and `open` refuse with:
//!   - `PlaintextTooLong { len }`: the plaintext offered is `len` bytes,
//!     more than [`MAX_PLAINTEXT_LEN`];
//!   - `LengthMismatch { announced, found }`: the record is `found` bytes,
//!     not the `announced` header plus body (`announced` is [`HEADER_LEN`]
//!     for a record too short to hold its header);
//!   - `Oversized { announced }`, `Undersized { announced }`: the header
//!     announces a body too long, or too short to hold the tag;
//!   - `Forged`: the tag does not verify;
//!   - `CounterExhausted`: the counter reached `u64::MAX`.
//! - [`record::body_len`]: `body_len(header)` reads a 2-byte header: the
//!   announced body length, or `Oversized` / `Undersized`.
//! - [`HEADER_LEN`] (2), [`TAG_LEN`] (16), [`MAX_PLAINTEXT_LEN`]: the sizes.
//! - [`ChaCha20Poly1305`], [`Tag`]: the AEAD (its `encrypt_inout_detached`
//!   and `decrypt_inout_detached` come from [`AeadInOut`]) and its 16-byte tag.
//! - The fields of [`RecordLayer`] (given): `cipher`, the AEAD under this
//!   direction's key; `iv`, this direction's 12-byte IV; `counter`, the
//!   number of the next record.

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Tag};
use learn_mtls::record::{self, HEADER_LEN, MAX_PLAINTEXT_LEN, RecordError, TAG_LEN};
use zeroize::Zeroizing;

use super::nonce::record_nonce;

/// One direction of a session: a key, an IV and a counter.
pub struct RecordLayer {
    cipher: ChaCha20Poly1305,
    iv: Zeroizing<[u8; 12]>,
    counter: u64,
}

impl RecordLayer {
    /// A direction that has sealed (or opened) nothing yet.
    pub fn new(key: &[u8; 32], iv: &[u8; 12]) -> Self {
        Self {
            cipher: ChaCha20Poly1305::new(&(*key).into()),
            iv: Zeroizing::new(*iv),
            counter: 0,
        }
    }

    /// Seals `plaintext` into a whole record: header, ciphertext, tag.
    ///
    /// # Errors
    /// [`RecordError::PlaintextTooLong`] or [`RecordError::CounterExhausted`].
    pub fn seal(&mut self, plaintext: &[u8]) -> Result<Vec<u8>, RecordError> {
        let len = plaintext.len();
        if len > MAX_PLAINTEXT_LEN {
            return Err(RecordError::PlaintextTooLong { len });
        }
        if self.counter == u64::MAX {
            return Err(RecordError::CounterExhausted);
        }
        // At most MAX_PLAINTEXT_LEN + TAG_LEN = 16400: fits in two bytes.
        let header = ((len + TAG_LEN) as u16).to_be_bytes();
        let mut record = Vec::with_capacity(HEADER_LEN + len + TAG_LEN);
        record.extend_from_slice(&header);
        record.extend_from_slice(plaintext);
        let nonce = record_nonce(&self.iv, self.counter);
        let tag = self
            .cipher
            .encrypt_inout_detached(&nonce.into(), &header, record[HEADER_LEN..].as_mut().into())
            .map_err(|_| RecordError::PlaintextTooLong { len })?;
        record.extend_from_slice(&tag);
        self.counter += 1;
        Ok(record)
    }

    /// Opens one whole record and returns its plaintext.
    ///
    /// # Errors
    /// [`RecordError::LengthMismatch`], [`RecordError::Oversized`],
    /// [`RecordError::Undersized`], [`RecordError::Forged`] or
    /// [`RecordError::CounterExhausted`]; the counter
    /// does not move.
    pub fn open(&mut self, record: &[u8]) -> Result<Vec<u8>, RecordError> {
        let found = record.len();
        let Some((header, body)) = record.split_first_chunk::<HEADER_LEN>() else {
            return Err(RecordError::LengthMismatch {
                announced: HEADER_LEN,
                found,
            });
        };
        let announced = record::body_len(*header)?;
        if body.len() != announced {
            return Err(RecordError::LengthMismatch {
                announced: HEADER_LEN + announced,
                found,
            });
        }
        if self.counter == u64::MAX {
            return Err(RecordError::CounterExhausted);
        }
        let (ciphertext, tag) = body.split_at(announced - TAG_LEN);
        let tag = Tag::try_from(tag).map_err(|_| RecordError::Forged)?;
        let mut plaintext = ciphertext.to_vec();
        let nonce = record_nonce(&self.iv, self.counter);
        self.cipher
            .decrypt_inout_detached(&nonce.into(), header, plaintext.as_mut_slice().into(), &tag)
            .map_err(|_| RecordError::Forged)?;
        self.counter += 1;
        Ok(plaintext)
    }
}

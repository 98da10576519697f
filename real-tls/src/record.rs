//! The TLS record layer seen from outside: cutting a byte stream into
//! records, and record payloads into handshake messages.
//!
//! ```text
//! record    = type (1) || legacy_version (2) || length (2) || payload (length)
//! handshake = msg_type (1) || length (3) || body (length)
//! ```
//!
//! Both parsers are sans-IO: they take bytes as they arrive, in pieces of
//! any size, and hand back whole records and whole messages.

/// Length of a record header.
pub const RECORD_HEADER_LEN: usize = 5;
/// Length of a handshake message header.
pub const HANDSHAKE_HEADER_LEN: usize = 4;
/// The largest record payload any TLS version allows (2^14 plus expansion).
pub const MAX_RECORD_PAYLOAD: usize = (1 << 14) + 2048;

/// Record content type `change_cipher_spec`.
pub const CHANGE_CIPHER_SPEC: u8 = 20;
/// Record content type `alert`.
pub const ALERT: u8 = 21;
/// Record content type `handshake`.
pub const HANDSHAKE: u8 = 22;
/// Record content type `application_data`.
pub const APPLICATION_DATA: u8 = 23;

/// One TLS record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The outer content type.
    pub content_type: u8,
    /// The legacy version field.
    pub version: u16,
    /// The payload, encrypted or not.
    pub payload: Vec<u8>,
}

impl Record {
    /// The record's five header bytes, as they were on the wire (the AEAD's
    /// additional data in TLS 1.3).
    #[must_use]
    pub fn header(&self) -> [u8; RECORD_HEADER_LEN] {
        let [v0, v1] = self.version.to_be_bytes();
        let len = u16::try_from(self.payload.len()).unwrap_or(u16::MAX);
        let [l0, l1] = len.to_be_bytes();
        [self.content_type, v0, v1, l0, l1]
    }

    /// Header plus payload: the record's size on the wire.
    #[must_use]
    pub fn wire_len(&self) -> usize {
        RECORD_HEADER_LEN + self.payload.len()
    }
}

/// The byte stream did not hold TLS records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordError {
    /// A content type outside 20..=23: this is not TLS.
    UnknownContentType(u8),
    /// A length longer than any record may be.
    TooLong(usize),
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownContentType(t) => write!(f, "record content type {t} is not TLS"),
            Self::TooLong(n) => write!(f, "record length {n} exceeds the TLS limit"),
        }
    }
}

impl std::error::Error for RecordError {}

/// Cuts a byte stream into records.
#[derive(Debug, Default)]
pub struct RecordReader {
    buffer: Vec<u8>,
}

impl RecordReader {
    /// Takes the bytes that arrived and returns every record now complete.
    ///
    /// # Errors
    ///
    /// The stream is not TLS; nothing more can be parsed from it.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<Record>, RecordError> {
        self.buffer.extend_from_slice(bytes);
        let mut records = Vec::new();
        while let [content_type, v0, v1, l0, l1, ..] = self.buffer[..] {
            if !(CHANGE_CIPHER_SPEC..=APPLICATION_DATA).contains(&content_type) {
                return Err(RecordError::UnknownContentType(content_type));
            }
            let len = usize::from(u16::from_be_bytes([l0, l1]));
            if len > MAX_RECORD_PAYLOAD {
                return Err(RecordError::TooLong(len));
            }
            if self.buffer.len() < RECORD_HEADER_LEN + len {
                break;
            }
            let payload = self.buffer[RECORD_HEADER_LEN..RECORD_HEADER_LEN + len].to_vec();
            self.buffer.drain(..RECORD_HEADER_LEN + len);
            records.push(Record {
                content_type,
                version: u16::from_be_bytes([v0, v1]),
                payload,
            });
        }
        Ok(records)
    }
}

/// One handshake message, header included (the transcript hashes it whole).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandshakeMessage {
    /// `msg_type`.
    pub msg_type: u8,
    /// The header and body.
    pub bytes: Vec<u8>,
}

impl HandshakeMessage {
    /// The body after the four header bytes.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.bytes[HANDSHAKE_HEADER_LEN..]
    }
}

/// Reassembles handshake messages, which may share a record or span several.
#[derive(Debug, Default)]
pub struct HandshakeReader {
    buffer: Vec<u8>,
}

impl HandshakeReader {
    /// Takes a handshake record's (plaintext) payload and returns every message now complete.
    pub fn push(&mut self, payload: &[u8]) -> Vec<HandshakeMessage> {
        self.buffer.extend_from_slice(payload);
        let mut messages = Vec::new();
        while let [msg_type, l0, l1, l2, ..] = self.buffer[..] {
            let len = usize::from(l0) << 16 | usize::from(l1) << 8 | usize::from(l2);
            if self.buffer.len() < HANDSHAKE_HEADER_LEN + len {
                break;
            }
            let bytes: Vec<u8> = self.buffer.drain(..HANDSHAKE_HEADER_LEN + len).collect();
            messages.push(HandshakeMessage { msg_type, bytes });
        }
        messages
    }
}

/// `ServerHello.random` of a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3).
pub const HELLO_RETRY_REQUEST_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// The name of a handshake message type (RFC 8446 §4, RFC 5246 §7.4).
#[must_use]
pub fn handshake_name(msg_type: u8) -> &'static str {
    match msg_type {
        0 => "HelloRequest",
        1 => "ClientHello",
        2 => "ServerHello",
        4 => "NewSessionTicket",
        5 => "EndOfEarlyData",
        8 => "EncryptedExtensions",
        11 => "Certificate",
        12 => "ServerKeyExchange",
        13 => "CertificateRequest",
        14 => "ServerHelloDone",
        15 => "CertificateVerify",
        16 => "ClientKeyExchange",
        20 => "Finished",
        24 => "KeyUpdate",
        254 => "message_hash",
        _ => "unknown handshake message",
    }
}

/// The name of an alert description (RFC 8446 §6).
#[must_use]
pub fn alert_name(description: u8) -> &'static str {
    match description {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        40 => "handshake_failure",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        80 => "internal_error",
        109 => "missing_extension",
        112 => "unrecognized_name",
        116 => "certificate_required",
        _ => "unknown alert",
    }
}

/// The `random` field of a ClientHello or ServerHello message (header included).
#[must_use]
pub fn hello_random(message: &HandshakeMessage) -> Option<[u8; 32]> {
    // body = legacy_version (2) || random (32) || ...
    message.body().get(2..34)?.try_into().ok()
}

/// The cipher suite a ServerHello chose.
#[must_use]
pub fn server_hello_suite(message: &HandshakeMessage) -> Option<u16> {
    // body = version (2) || random (32) || session_id length (1) || session_id || cipher_suite (2)
    let body = message.body();
    let sid_len = usize::from(*body.get(34)?);
    let at = 35 + sid_len;
    Some(u16::from_be_bytes([*body.get(at)?, *body.get(at + 1)?]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_arrive_in_pieces_of_any_size() {
        let stream = [22, 3, 3, 0, 2, 0xaa, 0xbb, 23, 3, 3, 0, 1, 0xcc];
        for cut in 0..stream.len() {
            let mut reader = RecordReader::default();
            let mut records = reader.push(&stream[..cut]).expect("TLS");
            records.extend(reader.push(&stream[cut..]).expect("TLS"));
            assert_eq!(records.len(), 2, "cut at {cut}");
            assert_eq!(records[0].payload, [0xaa, 0xbb]);
            assert_eq!(records[1].content_type, APPLICATION_DATA);
            assert_eq!(records[0].header(), [22, 3, 3, 0, 2]);
        }
    }

    #[test]
    fn a_stream_that_is_not_tls_is_refused_by_name() {
        let mut reader = RecordReader::default();
        assert_eq!(
            reader.push(b"GET / HTTP/1.1\r\n"),
            Err(RecordError::UnknownContentType(b'G'))
        );
        let mut reader = RecordReader::default();
        assert_eq!(
            reader.push(&[22, 3, 3, 0xff, 0xff]),
            Err(RecordError::TooLong(0xffff))
        );
    }

    #[test]
    fn handshake_messages_may_span_records_or_share_one() {
        let mut reader = HandshakeReader::default();
        assert!(reader.push(&[20, 0, 0, 2, 1]).is_empty());
        let messages = reader.push(&[2, 14, 0, 0, 0]);
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].body(), [1, 2]);
        assert_eq!(handshake_name(messages[1].msg_type), "ServerHelloDone");
    }
}

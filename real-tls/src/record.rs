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

/// Extension type `key_share` (RFC 8446 §4.2.8).
pub const KEY_SHARE: u16 = 51;

/// One `KeyShareEntry`: a group and the length of its key exchange bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyShareEntry {
    /// The `NamedGroup` code point.
    pub group: u16,
    /// The length of `key_exchange`.
    pub len: usize,
}

/// What a hello's `key_share` extension holds (RFC 8446 §4.2.8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyShare {
    /// ClientHello: the shares offered, in order.
    Offered(Vec<KeyShareEntry>),
    /// ServerHello: the one share the server answered with.
    Chosen(KeyShareEntry),
    /// HelloRetryRequest: only the group the server wants a share in.
    Requested(u16),
}

/// A vector with a `width`-byte length prefix, and what follows it.
fn prefixed(bytes: &[u8], width: usize) -> Option<(&[u8], &[u8])> {
    let len = bytes
        .get(..width)?
        .iter()
        .fold(0usize, |n, b| n << 8 | usize::from(*b));
    let rest = bytes.get(width..)?;
    Some((rest.get(..len)?, rest.get(len..)?))
}

/// The extensions of a ClientHello or ServerHello (type, data), in order.
#[must_use]
pub fn hello_extensions(message: &HandshakeMessage) -> Option<Vec<(u16, &[u8])>> {
    // body = legacy_version (2) || random (32) || legacy_session_id <0..32> || ...
    let (_, rest) = prefixed(message.body().get(34..)?, 1)?;
    let rest = match message.msg_type {
        // ClientHello: cipher_suites <2..> || legacy_compression_methods <1..>
        1 => {
            let (_, rest) = prefixed(rest, 2)?;
            prefixed(rest, 1)?.1
        }
        // ServerHello: cipher_suite (2) || legacy_compression_method (1)
        2 => rest.get(3..)?,
        _ => return None,
    };
    let (mut list, _) = prefixed(rest, 2)?;
    let mut extensions = Vec::new();
    while !list.is_empty() {
        let kind = u16::from_be_bytes([*list.first()?, *list.get(1)?]);
        let (data, next) = prefixed(list.get(2..)?, 2)?;
        extensions.push((kind, data));
        list = next;
    }
    Some(extensions)
}

/// The `key_share` extension of a ClientHello, ServerHello or
/// HelloRetryRequest; `None` if it has none or it does not parse.
#[must_use]
pub fn key_share(message: &HandshakeMessage) -> Option<KeyShare> {
    let (_, data) = hello_extensions(message)?
        .into_iter()
        .find(|(kind, _)| *kind == KEY_SHARE)?;
    let entry = |bytes: &[u8]| -> Option<(KeyShareEntry, usize)> {
        let group = u16::from_be_bytes([*bytes.first()?, *bytes.get(1)?]);
        let (key, _) = prefixed(bytes.get(2..)?, 2)?;
        Some((
            KeyShareEntry {
                group,
                len: key.len(),
            },
            4 + key.len(),
        ))
    };
    match message.msg_type {
        1 => {
            let (mut list, _) = prefixed(data, 2)?;
            let mut entries = Vec::new();
            while !list.is_empty() {
                let (e, used) = entry(list)?;
                entries.push(e);
                list = &list[used..];
            }
            Some(KeyShare::Offered(entries))
        }
        2 if hello_random(message) == Some(HELLO_RETRY_REQUEST_RANDOM) => {
            let [a, b] = data[..] else { return None };
            Some(KeyShare::Requested(u16::from_be_bytes([a, b])))
        }
        2 => Some(KeyShare::Chosen(entry(data)?.0)),
        _ => None,
    }
}

/// The name of a TLS `NamedGroup` (the IANA registry's), or `None`.
#[must_use]
pub fn group_name(group: u16) -> Option<&'static str> {
    Some(match group {
        0x0017 => "secp256r1",
        0x0018 => "secp384r1",
        0x0019 => "secp521r1",
        0x001d => "X25519",
        0x001e => "X448",
        0x0100 => "ffdhe2048",
        0x0101 => "ffdhe3072",
        0x0200 => "MLKEM512",
        0x0201 => "MLKEM768",
        0x0202 => "MLKEM1024",
        0x11eb => "SecP256r1MLKEM768",
        0x11ec => "X25519MLKEM768",
        0x11ed => "SecP384r1MLKEM1024",
        _ => return None,
    })
}

/// `NAME (0xNNNN)`, or `unknown group 0xNNNN` (GREASE values among them).
#[must_use]
pub fn describe_group(group: u16) -> String {
    match group_name(group) {
        Some(name) => format!("{name} (0x{group:04x})"),
        None => format!("unknown group 0x{group:04x}"),
    }
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

    /// A hello with the given extensions, laid out as RFC 8446 §4.1.2/3 do.
    fn hello(msg_type: u8, random: [u8; 32], extensions: &[(u16, Vec<u8>)]) -> HandshakeMessage {
        let mut body = vec![3, 3];
        body.extend_from_slice(&random);
        body.extend_from_slice(&[1, 0xaa]); // a one-byte session id
        if msg_type == 1 {
            body.extend_from_slice(&[0, 2, 0x13, 0x01, 1, 0]);
        } else {
            body.extend_from_slice(&[0x13, 0x01, 0]);
        }
        let mut list = Vec::new();
        for (kind, data) in extensions {
            list.extend_from_slice(&kind.to_be_bytes());
            list.extend_from_slice(&u16::try_from(data.len()).expect("short").to_be_bytes());
            list.extend_from_slice(data);
        }
        body.extend_from_slice(&u16::try_from(list.len()).expect("short").to_be_bytes());
        body.extend_from_slice(&list);
        let len = u32::try_from(body.len()).expect("short").to_be_bytes();
        let mut bytes = vec![msg_type, len[1], len[2], len[3]];
        bytes.extend_from_slice(&body);
        HandshakeMessage { msg_type, bytes }
    }

    fn entry(group: u16, len: usize) -> Vec<u8> {
        let mut out = group.to_be_bytes().to_vec();
        out.extend_from_slice(&u16::try_from(len).expect("short").to_be_bytes());
        out.resize(4 + len, 0x5a);
        out
    }

    #[test]
    fn key_shares_are_read_from_each_kind_of_hello() {
        let mut shares = entry(0x11ec, 1216);
        shares.extend(entry(0x001d, 32));
        let mut offered = u16::try_from(shares.len())
            .expect("short")
            .to_be_bytes()
            .to_vec();
        offered.extend(shares);
        let client = hello(1, [7; 32], &[(43, vec![2, 3, 4]), (KEY_SHARE, offered)]);
        assert_eq!(
            key_share(&client),
            Some(KeyShare::Offered(vec![
                KeyShareEntry {
                    group: 0x11ec,
                    len: 1216
                },
                KeyShareEntry {
                    group: 0x001d,
                    len: 32
                },
            ]))
        );
        let server = hello(
            2,
            [8; 32],
            &[(KEY_SHARE, entry(0x11ec, 1120)), (43, vec![3, 4])],
        );
        assert_eq!(
            key_share(&server),
            Some(KeyShare::Chosen(KeyShareEntry {
                group: 0x11ec,
                len: 1120
            }))
        );
        let retry = hello(
            2,
            HELLO_RETRY_REQUEST_RANDOM,
            &[(KEY_SHARE, vec![0x00, 0x1d])],
        );
        assert_eq!(key_share(&retry), Some(KeyShare::Requested(0x001d)));
        assert_eq!(describe_group(0x11ec), "X25519MLKEM768 (0x11ec)");
        assert_eq!(describe_group(0x0a0a), "unknown group 0x0a0a");
    }

    #[test]
    fn a_truncated_key_share_is_none_not_a_panic() {
        let server = hello(2, [8; 32], &[(KEY_SHARE, entry(0x001d, 32))]);
        for cut in 0..server.bytes.len() {
            let mut short = server.clone();
            short.bytes.truncate(cut.max(HANDSHAKE_HEADER_LEN));
            let _ = key_share(&short);
        }
        let no_share = hello(2, [8; 32], &[(43, vec![3, 4])]);
        assert_eq!(key_share(&no_share), None);
    }
}

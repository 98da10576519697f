//! A TLS 1.3 handshake, message by message, beside the course concept each
//! message corresponds to.
//!
//! rustls does not hand out its handshake messages, so the trace watches
//! the bytes on the socket instead ([`TracingStream`]) and parses them
//! itself. What it prints is labelled by how it knows it:
//!
//! - **observed**: plaintext on the wire (ClientHello, ServerHello, the
//!   record headers of everything).
//! - **decrypted**: the encrypted handshake messages, opened with the
//!   traffic secrets rustls gave the key log (the same secrets a
//!   `--keylog` file holds), exactly as Wireshark would open them.
//!
//! The [`Tracer`] itself is sans-IO: it takes bytes and the direction they
//! went, and produces lines.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex};

use hkdf::Hkdf;
use sha2::{Digest, Sha256};

use crate::aead::{AeadKind, NONCE_LEN, RecordCipher, xor_nonce};
use crate::keylog::KeyLogRecorder;
use crate::record::{
    self, APPLICATION_DATA, HELLO_RETRY_REQUEST_RANDOM, HandshakeMessage, HandshakeReader,
    KeyShare, KeyShareEntry, Record, RecordReader,
};
use crate::x509;

/// The course's Lesson 11 handshake, all three messages.
pub const COURSE_HANDSHAKE_LEN: usize = 224;

/// Which end sent something.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Peer {
    /// The TLS client.
    Client,
    /// The TLS server.
    Server,
}

impl Peer {
    fn index(self) -> usize {
        match self {
            Self::Client => 0,
            Self::Server => 1,
        }
    }

    fn arrow(self) -> &'static str {
        match self {
            Self::Client => "client -> server",
            Self::Server => "server -> client",
        }
    }

    fn label(self, application: bool) -> &'static str {
        match (self, application) {
            (Self::Client, false) => "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
            (Self::Server, false) => "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            (Self::Client, true) => "CLIENT_TRAFFIC_SECRET_0",
            (Self::Server, true) => "SERVER_TRAFFIC_SECRET_0",
        }
    }

    /// The other end.
    #[must_use]
    pub fn other(self) -> Self {
        match self {
            Self::Client => Self::Server,
            Self::Server => Self::Client,
        }
    }
}

/// TLS 1.3 cipher suites the trace can open (the SHA-256 ones, which are
/// the ones the lesson's binaries offer).
fn suite(suite: u16) -> Option<(AeadKind, &'static str)> {
    match suite {
        0x1301 => Some((AeadKind::Aes128Gcm, "TLS_AES_128_GCM_SHA256")),
        0x1303 => Some((AeadKind::ChaCha20Poly1305, "TLS_CHACHA20_POLY1305_SHA256")),
        _ => None,
    }
}

/// HKDF-Expand-Label(secret, label, "", out.len()) with SHA-256 (RFC 8446 §7.1).
fn expand_label(secret: &[u8], label: &[u8], out: &mut [u8]) -> Option<()> {
    let prk = Hkdf::<Sha256>::from_prk(secret).ok()?;
    let length = u16::try_from(out.len()).ok()?.to_be_bytes();
    let label_len = [u8::try_from(6 + label.len()).ok()?];
    let info: [&[u8]; 5] = [&length, &label_len, b"tls13 ", label, &[0]];
    prk.expand_multi_info(&info, out).ok()
}

/// The record protection of one direction.
struct Protection {
    cipher: RecordCipher,
    iv: [u8; NONCE_LEN],
    seq: u64,
    label: &'static str,
}

impl Protection {
    /// traffic key and IV from a traffic secret (RFC 8446 §7.3).
    fn from_secret(kind: AeadKind, secret: &[u8], label: &'static str) -> Option<Self> {
        let mut key = zeroize::Zeroizing::new(vec![0u8; kind.key_len()]);
        expand_label(secret, b"key", &mut key)?;
        let mut iv = [0u8; NONCE_LEN];
        expand_label(secret, b"iv", &mut iv)?;
        Some(Self {
            cipher: RecordCipher::new(kind, &key)?,
            iv,
            seq: 0,
            label,
        })
    }

    /// Opens a TLS 1.3 record: returns the inner content type and content.
    fn open(&mut self, record: &Record) -> Option<(u8, Vec<u8>)> {
        let nonce = xor_nonce(&self.iv, self.seq);
        let mut plain = self
            .cipher
            .open(&nonce, &record.header(), &record.payload)?;
        self.seq += 1;
        // TLSInnerPlaintext = content || type || zeros (RFC 8446 §5.2)
        while plain.last() == Some(&0) {
            plain.pop();
        }
        let inner_type = plain.pop()?;
        Some((inner_type, plain))
    }
}

/// Per-direction state.
#[derive(Default)]
struct Direction {
    records: RecordReader,
    handshake: HandshakeReader,
    protection: Option<Protection>,
    /// This side's Finished has been seen: application keys from now on.
    finished: bool,
    /// Bytes on the wire up to and including this side's Finished.
    handshake_bytes: usize,
    handshake_records: usize,
    broken: bool,
}

/// Follows a TLS 1.3 handshake from the bytes of both directions.
pub struct Tracer {
    us: Peer,
    keylog: Arc<KeyLogRecorder>,
    pending: VecDeque<(Peer, Record)>,
    directions: [Direction; 2],
    client_random: Option<[u8; 32]>,
    suite: Option<u16>,
    group: Option<u16>,
    encrypted: bool,
    messages: Vec<(Peer, HandshakeMessage)>,
    lines: Vec<String>,
    summarized: bool,
}

impl std::fmt::Debug for Tracer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracer")
            .field("us", &self.us)
            .finish_non_exhaustive()
    }
}

impl Tracer {
    /// A tracer for the end `us`, reading secrets from `keylog` (which must
    /// keep them: `KeyLogRecorder::new(_, true)`).
    #[must_use]
    pub fn new(us: Peer, keylog: Arc<KeyLogRecorder>) -> Self {
        Self {
            us,
            keylog,
            pending: VecDeque::new(),
            directions: [Direction::default(), Direction::default()],
            client_random: None,
            suite: None,
            group: None,
            encrypted: false,
            messages: Vec::new(),
            lines: Vec::new(),
            summarized: false,
        }
    }

    /// Bytes that went from `from` to the other end.
    pub fn feed(&mut self, from: Peer, bytes: &[u8]) {
        let direction = &mut self.directions[from.index()];
        if direction.broken || bytes.is_empty() {
            return;
        }
        match direction.records.push(bytes) {
            Ok(records) => self.pending.extend(records.into_iter().map(|r| (from, r))),
            Err(e) => {
                direction.broken = true;
                self.say(format!(
                    "{}: {e}; no more tracing in this direction",
                    from.arrow()
                ));
            }
        }
        self.drain();
    }

    /// Processes every pending record whose keys are known, in order.
    pub fn drain(&mut self) {
        while let Some((from, record)) = self.pending.pop_front() {
            if !self.process(from, &record) {
                self.pending.push_front((from, record));
                break;
            }
        }
    }

    /// The trace lines produced since the last call.
    pub fn take_lines(&mut self) -> Vec<String> {
        std::mem::take(&mut self.lines)
    }

    /// Every handshake message seen so far, in transcript order.
    #[must_use]
    pub fn messages(&self) -> &[(Peer, HandshakeMessage)] {
        &self.messages
    }

    /// The ClientHello's random, which names the session in the key log.
    #[must_use]
    pub fn client_random(&self) -> Option<[u8; 32]> {
        self.client_random
    }

    /// The negotiated cipher suite, once the ServerHello has passed.
    #[must_use]
    pub fn cipher_suite(&self) -> Option<u16> {
        self.suite
    }

    /// The key exchange group the ServerHello's key_share answered in.
    #[must_use]
    pub fn key_exchange_group(&self) -> Option<u16> {
        self.group
    }

    /// The records that could not be opened (no secret), described by size:
    /// call when the connection is over.
    pub fn finish(&mut self) {
        self.drain();
        while let Some((from, record)) = self.pending.pop_front() {
            self.say(format!(
                "{}  record {} bytes, encrypted; not opened (no secret for it: inferred only from its size)",
                from.arrow(),
                record.wire_len()
            ));
        }
        self.summary();
    }

    fn say(&mut self, line: String) {
        self.lines.push(line);
    }

    /// Handles one record; `false` if it must wait for a secret.
    fn process(&mut self, from: Peer, record: &Record) -> bool {
        let on_wire = record.wire_len();
        match record.content_type {
            record::CHANGE_CIPHER_SPEC => {
                self.count(from, on_wire);
                self.say(format!(
                    "{}  ChangeCipherSpec record, {on_wire} bytes [observed]: a no-op kept so middleboxes \
                     that expect TLS 1.2 let TLS 1.3 through; no course counterpart",
                    from.arrow()
                ));
                true
            }
            APPLICATION_DATA if self.encrypted => self.process_encrypted(from, record),
            record::HANDSHAKE => {
                self.count(from, on_wire);
                self.say(format!(
                    "{}  handshake record, {on_wire} bytes [observed, plaintext]",
                    from.arrow()
                ));
                let messages = self.directions[from.index()]
                    .handshake
                    .push(&record.payload);
                for message in messages {
                    self.message(from, message, "observed, plaintext".to_owned());
                }
                true
            }
            record::ALERT => {
                let [level, description] = record.payload[..] else {
                    self.say(format!(
                        "{}  malformed alert record [observed]",
                        from.arrow()
                    ));
                    return true;
                };
                self.say(format!(
                    "{}  alert {} (level {level}) [observed, plaintext]",
                    from.arrow(),
                    record::alert_name(description)
                ));
                true
            }
            _ => {
                self.say(format!(
                    "{}  application_data record, {on_wire} bytes [observed; not decrypted]",
                    from.arrow()
                ));
                true
            }
        }
    }

    fn count(&mut self, from: Peer, on_wire: usize) {
        let direction = &mut self.directions[from.index()];
        if !direction.finished {
            direction.handshake_bytes += on_wire;
            direction.handshake_records += 1;
        }
    }

    fn process_encrypted(&mut self, from: Peer, record: &Record) -> bool {
        let on_wire = record.wire_len();
        let (Some(client_random), Some((kind, _))) =
            (self.client_random, self.suite.and_then(suite))
        else {
            self.say(format!(
                "{}  encrypted record, {on_wire} bytes [observed; cipher suite unknown to the trace, not opened]",
                from.arrow()
            ));
            return true;
        };
        let direction = &mut self.directions[from.index()];
        if direction.protection.is_none() {
            let label = from.label(direction.finished);
            let Some(secret) = self.keylog.secret(label, &client_random) else {
                return false;
            };
            direction.protection = Protection::from_secret(kind, &secret, label);
        }
        let Some(protection) = direction.protection.as_mut() else {
            return true;
        };
        let label = protection.label;
        let Some((inner_type, content)) = protection.open(record) else {
            self.say(format!(
                "{}  encrypted record, {on_wire} bytes: did not open with {label} [observed]",
                from.arrow()
            ));
            return true;
        };
        let finished_before = direction.finished;
        self.count(from, on_wire);
        match inner_type {
            record::HANDSHAKE => {
                self.say(format!(
                    "{}  encrypted record, {on_wire} bytes [observed], holding handshake messages [decrypted with {label}]",
                    from.arrow()
                ));
                let messages = self.directions[from.index()].handshake.push(&content);
                for message in messages {
                    let is_finished = message.msg_type == 20;
                    self.message(from, message, format!("decrypted with {label}"));
                    if is_finished && !finished_before {
                        // From the next record on, this side uses its application traffic secret.
                        let direction = &mut self.directions[from.index()];
                        direction.finished = true;
                        direction.protection = None;
                        if self.directions.iter().all(|d| d.finished) {
                            self.summary();
                        }
                    }
                }
            }
            record::ALERT => {
                let text = match content[..] {
                    [level, description] => format!(
                        "alert {} (level {level}, code {description})",
                        record::alert_name(description)
                    ),
                    _ => "malformed alert".to_owned(),
                };
                self.say(format!(
                    "{}  encrypted record, {on_wire} bytes [observed]: {text} [decrypted with {label}]",
                    from.arrow()
                ));
            }
            _ => self.say(format!(
                "{}  encrypted record, {on_wire} bytes [observed]: application data, {} bytes [decrypted with {label}]",
                from.arrow(),
                content.len()
            )),
        }
        true
    }

    fn message(&mut self, from: Peer, message: HandshakeMessage, how: String) {
        let mut name = record::handshake_name(message.msg_type);
        let mut concept = concept(message.msg_type, from);
        let key_share = match message.msg_type {
            1 | 2 => record::key_share(&message),
            _ => None,
        };
        let hybrid = match &key_share {
            Some(KeyShare::Offered(entries)) => entries.first().map(|e| e.group) == Some(HYBRID),
            Some(KeyShare::Chosen(entry)) => entry.group == HYBRID,
            _ => false,
        };
        let retry = message.msg_type == 2
            && record::hello_random(&message) == Some(HELLO_RETRY_REQUEST_RANDOM);
        match message.msg_type {
            1 => {
                self.client_random = record::hello_random(&message);
                if hybrid {
                    concept = "Lesson 19's hybrid message 1: its key_share holds the client's \
                               ML-KEM-768 encapsulation key and X25519 share; the rest is \
                               negotiation the course fixed in advance";
                }
            }
            2 if retry => {
                name = "HelloRetryRequest (a ServerHello with a fixed random)";
                concept = "HelloRetryRequest: the server wants a key share in another group; \
                           the course fixes its key exchange in advance, so it never needs \
                           this round trip";
            }
            2 => {
                self.suite = record::server_hello_suite(&message);
                self.encrypted = true;
                if hybrid {
                    concept = "Lesson 19's hybrid message 2, first part: its key_share holds \
                               the ML-KEM-768 ciphertext and the server's X25519 share; both \
                               sides now hold the shared secret";
                }
            }
            _ => {}
        }
        self.say(format!(
            "{}    {name}, {} bytes [{how}]  ~ course: {concept}",
            from.arrow(),
            message.bytes.len()
        ));
        match key_share {
            Some(KeyShare::Offered(entries)) => {
                for entry in entries {
                    let line = share_line(entry, Peer::Client);
                    self.say(format!("{}      {line}", from.arrow()));
                }
            }
            Some(KeyShare::Chosen(entry)) => {
                self.group = Some(entry.group);
                let line = share_line(entry, Peer::Server);
                self.say(format!("{}      {line}", from.arrow()));
                self.say(format!(
                    "{}      negotiated group {}",
                    from.arrow(),
                    record::describe_group(entry.group)
                ));
            }
            Some(KeyShare::Requested(group)) => self.say(format!(
                "{}      key_share: the server asks for a share in {}",
                from.arrow(),
                record::describe_group(group)
            )),
            None => {}
        }
        if message.msg_type == 2 && !retry {
            if let Some((_, suite_name)) = self.suite.and_then(suite) {
                self.say(format!("{}      cipher suite {suite_name}", from.arrow()));
            } else if let Some(s) = self.suite {
                self.say(format!(
                    "{}      cipher suite 0x{s:04x} (the trace cannot open it)",
                    from.arrow()
                ));
            }
        }
        if message.msg_type == 11 {
            for line in describe_certificate(&message) {
                self.say(format!("{}      {line}", from.arrow()));
            }
        }
        self.messages.push((from, message));
    }

    fn summary(&mut self) {
        if self.summarized {
            return;
        }
        self.summarized = true;
        let [client, server] = &self.directions;
        let total = client.handshake_bytes + server.handshake_bytes;
        let line = format!(
            "handshake: {total} bytes on the wire (client {} bytes in {} records, server {} bytes in {} records); \
             the course's Lesson 11 handshake is {COURSE_HANDSHAKE_LEN} bytes",
            client.handshake_bytes,
            client.handshake_records,
            server.handshake_bytes,
            server.handshake_records,
        );
        self.say(line);
    }

    /// SHA-256 of every handshake message before the `index`-th one (the
    /// transcript hash a signature or Finished at that position covers).
    #[must_use]
    pub fn transcript_hash_before(&self, index: usize) -> [u8; 32] {
        let mut hash = Sha256::new();
        for (_, message) in &self.messages[..index] {
            hash.update(&message.bytes);
        }
        hash.finalize().into()
    }
}

/// `X25519MLKEM768`'s code point.
const HYBRID: u16 = 0x11ec;

/// One key share, its size, and (for the groups the lesson binaries
/// offer) what its bytes are.
fn share_line(entry: KeyShareEntry, from: Peer) -> String {
    let inside = match (entry.group, entry.len, from) {
        (HYBRID, 1216, Peer::Client) => {
            " = ML-KEM-768 encapsulation key (1184) || X25519 share (32), \
             Lesson 19's message 1"
        }
        (HYBRID, 1120, Peer::Server) => {
            " = ML-KEM-768 ciphertext (1088) || X25519 share (32), \
             Lesson 19's message 2 without its signature"
        }
        (0x001d, 32, _) => " = an X25519 share, Lesson 11's message 1 or 2",
        _ => "",
    };
    format!(
        "key_share: {}, {} bytes{inside}",
        record::describe_group(entry.group),
        entry.len
    )
}

/// The course concept a TLS 1.3 handshake message corresponds to.
#[must_use]
pub fn concept(msg_type: u8, from: Peer) -> &'static str {
    match (msg_type, from) {
        (1, _) => {
            "message 1: its key_share is the client's X25519 share; the rest is negotiation \
                   the course fixed in advance"
        }
        (2, _) => {
            "message 2, first part: its key_share is the server's X25519 share; \
                   both sides now hold the shared secret"
        }
        (8, _) => "none: the negotiated extensions, now encrypted",
        (13, _) => "Lesson 11 always requires message 3; here the server has to ask for it",
        (11, Peer::Server) => {
            "message 2's server key, now in a certificate signed by the CA (Lesson 15); \
                                Lesson 10 pinned the bare key"
        }
        (15, Peer::Server) => {
            "message 2's signature, under the transcript binding \
                                (64 spaces || \"TLS 1.3, server CertificateVerify\" || 0x00 || transcript hash)"
        }
        (20, Peer::Server) => {
            "key confirmation: an HMAC of the transcript with a key from the key schedule"
        }
        (11, Peer::Client) => {
            "message 3's identity key, in a certificate signed by the CA (Lesson 15)"
        }
        (15, Peer::Client) => {
            "message 3's signature, under the transcript binding \
                                (64 spaces || \"TLS 1.3, client CertificateVerify\" || 0x00 || transcript hash)"
        }
        (20, Peer::Client) => {
            "key confirmation: the job the client's first record does in the course"
        }
        (4, _) => "none: a ticket for resumption, which the course leaves out",
        (24, _) => "none: a key update",
        _ => "none",
    }
}

/// The leaf certificate's fields, from a TLS 1.3 Certificate message.
fn describe_certificate(message: &HandshakeMessage) -> Vec<String> {
    // body = context length (1) || context || list length (3) || entries;
    // entry = cert_data length (3) || cert_data || extensions length (2) || extensions
    let body = message.body();
    let Some(&context_len) = body.first() else {
        return vec!["(empty Certificate message)".to_owned()];
    };
    let list = body
        .get(1 + usize::from(context_len) + 3..)
        .unwrap_or_default();
    let Some([l0, l1, l2]) = list.get(..3).map(|l| [l[0], l[1], l[2]]) else {
        return vec!["no certificate: the peer sent an empty list".to_owned()];
    };
    let len = usize::from(l0) << 16 | usize::from(l1) << 8 | usize::from(l2);
    let Some(der) = list.get(3..3 + len) else {
        return vec!["(truncated certificate entry)".to_owned()];
    };
    match x509::summarize(der) {
        Ok(s) => vec![
            format!(
                "leaf certificate, {} bytes of DER: subject {}, issuer {}, serial {}",
                s.der_len,
                s.subject,
                s.issuer,
                s.serial_hex()
            ),
            format!(
                "valid {} to {}, {} public key {}",
                s.not_before,
                s.not_after,
                s.key_algorithm,
                x509::hex(&s.public_key)
            ),
        ],
        Err(e) => vec![format!("leaf certificate: {e}")],
    }
}

/// A stream that shows every byte it carries to a [`Tracer`].
#[derive(Debug)]
pub struct TracingStream<S> {
    inner: S,
    us: Peer,
    tracer: Arc<Mutex<Tracer>>,
}

impl<S> TracingStream<S> {
    /// Wraps `inner`, the socket of the end `us`.
    pub fn new(inner: S, us: Peer, tracer: Arc<Mutex<Tracer>>) -> Self {
        Self { inner, us, tracer }
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    fn feed(&self, from: Peer, bytes: &[u8]) {
        let mut tracer = self
            .tracer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        tracer.feed(from, bytes);
    }
}

impl<S: Read> Read for TracingStream<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.feed(self.us.other(), &buf[..n]);
        Ok(n)
    }
}

impl<S: Write> Write for TracingStream<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.feed(self.us, &buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

//! A TLS 1.2 session decrypted from outside with the course's own
//! [`learn_mtls::tls12`] module: the randoms from the hellos, the master
//! secret from a key log, the key block from the PRF, then every record.
//!
//! ```text
//! key_block = PRF(master_secret, "key expansion", server_random + client_random)
//! ChaCha20-Poly1305 (RFC 7905): nonce = client/server_write_IV XOR seq
//! AES-GCM (RFC 5288):           nonce = salt (4, key block) || explicit (8, in the record)
//! additional data (RFC 5246 §6.2.3.3) = seq (8) || type (1) || version (2) || plaintext length (2)
//! ```
//!
//! The master secret comes from the key log whether or not the session
//! used the extended master secret (RFC 7627): only how it was derived
//! differs, and the key block is derived from it the same way.

use std::fmt;

use learn_mtls::tls12::{
    KeyBlockLayout, MASTER_SECRET_LEN, MasterSecret, RANDOM_LEN, Sender, key_block, verify_data,
};
use sha2::{Digest, Sha256, Sha384};
use subtle_free::ct_eq;

use crate::aead::{AeadKind, NONCE_LEN, RecordCipher, TAG_LEN, xor_nonce};
use crate::record::{self, HandshakeReader, Record, RecordReader};
use crate::trace::Peer;
use crate::x509::hex;

/// Constant-time comparison without another dependency.
mod subtle_free {
    /// `a == b`, without an early exit on the first difference.
    pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// The PRF hash a suite names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrfHash {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
}

/// A TLS 1.2 AEAD cipher suite this decoder knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Suite {
    /// IANA code point.
    pub code: u16,
    /// IANA name.
    pub name: &'static str,
    /// How the key block is cut.
    pub layout: KeyBlockLayout,
    /// The record AEAD.
    pub aead: AeadKind,
    /// The PRF hash.
    pub hash: PrfHash,
}

const AES_256_GCM: KeyBlockLayout = match KeyBlockLayout::new(0, 32, 4) {
    Ok(layout) => layout,
    Err(_) => panic!("AES-256-GCM fits the key block"),
};

/// The suites the decoder opens: ECDHE with ChaCha20-Poly1305, AES-128-GCM or AES-256-GCM.
pub const SUITES: [Suite; 6] = [
    Suite {
        code: 0xcca9,
        name: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        layout: KeyBlockLayout::ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        aead: AeadKind::ChaCha20Poly1305,
        hash: PrfHash::Sha256,
    },
    Suite {
        code: 0xcca8,
        name: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        layout: KeyBlockLayout::ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        aead: AeadKind::ChaCha20Poly1305,
        hash: PrfHash::Sha256,
    },
    Suite {
        code: 0xc02b,
        name: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        layout: KeyBlockLayout::ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        aead: AeadKind::Aes128Gcm,
        hash: PrfHash::Sha256,
    },
    Suite {
        code: 0xc02f,
        name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        layout: KeyBlockLayout::ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        aead: AeadKind::Aes128Gcm,
        hash: PrfHash::Sha256,
    },
    Suite {
        code: 0xc02c,
        name: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        layout: AES_256_GCM,
        aead: AeadKind::Aes256Gcm,
        hash: PrfHash::Sha384,
    },
    Suite {
        code: 0xc030,
        name: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        layout: AES_256_GCM,
        aead: AeadKind::Aes256Gcm,
        hash: PrfHash::Sha384,
    },
];

/// The suite with IANA code `code`, if the decoder knows it.
#[must_use]
pub fn suite(code: u16) -> Option<Suite> {
    SUITES.into_iter().find(|s| s.code == code)
}

/// What the decoder saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A plaintext handshake message passed.
    Handshake {
        /// Who sent it.
        from: Peer,
        /// Its name.
        name: &'static str,
        /// Its length, header included.
        len: usize,
    },
    /// The ClientHello's random.
    ClientRandom([u8; RANDOM_LEN]),
    /// The ServerHello's random and chosen suite.
    ServerHello {
        /// `ServerHello.random`.
        server_random: [u8; RANDOM_LEN],
        /// The suite.
        suite: Suite,
    },
    /// The key block was derived with the course's PRF.
    KeyBlock {
        /// The suite it was cut for.
        suite: Suite,
    },
    /// A peer switched to encrypted records.
    ChangeCipherSpec(Peer),
    /// A Finished message opened, and its verify_data was checked against
    /// the course's PRF over the transcript.
    Finished {
        /// Who sent it.
        from: Peer,
        /// The PRF agreed.
        verified: bool,
    },
    /// Application data, decrypted.
    Data {
        /// Who sent it.
        from: Peer,
        /// The plaintext.
        bytes: Vec<u8>,
    },
    /// An alert (decrypted if the keys were in use).
    Alert {
        /// Who sent it.
        from: Peer,
        /// Its description code.
        description: u8,
    },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Handshake { from, name, len } => {
                write!(f, "{}: {name}, {len} bytes", arrow(*from))
            }
            Self::ClientRandom(r) => write!(f, "client_random {}", hex(r)),
            Self::ServerHello {
                server_random,
                suite,
            } => write!(
                f,
                "server_random {}\ncipher suite {} (0x{:04x})",
                hex(server_random),
                suite.name,
                suite.code
            ),
            Self::KeyBlock { suite } => write!(
                f,
                "master secret found in the key log; key block of {} bytes from learn_mtls::tls12::key_block \
                 (PRF \"key expansion\", server_random + client_random): keys of {} bytes, fixed IVs of {} bytes",
                suite.layout.key_block_len(),
                suite.layout.enc_key_len(),
                suite.layout.fixed_iv_len()
            ),
            Self::ChangeCipherSpec(from) => {
                write!(
                    f,
                    "{}: ChangeCipherSpec: encrypted from here on",
                    arrow(*from)
                )
            }
            Self::Finished { from, verified } => {
                let label = match from {
                    Peer::Client => "client finished",
                    Peer::Server => "server finished",
                };
                let verdict = if *verified {
                    "matches"
                } else {
                    "DOES NOT match"
                };
                write!(
                    f,
                    "{}: Finished opened; verify_data {verdict} PRF(master_secret, \"{label}\", Hash(handshake messages))",
                    arrow(*from)
                )
            }
            Self::Data { from, bytes } => write!(
                f,
                "{}: {} bytes: \"{}\"",
                arrow(*from),
                bytes.len(),
                String::from_utf8_lossy(bytes).escape_debug()
            ),
            Self::Alert { from, description } => {
                write!(
                    f,
                    "{}: alert {}",
                    arrow(*from),
                    record::alert_name(*description)
                )
            }
        }
    }
}

fn arrow(from: Peer) -> &'static str {
    match from {
        Peer::Client => "client -> server",
        Peer::Server => "server -> client",
    }
}

/// The session could not be decrypted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tls12Error {
    /// The bytes are not TLS records.
    Record(record::RecordError),
    /// The server chose a suite the decoder does not know.
    UnsupportedSuite(u16),
    /// The server chose a TLS version other than 1.2.
    NotTls12(u16),
    /// Encrypted records arrived before both hellos were seen.
    MissingHello,
    /// The key log had no master secret for this session's client random.
    NoMasterSecret(String),
    /// A record did not open with the derived keys.
    BadRecord {
        /// Who sent it.
        from: Peer,
        /// Its sequence number.
        seq: u64,
    },
}

impl fmt::Display for Tls12Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Record(e) => e.fmt(f),
            Self::UnsupportedSuite(code) => write!(
                f,
                "the server chose cipher suite 0x{code:04x}, which this relay cannot open \
                 (it knows ECDHE with CHACHA20-POLY1305, AES128-GCM-SHA256 and AES256-GCM-SHA384)"
            ),
            Self::NotTls12(v) => write!(
                f,
                "the server chose version 0x{v:04x}, not TLS 1.2 (0x0303)"
            ),
            Self::MissingHello => {
                f.write_str("encrypted records before the hellos: the relay joined mid-session")
            }
            Self::NoMasterSecret(random) => write!(
                f,
                "no `CLIENT_RANDOM {random} ...` line appeared in the key log in time"
            ),
            Self::BadRecord { from, seq } => write!(
                f,
                "{} record {seq} did not open with the derived keys (wrong master secret?)",
                arrow(*from)
            ),
        }
    }
}

impl std::error::Error for Tls12Error {}

/// One direction's record protection.
struct Protection {
    cipher: RecordCipher,
    fixed_iv: Vec<u8>,
    seq: u64,
}

#[derive(Default)]
struct Direction {
    records: RecordReader,
    handshake: HandshakeReader,
    encrypted: bool,
    protection: Option<Protection>,
}

/// Follows one TLS 1.2 session through both directions.
pub struct Session {
    directions: [Direction; 2],
    client_random: Option<[u8; RANDOM_LEN]>,
    server_random: Option<[u8; RANDOM_LEN]>,
    suite: Option<Suite>,
    master_secret: Option<MasterSecret>,
    /// Every handshake message so far, for the Finished checks.
    transcript: Vec<u8>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("suite", &self.suite)
            .finish_non_exhaustive()
    }
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

impl Session {
    /// A session about to start.
    #[must_use]
    pub fn new() -> Self {
        Self {
            directions: [Direction::default(), Direction::default()],
            client_random: None,
            server_random: None,
            suite: None,
            master_secret: None,
            transcript: Vec::new(),
        }
    }

    /// The client random, once the ClientHello has passed.
    #[must_use]
    pub fn client_random(&self) -> Option<[u8; RANDOM_LEN]> {
        self.client_random
    }

    /// Bytes that went from `from` to the other side. `master_secret` is
    /// asked (once) for the secret of the session with the given client
    /// random when the first encrypted record arrives.
    ///
    /// # Errors
    ///
    /// The stream is not TLS 1.2 with a known suite, or does not decrypt.
    pub fn feed(
        &mut self,
        from: Peer,
        bytes: &[u8],
        master_secret: &mut dyn FnMut(&[u8; RANDOM_LEN]) -> Option<[u8; MASTER_SECRET_LEN]>,
    ) -> Result<Vec<Event>, Tls12Error> {
        let records = self.directions[index(from)]
            .records
            .push(bytes)
            .map_err(Tls12Error::Record)?;
        let mut events = Vec::new();
        for record in records {
            self.record(from, &record, master_secret, &mut events)?;
        }
        Ok(events)
    }

    fn record(
        &mut self,
        from: Peer,
        record: &Record,
        master_secret: &mut dyn FnMut(&[u8; RANDOM_LEN]) -> Option<[u8; MASTER_SECRET_LEN]>,
        events: &mut Vec<Event>,
    ) -> Result<(), Tls12Error> {
        if record.content_type == record::CHANGE_CIPHER_SPEC {
            self.directions[index(from)].encrypted = true;
            events.push(Event::ChangeCipherSpec(from));
            return Ok(());
        }
        let plaintext = if self.directions[index(from)].encrypted {
            self.open(from, record, master_secret, events)?
        } else {
            record.payload.clone()
        };
        match record.content_type {
            record::HANDSHAKE => {
                let messages = self.directions[index(from)].handshake.push(&plaintext);
                for message in messages {
                    self.handshake(from, &message, events)?;
                }
            }
            record::APPLICATION_DATA => events.push(Event::Data {
                from,
                bytes: plaintext,
            }),
            record::ALERT => {
                if let [_, description] = plaintext[..] {
                    events.push(Event::Alert { from, description });
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn handshake(
        &mut self,
        from: Peer,
        message: &record::HandshakeMessage,
        events: &mut Vec<Event>,
    ) -> Result<(), Tls12Error> {
        let name = record::handshake_name(message.msg_type);
        if message.msg_type == 20 {
            let verified = self.check_finished(from, message.body());
            events.push(Event::Finished { from, verified });
            self.transcript.extend_from_slice(&message.bytes);
            return Ok(());
        }
        events.push(Event::Handshake {
            from,
            name,
            len: message.bytes.len(),
        });
        self.transcript.extend_from_slice(&message.bytes);
        match message.msg_type {
            1 => {
                if let Some(random) = record::hello_random(message) {
                    self.client_random = Some(random);
                    events.push(Event::ClientRandom(random));
                }
            }
            2 => {
                let version = message
                    .body()
                    .get(..2)
                    .map(|v| u16::from_be_bytes([v[0], v[1]]));
                if let Some(v) = version.filter(|v| *v != 0x0303) {
                    return Err(Tls12Error::NotTls12(v));
                }
                let code = record::server_hello_suite(message).unwrap_or(0);
                let suite = suite(code).ok_or(Tls12Error::UnsupportedSuite(code))?;
                let server_random =
                    record::hello_random(message).ok_or(Tls12Error::MissingHello)?;
                self.server_random = Some(server_random);
                self.suite = Some(suite);
                events.push(Event::ServerHello {
                    server_random,
                    suite,
                });
            }
            _ => {}
        }
        Ok(())
    }

    /// verify_data = PRF(master_secret, label, Hash(handshake_messages))[0..11]
    fn check_finished(&self, from: Peer, body: &[u8]) -> bool {
        let (Some(ms), Some(suite)) = (&self.master_secret, self.suite) else {
            return false;
        };
        let sender = match from {
            Peer::Client => Sender::Client,
            Peer::Server => Sender::Server,
        };
        let expected = match suite.hash {
            PrfHash::Sha256 => verify_data::<Sha256>(ms, sender, &Sha256::digest(&self.transcript)),
            PrfHash::Sha384 => verify_data::<Sha384>(ms, sender, &Sha384::digest(&self.transcript)),
        };
        ct_eq(&expected, body)
    }

    fn open(
        &mut self,
        from: Peer,
        record: &Record,
        master_secret: &mut dyn FnMut(&[u8; RANDOM_LEN]) -> Option<[u8; MASTER_SECRET_LEN]>,
        events: &mut Vec<Event>,
    ) -> Result<Vec<u8>, Tls12Error> {
        if self.directions[index(from)].protection.is_none() {
            self.derive_keys(master_secret, events)?;
        }
        let suite = self.suite.ok_or(Tls12Error::MissingHello)?;
        let protection = self.directions[index(from)]
            .protection
            .as_mut()
            .ok_or(Tls12Error::MissingHello)?;
        let seq = protection.seq;
        let bad = Tls12Error::BadRecord { from, seq };
        let (nonce, ciphertext) = match suite.aead {
            AeadKind::ChaCha20Poly1305 => {
                // RFC 7905 §2: nonce = client/server_write_IV XOR padded seq
                let iv: [u8; NONCE_LEN] = protection
                    .fixed_iv
                    .as_slice()
                    .try_into()
                    .map_err(|_| bad.clone())?;
                (xor_nonce(&iv, seq), &record.payload[..])
            }
            AeadKind::Aes128Gcm | AeadKind::Aes256Gcm => {
                // RFC 5288 §3: nonce = salt (4, from the key block) || explicit nonce (8, in the record)
                let Some((explicit, ciphertext)) = record.payload.split_at_checked(8) else {
                    return Err(bad);
                };
                let mut nonce = [0u8; NONCE_LEN];
                nonce[..4].copy_from_slice(&protection.fixed_iv);
                nonce[4..].copy_from_slice(explicit);
                (nonce, ciphertext)
            }
        };
        let plain_len = ciphertext.len().checked_sub(TAG_LEN).ok_or(bad.clone())?;
        // additional_data = seq_num + TLSCompressed.type + TLSCompressed.version + TLSCompressed.length
        let mut aad = [0u8; 13];
        aad[..8].copy_from_slice(&seq.to_be_bytes());
        aad[8] = record.content_type;
        aad[9..11].copy_from_slice(&record.version.to_be_bytes());
        aad[11..].copy_from_slice(
            &u16::try_from(plain_len)
                .map_err(|_| bad.clone())?
                .to_be_bytes(),
        );
        let plain = protection
            .cipher
            .open(&nonce, &aad, ciphertext)
            .ok_or(bad)?;
        protection.seq += 1;
        Ok(plain)
    }

    fn derive_keys(
        &mut self,
        master_secret: &mut dyn FnMut(&[u8; RANDOM_LEN]) -> Option<[u8; MASTER_SECRET_LEN]>,
        events: &mut Vec<Event>,
    ) -> Result<(), Tls12Error> {
        let (Some(client_random), Some(server_random), Some(suite)) =
            (self.client_random, self.server_random, self.suite)
        else {
            return Err(Tls12Error::MissingHello);
        };
        if self.master_secret.is_none() {
            let mut bytes = master_secret(&client_random)
                .ok_or_else(|| Tls12Error::NoMasterSecret(hex(&client_random)))?;
            self.master_secret = Some(MasterSecret::from_bytes(bytes));
            zeroize::Zeroize::zeroize(&mut bytes);
        }
        let ms = self
            .master_secret
            .as_ref()
            .ok_or(Tls12Error::MissingHello)?;
        // The course's PRF, exactly as Lesson 12 teaches it.
        let keys = match suite.hash {
            PrfHash::Sha256 => {
                key_block::<Sha256>(ms, &client_random, &server_random, suite.layout)
            }
            PrfHash::Sha384 => {
                key_block::<Sha384>(ms, &client_random, &server_random, suite.layout)
            }
        };
        let make = |key: &[u8], iv: &[u8]| -> Result<Protection, Tls12Error> {
            Ok(Protection {
                cipher: RecordCipher::new(suite.aead, key)
                    .ok_or(Tls12Error::UnsupportedSuite(suite.code))?,
                fixed_iv: iv.to_vec(),
                seq: 0,
            })
        };
        let first = self.directions.iter().all(|d| d.protection.is_none());
        self.directions[0].protection =
            Some(make(keys.client_write_key(), keys.client_write_iv())?);
        self.directions[1].protection =
            Some(make(keys.server_write_key(), keys.server_write_iv())?);
        if first {
            events.push(Event::KeyBlock { suite });
        }
        Ok(())
    }
}

fn index(peer: Peer) -> usize {
    match peer {
        Peer::Client => 0,
        Peer::Server => 1,
    }
}

/// The master secret for `client_random` in key log text: the value of its
/// `CLIENT_RANDOM` line (RFC 9850 / NSS key log format).
#[must_use]
pub fn find_master_secret(
    keylog: &str,
    client_random: &[u8; RANDOM_LEN],
) -> Option<[u8; MASTER_SECRET_LEN]> {
    let wanted = hex(client_random);
    keylog.lines().find_map(|line| {
        let mut fields = line.split_ascii_whitespace();
        if fields.next()? != "CLIENT_RANDOM" || !fields.next()?.eq_ignore_ascii_case(&wanted) {
            return None;
        }
        let secret = fields.next()?;
        let mut out = [0u8; MASTER_SECRET_LEN];
        if secret.len() != 2 * MASTER_SECRET_LEN {
            return None;
        }
        for (byte, pair) in out.iter_mut().zip(secret.as_bytes().chunks(2)) {
            *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
        }
        Some(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_master_secret_is_found_by_its_client_random() {
        let random = [0xab; RANDOM_LEN];
        let log = format!(
            "# comment\nCLIENT_RANDOM {} {}\nCLIENT_RANDOM {} {}\n",
            hex(&[0; 32]),
            hex(&[1; 48]),
            hex(&random).to_uppercase(),
            hex(&[2; 48])
        );
        assert_eq!(find_master_secret(&log, &random), Some([2; 48]));
        assert_eq!(find_master_secret(&log, &[0xcd; 32]), None);
        assert_eq!(find_master_secret("CLIENT_RANDOM abab zz", &random), None);
    }

    #[test]
    fn the_suites_named_in_the_issue_are_known() {
        for code in [0xcca9, 0xcca8, 0xc02b, 0xc02f] {
            let suite = suite(code).expect("known");
            assert_eq!(suite.hash, PrfHash::Sha256);
        }
        assert_eq!(suite(0xcca9).map(|s| s.layout.key_block_len()), Some(88));
        assert_eq!(suite(0xc02f).map(|s| s.layout.key_block_len()), Some(40));
        assert!(suite(0x009c).is_none(), "no RSA key exchange");
    }

    #[test]
    fn encrypted_records_before_the_hellos_are_refused() {
        let mut session = Session::new();
        let mut never = |_: &[u8; RANDOM_LEN]| -> Option<[u8; MASTER_SECRET_LEN]> { None };
        let events = session
            .feed(Peer::Client, &[20, 3, 3, 0, 1, 1], &mut never)
            .expect("CCS");
        assert_eq!(events, [Event::ChangeCipherSpec(Peer::Client)]);
        let error = session
            .feed(Peer::Client, &[22, 3, 3, 0, 1, 0], &mut never)
            .expect_err("no hellos");
        assert_eq!(error, Tls12Error::MissingHello);
    }
}

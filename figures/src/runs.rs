//! Real in-process handshakes, through the library's own API, from the
//! inputs written in the golden files (`tests/vectors/`): the keys, and
//! each side's `ChaCha20Rng` seed. Every run is checked against the bytes
//! the file holds, so a figure can never show a handshake the library
//! does not make.

use chacha20::ChaCha20Rng;
use learn_mtls::cert::verify::{Chain, Root, Verifier};
use learn_mtls::cert::{self, Certificate};
use learn_mtls::handshake::certified::{self, client_auth_layout, server_hello_layout};
use learn_mtls::handshake::mutual::{self, ClientVerified};
use learn_mtls::handshake::{Binding, server_only};
use learn_mtls::keys::IdentityKey;
use learn_mtls::rand_core::SeedableRng;
use learn_mtls::record::{HEADER_LEN, Session, TAG_LEN};
use learn_mtls::schedule::KeySchedule;
use learn_mtls::trust::{ClientName, PinnedClient};
use learn_mtls::wire::layout::{self, Field};

use crate::repo_path;

/// Who sent a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum From {
    Client,
    Server,
}

/// One message as it crossed: its name, sender, bytes and fields.
pub struct Message {
    pub name: String,
    pub from: From,
    pub bytes: Vec<u8>,
    pub fields: Vec<Field>,
}

/// The handshake messages of one run, then the client's first record.
pub struct Run {
    /// The golden file the inputs came from, relative to the repository.
    pub source: String,
    pub binding: Option<Binding>,
    pub messages: Vec<Message>,
    pub first_record: Vec<u8>,
    /// The plaintext the first record carried, as the server opened it.
    pub first_plaintext: Vec<u8>,
    /// The name the server accepted (mutual runs).
    pub accepted: Option<String>,
}

impl Run {
    /// The handshake's size: its messages, without the record.
    pub fn handshake_len(&self) -> usize {
        self.messages.iter().map(|m| m.bytes.len()).sum()
    }
}

/// A golden file's text, and its values as hex bytes.
pub struct Golden {
    pub path: String,
    pub text: String,
}

impl Golden {
    pub fn load(file: &str) -> Result<Self, String> {
        let path = format!("tests/vectors/{file}");
        let text = std::fs::read_to_string(repo_path(&path)).map_err(|e| format!("{path}: {e}"))?;
        learn_mtls_kit::vectors::lines(&text).map_err(|e| format!("{path}: {e}"))?;
        Ok(Self { path, text })
    }

    pub fn value(&self, name: &str) -> Result<&str, String> {
        learn_mtls_kit::vectors::value(&self.text, name)
            .ok_or_else(|| format!("{}: no `{name}`", self.path))
    }

    pub fn bytes(&self, name: &str) -> Result<Vec<u8>, String> {
        learn_mtls::hex::decode_vec(self.value(name)?)
            .map_err(|_| format!("{}: `{name}` is not hex", self.path))
    }

    pub fn array32(&self, name: &str) -> Result<[u8; 32], String> {
        self.bytes(name)?
            .try_into()
            .map_err(|_| format!("{}: `{name}` is not 32 bytes", self.path))
    }

    /// Fails, naming the value, unless the run made exactly these bytes.
    pub fn check(&self, name: &str, made: &[u8]) -> Result<(), String> {
        if self.bytes(name)? == made {
            Ok(())
        } else {
            Err(format!(
                "the library's `{name}` differs from {}: run `cargo test --test golden_transcripts` and `--test lesson15_golden`",
                self.path
            ))
        }
    }
}

fn seal(session: &mut Session, plaintext: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = vec![0u8; HEADER_LEN + plaintext.len() + TAG_LEN];
    let len = session
        .seal(plaintext, &mut out)
        .map_err(|e| format!("seal: {e}"))?;
    out.truncate(len);
    Ok(out)
}

fn error(e: impl std::fmt::Display) -> String {
    format!("the handshake failed: {e}")
}

/// Lesson 10's server-only handshake, `lesson10-transcript.txt`.
pub fn lesson10() -> Result<Run, String> {
    let golden = Golden::load("lesson10-transcript.txt")?;
    let binding = Binding::Transcript;
    let server_key = IdentityKey::from_secret_bytes(&golden.array32("server_secret")?);
    let mut client_rng = ChaCha20Rng::from_seed(golden.array32("client_rng_seed")?);
    let mut server_rng = ChaCha20Rng::from_seed(golden.array32("server_rng_seed")?);

    let (client, hello) = server_only::Client::start(&mut client_rng, server_key.public(), binding);
    let (mut server, server_hello) = server_only::Server::new(&server_key, binding)
        .read_client_hello(&mut server_rng, &hello)
        .map_err(error)?;
    let mut client = client.read_server_hello(&server_hello).map_err(error)?;
    let record = seal(&mut client, b"hello")?;
    let mut copy = record.clone();
    let plaintext = server.open_in_place(&mut copy).map_err(error)?.to_vec();

    let m1 = hello.to_bytes().to_vec();
    let m2 = server_hello.to_bytes().to_vec();
    golden.check("message1", &m1)?;
    golden.check("message2", &m2)?;
    golden.check("client_record_1", &record)?;
    let [(n1, f1), (n2, f2), _] = layout::MUTUAL;
    Ok(Run {
        source: golden.path,
        binding: Some(binding),
        messages: vec![
            Message {
                name: n1.into(),
                from: From::Client,
                bytes: m1,
                fields: f1.to_vec(),
            },
            Message {
                name: n2.into(),
                from: From::Server,
                bytes: m2,
                fields: f2.to_vec(),
            },
        ],
        first_record: record,
        first_plaintext: plaintext,
        accepted: None,
    })
}

/// Lesson 11's mutual handshake under `binding`, from its golden file.
pub fn lesson11(binding: Binding) -> Result<Run, String> {
    let golden = Golden::load(match binding {
        Binding::InsecureLesson11 => "mutual-lesson11.txt",
        Binding::Transcript => "mutual-transcript.txt",
    })?;
    let server_key = IdentityKey::from_secret_bytes(&golden.array32("server_secret")?);
    let client_key = IdentityKey::from_secret_bytes(&golden.array32("client_secret")?);
    let mut client_rng = ChaCha20Rng::from_seed(golden.array32("client_rng_seed")?);
    let mut server_rng = ChaCha20Rng::from_seed(golden.array32("server_rng_seed")?);
    // The golden runs pin the client as "golden".
    let name = ClientName::new("golden").map_err(error)?;
    let policy = PinnedClient::new(client_key.public(), name);

    let (client, hello) =
        mutual::Client::start(&mut client_rng, &client_key, server_key.public(), binding);
    let (server, server_hello) = mutual::Server::new(&server_key, binding)
        .read_client_hello(&mut server_rng, &hello)
        .map_err(error)?;
    let (mut client, auth) = client.read_server_hello(&server_hello).map_err(error)?;
    let verified = server.read_client_auth(&auth, &policy).map_err(error)?;
    let record = seal(&mut client, b"hello")?;
    let mut copy = record.clone();
    let (accepted, plaintext) = match verified {
        ClientVerified::Accepted(accepted) => {
            let mut session = accepted.session;
            let plaintext = session.open_in_place(&mut copy).map_err(error)?.to_vec();
            (accepted.client.name.as_str().to_owned(), plaintext)
        }
        ClientVerified::ExpectKeyConfirmation(pending) => {
            let (accepted, plaintext) = pending.confirm(&mut copy).map_err(error)?;
            let plaintext = plaintext.to_vec();
            (accepted.client.name.as_str().to_owned(), plaintext)
        }
    };

    let bytes = [
        hello.to_bytes().to_vec(),
        server_hello.to_bytes().to_vec(),
        auth.to_bytes().to_vec(),
    ];
    for (i, message) in bytes.iter().enumerate() {
        golden.check(&format!("message{}", i + 1), message)?;
    }
    golden.check("client_record_1", &record)?;
    let froms = [From::Client, From::Server, From::Client];
    let messages = layout::MUTUAL
        .iter()
        .zip(bytes)
        .zip(froms)
        .map(|(((name, fields), bytes), from)| Message {
            name: (*name).into(),
            from,
            bytes,
            fields: fields.to_vec(),
        })
        .collect();
    Ok(Run {
        source: golden.path,
        binding: Some(binding),
        messages,
        first_record: record,
        first_plaintext: plaintext,
        accepted: Some(accepted),
    })
}

/// Lesson 15's certified handshake: alice to api.internal, one
/// certificate each, from `lesson15-certificates.txt` (whose header names
/// the seeds: server `S`, alice `A`, each 32 times; client randomness
/// `[1; 32]`, server `[2; 32]`).
pub fn lesson15() -> Result<Run, String> {
    let golden = Golden::load("lesson15-certificates.txt")?;
    let certificate = |name: &str| -> Result<Certificate, String> {
        Certificate::from_bytes(&golden.bytes(name)?)
            .map_err(|e| format!("{}: `{name}`: {e}", golden.path))
    };
    let now: u64 = golden
        .value("now")?
        .parse()
        .map_err(|_| format!("{}: `now` is not a number", golden.path))?;
    let root = Root::new(certificate("root_certificate")?).map_err(error)?;
    let server_chain = Chain::leaf(certificate("server_certificate")?);
    let client_chain = Chain::leaf(certificate("alice_certificate")?);
    let (server_key, alice_key) = (
        IdentityKey::from_secret_bytes(&[b'S'; 32]),
        IdentityKey::from_secret_bytes(&[b'A'; 32]),
    );
    let server_name = ClientName::new("api.internal").map_err(error)?;

    let (client, m1) = certified::Client::start(
        &mut ChaCha20Rng::from_seed([1; 32]),
        &alice_key,
        &client_chain,
        Verifier::new(&root, now),
        server_name,
        KeySchedule::Hkdf,
    );
    let (server, m2) = certified::Server::new(&server_key, &server_chain, KeySchedule::Hkdf)
        .read_client_hello(&mut ChaCha20Rng::from_seed([2; 32]), &m1)
        .map_err(error)?;
    let (mut session, m3, _server_peer) = client.read_server_hello(&m2).map_err(error)?;
    let pending = server
        .read_client_auth(&m3, &Verifier::new(&root, now))
        .map_err(error)?;
    let record = seal(&mut session, b"hello")?;
    let mut copy = record.clone();
    let (accepted, plaintext) = pending.confirm(&mut copy).map_err(error)?;
    let (accepted, plaintext) = (accepted.client.name.as_str().to_owned(), plaintext.to_vec());

    let (b1, b2, b3) = (
        m1.to_bytes().to_vec(),
        m2.encode().as_bytes().to_vec(),
        m3.encode().as_bytes().to_vec(),
    );
    golden.check("message1", &b1)?;
    golden.check("message2", &b2)?;
    golden.check("message3", &b3)?;
    Ok(Run {
        source: golden.path,
        binding: None,
        messages: vec![
            Message {
                name: "ClientHello".into(),
                from: From::Client,
                bytes: b1,
                fields: layout::CLIENT_HELLO.to_vec(),
            },
            Message {
                name: "CertifiedServerHello".into(),
                from: From::Server,
                bytes: b2,
                fields: server_hello_layout(m2.chain.len()).to_vec(),
            },
            Message {
                name: "CertifiedClientAuth".into(),
                from: From::Client,
                bytes: b3,
                fields: client_auth_layout(m3.chain.len()).to_vec(),
            },
        ],
        first_record: record,
        first_plaintext: plaintext,
        accepted: Some(accepted),
    })
}

/// The certificate fields inside a `chain` field: each certificate's
/// [`cert::LAYOUT`], moved to where that certificate starts.
pub fn certificates_in(chain: &Field) -> Vec<(usize, Vec<Field>)> {
    (0..chain.len / cert::CERTIFICATE_LEN)
        .map(|i| {
            let start = chain.offset + i * cert::CERTIFICATE_LEN;
            let fields = cert::LAYOUT
                .iter()
                .map(|f| Field {
                    offset: start + f.offset,
                    ..*f
                })
                .collect();
            (i, fields)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use learn_mtls::wire::{CLIENT_AUTH_LEN, CLIENT_HELLO_LEN, SERVER_HELLO_LEN};

    fn tile(fields: &[Field], len: usize) {
        assert!(layout::tiles(fields, len), "{fields:?} do not tile {len}");
    }

    #[test]
    fn lesson10_is_128_bytes_and_matches_its_golden_file() {
        let run = lesson10().unwrap();
        assert_eq!(run.handshake_len(), 128);
        assert_eq!(run.messages[0].bytes.len(), CLIENT_HELLO_LEN);
        assert_eq!(run.messages[1].bytes.len(), SERVER_HELLO_LEN);
        assert_eq!(run.first_plaintext, b"hello");
    }

    #[test]
    fn lesson11_is_224_bytes_under_both_bindings() {
        for binding in [Binding::InsecureLesson11, Binding::Transcript] {
            let run = lesson11(binding).unwrap();
            assert_eq!(run.handshake_len(), 224);
            let lens: Vec<usize> = run.messages.iter().map(|m| m.bytes.len()).collect();
            assert_eq!(lens, [CLIENT_HELLO_LEN, SERVER_HELLO_LEN, CLIENT_AUTH_LEN]);
            for m in &run.messages {
                tile(&m.fields, m.bytes.len());
            }
            assert_eq!(run.accepted.as_deref(), Some("golden"));
        }
    }

    #[test]
    fn lesson15_is_634_bytes_and_its_certificates_tile_the_chains() {
        let run = lesson15().unwrap();
        assert_eq!(run.handshake_len(), 634);
        for m in &run.messages {
            tile(&m.fields, m.bytes.len());
            for chain in m.fields.iter().filter(|f| f.name == "chain") {
                let certs = certificates_in(chain);
                assert_eq!(certs.len(), 1);
                let cert_fields: Vec<Field> = certs
                    .iter()
                    .flat_map(|(_, f)| f.iter().copied())
                    .map(|f| Field {
                        offset: f.offset - chain.offset,
                        ..f
                    })
                    .collect();
                tile(&cert_fields, chain.len);
            }
        }
        assert_eq!(run.accepted.as_deref(), Some("alice"));
    }

    #[test]
    fn a_changed_golden_byte_is_named() {
        let golden = Golden {
            path: "x.txt".into(),
            text: "message1 = 00ff\n".into(),
        };
        assert!(golden.check("message1", &[0, 0xff]).is_ok());
        let e = golden.check("message1", &[0, 0xfe]).unwrap_err();
        assert!(e.contains("`message1` differs from x.txt"), "{e}");
    }
}

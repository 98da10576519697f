//! The Lesson 11 handshake between two variables, checked byte for byte
//! against the golden transcripts.
//!
//! In [`run`], client and server run in the same memory, each step's
//! output handed to the other side as the network would. In
//! [`client_alone`] and [`server_alone`], one side runs against the other
//! side's bytes as recorded in the file, as one device would. Every message
//! and record is compared with the vector file, so a 32-bit device must
//! produce exactly the bytes the host produced.

use core::fmt;

use chacha20::ChaCha20Rng;
use learn_mtls::handshake::mutual::{self, ClientVerified};
use learn_mtls::handshake::{Binding, HandshakeError};
use learn_mtls::keys::IdentityKey;
use learn_mtls::rand_core::SeedableRng;
use learn_mtls::record::{HEADER_LEN, RecordError, Session, TAG_LEN};
use learn_mtls::trust::{ClientName, PinnedClient};
use learn_mtls::wire::{ClientAuth, ClientHello, ServerHello};

use crate::golden::{VectorError, Vectors};

/// The plaintexts of the golden transcripts' records.
const HELLO: &[u8] = b"hello";
const AGAIN: &[u8] = b"again";

/// A record carrying five bytes: `hello` or `again`.
const RECORD_LEN: usize = HEADER_LEN + 5 + TAG_LEN;

/// Watches each step of a run: [`Unwatched`] for the plain run, or one
/// that measures the stack and instructions each step takes.
pub trait Probe {
    /// Runs one step, named for the report.
    fn step<T>(&mut self, name: &'static str, f: impl FnOnce() -> T) -> T;
}

/// Runs each step and nothing more.
pub struct Unwatched;

impl Probe for Unwatched {
    fn step<T>(&mut self, _name: &'static str, f: impl FnOnce() -> T) -> T {
        f()
    }
}

/// What a run proved.
#[derive(Clone, Copy, Debug)]
pub struct Outcome {
    /// Handshake bytes exchanged (32 + 96 + 96).
    pub handshake_bytes: usize,
    /// Records sealed and opened, both directions.
    pub records: usize,
}

/// Runs the mutual handshake under `binding` with the inputs of its golden
/// transcript, then records both ways, checking everything.
///
/// # Errors
/// The first step that failed or produced bytes other than the golden ones.
#[inline(never)] // its own frame, so the stack figures are attributable
pub fn run(binding: Binding, probe: &mut impl Probe) -> Result<Outcome, Failure> {
    let vectors = Vectors::mutual(binding);
    let fail = Fail { binding, vectors };

    let (server_secret, client_secret) = (
        vectors.array("server_secret")?,
        vectors.array("client_secret")?,
    );
    // Expanding a 32-byte seed into a signing key hashes it and multiplies
    // the base point: a device does this once at boot, not per handshake.
    let (server_key, client_key) = probe.step("both: load identity keys (once per boot)", || {
        (
            IdentityKey::from_secret_bytes(&server_secret),
            IdentityKey::from_secret_bytes(&client_secret),
        )
    });
    // DEMONSTRATION ONLY. A seeded generator makes every "random" byte
    // predictable: anyone with the seed has the ephemeral secrets and so the
    // session keys. It is here only because QEMU's boards have no hardware
    // generator and because it makes the run comparable with the host's
    // golden transcript. A real device draws from its TRNG (see
    // lessons/11-on-a-device.md).
    let mut client_rng = ChaCha20Rng::from_seed(vectors.array("client_rng_seed")?);
    let mut server_rng = ChaCha20Rng::from_seed(vectors.array("server_rng_seed")?);
    let policy = PinnedClient::new(
        client_key.public(),
        ClientName::new("device").map_err(|_| fail.unexpected("the client name is refused"))?,
    );

    // -> message 1: client_share
    let server_public = server_key.public();
    let (client, hello) = probe.step("client: start, message 1", || {
        mutual::Client::start(&mut client_rng, &client_key, server_public, binding)
    });
    fail.compare("message1", &hello.to_bytes())?;

    // <- message 2: server_share || server_signature
    let (server, server_hello) = probe
        .step("server: message 1 -> message 2", || {
            mutual::Server::new(&server_key, binding).read_client_hello(&mut server_rng, &hello)
        })
        .map_err(|e| fail.handshake("the server reading message 1", e))?;
    fail.compare("message2", &server_hello.to_bytes())?;

    // -> message 3: client_signature || client_key
    let (client, auth) = probe
        .step("client: message 2 -> message 3", || {
            client.read_server_hello(&server_hello)
        })
        .map_err(|e| fail.handshake("the client reading message 2", e))?;
    fail.compare("message3", &auth.to_bytes())?;

    let verified = probe
        .step("server: message 3, policy", || {
            server.read_client_auth(&auth, &policy)
        })
        .map_err(|e| fail.handshake("the server reading message 3", e))?;

    // -> the client's first record; under the transcript binding it is the
    // key confirmation, and only once it opens is the client authenticated.
    probe.step("both: key confirmation, 3 records", || {
        records(&fail, binding, client, verified)
    })?;

    Ok(Outcome {
        handshake_bytes: hello.to_bytes().len()
            + server_hello.to_bytes().len()
            + auth.to_bytes().len(),
        records: 3,
    })
}

/// The client's first record (under the transcript binding, the key
/// confirmation), a second one, and one from the server, all checked.
fn records(
    fail: &Fail,
    binding: Binding,
    mut client: Session,
    verified: ClientVerified,
) -> Result<(), Failure> {
    let mut record = [0u8; RECORD_LEN];
    seal(fail, &mut client, HELLO, &mut record, "client_record_1")?;
    let mut server = server_accepts(fail, binding, verified, &mut record)?;

    // -> a second client record: its nonce uses counter 1.
    seal(fail, &mut client, AGAIN, &mut record, "client_record_2")?;
    open(fail, &mut server, &mut record, AGAIN, "client_record_2")?;

    // <- one record from the server; a forged copy must fail first, and
    // leave the client able to open the genuine one.
    seal(fail, &mut server, HELLO, &mut record, "server_record_1")?;
    let mut forged = record;
    forged[HEADER_LEN] ^= 1;
    match client.open_in_place(&mut forged) {
        Err(RecordError::Forged) => {}
        _ => return Err(fail.unexpected("a forged server record was not refused")),
    }
    open(fail, &mut client, &mut record, HELLO, "server_record_1")?;

    Ok(())
}

/// The server's last step: under the transcript binding the client's first
/// record must open before the client counts as authenticated (key
/// confirmation); under lesson11 the client is in already and the record
/// is simply opened. Either way the record must carry `hello`.
fn server_accepts(
    fail: &Fail,
    binding: Binding,
    verified: ClientVerified,
    first_record: &mut [u8; RECORD_LEN],
) -> Result<Session, Failure> {
    match (binding, verified) {
        (Binding::Transcript, ClientVerified::ExpectKeyConfirmation(pending)) => {
            let (accepted, first) = pending
                .confirm(first_record)
                .map_err(|e| fail.handshake("the server confirming keys", e))?;
            if first != HELLO {
                return Err(fail.unexpected("key confirmation returned the wrong plaintext"));
            }
            Ok(accepted.session)
        }
        (Binding::InsecureLesson11, ClientVerified::Accepted(accepted)) => {
            let mut session = accepted.session;
            open(fail, &mut session, first_record, HELLO, "client_record_1")?;
            Ok(session)
        }
        (Binding::Transcript, _) => {
            Err(fail.unexpected("the server accepted without key confirmation"))
        }
        (_, _) => Err(fail.unexpected("lesson11 asked for key confirmation")),
    }
}

/// The client alone, as a sensor runs it: its own messages and records are
/// computed and checked, the server's are the recorded ones from the file,
/// as if they had arrived over the network.
///
/// # Errors
/// As [`run`].
#[inline(never)]
pub fn client_alone(binding: Binding) -> Result<(), Failure> {
    let vectors = Vectors::mutual(binding);
    let fail = Fail { binding, vectors };
    let client_key = IdentityKey::from_secret_bytes(&vectors.array("client_secret")?);
    // The pinned server key: a device keeps it in flash. The file has the
    // server's secret only, so its public half is computed here.
    let server_public = IdentityKey::from_secret_bytes(&vectors.array("server_secret")?).public();
    // DEMONSTRATION ONLY: the golden transcript's seed, as in `run`.
    let mut rng = ChaCha20Rng::from_seed(vectors.array("client_rng_seed")?);

    let (client, hello) = mutual::Client::start(&mut rng, &client_key, server_public, binding);
    fail.compare("message1", &hello.to_bytes())?;
    let server_hello = ServerHello::from_bytes(&vectors.array("message2")?);
    let (mut session, auth) = client
        .read_server_hello(&server_hello)
        .map_err(|e| fail.handshake("the client reading message 2", e))?;
    fail.compare("message3", &auth.to_bytes())?;

    let mut record = [0u8; RECORD_LEN];
    seal(&fail, &mut session, HELLO, &mut record, "client_record_1")?;
    seal(&fail, &mut session, AGAIN, &mut record, "client_record_2")?;
    let mut record = vectors.array("server_record_1")?;
    open(&fail, &mut session, &mut record, HELLO, "server_record_1")
}

/// The server alone: the client's messages and records are the recorded
/// ones from the file.
///
/// # Errors
/// As [`run`].
#[inline(never)]
pub fn server_alone(binding: Binding) -> Result<(), Failure> {
    let vectors = Vectors::mutual(binding);
    let fail = Fail { binding, vectors };
    let server_key = IdentityKey::from_secret_bytes(&vectors.array("server_secret")?);
    let client_public = IdentityKey::from_secret_bytes(&vectors.array("client_secret")?).public();
    let policy = PinnedClient::new(
        client_public,
        ClientName::new("device").map_err(|_| fail.unexpected("the client name is refused"))?,
    );
    // DEMONSTRATION ONLY: the golden transcript's seed, as in `run`.
    let mut rng = ChaCha20Rng::from_seed(vectors.array("server_rng_seed")?);

    let hello = ClientHello::from_bytes(&vectors.array("message1")?);
    let (server, server_hello) = mutual::Server::new(&server_key, binding)
        .read_client_hello(&mut rng, &hello)
        .map_err(|e| fail.handshake("the server reading message 1", e))?;
    fail.compare("message2", &server_hello.to_bytes())?;
    let auth = ClientAuth::from_bytes(&vectors.array("message3")?);
    let verified = server
        .read_client_auth(&auth, &policy)
        .map_err(|e| fail.handshake("the server reading message 3", e))?;

    let mut record = vectors.array("client_record_1")?;
    let mut session = server_accepts(&fail, binding, verified, &mut record)?;
    let mut record = vectors.array("client_record_2")?;
    open(&fail, &mut session, &mut record, AGAIN, "client_record_2")?;
    let mut record = [0u8; RECORD_LEN];
    seal(&fail, &mut session, HELLO, &mut record, "server_record_1")
}

/// Seals `plaintext` and checks the record against the file.
fn seal(
    fail: &Fail,
    session: &mut Session,
    plaintext: &[u8],
    record: &mut [u8; RECORD_LEN],
    name: &'static str,
) -> Result<(), Failure> {
    let len = session
        .seal(plaintext, record)
        .map_err(|e| fail.record(name, "sealing", e))?;
    if len != RECORD_LEN {
        return Err(fail.unexpected("a sealed record has the wrong length"));
    }
    fail.compare(name, record)
}

/// Opens `record` in place and checks its plaintext.
fn open(
    fail: &Fail,
    session: &mut Session,
    record: &mut [u8; RECORD_LEN],
    expected: &[u8],
    name: &'static str,
) -> Result<(), Failure> {
    let plaintext = session
        .open_in_place(record)
        .map_err(|e| fail.record(name, "opening", e))?;
    if plaintext != expected {
        return Err(fail.unexpected("a record opened to the wrong plaintext"));
    }
    Ok(())
}

/// Builds failures that name the binding and the file.
struct Fail {
    binding: Binding,
    vectors: &'static Vectors,
}

impl Fail {
    /// Checks `actual` against the value `name` in the vector file.
    fn compare<const N: usize>(&self, name: &'static str, actual: &[u8; N]) -> Result<(), Failure> {
        let expected: [u8; N] = self.vectors.array(name)?;
        if &expected == actual {
            Ok(())
        } else {
            Err(Failure::Mismatch {
                binding: self.binding,
                file: self.vectors.file,
                name,
            })
        }
    }

    fn handshake(&self, step: &'static str, error: HandshakeError) -> Failure {
        Failure::Handshake {
            binding: self.binding,
            step,
            error,
        }
    }

    fn record(&self, name: &'static str, action: &'static str, error: RecordError) -> Failure {
        Failure::Record {
            binding: self.binding,
            name,
            action,
            error,
        }
    }

    fn unexpected(&self, what: &'static str) -> Failure {
        Failure::Unexpected {
            binding: self.binding,
            what,
        }
    }
}

/// Why the run failed.
#[derive(Debug)]
pub enum Failure {
    /// A vector file is missing a value or has a malformed one.
    Vector(VectorError),
    /// A step of the handshake returned an error.
    Handshake {
        /// The binding in use.
        binding: Binding,
        /// Which step.
        step: &'static str,
        /// Its error.
        error: HandshakeError,
    },
    /// A record could not be sealed or opened.
    Record {
        /// The binding in use.
        binding: Binding,
        /// The record's name in the vector file.
        name: &'static str,
        /// `sealing` or `opening`.
        action: &'static str,
        /// Its error.
        error: RecordError,
    },
    /// The device produced bytes other than the host's.
    Mismatch {
        /// The binding in use.
        binding: Binding,
        /// The vector file.
        file: &'static str,
        /// The value that differs.
        name: &'static str,
    },
    /// A primitive measured on its own gave a wrong result.
    Primitive(&'static str),
    /// Anything else that should not happen.
    Unexpected {
        /// The binding in use.
        binding: Binding,
        /// What happened.
        what: &'static str,
    },
}

impl From<VectorError> for Failure {
    fn from(error: VectorError) -> Self {
        Self::Vector(error)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Vector(error) => write!(f, "reading the golden vectors: {error}"),
            Self::Handshake {
                binding,
                step,
                error,
            } => write!(f, "binding {binding}: {step}: {error}"),
            Self::Record {
                binding,
                name,
                action,
                error,
            } => write!(f, "binding {binding}: {action} {name}: {error}"),
            Self::Mismatch {
                binding,
                file,
                name,
            } => write!(
                f,
                "binding {binding}: `{name}` differs from {file}: this device computed other bytes than the host"
            ),
            Self::Primitive(what) => write!(f, "primitives: {what}"),
            Self::Unexpected { binding, what } => write!(f, "binding {binding}: {what}"),
        }
    }
}

//! The Lesson 11 handshake between two variables, checked byte for byte
//! against the golden transcripts, under either key exchange: X25519
//! (Lesson 11) or, with the `pq` feature, X25519 + ML-KEM-768 (Lesson 19).
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
#[cfg(feature = "pq")]
use learn_mtls::kex::X25519MlKem768;
use learn_mtls::kex::{Kex, KeyExchange, X25519};
use learn_mtls::keys::IdentityKey;
use learn_mtls::rand_core::SeedableRng;
use learn_mtls::record::{HEADER_LEN, RecordError, Session, TAG_LEN};
use learn_mtls::trust::{ClientName, PinnedClient};
use learn_mtls::wire::{ClientAuth, Message};

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

/// Which handshake a run is: the key exchange and the binding. Its
/// `Display` starts every line and error about the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run {
    /// X25519, or the hybrid X25519 + ML-KEM-768.
    pub kex: Kex,
    /// What the signatures cover.
    pub binding: Binding,
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kex {
            // The classical lines read as they did before Lesson 19.
            Kex::X25519 => write!(f, "binding {}", self.binding),
            Kex::X25519MlKem768 => write!(f, "hybrid ({}) binding {}", self.kex, self.binding),
        }
    }
}

/// What a run proved.
#[derive(Clone, Copy, Debug)]
pub struct Outcome {
    /// Handshake bytes exchanged (32 + 96 + 96, or 1,216 + 1,184 + 96).
    pub handshake_bytes: usize,
    /// Records sealed and opened, both directions.
    pub records: usize,
}

/// Runs the mutual handshake with the key exchange `kex` under `binding`
/// with the inputs of its golden transcript, then records both ways,
/// checking everything.
///
/// # Errors
/// The first step that failed or produced bytes other than the golden ones.
#[inline(never)] // its own frame, so the stack figures are attributable
pub fn run<K: KeyExchange>(
    kex: K,
    binding: Binding,
    probe: &mut impl Probe,
) -> Result<Outcome, Failure> {
    let fail = Fail::new::<K>(binding)?;
    let vectors = fail.vectors;

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

    // -> message 1: client_share (hybrid: encapsulation_key || client_share)
    let server_public = server_key.public();
    let (client, hello) = probe.step("client: start, message 1", || {
        mutual::Client::start_kex(&mut client_rng, kex, &client_key, server_public, binding)
    });
    fail.compare("message1", hello.encode().as_ref())?;

    // <- message 2: server_share || server_signature (hybrid: the
    // ciphertext first)
    let (server, server_hello) = probe
        .step("server: message 1 -> message 2", || {
            mutual::Server::with_kex(&server_key, binding, kex)
                .read_client_hello(&mut server_rng, &hello)
        })
        .map_err(|e| fail.handshake("the server reading message 1", e))?;
    fail.compare("message2", server_hello.encode().as_ref())?;

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
        handshake_bytes: K::ClientHello::LEN + K::ServerHello::LEN + ClientAuth::LEN,
        records: 3,
    })
}

/// [`run`] with the key exchange named by `kex`.
///
/// # Errors
/// As [`run`]; a hybrid run in a build without the `pq` feature is refused.
pub fn run_kex(kex: Kex, binding: Binding, probe: &mut impl Probe) -> Result<Outcome, Failure> {
    match kex {
        Kex::X25519 => run(X25519, binding, probe),
        #[cfg(feature = "pq")]
        Kex::X25519MlKem768 => run(X25519MlKem768, binding, probe),
        #[cfg(not(feature = "pq"))]
        Kex::X25519MlKem768 => Err(without_pq(binding)),
    }
}

/// One side of a handshake, run alone against the other's recorded bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// [`client_alone`].
    Client,
    /// [`server_alone`].
    Server,
}

/// [`client_alone`] or [`server_alone`] with the key exchange named by `kex`.
///
/// # Errors
/// As [`run_kex`].
pub fn alone(kex: Kex, binding: Binding, side: Side) -> Result<(), Failure> {
    match (kex, side) {
        (Kex::X25519, Side::Client) => client_alone(X25519, binding),
        (Kex::X25519, Side::Server) => server_alone(X25519, binding),
        #[cfg(feature = "pq")]
        (Kex::X25519MlKem768, Side::Client) => client_alone(X25519MlKem768, binding),
        #[cfg(feature = "pq")]
        (Kex::X25519MlKem768, Side::Server) => server_alone(X25519MlKem768, binding),
        #[cfg(not(feature = "pq"))]
        (Kex::X25519MlKem768, _) => Err(without_pq(binding)),
    }
}

#[cfg(not(feature = "pq"))]
fn without_pq(binding: Binding) -> Failure {
    Failure::Unexpected {
        run: Run {
            kex: Kex::X25519MlKem768,
            binding,
        },
        what: "this firmware was built without the `pq` feature",
    }
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
pub fn client_alone<K: KeyExchange>(kex: K, binding: Binding) -> Result<(), Failure> {
    let fail = Fail::new::<K>(binding)?;
    let vectors = fail.vectors;
    let client_key = IdentityKey::from_secret_bytes(&vectors.array("client_secret")?);
    // The pinned server key: a device keeps it in flash. The file has the
    // server's secret only, so its public half is computed here.
    let server_public = IdentityKey::from_secret_bytes(&vectors.array("server_secret")?).public();
    // DEMONSTRATION ONLY: the golden transcript's seed, as in `run`.
    let mut rng = ChaCha20Rng::from_seed(vectors.array("client_rng_seed")?);

    let (client, hello) =
        mutual::Client::start_kex(&mut rng, kex, &client_key, server_public, binding);
    fail.compare("message1", hello.encode().as_ref())?;
    let server_hello = K::ServerHello::decode(&vectors.message::<K::ServerHello>("message2")?);
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
pub fn server_alone<K: KeyExchange>(kex: K, binding: Binding) -> Result<(), Failure> {
    let fail = Fail::new::<K>(binding)?;
    let vectors = fail.vectors;
    let server_key = IdentityKey::from_secret_bytes(&vectors.array("server_secret")?);
    let client_public = IdentityKey::from_secret_bytes(&vectors.array("client_secret")?).public();
    let policy = PinnedClient::new(
        client_public,
        ClientName::new("device").map_err(|_| fail.unexpected("the client name is refused"))?,
    );
    // DEMONSTRATION ONLY: the golden transcript's seed, as in `run`.
    let mut rng = ChaCha20Rng::from_seed(vectors.array("server_rng_seed")?);

    let hello = K::ClientHello::decode(&vectors.message::<K::ClientHello>("message1")?);
    let (server, server_hello) = mutual::Server::with_kex(&server_key, binding, kex)
        .read_client_hello(&mut rng, &hello)
        .map_err(|e| fail.handshake("the server reading message 1", e))?;
    fail.compare("message2", server_hello.encode().as_ref())?;
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

/// Builds failures that name the run and the file.
struct Fail {
    run: Run,
    vectors: &'static Vectors,
}

impl Fail {
    /// The run of the key exchange `K` under `binding`, with its file.
    fn new<K: KeyExchange>(binding: Binding) -> Result<Self, Failure> {
        let run = Run {
            kex: K::KEX,
            binding,
        };
        let vectors = Vectors::of(K::KEX, binding).ok_or(Failure::Unexpected {
            run,
            what: "no golden transcript for this key exchange in this build",
        })?;
        Ok(Self { run, vectors })
    }

    /// Checks `actual` against the value `name` in the vector file, which
    /// must have exactly its length. Not inlined: its buffer, as long as
    /// the longest message, is on the stack only while it runs.
    #[inline(never)]
    fn compare(&self, name: &'static str, actual: &[u8]) -> Result<(), Failure> {
        let mismatch = Failure::Mismatch {
            run: self.run,
            file: self.vectors.file,
            name,
        };
        // The longest value compared: hybrid message 1.
        let mut expected = [0u8; learn_mtls::wire::HYBRID_CLIENT_HELLO_LEN];
        let expected = expected
            .get_mut(..actual.len())
            .ok_or(Failure::Unexpected {
                run: self.run,
                what: "a value longer than any message was compared",
            })?;
        self.vectors.fill(name, expected)?;
        if expected == actual {
            Ok(())
        } else {
            Err(mismatch)
        }
    }

    fn handshake(&self, step: &'static str, error: HandshakeError) -> Failure {
        Failure::Handshake {
            run: self.run,
            step,
            error,
        }
    }

    fn record(&self, name: &'static str, action: &'static str, error: RecordError) -> Failure {
        Failure::Record {
            run: self.run,
            name,
            action,
            error,
        }
    }

    fn unexpected(&self, what: &'static str) -> Failure {
        Failure::Unexpected {
            run: self.run,
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
        /// The key exchange and binding in use.
        run: Run,
        /// Which step.
        step: &'static str,
        /// Its error.
        error: HandshakeError,
    },
    /// A record could not be sealed or opened.
    Record {
        /// The key exchange and binding in use.
        run: Run,
        /// The record's name in the vector file.
        name: &'static str,
        /// `sealing` or `opening`.
        action: &'static str,
        /// Its error.
        error: RecordError,
    },
    /// The device produced bytes other than the host's.
    Mismatch {
        /// The key exchange and binding in use.
        run: Run,
        /// The vector file.
        file: &'static str,
        /// The value that differs.
        name: &'static str,
    },
    /// A primitive measured on its own gave a wrong result.
    Primitive(&'static str),
    /// Anything else that should not happen.
    Unexpected {
        /// The key exchange and binding in use.
        run: Run,
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
            Self::Handshake { run, step, error } => write!(f, "{run}: {step}: {error}"),
            Self::Record {
                run,
                name,
                action,
                error,
            } => write!(f, "{run}: {action} {name}: {error}"),
            Self::Mismatch { run, file, name } => write!(
                f,
                "{run}: `{name}` differs from {file}: this device computed other bytes than the host"
            ),
            Self::Primitive(what) => write!(f, "primitives: {what}"),
            Self::Unexpected { run, what } => write!(f, "{run}: {what}"),
        }
    }
}

//! What every handshake over a stream shares: the errors, reading and
//! writing whole messages, and the [`Channel`] a finished handshake leaves.
//! The modules beside it build on this one; it uses none of them.

// The crate is no_std; modules that need std bring its prelude in by name.
use std::prelude::rust_2024::*;

use std::boxed::Box;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;
use std::vec::Vec;

use super::deadline::Deadline;
use crate::handshake::{ExpectKeyConfirmation, HandshakeError, ServerGuess};
use crate::keys::PublicIdentity;
use crate::record::{self, HEADER_LEN, MAX_PLAINTEXT_LEN, MAX_RECORD_LEN, RecordError, Session};
use crate::wire::{ClientHello, Message, ServerHello};

/// The operating system's RNG, in the form the handshakes take.
///
/// Panics only if the operating system cannot supply randomness at all, in
/// which case no key could be made safely anyway.
pub fn os_rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
    rand_core::UnwrapErr(getrandom::SysRng)
}

/// Where a connection was when something went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Waiting for message 1.
    ClientHello,
    /// Waiting for message 2.
    ServerHello,
    /// Waiting for message 3.
    ClientAuth,
    /// Waiting for the client's first record (key confirmation).
    KeyConfirmation,
    /// Waiting for the server's first reply after the handshake.
    FirstReply,
    /// Exchanging records.
    Records,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ClientHello => "waiting for message 1 (ClientHello)",
            Self::ServerHello => "waiting for message 2 (ServerHello)",
            Self::ClientAuth => "waiting for message 3 (ClientAuth)",
            Self::KeyConfirmation => "waiting for the client's first record (key confirmation)",
            Self::FirstReply => "waiting for the server's first reply",
            Self::Records => "exchanging records",
        })
    }
}

/// Everything that can go wrong on a connection.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The handshake itself failed: a signature, a share, or the policy.
    Handshake(HandshakeError),
    /// A record could not be sealed or opened.
    Record(RecordError),
    /// The peer closed the connection before a message was complete.
    Closed(Stage),
    /// The deadline passed.
    TimedOut(Stage),
    /// Any other I/O error.
    Io(Stage, io::Error),
    /// The input to send could not be read ([`echo_lines`]).
    Input(io::Error),
    /// A line of the input to send is longer than one record carries
    /// ([`echo_lines`]).
    InputLineTooLong {
        /// The line's number, counting from 1.
        line: u64,
    },
    /// The server's signature verifies under the pinned key, but for a
    /// different handshake, binding or key schedule than this client's:
    /// the right server, speaking another lesson's protocol.
    ServerSpeaksOther(ServerGuess),
    /// The two ends run different key exchanges (`--kex`, Lesson 19): the
    /// message sizes tell which.
    KexMismatch(KexMismatch),
    /// The two ends run different identity schemes (`--identity`, Lesson
    /// 19): the message sizes tell which.
    IdentityMismatch(IdentityMismatch),
}

/// How an identity scheme mismatch showed itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdentityMismatch {
    /// This client runs ML-DSA-65 identities; the server sent exactly a
    /// message 2 with a 64-byte (Ed25519) signature and nothing more: it
    /// waits for a 96-byte message 3, as an Ed25519 server does.
    Ed25519Server,
}

impl fmt::Display for IdentityMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ed25519Server => f.write_str(
                "identity mismatch: the server sent a message 2 with a 64-byte signature and                  stopped, so it runs --identity ed25519; this client runs --identity ml-dsa-65                  (a 3,309-byte signature); both ends must use the same --identity",
            ),
        }
    }
}

/// How a key exchange mismatch showed itself: each side sees it differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KexMismatch {
    /// This client runs the hybrid key exchange; the pinned server sent a
    /// 96-byte classical message 2, signed with its key over the first 32
    /// bytes of our message 1, and closed: it runs X25519 alone.
    ClassicalServer,
    /// This server runs the hybrid key exchange; the client sent a 32-byte
    /// message 1 and waited: it runs X25519 alone.
    ClassicalClient,
    /// This server runs X25519 alone; what it took for messages 1 and 3 is
    /// the start of an ML-KEM-768 encapsulation key (every 12-bit
    /// coefficient below 3329): the client runs the hybrid key exchange.
    HybridClient(HandshakeError),
}

impl fmt::Display for KexMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ClassicalServer => f.write_str(
                "key exchange mismatch: the pinned server answered with a 96-byte classical \
                 message 2 and closed, so it runs --kex x25519; this client runs --kex \
                 x25519-mlkem768 (a 1,184-byte message 2); both ends must use the same --kex",
            ),
            Self::ClassicalClient => f.write_str(
                "key exchange mismatch: the client sent a 32-byte message 1 and stopped, so it \
                 runs --kex x25519; this server runs --kex x25519-mlkem768 and expects 1,216 \
                 bytes; both ends must use the same --kex",
            ),
            Self::HybridClient(error) => write!(
                f,
                "key exchange mismatch: {error}, and the 128 bytes taken for messages 1 and 3 \
                 read as the start of an ML-KEM-768 encapsulation key, so the client runs --kex \
                 x25519-mlkem768; this server runs --kex x25519; both ends must use the same --kex"
            ),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Handshake(e) => write!(f, "{e}"),
            Self::Record(e) => write!(f, "{e}"),
            Self::Closed(stage) => write!(f, "the connection closed while {stage}"),
            Self::TimedOut(stage) => write!(f, "timed out while {stage}"),
            Self::Io(stage, e) => write!(f, "I/O error while {stage}: {e}"),
            Self::Input(e) => write!(f, "cannot read the input to send: {e}"),
            Self::InputLineTooLong { line } => write!(
                f,
                "line {line} of the input is longer than {MAX_PLAINTEXT_LEN} bytes, \
                 the most one record carries"
            ),
            Self::ServerSpeaksOther(guess) => write!(
                f,
                "the pinned server answered, but {guess}; both ends must run the same lesson, \
                 --binding and --schedule"
            ),
            Self::KexMismatch(mismatch) => write!(f, "{mismatch}"),
            Self::IdentityMismatch(mismatch) => write!(f, "{mismatch}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Handshake(e) => Some(e),
            Self::Record(e) => Some(e),
            Self::Io(_, e) | Self::Input(e) => Some(e),
            Self::Closed(_)
            | Self::TimedOut(_)
            | Self::InputLineTooLong { .. }
            | Self::ServerSpeaksOther(_)
            | Self::KexMismatch(_)
            | Self::IdentityMismatch(_) => None,
        }
    }
}

impl From<HandshakeError> for Error {
    fn from(e: HandshakeError) -> Self {
        Self::Handshake(e)
    }
}

impl From<RecordError> for Error {
    fn from(e: RecordError) -> Self {
        Self::Record(e)
    }
}

/// Turns an I/O error into the error a learner should read.
pub(super) fn io_error(stage: Stage, e: io::Error) -> Error {
    match e.kind() {
        io::ErrorKind::UnexpectedEof
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => Error::Closed(stage),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Error::TimedOut(stage),
        _ => Error::Io(stage, e),
    }
}

pub(super) fn read_array<const N: usize>(
    stream: &mut impl Read,
    stage: Stage,
) -> Result<[u8; N], Error> {
    let mut bytes = [0u8; N];
    stream
        .read_exact(&mut bytes)
        .map_err(|e| io_error(stage, e))?;
    Ok(bytes)
}

/// Reads one fixed-size message; on failure, also how many of its bytes
/// had come, which tells a key exchange mismatch apart (Lesson 19).
pub(super) fn read_message<M: Message>(
    stream: &mut impl Read,
    stage: Stage,
) -> Result<M, Partial<M>> {
    let mut bytes = M::zeroed();
    let mut got = 0;
    while got < M::LEN {
        match stream.read(&mut bytes.as_mut()[got..]) {
            Ok(0) => {
                let error = Error::Closed(stage);
                return Err(Partial { error, bytes, got });
            }
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                let error = io_error(stage, e);
                return Err(Partial { error, bytes, got });
            }
        }
    }
    Ok(M::decode(&bytes))
}

/// A message that did not arrive whole: why, and the bytes that did.
pub(super) struct Partial<M: Message> {
    pub(super) error: Error,
    pub(super) bytes: M::Bytes,
    pub(super) got: usize,
}

pub(super) fn write_all(stream: &mut impl Write, bytes: &[u8], stage: Stage) -> Result<(), Error> {
    stream
        .write_all(bytes)
        .and_then(|()| stream.flush())
        .map_err(|e| io_error(stage, e))
}

/// Reads one whole record into `buf`; returns its length, or `None` on a
/// clean end of stream before the first byte.
pub(super) fn read_record(
    stream: &mut impl Read,
    buf: &mut [u8],
    stage: Stage,
) -> Result<Option<usize>, Error> {
    let mut header = [0u8; HEADER_LEN];
    let mut filled = 0;
    while filled < HEADER_LEN {
        match stream.read(&mut header[filled..]) {
            Ok(0) if filled == 0 => return Ok(None),
            Ok(0) => return Err(Error::Closed(stage)),
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_error(stage, e)),
        }
    }
    // Refuse an impossible length before waiting for any of its bytes.
    let body = record::body_len(header)?;
    let len = HEADER_LEN + body;
    buf[..HEADER_LEN].copy_from_slice(&header);
    stream
        .read_exact(&mut buf[HEADER_LEN..len])
        .map_err(|e| io_error(stage, e))?;
    Ok(Some(len))
}

/// An authenticated, encrypted connection that carries whole messages.
pub struct Channel<S> {
    pub(super) stream: S,
    pub(super) session: Session,
    pub(super) buf: Box<[u8; MAX_RECORD_LEN]>,
    /// A message that arrived with key confirmation, not yet handed out.
    pub(super) early: Option<Vec<u8>>,
}

impl<S: Read + Write> Channel<S> {
    pub(super) fn new(stream: S, session: Session) -> Self {
        Self {
            stream,
            session,
            buf: Box::new([0u8; MAX_RECORD_LEN]),
            early: None,
        }
    }

    /// Sends one message (at most [`record::MAX_PLAINTEXT_LEN`] bytes) as one record.
    ///
    /// # Errors
    /// [`Error::Record`] if the message is too long, or an I/O error.
    pub fn send(&mut self, message: &[u8]) -> Result<(), Error> {
        let len = self.session.seal(message, &mut self.buf[..])?;
        write_all(&mut self.stream, &self.buf[..len], Stage::Records)
    }

    /// Receives one message; `None` when the peer has closed cleanly.
    ///
    /// # Errors
    /// [`Error::Record`] for a record that does not open (the connection
    /// should then be dropped), [`Error::Closed`] for a record cut short.
    pub fn recv(&mut self) -> Result<Option<Vec<u8>>, Error> {
        if let Some(message) = self.early.take() {
            return Ok(Some(message));
        }
        let Some(len) = read_record(&mut self.stream, &mut self.buf[..], Stage::Records)? else {
            return Ok(None);
        };
        let plaintext = self.session.open_in_place(&mut self.buf[..len])?;
        Ok(Some(plaintext.to_vec()))
    }

    /// The underlying stream.
    pub fn get_ref(&self) -> &S {
        &self.stream
    }
}

impl Channel<TcpStream> {
    /// Ends a session that stays silent too long: [`Channel::recv`] then
    /// fails with [`Error::TimedOut`]. A server should always set one, or
    /// every client that connects and goes quiet keeps a thread and a
    /// socket forever. `None` waits forever.
    ///
    /// # Errors
    /// The operating system's, if it refuses the timeout.
    pub fn set_idle_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        // A zero timeout means "none" to the OS; the shortest real one is 1 ns.
        let timeout = timeout.map(|t| t.max(Duration::from_nanos(1)));
        self.stream.set_read_timeout(timeout)?;
        self.stream.set_write_timeout(timeout)
    }

    /// Receives one message under two clocks: waiting for its first byte
    /// takes at most `idle` (`None`: for ever), and from its first byte to
    /// its last at most `record`, however the peer paces them. With the
    /// idle timeout alone, a peer that sends one byte a little more often
    /// than `idle` holds the connection for ever, since every byte restarts
    /// the clock; this is HAProxy's `timeout http-request` next to its
    /// `timeout client`.
    ///
    /// # Errors
    /// As [`Channel::recv`]; [`Error::TimedOut`] when either clock runs out.
    pub fn recv_within(
        &mut self,
        idle: Option<Duration>,
        record: Duration,
    ) -> Result<Option<Vec<u8>>, Error> {
        if let Some(message) = self.early.take() {
            return Ok(Some(message));
        }
        let idle = idle.map(|t| t.max(Duration::from_nanos(1)));
        self.stream
            .set_read_timeout(idle)
            .map_err(|e| Error::Io(Stage::Records, e))?;
        // Usually the whole header comes in the first read.
        let mut header = [0u8; HEADER_LEN];
        let got = loop {
            match self.stream.read(&mut header) {
                Ok(0) => return Ok(None),
                Ok(got) => break got,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_error(Stage::Records, e)),
            }
        };
        // The record's clock starts with its first byte.
        let mut rest = (&header[..got]).chain(Deadline::new(&self.stream, record));
        let len = read_record(&mut rest, &mut self.buf[..], Stage::Records)?
            .ok_or(Error::Closed(Stage::Records))?;
        let plaintext = self.session.open_in_place(&mut self.buf[..len])?;
        Ok(Some(plaintext.to_vec()))
    }
}

impl<S> fmt::Debug for Channel<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Channel")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

/// A message 2 whose signature did not verify: if it verifies for another
/// handshake, binding or schedule, say which ([`Error::ServerSpeaksOther`]).
pub(super) fn diagnose(
    error: HandshakeError,
    server: &PublicIdentity,
    hello: &ClientHello,
    server_hello: &ServerHello,
) -> Error {
    match error {
        HandshakeError::ServerSignatureInvalid => {
            ServerGuess::from_server_hello(server, hello, server_hello)
                .map_or(Error::Handshake(error), Error::ServerSpeaksOther)
        }
        other => Error::Handshake(other),
    }
}
/// Key confirmation, for every handshake that ends with it: reads the
/// client's first record, opens it under the session's keys (which proves
/// the client derived them), and makes the channel, which keeps the buffer
/// the record arrived in and any message it carried.
pub(super) fn confirm_keys<S: Read + Write, P>(
    mut stream: S,
    pending: ExpectKeyConfirmation<P>,
) -> Result<(Channel<S>, P), Error> {
    let mut buf = Box::new([0u8; MAX_RECORD_LEN]);
    let len = read_record(&mut stream, &mut buf[..], Stage::KeyConfirmation)?
        .ok_or(Error::Closed(Stage::KeyConfirmation))?;
    let (accepted, first) = pending.confirm(&mut buf[..len])?;
    let early = early_message(first);
    let channel = Channel {
        stream,
        session: accepted.session,
        buf,
        early,
    };
    Ok((channel, accepted.client))
}

/// The message a confirming first record carried, kept for the first
/// `recv` (an empty record confirms and carries none).
pub(super) fn early_message(first: &[u8]) -> Option<Vec<u8>> {
    (!first.is_empty()).then(|| first.to_vec())
}

//! The handshakes over blocking streams: TCP, pipes, anything `Read + Write`.
//!
//! This is the only module that does I/O. It reads each handshake message
//! as a fixed-size array, hands it to the state machine, writes the answer,
//! and finally wraps the stream and the session in a [`Channel`] that
//! sends and receives whole messages as records.
//!
//! Over TCP, the `*_tcp` functions put a deadline on the whole handshake
//! (not on each read), so a peer that trickles one byte at a time cannot
//! hold a connection open forever; after the handshake a server bounds both
//! the silence before a record and the record itself
//! ([`Channel::recv_within`]). [`serve`] caps handshakes in progress
//! (evicting the oldest when full), open connections and file descriptors
//! ([`Limits`]); [`KeySessions`] caps the sessions of one key; [`log`] is a
//! log that never blocks or panics. Lesson 14 explains each.

// The crate is no_std; modules that need std bring its prelude in by name.
use std::prelude::rust_2024::*;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::handshake::{Config, server_only};
use crate::kex::Kex;
use crate::keys::{IdentityKey, PublicIdentity};
use crate::trust::{ClientIdentity, TrustPolicy};
use crate::wire::{CLIENT_HELLO_LEN, ClientHello, SERVER_HELLO_LEN, ServerHello};

mod admission;
/// Lesson 15: the certified handshake over the same plumbing.
pub mod certified;
mod channel;
mod deadline;
mod echo;
pub mod log;
#[cfg(feature = "pq")]
mod ml_dsa_io;
mod mutual_io;
mod serve;
#[cfg(feature = "tokio")]
pub mod tokio;
pub use admission::{
    Admission, Admitted, Busy, DESCRIPTORS_KEPT_FREE, HandshakeSlots, KeySession, KeySessions,
    Limits, PendingHandshakes, ReserveReleased, Slot, WhenFull, descriptor_limit,
};
pub use channel::{Channel, Error, IdentityMismatch, KexMismatch, Stage, os_rng};
use channel::{confirm_keys, diagnose, io_error, read_array, write_all};
pub use deadline::{DEADLINE_SLACK, Deadline};
pub use echo::{echo_back, echo_lines};
#[cfg(feature = "pq")]
pub use ml_dsa_io::{accept_ml_dsa, connect_ml_dsa};
pub use mutual_io::{accept, accept_with, connect, connect_with};
pub use serve::{Connection, IDLE_THREADS_KEPT, serve};

/// Runs the Lesson 10 client: authenticates the server, stays anonymous.
///
/// # Errors
/// As [`connect`].
pub fn connect_anonymous<S: Read + Write>(
    mut stream: S,
    server: PublicIdentity,
    config: impl Into<Config>,
) -> Result<Channel<S>, Error> {
    let (client, hello) = server_only::Client::start(&mut os_rng(), server, config);
    write_all(&mut stream, &hello.to_bytes(), Stage::ClientHello)?;
    let server_hello = ServerHello::from_bytes(&read_array::<SERVER_HELLO_LEN>(
        &mut stream,
        Stage::ServerHello,
    )?);
    let session = client
        .read_server_hello(&server_hello)
        .map_err(|e| diagnose(e, &server, &hello, &server_hello))?;
    Ok(Channel::new(stream, session))
}

/// Runs the Lesson 10 server: proves its identity, learns nothing of the client's.
///
/// # Errors
/// As [`accept`], without refusals.
pub fn accept_anonymous<S: Read + Write>(
    mut stream: S,
    identity: &IdentityKey,
    config: impl Into<Config>,
) -> Result<Channel<S>, Error> {
    let hello = ClientHello::from_bytes(&read_array::<CLIENT_HELLO_LEN>(
        &mut stream,
        Stage::ClientHello,
    )?);
    let (session, server_hello) =
        server_only::Server::new(identity, config).read_client_hello(&mut os_rng(), &hello)?;
    write_all(&mut stream, &server_hello.to_bytes(), Stage::ServerHello)?;
    Ok(Channel::new(stream, session))
}

/// Runs [`f`] with the handshake under a deadline (and Nagle's algorithm
/// off: see below), then lifts the deadline and moves the session onto the
/// stream itself.
fn with_deadline<T>(
    stream: TcpStream,
    timeout: Duration,
    f: impl FnOnce(Deadline<'_>) -> Result<(Channel<Deadline<'_>>, T), Error>,
) -> Result<(Channel<TcpStream>, T), Error> {
    // Send each message at once. With Nagle's algorithm a small write that
    // follows another unacknowledged one waits for the peer's ACK, and the
    // peer delays its ACK (up to 40 ms on Linux) while it verifies the
    // first: the client's message 3 followed by its first record, or its
    // first record followed by a message, stalled for exactly that long.
    stream
        .set_nodelay(true)
        .map_err(|e| Error::Io(Stage::ClientHello, e))?;
    let (channel, extra) = f(Deadline::new(&stream, timeout))?;
    let Channel {
        session,
        buf,
        early,
        ..
    } = channel;
    let lift = |e| Error::Io(Stage::Records, e);
    stream.set_read_timeout(None).map_err(lift)?;
    stream.set_write_timeout(None).map_err(lift)?;
    Ok((
        Channel {
            stream,
            session,
            buf,
            early,
        },
        extra,
    ))
}

/// [`connect`] over TCP, with the whole handshake under `timeout`.
///
/// # Errors
/// As [`connect`]; [`Error::TimedOut`] when the deadline passes.
pub fn connect_tcp(
    stream: TcpStream,
    identity: &IdentityKey,
    server: PublicIdentity,
    config: impl Into<Config>,
    timeout: Duration,
) -> Result<Channel<TcpStream>, Error> {
    with_deadline(stream, timeout, |s| {
        Ok((connect(s, identity, server, config)?, ()))
    })
    .map(|(c, ())| c)
}

/// [`connect_with`] over TCP, with the whole handshake under `timeout`.
///
/// # Errors
/// As [`connect_with`]; [`Error::TimedOut`] when the deadline passes.
pub fn connect_tcp_with(
    stream: TcpStream,
    identity: &IdentityKey,
    server: PublicIdentity,
    config: impl Into<Config>,
    kex: Kex,
    timeout: Duration,
) -> Result<Channel<TcpStream>, Error> {
    with_deadline(stream, timeout, |s| {
        Ok((connect_with(s, identity, server, config, kex)?, ()))
    })
    .map(|(c, ())| c)
}

/// [`accept_with`] over TCP, with the whole handshake under `timeout`.
///
/// # Errors
/// As [`accept_with`]; [`Error::TimedOut`] when the deadline passes.
pub fn accept_tcp_with(
    stream: TcpStream,
    identity: &IdentityKey,
    policy: &impl TrustPolicy,
    config: impl Into<Config>,
    kex: Kex,
    timeout: Duration,
) -> Result<(Channel<TcpStream>, ClientIdentity), Error> {
    with_deadline(stream, timeout, |s| {
        accept_with(s, identity, policy, config, kex)
    })
}

/// [`connect_ml_dsa`] over TCP, with the whole handshake under `timeout`.
///
/// # Errors
/// As [`connect_ml_dsa`]; [`Error::TimedOut`] when the deadline passes.
#[cfg(feature = "pq")]
pub fn connect_tcp_ml_dsa(
    stream: TcpStream,
    identity: &crate::ml_dsa::MlDsaIdentityKey,
    server: crate::ml_dsa::MlDsaPublicIdentity,
    config: impl Into<Config>,
    kex: Kex,
    timeout: Duration,
) -> Result<Channel<TcpStream>, Error> {
    with_deadline(stream, timeout, |s| {
        Ok((connect_ml_dsa(s, identity, server, config, kex)?, ()))
    })
    .map(|(c, ())| c)
}

/// [`accept_ml_dsa`] over TCP, with the whole handshake under `timeout`.
///
/// # Errors
/// As [`accept_ml_dsa`]; [`Error::TimedOut`] when the deadline passes.
#[cfg(feature = "pq")]
pub fn accept_tcp_ml_dsa(
    stream: TcpStream,
    identity: &crate::ml_dsa::MlDsaIdentityKey,
    policy: &impl TrustPolicy<crate::ml_dsa::MlDsaPublicIdentity>,
    config: impl Into<Config>,
    kex: Kex,
    timeout: Duration,
) -> Result<
    (
        Channel<TcpStream>,
        ClientIdentity<crate::ml_dsa::MlDsaPublicIdentity>,
    ),
    Error,
> {
    with_deadline(stream, timeout, |s| {
        accept_ml_dsa(s, identity, policy, config, kex)
    })
}

/// [`accept`] over TCP, with the whole handshake under `timeout`.
///
/// # Errors
/// As [`accept`]; [`Error::TimedOut`] when the deadline passes.
pub fn accept_tcp(
    stream: TcpStream,
    identity: &IdentityKey,
    policy: &impl TrustPolicy,
    config: impl Into<Config>,
    timeout: Duration,
) -> Result<(Channel<TcpStream>, ClientIdentity), Error> {
    with_deadline(stream, timeout, |s| accept(s, identity, policy, config))
}

/// [`connect_anonymous`] over TCP, with the whole handshake under `timeout`.
///
/// # Errors
/// As [`connect_anonymous`].
pub fn connect_anonymous_tcp(
    stream: TcpStream,
    server: PublicIdentity,
    config: impl Into<Config>,
    timeout: Duration,
) -> Result<Channel<TcpStream>, Error> {
    with_deadline(stream, timeout, |s| {
        Ok((connect_anonymous(s, server, config)?, ()))
    })
    .map(|(c, ())| c)
}

/// [`accept_anonymous`] over TCP, with the whole handshake under `timeout`.
///
/// # Errors
/// As [`accept_anonymous`].
pub fn accept_anonymous_tcp(
    stream: TcpStream,
    identity: &IdentityKey,
    config: impl Into<Config>,
    timeout: Duration,
) -> Result<Channel<TcpStream>, Error> {
    with_deadline(stream, timeout, |s| {
        Ok((accept_anonymous(s, identity, config)?, ()))
    })
    .map(|(c, ())| c)
}

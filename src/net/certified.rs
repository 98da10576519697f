//! Lesson 15's certified handshake over blocking streams.
//!
//! The same plumbing as Lesson 11 ([`crate::net::connect`], [`crate::net::accept`]):
//! messages 2 and 3 now have a length that depends on their count byte, so
//! each is read in two steps: the fixed part up to the count, then the rest.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::{Channel, Error, Stage, os_rng, with_deadline, write_all};
use crate::cert::verify::{Chain, VerifiedPeer, Verifier};
use crate::handshake::HandshakeError;
use crate::handshake::certified::{
    self, CertifiedClientAuth, CertifiedServerHello, MAX_CLIENT_AUTH_LEN, MAX_SERVER_HELLO_LEN,
    SERVER_HELLO_PREFIX_LEN, after_count_len,
};
use crate::keys::IdentityKey;
use crate::schedule::KeySchedule;
use crate::trust::ClientName;
use crate::wire::{CLIENT_HELLO_LEN, ClientHello};

/// Reads a message whose count byte sits at `count_at`: up to and including
/// the count, then the certificates and signature the count announces.
fn read_counted<'b>(
    stream: &mut impl Read,
    buf: &'b mut [u8],
    count_at: usize,
    stage: Stage,
    refuse: fn(crate::cert::verify::CertError) -> HandshakeError,
) -> Result<&'b [u8], Error> {
    stream
        .read_exact(&mut buf[..=count_at])
        .map_err(|e| super::io_error(stage, e))?;
    let rest = after_count_len(buf[count_at]).map_err(refuse)?;
    let len = count_at + 1 + rest;
    stream
        .read_exact(&mut buf[count_at + 1..len])
        .map_err(|e| super::io_error(stage, e))?;
    Ok(&buf[..len])
}

/// Runs the certified client over `stream`: checks the server's chain with
/// `verifier` for `server_name`, shows `chain`, signs with `identity`, and
/// sends an empty first record for key confirmation. Returns the channel
/// and the server's verified certificate.
///
/// # Errors
/// [`Error::Handshake`] (for example
/// [`HandshakeError::ServerCertificate`] with the check that failed),
/// [`Error::Closed`], [`Error::TimedOut`] or [`Error::Io`].
pub fn connect<S: Read + Write>(
    mut stream: S,
    (identity, chain): (&IdentityKey, &Chain),
    verifier: Verifier<'_>,
    server_name: ClientName,
    schedule: KeySchedule,
) -> Result<(Channel<S>, VerifiedPeer), Error> {
    let (client, hello) = certified::Client::start(
        &mut os_rng(),
        identity,
        chain,
        verifier,
        server_name,
        schedule,
    );
    write_all(&mut stream, &hello.to_bytes(), Stage::ClientHello)?;
    let mut buf = [0u8; MAX_SERVER_HELLO_LEN];
    let m2 = read_counted(
        &mut stream,
        &mut buf,
        SERVER_HELLO_PREFIX_LEN - 1,
        Stage::ServerHello,
        HandshakeError::ServerCertificate,
    )?;
    let m2 = CertifiedServerHello::decode(m2)?;
    let (session, m3, server) = client.read_server_hello(&m2)?;
    write_all(&mut stream, m3.encode().as_bytes(), Stage::ClientAuth)?;
    let mut channel = Channel::new(stream, session);
    channel.send(&[])?;
    Ok((channel, server))
}

/// Runs the certified server over `stream`: shows `chain`, signs with
/// `identity`, checks the client's chain with `verifier`, and waits for the
/// client's first record before counting it as authenticated.
///
/// # Errors
/// [`Error::Handshake`] (for example
/// [`HandshakeError::ClientCertificate`] with the check that failed),
/// [`Error::Closed`], [`Error::TimedOut`] or [`Error::Io`].
pub fn accept<S: Read + Write>(
    mut stream: S,
    (identity, chain): (&IdentityKey, &Chain),
    verifier: &Verifier<'_>,
    schedule: KeySchedule,
) -> Result<(Channel<S>, VerifiedPeer), Error> {
    let hello = ClientHello::from_bytes(&super::read_array::<CLIENT_HELLO_LEN>(
        &mut stream,
        Stage::ClientHello,
    )?);
    let (server, m2) = certified::Server::new(identity, chain, schedule)
        .read_client_hello(&mut os_rng(), &hello)?;
    write_all(&mut stream, m2.encode().as_bytes(), Stage::ServerHello)?;
    let mut m3 = [0u8; MAX_CLIENT_AUTH_LEN];
    let m3 = read_counted(
        &mut stream,
        &mut m3,
        0,
        Stage::ClientAuth,
        HandshakeError::ClientCertificate,
    )?;
    let pending = server.read_client_auth(&CertifiedClientAuth::decode(m3)?, verifier)?;
    super::confirm_keys(stream, pending)
}

/// [`connect`] over TCP, with the whole handshake under `timeout`.
///
/// # Errors
/// As [`connect`]; [`Error::TimedOut`] when the deadline passes.
pub fn connect_tcp(
    stream: TcpStream,
    credentials: (&IdentityKey, &Chain),
    verifier: Verifier<'_>,
    server_name: ClientName,
    schedule: KeySchedule,
    timeout: Duration,
) -> Result<(Channel<TcpStream>, VerifiedPeer), Error> {
    with_deadline(stream, timeout, |s| {
        connect(s, credentials, verifier, server_name, schedule)
    })
}

/// [`accept`] over TCP, with the whole handshake under `timeout`.
///
/// # Errors
/// As [`accept`]; [`Error::TimedOut`] when the deadline passes.
pub fn accept_tcp(
    stream: TcpStream,
    credentials: (&IdentityKey, &Chain),
    verifier: &Verifier<'_>,
    schedule: KeySchedule,
    timeout: Duration,
) -> Result<(Channel<TcpStream>, VerifiedPeer), Error> {
    with_deadline(stream, timeout, |s| {
        accept(s, credentials, verifier, schedule)
    })
}

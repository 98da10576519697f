//! The same handshakes over tokio: anything `AsyncRead + AsyncWrite`.
//!
//! The state machines in [`crate::handshake`] never touch a socket, so the
//! blocking driver in [`crate::net`] and this one are two thin loops around
//! the same core: read a fixed-size message, hand it over, write the
//! answer. The errors are the same ([`Error`], with the same [`Stage`]s),
//! and so are the clocks: one deadline for a whole handshake, and after it
//! an idle timeout before each record and a deadline from a record's first
//! byte to its last ([`AsyncChannel::recv_within`]). The server-side
//! policies ([`super::PendingHandshakes`], [`super::KeySessions`],
//! [`super::Limits::fit_to_descriptors`], [`super::log::Log`]) are shared
//! as they are: `examples/14-async-server.rs` uses them all.

use std::prelude::rust_2024::*;

use std::boxed::Box;
use std::io;
use std::time::Duration;
use std::vec::Vec;

use ::tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use ::tokio::time::{Instant, timeout_at};

use super::{Error, Stage, io_error, os_rng};
use crate::handshake::mutual::{self, ClientVerified};
use crate::handshake::{Binding, Config};
use crate::keys::{IdentityKey, PublicIdentity};
use crate::record::{self, HEADER_LEN, MAX_RECORD_LEN, Session};
use crate::trust::{ClientIdentity, TrustPolicy};
use crate::wire::{
    CLIENT_AUTH_LEN, CLIENT_HELLO_LEN, ClientAuth, ClientHello, SERVER_HELLO_LEN, ServerHello,
};

/// How long each read or write may wait.
#[derive(Clone, Copy, Debug)]
enum Clock {
    /// Until this instant (`None`: for ever).
    Until(Option<Instant>),
    /// Each read restarts the clock: the idle timeout alone.
    EachRead(Duration),
}

impl Clock {
    fn within(timeout: Option<Duration>) -> Self {
        Self::Until(timeout.and_then(|t| Instant::now().checked_add(t)))
    }

    fn deadline(self) -> Option<Instant> {
        match self {
            Self::Until(deadline) => deadline,
            Self::EachRead(timeout) => Instant::now().checked_add(timeout),
        }
    }
}

/// Runs one I/O step under `clock`.
async fn step<T>(
    clock: Clock,
    stage: Stage,
    io: impl Future<Output = io::Result<T>>,
) -> Result<T, Error> {
    let result = match clock.deadline() {
        None => io.await,
        Some(deadline) => match timeout_at(deadline, io).await {
            Ok(result) => result,
            Err(_) => return Err(Error::TimedOut(stage)),
        },
    };
    result.map_err(|e| io_error(stage, e))
}

/// Fills `buf`; a clean end of stream before the first byte is `Ok(false)`.
async fn read_full<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut [u8],
    stage: Stage,
    clock: Clock,
) -> Result<bool, Error> {
    let mut filled = 0;
    while filled < buf.len() {
        match step(clock, stage, stream.read(&mut buf[filled..])).await? {
            0 if filled == 0 => return Ok(false),
            0 => return Err(Error::Closed(stage)),
            n => filled += n,
        }
    }
    Ok(true)
}

async fn read_array<const N: usize, S: AsyncRead + Unpin>(
    stream: &mut S,
    stage: Stage,
    clock: Clock,
) -> Result<[u8; N], Error> {
    let mut bytes = [0u8; N];
    if !read_full(stream, &mut bytes, stage, clock).await? {
        return Err(Error::Closed(stage));
    }
    Ok(bytes)
}

async fn write_all<S: AsyncWrite + Unpin>(
    stream: &mut S,
    bytes: &[u8],
    stage: Stage,
    clock: Clock,
) -> Result<(), Error> {
    step(clock, stage, async {
        stream.write_all(bytes).await?;
        stream.flush().await
    })
    .await
}

/// Reads one record into `buf`: its first byte under `first`, the rest
/// under `rest` (started when the first byte has arrived). `None` on a
/// clean end of stream before the first byte.
async fn read_record<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut [u8],
    stage: Stage,
    first: Clock,
    rest: impl FnOnce() -> Clock,
) -> Result<Option<usize>, Error> {
    if !read_full(stream, &mut buf[..1], stage, first).await? {
        return Ok(None);
    }
    let rest = rest();
    if !read_full(stream, &mut buf[1..HEADER_LEN], stage, rest).await? {
        return Err(Error::Closed(stage));
    }
    // Refuse an impossible length before waiting for any of its bytes.
    let body = record::body_len([buf[0], buf[1]])?;
    let len = HEADER_LEN + body;
    if !read_full(stream, &mut buf[HEADER_LEN..len], stage, rest).await? {
        return Err(Error::Closed(stage));
    }
    Ok(Some(len))
}

/// An authenticated, encrypted connection over an async stream: the
/// counterpart of [`super::Channel`].
pub struct AsyncChannel<S> {
    stream: S,
    session: Session,
    buf: Box<[u8; MAX_RECORD_LEN]>,
    early: Option<Vec<u8>>,
    write_timeout: Option<Duration>,
}

impl<S> core::fmt::Debug for AsyncChannel<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AsyncChannel")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncChannel<S> {
    fn new(stream: S, session: Session) -> Self {
        Self {
            stream,
            session,
            buf: Box::new([0u8; MAX_RECORD_LEN]),
            early: None,
            write_timeout: None,
        }
    }

    /// Bounds each [`AsyncChannel::send`]: a peer that stops reading cannot
    /// hold the sender for ever. `None` waits for ever.
    pub fn set_write_timeout(&mut self, timeout: Option<Duration>) {
        self.write_timeout = timeout;
    }

    /// Sends one message as one record.
    ///
    /// # Errors
    /// [`Error::Record`] if the message is too long, an I/O error, or
    /// [`Error::TimedOut`] past the write timeout.
    pub async fn send(&mut self, message: &[u8]) -> Result<(), Error> {
        let len = self.session.seal(message, &mut self.buf[..])?;
        let clock = Clock::within(self.write_timeout);
        write_all(&mut self.stream, &self.buf[..len], Stage::Records, clock).await
    }

    /// Receives one message, waiting as long as it takes; `None` when the
    /// peer has closed cleanly.
    ///
    /// # Errors
    /// As [`super::Channel::recv`].
    pub async fn recv(&mut self) -> Result<Option<Vec<u8>>, Error> {
        self.recv_clocked(Clock::Until(None), || Clock::Until(None))
            .await
    }

    /// Receives one message under the two clocks of
    /// [`super::Channel::recv_within`]: at most `idle` for its first byte,
    /// at most `record` from its first byte to its last.
    ///
    /// # Errors
    /// As [`super::Channel::recv_within`].
    pub async fn recv_within(
        &mut self,
        idle: Option<Duration>,
        record: Duration,
    ) -> Result<Option<Vec<u8>>, Error> {
        self.recv_clocked(Clock::within(idle), || Clock::within(Some(record)))
            .await
    }

    /// Receives one message with only an idle timeout, restarted by every
    /// read, as the blocking server did before Lesson 14 (insecure: a peer
    /// that trickles bytes is never timed out).
    ///
    /// # Errors
    /// As [`AsyncChannel::recv`]; [`Error::TimedOut`] after `idle` of silence.
    pub async fn recv_idle(&mut self, idle: Duration) -> Result<Option<Vec<u8>>, Error> {
        self.recv_clocked(Clock::EachRead(idle), || Clock::EachRead(idle))
            .await
    }

    async fn recv_clocked(
        &mut self,
        first: Clock,
        rest: impl FnOnce() -> Clock,
    ) -> Result<Option<Vec<u8>>, Error> {
        if let Some(message) = self.early.take() {
            return Ok(Some(message));
        }
        let Some(len) = read_record(
            &mut self.stream,
            &mut self.buf[..],
            Stage::Records,
            first,
            rest,
        )
        .await?
        else {
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

/// The Lesson 11 client over an async stream, the whole handshake within
/// `timeout` (`None`: no deadline). As [`super::connect`], it sends an
/// empty first record under the transcript binding.
///
/// # Errors
/// As [`super::connect_tcp`].
pub async fn connect<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    identity: &IdentityKey,
    server: PublicIdentity,
    config: impl Into<Config>,
    timeout: Option<Duration>,
) -> Result<AsyncChannel<S>, Error> {
    let config = config.into();
    let clock = Clock::within(timeout);
    let (client, hello) = mutual::Client::start(&mut os_rng(), identity, server, config);
    write_all(&mut stream, &hello.to_bytes(), Stage::ClientHello, clock).await?;
    let m2 = read_array::<SERVER_HELLO_LEN, _>(&mut stream, Stage::ServerHello, clock).await?;
    let (session, auth) = client.read_server_hello(&ServerHello::from_bytes(&m2))?;
    write_all(&mut stream, &auth.to_bytes(), Stage::ClientAuth, clock).await?;
    let mut channel = AsyncChannel::new(stream, session);
    if config.binding == Binding::Transcript {
        let len = channel.session.seal(&[], &mut channel.buf[..])?;
        write_all(
            &mut channel.stream,
            &channel.buf[..len],
            Stage::Records,
            clock,
        )
        .await?;
    }
    Ok(channel)
}

/// The Lesson 11 server over an async stream, the whole handshake (key
/// confirmation included) within `timeout` (`None`: no deadline).
///
/// # Errors
/// As [`super::accept_tcp`].
pub async fn accept<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    identity: &IdentityKey,
    policy: &impl TrustPolicy,
    config: impl Into<Config>,
    timeout: Option<Duration>,
) -> Result<(AsyncChannel<S>, ClientIdentity), Error> {
    let clock = Clock::within(timeout);
    let m1 = read_array::<CLIENT_HELLO_LEN, _>(&mut stream, Stage::ClientHello, clock).await?;
    let (server, server_hello) = mutual::Server::new(identity, config)
        .read_client_hello(&mut os_rng(), &ClientHello::from_bytes(&m1))?;
    write_all(
        &mut stream,
        &server_hello.to_bytes(),
        Stage::ServerHello,
        clock,
    )
    .await?;
    let m3 = read_array::<CLIENT_AUTH_LEN, _>(&mut stream, Stage::ClientAuth, clock).await?;
    match server.read_client_auth(&ClientAuth::from_bytes(&m3), policy)? {
        ClientVerified::Accepted(accepted) => {
            Ok((AsyncChannel::new(stream, accepted.session), accepted.client))
        }
        ClientVerified::ExpectKeyConfirmation(pending) => {
            let mut buf = Box::new([0u8; MAX_RECORD_LEN]);
            let len = read_record(
                &mut stream,
                &mut buf[..],
                Stage::KeyConfirmation,
                clock,
                || clock,
            )
            .await?
            .ok_or(Error::Closed(Stage::KeyConfirmation))?;
            let (accepted, first) = pending.confirm(&mut buf[..len])?;
            let early = super::channel::early_message(first);
            let channel = AsyncChannel {
                stream,
                session: accepted.session,
                buf,
                early,
                write_timeout: None,
            };
            Ok((channel, accepted.client))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::{ClientName, PinnedClient};

    /// Both futures to completion, polled in turn (tokio's `join!` needs
    /// its `macros` feature).
    async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
        let (mut a, mut b) = (Box::pin(a), Box::pin(b));
        let (mut ra, mut rb) = (None, None);
        core::future::poll_fn(|cx| {
            if ra.is_none() {
                if let core::task::Poll::Ready(out) = a.as_mut().poll(cx) {
                    ra = Some(out);
                }
            }
            if rb.is_none() {
                if let core::task::Poll::Ready(out) = b.as_mut().poll(cx) {
                    rb = Some(out);
                }
            }
            if ra.is_some() && rb.is_some() {
                core::task::Poll::Ready(())
            } else {
                core::task::Poll::Pending
            }
        })
        .await;
        (ra.unwrap(), rb.unwrap())
    }

    fn runtime() -> ::tokio::runtime::Runtime {
        ::tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn both_bindings_complete_over_an_in_memory_async_pipe() {
        runtime().block_on(async {
            let mut rng = os_rng();
            let server_key = IdentityKey::generate(&mut rng);
            let alice = IdentityKey::generate(&mut rng);
            let policy = PinnedClient::new(alice.public(), ClientName::new("alice").unwrap());
            for binding in [Binding::InsecureLesson11, Binding::Transcript] {
                let (a, b) = ::tokio::io::duplex(4096);
                let timeout = Some(Duration::from_secs(5));
                let server = accept(b, &server_key, &policy, binding, timeout);
                let client = connect(a, &alice, server_key.public(), binding, timeout);
                let (server, client) = join(server, client).await;
                let (mut server, who) = server.unwrap();
                let mut client = client.unwrap();
                assert_eq!(who.name.as_str(), "alice");
                client.send(b"hello").await.unwrap();
                let got = server.recv_within(None, Duration::from_secs(1)).await;
                assert_eq!(got.unwrap().as_deref(), Some(&b"hello"[..]));
            }
        });
    }

    #[test]
    fn a_silent_peer_times_out_at_the_handshake_deadline_with_its_stage() {
        runtime().block_on(async {
            let server_key = IdentityKey::generate(&mut os_rng());
            let policy = crate::trust::AuthorizedKeys::new([]);
            let (_a, b) = ::tokio::io::duplex(64);
            let began = std::time::Instant::now();
            let result = accept(
                b,
                &server_key,
                &policy,
                Binding::Transcript,
                Some(Duration::from_millis(200)),
            )
            .await;
            assert!(matches!(result, Err(Error::TimedOut(Stage::ClientHello))));
            assert!(began.elapsed() >= Duration::from_millis(190));
        });
    }
}

//! A TCP stream under one deadline for a whole exchange, however the peer
//! paces its bytes: what the `*_tcp` handshakes run over.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// A TCP stream with a deadline: every read and write waits at most until
/// `deadline`, however the peer paces its bytes.
#[derive(Debug)]
pub struct Deadline<'a> {
    stream: &'a TcpStream,
    /// `None` for a timeout too long to represent: in effect, no deadline.
    deadline: Option<Instant>,
    /// When each direction's timeout was last set on the socket.
    read_set: Option<Instant>,
    write_set: Option<Instant>,
}

/// How far past its deadline a read or write may wait: a timeout set on
/// the socket is reused for this long instead of set again before every
/// read, which saves a system call per message in the few milliseconds a
/// handshake takes.
pub const DEADLINE_SLACK: Duration = Duration::from_millis(20);

impl<'a> Deadline<'a> {
    /// Wraps `stream`; operations fail with `TimedOut` after `timeout`
    /// (give or take [`DEADLINE_SLACK`]).
    pub fn new(stream: &'a TcpStream, timeout: Duration) -> Self {
        Self {
            stream,
            deadline: Instant::now().checked_add(timeout),
            read_set: None,
            write_set: None,
        }
    }

    /// The time left before the deadline, or `TimedOut` if none is.
    fn left(&self) -> io::Result<Duration> {
        let Some(deadline) = self.deadline else {
            // The OS clamps a timeout this long to the longest it supports.
            return Ok(Duration::MAX);
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        Ok(left)
    }

    /// Sets one direction's timeout to the time left, unless it was set
    /// less than [`DEADLINE_SLACK`] ago: a timeout set at `t0` to
    /// `deadline - t0` ends a wait begun now at most `now - t0` late.
    fn arm(
        &self,
        last: Option<Instant>,
        set: impl FnOnce(Option<Duration>) -> io::Result<()>,
    ) -> io::Result<Option<Instant>> {
        let left = self.left()?;
        if last.is_some_and(|at| at.elapsed() < DEADLINE_SLACK) {
            return Ok(last);
        }
        set(Some(left))?;
        Ok(Some(Instant::now()))
    }
}

// Each call sets only the timeout of its own direction, and only when the
// last one set is too old.
impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.read_set = self.arm(self.read_set, |t| self.stream.set_read_timeout(t))?;
        self.stream.read(buf)
    }
}

impl Write for Deadline<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_set = self.arm(self.write_set, |t| self.stream.set_write_timeout(t))?;
        self.stream.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

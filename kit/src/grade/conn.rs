//! A TCP connection where every read has a deadline: a peer that hangs
//! makes a check fail with "no answer within Ns", never the grader hang.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::spec::{MAX_LENGTH_FIELD, TAG_LEN};

/// Why fewer bytes came than expected.
#[derive(Debug)]
pub enum Short {
    /// The peer closed (or reset) the connection after `after` bytes.
    Closed { after: usize },
    /// Nothing more within the deadline, after `after` bytes.
    TimedOut { after: usize, secs: u64 },
}

impl Short {
    /// "closed the connection after N bytes" or "no answer within Ns".
    pub fn describe(&self) -> String {
        match self {
            Self::Closed { after: 0 } => "the connection was closed (0 bytes)".into(),
            Self::Closed { after } => {
                format!("the connection was closed after {after} bytes of it")
            }
            Self::TimedOut { after: 0, secs } => format!("no answer within {secs}s"),
            Self::TimedOut { after, secs } => {
                format!("only {after} bytes of it within {secs}s, then nothing")
            }
        }
    }
}

/// How a peer reacted when it should close the connection.
pub enum Reaction {
    /// It closed (or reset) the connection without sending anything.
    Closed,
    /// It sent these bytes, then closed or went quiet.
    Sent(Vec<u8>),
    /// It neither sent anything nor closed within the timeout.
    Silent { secs: u64 },
}

pub struct Conn {
    stream: TcpStream,
    timeout: Duration,
    deadline: Instant,
}

impl Conn {
    /// Connects to the first address of `addr` that answers.
    pub fn connect(addr: &str, timeout: Duration) -> io::Result<Self> {
        let mut last = io::Error::other("the address resolves to nothing");
        for candidate in std::net::ToSocketAddrs::to_socket_addrs(addr)? {
            match TcpStream::connect_timeout(&candidate, timeout) {
                Ok(stream) => return Ok(Self::new(stream, timeout)),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    pub fn new(stream: TcpStream, timeout: Duration) -> Self {
        // Each write goes out at once: the checks control segment boundaries.
        let _ = stream.set_nodelay(true);
        Self {
            stream,
            timeout,
            deadline: Instant::now() + timeout,
        }
    }

    /// Starts a fresh deadline for the next exchange.
    pub fn restart_clock(&mut self) {
        self.deadline = Instant::now() + self.timeout;
    }

    pub fn secs(&self) -> u64 {
        self.timeout.as_secs()
    }

    /// Writes all of `bytes`; a write to a closed connection is reported as closed.
    pub fn send(&mut self, bytes: &[u8]) -> Result<(), Short> {
        let _ = self.stream.set_write_timeout(Some(self.timeout));
        self.stream
            .write_all(bytes)
            .map_err(|_| Short::Closed { after: 0 })
    }

    /// Ends the grader's sending side (TCP FIN): the peer reads the end of
    /// the stream after what was sent.
    pub fn finish_sending(&mut self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Write);
    }

    /// Writes `bytes` in pieces of `piece` bytes, pausing between them so
    /// each travels in a segment of its own.
    pub fn send_split(&mut self, bytes: &[u8], piece: usize) -> Result<(), Short> {
        for chunk in bytes.chunks(piece) {
            self.send(chunk)?;
            std::thread::sleep(Duration::from_millis(2));
        }
        Ok(())
    }

    /// One read of whatever is there, before the deadline.
    fn read_some(&mut self, buf: &mut [u8]) -> Result<usize, io::ErrorKind> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut);
        }
        let _ = self.stream.set_read_timeout(Some(left));
        loop {
            match self.stream.read(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(match e.kind() {
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                            io::ErrorKind::TimedOut
                        }
                        other => other,
                    });
                }
            }
        }
    }

    /// Exactly `n` bytes, or why not.
    pub fn read_exact(&mut self, n: usize) -> Result<Vec<u8>, Short> {
        let mut buf = vec![0u8; n];
        let mut filled = 0;
        while filled < n {
            match self.read_some(&mut buf[filled..]) {
                Ok(0) => return Err(Short::Closed { after: filled }),
                Ok(k) => filled += k,
                Err(io::ErrorKind::TimedOut) => {
                    return Err(Short::TimedOut {
                        after: filled,
                        secs: self.secs(),
                    });
                }
                Err(_) => return Err(Short::Closed { after: filled }),
            }
        }
        Ok(buf)
    }

    pub fn read_array<const N: usize>(&mut self) -> Result<[u8; N], Short> {
        let bytes = self.read_exact(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(&bytes);
        Ok(out)
    }

    /// One whole record, header included; `Err(Ok(len))` for a length
    /// field outside 16..=16400 (the body is not read).
    pub fn read_record(&mut self) -> Result<Vec<u8>, Result<usize, Short>> {
        let header = self.read_exact(2).map_err(Err)?;
        let len = usize::from(u16::from_be_bytes([header[0], header[1]]));
        if !(TAG_LEN..=MAX_LENGTH_FIELD).contains(&len) {
            return Err(Ok(len));
        }
        let body = self.read_exact(len).map_err(|short| {
            Err(match short {
                Short::Closed { after } => Short::Closed { after: after + 2 },
                Short::TimedOut { after, secs } => Short::TimedOut {
                    after: after + 2,
                    secs,
                },
            })
        })?;
        Ok([header, body].concat())
    }

    /// Waits for the peer to close: what it sent meanwhile, if anything.
    pub fn reaction(&mut self) -> Reaction {
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match self.read_some(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    // Once the peer has spoken, what matters is what it
                    // said: wait only briefly for the rest.
                    if seen.is_empty() {
                        self.deadline = self
                            .deadline
                            .min(Instant::now() + Duration::from_millis(300));
                    }
                    seen.extend_from_slice(&buf[..n]);
                }
                Err(io::ErrorKind::TimedOut) if seen.is_empty() => {
                    return Reaction::Silent { secs: self.secs() };
                }
                Err(_) => break,
            }
            if seen.len() > 64 * 1024 {
                break;
            }
        }
        if seen.is_empty() {
            Reaction::Closed
        } else {
            Reaction::Sent(seen)
        }
    }

    /// Whether anything arrives within `wait` (without consuming the clock).
    pub fn anything_within(&mut self, wait: Duration) -> Option<Vec<u8>> {
        let _ = self.stream.set_read_timeout(Some(wait));
        let mut buf = [0u8; 256];
        match self.stream.read(&mut buf) {
            Ok(n) if n > 0 => Some(buf[..n].to_vec()),
            _ => None,
        }
    }
}

//! Pieces the lesson binaries share: key log and trace set-up, driving a
//! handshake to its end, and naming what went wrong.

use std::fmt;
use std::io::{self, Read, Write};
use std::ops::DerefMut;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rustls::{ConnectionCommon, SideData};

use crate::keylog::{BANNER, KeyLogRecorder};
use crate::tls;
use crate::trace::{Peer, Tracer, TracingStream};

/// A byte stream in both directions.
pub trait Socket: Read + Write + Send {}
impl<T: Read + Write + Send> Socket for T {}

/// The key log the options ask for: written to `path` if given, kept in
/// memory if `trace`; `None` if neither.
///
/// # Errors
///
/// The file cannot be opened.
pub fn key_log(trace: bool, path: Option<&Path>) -> io::Result<Option<Arc<KeyLogRecorder>>> {
    if let Some(path) = path {
        eprintln!("WARNING: {BANNER}");
        eprintln!("WARNING: writing TLS secrets to {}", path.display());
    }
    if !trace && path.is_none() {
        return Ok(None);
    }
    let recorder = KeyLogRecorder::new(path, trace).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!(
                "{}: {e}",
                path.map_or_else(String::new, |p| p.display().to_string())
            ),
        )
    })?;
    Ok(Some(Arc::new(recorder)))
}

/// A trace of one connection, if `--trace` was given.
pub type SharedTracer = Option<Arc<Mutex<Tracer>>>;

/// Wraps `stream` so the trace sees its bytes (when tracing).
pub fn traced<S: Socket + 'static>(
    stream: S,
    us: Peer,
    trace: bool,
    key_log: Option<&Arc<KeyLogRecorder>>,
) -> (Box<dyn Socket>, SharedTracer) {
    match key_log.filter(|_| trace) {
        Some(key_log) => {
            let tracer = Arc::new(Mutex::new(Tracer::new(us, key_log.clone())));
            (
                Box::new(TracingStream::new(stream, us, tracer.clone())),
                Some(tracer),
            )
        }
        None => (Box::new(stream), None),
    }
}

/// Prints the trace lines produced so far on standard error, each prefixed
/// by `prefix` (`trace` or `trace PEER`); `finish` also describes what
/// could not be opened.
pub fn print_trace(tracer: &SharedTracer, prefix: &str, finish: bool) {
    if let Some(tracer) = tracer {
        let mut tracer = tracer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if finish {
            tracer.finish();
        } else {
            tracer.drain();
        }
        let mut err = io::stderr().lock();
        for line in tracer.take_lines() {
            let _ = writeln!(err, "{prefix}: {line}");
        }
    }
}

/// The key exchange group rustls settled on, as `NAME (0xNNNN)`.
pub fn negotiated_group<C, D>(conn: &C) -> String
where
    C: std::ops::Deref<Target = ConnectionCommon<D>>,
    D: SideData,
{
    match conn.negotiated_key_exchange_group() {
        Some(group) => crate::record::describe_group(u16::from(group.name())),
        None => "none yet".to_owned(),
    }
}

/// A connection failed.
#[derive(Debug)]
pub enum Failure {
    /// TLS refused it: a certificate, an alert, a protocol error.
    Tls(rustls::Error),
    /// The network failed or timed out.
    Io(io::Error),
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        // rustls reports its own errors through `complete_io` wrapped in io::Error.
        match e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            Some(tls) => Self::Tls(tls.clone()),
            None => Self::Io(e),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tls(e) => f.write_str(&tls::reason(e)),
            Self::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                f.write_str("the peer closed the connection during the handshake")
            }
            Self::Io(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                f.write_str("timed out")
            }
            Self::Io(e) => write!(f, "network error: {e}"),
        }
    }
}

/// Runs the handshake to its end, printing the trace as it goes.
///
/// # Errors
///
/// The handshake failed; rustls has already tried to send its alert.
pub fn complete_handshake<C, D>(
    conn: &mut C,
    socket: &mut dyn Socket,
    tracer: &SharedTracer,
    prefix: &str,
) -> Result<(), Failure>
where
    C: DerefMut<Target = ConnectionCommon<D>>,
    D: SideData,
{
    while conn.is_handshaking() {
        let step = conn.complete_io(&mut SocketRef(socket));
        print_trace(tracer, prefix, false);
        match step {
            Ok((0, 0)) => return Err(Failure::Io(io::ErrorKind::UnexpectedEof.into())),
            Ok(_) => {}
            Err(e) => return Err(e.into()),
        }
    }
    // Whatever is still queued (the client's Finished) goes out now.
    while conn.wants_write() {
        conn.write_tls(&mut SocketRef(socket))?;
    }
    print_trace(tracer, prefix, false);
    Ok(())
}

/// `&mut dyn Socket` as a sized `Read + Write`.
pub struct SocketRef<'a>(pub &'a mut dyn Socket);

impl Read for SocketRef<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for SocketRef<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

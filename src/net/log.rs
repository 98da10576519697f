//! A log that never stops the server: bounded queues, one writer thread per
//! stream, lost lines counted instead of waited for.
//!
//! `println!` is the wrong tool for a server's log. It panics when standard
//! output is a closed pipe (a `| head` that has exited), and it blocks when
//! standard output is a pipe nobody reads: the 64 KiB pipe buffer fills and
//! every thread that logs, the accepting thread included, waits for ever.
//! Here each line goes into a bounded queue that a writer thread empties;
//! a full queue or a failed write loses the line and counts it, and serving
//! goes on. Refusals, which an attacker can cause by the thousand, are
//! rate-limited: at most [`REFUSALS_PER_SECOND`] a second are written, the
//! rest summed up in one line.

use std::prelude::rust_2024::*;

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::time::{Duration, Instant};

/// Lines waiting to be written, per stream; beyond this they are lost.
pub const QUEUE_LINES: usize = 4096;

/// Refusal lines written per second at most; the rest are counted.
pub const REFUSALS_PER_SECOND: u32 = 50;

enum Line {
    Plain(String),
    Refusal(String),
}

/// One stream's queue and its count of lost lines.
#[derive(Clone)]
struct Queue {
    to: SyncSender<Line>,
    lost: Arc<AtomicU64>,
}

impl Queue {
    fn start(sink: impl Write + Send + 'static, name: &str, notices: Option<Queue>) -> Self {
        let (to, from) = std::sync::mpsc::sync_channel(QUEUE_LINES);
        let lost = Arc::new(AtomicU64::new(0));
        let writer = Writer {
            sink,
            buf: Vec::new(),
            lost: Arc::clone(&lost),
            reported_lost: 0,
            notices,
            window: Instant::now(),
            refusals_in_window: 0,
            suppressed: 0,
        };
        // If no thread can be started, every line is lost (and counted):
        // still no panic and no blocking.
        let _ = std::thread::Builder::new()
            .name(format!("log {name}"))
            .spawn(move || writer.run(&from));
        Self { to, lost }
    }

    fn push(&self, line: Line) {
        match self.to.try_send(line) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.lost.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

struct Writer<W: Write> {
    sink: W,
    /// Lines taken from the queue, written to `sink` in one go.
    buf: Vec<u8>,
    lost: Arc<AtomicU64>,
    reported_lost: u64,
    /// Where to report this stream's lost lines (standard error, for
    /// standard output), if anywhere.
    notices: Option<Queue>,
    window: Instant,
    refusals_in_window: u32,
    suppressed: u64,
}

impl<W: Write> Writer<W> {
    fn run(mut self, from: &Receiver<Line>) {
        loop {
            let line = match from.recv_timeout(Duration::from_secs(1)) {
                Ok(line) => Some(line),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            };
            self.next_window();
            if let Some(line) = line {
                self.take(line);
                // Whatever else is waiting goes out in the same write.
                for line in from.try_iter().take(QUEUE_LINES) {
                    self.take(line);
                }
            }
            self.flush();
            self.report_lost();
        }
        self.flush();
    }

    fn take(&mut self, line: Line) {
        match line {
            Line::Plain(text) => self.push(&text),
            Line::Refusal(text) if self.refusals_in_window < REFUSALS_PER_SECOND => {
                self.refusals_in_window += 1;
                self.push(&text);
            }
            Line::Refusal(_) => self.suppressed += 1,
        }
    }

    fn push(&mut self, text: &str) {
        self.buf.extend_from_slice(text.as_bytes());
        self.buf.push(b'\n');
    }

    /// Writes what is buffered. On failure (a closed pipe) the lines are
    /// counted as lost and dropped, never retried: a sink that failed once
    /// would fail again on every line.
    fn flush(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let written = self
            .sink
            .write_all(&self.buf)
            .and_then(|()| self.sink.flush());
        if written.is_err() {
            let lines = self.buf.iter().filter(|&&b| b == b'\n').count();
            self.lost.fetch_add(lines as u64, Ordering::Relaxed);
        }
        self.buf.clear();
    }

    /// Starts a new one-second window, writing how many refusals the last
    /// one left out.
    fn next_window(&mut self) {
        let elapsed = self.window.elapsed();
        if elapsed < Duration::from_secs(1) {
            return;
        }
        if self.suppressed > 0 {
            let summary = format!(
                "rejected {} more connection(s) in the last {:.0} s, not logged one by one \
                 (at most {REFUSALS_PER_SECOND} refusals a second are)",
                self.suppressed,
                elapsed.as_secs_f64()
            );
            self.push(&summary);
        }
        self.window = Instant::now();
        self.refusals_in_window = 0;
        self.suppressed = 0;
    }

    fn report_lost(&mut self) {
        let lost = self.lost.load(Ordering::Relaxed);
        if lost > self.reported_lost
            && let Some(notices) = &self.notices
        {
            notices.push(Line::Plain(format!(
                "WARNING: {lost} line(s) of the log lost so far: \
                 the output is closed or nobody reads it fast enough"
            )));
            self.reported_lost = lost;
        }
    }
}

/// The server's log: standard output for the one line per connection,
/// standard error for notices. Cheap to clone; every clone writes to the
/// same queues.
#[derive(Clone)]
pub struct Log {
    out: Queue,
    err: Queue,
}

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Log")
            .field("lost", &self.lost())
            .finish_non_exhaustive()
    }
}

impl Log {
    /// A log to this process's standard output and standard error.
    pub fn stdio() -> Self {
        Self::new(io::stdout(), io::stderr())
    }

    /// A log to any two sinks (a test's pipes, files).
    pub fn new(out: impl Write + Send + 'static, err: impl Write + Send + 'static) -> Self {
        let err = Queue::start(err, "stderr", None);
        let out = Queue::start(out, "stdout", Some(err.clone()));
        Self { out, err }
    }

    /// A line on standard output; lost (and counted) rather than waited for.
    pub fn out(&self, line: impl Into<String>) {
        self.out.push(Line::Plain(line.into()));
    }

    /// A refused connection's line on standard output: at most
    /// [`REFUSALS_PER_SECOND`] of them a second are written, the rest are
    /// counted in one summary line.
    pub fn refusal(&self, line: impl Into<String>) {
        self.out.push(Line::Refusal(line.into()));
    }

    /// A line on standard error about a connection an attacker may have
    /// caused (an eviction, a key over its cap): rate-limited like
    /// [`Log::refusal`].
    pub fn err_refusal(&self, line: impl Into<String>) {
        self.err.push(Line::Refusal(line.into()));
    }

    /// A line on standard error.
    pub fn err(&self, line: impl Into<String>) {
        self.err.push(Line::Plain(line.into()));
    }

    /// A file reloader's notice on standard error, the one way every
    /// server prints them: a problem (a broken file, a list gone back in
    /// time) with `WARNING: ` in front, so that an operator can grep for it.
    pub fn notice(&self, notice: &dyn core::fmt::Display, problem: bool) {
        if problem {
            self.err(format!("WARNING: {notice}"));
        } else {
            self.err(notice.to_string());
        }
    }

    /// Lines lost so far on both streams: queue full or write failed.
    pub fn lost(&self) -> u64 {
        self.out.lost.load(Ordering::Relaxed) + self.err.lost.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A sink shared with the test.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// A pipe nobody reads: every write blocks (for a minute).
    struct Stuck;

    impl Write for Stuck {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            std::thread::sleep(Duration::from_secs(60));
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// A closed pipe: every write fails.
    struct Closed;

    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
    }

    fn wait_until(mut done: impl FnMut() -> bool) {
        let end = Instant::now() + Duration::from_secs(5);
        while !done() && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn a_stuck_output_never_blocks_the_caller_and_lost_lines_are_counted() {
        let log = Log::new(Stuck, Shared::default());
        let began = Instant::now();
        for n in 0..(QUEUE_LINES * 3) {
            log.out(format!("accepted client {n}"));
        }
        // A blocked caller would wait out the sink's 60 s write: anything
        // well below that proves the lines were never waited for.
        assert!(began.elapsed() < Duration::from_secs(30), "logging blocked");
        // The writer may hold one batch in hand (its first line plus up to
        // a queue's worth drained while the loop was still pushing) and the
        // queue holds another: everything past those is lost and counted.
        let kept_at_most = 1 + 2 * QUEUE_LINES as u64;
        let sent = 3 * QUEUE_LINES as u64;
        assert!(log.lost() >= sent - kept_at_most, "lost {}", log.lost());
    }

    #[test]
    fn a_closed_output_loses_lines_without_panicking_and_says_so_on_the_other() {
        let err = Shared::default();
        let log = Log::new(Closed, err.clone());
        for n in 0..10 {
            log.out(format!("accepted client {n}"));
        }
        wait_until(|| log.lost() >= 10);
        assert_eq!(log.lost(), 10);
        wait_until(|| !err.0.lock().unwrap().is_empty());
        let notices = String::from_utf8(err.0.lock().unwrap().clone()).unwrap();
        assert!(notices.contains("line(s) of the log lost"), "{notices}");
    }

    #[test]
    fn refusals_are_rate_limited_and_summed_up() {
        let out = Shared::default();
        let log = Log::new(out.clone(), Shared::default());
        log.out("listening");
        for n in 0..200 {
            log.refusal(format!("rejected {n}: too many"));
        }
        let text = || String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        wait_until(|| text().contains("more connection(s)"));
        let text = text();
        let one_by_one = text
            .lines()
            .filter(|l| l.starts_with("rejected") && l.ends_with("too many"))
            .count();
        assert_eq!(one_by_one, REFUSALS_PER_SECOND as usize, "{text}");
        assert!(text.contains("rejected 150 more connection(s)"), "{text}");
        assert!(text.starts_with("listening\n"));
    }
}

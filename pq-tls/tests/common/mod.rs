//! What the Lesson 19 real-TLS tests share: certificates in a temporary
//! directory, Lesson 16's binaries (built on first use), processes on
//! loopback port 0 stopped by their PID when dropped, bounded waits, and
//! the lesson's blocks of output, checked against a run (rewritten only
//! with LEARN_MTLS_BLESS=1).
#![allow(dead_code, reason = "each test file uses a different part")]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use learn_mtls_real_tls::certs::{self, Algorithm};
use learn_mtls_test_support::Spawned;

/// How long any one step may take.
pub const WAIT: Duration = Duration::from_secs(30);

/// Certificates for one test (`16-tls-certs`' six files), removed when dropped.
pub struct Pki(pub PathBuf);

impl Pki {
    pub fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("lesson19-pq-tls-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        certs::write_all(&dir, Algorithm::Ed25519, "learn-mtls lesson 19 CA", 30)
            .expect("certificates");
        Self(dir)
    }
    pub fn s(&self, file: &str) -> String {
        self.0.join(file).display().to_string()
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A Lesson 16 binary. `cargo test -p learn-mtls-pq-tls` does not build
/// another package's examples, so the first test that needs them builds
/// them (one `cargo build`, serialised).
pub fn lesson16(name: &str) -> PathBuf {
    learn_mtls_test_support::built_example(
        "learn-mtls-real-tls",
        &["16-tls-server", "16-tls-client"],
        name,
    )
}

/// A running process whose output lines (stdout and stderr, merged)
/// arrive on a channel; killed by its PID when dropped.
pub struct Running {
    name: String,
    process: Spawned,
    pub seen: Vec<String>,
}

impl Running {
    pub fn spawn(name: &str, command: &mut Command) -> Self {
        let process = Spawned::start(command, Stdio::piped())
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Self {
            name: name.to_owned(),
            process,
            seen: Vec::new(),
        }
    }

    /// Writes `text` to standard input, then closes it.
    pub fn send_and_close(&mut self, text: &str) {
        let mut stdin = self.process.child.stdin.take().expect("stdin still open");
        stdin.write_all(text.as_bytes()).expect("write to stdin");
    }

    /// Waits (bounded) for a line containing `needle`; returns it.
    pub fn expect(&mut self, needle: &str) -> String {
        if let Some(line) = self.seen.iter().find(|l| l.contains(needle)) {
            return line.clone();
        }
        let deadline = Instant::now() + WAIT;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.process.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => break,
            }
        }
        panic!(
            "{}: no line containing {needle:?} within {WAIT:?}; it printed:\n{}",
            self.name,
            self.seen.join("\n")
        );
    }

    /// Waits (bounded) for the process to exit; returns whether it
    /// succeeded, with everything it printed collected in `seen`.
    pub fn finish(&mut self) -> bool {
        let deadline = Instant::now() + WAIT;
        let status = loop {
            if let Some(status) = self.process.child.try_wait().expect("try_wait") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not exit within {WAIT:?}; it printed:\n{}",
                self.name,
                self.seen.join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        // The readers end when the pipes close.
        while let Ok(line) = self.process.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        status.success()
    }

    /// Every line seen so far, one per line.
    pub fn output(&self) -> String {
        self.seen.join("\n")
    }
}

/// Runs `f` on a thread and waits for its result, at most [`WAIT`].
pub fn bounded<T: Send + 'static>(
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Receiver<T> {
    let (tx, rx) = channel();
    let what = what.to_owned();
    std::thread::Builder::new()
        .name(what)
        .spawn(move || {
            let _ = tx.send(f());
        })
        .expect("a thread");
    rx
}

/// The value `rx` delivers within [`WAIT`].
pub fn within<T>(what: &str, rx: &Receiver<T>) -> T {
    rx.recv_timeout(WAIT)
        .unwrap_or_else(|_| panic!("{what} did not finish within {WAIT:?}"))
}

/// The lines of a run that the lesson shows: each hello and its
/// key_share lines (course notes and `[observed...]` labels cut), the
/// binary's `key exchange` lines after them; `trace 127.0.0.1:PORT:`
/// made `trace:`.
pub fn lesson_lines(output: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in output.lines() {
        let line = match line.strip_prefix("trace ") {
            Some(rest) if !rest.starts_with(':') => match rest.split_once(": ") {
                Some((_, tail)) => format!("trace: {tail}"),
                None => line.to_owned(),
            },
            _ => line.to_owned(),
        };
        let keep = line.contains("Hello")
            || line.contains("key_share:")
            || line.contains("negotiated group")
            || line.starts_with("key exchange");
        if !keep || line.contains(" record, ") {
            continue;
        }
        let line = line.split("  ~ course: ").next().unwrap_or(&line);
        let line = line.split(" [observed").next().unwrap_or(line);
        // The server's `key exchange with 127.0.0.1:PORT: GROUP`, without the port.
        let line = match line.strip_prefix("key exchange with ") {
            Some(rest) => format!(
                "key exchange with the client: {}",
                rest.split_once(": ").map_or("", |(_, group)| group)
            ),
            None => line.to_owned(),
        };
        out.push(line);
    }
    // The trace is one stream (stderr), in order; the binaries' other
    // lines go to both streams, so their place among the trace lines
    // varies from run to run: they go last, in a fixed order.
    let (trace, mut other): (Vec<String>, Vec<String>) =
        out.into_iter().partition(|l| l.starts_with("trace: "));
    other.sort();
    trace.into_iter().chain(other).collect()
}

/// The lesson this crate's output appears in.
fn lesson_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../lessons/19-post-quantum.md")
}

/// The block of `lessons/19-post-quantum.md` after `<!-- pq-tls: NAME -->`
/// must be exactly `lines`; with LEARN_MTLS_BLESS=1 it is rewritten.
pub fn check_lesson_block(name: &str, lines: &[String]) {
    static LESSON: Mutex<()> = Mutex::new(());
    let _guard = LESSON
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let path = lesson_path();
    let text = std::fs::read_to_string(&path).expect("the lesson");
    let marker = format!("<!-- pq-tls: {name} -->\n```text\n");
    let start = text
        .find(&marker)
        .unwrap_or_else(|| panic!("{}: no `{}` block", path.display(), marker.trim_end()))
        + marker.len();
    let end = start + text[start..].find("```\n").expect("the block's end");
    let want: String = lines.iter().map(|l| format!("{l}\n")).collect();
    if text[start..end] == want {
        return;
    }
    if std::env::var_os("LEARN_MTLS_BLESS").is_some_and(|v| v == "1") {
        let new = format!("{}{want}{}", &text[..start], &text[end..]);
        std::fs::write(&path, new).expect("rewrite the lesson");
        eprintln!(
            "LEARN_MTLS_BLESS=1: rewrote the `{name}` block of {}",
            path.display()
        );
        return;
    }
    panic!(
        "the `{name}` block of {} differs from this run (rewrite it with \
         LEARN_MTLS_BLESS=1 if the change is intended):\n--- lesson\n{}--- this run\n{want}",
        path.display(),
        &text[start..end]
    );
}

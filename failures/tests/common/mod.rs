//! What the Lesson 18 tests share: the lesson binaries (this crate's and
//! Lesson 16's), the real tools (a missing tool FAILS the test; `.ci/run`
//! installs them), the two certificate sets, and processes on loopback
//! port 0 stopped by their PID when dropped. Every wait is bounded.
#![allow(
    dead_code,
    unused_imports,
    reason = "each test file uses a different part"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use learn_mtls_test_support::Spawned;

/// How long any one step may take.
pub const WAIT: Duration = Duration::from_secs(20);

pub use learn_mtls_test_support::{TempDir, example, lesson16};

/// A file of this crate.
pub fn asset(part: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(part)
}

/// Fails (never skips) when `tool` does not run.
pub fn require(tool: &str, version_arg: &str, install: &str) {
    learn_mtls_test_support::require("the Lesson 18 tests", tool, version_arg, install);
}

/// Which tool made a certificate set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Maker {
    /// `18-failure-certs` (rcgen, the course's tool).
    Course,
    /// `failures/openssl-failures.sh` (plain openssl commands).
    Openssl,
}

/// Writes a certificate set into `dir`. The Ed448 certificate, which only
/// OpenSSL can make, comes from the script in both cases.
pub fn make_set(maker: Maker, dir: &TempDir) {
    require("openssl", "version", "apt-get install -y openssl");
    let script = asset("openssl-failures.sh");
    match maker {
        Maker::Openssl => {
            run_ok(Command::new("bash").arg(&script).arg(&dir.0));
        }
        Maker::Course => {
            let side = dir.join("openssl-side");
            run_ok(Command::new("bash").arg(&script).arg(&side));
            run_ok(
                Command::new(example("18-failure-certs"))
                    .arg("--out")
                    .arg(&dir.0),
            );
            // Ed448 under the course's intermediate is impossible (ring
            // cannot sign with it, nor do we need it to): take the
            // script's, with its own CA files beside it.
            for f in ["ed448-server-full.pem", "ed448-server.key"] {
                std::fs::copy(side.join(f), dir.join(f)).expect("copy");
            }
            std::fs::copy(side.join("ca.pem"), dir.join("ed448-ca.pem")).expect("copy");
            std::fs::copy(
                side.join("intermediate.pem"),
                dir.join("ed448-intermediate.pem"),
            )
            .expect("copy");
        }
    }
}

/// Runs `command` and requires success.
pub fn run_ok(command: &mut Command) -> Output {
    let out = command.output().expect("the command runs");
    assert!(
        out.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `command` with a time limit (killed by PID past it); returns its
/// exit code and what it printed on stdout and stderr.
pub fn run_bounded(command: &mut Command, input: &[u8], limit: Duration) -> (Option<i32>, String) {
    let run = learn_mtls_test_support::run_limited(command, Some(input), limit);
    let mut text = String::from_utf8_lossy(&run.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&run.stderr));
    (run.status.and_then(|s| s.code()), text)
}

/// A server process, stopped (by its PID) when dropped; its output lines
/// are collected.
pub struct Server {
    process: Spawned,
    pub addr: String,
    seen: Mutex<Vec<String>>,
}

impl Server {
    /// Starts `command`, which must print `listening on HOST:PORT` (ours and
    /// the lab's Python) or `ACCEPT HOST:PORT` (`openssl s_server`, which
    /// reports the port it got for port 0).
    pub fn start(command: &mut Command) -> Self {
        let process =
            Spawned::start(command, Stdio::piped()).unwrap_or_else(|e| panic!("{command:?}: {e}"));
        let deadline = Instant::now() + WAIT;
        let mut seen = Vec::new();
        let addr = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            // On a panic, `process` is dropped: killed.
            let line = process.lines.recv_timeout(left).unwrap_or_else(|_| {
                panic!("{command:?} never said where it listens; it printed: {seen:?}")
            });
            seen.push(line.clone());
            if let Some(addr) = line
                .strip_prefix("listening on ")
                .or_else(|| line.strip_prefix("ACCEPT "))
            {
                break addr.trim().to_owned();
            }
        };
        Self {
            process,
            addr,
            seen: Mutex::new(seen),
        }
    }

    /// The port in `addr`.
    pub fn port(&self) -> &str {
        self.addr.rsplit(':').next().unwrap_or("")
    }

    /// Every line the server printed so far, after waiting `settle` for more.
    pub fn output(&self, settle: Duration) -> Vec<String> {
        let deadline = Instant::now() + settle;
        let mut seen = self.seen.lock().expect("lock");
        while let Ok(line) = self
            .process
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            seen.push(line);
        }
        seen.clone()
    }
}

/// What stays of a message once what changes between runs is taken out:
/// `dir` becomes `DIR`, and times, long numbers, serials and ports become
/// `TIME`, `N`, `SERIAL` and `PORT`.
pub fn normalize(message: &str, dir: &Path) -> String {
    let mut text = message.replace(&dir.display().to_string(), "DIR");
    let rules = [
        // OpenSSL's thread id before `:error:` and its source position after.
        (r"^[0-9A-F]{8,}:error:", "error:"),
        (r":\.\./[a-z_/]+\.c:\d+:.*$", ""),
        // Python's source position.
        (r" \(_ssl\.c:\d+\)", ""),
        // Times: ISO 8601, OpenSSL's, Unix seconds.
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "TIME"),
        (r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", "TIME"),
        (r"\b\d{6,}\b", "N"),
        // Serial numbers and other long hex.
        (r"\b[0-9a-f]{16,}\b", "SERIAL"),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:PORT"),
        (r"localhost:\d+", "localhost:PORT"),
    ];
    for (pattern, with) in rules {
        text = regex::Regex::new(pattern)
            .expect("pattern")
            .replace_all(&text, with)
            .into_owned();
    }
    text.trim().to_owned()
}

/// The generated text between the markers `start` and `end` of
/// `lessons/18-failures.md`: `LEARN_MTLS_BLESS=1` (and only that) rewrites
/// it; otherwise the lesson must already say exactly `generated`, and a
/// stale lesson fails the test, naming `bless` (the command that rewrites it).
pub fn lesson_block(start: &str, end: &str, generated: &str, bless: &str) {
    let lesson = Path::new(env!("CARGO_MANIFEST_DIR")).join("../lessons/18-failures.md");
    let text = std::fs::read_to_string(&lesson).expect("lessons/18-failures.md");
    let (Some(from), Some(to)) = (text.find(start), text.find(end)) else {
        panic!("lessons/18-failures.md lacks the markers {start} ... {end}");
    };
    let current = &text[from + start.len()..to];
    let wanted = format!("\n{generated}");
    if std::env::var_os("LEARN_MTLS_BLESS").is_some_and(|v| v == "1") {
        let updated = format!("{}{start}{wanted}{}", &text[..from], &text[to..]);
        std::fs::write(&lesson, updated).expect("write the lesson");
        return;
    }
    assert!(
        current == wanted,
        "the table after {start} in lessons/18-failures.md is stale; rerun with \
         {bless}\n--- in the lesson\n{current}\n--- from the tools today\n{wanted}"
    );
}

/// `openssl ocsp` as a responder on a port of its choosing (`-port 0`),
/// started in `dir` with `args` (`-index`, `-rsigner`, ...); it reads its
/// index once, when it starts. Returns it and its URL.
pub fn ocsp_responder(dir: &TempDir, args: &[&str]) -> (Server, String) {
    require("openssl", "version", "apt-get install -y openssl");
    let server = Server::start(
        Command::new("openssl")
            .current_dir(&dir.0)
            .args(["ocsp", "-port", "0"])
            .args(args),
    );
    // It says `ACCEPT [::]:PORT PID=...`.
    let port = server
        .addr
        .split_whitespace()
        .next()
        .and_then(|a| a.rsplit(':').next())
        .expect("a port")
        .to_owned();
    (server, format!("http://127.0.0.1:{port}"))
}

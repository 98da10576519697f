//! What the Lesson 18 tests share: the lesson binaries (this crate's and
//! Lesson 16's), the real tools (a missing tool FAILS the test; `.ci/run`
//! installs them), the two certificate sets, and processes on loopback
//! port 0 stopped by their PID when dropped. Every wait is bounded.
#![allow(dead_code, reason = "each test file uses a different part")]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long any one step may take.
pub const WAIT: Duration = Duration::from_secs(20);

fn examples_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/debug")
        .join("examples")
}

/// A binary of this crate, built beside the test by `cargo test`.
pub fn example(name: &str) -> PathBuf {
    let path = examples_dir().join(name);
    assert!(path.exists(), "{} is missing", path.display());
    path
}

/// A Lesson 16 binary (`16-tls-server`, `16-tls-client`, `16-tls-certs`). `cargo test -p
/// learn-mtls-failures` does not build another package's examples, so the
/// first test that needs them builds them (one `cargo build`, serialised).
pub fn lesson16(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let status = Command::new(cargo)
            .args([
                "build",
                "--quiet",
                "-p",
                "learn-mtls-real-tls",
                "--example",
                "16-tls-server",
                "--example",
                "16-tls-client",
                "--example",
                "16-tls-certs",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building Lesson 16's binaries failed");
    });
    example(name)
}

/// A file of this crate.
pub fn asset(part: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(part)
}

/// Fails (never skips) when `tool` does not run.
pub fn require(tool: &str, version_arg: &str, install: &str) {
    let found = Command::new(tool)
        .arg(version_arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "`{tool}` is required by the Lesson 18 tests and did not run \
         (install: {install}; .ci/run does this)"
    );
}

/// A temporary directory, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("lesson18-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }
    pub fn join(&self, part: &str) -> PathBuf {
        self.0.join(part)
    }
    pub fn s(&self, part: &str) -> String {
        self.join(part).display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
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
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write as _;
        let _ = stdin.write_all(input);
    }
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        s
    });
    let start = Instant::now();
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut text = String::from_utf8_lossy(&out.join().unwrap_or_default()).into_owned();
    text.push_str(&String::from_utf8_lossy(&err.join().unwrap_or_default()));
    (code, text)
}

/// A server process, stopped (by its PID) when dropped; its output lines
/// are collected.
pub struct Server {
    child: Child,
    pub addr: String,
    lines: Receiver<String>,
    seen: Mutex<Vec<String>>,
}

impl Server {
    /// Starts `command`, which must print `listening on HOST:PORT` (ours and
    /// the lab's Python) or `ACCEPT HOST:PORT` (`openssl s_server`, which
    /// reports the port it got for port 0).
    pub fn start(command: &mut Command) -> Self {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{command:?}: {e}"));
        let (tx, lines) = channel();
        for stream in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        let deadline = Instant::now() + WAIT;
        let mut seen = Vec::new();
        let addr = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = lines.recv_timeout(left).unwrap_or_else(|_| {
                let _ = child.kill();
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
            child,
            addr,
            lines,
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
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            seen.push(line);
        }
        seen.clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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

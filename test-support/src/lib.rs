//! What the integration tests of Lessons 16 to 19 (`real-tls/`,
//! `services/`, `failures/`, `pq-tls/`) share, std only: a temporary
//! directory removed on drop, the example binaries (and Lesson 16's,
//! built on first use), tools that must be there (a missing one FAILS the
//! test, naming how to install it), commands run with a time limit, and
//! processes whose output lines arrive on a channel, killed by their PID
//! when dropped. Each crate's `tests/common` keeps what is its own.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

/// A temporary directory, `TMP/PREFIX-NAME-PID`, emptied when made and
/// removed when dropped (also when a check fails).
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(prefix: &str, name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("{prefix}-{name}-{}", std::process::id()));
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

/// `target/debug/examples`, beside the running test binary
/// (`target/debug/deps/NAME-HASH`).
pub fn examples_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/debug")
        .join("examples")
}

/// An example binary, which must exist: `cargo test -p PACKAGE` builds
/// the package's own.
pub fn example(name: &str) -> PathBuf {
    let path = examples_dir().join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build -p PACKAGE --examples`",
        path.display()
    );
    path
}

/// An example of another package (`cargo test -p PACKAGE` does not build
/// other packages' examples): the first call for each of `examples` builds
/// them all with one `cargo build -p package` (serialised), then `name`
/// must exist.
pub fn built_example(package: &str, examples: &[&str], name: &str) -> PathBuf {
    static BUILT: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let mut built = BUILT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let wanted = |e: &&str| !built.contains(&format!("{package} {e}"));
    if examples.iter().any(wanted) {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let mut command = Command::new(cargo);
        command.args(["build", "--quiet", "-p", package]);
        for e in examples {
            command.args(["--example", e]);
        }
        let status = command
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building {package}'s {examples:?} failed");
        built.extend(examples.iter().map(|e| format!("{package} {e}")));
    }
    example(name)
}

/// Lesson 16's binaries (`16-tls-server`, `16-tls-client`, `16-tls-certs`),
/// built on first use; `name` is one of them.
pub fn lesson16(name: &str) -> PathBuf {
    built_example(
        "learn-mtls-real-tls",
        &["16-tls-server", "16-tls-client", "16-tls-certs"],
        name,
    )
}

/// Fails (never skips) when `tool version_arg` does not run: `by` names
/// the tests that need it, `install` how to install it.
pub fn require(by: &str, tool: &str, version_arg: &str, install: &str) {
    let found = Command::new(tool)
        .arg(version_arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "`{tool}` is required by {by} and did not run (install: {install}; .ci/run does this)"
    );
}

/// What [`run_limited`] saw: the exit status (`None`: killed at the time
/// limit) and everything printed on stdout and stderr.
pub struct Limited {
    pub status: Option<ExitStatus>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Runs `command` to its end or until `limit`, when it is killed (by its
/// PID). `input`: written to its standard input, which is then closed;
/// `None`: no standard input at all.
pub fn run_limited(command: &mut Command, input: Option<&[u8]>, limit: Duration) -> Limited {
    let mut child = command
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    if let (Some(mut stdin), Some(input)) = (child.stdin.take(), input) {
        let _ = stdin.write_all(input);
    }
    let read = |mut stream: Box<dyn Read + Send>| {
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = stream.read_to_end(&mut buf);
            let _ = tx.send(buf);
        });
        rx
    };
    let out = read(Box::new(child.stdout.take().expect("stdout")));
    let err = read(Box::new(child.stderr.take().expect("stderr")));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // The pipes close when it ends; once it is killed, a process it started
    // may still hold them: its output then counts only if they close
    // within 5 s, so that the time limit holds.
    let collect = |rx: Receiver<Vec<u8>>| match status {
        Some(_) => rx.recv().unwrap_or_default(),
        None => rx.recv_timeout(Duration::from_secs(5)).unwrap_or_default(),
    };
    Limited {
        status,
        stdout: collect(out),
        stderr: collect(err),
    }
}

/// A running process whose output lines (stdout and stderr, merged, each
/// in its own order) arrive on `lines`; killed by its PID when dropped.
pub struct Spawned {
    pub child: Child,
    pub lines: Receiver<String>,
}

impl Spawned {
    /// Starts `command` with `stdin` and its stdout and stderr read line by line.
    pub fn start(command: &mut Command, stdin: Stdio) -> std::io::Result<Self> {
        let mut child = command
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
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
        Ok(Self { child, lines })
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temp_dir_is_removed_when_dropped() {
        let dir = TempDir::new("test-support", "drop");
        std::fs::write(dir.join("file"), "x").expect("write");
        let path = dir.0.clone();
        drop(dir);
        assert!(!path.exists(), "{} survived the drop", path.display());
    }

    #[test]
    fn a_command_past_its_limit_is_killed_and_says_so() {
        let start = Instant::now();
        let run = run_limited(
            Command::new("sleep").arg("30"),
            None,
            Duration::from_millis(200),
        );
        assert!(run.status.is_none(), "no exit status past the limit");
        assert!(start.elapsed() < Duration::from_secs(10), "killed in time");
    }

    #[test]
    fn a_command_gets_its_input_and_both_streams_are_kept() {
        let run = run_limited(
            Command::new("sh").args(["-c", "cat; echo err >&2"]),
            Some(b"in\n"),
            Duration::from_secs(20),
        );
        assert!(run.status.is_some_and(|s| s.success()));
        assert_eq!(run.stdout, b"in\n");
        assert_eq!(run.stderr, b"err\n");
    }

    #[test]
    fn a_spawned_process_sends_lines_from_both_streams() {
        let process = Spawned::start(
            Command::new("sh").args(["-c", "echo out; echo err >&2; sleep 30"]),
            Stdio::null(),
        )
        .expect("sh starts");
        let mut got: Vec<String> = (0..2)
            .map(|_| {
                process
                    .lines
                    .recv_timeout(Duration::from_secs(20))
                    .expect("a line")
            })
            .collect();
        got.sort();
        assert_eq!(got, ["err", "out"]);
    }

    #[test]
    #[should_panic(expected = "is required by these tests")]
    fn a_missing_tool_fails_naming_how_to_install_it() {
        require(
            "these tests",
            "learn-mtls-no-such-tool",
            "--version",
            "apt-get install -y nothing",
        );
    }
}

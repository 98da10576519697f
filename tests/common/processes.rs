//! A lesson server run as a real process, for the tests that drive the
//! binaries as a learner would: started on a free loopback port, its
//! standard output read line by line, killed when the test ends.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use super::binaries::example;

/// How long a server may take to print a line before the test gives up.
const LINE_TIMEOUT: Duration = Duration::from_secs(20);

/// A running server: its address and its standard output, line by line.
pub struct Server {
    child: Child,
    /// `HOST:PORT`, from its `listening on` line.
    pub addr: String,
    lines: Receiver<String>,
    /// When its `listening on` line arrived. The servers read their clock
    /// (`--now`) before printing it, so from here on their clock is at least
    /// `--now` plus the time measured since.
    pub started: Instant,
}

impl Server {
    /// Starts example `binary` in `dir` with `--listen 127.0.0.1:0` and
    /// `args`, and waits for its `listening on HOST:PORT` line.
    pub fn start(binary: &str, dir: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(example(binary))
            .current_dir(dir)
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start server");
        let stdout = child.stdout.take().expect("piped stdout");
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = send.send(line);
            }
        });
        let first = lines.recv_timeout(LINE_TIMEOUT).expect("a first line");
        let started = Instant::now();
        let addr = first
            .strip_prefix("listening on ")
            .unwrap_or_else(|| {
                panic!("first line should be `listening on HOST:PORT`, got {first:?}")
            })
            .to_owned();
        Server {
            child,
            addr,
            lines,
            started,
        }
    }

    /// The next line the server prints (one per connection).
    pub fn next_line(&self) -> String {
        self.lines
            .recv_timeout(LINE_TIMEOUT)
            .expect("the server prints a line per connection")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

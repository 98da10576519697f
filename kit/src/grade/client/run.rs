//! Running the client command once: started with its placeholders filled,
//! its connection accepted, its exit and output collected.

use super::Target;
use crate::grade::conn::Conn;
use crate::grade::report::{Failure, fail};
use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// One run of the client command; killed if still running when dropped.
pub(super) struct Run {
    pub(super) child: Child,
    pub(super) stdout: Receiver<Vec<u8>>,
    pub(super) stderr: Receiver<Vec<u8>>,
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How the client ended.
pub(super) struct Exit {
    /// `None` if it had to be killed.
    pub(super) status: Option<ExitStatus>,
    pub(super) stdout: Vec<u8>,
    pub(super) stderr: String,
}

impl Exit {
    pub(super) fn describe_status(&self) -> String {
        match self.status {
            Some(status) => format!("it exited with {status}"),
            None => "it was still running, and was killed".into(),
        }
    }

    /// The last line of standard error, for context.
    pub(super) fn said(&self) -> String {
        match self.stderr.lines().rev().find(|l| !l.trim().is_empty()) {
            Some(line) => format!("; its last words: {:?}", line.trim()),
            None => String::new(),
        }
    }
}

pub(super) fn collect(mut from: impl Read + Send + 'static) -> Receiver<Vec<u8>> {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = from.read_to_end(&mut bytes);
        let _ = send.send(bytes);
    });
    receive
}

pub(super) fn start(t: &Target, input: &str) -> Result<Run, Failure> {
    let mut child = Command::new(&t.command[0])
        .args(&t.command[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            fail(
                format!("to start the client command {:?}", t.command[0]),
                e.to_string(),
                "--client-cmd",
            )
        })?;
    let mut stdin = child.stdin.take().expect("piped");
    let input = input.to_owned();
    // Written from a thread: a client that reads nothing must not block us.
    std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let stdout = collect(child.stdout.take().expect("piped"));
    let stderr = collect(child.stderr.take().expect("piped"));
    Ok(Run {
        child,
        stdout,
        stderr,
    })
}

/// Waits for the client to end (killing it after the timeout).
pub(super) fn wait(t: &Target, run: Run) -> Exit {
    wait_for(t.timeout, run)
}

/// Waits for the client to end, killing it after `patience`.
pub(super) fn wait_for(patience: Duration, mut run: Run) -> Exit {
    let deadline = Instant::now() + patience;
    let status = loop {
        match run.child.try_wait() {
            Ok(Some(status)) => break Some(status),
            // Polls for the client's exit (bounded by `patience`).
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = run.child.kill();
                let _ = run.child.wait();
                break None;
            }
        }
    };
    let grace = Duration::from_secs(1);
    let stdout = run.stdout.recv_timeout(grace).unwrap_or_default();
    let stderr = run.stderr.recv_timeout(grace).unwrap_or_default();
    Exit {
        status,
        stdout,
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// The client's connection, within the timeout.
pub(super) fn accept(t: &Target, run: &mut Run) -> Result<Conn, Failure> {
    let patience = if t.started.get() {
        t.timeout
    } else {
        t.start_timeout.max(t.timeout)
    };
    let deadline = Instant::now() + patience;
    let _ = t.listener.set_nonblocking(true);
    loop {
        match t.listener.accept() {
            Ok((stream, _)) => {
                t.started.set(true);
                let _ = stream.set_nonblocking(false);
                return Ok(Conn::new(stream, t.timeout));
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => {
                return Err(fail(
                    "a connection from the client",
                    e.to_string(),
                    "--client-cmd",
                ));
            }
        }
        if let Ok(Some(status)) = run.child.try_wait() {
            let stderr = run
                .stderr
                .recv_timeout(Duration::from_secs(1))
                .unwrap_or_default();
            let stderr = String::from_utf8_lossy(&stderr);
            return Err(fail(
                "a connection from the client",
                format!(
                    "none: it exited with {status} first; standard error: {:?}",
                    stderr.trim()
                ),
                "--client-cmd",
            ));
        }
        if Instant::now() >= deadline {
            return Err(fail(
                "a connection from the client",
                format!("none within {}s", patience.as_secs()),
                "--client-cmd",
            ));
        }
        // Polls the non-blocking listener (bounded by `patience`).
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Starts the command with `input` on its standard input and takes its connection.
pub(super) fn launch(t: &Target, input: &str) -> Result<(Run, Conn), Failure> {
    let mut run = start(t, input)?;
    let conn = accept(t, &mut run)?;
    Ok((run, conn))
}

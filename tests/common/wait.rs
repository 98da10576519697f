//! Waiting for something to happen, with a deadline, instead of sleeping a
//! fixed time and hoping it happened meanwhile.

use std::path::Path;
use std::time::{Duration, Instant};

/// How often [`until`] looks again.
const POLL: Duration = Duration::from_millis(10);

/// Looks at `done` until it holds, for at most `limit`; whether it held.
pub fn until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(POLL);
    }
}

/// How many sockets process `pid` holds open: its entries in
/// `/proc/PID/fd` that link to `socket:[…]` (Linux). `None` where there is
/// no `/proc`, or once the process is gone.
pub fn open_sockets(pid: u32) -> Option<usize> {
    let entries = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?;
    Some(
        entries
            .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
            .filter(|target| target.to_string_lossy().starts_with("socket:"))
            .count(),
    )
}

/// A server process's sockets before some connections, to wait for it to
/// accept them with [`Sockets::until_accepted`].
pub struct Sockets {
    pid: u32,
    before: Option<usize>,
}

impl Sockets {
    /// Counts the sockets process `pid` holds now (its listener, and any
    /// connections already open).
    pub fn of(pid: u32) -> Sockets {
        Sockets {
            pid,
            before: open_sockets(pid),
        }
    }

    /// Waits (at most 5 s) until the process holds `n` more sockets than
    /// when counted: it has accepted that many more connections. Panics
    /// if it does not. Without `/proc` (not Linux) there is nothing to
    /// look at: it waits a fixed 200 ms instead.
    pub fn until_accepted(&self, n: usize) {
        let Some(before) = self.before.filter(|_| Path::new("/proc/self/fd").exists()) else {
            std::thread::sleep(Duration::from_millis(200));
            return;
        };
        let mut seen = before;
        let accepted = until(Duration::from_secs(5), || {
            seen = open_sockets(self.pid).unwrap_or(0);
            seen >= before + n
        });
        assert!(
            accepted,
            "the server did not accept {n} connections within 5 s: {seen} sockets open, {before} before"
        );
    }
}

//! Saying what a long build is doing, so that a first build is never a
//! silent minute.
//!
//! Standard library only. One implementation for two binaries: `cargo
//! course` compiles it as its own module (the build of the exercises), and
//! the exercises' check binary includes this same file with `#[path]` (the
//! build of the lesson binaries the finales run). The check binary's
//! standard error is piped to `cargo course`, which passes on at once every
//! line that starts with [`PREFIX`].

use std::process::{Child, Output};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// What every progress line starts with.
pub const PREFIX: &str = "cargo course: ";

/// Waits for `child` (a build); if it is still running after a second,
/// says `what` it is building on standard error, then how long it has
/// taken every 15 seconds, and at the end how long it took.
///
/// # Errors
/// Waiting for the child failed.
pub fn wait_saying(child: Child, what: &str) -> std::io::Result<Output> {
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    let began = Instant::now();
    let mut said = false;
    loop {
        let wait = if said { 15 } else { 1 };
        match finished.recv_timeout(Duration::from_secs(wait)) {
            Ok(output) => {
                if said {
                    eprintln!("{PREFIX}built in {} s", began.elapsed().as_secs());
                }
                return output;
            }
            Err(RecvTimeoutError::Timeout) => {
                if said {
                    eprintln!("{PREFIX}still building ({} s)", began.elapsed().as_secs());
                } else {
                    eprintln!("{PREFIX}{what}...");
                    said = true;
                }
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Err(std::io::Error::other("the build's waiting thread ended"));
            }
        }
    }
}

//! The siege engine: the real server binary under each of Lesson 14's
//! attacks, with honest clients probing it meanwhile.
//!
//! Used by the `14-attack-*` examples, `14-siege` and the Lesson 14 tests
//! as `learn_mtls_kit::siege`. It starts the real
//! `11-mtls-server` (or `14-async-server`) as a child process, so that what
//! is measured is the program a learner runs, with its own file
//! descriptors, threads and memory (read from `/proc/<pid>/status`).
//!
//! Everything is bounded: connections by count, attacks by time, and every
//! socket has a timeout.

use std::time::Duration;

mod attack;
mod honest;
mod memory;
mod outcome;
mod server;

pub use attack::{Attack, Recorded, closed, trickled_byte};
pub use honest::{Probes, honest, honest_in_process, use_real_client};
pub use memory::{Memory, Sampler, threads_settle};
pub use outcome::{Outcome, naive_and_defended, server_from_args};
pub use server::{Keys, Log, Server, Stdout, sibling};

/// How long an honest client may take, from `connect()` to its echo.
pub const HONEST_DEADLINE: Duration = Duration::from_secs(5);

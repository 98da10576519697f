//! The course's kit: what the lesson binaries (`examples/NN-*.rs`) and the
//! tests share, kept out of the library because none of it is part of the
//! protocol. The root crate depends on it as a dev-dependency only.
//!
//! - [`attack`]: Mallory's workbench and the five attacks of Lesson 13 that
//!   the `13-attack-*` examples and the tour run;
//! - [`client`]: what the lesson clients say, for the attacks that quote
//!   them;
//! - [`siege`]: the siege engine, for Lesson 14's `14-attack-*` examples,
//!   `14-siege` and `tests/lesson14_availability.rs`;
//! - [`grade`]: the black-box graders `10-grade` and `11-grade` (and their
//!   `spec`, which `tests/grader.rs` builds its broken peers on);
//! - [`server`]: the lesson servers' one core: the flags, the start-up, the
//!   admission refusals, eviction, the per-key cap and the re-check before
//!   each message, shared by `11-mtls-server`, `14-async-server` and
//!   `15-mtls-server` (each a thin binary giving it a `Trust`);
//! - [`primitives`]: the handshake's bare public-key work, the yardstick of
//!   `examples/load/` and the benchmarks;
//! - [`cost`]: the timing loop and the in-memory handshake of Lesson 19's
//!   `19-handshake-cost` and `19-identity-cost`;
//! - [`vectors`]: the golden vector files' `name = value` format.

pub mod attack;
pub mod client;
pub mod cost;
pub mod grade;
pub mod primitives;
pub mod server;
pub mod siege;
pub mod vectors;

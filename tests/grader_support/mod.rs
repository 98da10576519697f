//! The helpers of `tests/grader.rs`, which keeps its `main`, the list of
//! cases and the runner: what a case is ([`case`]), the graders run against
//! the reference binaries ([`runs`]), and against the deliberately broken
//! peers ([`faults`]).

pub mod case;
pub mod faults;
pub mod runs;

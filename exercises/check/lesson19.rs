//! The checks of Lesson 19's exercises.
//!
//! One file per exercise's check, named after it; `fixtures` is what the
//! checks share (the golden hybrid transcripts and a real hybrid handshake).

mod client;
mod combiner;
mod fixtures;

pub use client::client;
pub use combiner::combiner;

//! The helpers of `tests/golden_transcripts.rs`, which keeps only the tests:
//! the cases and their vector files ([`cases`]), route 1 through the
//! library ([`library`]), route 2 through the primitives ([`second_route`],
//! with each identity scheme's signatures in [`signatures`]), and the
//! files' text ([`render`]).

pub mod cases;
pub mod library;
pub mod render;
pub mod second_route;
pub mod signatures;

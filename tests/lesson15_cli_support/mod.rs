//! The helpers of `tests/lesson15_cli.rs`, which keeps only the tests: a
//! PKI made with `15-ca` ([`ca`]), the server and client runs ([`peers`]),
//! and the lesson pages' commands replayed ([`pages`]).

pub mod ca;
pub mod pages;
pub mod peers;

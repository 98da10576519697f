//! The helpers of `tests/keyfile.rs`, which keeps only the tests: a scratch
//! directory that writes files with exact permissions ([`dir`]), and Alice's
//! key in each of the forms a key file holds ([`keys`]).

pub mod dir;
pub mod keys;

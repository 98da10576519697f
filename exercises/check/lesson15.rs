//! The checks of Lesson 15's exercises: each piece of certificate
//! verification against the library's, then plugged into a certified
//! handshake with the library on the other side.
//!
//! One file per exercise's check, named after it; `fixtures`, `walk` and
//! `handshake` are what the checks share.

mod chain;
mod crl;
mod finale;
mod fixtures;
mod handshake;
mod issuer_signature;
mod validity;
mod walk;

pub use chain::chain;
pub use crl::crl;
pub use finale::finale;
pub use issuer_signature::issuer_signature;
pub use validity::validity;

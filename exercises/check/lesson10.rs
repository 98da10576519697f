//! The checks of Lesson 10's exercises.
//!
//! One file per exercise's check, named after it; `fixtures` is what the
//! checks share (`connect`, `malleate`, `BINDINGS` and `h32` also serve
//! the later lessons' checks).

mod client;
mod fixtures;
mod key_schedule;
mod nonce;
mod records;
mod server_signature;
mod shared_secret;

pub use client::client;
pub use fixtures::{BINDINGS, connect, h32};
pub use key_schedule::key_schedule;
pub use nonce::nonce;
pub use records::records;
pub use server_signature::{malleate, server_signature};
pub use shared_secret::shared_secret;

//! The checks of Lesson 12's exercises: published vectors, the library on
//! random inputs, and (where the handshake uses the piece) a real
//! handshake under `--schedule tls12-prf`.
//!
//! One file per exercise's check, named after it; `fixtures` is what the
//! checks share.

mod extended_master_secret;
mod fixtures;
mod key_block;
mod master_secret;
mod p_hash;
mod prf;
mod verify_data;

pub use extended_master_secret::extended_master_secret;
pub use key_block::key_block;
pub use master_secret::master_secret;
pub use p_hash::p_hash;
pub use prf::prf;
pub use verify_data::verify_data;

//! The helpers of `tests/lesson11_handshake.rs`, which keeps only the katas:
//! Mallory's byte flips ([`mallory`]), the small-order shares and identities
//! and the messages that carry them ([`low_order`]), and a server waiting for
//! its first record ([`confirmation`]).

pub mod confirmation;
pub mod low_order;
pub mod mallory;

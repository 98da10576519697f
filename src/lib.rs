//! learn-mtls
//!
//! - [`tls12`]: the TLS 1.2 PRF, master secret, key block and Finished `verify_data` (lesson 12).
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod tls12;

#[cfg(doctest)]
#[doc = include_str!("../lessons/12-tls12-prf.md")]
pub struct Lesson12Doctests;

//! Lesson 18 of learn-mtls: when mutual TLS fails.
//!
//! - [`fixtures`]: the lab's certificates, one broken in each way.
//! - [`doctor`]: `18-mtls-doctor files`, which names what is wrong with a
//!   set of files, in a fixed vocabulary, and how to fix it.
//! - [`connect`]: `18-mtls-doctor connect`, the same for a live server.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod connect;
pub mod doctor;
pub mod fixtures;

/// The lesson text, run as doctests of this crate (its examples are
/// console sessions, which the katas test runs).
#[cfg(doctest)]
#[doc = include_str!("../../lessons/18-failures.md")]
pub struct Lesson18;

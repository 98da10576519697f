//! # learn-mtls
//!
//! A small library, and a course built on it, that teaches mutual
//! authentication by building it from scratch: two parties with long-term
//! Ed25519 keys agree on fresh X25519 keys, sign them, and derive session
//! keys for ChaCha20-Poly1305 records. 224 bytes of handshake, every one of
//! them explained in `lessons/`.
//!
//! The core is `no_std`, needs no allocator, and never touches a socket:
//!
//! - [`keys`]: long-term identities, fingerprints.
//! - [`name`]: the names of peers (clients, servers, CAs).
//! - [`wire`]: the three handshake messages as fixed-size types.
//! - [`kex`]: the key exchange, X25519 or (feature `pq`, Lesson 19) hybrid
//!   with ML-KEM-768.
//! - [`handshake`]: the state machines of Lessons 10 and 11.
//! - [`schedule`]: from the shared secret to traffic keys (HKDF-SHA256 or
//!   the TLS 1.2 PRF).
//! - [`record`]: sealing and opening encrypted records.
//! - [`aead`]: the record cipher's key, nonce and tag sizes.
//! - [`trust`]: who may connect: the policy trait, a pinned key, authorized
//!   and revoked key lists (and, with `std`, reloading them from files).
//! - [`tls12`]: the TLS 1.2 PRF, master secret, key block and Finished
//!   `verify_data` (Lesson 12).
//! - [`hex`]: hex encoding for keys.
//! - [`identity`]: the identity schemes, Ed25519 and (feature `pq`)
//!   ML-DSA-65 in `ml_dsa` (Lesson 19).
//! - [`cert`]: certificates, chains and revocation lists of our own (Lesson 15).
//!
//! With the `std` feature (on by default), [`net`] runs the handshakes over
//! blocking streams and [`keyfile`] reads and writes key files. With the
//! `tokio` feature, `net::tokio` runs them over tokio's async streams.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod aead;
pub mod cert;
pub mod handshake;
pub mod hex;
pub mod identity;
pub mod kex;
pub mod keys;
#[cfg(feature = "pq")]
pub mod ml_dsa;
pub mod name;
#[cfg(feature = "alloc")]
pub mod openssh;
pub mod record;
pub mod schedule;
mod signed;
pub mod tls12;
pub mod trust;
pub mod wire;

#[cfg(feature = "std")]
pub mod keyfile;
#[cfg(feature = "std")]
pub mod net;
#[cfg(feature = "risky-raw-secrets")]
pub mod raw;
#[cfg(feature = "std")]
pub mod smallfile;
#[cfg(feature = "std")]
mod watch;

/// The `rand_core` this crate is built against, so callers name the same
/// `CryptoRng` trait.
pub use rand_core;

/// The lessons' Rust code blocks, compiled and run as doctests so that a
/// lesson can never drift from the code it teaches.
#[cfg(doctest)]
pub mod lessons {
    #[doc = include_str!("../lessons/README.md")]
    pub struct CourseMap;
    #[doc = include_str!("../lessons/10-server-authentication.md")]
    pub struct Lesson10;
    #[doc = include_str!("../lessons/11-mutual-authentication.md")]
    pub struct Lesson11;
    #[doc = include_str!("../lessons/11-specification.md")]
    pub struct Lesson11Specification;
    #[doc = include_str!("../lessons/11-specification-check.md")]
    pub struct Lesson11SpecificationCheck;
    #[doc = include_str!("../lessons/11-deployment.md")]
    pub struct Lesson11Deployment;
    #[doc = include_str!("../lessons/12-tls12-prf.md")]
    pub struct Lesson12;

    #[doc = include_str!("../lessons/13-breaking-lesson-11.md")]
    pub struct Lesson13;
    #[doc = include_str!("../lessons/13-attacks-both-bindings-stop.md")]
    pub struct Lesson13Part2;
    #[doc = include_str!("../lessons/glossary.md")]
    pub struct Glossary;

    #[doc = include_str!("../lessons/14-availability.md")]
    pub struct Lesson14;

    #[doc = include_str!("../lessons/11-on-a-device.md")]
    pub struct Lesson11OnADevice;
    #[doc = include_str!("../lessons/15-certificates.md")]
    pub struct Lesson15;
    #[doc = include_str!("../lessons/15-specification.md")]
    pub struct Lesson15Specification;
    #[cfg(feature = "pq")]
    #[doc = include_str!("../lessons/19-post-quantum.md")]
    pub struct Lesson19;
}

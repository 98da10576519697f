//! Lesson 16 of learn-mtls: the real thing.
//!
//! The same mutual authentication the course builds by hand, done by a
//! production TLS library (rustls) with X.509 certificates, checked against
//! OpenSSL and Python; and Lesson 12's PRF decrypting a live TLS 1.2 session.
//!
//! - [`certs`]: a CA, a server and a client certificate, a revocation list.
//! - [`clock`]: times as the lessons write them and `--now` reads them.
//! - [`files`]: PEM files in, with errors that name the file.
//! - [`tls`]: rustls configurations for the lesson's server and client.
//! - [`kx`]: key exchange groups (`--groups`), and TLS 1.3's hybrid
//!   `X25519MLKEM768` built from the course's Lesson 19 key exchange.
//! - [`keylog`]: the secrets in the standard key log format (a teaching aid).
//! - [`ocsp`]: checking a stapled OCSP response (`16-tls-client --require-ocsp`).
//! - [`record`]: TLS records and handshake messages, seen from outside.
//! - [`trace`]: each TLS 1.3 handshake message as it passes, decrypted with
//!   the key log secrets, beside the course concept it corresponds to.
//! - [`stapling`]: an OCSP response stapled to the server's certificate.
//! - [`tls12`]: decrypting a TLS 1.2 session with the course's own PRF.
//! - [`x509`]: the certificate fields the lesson talks about.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod aead;
pub mod certs;
pub mod cli;
pub mod clock;
pub mod files;
pub mod keylog;
pub mod kx;
pub mod ocsp;
pub mod record;
pub mod stapling;
pub mod tls;
pub mod tls12;
pub mod trace;
pub mod x509;

/// The lesson text, compiled and run as doctests of this crate (the root
/// crate cannot, since it does not depend on rustls).
#[cfg(doctest)]
#[doc = include_str!("../../lessons/16-real-tls.md")]
pub struct Lesson16;

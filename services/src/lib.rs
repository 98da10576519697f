//! Lesson 17 of learn-mtls: mutual TLS inside the services you run.
//!
//! The TLS layer (rustls, configured by Lesson 16's crate) checks the
//! chain; what is left to the application is the part this crate holds:
//!
//! - [`identity`]: who the verified client is: its SPIFFE ID if its
//!   certificate carries one, else its common name; and the fields
//!   `/whoami` answers.
//! - [`policy`]: the allow-list of SPIFFE IDs a service admits.
//! - [`monitor`]: the certificate health report of the reference text's
//!   `cert_monitor.py`: days left, SANs, CA flag, serial.
//! - [`grpc`]: the `Echo` service of `proto/echo.proto`, its server
//!   (`17-grpc-server`) and its call (`17-grpc-client`).
//! - [`https`]: the HTTPS server and client of `17-https-server` and
//!   `17-https-client` (hyper over tokio-rustls).
//! - [`proxied`]: the plaintext app behind a proxy that terminated mutual
//!   TLS (`17-proxied-app` behind nginx), and the header it trusts.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod grpc;
pub mod https;
pub mod identity;
pub mod monitor;
pub mod policy;
pub mod proxied;

/// Writes one line to standard output and flushes it; a closed output is
/// not worth a panic in a server.
pub fn say(line: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// The lesson text, compiled and run as doctests of this crate.
#[cfg(doctest)]
#[doc = include_str!("../../lessons/17-services.md")]
pub struct Lesson17;

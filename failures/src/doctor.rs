//! `18-mtls-doctor`: what is wrong with a set of certificate files, or with
//! a live server, in one line per finding.
//!
//! ```text
//! ok server-full.pem: CN=localhost (serial 18..., ECDSA P-256 key)
//! problem expired: expired-server-full.pem: CN=localhost expired on 2026-12-05 12:00:00 UTC, 2 days ago; fix: issue a new certificate ...
//! ```
//!
//! The word after `problem` comes from [`Cause`], a fixed list scripts can
//! match on. The checks themselves are the ones rustls makes (chain, time,
//! usage, revocation: `webpki`, run at a chosen time), plus the ones it
//! cannot explain well by itself: which file is short of what, whether a
//! name lives only in the common name, whether a key type is one some
//! stacks refuse, and whether a key belongs to its certificate.
//!
//! The parts: [`Cause`] and [`Finding`] (the vocabulary) are in
//! `doctor/findings.rs`; how one certificate is read and named in
//! `doctor/certs.rs`; [`check_chain`] in `doctor/chain.rs`; the files mode
//! ([`check_files`], [`check_key`]) in `doctor/files_check.rs`.

mod certs;
mod chain;
mod files_check;
mod findings;

pub use certs::provider;
pub use chain::{Presented, Trust, check_chain};
pub use files_check::{FilesCheck, check_files, check_key};
pub use findings::{Cause, DoctorError, Finding, Role};

/// The calendar conversions live beside the certificate readers, where
/// `16-tls-client --now` uses them too.
pub use learn_mtls_real_tls::clock::{parse_time, unix_seconds};

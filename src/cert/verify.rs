//! Checking certificates: one function per question, and a chain walk
//! that asks them in order.
//!
//! | question | function | error |
//! |---|---|---|
//! | signed by the issuer it names? | [`check_issuer_signature`] | [`CertError::UnknownIssuer`], [`CertError::BadSignature`] |
//! | was the issuer allowed to issue, this deep? | [`check_may_issue`] | [`CertError::NotACa`], [`CertError::PathTooLong`] |
//! | valid now? | [`check_validity`] | [`CertError::NotYetValid`], [`CertError::Expired`] |
//! | is the revocation list genuine and fresh? | [`check_crl`] | [`CertError::CrlWrongIssuer`], [`CertError::CrlBadSignature`], [`CertError::CrlStale`], [`CertError::CrlNotYetValid`] |
//! | revoked? | [`check_not_revoked`] | [`CertError::Revoked`] |
//! | meant for this role? | [`check_usage`] | [`CertError::WrongUsage`] |
//! | the name we wanted? | [`check_name`] | [`CertError::NameMismatch`] |
//! | did its key sign the handshake? | [`check_handshake_signature`] | [`CertError::NotSignedByCertificateKey`] |
//!
//! [`Verifier::verify_chain`] walks root → intermediate → leaf with them;
//! [`Verifier::recheck`] asks an open session's chain the expiry and
//! revocation questions again, through the same functions. Each error is
//! one of four faults ([`Fault`]): format, chain, revocation list,
//! handshake.
//!
//! The code, bottom-up: `verify/chain.rs` (what a peer presents, and for
//! what), `verify/error.rs` ([`CertError`] and [`Fault`]),
//! `verify/checks.rs` (the questions), `verify/verifier.rs` (the root, the
//! walk and the re-check).
//!
//! # Clock skew
//!
//! Two machines never agree on the time to the second. A certificate is
//! accepted from [`CLOCK_SKEW_SECS`] (five minutes) before its
//! `not_before` until five minutes after its `not_after`, and a revocation
//! list the same five minutes either side of its window: enough for
//! clocks kept by NTP that drift a little, too little to matter for a
//! certificate that lives for hours or days.

mod chain;
mod checks;
mod error;
mod verifier;

pub use chain::{Chain, MAX_CHAIN_LEN, Role};
pub use checks::{
    CLOCK_SKEW_SECS, StaleCrl, check_crl, check_handshake_signature, check_issuer_signature,
    check_may_issue, check_name, check_not_revoked, check_usage, check_validity,
};
pub use error::{CertError, Fault};
pub use verifier::{Root, VerifiedIssuer, VerifiedPeer, Verifier};

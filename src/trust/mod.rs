//! Trust: after the handshake proves *which key* the client holds, a policy
//! decides whether that key may connect, and under what name.
//!
//! The handshake asks a [`TrustPolicy`] once, after the client's signature
//! has verified. This module has the simplest policy, [`PinnedClient`]: one
//! known key. Then:
//!
//! - [`lists`]: many named clients ([`AuthorizedKeys`]), revoked keys
//!   ([`RevokedKeys`]), and [`WithRevocations`] to combine a policy with a
//!   revocation list. In memory, no allocator needed.
//! - [`format`] (with `alloc`): the two text formats and their parser.
//! - `files` (with `std`): both lists read from files and reloaded while
//!   the server runs.
//!
//! The trait, the refusals and [`PinnedClient`] are written in
//! `trust/policy.rs`, the names in [`crate::name`]; this module re-exports
//! them, so that the lists can build on the trait without a circle.

#[cfg(feature = "std")]
pub mod files;
#[cfg(feature = "alloc")]
pub mod format;
pub mod lists;
mod policy;

pub use crate::name::{ClientName, MAX_NAME_LEN, NameError};
pub use lists::{AuthorizedKey, AuthorizedKeys, RevokedKeys, WithRevocations};
pub use policy::{ClientIdentity, PinnedClient, Refusal, TrustPolicy};

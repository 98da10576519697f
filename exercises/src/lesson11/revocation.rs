//! Exercise 11.4: the revocation check.
//!
//! Lesson: `lessons/11-mutual-authentication.md#step-4-revocation` ("Step 4: revocation");
//! and: `lessons/11-deployment.md#without-its-revocation-list-the-server-refuses-everyone` ("Without its revocation list, the server refuses everyone").
//!
//! [`Revocations`] puts a revocation list in front of another policy:
//!
//! - if the revocation list is unavailable (`None`: missing, unreadable or
//!   malformed), refuse **everyone** with `Refusal::RevocationListUnavailable`:
//!   the server cannot know whom it would have refused (fail closed);
//! - if the key is on the list, refuse it with `Refusal::Revoked`, even if
//!   the policy underneath accepts it: **revocation wins**. Ask that policy
//!   anyway, so the refusal can carry the name the key would have had
//!   (`name: verdict.ok()`), with the key's fingerprint;
//! - otherwise, whatever the policy underneath says.
//!
//! Compare keys in constant time (`subtle::ConstantTimeEq`) and look at
//! every entry, without stopping at the first match.
//! Check it: `cargo course check 11.4`; stuck: `cargo course hint 11.4`.
//!
//! # What it uses
//!
//! - [`Refusal`]: what you refuse with: `RevocationListUnavailable`: there
//!   is no list, so everyone is refused; `Revoked { name, fingerprint }`:
//!   `name` is what the policy underneath would have called the key (an
//!   `Option<ClientName>`), `fingerprint` is the revoked key's
//!   ([`PublicIdentity::fingerprint`]).
//! - [`TrustPolicy::check`]: `self.policy.check(client)`, the policy
//!   underneath: `Ok(name)` or `Err(refusal)`.
//! - [`ConstantTimeEq`] on two [`PublicIdentity`]s: `key.ct_eq(client)` is
//!   a [`Choice`]; `found |= ...` gathers them, `bool::from(found)` reads
//!   the result after the whole list.
#![allow(
    unused_imports,
    unused_variables,
    dead_code,
    reason = "a stub: the body is todo!() until you write it"
)]

use learn_mtls::keys::PublicIdentity;
use learn_mtls::trust::{ClientName, Refusal, TrustPolicy};
use subtle::{Choice, ConstantTimeEq};

/// A revocation list (or `None` when it could not be read) in front of `policy`.
pub struct Revocations<P> {
    /// The policy that decides about keys that are not revoked.
    pub policy: P,
    /// The revoked keys; `None` when the list is unavailable.
    pub revoked: Option<Vec<PublicIdentity>>,
}

impl<P: TrustPolicy> TrustPolicy for Revocations<P> {
    fn check(&self, client: &PublicIdentity) -> Result<ClientName, Refusal> {
        todo!("11.4: unavailable refuses all; revoked wins; else the policy's answer")
    }
}

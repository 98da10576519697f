//! Key lists: many authorized clients, each with a name, and a list of
//! revoked keys that are refused even when authorized.
//!
//! Both lists live in memory and work without an allocator: they borrow (or
//! own) any slice the caller provides, `&[T]`, `[T; N]` or, with `alloc`, a
//! `Vec<T>`. Reading them from text is in [`super::format`]; reloading them
//! from files while a server runs is in `super::files` (with `std`).
//!
//! The two compose into one [`TrustPolicy`] with [`WithRevocations`], and
//! there **revocation always wins**: a key on the revocation list is refused
//! whatever the policy underneath would have said.
//!
//! # Scans here, lookups in the file policy
//!
//! These in-memory lists work without an allocator, so each check compares
//! the client's key with *every* entry, in constant time, and never stops
//! early: the simplest thing that is obviously correct, and cheap for the
//! few keys a device holds.
//!
//! A server with a long list should not scan it. With 50,000 keys a scan
//! cost each handshake and each echo milliseconds, and an attacker with no
//! key could replay one handshake to spend that for free. The file-backed
//! policy (`super::files::FilePolicy`, with `std`) therefore indexes both
//! lists in hash maps and answers exactly as [`WithRevocations`] over the
//! two lists would. Constant time buys nothing there: the key looked up is
//! the client's own, public, and already proven by its signature, so a
//! lookup whose time depends on it reveals nothing.

use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

use super::policy::{PinnedClient, Refusal, TrustPolicy};
use crate::keys::PublicIdentity;
use crate::name::ClientName;

/// One line of an authorized-keys list: a client key and the name it gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthorizedKey {
    /// The client's long-term public key.
    pub key: PublicIdentity,
    /// The name a client holding this key is known by.
    pub name: ClientName,
}

impl AuthorizedKey {
    /// Authorizes `key` under `name`.
    pub fn new(key: PublicIdentity, name: ClientName) -> Self {
        Self { key, name }
    }
}

impl From<PinnedClient> for AuthorizedKey {
    fn from(pinned: PinnedClient) -> Self {
        Self::new(pinned.key, pinned.name)
    }
}

/// The clients that may connect, each with a name: a [`TrustPolicy`] that
/// accepts exactly the listed keys.
///
/// `S` is any slice-like container of [`AuthorizedKey`]s, so the list can
/// be a `&'static [AuthorizedKey]` on a microcontroller or a `Vec` parsed
/// from a file.
///
/// If the same key appears twice, the first entry's name is used. (The text
/// parser refuses such lists outright, see [`super::format`].)
///
/// # Examples
///
/// ```
/// use learn_mtls::keys::IdentityKey;
/// use learn_mtls::trust::lists::{AuthorizedKey, AuthorizedKeys};
/// use learn_mtls::trust::{ClientName, Refusal, TrustPolicy};
/// # let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
///
/// let alice = IdentityKey::generate(&mut rng).public();
/// let bob = IdentityKey::generate(&mut rng).public();
/// let mallory = IdentityKey::generate(&mut rng).public();
///
/// let entries = [
///     AuthorizedKey::new(alice, ClientName::new("alice")?),
///     AuthorizedKey::new(bob, ClientName::new("bob")?),
/// ];
/// let authorized = AuthorizedKeys::new(&entries[..]);
///
/// assert_eq!(authorized.check(&bob)?.as_str(), "bob");
/// assert_eq!(
///     authorized.check(&mallory),
///     Err(Refusal::UnknownKey { fingerprint: mallory.fingerprint() })
/// );
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct AuthorizedKeys<S> {
    entries: S,
}

impl<S: AsRef<[AuthorizedKey]>> AuthorizedKeys<S> {
    /// Wraps a list of entries. Nothing is checked: every [`AuthorizedKey`]
    /// already holds a valid key and a valid name.
    pub fn new(entries: S) -> Self {
        Self { entries }
    }

    /// The entries, in their original order.
    pub fn entries(&self) -> &[AuthorizedKey] {
        self.entries.as_ref()
    }

    /// How many clients are listed.
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    /// Whether no client at all is listed (then every client is refused).
    pub fn is_empty(&self) -> bool {
        self.entries().is_empty()
    }

    /// The name listed for `key`, if it is listed.
    pub fn name_of(&self, key: &PublicIdentity) -> Option<ClientName> {
        // 1-based position of the first matching entry; 0 means "none yet".
        // Chosen with `conditional_assign` so the loop body is the same
        // whether or not this entry matches.
        let mut found: u64 = 0;
        for (index, entry) in (1u64..).zip(self.entries()) {
            let first_match = entry.key.ct_eq(key) & found.ct_eq(&0);
            found.conditional_assign(&index, first_match);
        }
        let index = usize::try_from(found.checked_sub(1)?).ok()?;
        self.entries().get(index).map(|entry| entry.name)
    }
}

impl<S: AsRef<[AuthorizedKey]>> TrustPolicy for AuthorizedKeys<S> {
    fn check(&self, client: &PublicIdentity) -> Result<ClientName, Refusal> {
        self.name_of(client).ok_or(Refusal::UnknownKey {
            fingerprint: client.fingerprint(),
        })
    }
}

/// Keys that are refused even when some policy would accept them: stolen
/// laptops, departed colleagues, leaked key files.
///
/// `S` is any slice-like container of [`PublicIdentity`]s. Listing a key
/// twice is harmless.
///
/// # Examples
///
/// ```
/// use learn_mtls::keys::IdentityKey;
/// use learn_mtls::trust::lists::RevokedKeys;
/// # let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
///
/// let stolen = IdentityKey::generate(&mut rng).public();
/// let fine = IdentityKey::generate(&mut rng).public();
/// let revoked = RevokedKeys::new([stolen]);
/// assert!(revoked.contains(&stolen));
/// assert!(!revoked.contains(&fine));
/// ```
#[derive(Clone, Debug)]
pub struct RevokedKeys<S> {
    keys: S,
}

impl<S: AsRef<[PublicIdentity]>> RevokedKeys<S> {
    /// Wraps a list of revoked keys.
    pub fn new(keys: S) -> Self {
        Self { keys }
    }

    /// The revoked keys, in their original order.
    pub fn keys(&self) -> &[PublicIdentity] {
        self.keys.as_ref()
    }

    /// How many keys are listed.
    pub fn len(&self) -> usize {
        self.keys().len()
    }

    /// Whether the list is empty (then nothing is revoked).
    pub fn is_empty(&self) -> bool {
        self.keys().is_empty()
    }

    /// Whether `key` is revoked. Compares with every entry, without stopping
    /// at a match (see the module documentation for why).
    pub fn contains(&self, key: &PublicIdentity) -> bool {
        let mut found = Choice::from(0);
        for revoked in self.keys() {
            found |= revoked.ct_eq(key);
        }
        found.into()
    }
}

/// A policy with a revocation list in front of it: revoked keys are refused,
/// everything else is decided by the inner policy.
///
/// The inner policy is asked first even for a revoked key, so that the
/// refusal can say whose key it was ([`Refusal::Revoked`] carries the name
/// the key would have had).
///
/// # Examples
///
/// A pinned client whose key then gets revoked:
///
/// ```
/// use learn_mtls::keys::IdentityKey;
/// use learn_mtls::trust::lists::{RevokedKeys, WithRevocations};
/// use learn_mtls::trust::{ClientName, PinnedClient, Refusal, TrustPolicy};
/// # let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
///
/// let alice = IdentityKey::generate(&mut rng).public();
/// let name = ClientName::new("alice")?;
/// let pinned = PinnedClient::new(alice, name);
///
/// let nothing_revoked = WithRevocations::new(pinned, RevokedKeys::new([]));
/// assert_eq!(nothing_revoked.check(&alice), Ok(name));
///
/// let alice_revoked = WithRevocations::new(pinned, RevokedKeys::new([alice]));
/// assert_eq!(
///     alice_revoked.check(&alice),
///     Err(Refusal::Revoked { name: Some(name), fingerprint: alice.fingerprint() })
/// );
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct WithRevocations<P, S> {
    policy: P,
    revoked: RevokedKeys<S>,
}

impl<P: TrustPolicy, S: AsRef<[PublicIdentity]>> WithRevocations<P, S> {
    /// Refuses every key in `revoked`, and otherwise asks `policy`.
    pub fn new(policy: P, revoked: RevokedKeys<S>) -> Self {
        Self { policy, revoked }
    }

    /// The policy underneath.
    pub fn policy(&self) -> &P {
        &self.policy
    }

    /// The revocation list.
    pub fn revoked(&self) -> &RevokedKeys<S> {
        &self.revoked
    }
}

impl<P: TrustPolicy, S: AsRef<[PublicIdentity]>> TrustPolicy for WithRevocations<P, S> {
    fn check(&self, client: &PublicIdentity) -> Result<ClientName, Refusal> {
        let verdict = self.policy.check(client);
        // Revocation wins: checked after the policy, and overrides its answer.
        if self.revoked.contains(client) {
            return Err(Refusal::Revoked {
                name: verdict.ok(),
                fingerprint: client.fingerprint(),
            });
        }
        verdict
    }
}

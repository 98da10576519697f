//! The cast: the server, alice, eve and mallory, with their demo keys and
//! the server's list.

use learn_mtls::keys::IdentityKey;
use learn_mtls::trust::{AuthorizedKey, AuthorizedKeys, ClientName};

/// DEMO KEYS, public on purpose: each identity's secret is 32 copies of
/// one byte, as in `tests/lesson13_attacks.rs`. Anyone can compute them;
/// they exist so that the page shows the same keys every time.
const DEMO_SERVER: u8 = 1;
const DEMO_ALICE: u8 = 2;
const DEMO_EVE: u8 = 3;
const DEMO_MALLORY: u8 = 4;

/// The server, alice and eve (both on the server's list), and mallory (on
/// none), with their demo keys.
pub struct Cast {
    pub(super) server: IdentityKey,
    pub(super) alice: IdentityKey,
    pub(super) eve: IdentityKey,
    pub(super) mallory: IdentityKey,
    pub(super) policy: AuthorizedKeys<[AuthorizedKey; 2]>,
}

impl Cast {
    /// The demo identities and the server's list: alice and eve, by name.
    #[allow(
        clippy::new_without_default,
        reason = "a fixed cast, named where it is made"
    )]
    pub fn new() -> Self {
        let demo = |byte| IdentityKey::from_secret_bytes(&[byte; 32]);
        let (alice, eve) = (demo(DEMO_ALICE), demo(DEMO_EVE));
        let entry = |key: &IdentityKey, name| {
            let name = ClientName::new(name).unwrap_or_else(|_| unreachable!("a valid name"));
            AuthorizedKey::new(key.public(), name)
        };
        let policy = AuthorizedKeys::new([entry(&alice, "alice"), entry(&eve, "eve")]);
        Self {
            server: demo(DEMO_SERVER),
            alice,
            eve,
            mallory: demo(DEMO_MALLORY),
            policy,
        }
    }

    /// Who is who, with each demo key's fingerprint, for the page.
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        [
            ("server", &self.server),
            ("alice", &self.alice),
            ("eve", &self.eve),
            ("mallory", &self.mallory),
        ]
        .into_iter()
        .map(|(who, key)| (who, key.public().fingerprint().to_string()))
        .collect()
    }
}

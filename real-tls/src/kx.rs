//! Key exchange groups: the list a `--groups` flag names, and TLS 1.3's
//! hybrid group `X25519MLKEM768` (code point 0x11EC) for rustls, built
//! from the course's own Lesson 19 key exchange
//! ([`learn_mtls::kex::X25519MlKem768`]), since rustls's `ring` provider
//! does not offer it.
//!
//! The key shares are the course's hybrid messages without the signature
//! (draft-ietf-tls-ecdhe-mlkem, section 4):
//!
//! ```text
//! client key_share = ML-KEM-768 encapsulation key (1184) || X25519 share (32)   1216 bytes
//! server key_share = ML-KEM-768 ciphertext (1088)        || X25519 share (32)   1120 bytes
//! shared secret    = ML-KEM-768 shared key (32)          || X25519 secret (32)    64 bytes
//! ```
//!
//! The 64 bytes are TLS 1.3's `(EC)DHE` input to HKDF-Extract, where
//! X25519's 32 would go. A client that offers the hybrid group first and
//! X25519 next sends both shares at once, the X25519 one reused from the
//! hybrid share (draft-ietf-tls-hybrid-design, section 3.2), so a
//! classical server picks X25519 with no HelloRetryRequest.

use std::fmt;

use learn_mtls::kex::{HybridClientSecret, KexError, KeyExchange as _, X25519MlKem768};
use learn_mtls::wire::{
    ENCAPSULATION_KEY_LEN, HYBRID_CLIENT_HELLO_LEN, HybridClientHello, HybridServerHello,
    KEM_CIPHERTEXT_LEN, SHARE_LEN,
};
use rustls::crypto::{ActiveKeyExchange, CompletedKeyExchange, SharedSecret, SupportedKxGroup};
use rustls::ffdhe_groups::FfdheGroup;
use rustls::{Error, NamedGroup, PeerMisbehaved, ProtocolVersion};

/// The client's `X25519MLKEM768` key share: encapsulation key, then share.
pub const CLIENT_SHARE_LEN: usize = HYBRID_CLIENT_HELLO_LEN;
/// The server's `X25519MLKEM768` key share: ciphertext, then share.
pub const SERVER_SHARE_LEN: usize = KEM_CIPHERTEXT_LEN + SHARE_LEN;

const _: () = assert!(CLIENT_SHARE_LEN == 1216 && SERVER_SHARE_LEN == 1120);

/// `X25519MLKEM768` for rustls: offer it in a provider's `kx_groups`.
pub static X25519_MLKEM768: &dyn SupportedKxGroup = &X25519MlKem768Group;

/// The hybrid group, as rustls's key exchange traits want it.
#[derive(Debug)]
pub struct X25519MlKem768Group;

/// How a refused key share reaches rustls: it answers the peer with an
/// `illegal_parameter` alert.
fn invalid_key_share() -> Error {
    Error::PeerMisbehaved(PeerMisbehaved::InvalidKeyShare)
}

fn refused(_: KexError) -> Error {
    // Both refusals (a low-order X25519 share, an encapsulation key with a
    // coefficient of 3329 or more) are the peer's invalid key share.
    invalid_key_share()
}

impl SupportedKxGroup for X25519MlKem768Group {
    /// The client's side: a fresh X25519 key and ML-KEM-768 key pair.
    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, Error> {
        let (secret, hello) = X25519MlKem768::offer(&mut learn_mtls::net::os_rng());
        Ok(Box::new(HybridOffer {
            secret,
            key_share: hello.to_bytes(),
        }))
    }

    /// The server's side: check the client's share, encapsulate to its
    /// key, answer with the ciphertext and a fresh X25519 share.
    fn start_and_complete(&self, client_share: &[u8]) -> Result<CompletedKeyExchange, Error> {
        let hello = HybridClientHello::try_from(client_share).map_err(|_| invalid_key_share())?;
        let (shared, reply) =
            X25519MlKem768::answer(&mut learn_mtls::net::os_rng(), &hello).map_err(refused)?;
        let reply = reply.to_bytes();
        Ok(CompletedKeyExchange {
            group: NamedGroup::X25519MLKEM768,
            pub_key: reply[..SERVER_SHARE_LEN].to_vec(),
            secret: SharedSecret::from(&shared[..]),
        })
    }

    fn ffdhe_group(&self) -> Option<FfdheGroup<'static>> {
        None
    }

    fn name(&self) -> NamedGroup {
        NamedGroup::X25519MLKEM768
    }

    /// TLS 1.3 only: the draft defines the group for nothing older.
    fn usable_for_version(&self, version: ProtocolVersion) -> bool {
        version == ProtocolVersion::TLSv1_3
    }
}

/// The client between ClientHello and ServerHello: both ephemeral secrets
/// (wiped when dropped) and the share it sent.
struct HybridOffer {
    secret: HybridClientSecret,
    key_share: [u8; CLIENT_SHARE_LEN],
}

impl ActiveKeyExchange for HybridOffer {
    /// The server chose the hybrid group: decapsulate its ciphertext (never
    /// an error: a changed ciphertext gives another key, and the
    /// handshake then fails at the server's Finished) and agree on X25519.
    fn complete(self: Box<Self>, server_share: &[u8]) -> Result<SharedSecret, Error> {
        if server_share.len() != SERVER_SHARE_LEN {
            return Err(invalid_key_share());
        }
        let (ciphertext, share) = server_share.split_at(KEM_CIPHERTEXT_LEN);
        let reply = HybridServerHello {
            ciphertext: ciphertext.try_into().map_err(|_| invalid_key_share())?,
            share: share.try_into().map_err(|_| invalid_key_share())?,
            // TLS signs elsewhere (CertificateVerify); the course's field is unused here.
            signature: [0; 64],
        };
        let shared = X25519MlKem768::finish(self.secret, &reply).map_err(refused)?;
        Ok(SharedSecret::from(&shared[..]))
    }

    /// The X25519 share inside the hybrid one, offered on its own too.
    fn hybrid_component(&self) -> Option<(NamedGroup, &[u8])> {
        Some((NamedGroup::X25519, &self.key_share[ENCAPSULATION_KEY_LEN..]))
    }

    /// The server chose plain X25519: the ML-KEM key is dropped.
    fn complete_hybrid_component(
        self: Box<Self>,
        server_share: &[u8],
    ) -> Result<SharedSecret, Error> {
        let share: &[u8; SHARE_LEN] = server_share.try_into().map_err(|_| invalid_key_share())?;
        let shared = self.secret.finish_x25519_only(share).map_err(refused)?;
        Ok(SharedSecret::from(&shared[..]))
    }

    fn pub_key(&self) -> &[u8] {
        &self.key_share
    }

    fn ffdhe_group(&self) -> Option<FfdheGroup<'static>> {
        None
    }

    fn group(&self) -> NamedGroup {
        NamedGroup::X25519MLKEM768
    }
}

/// A key exchange group the lesson binaries can offer or accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// X25519 alone (RFC 7748), code point 0x001D: 32-byte shares.
    X25519,
    /// X25519 and ML-KEM-768, code point 0x11EC: 1,216 and 1,120-byte shares.
    X25519MlKem768,
}

impl Group {
    /// The name `--groups` takes (OpenSSL's, in lower case).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::X25519 => "x25519",
            Self::X25519MlKem768 => "x25519mlkem768",
        }
    }

    /// The rustls implementation.
    #[must_use]
    pub fn kx_group(self) -> &'static dyn SupportedKxGroup {
        match self {
            Self::X25519 => rustls::crypto::ring::kx_group::X25519,
            Self::X25519MlKem768 => X25519_MLKEM768,
        }
    }
}

/// The groups an end offers (a client, in its order of preference) or
/// accepts (a server): a non-empty list without repeats. The default is
/// X25519 alone, what Lessons 16 to 18 run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Groups(Vec<Group>);

impl Default for Groups {
    fn default() -> Self {
        Self(vec![Group::X25519])
    }
}

impl Groups {
    /// The groups, most preferred first.
    #[must_use]
    pub fn as_slice(&self) -> &[Group] {
        &self.0
    }

    /// The rustls implementations, in the same order.
    #[must_use]
    pub fn kx_groups(&self) -> Vec<&'static dyn SupportedKxGroup> {
        self.0.iter().map(|g| g.kx_group()).collect()
    }
}

impl fmt::Display for Groups {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.iter().map(|g| g.name()).collect();
        f.write_str(&names.join(","))
    }
}

/// A `--groups` value that is not a list of known groups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupsError(String);

impl fmt::Display for GroupsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GroupsError {}

impl std::str::FromStr for Groups {
    type Err = GroupsError;
    /// Comma-separated names, either case: `x25519mlkem768,x25519`.
    fn from_str(text: &str) -> Result<Self, GroupsError> {
        let mut groups = Vec::new();
        for name in text.split(',') {
            let group = match name.trim().to_ascii_lowercase().as_str() {
                "x25519" => Group::X25519,
                "x25519mlkem768" => Group::X25519MlKem768,
                "" => return Err(GroupsError("an empty group name in the list".to_owned())),
                other => {
                    return Err(GroupsError(format!(
                        "unknown group `{other}`: expected x25519 or x25519mlkem768"
                    )));
                }
            };
            if groups.contains(&group) {
                return Err(GroupsError(format!("group `{}` named twice", group.name())));
            }
            groups.push(group);
        }
        Ok(Self(groups))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_parse_in_order_and_refuse_what_they_do_not_know() {
        let groups: Groups = "X25519MLKEM768, x25519".parse().expect("two groups");
        assert_eq!(groups.as_slice(), [Group::X25519MlKem768, Group::X25519]);
        assert_eq!(groups.to_string(), "x25519mlkem768,x25519");
        assert_eq!(Groups::default().to_string(), "x25519");
        let unknown = "x25519,p-256".parse::<Groups>().expect_err("unknown");
        assert!(
            unknown.to_string().contains("unknown group `p-256`"),
            "{unknown}"
        );
        let twice = "x25519,X25519".parse::<Groups>().expect_err("repeat");
        assert!(twice.to_string().contains("named twice"), "{twice}");
        assert!("".parse::<Groups>().is_err());
    }

    #[test]
    fn the_hybrid_group_agrees_with_itself_and_keeps_its_shares_sizes() {
        let client = X25519_MLKEM768.start().expect("start");
        assert_eq!(client.pub_key().len(), CLIENT_SHARE_LEN);
        let (group, classical) = client.hybrid_component().expect("an X25519 component");
        assert_eq!(group, NamedGroup::X25519);
        assert_eq!(classical, &client.pub_key()[ENCAPSULATION_KEY_LEN..]);
        let server = X25519_MLKEM768
            .start_and_complete(client.pub_key())
            .expect("server side");
        assert_eq!(server.pub_key.len(), SERVER_SHARE_LEN);
        let shared = client.complete(&server.pub_key).expect("client side");
        assert_eq!(shared.secret_bytes().len(), 64);
        assert_eq!(shared.secret_bytes(), server.secret.secret_bytes());
    }

    #[test]
    fn a_classical_server_answer_uses_the_x25519_half() {
        let client = X25519_MLKEM768.start().expect("start");
        let classical = client.hybrid_component().expect("component").1.to_vec();
        let server = rustls::crypto::ring::kx_group::X25519
            .start_and_complete(&classical)
            .expect("X25519 server");
        let shared = client
            .complete_hybrid_component(&server.pub_key)
            .expect("client side");
        assert_eq!(shared.secret_bytes(), server.secret.secret_bytes());
    }

    #[test]
    fn bad_shares_are_refused_as_invalid() {
        // An encapsulation key whose first coefficient is 4095 >= q = 3329.
        let client = X25519_MLKEM768.start().expect("start");
        let mut share = client.pub_key().to_vec();
        share[0] = 0xff;
        share[1] |= 0x0f;
        let refused = X25519_MLKEM768.start_and_complete(&share).err();
        assert_eq!(refused, Some(invalid_key_share()));
        // A share of the wrong length, either way.
        assert!(X25519_MLKEM768.start_and_complete(&share[1..]).is_err());
        assert!(client.complete(&[0u8; SERVER_SHARE_LEN - 1]).is_err());
        // A low-order X25519 half (all zeros): the shared secret would be known.
        let client = X25519_MLKEM768.start().expect("start");
        let mut share = client.pub_key().to_vec();
        share[ENCAPSULATION_KEY_LEN..].fill(0);
        assert!(X25519_MLKEM768.start_and_complete(&share).is_err());
        let server = X25519_MLKEM768
            .start_and_complete(client.pub_key())
            .expect("server side");
        let mut reply = server.pub_key.clone();
        reply[KEM_CIPHERTEXT_LEN..].fill(0);
        assert!(client.complete(&reply).is_err());
    }

    #[test]
    fn a_changed_ciphertext_gives_another_secret_not_an_error() {
        let client = X25519_MLKEM768.start().expect("start");
        let server = X25519_MLKEM768
            .start_and_complete(client.pub_key())
            .expect("server side");
        let mut reply = server.pub_key.clone();
        reply[0] ^= 1;
        let shared = client.complete(&reply).expect("implicit rejection");
        assert_ne!(shared.secret_bytes(), server.secret.secret_bytes());
        // The X25519 half still agrees: only ML-KEM's half differs.
        assert_eq!(
            shared.secret_bytes()[32..],
            server.secret.secret_bytes()[32..]
        );
    }
}

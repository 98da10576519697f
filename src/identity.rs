//! The identity scheme: what a party's long-term key signs with. One place
//! for it, next to the key exchange ([`crate::kex`]), so that the Lesson 11
//! handshake (`handshake::mutual`) is written once and runs with either:
//!
//! - [`Ed25519`]: Lessons 10 to 19, the default. 32-byte keys, 64-byte
//!   signatures: message 2 is `reply || signature (64)`, message 3
//!   `signature (64) || public key (32)`.
//! - [`MlDsa65`] (feature `pq`, Lesson 19): ML-DSA-65 (FIPS 204), a
//!   post-quantum signature. 1,952-byte keys, 3,309-byte signatures, in the
//!   same places (see [`crate::ml_dsa`] for the messages).
//!
//! What is signed does not change with the scheme: under each binding an
//! ML-DSA identity signs exactly the bytes an Ed25519 one signs (with the
//! longer messages hashed into the transcript as they are sent). Which
//! scheme runs is the caller's choice on both sides, like the key exchange
//! and the binding: nothing on the wire names it.

use core::fmt;

use subtle::ConstantTimeEq;

use crate::kex::KeyExchange;
use crate::keys::{Fingerprint, IdentityKey, KeyError, PublicIdentity, SIGNATURE_LEN};
use crate::wire::{ClientAuth, Message};

pub use crate::keys::{ML_DSA_PUBLIC_KEY_LEN, ML_DSA_SIGNATURE_LEN};

/// Which identity scheme a handshake runs: the value a command line's
/// `--identity` gives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Identity {
    /// Ed25519 (RFC 8032), the course's identities.
    #[default]
    Ed25519,
    /// ML-DSA-65 (FIPS 204). Needs the `pq` feature to run.
    MlDsa65,
}

impl Identity {
    /// The name used on command lines: `ed25519` or `ml-dsa-65`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ed25519 => "ed25519",
            Self::MlDsa65 => "ml-dsa-65",
        }
    }

    /// A public key's length in bytes: 32 or 1,952.
    pub fn public_key_len(self) -> usize {
        match self {
            Self::Ed25519 => crate::keys::PUBLIC_KEY_LEN,
            Self::MlDsa65 => ML_DSA_PUBLIC_KEY_LEN,
        }
    }

    /// A signature's length in bytes: 64 or 3,309.
    pub fn signature_len(self) -> usize {
        match self {
            Self::Ed25519 => SIGNATURE_LEN,
            Self::MlDsa65 => ML_DSA_SIGNATURE_LEN,
        }
    }

    /// The length of message 2 under the key exchange `kex`: the kex's
    /// reply, then this scheme's signature.
    pub fn server_hello_len(self, kex: crate::kex::Kex) -> usize {
        kex.server_hello_len() - SIGNATURE_LEN + self.signature_len()
    }

    /// The length of message 3: a signature, then a public key.
    pub fn client_auth_len(self) -> usize {
        self.signature_len() + self.public_key_len()
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An identity scheme name that is neither `ed25519` nor `ml-dsa-65`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownIdentity;

impl fmt::Display for UnknownIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown identity scheme: expected `ed25519` or `ml-dsa-65`")
    }
}

impl core::error::Error for UnknownIdentity {}

impl core::str::FromStr for Identity {
    type Err = UnknownIdentity;
    fn from_str(name: &str) -> Result<Self, UnknownIdentity> {
        match name {
            "ed25519" => Ok(Self::Ed25519),
            "ml-dsa-65" => Ok(Self::MlDsa65),
            _ => Err(UnknownIdentity),
        }
    }
}

/// A checked public identity key of some scheme: what a trust policy is
/// asked about and a log names.
pub trait PeerKey: Copy + fmt::Debug + ConstantTimeEq {
    /// A short, stable name for the key: the first 8 bytes of SHA-256 over it.
    fn fingerprint(&self) -> Fingerprint;
    /// The key's bytes, as sent in message 3 and hashed into the transcript.
    fn key_bytes(&self) -> &[u8];
}

impl PeerKey for PublicIdentity {
    fn fingerprint(&self) -> Fingerprint {
        PublicIdentity::fingerprint(self)
    }
    fn key_bytes(&self) -> &[u8] {
        self.as_bytes()
    }
}

mod sealed {
    pub trait Sealed {}
}

/// An identity scheme the Lesson 11 handshake can run: its keys, its
/// signatures, and messages 2 and 3 with them. Sealed: the two
/// implementations are [`Ed25519`] and [`MlDsa65`].
pub trait IdentityScheme: sealed::Sealed + Copy + Default + fmt::Debug {
    /// This scheme as an [`Identity`] value.
    const IDENTITY: Identity;
    /// A signature's length.
    const SIGNATURE_LEN: usize;
    /// A long-term secret key.
    type Secret;
    /// A checked long-term public key.
    type Public: PeerKey;
    /// A signature, as sent.
    type Signature: AsRef<[u8]> + Copy;
    /// Message 2 under the key exchange `K`: `K`'s reply, then a signature.
    type ServerHello<K: KeyExchange>: Message;
    /// Message 3: a signature, then the client's public key.
    type ClientAuth: Message;

    /// The public half of `secret`.
    fn public(secret: &Self::Secret) -> Self::Public;
    /// Signs `message`.
    fn sign(secret: &Self::Secret, message: &[u8]) -> Self::Signature;
    /// Verifies strictly (one valid encoding per signature).
    fn verify(public: &Self::Public, message: &[u8], signature: &Self::Signature) -> bool;

    /// Message 2 from the key exchange's `reply` (its signature field
    /// unused) and the server's `signature`.
    fn server_hello<K: KeyExchange>(
        reply: K::ServerHello,
        signature: Self::Signature,
    ) -> Self::ServerHello<K>;
    /// The key exchange's part of message 2.
    fn kex_reply<K: KeyExchange>(server_hello: &Self::ServerHello<K>) -> &K::ServerHello;
    /// The server's signature in message 2.
    fn server_signature<K: KeyExchange>(server_hello: &Self::ServerHello<K>) -> &Self::Signature;

    /// Message 3 from the client's signature and public key.
    fn client_auth(signature: Self::Signature, public: &Self::Public) -> Self::ClientAuth;
    /// The client's signature in message 3.
    fn client_signature(auth: &Self::ClientAuth) -> &Self::Signature;
    /// The client's public key in message 3, as sent.
    fn client_key_bytes(auth: &Self::ClientAuth) -> &[u8];
    /// The client's public key in message 3, checked.
    ///
    /// # Errors
    /// A [`KeyError`] for an Ed25519 key that is not a usable point.
    fn client_key(auth: &Self::ClientAuth) -> Result<Self::Public, KeyError>;
}

/// Ed25519 identities (RFC 8032): the course's default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ed25519;

impl sealed::Sealed for Ed25519 {}

impl IdentityScheme for Ed25519 {
    const IDENTITY: Identity = Identity::Ed25519;
    const SIGNATURE_LEN: usize = SIGNATURE_LEN;
    type Secret = IdentityKey;
    type Public = PublicIdentity;
    type Signature = [u8; SIGNATURE_LEN];
    type ServerHello<K: KeyExchange> = K::ServerHello;
    type ClientAuth = ClientAuth;

    fn public(secret: &IdentityKey) -> PublicIdentity {
        secret.public()
    }

    fn sign(secret: &IdentityKey, message: &[u8]) -> [u8; SIGNATURE_LEN] {
        secret.sign(message)
    }

    fn verify(public: &PublicIdentity, message: &[u8], signature: &[u8; SIGNATURE_LEN]) -> bool {
        public.verify_strict(message, signature)
    }

    fn server_hello<K: KeyExchange>(
        reply: K::ServerHello,
        signature: [u8; SIGNATURE_LEN],
    ) -> K::ServerHello {
        K::signed(reply, signature)
    }

    fn kex_reply<K: KeyExchange>(server_hello: &K::ServerHello) -> &K::ServerHello {
        server_hello
    }

    fn server_signature<K: KeyExchange>(server_hello: &K::ServerHello) -> &[u8; SIGNATURE_LEN] {
        K::signature(server_hello)
    }

    fn client_auth(signature: [u8; SIGNATURE_LEN], public: &PublicIdentity) -> ClientAuth {
        ClientAuth {
            signature,
            identity: *public.as_bytes(),
        }
    }

    fn client_signature(auth: &ClientAuth) -> &[u8; SIGNATURE_LEN] {
        &auth.signature
    }

    fn client_key_bytes(auth: &ClientAuth) -> &[u8] {
        &auth.identity
    }

    fn client_key(auth: &ClientAuth) -> Result<PublicIdentity, KeyError> {
        PublicIdentity::from_bytes(&auth.identity)
    }
}

#[cfg(feature = "pq")]
pub use pq::MlDsa65;

#[cfg(feature = "pq")]
mod pq {
    use super::{IdentityScheme, PeerKey, sealed};
    use crate::kex::KeyExchange;
    use crate::keys::{Fingerprint, KeyError};
    use crate::ml_dsa::{
        ML_DSA_SIGNATURE_LEN, MlDsaClientAuth, MlDsaIdentityKey, MlDsaPublicIdentity,
        MlDsaServerHello,
    };

    /// ML-DSA-65 identities (FIPS 204; feature `pq`, Lesson 19).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct MlDsa65;

    impl sealed::Sealed for MlDsa65 {}

    impl PeerKey for MlDsaPublicIdentity {
        fn fingerprint(&self) -> Fingerprint {
            MlDsaPublicIdentity::fingerprint(self)
        }
        fn key_bytes(&self) -> &[u8] {
            self.as_bytes()
        }
    }

    impl IdentityScheme for MlDsa65 {
        const IDENTITY: super::Identity = super::Identity::MlDsa65;
        const SIGNATURE_LEN: usize = ML_DSA_SIGNATURE_LEN;
        type Secret = MlDsaIdentityKey;
        type Public = MlDsaPublicIdentity;
        type Signature = [u8; ML_DSA_SIGNATURE_LEN];
        type ServerHello<K: KeyExchange> = MlDsaServerHello<K>;
        type ClientAuth = MlDsaClientAuth;

        fn public(secret: &MlDsaIdentityKey) -> MlDsaPublicIdentity {
            secret.public()
        }

        fn sign(secret: &MlDsaIdentityKey, message: &[u8]) -> [u8; ML_DSA_SIGNATURE_LEN] {
            secret.sign(message)
        }

        fn verify(
            public: &MlDsaPublicIdentity,
            message: &[u8],
            signature: &[u8; ML_DSA_SIGNATURE_LEN],
        ) -> bool {
            public.verify_strict(message, signature)
        }

        fn server_hello<K: KeyExchange>(
            reply: K::ServerHello,
            signature: [u8; ML_DSA_SIGNATURE_LEN],
        ) -> MlDsaServerHello<K> {
            MlDsaServerHello {
                kex: reply,
                signature,
            }
        }

        fn kex_reply<K: KeyExchange>(server_hello: &MlDsaServerHello<K>) -> &K::ServerHello {
            &server_hello.kex
        }

        fn server_signature<K: KeyExchange>(
            server_hello: &MlDsaServerHello<K>,
        ) -> &[u8; ML_DSA_SIGNATURE_LEN] {
            &server_hello.signature
        }

        fn client_auth(
            signature: [u8; ML_DSA_SIGNATURE_LEN],
            public: &MlDsaPublicIdentity,
        ) -> MlDsaClientAuth {
            MlDsaClientAuth {
                signature,
                identity: *public.as_bytes(),
            }
        }

        fn client_signature(auth: &MlDsaClientAuth) -> &[u8; ML_DSA_SIGNATURE_LEN] {
            &auth.signature
        }

        fn client_key_bytes(auth: &MlDsaClientAuth) -> &[u8] {
            &auth.identity
        }

        fn client_key(auth: &MlDsaClientAuth) -> Result<MlDsaPublicIdentity, KeyError> {
            Ok(MlDsaPublicIdentity::from_bytes(&auth.identity))
        }
    }
}

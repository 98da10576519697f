//! ML-DSA-65 identities (FIPS 204; feature `pq`, Lesson 19): the keys, and
//! the two messages that change when both parties sign with them.
//!
//! ```text
//!                      Ed25519      ML-DSA-65
//! public key              32 B        1,952 B   (FIPS 204 section 4, Table 2)
//! signature               64 B        3,309 B
//! secret kept here        32 B           32 B   (the seed xi of ML-DSA.KeyGen)
//! ```
//!
//! Which FIPS 204 function signs: **ML-DSA.Sign, the pure (not pre-hash)
//! form, its optional deterministic variant (rnd = 32 zero bytes, section
//! 3.4), with the empty context string** (ctx = ""), over exactly the bytes
//! an Ed25519 identity signs under the same binding. Verification is
//! ML-DSA.Verify (Algorithm 3) with ctx = "", after sigDecode (Algorithm
//! 27), which refuses a malformed hint or an out-of-range `z`: strict, so
//! a signature has one encoding. Deterministic because the handshake's
//! signing step takes no random number generator (Ed25519's does not
//! either), and it makes golden transcripts possible; FIPS 204 allows it,
//! and prefers the hedged variant where fault attacks on the signer are a
//! concern.
//!
//! The secret is the 32-byte seed; the 4,032-byte expanded key (and its
//! 30 KiB matrix) is rebuilt on the stack for each signature and wiped
//! when dropped, as is the seed.

use core::fmt;

use ml_dsa::{EncodedSignature, EncodedVerifyingKey, ExpandedSigningKey, MlDsa65 as Params};
use rand_core::CryptoRng;
use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroizing;

use crate::hex::Hex;
use crate::kex::KeyExchange;
use crate::keys::{Fingerprint, SIGNATURE_LEN};
use crate::wire::Message;

/// An ML-DSA-65 public key (FIPS 204 pkEncode, 1,952 bytes): `rho (32) ||
/// t1 (1,920)`; a signature (sigEncode, 3,309 bytes): `c~ (48) || z
/// (3,200) || h (61)`.
pub use crate::keys::{ML_DSA_PUBLIC_KEY_LEN, ML_DSA_SIGNATURE_LEN};
/// The secret kept: ML-DSA.KeyGen's 32-byte seed xi (FIPS 204 Algorithm 1).
pub const ML_DSA_SEED_LEN: usize = 32;
/// The context string every signature here uses: empty.
pub const ML_DSA_CONTEXT: &[u8] = b"";

// The lengths above are the crate's, for ML-DSA-65 (its encodings are
// byte arrays of exactly their length).
const _: () = {
    assert!(core::mem::size_of::<EncodedVerifyingKey<Params>>() == ML_DSA_PUBLIC_KEY_LEN);
    assert!(core::mem::size_of::<EncodedSignature<Params>>() == ML_DSA_SIGNATURE_LEN);
};

/// A party's long-term ML-DSA-65 identity: the 32-byte seed, wiped on drop,
/// and the public key it expands to. `Debug` shows the fingerprint only.
pub struct MlDsaIdentityKey {
    seed: Zeroizing<[u8; ML_DSA_SEED_LEN]>,
    public: MlDsaPublicIdentity,
}

impl MlDsaIdentityKey {
    /// A fresh identity: 32 bytes from `rng` become the seed xi
    /// (ML-DSA.KeyGen, FIPS 204 Algorithm 1).
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut seed = Zeroizing::new([0u8; ML_DSA_SEED_LEN]);
        rng.fill_bytes(&mut seed[..]);
        Self::from_seed(&seed)
    }

    /// Rebuilds an identity from its seed (ML-DSA.KeyGen_internal, FIPS 204
    /// Algorithm 6), as stored in an ML-DSA-65 `.key` file.
    pub fn from_seed(seed: &[u8; ML_DSA_SEED_LEN]) -> Self {
        let expanded = ExpandedSigningKey::<Params>::from_seed(&(*seed).into());
        let mut public = [0u8; ML_DSA_PUBLIC_KEY_LEN];
        public.copy_from_slice(&expanded.verifying_key().encode());
        Self {
            seed: Zeroizing::new(*seed),
            public: MlDsaPublicIdentity { bytes: public },
        }
    }

    /// The seed, for writing a key file. Wiped when dropped.
    pub fn to_seed(&self) -> Zeroizing<[u8; ML_DSA_SEED_LEN]> {
        Zeroizing::new(*self.seed)
    }

    /// The public half, to give to the other side.
    pub fn public(&self) -> MlDsaPublicIdentity {
        self.public
    }

    /// ML-DSA.Sign, deterministic variant, ctx = "" (see the module
    /// documentation): the same message and key always give the same
    /// 3,309 bytes.
    pub(crate) fn sign(&self, message: &[u8]) -> [u8; ML_DSA_SIGNATURE_LEN] {
        let expanded = ExpandedSigningKey::<Params>::from_seed(&(*self.seed).into());
        let mut out = [0u8; ML_DSA_SIGNATURE_LEN];
        // The only error is a context longer than 255 bytes; ours is empty.
        if let Ok(signature) = expanded.sign_deterministic(message, ML_DSA_CONTEXT) {
            out.copy_from_slice(&signature.encode());
        }
        out
    }
}

impl fmt::Debug for MlDsaIdentityKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MlDsaIdentityKey")
            .field("public", &self.public.fingerprint())
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// An ML-DSA-65 public key, 1,952 bytes. Every 1,952-byte string decodes
/// to one (FIPS 204 pkDecode has no invalid input: `t1`'s coefficients are
/// 10-bit fields, all in range), so there is nothing to refuse but the
/// length. Equality is constant-time.
#[derive(Clone, Copy)]
pub struct MlDsaPublicIdentity {
    bytes: [u8; ML_DSA_PUBLIC_KEY_LEN],
}

impl MlDsaPublicIdentity {
    /// Wraps 1,952 bytes received from a peer or read from a file.
    pub fn from_bytes(bytes: &[u8; ML_DSA_PUBLIC_KEY_LEN]) -> Self {
        Self { bytes: *bytes }
    }

    /// The 1,952 bytes of the key.
    pub fn as_bytes(&self) -> &[u8; ML_DSA_PUBLIC_KEY_LEN] {
        &self.bytes
    }

    /// The first 8 bytes of SHA-256 over the 1,952 bytes, as for an
    /// Ed25519 key over its 32.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of_bytes(&self.bytes)
    }

    /// SHA-256 of the key: 32 bytes that stand for it where a fixed-size
    /// handle is needed (the per-key session count).
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(self.bytes).into()
    }

    /// ML-DSA.Verify (FIPS 204 Algorithm 3) with ctx = "": false for a
    /// signature that sigDecode refuses (a malformed hint, or `z` out of
    /// range) or that does not verify.
    pub fn verify_strict(&self, message: &[u8], signature: &[u8; ML_DSA_SIGNATURE_LEN]) -> bool {
        let Ok(encoded) = EncodedVerifyingKey::<Params>::try_from(&self.bytes[..]) else {
            return false;
        };
        let Ok(sig) = EncodedSignature::<Params>::try_from(&signature[..]) else {
            return false;
        };
        let Some(sig) = ml_dsa::Signature::<Params>::decode(&sig) else {
            return false;
        };
        ml_dsa::VerifyingKey::<Params>::decode(&encoded).verify_with_context(
            message,
            ML_DSA_CONTEXT,
            &sig,
        )
    }
}

impl ConstantTimeEq for MlDsaPublicIdentity {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.bytes.ct_eq(&other.bytes)
    }
}

impl PartialEq for MlDsaPublicIdentity {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl Eq for MlDsaPublicIdentity {}

impl fmt::Display for MlDsaPublicIdentity {
    /// The 3,904 lowercase hex characters of an ML-DSA-65 `.pub` file.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&Hex(&self.bytes[..]), f)
    }
}

impl fmt::Debug for MlDsaPublicIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MlDsaPublicIdentity({})", self.fingerprint())
    }
}

// ---------------------------------------------------------------------------
// The messages.
//
// ```text
// ML-DSA-65 identities        under x25519      under x25519-mlkem768
// 1  C -> S  ClientHello      32                1,216                 (unchanged)
// 2  S -> C  ServerHello      3,341             4,429  = kex reply || server_signature (3,309)
// 3  C -> S  ClientAuth       5,261             5,261  = client_signature (3,309) || client_public_key (1,952)
// ```
//
// The kex reply is what precedes the Ed25519 signature in the key
// exchange's own message 2: `server_share (32)`, or `ciphertext (1,088) ||
// server_share (32)`.

/// The longest ML-DSA message 2: the hybrid reply and an ML-DSA signature.
pub const ML_DSA_SERVER_HELLO_MAX_LEN: usize =
    crate::wire::HYBRID_SERVER_HELLO_LEN - SIGNATURE_LEN + ML_DSA_SIGNATURE_LEN;
/// Message 3 with an ML-DSA-65 identity.
pub const ML_DSA_CLIENT_AUTH_LEN: usize = ML_DSA_SIGNATURE_LEN + ML_DSA_PUBLIC_KEY_LEN;

/// The bytes of a message whose length depends on the key exchange: room
/// for the longest, and the length this one has.
#[derive(Clone, Copy, Debug)]
pub struct MessageBytes<const CAP: usize> {
    buf: [u8; CAP],
    len: usize,
}

impl<const CAP: usize> AsRef<[u8]> for MessageBytes<CAP> {
    fn as_ref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl<const CAP: usize> AsMut<[u8]> for MessageBytes<CAP> {
    fn as_mut(&mut self) -> &mut [u8] {
        &mut self.buf[..self.len]
    }
}

/// Message 2 with an ML-DSA-65 server identity, under the key exchange `K`:
/// `kex reply || server_signature (3,309)`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct MlDsaServerHello<K: KeyExchange> {
    /// The key exchange's message 2, whose own (Ed25519-sized) signature
    /// field is not sent: all zeros here.
    pub kex: K::ServerHello,
    /// The server's ML-DSA-65 signature over what the binding says.
    pub signature: [u8; ML_DSA_SIGNATURE_LEN],
}

impl<K: KeyExchange> MlDsaServerHello<K> {
    /// The length of the key exchange's reply (its message 2 less the
    /// Ed25519 signature).
    pub const REPLY_LEN: usize = <K::ServerHello as Message>::LEN - SIGNATURE_LEN;
}

impl<K: KeyExchange> Message for MlDsaServerHello<K> {
    const LEN: usize = Self::REPLY_LEN + ML_DSA_SIGNATURE_LEN;
    const NAME: &'static str = "message 2 (ServerHello, ML-DSA-65)";
    type Bytes = MessageBytes<ML_DSA_SERVER_HELLO_MAX_LEN>;

    fn zeroed() -> Self::Bytes {
        MessageBytes {
            buf: [0u8; ML_DSA_SERVER_HELLO_MAX_LEN],
            len: Self::LEN,
        }
    }

    fn encode(&self) -> Self::Bytes {
        let mut out = Self::zeroed();
        let kex = self.kex.encode();
        out.buf[..Self::REPLY_LEN].copy_from_slice(&kex.as_ref()[..Self::REPLY_LEN]);
        out.buf[Self::REPLY_LEN..Self::LEN].copy_from_slice(&self.signature);
        out
    }

    fn decode(bytes: &Self::Bytes) -> Self {
        let bytes = bytes.as_ref();
        let mut kex = K::ServerHello::zeroed();
        kex.as_mut()[..Self::REPLY_LEN].copy_from_slice(&bytes[..Self::REPLY_LEN]);
        let mut signature = [0u8; ML_DSA_SIGNATURE_LEN];
        signature.copy_from_slice(&bytes[Self::REPLY_LEN..Self::LEN]);
        Self {
            kex: K::ServerHello::decode(&kex),
            signature,
        }
    }
}

/// Message 3 with an ML-DSA-65 client identity:
/// `client_signature (3,309) || client_public_key (1,952)`, in the order
/// of the Ed25519 message 3.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct MlDsaClientAuth {
    /// The client's ML-DSA-65 signature over what the binding says.
    pub signature: [u8; ML_DSA_SIGNATURE_LEN],
    /// The client's long-term ML-DSA-65 public key, as received.
    pub identity: [u8; ML_DSA_PUBLIC_KEY_LEN],
}

impl Message for MlDsaClientAuth {
    const LEN: usize = ML_DSA_CLIENT_AUTH_LEN;
    const NAME: &'static str = "message 3 (ClientAuth, ML-DSA-65)";
    type Bytes = [u8; ML_DSA_CLIENT_AUTH_LEN];

    fn zeroed() -> Self::Bytes {
        [0u8; ML_DSA_CLIENT_AUTH_LEN]
    }

    fn encode(&self) -> Self::Bytes {
        let mut out = [0u8; ML_DSA_CLIENT_AUTH_LEN];
        out[..ML_DSA_SIGNATURE_LEN].copy_from_slice(&self.signature);
        out[ML_DSA_SIGNATURE_LEN..].copy_from_slice(&self.identity);
        out
    }

    fn decode(bytes: &Self::Bytes) -> Self {
        let mut signature = [0u8; ML_DSA_SIGNATURE_LEN];
        signature.copy_from_slice(&bytes[..ML_DSA_SIGNATURE_LEN]);
        let mut identity = [0u8; ML_DSA_PUBLIC_KEY_LEN];
        identity.copy_from_slice(&bytes[ML_DSA_SIGNATURE_LEN..]);
        Self {
            signature,
            identity,
        }
    }
}

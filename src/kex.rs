//! The key exchange: how the two ends of a handshake come to share a
//! secret nobody else knows. One place for it, so that the handshakes'
//! state machines (`handshake::mutual`) are written once and run
//! with either:
//!
//! - [`X25519`]: the classical Diffie-Hellman of Lessons 10 and 11. Each
//!   side sends a 32-byte share; both compute the same 32-byte secret.
//! - [`X25519MlKem768`] (feature `pq`, Lesson 19): X25519 *and* ML-KEM-768
//!   (FIPS 203), a key encapsulation mechanism. The client sends a fresh
//!   encapsulation key next to its share; the server encapsulates a fresh
//!   secret to it and sends back the ciphertext next to its share; the
//!   session keys come from both secrets, so a recording stays secret
//!   unless *both* X25519 and ML-KEM are broken.
//!
//! ```text
//! X25519          shared_secret = X25519(own secret, peer share)                     32 bytes
//! X25519MlKem768  shared_secret = ML-KEM-768 shared key || X25519(own secret, peer share)  64 bytes
//! ```
//!
//! The 64 bytes are the key schedule's input exactly where the 32 were:
//! HKDF-Extract's input keying material, or the TLS 1.2 PRF's pre-master
//! secret. That is how TLS 1.3's `X25519MLKEM768` combines them
//! (draft-ietf-tls-ecdhe-mlkem: the ML-KEM secret first, then X25519's,
//! concatenated, as the input to the key schedule), and it is safe here
//! because HKDF-Extract is a randomness extractor over its whole input: as
//! long as *either* half is unknown to an attacker, the 64 bytes have at
//! least 256 bits she cannot guess and the PRK is out of her reach; the
//! halves have fixed lengths, so no two different pairs of secrets
//! concatenate to the same input; and under the transcript binding the
//! salt is the hash of every handshake byte, the encapsulation key and the
//! ciphertext included, so the keys are bound to the exact ciphertext sent
//! (the property for which generic KEM combiners hash the ciphertext in).
//!
//! Which key exchange runs is the caller's choice, on both sides, as the
//! binding and the schedule are: nothing on the wire names it. A client
//! and a server that disagree fail at once, on message sizes
//! (`net::Error::KexMismatch` says which side runs which).

use core::fmt;

use rand_core::CryptoRng;
use x25519_dalek::{EphemeralSecret, PublicKey};
use zeroize::Zeroizing;

use crate::keys::SIGNATURE_LEN;
use crate::wire::{ClientHello, Message, SHARE_LEN, ServerHello};

#[cfg(feature = "pq")]
use crate::wire::{
    ENCAPSULATION_KEY_LEN, HybridClientHello, HybridServerHello, KEM_CIPHERTEXT_LEN,
};

/// Which key exchange a handshake runs: the value a command line's
/// `--kex` gives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Kex {
    /// X25519 alone (Lessons 10 and 11): 32-byte shares.
    #[default]
    X25519,
    /// X25519 and ML-KEM-768 (Lesson 19): 1,216-byte message 1 and
    /// 1,184-byte message 2. Needs the `pq` feature to run.
    X25519MlKem768,
}

impl Kex {
    /// The name used on command lines: `x25519` or `x25519-mlkem768`.
    pub fn name(self) -> &'static str {
        match self {
            Self::X25519 => "x25519",
            Self::X25519MlKem768 => "x25519-mlkem768",
        }
    }

    /// The length of message 1 under this key exchange.
    pub fn client_hello_len(self) -> usize {
        match self {
            Self::X25519 => crate::wire::CLIENT_HELLO_LEN,
            Self::X25519MlKem768 => crate::wire::HYBRID_CLIENT_HELLO_LEN,
        }
    }

    /// The length of message 2 under this key exchange.
    pub fn server_hello_len(self) -> usize {
        match self {
            Self::X25519 => crate::wire::SERVER_HELLO_LEN,
            Self::X25519MlKem768 => crate::wire::HYBRID_SERVER_HELLO_LEN,
        }
    }
}

impl fmt::Display for Kex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A key exchange name that is neither `x25519` nor `x25519-mlkem768`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownKex;

impl fmt::Display for UnknownKex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown key exchange: expected `x25519` or `x25519-mlkem768`")
    }
}

impl core::error::Error for UnknownKex {}

impl core::str::FromStr for Kex {
    type Err = UnknownKex;
    fn from_str(name: &str) -> Result<Self, UnknownKex> {
        match name {
            "x25519" => Ok(Self::X25519),
            "x25519-mlkem768" => Ok(Self::X25519MlKem768),
            _ => Err(UnknownKex),
        }
    }
}

/// Why a key exchange step refused its input. The handshakes report it as
/// the `HandshakeError` of the same
/// name; a type of its own so that this module needs nothing from them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KexError {
    /// The X25519 result is all zeros: the peer sent a low-order share.
    NonContributoryShare,
    /// An ML-KEM-768 encapsulation key fails FIPS 203's input check.
    EncapsulationKeyInvalid,
}

impl fmt::Display for KexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NonContributoryShare => {
                "the peer's X25519 share has low order (the shared secret would be all zeros)"
            }
            Self::EncapsulationKeyInvalid => {
                "the ML-KEM-768 encapsulation key fails the FIPS 203 input check \
                 (a coefficient is not below q = 3329)"
            }
        })
    }
}

impl core::error::Error for KexError {}

mod sealed {
    pub trait Sealed {}
}

/// A key exchange the handshakes can run: what message 1 and message 2
/// carry, and how each side gets the shared secret from them. Sealed: the
/// two implementations are [`X25519`] and [`X25519MlKem768`].
///
/// Message 2 is always `reply || server_signature (64)`; the server signs
/// over the reply (and, under the transcript binding, message 1 before it).
pub trait KeyExchange: sealed::Sealed + Copy + fmt::Debug {
    /// This key exchange as a [`Kex`] value.
    const KEX: Kex;
    /// Message 1.
    type ClientHello: Message;
    /// Message 2: the server's reply, then its signature.
    type ServerHello: Message;
    /// What the client keeps between message 1 and message 2 (its
    /// ephemeral secrets, wiped when dropped).
    type ClientSecret;
    /// The shared secret, as the key schedule takes it (wiped when dropped).
    type SharedSecret: AsRef<[u8]>;

    /// The client's first move: fresh ephemeral secrets and message 1.
    fn offer<R: CryptoRng + ?Sized>(rng: &mut R) -> (Self::ClientSecret, Self::ClientHello);

    /// The server's answer to message 1: the shared secret and message 2
    /// with its signature still all zeros (the caller signs it).
    ///
    /// # Errors
    /// [`KexError::NonContributoryShare`] for a low-order client
    /// share; [`KexError::EncapsulationKeyInvalid`] for an ML-KEM
    /// encapsulation key that fails FIPS 203's input check.
    fn answer<R: CryptoRng + ?Sized>(
        rng: &mut R,
        hello: &Self::ClientHello,
    ) -> Result<(Self::SharedSecret, Self::ServerHello), KexError>;

    /// The signature field of message 2.
    fn signature(server_hello: &Self::ServerHello) -> &[u8; SIGNATURE_LEN];

    /// Message 2 with its signature filled in.
    fn signed(server_hello: Self::ServerHello, signature: [u8; SIGNATURE_LEN])
    -> Self::ServerHello;

    /// The client's last move, once message 2's signature has checked:
    /// the shared secret. The client's secrets are consumed (and wiped).
    ///
    /// # Errors
    /// [`KexError::NonContributoryShare`] for a low-order server share.
    fn finish(
        secret: Self::ClientSecret,
        server_hello: &Self::ServerHello,
    ) -> Result<Self::SharedSecret, KexError>;

    /// The two X25519 shares (client's, server's): the TLS 1.2 PRF's randoms.
    fn shares<'m>(
        hello: &'m Self::ClientHello,
        server_hello: &'m Self::ServerHello,
    ) -> (&'m [u8; SHARE_LEN], &'m [u8; SHARE_LEN]);
}

/// A fresh X25519 ephemeral key pair (RFC 7748 section 6.1).
pub(crate) fn ephemeral<R: CryptoRng + ?Sized>(rng: &mut R) -> (EphemeralSecret, [u8; SHARE_LEN]) {
    let secret = EphemeralSecret::random_from_rng(rng);
    let share = PublicKey::from(&secret).to_bytes();
    (secret, share)
}

/// X25519 with the peer's share, refusing an all-zero result: RFC 7748
/// section 6.1 allows the check, and without it a peer who sends a
/// low-order point forces a shared secret everyone knows.
pub(crate) fn agree(
    secret: EphemeralSecret,
    peer_share: &[u8; SHARE_LEN],
) -> Result<Zeroizing<[u8; 32]>, KexError> {
    let shared = secret.diffie_hellman(&PublicKey::from(*peer_share));
    if !shared.was_contributory() {
        return Err(KexError::NonContributoryShare);
    }
    Ok(Zeroizing::new(shared.to_bytes()))
}

/// The classical key exchange: X25519 alone, 32-byte shares.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct X25519;

impl sealed::Sealed for X25519 {}

impl KeyExchange for X25519 {
    const KEX: Kex = Kex::X25519;
    type ClientHello = ClientHello;
    type ServerHello = ServerHello;
    type ClientSecret = EphemeralSecret;
    type SharedSecret = Zeroizing<[u8; 32]>;

    fn offer<R: CryptoRng + ?Sized>(rng: &mut R) -> (EphemeralSecret, ClientHello) {
        let (secret, share) = ephemeral(rng);
        (secret, ClientHello { share })
    }

    fn answer<R: CryptoRng + ?Sized>(
        rng: &mut R,
        hello: &ClientHello,
    ) -> Result<(Zeroizing<[u8; 32]>, ServerHello), KexError> {
        let (secret, share) = ephemeral(rng);
        let shared = agree(secret, &hello.share)?;
        let server_hello = ServerHello {
            share,
            signature: [0u8; SIGNATURE_LEN],
        };
        Ok((shared, server_hello))
    }

    fn signature(server_hello: &ServerHello) -> &[u8; SIGNATURE_LEN] {
        &server_hello.signature
    }

    fn signed(server_hello: ServerHello, signature: [u8; SIGNATURE_LEN]) -> ServerHello {
        ServerHello {
            signature,
            ..server_hello
        }
    }

    fn finish(
        secret: EphemeralSecret,
        server_hello: &ServerHello,
    ) -> Result<Zeroizing<[u8; 32]>, KexError> {
        agree(secret, &server_hello.share)
    }

    fn shares<'m>(
        hello: &'m ClientHello,
        server_hello: &'m ServerHello,
    ) -> (&'m [u8; SHARE_LEN], &'m [u8; SHARE_LEN]) {
        (&hello.share, &server_hello.share)
    }
}

/// The hybrid key exchange of Lesson 19: X25519 and ML-KEM-768 together,
/// combined as TLS 1.3's `X25519MLKEM768` combines them.
///
/// The client's randomness is drawn in this order: 32 bytes for its X25519
/// secret, then ML-KEM-768's key generation seed `d` (32 bytes) and `z`
/// (32 bytes), FIPS 203 Algorithm 19. The server's: 32 bytes for its
/// X25519 secret, then the 32-byte message `m` of ML-KEM's encapsulation,
/// FIPS 203 Algorithm 20.
///
/// Decapsulation never fails: ML-KEM uses *implicit rejection* (FIPS 203
/// Algorithm 18). A ciphertext that was altered on the way does not make
/// decapsulation report an error; it yields a pseudorandom key `K̄ =
/// J(z || c)` that the server does not have, so the two ends derive
/// different session keys and the failure shows at the first record
/// (under the transcript binding, the server's key confirmation; under
/// either binding, the first record that does not open). Nothing about
/// the ciphertext leaks through an early error, which is the point.
#[cfg(feature = "pq")]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct X25519MlKem768;

/// What the hybrid client keeps between message 1 and message 2: both
/// ephemeral secrets, wiped on drop.
#[cfg(feature = "pq")]
pub struct HybridClientSecret {
    x25519: EphemeralSecret,
    ml_kem: ml_kem::DecapsulationKey<ml_kem::MlKem768>,
}

#[cfg(feature = "pq")]
impl fmt::Debug for HybridClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HybridClientSecret(<redacted>)")
    }
}

#[cfg(feature = "pq")]
impl HybridClientSecret {
    /// The X25519 half alone, for a peer that chose the classical share
    /// instead: a TLS 1.3 client may offer `X25519MLKEM768` and `X25519`
    /// side by side with one X25519 key (draft-ietf-tls-hybrid-design,
    /// section 3.2), and a classical server answers the second. The
    /// ML-KEM decapsulation key is dropped unused, and wiped.
    ///
    /// # Errors
    /// [`KexError::NonContributoryShare`] for a low-order server share.
    pub fn finish_x25519_only(
        self,
        server_share: &[u8; SHARE_LEN],
    ) -> Result<Zeroizing<[u8; 32]>, KexError> {
        agree(self.x25519, server_share)
    }
}

/// The 64-byte hybrid shared secret: ML-KEM-768's 32-byte key, then
/// X25519's 32 bytes.
#[cfg(feature = "pq")]
pub const HYBRID_SHARED_SECRET_LEN: usize = 64;

#[cfg(feature = "pq")]
const _: () = {
    use ml_kem::array::typenum::Unsigned;
    use ml_kem::kem::{Kem, KeySizeUser};
    // The wire's lengths are the crate's, for ML-KEM-768.
    assert!(
        <ml_kem::ml_kem_768::EncapsulationKey as KeySizeUser>::KeySize::USIZE
            == ENCAPSULATION_KEY_LEN
    );
    assert!(<ml_kem::MlKem768 as Kem>::CiphertextSize::USIZE == KEM_CIPHERTEXT_LEN);
};

#[cfg(feature = "pq")]
fn hybrid_secret(
    ml_kem_key: &mut [u8],
    x25519: &[u8; 32],
) -> Zeroizing<[u8; HYBRID_SHARED_SECRET_LEN]> {
    use zeroize::Zeroize as _;
    let mut shared = Zeroizing::new([0u8; HYBRID_SHARED_SECRET_LEN]);
    shared[..32].copy_from_slice(ml_kem_key);
    shared[32..].copy_from_slice(x25519);
    ml_kem_key.zeroize();
    shared
}

#[cfg(feature = "pq")]
impl sealed::Sealed for X25519MlKem768 {}

#[cfg(feature = "pq")]
impl KeyExchange for X25519MlKem768 {
    const KEX: Kex = Kex::X25519MlKem768;
    type ClientHello = HybridClientHello;
    type ServerHello = HybridServerHello;
    type ClientSecret = HybridClientSecret;
    type SharedSecret = Zeroizing<[u8; HYBRID_SHARED_SECRET_LEN]>;

    fn offer<R: CryptoRng + ?Sized>(rng: &mut R) -> (HybridClientSecret, HybridClientHello) {
        use ml_kem::kem::{Generate as _, KeyExport as _};
        let (x25519, share) = ephemeral(rng);
        let ml_kem = ml_kem::DecapsulationKey::<ml_kem::MlKem768>::generate_from_rng(rng);
        let mut encapsulation_key = [0u8; ENCAPSULATION_KEY_LEN];
        encapsulation_key.copy_from_slice(&ml_kem.encapsulation_key().to_bytes());
        let hello = HybridClientHello {
            encapsulation_key,
            share,
        };
        (HybridClientSecret { x25519, ml_kem }, hello)
    }

    fn answer<R: CryptoRng + ?Sized>(
        rng: &mut R,
        hello: &HybridClientHello,
    ) -> Result<(Self::SharedSecret, HybridServerHello), KexError> {
        use ml_kem::kem::Encapsulate as _;
        let (secret, share) = ephemeral(rng);
        let x25519 = agree(secret, &hello.share)?;
        // FIPS 203 section 7.2, the encapsulation key check: every
        // coefficient below q = 3329 (the crate's decoding refuses others).
        let key = ml_kem::ml_kem_768::EncapsulationKey::new(&hello.encapsulation_key.into())
            .map_err(|_| KexError::EncapsulationKeyInvalid)?;
        let (ciphertext, mut ml_kem_key) = key.encapsulate_with_rng(rng);
        let shared = hybrid_secret(&mut ml_kem_key, &x25519);
        let mut ct = [0u8; KEM_CIPHERTEXT_LEN];
        ct.copy_from_slice(&ciphertext);
        let server_hello = HybridServerHello {
            ciphertext: ct,
            share,
            signature: [0u8; SIGNATURE_LEN],
        };
        Ok((shared, server_hello))
    }

    fn signature(server_hello: &HybridServerHello) -> &[u8; SIGNATURE_LEN] {
        &server_hello.signature
    }

    fn signed(
        server_hello: HybridServerHello,
        signature: [u8; SIGNATURE_LEN],
    ) -> HybridServerHello {
        HybridServerHello {
            signature,
            ..server_hello
        }
    }

    fn finish(
        secret: HybridClientSecret,
        server_hello: &HybridServerHello,
    ) -> Result<Self::SharedSecret, KexError> {
        use ml_kem::kem::Decapsulate as _;
        let HybridClientSecret { x25519, ml_kem } = secret;
        let x25519 = agree(x25519, &server_hello.share)?;
        // Implicit rejection: never an error (see the type's documentation).
        let mut ml_kem_key = ml_kem.decapsulate(&server_hello.ciphertext.into());
        Ok(hybrid_secret(&mut ml_kem_key, &x25519))
    }

    fn shares<'m>(
        hello: &'m HybridClientHello,
        server_hello: &'m HybridServerHello,
    ) -> (&'m [u8; SHARE_LEN], &'m [u8; SHARE_LEN]) {
        (&hello.share, &server_hello.share)
    }
}

/// FIPS 203's encoding of an encapsulation key's polynomials packs 12-bit
/// coefficients, each below q = 3329. Whether `bytes` (a multiple of 3
/// bytes is read) look like that: random bytes do with probability
/// (3329/4096)^(2 per 3 bytes), about 2^-25 for 126 bytes. The I/O layer
/// uses it to tell a classical server that a hybrid client is talking to
/// it, from what it took for messages 1 and 3.
pub fn looks_like_encapsulation_key(bytes: &[u8]) -> bool {
    const Q: u16 = 3329;
    let mut nonzero = false;
    for chunk in bytes.chunks_exact(3) {
        let (a, b, c) = (
            u16::from(chunk[0]),
            u16::from(chunk[1]),
            u16::from(chunk[2]),
        );
        let low = a | ((b & 0x0f) << 8);
        let high = (b >> 4) | (c << 4);
        if low >= Q || high >= Q {
            return false;
        }
        nonzero |= low != 0 || high != 0;
    }
    // All zeros is a (weak) key, but far more likely a test's filler.
    nonzero
}

//! The TLS 1.2 key derivation: one pseudorandom function (PRF) and the four
//! things TLS 1.2 computes with it.
//!
//! ```text
//! pre_master_secret ──PRF "master secret"──────────▶ master_secret (48 bytes)
//!   (or, RFC 7627)  ──PRF "extended master secret"─▶        │
//!                                                           ├──PRF "key expansion"──▶ key block
//!                                                           │     MAC keys, keys, IVs
//!                                                           └──PRF "client finished" ─▶ verify_data
//!                                                                  "server finished"     (12 bytes)
//! ```
//!
//! Every function here is generic over the hash `H` because a TLS 1.2
//! cipher suite names its PRF hash: SHA-256 for the `*_SHA256` suites and
//! for every suite defined before TLS 1.2, SHA-384 for the `*_SHA384` ones
//! (RFC 5246 §5). Nothing allocates; every output lands in a buffer the
//! caller owns or in a fixed-size value returned by value.
//!
//! Secrets ([`MasterSecret`], [`KeyBlock`]) are wiped when dropped and print
//! as `<redacted>`.

use core::fmt;
use core::iter::once;

use hmac::digest::{Output, OutputSizeUser};
use hmac::{EagerHash, Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Length of `ClientHello.random` and `ServerHello.random` (RFC 5246 §7.4.1.2).
pub const RANDOM_LEN: usize = 32;

/// Length of the master secret, whatever the key exchange (RFC 5246 §8.1).
pub const MASTER_SECRET_LEN: usize = 48;

/// Length of `verify_data` in a Finished message when the suite does not say
/// otherwise, which no suite in this course does (RFC 5246 §7.4.9).
pub const VERIFY_DATA_LEN: usize = 12;

/// PRF label that turns a pre-master secret into a master secret (RFC 5246 §8.1).
pub const MASTER_SECRET_LABEL: &[u8] = b"master secret";

/// PRF label for the master secret bound to the session hash (RFC 7627 §4).
pub const EXTENDED_MASTER_SECRET_LABEL: &[u8] = b"extended master secret";

/// PRF label that stretches the master secret into the key block (RFC 5246 §6.3).
pub const KEY_EXPANSION_LABEL: &[u8] = b"key expansion";

/// PRF label for the client's Finished message (RFC 5246 §7.4.9).
pub const CLIENT_FINISHED_LABEL: &[u8] = b"client finished";

/// PRF label for the server's Finished message (RFC 5246 §7.4.9).
pub const SERVER_FINISHED_LABEL: &[u8] = b"server finished";

/// Longest MAC key a TLS 1.2 suite asks for: HMAC-SHA384 in the `*_CBC_SHA384` suites.
pub const MAX_MAC_KEY_LEN: usize = 48;

/// Longest encryption key a TLS 1.2 suite asks for: AES-256 and ChaCha20.
pub const MAX_ENC_KEY_LEN: usize = 32;

/// Longest implicit IV a TLS 1.2 suite takes from the key block: ChaCha20-Poly1305
/// uses all 12 bytes of its nonce (RFC 7905 §2); AES-GCM takes a 4-byte salt.
pub const MAX_FIXED_IV_LEN: usize = 12;

/// `P_hash`, the data-expansion function under the TLS 1.2 PRF (RFC 5246 §5).
///
/// Stretches `secret` into as many bytes as `out` holds. The seed is the
/// concatenation of `seed_parts`; passing the parts separately saves
/// building it. The output is a stream: asking for fewer bytes yields a
/// prefix of asking for more, with any hash.
///
/// # Examples
///
/// ```
/// use learn_mtls::tls12::p_hash;
/// use sha2::Sha256;
///
/// let mut whole = [0u8; 40];
/// p_hash::<Sha256>(b"secret", &[b"label", b"seed"], &mut whole);
///
/// // The same seed cut in different places, and a shorter output.
/// let mut prefix = [0u8; 10];
/// p_hash::<Sha256>(b"secret", &[b"lab", b"elseed"], &mut prefix);
/// assert_eq!(prefix, whole[..10]);
/// ```
pub fn p_hash<H: EagerHash>(secret: &[u8], seed_parts: &[&[u8]], out: &mut [u8]) {
    p_hash_after::<H>(secret, &[], seed_parts, out);
}

/// The TLS 1.2 PRF (RFC 5246 §5): `P_<hash>` over the label followed by the seed.
///
/// `H` is the suite's PRF hash. The label is ASCII without a length byte or
/// a trailing NUL; the seed is the concatenation of `seed_parts`.
///
/// # Examples
///
/// The TLS working group's published P_SHA256 vector, first 16 of 100 bytes:
///
/// ```
/// use learn_mtls::tls12::prf;
/// use sha2::Sha256;
///
/// let secret = [
///     0x9b, 0xbe, 0x43, 0x6b, 0xa9, 0x40, 0xf0, 0x17,
///     0xb1, 0x76, 0x52, 0x84, 0x9a, 0x71, 0xdb, 0x35,
/// ];
/// let seed = [
///     0xa0, 0xba, 0x9f, 0x93, 0x6c, 0xda, 0x31, 0x18,
///     0x27, 0xa6, 0xf7, 0x96, 0xff, 0xd5, 0x19, 0x8c,
/// ];
/// let mut out = [0u8; 16];
/// prf::<Sha256>(&secret, b"test label", &[&seed], &mut out);
/// assert_eq!(out, [
///     0xe3, 0xf2, 0x29, 0xba, 0x72, 0x7b, 0xe1, 0x7b,
///     0x8d, 0x12, 0x26, 0x20, 0x55, 0x7c, 0xd4, 0x53,
/// ]);
/// ```
pub fn prf<H: EagerHash>(secret: &[u8], label: &[u8], seed_parts: &[&[u8]], out: &mut [u8]) {
    // PRF(secret, label, seed) = P_<hash>(secret, label + seed)
    p_hash_after::<H>(secret, label, seed_parts, out);
}

/// The TLS 1.2 PRF with SHA-256, the hash of every suite this course uses (RFC 5246 §5).
///
/// # Examples
///
/// ```
/// use learn_mtls::tls12::{prf, prf_sha256};
/// use sha2::Sha256;
///
/// let (mut a, mut b) = ([0u8; 20], [0u8; 20]);
/// prf_sha256(b"secret", b"label", &[b"seed"], &mut a);
/// prf::<Sha256>(b"secret", b"label", &[b"seed"], &mut b);
/// assert_eq!(a, b);
/// ```
pub fn prf_sha256(secret: &[u8], label: &[u8], seed_parts: &[&[u8]], out: &mut [u8]) {
    prf::<Sha256>(secret, label, seed_parts, out);
}

/// `P_hash` whose seed is `first` followed by `rest`, so [`prf`] can put the
/// label in front of the caller's parts without copying them anywhere.
fn p_hash_after<H: EagerHash>(secret: &[u8], first: &[u8], rest: &[&[u8]], out: &mut [u8]) {
    let seed = || once(first).chain(rest.iter().copied());
    // Keying HMAC hashes the secret into its inner and outer pads; do that
    // once and clone the keyed state for each of the HMACs below.
    let keyed = Hmac::<H>::new_from_slice(secret).expect("HMAC takes keys of any length");

    // A(0) = seed
    // A(1) = HMAC_hash(secret, A(0))
    let mut a = hmac(&keyed, seed());
    for block in out.chunks_mut(<H as OutputSizeUser>::output_size()) {
        // P_hash(secret, seed) = HMAC_hash(secret, A(1) + seed) +
        //                        HMAC_hash(secret, A(2) + seed) + ...
        let mut output = hmac(&keyed, once(a.as_slice()).chain(seed()));
        // The last block may be cut short; its unused tail is key stream
        // too, so it is wiped rather than left on the stack.
        block.copy_from_slice(&output[..block.len()]);
        output.as_mut_slice().zeroize();

        // A(i) = HMAC_hash(secret, A(i-1))
        // (One more than the loop needs on its last turn: an HMAC spent to
        // keep the loop in the formula's order.)
        let next = hmac(&keyed, once(a.as_slice()));
        a.as_mut_slice().zeroize();
        a = next;
    }
    a.as_mut_slice().zeroize();
}

/// HMAC over the concatenation of `parts`, from an already keyed state.
fn hmac<'a, H: EagerHash>(
    keyed: &Hmac<H>,
    parts: impl IntoIterator<Item = &'a [u8]>,
) -> Output<Hmac<H>> {
    let mut mac = keyed.clone();
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes()
}

/// The 48-byte secret both peers share once the key exchange is over (RFC 5246 §8.1).
///
/// Everything else is derived from it: the key block and both Finished
/// messages. Wiped on drop; `Debug` prints `<redacted>`.
pub struct MasterSecret([u8; MASTER_SECRET_LEN]);

impl MasterSecret {
    /// Wraps a master secret kept from an earlier handshake (session
    /// resumption) or taken from a test vector.
    ///
    /// The caller's array is a copy this type cannot wipe.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; MASTER_SECRET_LEN]) -> Self {
        Self(bytes)
    }

    /// The secret's bytes: what an NSS key log line or a resumption cache stores.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; MASTER_SECRET_LEN] {
        &self.0
    }
}

impl fmt::Debug for MasterSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterSecret(<redacted>)")
    }
}

impl Drop for MasterSecret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl ZeroizeOnDrop for MasterSecret {}

/// The master secret from the pre-master secret and both hello randoms (RFC 5246 §8.1).
///
/// For an ECDHE exchange the pre-master secret is the shared secret as it
/// comes out of the curve (RFC 8422 §5.10). The client random goes first;
/// [`key_block`] puts it second.
///
/// # Examples
///
/// ```
/// use learn_mtls::tls12::master_secret;
/// use sha2::Sha256;
///
/// let pre_master_secret = [7u8; 32];
/// let (client_random, server_random) = ([1u8; 32], [2u8; 32]);
/// let ms = master_secret::<Sha256>(&pre_master_secret, &client_random, &server_random);
/// let swapped = master_secret::<Sha256>(&pre_master_secret, &server_random, &client_random);
/// assert_ne!(ms.as_bytes(), swapped.as_bytes());
/// ```
#[must_use]
pub fn master_secret<H: EagerHash>(
    pre_master_secret: &[u8],
    client_random: &[u8; RANDOM_LEN],
    server_random: &[u8; RANDOM_LEN],
) -> MasterSecret {
    let mut ms = MasterSecret([0; MASTER_SECRET_LEN]);
    // master_secret = PRF(pre_master_secret, "master secret",
    //                     ClientHello.random + ServerHello.random)[0..47]
    // (the RFC's [0..47] counts both ends: the first 48 bytes, Rust's [0..48])
    prf::<H>(
        pre_master_secret,
        MASTER_SECRET_LABEL,
        &[client_random.as_slice(), server_random.as_slice()],
        &mut ms.0,
    );
    ms
}

/// The extended master secret, bound to the whole handshake so far (RFC 7627 §4).
///
/// `session_hash` is the PRF hash of every handshake message up to and
/// including ClientKeyExchange (RFC 7627 §3). Hashing the transcript
/// instead of just the randoms means two connections get the same master
/// secret only if they saw the same messages, which defeats the
/// triple-handshake attack.
///
/// # Examples
///
/// ```
/// use learn_mtls::tls12::extended_master_secret;
/// use sha2::{Digest, Sha256};
///
/// let session_hash = Sha256::digest(b"ClientHello..ClientKeyExchange");
/// let ems = extended_master_secret::<Sha256>(&[7u8; 32], &session_hash);
/// assert_eq!(ems.as_bytes().len(), 48);
/// ```
#[must_use]
pub fn extended_master_secret<H: EagerHash>(
    pre_master_secret: &[u8],
    session_hash: &Output<H>,
) -> MasterSecret {
    let mut ms = MasterSecret([0; MASTER_SECRET_LEN]);
    // master_secret = PRF(pre_master_secret, "extended master secret",
    //                     session_hash)[0..47]
    // (the RFC's [0..47] counts both ends: the first 48 bytes, Rust's [0..48])
    prf::<H>(
        pre_master_secret,
        EXTENDED_MASTER_SECRET_LABEL,
        &[session_hash.as_slice()],
        &mut ms.0,
    );
    ms
}

/// How a cipher suite cuts the key block into its six pieces (RFC 5246 §6.3).
///
/// Each length appears twice in the block, once per direction. Building a
/// layout checks it fits a [`KeyBlock`], so deriving the key block itself
/// cannot fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyBlockLayout {
    mac_key_len: usize,
    enc_key_len: usize,
    fixed_iv_len: usize,
}

impl KeyBlockLayout {
    /// `TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256`: an AEAD, so no MAC key;
    /// the 12-byte IV is XORed with the sequence number to form each nonce
    /// (RFC 7905 §2).
    pub const ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: Self = Self::known(0, 32, 12);

    /// `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`: an AEAD, so no MAC key; the
    /// 4-byte implicit salt is followed by an 8-byte explicit nonce sent in
    /// each record (RFC 5288 §3).
    pub const ECDHE_RSA_WITH_AES_128_GCM_SHA256: Self = Self::known(0, 16, 4);

    /// `TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256`: HMAC-SHA256 keys and AES-128
    /// keys, and no IV at all (RFC 5246 §6.3, appendix C; RFC 5289 §3.2).
    ///
    /// Since TLS 1.1 every CBC record carries its own random IV
    /// (`record_iv_length`, §6.2.3.2), and §6.3 says the key block only
    /// supplies IVs for implicit-nonce AEADs, so `fixed_iv_length` is 0. The
    /// 16 in appendix C's "IV Size" column is that per-record IV. Some
    /// libraries still cut 2 × 16 bytes of IV from the block out of TLS 1.0
    /// habit; the IVs come last, so the keys agree either way.
    pub const ECDHE_RSA_WITH_AES_128_CBC_SHA256: Self = Self::known(32, 16, 0);

    /// A layout with the given MAC key, encryption key and fixed IV lengths.
    ///
    /// # Errors
    ///
    /// [`LayoutTooLarge`] if a length exceeds [`MAX_MAC_KEY_LEN`],
    /// [`MAX_ENC_KEY_LEN`] or [`MAX_FIXED_IV_LEN`], the most any TLS 1.2
    /// suite needs.
    ///
    /// # Examples
    ///
    /// ```
    /// use learn_mtls::tls12::KeyBlockLayout;
    ///
    /// // TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 (RFC 5289)
    /// let aes_256_gcm = KeyBlockLayout::new(0, 32, 4)?;
    /// assert_eq!(aes_256_gcm.key_block_len(), 72);
    /// assert!(KeyBlockLayout::new(0, 64, 4).is_err());
    /// # Ok::<(), learn_mtls::tls12::LayoutTooLarge>(())
    /// ```
    pub const fn new(
        mac_key_len: usize,
        enc_key_len: usize,
        fixed_iv_len: usize,
    ) -> Result<Self, LayoutTooLarge> {
        let piece = if mac_key_len > MAX_MAC_KEY_LEN {
            Some(("MAC key", mac_key_len, MAX_MAC_KEY_LEN))
        } else if enc_key_len > MAX_ENC_KEY_LEN {
            Some(("encryption key", enc_key_len, MAX_ENC_KEY_LEN))
        } else if fixed_iv_len > MAX_FIXED_IV_LEN {
            Some(("fixed IV", fixed_iv_len, MAX_FIXED_IV_LEN))
        } else {
            None
        };
        match piece {
            Some((piece, len, max)) => Err(LayoutTooLarge { piece, len, max }),
            None => Ok(Self {
                mac_key_len,
                enc_key_len,
                fixed_iv_len,
            }),
        }
    }

    /// For the named layouts above: evaluated at compile time, so a length
    /// that did not fit would stop the build instead of panicking.
    const fn known(mac_key_len: usize, enc_key_len: usize, fixed_iv_len: usize) -> Self {
        match Self::new(mac_key_len, enc_key_len, fixed_iv_len) {
            Ok(layout) => layout,
            Err(_) => panic!("a named key block layout exceeds the KeyBlock capacity"),
        }
    }

    /// Length of each MAC key (`SecurityParameters.mac_key_length`).
    #[must_use]
    pub const fn mac_key_len(self) -> usize {
        self.mac_key_len
    }

    /// Length of each encryption key (`SecurityParameters.enc_key_length`).
    #[must_use]
    pub const fn enc_key_len(self) -> usize {
        self.enc_key_len
    }

    /// Length of each IV taken from the key block (`SecurityParameters.fixed_iv_length`).
    #[must_use]
    pub const fn fixed_iv_len(self) -> usize {
        self.fixed_iv_len
    }

    /// How many PRF bytes the six pieces take together.
    #[must_use]
    pub const fn key_block_len(self) -> usize {
        2 * (self.mac_key_len + self.enc_key_len + self.fixed_iv_len)
    }
}

/// A [`KeyBlockLayout`] asked for a piece longer than [`KeyBlock`] can hold.
///
/// Only local misuse produces it: layouts come from the cipher suite table,
/// never from the peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayoutTooLarge {
    piece: &'static str,
    len: usize,
    max: usize,
}

impl fmt::Display for LayoutTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "key block layout asks for a {}-byte {}, but no TLS 1.2 suite needs more than {} \
             and KeyBlock holds no more",
            self.len, self.piece, self.max
        )
    }
}

impl core::error::Error for LayoutTooLarge {}

/// The six pieces of the key block, one key set per direction (RFC 5246 §6.3).
///
/// "Client write" keys protect what the client sends: the client encrypts
/// with them and the server decrypts with them. Wiped on drop; `Debug`
/// prints only the layout.
pub struct KeyBlock {
    layout: KeyBlockLayout,
    client_write_mac_key: [u8; MAX_MAC_KEY_LEN],
    server_write_mac_key: [u8; MAX_MAC_KEY_LEN],
    client_write_key: [u8; MAX_ENC_KEY_LEN],
    server_write_key: [u8; MAX_ENC_KEY_LEN],
    client_write_iv: [u8; MAX_FIXED_IV_LEN],
    server_write_iv: [u8; MAX_FIXED_IV_LEN],
}

impl KeyBlock {
    /// The layout the block was cut with.
    #[must_use]
    pub const fn layout(&self) -> KeyBlockLayout {
        self.layout
    }

    /// Key for the MAC on records the client sends; empty for AEAD suites.
    #[must_use]
    pub fn client_write_mac_key(&self) -> &[u8] {
        &self.client_write_mac_key[..self.layout.mac_key_len]
    }

    /// Key for the MAC on records the server sends; empty for AEAD suites.
    #[must_use]
    pub fn server_write_mac_key(&self) -> &[u8] {
        &self.server_write_mac_key[..self.layout.mac_key_len]
    }

    /// Key that encrypts records the client sends.
    #[must_use]
    pub fn client_write_key(&self) -> &[u8] {
        &self.client_write_key[..self.layout.enc_key_len]
    }

    /// Key that encrypts records the server sends.
    #[must_use]
    pub fn server_write_key(&self) -> &[u8] {
        &self.server_write_key[..self.layout.enc_key_len]
    }

    /// Implicit nonce part for records the client sends; empty for CBC suites.
    #[must_use]
    pub fn client_write_iv(&self) -> &[u8] {
        &self.client_write_iv[..self.layout.fixed_iv_len]
    }

    /// Implicit nonce part for records the server sends; empty for CBC suites.
    #[must_use]
    pub fn server_write_iv(&self) -> &[u8] {
        &self.server_write_iv[..self.layout.fixed_iv_len]
    }
}

impl fmt::Debug for KeyBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyBlock")
            .field("layout", &self.layout)
            .field("keys", &format_args!("<redacted>"))
            .finish()
    }
}

impl Drop for KeyBlock {
    fn drop(&mut self) {
        self.client_write_mac_key.zeroize();
        self.server_write_mac_key.zeroize();
        self.client_write_key.zeroize();
        self.server_write_key.zeroize();
        self.client_write_iv.zeroize();
        self.server_write_iv.zeroize();
    }
}

impl ZeroizeOnDrop for KeyBlock {}

/// Room for the longest key block any [`KeyBlockLayout`] can describe.
const MAX_KEY_BLOCK_LEN: usize = 2 * (MAX_MAC_KEY_LEN + MAX_ENC_KEY_LEN + MAX_FIXED_IV_LEN);

/// Expands the master secret into the key block and cuts it as `layout`
/// says (RFC 5246 §6.3).
///
/// The randoms go in server first, the reverse of [`master_secret`]. The
/// RFC gives no reason; the order is inherited from SSL 3.0. It matters
/// because the PRF of a reordered seed is unrelated output: a peer that
/// reuses the master secret's order derives keys the other peer does not
/// have, and the first encrypted message, Finished, fails to decrypt.
///
/// # Examples
///
/// ```
/// use learn_mtls::tls12::{key_block, master_secret, KeyBlockLayout};
/// use sha2::Sha256;
///
/// let (client_random, server_random) = ([1u8; 32], [2u8; 32]);
/// let ms = master_secret::<Sha256>(&[7u8; 32], &client_random, &server_random);
/// let layout = KeyBlockLayout::ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256;
/// let keys = key_block::<Sha256>(&ms, &client_random, &server_random, layout);
///
/// assert!(keys.client_write_mac_key().is_empty()); // an AEAD needs no MAC key
/// assert_eq!(keys.client_write_key().len(), 32);
/// assert_eq!(keys.server_write_iv().len(), 12);
/// assert_ne!(keys.client_write_key(), keys.server_write_key());
/// ```
#[must_use]
pub fn key_block<H: EagerHash>(
    master_secret: &MasterSecret,
    client_random: &[u8; RANDOM_LEN],
    server_random: &[u8; RANDOM_LEN],
    layout: KeyBlockLayout,
) -> KeyBlock {
    let mut buffer = [0u8; MAX_KEY_BLOCK_LEN];
    let bytes = &mut buffer[..layout.key_block_len()];
    // key_block = PRF(SecurityParameters.master_secret, "key expansion",
    //                 SecurityParameters.server_random +
    //                 SecurityParameters.client_random)
    prf::<H>(
        &master_secret.0,
        KEY_EXPANSION_LABEL,
        &[server_random.as_slice(), client_random.as_slice()],
        bytes,
    );

    let mut keys = KeyBlock {
        layout,
        client_write_mac_key: [0; MAX_MAC_KEY_LEN],
        server_write_mac_key: [0; MAX_MAC_KEY_LEN],
        client_write_key: [0; MAX_ENC_KEY_LEN],
        server_write_key: [0; MAX_ENC_KEY_LEN],
        client_write_iv: [0; MAX_FIXED_IV_LEN],
        server_write_iv: [0; MAX_FIXED_IV_LEN],
    };
    let (mac, enc, iv) = (layout.mac_key_len, layout.enc_key_len, layout.fixed_iv_len);
    // The pieces in the order of RFC 5246 §6.3, each cut off the front.
    let mut rest: &[u8] = bytes;
    keys.client_write_mac_key[..mac].copy_from_slice(take(&mut rest, mac));
    keys.server_write_mac_key[..mac].copy_from_slice(take(&mut rest, mac));
    keys.client_write_key[..enc].copy_from_slice(take(&mut rest, enc));
    keys.server_write_key[..enc].copy_from_slice(take(&mut rest, enc));
    keys.client_write_iv[..iv].copy_from_slice(take(&mut rest, iv));
    keys.server_write_iv[..iv].copy_from_slice(take(&mut rest, iv));
    debug_assert!(rest.is_empty(), "the layout's length covers all six pieces");

    buffer.zeroize();
    keys
}

/// Cuts `len` bytes off the front of `rest` and returns them.
fn take<'a>(rest: &mut &'a [u8], len: usize) -> &'a [u8] {
    let (head, tail) = rest.split_at(len);
    *rest = tail;
    head
}

/// Which peer sends a Finished message; it picks the label (RFC 5246 §7.4.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sender {
    /// The client's Finished, labelled [`CLIENT_FINISHED_LABEL`].
    Client,
    /// The server's Finished, labelled [`SERVER_FINISHED_LABEL`].
    Server,
}

impl Sender {
    /// The PRF label for this peer's Finished message.
    #[must_use]
    pub const fn finished_label(self) -> &'static [u8] {
        match self {
            Self::Client => CLIENT_FINISHED_LABEL,
            Self::Server => SERVER_FINISHED_LABEL,
        }
    }
}

/// The `verify_data` of a Finished message (RFC 5246 §7.4.9).
///
/// `handshake_hash` is the PRF hash of every handshake message so far, not
/// counting this Finished (for the server's, counting the client's).
/// Different labels per sender stop one side's Finished being replayed as
/// the other's. Compare a received value with
/// [`subtle::ConstantTimeEq`](https://docs.rs/subtle), not `==`.
///
/// # Examples
///
/// ```
/// use learn_mtls::tls12::{verify_data, MasterSecret, Sender};
/// use sha2::{Digest, Sha256};
///
/// let ms = MasterSecret::from_bytes([9u8; 48]);
/// let transcript = Sha256::digest(b"ClientHello..ClientKeyExchange");
/// let client = verify_data::<Sha256>(&ms, Sender::Client, &transcript);
/// let server = verify_data::<Sha256>(&ms, Sender::Server, &transcript);
/// assert_ne!(client, server);
/// ```
#[must_use]
pub fn verify_data<H: EagerHash>(
    master_secret: &MasterSecret,
    sender: Sender,
    handshake_hash: &Output<H>,
) -> [u8; VERIFY_DATA_LEN] {
    let mut verify_data = [0; VERIFY_DATA_LEN];
    // verify_data = PRF(master_secret, finished_label,
    //                   Hash(handshake_messages))[0..verify_data_length-1]
    prf::<H>(
        &master_secret.0,
        sender.finished_label(),
        &[handshake_hash.as_slice()],
        &mut verify_data,
    );
    verify_data
}

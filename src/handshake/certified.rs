//! Lesson 15: the mutual handshake with certificates instead of pinned keys.
//!
//! Lesson 11's three messages, with one change: where a party showed a bare
//! key (or the client relied on a pinned one), it now shows a chain of one
//! or two certificates, and the other side checks the chain against its
//! root CA before it believes the key. Only the transcript binding exists
//! here, with key confirmation: there is no insecure variant.
//!
//! ```text
//! Client                                                       Server
//!   M1 = client_share                                     32 -->
//!     <-- M2 = server_share || count || chain || server_sig   33 + 220n + 64
//!   M3 = count || chain || client_sig              1 + 220n + 64 -->
//!   first record (key confirmation)                           -->
//! ```
//!
//! `count` is one byte, 1 or 2; `chain` is `count` certificates of 220
//! bytes, the leaf first, then the intermediate that issued it.
//!
//! ```text
//! server signs  0x20 x 64 || CERTIFIED_SERVER_CONTEXT || 0x00 || SHA-256(M1 || server_share || count || chain)
//! client signs  0x20 x 64 || CERTIFIED_CLIENT_CONTEXT || 0x00 || SHA-256(M1 || M2 || count || chain)
//! keys          schedule(shared secret, shares, salt = SHA-256(M1 || M2 || M3))
//! ```
//!
//! Each signature is made with the key of the signer's leaf certificate
//! and checked with that key, after the chain has been verified: a peer
//! that replays someone else's certificate cannot make it.
//!
//! # Examples
//!
//! ```
//! use learn_mtls::cert::verify::{Chain, Root, Verifier};
//! use learn_mtls::cert::{CertificateBody, Usage};
//! use learn_mtls::handshake::certified;
//! use learn_mtls::keys::IdentityKey;
//! use learn_mtls::schedule::KeySchedule;
//! use learn_mtls::trust::ClientName;
//! # let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
//!
//! let ca = IdentityKey::generate(&mut rng);
//! let (server_key, client_key) = (IdentityKey::generate(&mut rng), IdentityKey::generate(&mut rng));
//! let issue = |usage, name, key: &IdentityKey| CertificateBody {
//!     usage, name: ClientName::new(name).unwrap(), key: key.public(), serial: 2,
//!     not_before: 0, not_after: 2_000_000_000, issuer: ca.public(),
//! }.sign(&ca);
//! let root = Root::new(issue(Usage::Ca { path_len: 0 }, "ca", &ca)?)?;
//! let server_chain = Chain::leaf(issue(Usage::Server, "api.internal", &server_key)?);
//! let client_chain = Chain::leaf(issue(Usage::Client, "alice", &client_key)?);
//! let verifier = Verifier::new(&root, 1_800_000_000);
//! let name = ClientName::new("api.internal")?;
//!
//! // -> client_share
//! let (client, m1) = certified::Client::start(&mut rng, &client_key, &client_chain, verifier, name, KeySchedule::Hkdf);
//! // <- server_share, server chain, server_sig
//! let (server, m2) = certified::Server::new(&server_key, &server_chain, KeySchedule::Hkdf).read_client_hello(&mut rng, &m1)?;
//! // -> client chain, client_sig
//! let (mut client_session, m3, server_peer) = client.read_server_hello(&m2)?;
//! assert_eq!(server_peer.name.as_str(), "api.internal");
//! let pending = server.read_client_auth(&m3, &verifier)?;
//! // -> first record: the server now knows the client derived the same keys
//! let mut record = [0u8; 64];
//! let len = client_session.seal(b"hello", &mut record)?;
//! let (accepted, first) = pending.confirm(&mut record[..len])?;
//! assert_eq!((accepted.client.name.as_str(), first), ("alice", &b"hello"[..]));
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use rand_core::CryptoRng;
use x25519_dalek::EphemeralSecret;
use zeroize::Zeroizing;

use super::{Context, HandshakeError, agree, ephemeral, transcript_hash};
use crate::cert::verify::{
    CertError, Chain, MAX_CHAIN_LEN, Role, VerifiedPeer, Verifier, check_handshake_signature,
};
use crate::cert::{CERTIFICATE_LEN, Certificate};
use crate::keys::{IdentityKey, SIGNATURE_LEN};
use crate::name::ClientName;
use crate::record::{Session, Side};
use crate::schedule::{self, Inputs, KeySchedule};
use crate::signed::SignedContent;
use crate::wire::layout::{Field, tiles};
use crate::wire::{ClientHello, SHARE_LEN, WrongLength};

/// Context for the server's signature in the certified handshake.
pub const CERTIFIED_SERVER_CONTEXT: &[u8] = b"learn-mtls v1 certified, server signature";
/// Context for the client's signature in the certified handshake.
pub const CERTIFIED_CLIENT_CONTEXT: &[u8] = b"learn-mtls v1 certified, client signature";
/// [`CERTIFIED_SERVER_CONTEXT`] under the TLS 1.2 PRF schedule.
pub const CERTIFIED_SERVER_TLS12_PRF_CONTEXT: &[u8] =
    b"learn-mtls v1 certified tls12-prf, server signature";
/// [`CERTIFIED_CLIENT_CONTEXT`] under the TLS 1.2 PRF schedule.
pub const CERTIFIED_CLIENT_TLS12_PRF_CONTEXT: &[u8] =
    b"learn-mtls v1 certified tls12-prf, client signature";

const SERVER: Context = Context {
    hkdf: CERTIFIED_SERVER_CONTEXT,
    tls12_prf: CERTIFIED_SERVER_TLS12_PRF_CONTEXT,
};
const CLIENT: Context = Context {
    hkdf: CERTIFIED_CLIENT_CONTEXT,
    tls12_prf: CERTIFIED_CLIENT_TLS12_PRF_CONTEXT,
};

// Each context must fit SignedContent's buffer (64 bytes at most).
const _: () = {
    assert!(CERTIFIED_SERVER_TLS12_PRF_CONTEXT.len() <= 64);
    assert!(CERTIFIED_CLIENT_TLS12_PRF_CONTEXT.len() <= 64);
};

fn context(schedule: KeySchedule, context: &'static Context) -> &'static [u8] {
    match schedule {
        KeySchedule::Hkdf => context.hkdf,
        KeySchedule::Tls12Prf => context.tls12_prf,
    }
}

/// The longest chain on the wire: the count byte and two certificates.
pub const MAX_CHAIN_BYTES: usize = 1 + MAX_CHAIN_LEN * CERTIFICATE_LEN;
/// What must be read of message 2 before its length is known: the share and the count.
pub const SERVER_HELLO_PREFIX_LEN: usize = SHARE_LEN + 1;
/// The longest message 2: 537 bytes.
pub const MAX_SERVER_HELLO_LEN: usize = SHARE_LEN + MAX_CHAIN_BYTES + SIGNATURE_LEN;
/// The longest message 3: 505 bytes.
pub const MAX_CLIENT_AUTH_LEN: usize = MAX_CHAIN_BYTES + SIGNATURE_LEN;

/// Message 2's fields for a chain of `count` certificates (the whole chain
/// as one field, `chain`; [`crate::cert::LAYOUT`] cuts each certificate):
/// `server_share || count || chain || server_sig`. What figures colour
/// the bytes by, from the constants above.
pub const fn server_hello_layout(count: usize) -> [Field; 4] {
    let chain = count * CERTIFICATE_LEN;
    [
        Field {
            name: "server_share",
            offset: 0,
            len: SHARE_LEN,
        },
        Field {
            name: "count",
            offset: SHARE_LEN,
            len: 1,
        },
        Field {
            name: "chain",
            offset: SERVER_HELLO_PREFIX_LEN,
            len: chain,
        },
        Field {
            name: "server_sig",
            offset: SERVER_HELLO_PREFIX_LEN + chain,
            len: SIGNATURE_LEN,
        },
    ]
}

/// Message 3's fields for a chain of `count` certificates:
/// `count || chain || client_sig`.
pub const fn client_auth_layout(count: usize) -> [Field; 3] {
    let chain = count * CERTIFICATE_LEN;
    [
        Field {
            name: "count",
            offset: 0,
            len: 1,
        },
        Field {
            name: "chain",
            offset: 1,
            len: chain,
        },
        Field {
            name: "client_sig",
            offset: 1 + chain,
            len: SIGNATURE_LEN,
        },
    ]
}

// Both tile their longest message, and with one certificate the three
// messages are 32 + 317 + 285 = 634 bytes.
const _: () = {
    assert!(tiles(
        &server_hello_layout(MAX_CHAIN_LEN),
        MAX_SERVER_HELLO_LEN
    ));
    assert!(tiles(
        &client_auth_layout(MAX_CHAIN_LEN),
        MAX_CLIENT_AUTH_LEN
    ));
    assert!(server_hello_layout(1)[3].end() == 317);
    assert!(client_auth_layout(1)[2].end() == 285);
    assert!(SHARE_LEN + server_hello_layout(1)[3].end() + client_auth_layout(1)[2].end() == 634);
};

/// How many bytes follow a count byte: the certificates and the signature.
///
/// # Errors
/// [`CertError::ChainLength`] for a count that is not 1 or 2.
pub fn after_count_len(count: u8) -> Result<usize, CertError> {
    match usize::from(count) {
        n @ 1..=MAX_CHAIN_LEN => Ok(n * CERTIFICATE_LEN + SIGNATURE_LEN),
        _ => Err(CertError::ChainLength { count }),
    }
}

/// Message bytes built on the stack: the first `len` bytes of `bytes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Encoded<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> Encoded<N> {
    /// The message as sent.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    fn push(&mut self, part: &[u8]) {
        self.bytes[self.len..self.len + part.len()].copy_from_slice(part);
        self.len += part.len();
    }
}

/// `count || leaf || intermediate?`
fn encode_chain<const N: usize>(chain: &Chain, out: &mut Encoded<N>) {
    // Fits: a chain holds 1 or 2 certificates.
    out.push(&[chain.len() as u8]);
    out.push(&chain.leaf.to_bytes());
    if let Some(intermediate) = &chain.intermediate {
        out.push(&intermediate.to_bytes());
    }
}

/// Why a chain and signature could not be read.
enum ChainDecodeError {
    Length(WrongLength),
    Certificate(CertError),
}

/// Reads `count || certificates || signature` (the whole of `bytes`).
fn decode_chain_and_signature(
    message: &'static str,
    bytes: &[u8],
) -> Result<(Chain, [u8; SIGNATURE_LEN]), ChainDecodeError> {
    let Some((&count, rest)) = bytes.split_first() else {
        return Err(ChainDecodeError::Length(WrongLength {
            message,
            expected: 1 + CERTIFICATE_LEN + SIGNATURE_LEN,
            found: 0,
        }));
    };
    let expected = after_count_len(count).map_err(ChainDecodeError::Certificate)?;
    if rest.len() != expected {
        return Err(ChainDecodeError::Length(WrongLength {
            message,
            expected: 1 + expected,
            found: bytes.len(),
        }));
    }
    let (certs, signature) = rest.split_at(expected - SIGNATURE_LEN);
    let parse =
        |bytes| Certificate::from_bytes(bytes).map_err(|e| ChainDecodeError::Certificate(e.into()));
    let leaf = parse(&certs[..CERTIFICATE_LEN])?;
    let intermediate = match certs.get(CERTIFICATE_LEN..) {
        Some(more) if !more.is_empty() => Some(parse(more)?),
        _ => None,
    };
    let mut sig = [0u8; SIGNATURE_LEN];
    sig.copy_from_slice(signature);
    Ok((Chain { leaf, intermediate }, sig))
}

/// Message 2: `server_share (32) || count (1) || chain (220 x count) || server_sig (64)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CertifiedServerHello {
    /// The server's ephemeral X25519 share.
    pub share: [u8; SHARE_LEN],
    /// The server's certificate, and the intermediate that issued it.
    pub chain: Chain,
    /// The server's signature with its leaf's key.
    pub signature: [u8; SIGNATURE_LEN],
}

impl CertifiedServerHello {
    /// Everything before the signature: what the server's signature covers (after M1).
    fn signed_part(&self) -> Encoded<MAX_SERVER_HELLO_LEN> {
        let mut out = Encoded {
            bytes: [0u8; MAX_SERVER_HELLO_LEN],
            len: 0,
        };
        out.push(&self.share);
        encode_chain(&self.chain, &mut out);
        out
    }

    /// The message as sent.
    pub fn encode(&self) -> Encoded<MAX_SERVER_HELLO_LEN> {
        let mut out = self.signed_part();
        out.push(&self.signature);
        out
    }

    /// The message as received.
    ///
    /// # Errors
    /// [`HandshakeError::MessageLength`] or [`HandshakeError::ServerCertificate`]
    /// (a bad count or a malformed certificate).
    pub fn decode(bytes: &[u8]) -> Result<Self, HandshakeError> {
        let message = "message 2 (CertifiedServerHello)";
        let too_short = WrongLength {
            message,
            expected: SERVER_HELLO_PREFIX_LEN + CERTIFICATE_LEN + SIGNATURE_LEN,
            found: bytes.len(),
        };
        let (share, rest) = bytes
            .split_first_chunk::<SHARE_LEN>()
            .ok_or(HandshakeError::MessageLength(too_short))?;
        let (chain, signature) =
            decode_chain_and_signature(message, rest).map_err(|e| match e {
                ChainDecodeError::Length(mut wrong) => {
                    wrong.expected += SHARE_LEN;
                    wrong.found = bytes.len();
                    HandshakeError::MessageLength(wrong)
                }
                ChainDecodeError::Certificate(e) => HandshakeError::ServerCertificate(e),
            })?;
        Ok(Self {
            share: *share,
            chain,
            signature,
        })
    }
}

/// Message 3: `count (1) || chain (220 x count) || client_sig (64)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CertifiedClientAuth {
    /// The client's certificate, and the intermediate that issued it.
    pub chain: Chain,
    /// The client's signature with its leaf's key.
    pub signature: [u8; SIGNATURE_LEN],
}

impl CertifiedClientAuth {
    fn signed_part(&self) -> Encoded<MAX_CLIENT_AUTH_LEN> {
        let mut out = Encoded {
            bytes: [0u8; MAX_CLIENT_AUTH_LEN],
            len: 0,
        };
        encode_chain(&self.chain, &mut out);
        out
    }

    /// The message as sent.
    pub fn encode(&self) -> Encoded<MAX_CLIENT_AUTH_LEN> {
        let mut out = self.signed_part();
        out.push(&self.signature);
        out
    }

    /// The message as received.
    ///
    /// # Errors
    /// [`HandshakeError::MessageLength`] or [`HandshakeError::ClientCertificate`].
    pub fn decode(bytes: &[u8]) -> Result<Self, HandshakeError> {
        let (chain, signature) =
            decode_chain_and_signature("message 3 (CertifiedClientAuth)", bytes).map_err(|e| {
                match e {
                    ChainDecodeError::Length(wrong) => HandshakeError::MessageLength(wrong),
                    ChainDecodeError::Certificate(e) => HandshakeError::ClientCertificate(e),
                }
            })?;
        Ok(Self { chain, signature })
    }
}

/// What the server signs: `M1 || server_share || count || chain`.
fn server_signed(
    schedule: KeySchedule,
    hello: &ClientHello,
    m2: &CertifiedServerHello,
) -> SignedContent {
    SignedContent::transcript(
        context(schedule, &SERVER),
        &transcript_hash(&[&hello.share, m2.signed_part().as_bytes()]),
    )
}

/// What the client signs: `M1 || M2 || count || chain`.
fn client_signed(
    schedule: KeySchedule,
    hello: &ClientHello,
    m2: &CertifiedServerHello,
    m3: &CertifiedClientAuth,
) -> SignedContent {
    SignedContent::transcript(
        context(schedule, &CLIENT),
        &transcript_hash(&[
            &hello.share,
            m2.encode().as_bytes(),
            m3.signed_part().as_bytes(),
        ]),
    )
}

/// Keys from the shared secret, salted with `SHA-256(M1 || M2 || M3)`.
fn session(
    schedule: KeySchedule,
    shared_secret: &[u8; 32],
    (hello, m2, m3): (&ClientHello, &CertifiedServerHello, &CertifiedClientAuth),
    side: Side,
) -> Session {
    let hash = transcript_hash(&[&hello.share, m2.encode().as_bytes(), m3.encode().as_bytes()]);
    let inputs = Inputs {
        shared_secret,
        client_share: &hello.share,
        server_share: &m2.share,
        transcript_hash: Some(hash),
    };
    Session::new(&schedule::derive(schedule, &inputs), side)
}

/// The client, before anything is sent.
pub struct Client;

impl Client {
    /// Starts a handshake: an ephemeral key and message 1.
    ///
    /// `identity` must be the key of `chain`'s leaf (or the server will
    /// refuse the client's signature). The server's chain will be checked
    /// by `verifier` as a server certificate for `server_name`.
    pub fn start<'a, R: CryptoRng + ?Sized>(
        rng: &mut R,
        identity: &'a IdentityKey,
        chain: &'a Chain,
        verifier: Verifier<'a>,
        server_name: ClientName,
        schedule: KeySchedule,
    ) -> (ExpectServerHello<'a>, ClientHello) {
        let (ephemeral, share) = ephemeral(rng);
        let hello = ClientHello { share };
        let state = ExpectServerHello {
            identity,
            chain,
            verifier,
            server_name,
            schedule,
            ephemeral,
            hello,
        };
        (state, hello)
    }
}

/// The client, having sent message 1.
pub struct ExpectServerHello<'a> {
    identity: &'a IdentityKey,
    chain: &'a Chain,
    verifier: Verifier<'a>,
    server_name: ClientName,
    schedule: KeySchedule,
    ephemeral: EphemeralSecret,
    hello: ClientHello,
}

impl ExpectServerHello<'_> {
    /// Verifies the server's chain (root, usage `server`, the expected
    /// name, validity, revocation if lists were given), then its signature
    /// with the leaf's key, agrees on the secret, and returns the session,
    /// message 3 and who the server is.
    ///
    /// # Errors
    /// [`HandshakeError::ServerCertificate`] with the failed check, or
    /// [`HandshakeError::NonContributoryShare`].
    pub fn read_server_hello(
        self,
        m2: &CertifiedServerHello,
    ) -> Result<(Session, CertifiedClientAuth, VerifiedPeer), HandshakeError> {
        let server = self
            .verifier
            .verify_chain(&m2.chain, Role::Server, Some(&self.server_name))
            .map_err(HandshakeError::ServerCertificate)?;
        let signed = server_signed(self.schedule, &self.hello, m2);
        check_handshake_signature(&m2.chain.leaf, signed.as_bytes(), &m2.signature)
            .map_err(HandshakeError::ServerCertificate)?;
        let shared = agree(self.ephemeral, &m2.share)?;

        let mut m3 = CertifiedClientAuth {
            chain: *self.chain,
            signature: [0u8; SIGNATURE_LEN],
        };
        m3.signature = self
            .identity
            .sign(client_signed(self.schedule, &self.hello, m2, &m3).as_bytes());
        let session = session(self.schedule, &shared, (&self.hello, m2, &m3), Side::Client);
        Ok((session, m3, server))
    }
}

/// The server, before message 1 arrives.
pub struct Server<'a> {
    identity: &'a IdentityKey,
    chain: &'a Chain,
    schedule: KeySchedule,
}

impl<'a> Server<'a> {
    /// A server presenting `chain` and signing with `identity`, its leaf's key.
    pub fn new(identity: &'a IdentityKey, chain: &'a Chain, schedule: KeySchedule) -> Self {
        Self {
            identity,
            chain,
            schedule,
        }
    }

    /// Reads message 1 and returns message 2.
    ///
    /// # Errors
    /// [`HandshakeError::NonContributoryShare`], before anything is signed.
    pub fn read_client_hello<R: CryptoRng + ?Sized>(
        self,
        rng: &mut R,
        hello: &ClientHello,
    ) -> Result<(ExpectClientAuth, CertifiedServerHello), HandshakeError> {
        let (secret, share) = ephemeral(rng);
        let shared = agree(secret, &hello.share)?;
        let mut m2 = CertifiedServerHello {
            share,
            chain: *self.chain,
            signature: [0u8; SIGNATURE_LEN],
        };
        m2.signature = self
            .identity
            .sign(server_signed(self.schedule, hello, &m2).as_bytes());
        let state = ExpectClientAuth {
            schedule: self.schedule,
            shared,
            hello: *hello,
            m2,
        };
        Ok((state, m2))
    }
}

/// The server, having sent message 2.
pub struct ExpectClientAuth {
    schedule: KeySchedule,
    shared: Zeroizing<[u8; 32]>,
    hello: ClientHello,
    m2: CertifiedServerHello,
}

impl ExpectClientAuth {
    /// Verifies the client's chain (root, usage `client`, validity,
    /// revocation), then its signature with the leaf's key. The client is
    /// not authenticated until its first record opens
    /// ([`ExpectKeyConfirmation::confirm`]).
    ///
    /// # Errors
    /// [`HandshakeError::ClientCertificate`] with the failed check.
    pub fn read_client_auth(
        self,
        m3: &CertifiedClientAuth,
        verifier: &Verifier<'_>,
    ) -> Result<ExpectKeyConfirmation, HandshakeError> {
        let client = verifier
            .verify_chain(&m3.chain, Role::Client, None)
            .map_err(HandshakeError::ClientCertificate)?;
        let signed = client_signed(self.schedule, &self.hello, &self.m2, m3);
        check_handshake_signature(&m3.chain.leaf, signed.as_bytes(), &m3.signature)
            .map_err(HandshakeError::ClientCertificate)?;
        let session = session(
            self.schedule,
            &self.shared,
            (&self.hello, &self.m2, m3),
            Side::Server,
        );
        Ok(ExpectKeyConfirmation::new(session, client))
    }
}

/// The client's chain and signature checked; its first record must still
/// open (the same step as Lesson 11's, over the peer a certificate names).
pub type ExpectKeyConfirmation = super::ExpectKeyConfirmation<VerifiedPeer>;

/// A finished certified handshake on the server: the session, and the
/// client as its certificate names it.
pub type Accepted = super::Accepted<VerifiedPeer>;

//! The handshakes of Lessons 10 and 11, as sans-IO state machines.
//!
//! Nothing here touches a socket: each step takes the message that arrived
//! and returns the message to send, so the same code runs over TCP, over a
//! pipe, or between two variables in a test. Each step consumes the state
//! it was called on and returns the next one, so a step can be neither
//! skipped nor repeated: the compiler refuses.
//!
//! - [`mutual`]: Lesson 11, both sides authenticated, 224 bytes.
//! - [`server_only`]: Lesson 10, only the server authenticated, 128 bytes.
//! - [`certified`]: Lesson 15, both sides show certificate chains.
//!
//! # What is signed: the two bindings
//!
//! Under [`Binding::InsecureLesson11`] each side signs only its own
//! ephemeral share, exactly as Lesson 11 teaches, and the keys come from the
//! shared secret alone. Under [`Binding::Transcript`] each signature covers
//! everything said so far, prefixed by a context string naming the role
//! (the construction of TLS 1.3's CertificateVerify, RFC 8446 section
//! 4.4.3), and the keys are derived from a hash of the whole handshake:
//!
//! ```text
//! signed = 0x20 x 64 || context || 0x00 || SHA-256(transcript so far)
//! ```
//!
//! # What errors reveal
//!
//! Errors are precise because this is a course: a learner needs to know
//! *which* check failed. On the wire a failure is only ever a closed
//! connection; the detail stays in the local log. A real server would
//! still avoid telling a client whether its key was unknown or revoked.

use core::fmt;

use rand_core::CryptoRng;

use crate::identity::IdentityScheme;
use crate::kex::{KeyExchange, X25519};
pub(crate) use crate::kex::{agree, ephemeral};
use crate::keys::{KeyError, PublicIdentity, SIGNATURE_LEN};
use crate::record::{RecordError, Session, Side};
use crate::schedule::{self, Inputs, KeySchedule};
use crate::signed::{MAX_CONTEXT_LEN, SignedContent};
use crate::trust::Refusal;
use crate::wire::{ClientHello, Message, ServerHello};

pub mod certified;
pub mod mutual;
pub mod server_only;
mod transcript;

pub(crate) use transcript::{Transcript, transcript_hash};

/// What the two signatures cover and what the keys are derived from.
///
/// Both ends must use the same binding; a mismatch shows up as a signature
/// that does not verify.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Binding {
    /// Lesson 11 as taught: each side signs only its own ephemeral share,
    /// and the server accepts the client as soon as that signature checks.
    ///
    /// **Insecure, kept for teaching.** A recorded handshake can be
    /// replayed to the server, and an insider can claim another client's
    /// session as her own (Lesson 13 shows both).
    InsecureLesson11,
    /// The library's default: signatures over the transcript under
    /// role-specific context strings, keys from the transcript hash, and a
    /// client counted as authenticated only once its first record opens
    /// (key confirmation).
    #[default]
    Transcript,
}

impl Binding {
    /// The name used on command lines: `lesson11` or `transcript`.
    pub fn name(self) -> &'static str {
        match self {
            Self::InsecureLesson11 => "lesson11",
            Self::Transcript => "transcript",
        }
    }
}

/// Everything both ends must agree on before they talk: what is signed
/// and how keys are derived. A bare [`Binding`] converts into a `Config`
/// with the default (HKDF) schedule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Config {
    /// What the signatures cover.
    pub binding: Binding,
    /// How the shared secret becomes traffic keys.
    pub schedule: KeySchedule,
}

impl From<Binding> for Config {
    fn from(binding: Binding) -> Self {
        Self {
            binding,
            schedule: KeySchedule::default(),
        }
    }
}

impl Config {
    /// Every binding under every schedule: the four ways two ends can agree
    /// to run a handshake (for tests and checks that try each).
    pub const ALL: [Self; 4] = [
        Self {
            binding: Binding::InsecureLesson11,
            schedule: KeySchedule::Hkdf,
        },
        Self {
            binding: Binding::InsecureLesson11,
            schedule: KeySchedule::Tls12Prf,
        },
        Self {
            binding: Binding::Transcript,
            schedule: KeySchedule::Hkdf,
        },
        Self {
            binding: Binding::Transcript,
            schedule: KeySchedule::Tls12Prf,
        },
    ];

    /// The signature context for `role` in `handshake`. Under the transcript
    /// binding the schedule is part of it, so two ends that disagree on the
    /// schedule fail at the first signature instead of at the first record.
    pub(crate) fn context(self, context: &'static Context) -> &'static [u8] {
        match self.schedule {
            KeySchedule::Hkdf => context.hkdf,
            KeySchedule::Tls12Prf => context.tls12_prf,
        }
    }
}

/// A signature context string under each schedule.
pub(crate) struct Context {
    hkdf: &'static [u8],
    tls12_prf: &'static [u8],
}

/// A binding name that is neither `lesson11` nor `transcript`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownBinding;

impl fmt::Display for UnknownBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown binding: expected `lesson11` or `transcript`")
    }
}

impl core::error::Error for UnknownBinding {}

impl core::str::FromStr for Binding {
    type Err = UnknownBinding;
    fn from_str(name: &str) -> Result<Self, UnknownBinding> {
        match name {
            "lesson11" => Ok(Self::InsecureLesson11),
            "transcript" => Ok(Self::Transcript),
            _ => Err(UnknownBinding),
        }
    }
}

impl fmt::Display for Binding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a handshake failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The server's signature does not verify under the pinned server key:
    /// either this is not the server that was pinned, or the two ends use
    /// different bindings, or message 2 was altered on the way.
    ServerSignatureInvalid,
    /// The client's signature does not verify under the key it sent: the
    /// client does not hold that key, the ends use different bindings, or
    /// a message was altered on the way.
    ClientSignatureInvalid,
    /// The identity key in message 3 is unusable.
    ClientKeyInvalid(KeyError),
    /// The X25519 result is all zeros: the peer sent a low-order share,
    /// which would give a session key that anyone can compute.
    NonContributoryShare,
    /// The client proved its key, but the trust policy refused it.
    Refused(Refusal),
    /// The client's first record did not open under the keys the server
    /// derived, so the two sides did not see the same handshake.
    KeyConfirmationFailed(RecordError),
    /// Lesson 15: the server's certificate chain failed a check, or its
    /// signature does not verify under the certificate's key.
    ServerCertificate(crate::cert::verify::CertError),
    /// Lesson 15: the client's certificate chain failed a check, or its
    /// signature does not verify under the certificate's key.
    ClientCertificate(crate::cert::verify::CertError),
    /// Lesson 15: a certified message has the wrong length for its count byte.
    MessageLength(crate::wire::WrongLength),
    /// Lesson 19: the client's ML-KEM-768 encapsulation key fails FIPS 203's
    /// input check (section 7.2: a coefficient is not below q = 3329), so
    /// nothing can be encapsulated to it. Refused before the server signs.
    EncapsulationKeyInvalid,
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ServerSignatureInvalid => f.write_str(
                "the server's signature does not verify under the pinned server key \
                 (a different server, a different binding or key schedule, or an altered message)",
            ),
            Self::ClientSignatureInvalid => f.write_str(
                "the client's signature does not verify under the key it sent \
                 (it does not hold that key, uses a different binding, or a message was altered)",
            ),
            Self::ClientKeyInvalid(why) => write!(f, "the client's identity key is {why}"),
            Self::NonContributoryShare => f.write_str(
                "the peer's X25519 share has low order (the shared secret would be all zeros)",
            ),
            Self::Refused(why) => write!(f, "client refused: {why}"),
            Self::KeyConfirmationFailed(why) => write!(
                f,
                "key confirmation failed: the client's first record did not open ({why})"
            ),
            Self::ServerCertificate(why) => write!(f, "server certificate refused: {why}"),
            Self::ClientCertificate(why) => write!(f, "client certificate refused: {why}"),
            Self::MessageLength(why) => write!(f, "{why}"),
            Self::EncapsulationKeyInvalid => f.write_str(
                "the client's ML-KEM-768 encapsulation key fails the FIPS 203 input check \
                 (a coefficient is not below q = 3329)",
            ),
        }
    }
}

impl core::error::Error for HandshakeError {}

impl From<crate::kex::KexError> for HandshakeError {
    fn from(error: crate::kex::KexError) -> Self {
        match error {
            crate::kex::KexError::NonContributoryShare => Self::NonContributoryShare,
            crate::kex::KexError::EncapsulationKeyInvalid => Self::EncapsulationKeyInvalid,
        }
    }
}

impl From<Refusal> for HandshakeError {
    fn from(refusal: Refusal) -> Self {
        Self::Refused(refusal)
    }
}

/// Which handshake, role and schedule a signature belongs to, so a signature
/// made for one can never be accepted in another (RFC 8446 section 4.4.3
/// does the same with its "server" and "client" context strings).
pub const MUTUAL_SERVER_CONTEXT: &[u8] = b"learn-mtls v1 mutual, server signature";
/// Context for the client's signature in the mutual handshake.
pub const MUTUAL_CLIENT_CONTEXT: &[u8] = b"learn-mtls v1 mutual, client signature";
/// Context for the server's signature in the server-only handshake.
pub const SERVER_ONLY_SERVER_CONTEXT: &[u8] = b"learn-mtls v1 server-only, server signature";
/// [`MUTUAL_SERVER_CONTEXT`] under the TLS 1.2 PRF schedule.
pub const MUTUAL_SERVER_TLS12_PRF_CONTEXT: &[u8] =
    b"learn-mtls v1 mutual tls12-prf, server signature";
/// [`MUTUAL_CLIENT_CONTEXT`] under the TLS 1.2 PRF schedule.
pub const MUTUAL_CLIENT_TLS12_PRF_CONTEXT: &[u8] =
    b"learn-mtls v1 mutual tls12-prf, client signature";
/// [`SERVER_ONLY_SERVER_CONTEXT`] under the TLS 1.2 PRF schedule.
pub const SERVER_ONLY_SERVER_TLS12_PRF_CONTEXT: &[u8] =
    b"learn-mtls v1 server-only tls12-prf, server signature";

pub(crate) const MUTUAL_SERVER: Context = Context {
    hkdf: MUTUAL_SERVER_CONTEXT,
    tls12_prf: MUTUAL_SERVER_TLS12_PRF_CONTEXT,
};
pub(crate) const MUTUAL_CLIENT: Context = Context {
    hkdf: MUTUAL_CLIENT_CONTEXT,
    tls12_prf: MUTUAL_CLIENT_TLS12_PRF_CONTEXT,
};
pub(crate) const SERVER_ONLY_SERVER: Context = Context {
    hkdf: SERVER_ONLY_SERVER_CONTEXT,
    tls12_prf: SERVER_ONLY_SERVER_TLS12_PRF_CONTEXT,
};

// Every context string must fit, or SignedContent::transcript would
// overrun its buffer; checked when the crate compiles.
const _: () = {
    let contexts = [
        MUTUAL_SERVER_CONTEXT,
        MUTUAL_CLIENT_CONTEXT,
        SERVER_ONLY_SERVER_CONTEXT,
        MUTUAL_SERVER_TLS12_PRF_CONTEXT,
        MUTUAL_CLIENT_TLS12_PRF_CONTEXT,
        SERVER_ONLY_SERVER_TLS12_PRF_CONTEXT,
    ];
    let mut i = 0;
    while i < contexts.len() {
        assert!(
            contexts[i].len() <= MAX_CONTEXT_LEN,
            "a signature context is longer than 64 bytes"
        );
        i += 1;
    }
};

/// Which handshake a server's message 2 was made for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handshake {
    /// Lesson 10's server-only handshake.
    ServerOnly,
    /// Lesson 11's mutual handshake.
    Mutual,
}

/// What a message 2 that failed the client's check was made for, found by
/// checking its signature under every other handshake, binding and schedule.
///
/// Under the lesson11 binding the server signs its bare share in both
/// lessons and under both schedules, so then only the binding can be told
/// apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerGuess {
    /// The handshake, when the signature tells (transcript binding only).
    pub handshake: Option<Handshake>,
    /// The binding and schedule under which the signature verifies (the
    /// schedule only means something under the transcript binding).
    pub config: Config,
}

impl ServerGuess {
    /// Checks `server_hello`'s signature under the pinned `server` key for
    /// each handshake, binding and schedule; the first that verifies.
    /// `None` when none does: a different server, or an altered message.
    pub fn from_server_hello(
        server: &PublicIdentity,
        hello: &ClientHello,
        server_hello: &ServerHello,
    ) -> Option<Self> {
        Self::from_messages::<X25519>(server, hello, server_hello)
    }

    /// [`ServerGuess::from_server_hello`] under any key exchange.
    pub fn from_messages<K: KeyExchange>(
        server: &PublicIdentity,
        hello: &K::ClientHello,
        server_hello: &K::ServerHello,
    ) -> Option<Self> {
        let m1 = hello.encode();
        let m2 = server_hello.encode();
        let reply = reply(m2.as_ref());
        let signature = K::signature(server_hello);
        let signed_by_server =
            |signed: ToSign<'_>| server.verify_strict(signed.as_bytes(), signature);
        let transcript = Transcript::over(&[m1.as_ref(), reply]);
        if signed_by_server(ToSign::Own(reply)) {
            return Some(Self {
                handshake: None,
                config: Binding::InsecureLesson11.into(),
            });
        }
        let handshakes = [
            (Handshake::ServerOnly, &SERVER_ONLY_SERVER),
            (Handshake::Mutual, &MUTUAL_SERVER),
        ];
        for (handshake, context) in handshakes {
            for schedule in [KeySchedule::Hkdf, KeySchedule::Tls12Prf] {
                let config = Config {
                    binding: Binding::Transcript,
                    schedule,
                };
                if signed_by_server(server_signed(config, context, &transcript, reply)) {
                    return Some(Self {
                        handshake: Some(handshake),
                        config,
                    });
                }
            }
        }
        None
    }
}

impl fmt::Display for ServerGuess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.handshake {
            None => write!(f, "it runs --binding {}", self.config.binding),
            Some(handshake) => write!(
                f,
                "this looks like a Lesson {} server ({}) with --binding {} --schedule {}",
                match handshake {
                    Handshake::ServerOnly => "10",
                    Handshake::Mutual => "11",
                },
                match handshake {
                    Handshake::ServerOnly => "server-only handshake",
                    Handshake::Mutual => "mutual handshake",
                },
                self.config.binding,
                self.config.schedule
            ),
        }
    }
}

// Messages 1 and 2 are the same in both handshakes; only the server's
// signature context differs. These are the steps they share.

/// What a party signs: its own contribution to the key exchange, as it is
/// (the lesson11 binding), or the transcript under a context string.
pub(crate) enum ToSign<'a> {
    /// The signer's own bytes: under X25519 its 32-byte share; under the
    /// hybrid key exchange everything it contributed (the client's message
    /// 1, the server's ciphertext and share).
    Own(&'a [u8]),
    /// `0x20 x 64 || context || 0x00 || SHA-256(transcript so far)`.
    Transcript(SignedContent),
}

impl<'a> ToSign<'a> {
    /// Under the lesson11 binding, `own`; under the transcript binding, the
    /// hash of `transcript` under `context`.
    pub(crate) fn new(
        config: Config,
        context: &'static Context,
        own: &'a [u8],
        transcript: &Transcript,
    ) -> Self {
        match config.binding {
            Binding::InsecureLesson11 => Self::Own(own),
            Binding::Transcript => Self::Transcript(SignedContent::transcript(
                config.context(context),
                &transcript.hash(),
            )),
        }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Own(bytes) => bytes,
            Self::Transcript(signed) => signed.as_bytes(),
        }
    }
}

/// Message 2 without its signature: the server's reply to message 1.
pub(crate) fn reply(m2: &[u8]) -> &[u8] {
    &m2[..m2.len() - SIGNATURE_LEN]
}

/// What the server signs in message 2: its reply (lesson11), or the
/// transcript so far, `M1 || reply` (fed to `transcript`), under `context`
/// (transcript).
pub(crate) fn server_signed<'r>(
    config: Config,
    context: &'static Context,
    transcript: &Transcript,
    reply: &'r [u8],
) -> ToSign<'r> {
    ToSign::new(config, context, reply, transcript)
}

/// What [`answer_client_hello`] returns: the shared secret, message 2,
/// and the transcript of messages 1 and 2.
pub(crate) type Answer<K, I> = (
    <K as KeyExchange>::SharedSecret,
    <I as IdentityScheme>::ServerHello<K>,
    Transcript,
);

/// The server's answer to message 1: the shared secret (a low-order
/// client share, or a bad encapsulation key, is refused here, before the
/// server signs anything), message 2 signed under the scheme `I`, and the
/// transcript so far (`M1 || M2`).
pub(crate) fn answer_client_hello<K: KeyExchange, I: IdentityScheme, R: CryptoRng + ?Sized>(
    rng: &mut R,
    identity: &I::Secret,
    config: Config,
    context: &'static Context,
    hello: &K::ClientHello,
) -> Result<Answer<K, I>, HandshakeError> {
    let (shared, unsigned) = K::answer(rng, hello)?;
    let m2 = unsigned.encode();
    let reply = reply(m2.as_ref());
    let mut transcript = Transcript::over(&[hello.encode().as_ref(), reply]);
    let signed = server_signed(config, context, &transcript, reply);
    let server_hello = I::server_hello::<K>(unsigned, I::sign(identity, signed.as_bytes()));
    // Message 2 is the reply, then the signature.
    transcript.update(I::server_signature::<K>(&server_hello).as_ref());
    Ok((shared, server_hello, transcript))
}

/// The client's check of message 2: the signature under the pinned key
/// first, then the shared secret, returned with the transcript so far
/// (`M1 || M2`). The ephemeral secrets are consumed (and wiped) whatever
/// the outcome.
pub(crate) fn check_server_hello<K: KeyExchange, I: IdentityScheme>(
    server: &I::Public,
    config: Config,
    context: &'static Context,
    (secret, hello): (K::ClientSecret, &K::ClientHello),
    server_hello: &I::ServerHello<K>,
) -> Result<(K::SharedSecret, Transcript), HandshakeError> {
    let kex_reply = I::kex_reply::<K>(server_hello).encode();
    let reply = reply(kex_reply.as_ref());
    let mut transcript = Transcript::over(&[hello.encode().as_ref(), reply]);
    let signed = server_signed(config, context, &transcript, reply);
    let signature = I::server_signature::<K>(server_hello);
    if !I::verify(server, signed.as_bytes(), signature) {
        return Err(HandshakeError::ServerSignatureInvalid);
    }
    transcript.update(signature.as_ref());
    let shared = K::finish(secret, I::kex_reply::<K>(server_hello))?;
    Ok((shared, transcript))
}

/// One side's session: keys from the shared secret, the X25519 shares and,
/// under the transcript binding, the hash of `transcript`: every handshake
/// byte (128 for Lesson 10, 224 with message 3 for Lesson 11, 2,496 for
/// the hybrid one; more with ML-DSA-65 identities).
pub(crate) fn session<K: KeyExchange, I: IdentityScheme>(
    config: Config,
    shared_secret: &[u8],
    (hello, server_hello): (&K::ClientHello, &I::ServerHello<K>),
    transcript: &Transcript,
    side: Side,
) -> Session {
    let (client_share, server_share) = K::shares(hello, I::kex_reply::<K>(server_hello));
    let inputs = Inputs {
        shared_secret,
        client_share,
        server_share,
        transcript_hash: match config.binding {
            Binding::InsecureLesson11 => None,
            Binding::Transcript => Some(transcript.hash()),
        },
    };
    Session::new(&schedule::derive(config.schedule, &inputs), side)
}

/// A finished handshake on the server: the session and who is on the other
/// end (`P`: a client identity in Lesson 11, a verified certificate in
/// Lesson 15).
#[derive(Debug)]
pub struct Accepted<P> {
    /// The established session.
    pub session: Session,
    /// The authenticated client.
    pub client: P,
}

/// The last step of a server's handshake, the same in every handshake that
/// has one: the client has signed, yet until one of its records opens under
/// our keys we do not know that it derived the same keys, that is, that it
/// saw the same bytes we did. Consumed by [`confirm`](Self::confirm).
#[derive(Debug)]
pub struct ExpectKeyConfirmation<P> {
    session: Session,
    client: P,
}

impl<P> ExpectKeyConfirmation<P> {
    /// The step after a checked signature.
    pub(crate) fn new(session: Session, client: P) -> Self {
        Self { session, client }
    }

    /// Who the client claims to be. Not yet authenticated: do not act on it.
    pub fn claimed_client(&self) -> &P {
        &self.client
    }

    /// Opens the client's first record. If it opens, the keys are confirmed
    /// and the client is authenticated; its plaintext is returned with the
    /// session.
    ///
    /// # Errors
    /// [`HandshakeError::KeyConfirmationFailed`] with the record error.
    pub fn confirm(
        mut self,
        first_record: &mut [u8],
    ) -> Result<(Accepted<P>, &[u8]), HandshakeError> {
        let plaintext = self
            .session
            .open_in_place(first_record)
            .map_err(HandshakeError::KeyConfirmationFailed)?;
        let accepted = Accepted {
            session: self.session,
            client: self.client,
        };
        Ok((accepted, plaintext))
    }
}

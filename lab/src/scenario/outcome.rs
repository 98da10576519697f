//! What a run found: the check that refused, the library's error, the
//! verdict and the messages as they crossed the wire.

use std::fmt;

use learn_mtls::handshake::HandshakeError;
use learn_mtls::record::RecordError;

use super::input::Message;

/// The check that refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The server's X25519 with the share in message 1.
    Message1,
    /// Alice's check of message 2: the server's signature, then its share.
    Message2,
    /// The server's check of message 3: the client's key and signature.
    Message3,
    /// The server's list: is this key allowed in?
    TrustPolicy,
    /// Transcript binding: the client's first record must open.
    KeyConfirmation,
    /// The record layer, after the handshake.
    RecordOpen,
}

impl Step {
    /// The step's name, as the page shows it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Message1 => "message 1 check",
            Self::Message2 => "message 2 verification",
            Self::Message3 => "message 3 verification",
            Self::TrustPolicy => "trust policy",
            Self::KeyConfirmation => "key confirmation",
            Self::RecordOpen => "record open",
        }
    }

    /// Who checks what at this step.
    pub fn detail(self) -> &'static str {
        match self {
            Self::Message1 => "the server runs X25519 with the client's share",
            Self::Message2 => {
                "alice checks the server's signature under the pinned key, then its share"
            }
            Self::Message3 => "the server checks the client's key and signature",
            Self::TrustPolicy => "the server asks its list whether this key may connect",
            Self::KeyConfirmation => "the server opens the client's first record",
            Self::RecordOpen => "the record layer opens a record under the session's keys",
        }
    }

    /// The step at which the server refused `error` in `read_client_auth`.
    pub(super) fn of_client_auth(error: &HandshakeError) -> Self {
        match error {
            HandshakeError::Refused(_) => Self::TrustPolicy,
            _ => Self::Message3,
        }
    }
}

/// The library's error, as it returned it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabError {
    /// From a handshake step.
    Handshake(HandshakeError),
    /// From the record layer.
    Record(RecordError),
}

impl fmt::Display for LabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Handshake(e) => e.fmt(f),
            Self::Record(e) => e.fmt(f),
        }
    }
}

/// How the run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The server accepted a client, by this name.
    Accepted(String),
    /// A check refused.
    Refused(Step, LabError),
}

impl fmt::Display for Verdict {
    /// The contract's text: `accepted NAME` or `refused: ERROR`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Accepted(name) => write!(f, "accepted {name}"),
            Self::Refused(_, error) => write!(f, "refused: {error}"),
        }
    }
}

/// One byte string as it crossed the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shown {
    /// Which one.
    pub message: Message,
    /// What its row is called, e.g. "message 1, ClientHello".
    pub title: String,
    /// Who sent it and who received it, e.g. "alice -> server".
    pub path: String,
    /// As its sender made it (or Mallory, for a message she made).
    pub sent: Vec<u8>,
    /// As its receiver got it, after the reader's changes.
    pub delivered: Vec<u8>,
}

/// What a run did.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// How it ended.
    pub verdict: Verdict,
    /// The messages that were sent, in order; a refusal stops the rest.
    pub shown: Vec<Shown>,
    /// What happened, one line per event.
    pub story: Vec<String>,
    /// The session, when there was one: the records that crossed it.
    pub session: Option<String>,
}

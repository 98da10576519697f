//! The wire between the two state machines: it carries each message,
//! applies the reader's changes, and keeps the map and the story; with the
//! small helpers every run uses (parsing a message back, sealing a record,
//! the server's acceptance).

use learn_mtls::handshake::HandshakeError;
use learn_mtls::handshake::mutual::ClientVerified;
use learn_mtls::record::{HEADER_LEN, Session, TAG_LEN};
use learn_mtls::wire::{self, ClientAuth, ClientHello, ServerHello};

use super::input::{Edit, Message};
use super::outcome::{LabError, Outcome, Shown, Step, Verdict};

/// The messages of one run, and the changes the reader asked for.
pub(super) struct Wire<'e> {
    pub(super) edits: &'e [Edit],
    pub(super) shown: Vec<Shown>,
    pub(super) story: Vec<String>,
}

impl Wire<'_> {
    /// `bytes` cross the wire: records what was sent, applies the reader's
    /// changes to `message`, records and returns what arrives.
    pub(super) fn carry(
        &mut self,
        message: Message,
        title: &str,
        path: &str,
        bytes: &[u8],
    ) -> Vec<u8> {
        let mut delivered = bytes.to_vec();
        for edit in self.edits.iter().filter(|e| e.message == message) {
            if let Some(byte) = delivered.get_mut(edit.offset) {
                *byte ^= edit.xor;
            }
        }
        let changed = bytes.iter().zip(&delivered).filter(|(a, b)| a != b).count();
        if changed > 0 {
            self.story
                .push(format!("{changed} byte(s) of {title} changed on the way"));
        }
        self.shown.retain(|s| s.message != message);
        self.shown.push(Shown {
            message,
            title: title.to_owned(),
            path: path.to_owned(),
            sent: bytes.to_vec(),
            delivered: delivered.clone(),
        });
        delivered
    }

    pub(super) fn say(&mut self, line: impl Into<String>) {
        self.story.push(line.into());
    }

    pub(super) fn end(mut self, verdict: Verdict, session: Option<String>) -> Outcome {
        if let Verdict::Refused(step, error) = &verdict {
            self.story.push(format!(
                "refused at {} ({}): {error}",
                step.name(),
                step.detail()
            ));
        }
        self.shown.sort_by_key(|s| s.message.index());
        Outcome {
            verdict,
            shown: self.shown,
            story: self.story,
            session,
        }
    }
}

pub(super) fn m1(bytes: &[u8]) -> ClientHello {
    let mut m = [0u8; wire::CLIENT_HELLO_LEN];
    m.copy_from_slice(bytes);
    ClientHello::from_bytes(&m)
}

pub(super) fn m2(bytes: &[u8]) -> ServerHello {
    let mut m = [0u8; wire::SERVER_HELLO_LEN];
    m.copy_from_slice(bytes);
    ServerHello::from_bytes(&m)
}

pub(super) fn m3(bytes: &[u8]) -> ClientAuth {
    let mut m = [0u8; wire::CLIENT_AUTH_LEN];
    m.copy_from_slice(bytes);
    ClientAuth::from_bytes(&m)
}

/// Seals `plaintext` as `session`'s next record.
pub(super) fn seal(session: &mut Session, plaintext: &[u8]) -> Vec<u8> {
    let mut record = vec![0u8; HEADER_LEN + plaintext.len() + TAG_LEN];
    match session.seal(plaintext, &mut record) {
        Ok(len) => record.truncate(len),
        // The lab's plaintexts are a few bytes: far below the limit.
        Err(_) => record.clear(),
    }
    record
}

pub(super) fn text(bytes: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(bytes))
}

pub(super) const M1_TITLE: &str = "message 1, ClientHello";
pub(super) const M2_TITLE: &str = "message 2, ServerHello";
pub(super) const M3_TITLE: &str = "message 3, ClientAuth";
pub(super) const ALICE_SAYS: &[u8] = b"hello, it's alice";

/// The server's side after message 3 arrived: accepted at once (lesson11),
/// or once `first_record` opens (transcript, key confirmation). Returns the
/// server's session, the client's name and the record's plaintext (`None`
/// under lesson11, where the record is still to be opened).
pub(super) fn server_accepts(
    verified: ClientVerified,
    first_record: &mut [u8],
) -> Result<(Session, String, Option<Vec<u8>>), HandshakeError> {
    match verified {
        ClientVerified::Accepted(accepted) => Ok((
            accepted.session,
            accepted.client.name.as_str().to_owned(),
            None,
        )),
        ClientVerified::ExpectKeyConfirmation(pending) => {
            let (accepted, plaintext) = pending.confirm(first_record)?;
            let plaintext = plaintext.to_vec();
            Ok((
                accepted.session,
                accepted.client.name.as_str().to_owned(),
                Some(plaintext),
            ))
        }
    }
}

/// A key-confirmation refusal.
pub(super) fn unconfirmed(e: HandshakeError) -> Verdict {
    Verdict::Refused(Step::KeyConfirmation, LabError::Handshake(e))
}

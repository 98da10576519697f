//! What the lesson clients say, kept where the attacks that quote them can
//! use the same words.

use learn_mtls::handshake::Binding;
use learn_mtls::identity::Identity;
use learn_mtls::schedule::KeySchedule;

/// What `11-mtls-client` says (after `error: `) when the server's
/// signature does not verify under the key pinned in `server_pub`.
///
/// The wrong server, a different binding or schedule, and (for an Ed25519
/// client) an ML-DSA-65 server all look the same from here: message 2's
/// signature does not verify, so the words name every cause.
pub fn wrong_server(
    server_pub: &str,
    binding: Binding,
    schedule: KeySchedule,
    identity: Identity,
) -> String {
    format!(
        "the server's signature does not match the pinned key in {server_pub}: this is not the \
         server you pinned (or it runs a different --binding or --schedule than {binding} and \
         {schedule}{})",
        if identity == Identity::Ed25519 {
            ", or --identity ml-dsa-65, whose message 2 carries a 3,309-byte signature"
        } else {
            ""
        }
    )
}

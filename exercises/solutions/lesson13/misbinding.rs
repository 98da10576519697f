//! Exercise 13.2: the misbinding attacker.
//!
//! Lesson: `lessons/13-breaking-lesson-11.md#2-identity-misbinding-an-insider-claims-alices-session` ("2. Identity misbinding: an insider claims alice's session").
//!
//! You are eve: on the server's list like alice, and in the middle of
//! alice's connection. The check relays alice's message 1 and the
//! server's message 2 for you, untouched. Your move is message 3: instead
//! of alice's, send one of your own, signed with **your** key
//! (`crate::support::sign(eve, ...)`) and carrying your public key
//! (`*eve.public().as_bytes()`). Return that message 3.
//!
//! What you sign depends on the binding the server runs:
//!
//! ```text
//! lesson11:   signed = client_share                 (alice's, from message 1)
//! transcript: signed = 0x20 x 64
//!                   || "learn-mtls v1 mutual, client signature"
//!                   || 0x00
//!                   || SHA-256(message 1 || message 2 || eve's key)
//! ```
//!
//! Under `transcript` eve plays by the rules: she saw messages 1 and 2,
//! so she can sign exactly what the binding asks for. You write that
//! content yourself in 13.3; here, use the library's:
//! `learn_mtls::raw::transcript_signed_content(MUTUAL_CLIENT_CONTEXT, &hash)`
//! (it returns `Some` for any context of at most 64 bytes).
//!
//! Under `lesson11` the server accepts eve, and alice's records, which
//! still open, are filed under eve. Under `transcript` your signature
//! verifies, and still the server refuses: key confirmation.
//!
//! Useful: `learn_mtls::handshake::MUTUAL_CLIENT_CONTEXT`,
//! `crate::support::{sha256, sign}`, `ClientHello::to_bytes`,
//! `ServerHello::to_bytes`.
//! Check it: `cargo course check 13.2`; stuck: `cargo course hint 13.2`.
//!
//! # What it uses
//!
//! - [`Binding`]: `InsecureLesson11` (sign alice's share) or `Transcript`
//!   (sign the transcript content).
//! - [`ClientHello`]: alice's message 1; `share`, her ephemeral share;
//!   `to_bytes()`, its 32 bytes.
//! - [`ServerHello`]: the server's message 2; `to_bytes()`, its 96 bytes.
//! - [`ClientAuth`]: what you return, `ClientAuth { signature, identity }`:
//!   eve's signature (64 bytes) and eve's public key (32 bytes).
//! - [`MUTUAL_CLIENT_CONTEXT`]: the context of a client's signature under
//!   the transcript binding.
//! - [`transcript_signed_content`]: the library's 13.3,
//!   `transcript_signed_content(context, &hash)`: `Some` of the signed
//!   bytes (`as_bytes()`) for a context of at most 64 bytes.

use learn_mtls::handshake::{Binding, MUTUAL_CLIENT_CONTEXT};
use learn_mtls::keys::IdentityKey;
use learn_mtls::raw::transcript_signed_content;
use learn_mtls::wire::{ClientAuth, ClientHello, ServerHello};

use crate::support::{sha256, sign};

/// The message 3 eve sends in place of alice's, under `binding`, after
/// alice's message 1 `hello` and the server's message 2 `server_hello`.
pub fn misbind(
    eve: &IdentityKey,
    binding: Binding,
    hello: &ClientHello,
    server_hello: &ServerHello,
) -> ClientAuth {
    let identity = *eve.public().as_bytes();
    let signature = match binding {
        Binding::InsecureLesson11 => sign(eve, &hello.share),
        Binding::Transcript => {
            let hash = sha256(&[&hello.to_bytes(), &server_hello.to_bytes(), &identity]);
            let signed = transcript_signed_content(MUTUAL_CLIENT_CONTEXT, &hash)
                .expect("the client context is shorter than 64 bytes");
            sign(eve, signed.as_bytes())
        }
    };
    ClientAuth {
        signature,
        identity,
    }
}

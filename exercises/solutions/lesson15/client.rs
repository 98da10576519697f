//! Exercise 15.5, the finale: your certified client, with your chain walk,
//! against the real `15-mtls-server`.
//!
//! Lesson: `lessons/15-certificates.md#on-the-wire` ("On the wire");
//! every byte: `lessons/15-specification.md#the-certified-handshake` ("The certified handshake").
//!
//! ```text
//! Client                                                       Server
//!   M1 = client_share                                     32 -->
//!     <-- M2 = server_share || count || chain || server_sig   33 + 220n + 64
//!   M3 = count || chain || client_sig              1 + 220n + 64 -->
//!   first record, empty (key confirmation)                    -->
//! ```
//!
//! Write `connect`, in this order:
//!
//! 1. an ephemeral secret and its share (`random_secret`, `public_share`);
//!    send M1 (32 bytes);
//! 2. read M2: first 33 bytes (the share and the count byte), then
//!    `after_count_len(count)?` more bytes (the certificates and the
//!    signature; a count other than 1 or 2 is refused there). Keep all of
//!    M2's bytes: the signatures and the keys hash them.
//!    `CertifiedServerHello::decode(&m2)?` reads the fields;
//! 3. check the server's chain with **your** `verify_chain` (15.3), for
//!    `Role::Server` and `Some(server_name)`, *before* anything else in M2
//!    is believed;
//! 4. check `server_sig` with the key of the verified leaf, over
//!    `0x20 x 64 || CERTIFIED_SERVER_CONTEXT || 0x00 || SHA-256(M1 || M2 without its last 64 bytes)`
//!    (your `transcript_signed_content` from 13.3; the library's
//!    `check_handshake_signature` then does the verifying);
//! 5. the shared secret, refusing all zeros (your 10.1);
//! 6. M3: `count || chain` is your own chain as bytes (`chain.len() as u8`,
//!    `chain.leaf.to_bytes()`, then the intermediate's if there is one);
//!    sign `0x20 x 64 || CERTIFIED_CLIENT_CONTEXT || 0x00 || SHA-256(M1 || M2 || count || chain)`
//!    with `identity` (`crate::support::sign`), append the signature, send;
//! 7. keys: your `key_schedule` (10.2) with the salt `SHA-256(M1 || M2 || M3)`;
//! 8. send an empty record sealed with the client's key (your 10.4): the
//!    server accepts no one whose first record does not open.
//!
//! Return the record layers (seal with the client's write key and IV, open
//! with the server's) and the server your walk verified.
//!
//! The check starts the real `15-mtls-server` with a chain of two (root →
//! intermediate → `api.tillway`), connects your client over TCP, reads the
//! server's `accepted` line for your certificate, and sends a message
//! through your record layer; then it makes sure your client refuses a
//! server certified for another name, by another CA, or after its
//! certificate expired, and a server that shows a genuine chain but cannot
//! sign with its key.
//! Check it: `cargo course check 15.5`; stuck: `cargo course hint 15.5`.
//!
//! # What it uses
//!
//! - [`SERVER_HELLO_PREFIX_LEN`] (33): the share and the count byte, read
//!   first; [`after_count_len`]`(count)`: how many bytes follow, or
//!   `CertError::ChainLength` for a count other than 1 or 2.
//! - [`CertifiedServerHello::decode`]: message 2's fields: `share`, the
//!   server's ephemeral share; `chain`, its [`Chain`]; `signature`, its
//!   signature with the leaf's key.
//! - [`Chain`]: `leaf` and `intermediate` (an `Option`); `len()`, 1 or 2;
//!   each certificate's `to_bytes()` is its 220 bytes on the wire.
//! - [`Root`], [`Role::Server`]: for your `verify_chain`, which returns the
//!   [`VerifiedPeer`] you return.
//! - [`CERTIFIED_SERVER_CONTEXT`], [`CERTIFIED_CLIENT_CONTEXT`]: the
//!   contexts of the server's and the client's signatures.
//! - [`check_handshake_signature`]: `(leaf, signed, &signature)`: whether
//!   the leaf's key signed, else `CertError::NotSignedByCertificateKey`.
//! - [`SIGNATURE_LEN`] (64): the signature at the end of message 2.
//! - [`IdentityKey`]: your key, to sign message 3.

use std::error::Error;
use std::io::{Read, Write};

use learn_mtls::cert::verify::{Chain, Role, Root, VerifiedPeer, check_handshake_signature};
use learn_mtls::handshake::certified::{
    CERTIFIED_CLIENT_CONTEXT, CERTIFIED_SERVER_CONTEXT, CertifiedServerHello,
    SERVER_HELLO_PREFIX_LEN, after_count_len,
};
use learn_mtls::keys::{IdentityKey, SIGNATURE_LEN};
use learn_mtls::trust::ClientName;

use super::chain::verify_chain;
use crate::lesson10::key_schedule::key_schedule;
use crate::lesson10::records::RecordLayer;
use crate::lesson10::shared_secret::shared_secret;
use crate::lesson13::signed_content::transcript_signed_content;
use crate::support::{public_share, random_secret, sha256, sign};

/// Runs the certified handshake over `stream` as the client holding
/// `identity` and its `chain`, trusting `root` at time `now`, for the
/// server `server_name`. Returns `(sealer, opener, server)`.
///
/// # Errors
/// Any I/O error, a `CertError` from the checks, or a `HandshakeError`.
pub fn connect(
    stream: &mut (impl Read + Write),
    (identity, chain): (&IdentityKey, &Chain),
    root: &Root,
    now: u64,
    server_name: &ClientName,
) -> Result<(RecordLayer, RecordLayer, VerifiedPeer), Box<dyn Error>> {
    let secret = random_secret();
    let m1 = public_share(&secret);
    stream.write_all(&m1)?;
    stream.flush()?;

    let mut m2 = vec![0u8; SERVER_HELLO_PREFIX_LEN];
    stream.read_exact(&mut m2)?;
    let rest = after_count_len(m2[SERVER_HELLO_PREFIX_LEN - 1])?;
    m2.resize(SERVER_HELLO_PREFIX_LEN + rest, 0);
    stream.read_exact(&mut m2[SERVER_HELLO_PREFIX_LEN..])?;
    let server_hello = CertifiedServerHello::decode(&m2)?;

    let server = verify_chain(
        root,
        now,
        &server_hello.chain,
        Role::Server,
        Some(server_name),
    )?;
    let unsigned = &m2[..m2.len() - SIGNATURE_LEN];
    let signed = transcript_signed_content(CERTIFIED_SERVER_CONTEXT, &sha256(&[&m1, unsigned]));
    check_handshake_signature(&server_hello.chain.leaf, &signed, &server_hello.signature)?;
    let shared = shared_secret(&secret, &server_hello.share)?;

    let mut m3 = vec![chain.len() as u8];
    m3.extend_from_slice(&chain.leaf.to_bytes());
    if let Some(intermediate) = &chain.intermediate {
        m3.extend_from_slice(&intermediate.to_bytes());
    }
    let signed = transcript_signed_content(CERTIFIED_CLIENT_CONTEXT, &sha256(&[&m1, &m2, &m3]));
    m3.extend_from_slice(&sign(identity, &signed));
    stream.write_all(&m3)?;

    let keys = key_schedule(&shared, Some(&sha256(&[&m1, &m2, &m3])));
    let mut sealer = RecordLayer::new(&keys.client_write_key, &keys.client_write_iv);
    let opener = RecordLayer::new(&keys.server_write_key, &keys.server_write_iv);
    stream.write_all(&sealer.seal(&[])?)?;
    stream.flush()?;
    Ok((sealer, opener, server))
}

//! The check of exercise 10.5: the client's check of message 2.

use learn_mtls::handshake::{Binding, HandshakeError, SERVER_ONLY_SERVER_CONTEXT, server_only};
use learn_mtls::keys::IdentityKey;
use learn_mtls::net::os_rng;
use learn_mtls::raw;
use learn_mtls::wire::ServerHello;
use learn_mtls_exercises::lesson10;
use learn_mtls_exercises::support::{public_share, sha256};

use crate::harness::{Context, Result, fail, hex, random, same};

use super::fixtures::{BINDINGS, h32};

/// `signature` with L added to its S half: the same signature, non-canonically
/// encoded (malleated), which strict verification refuses.
pub fn malleate(signature: &mut [u8; 64]) {
    // The group order L, little-endian (RFC 8032 section 5.1).
    let order = h32("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
    let mut carry = 0u16;
    for (s, l) in signature[32..].iter_mut().zip(order) {
        let sum = u16::from(*s) + u16::from(l) + carry;
        *s = sum as u8;
        carry = sum >> 8;
    }
}

/// 10.5: the client's check of message 2.
pub fn server_signature() -> Result {
    let server = IdentityKey::generate(&mut os_rng());
    let other = IdentityKey::generate(&mut os_rng());
    type Tamper = fn(&mut ServerHello);
    let cases: [(&str, bool, bool, Tamper); 7] = [
        ("a genuine message 2", false, false, |_| {}),
        (
            "message 2 from a server whose key is not the pinned one",
            true,
            false,
            |_| {},
        ),
        ("one bit of the signature flipped", false, false, |m| {
            m.signature[7] ^= 0x10
        }),
        (
            "the share replaced, the signature kept",
            false,
            false,
            |m| m.share = public_share(&random()),
        ),
        (
            "a signature made under the other binding",
            false,
            true,
            |_| {},
        ),
        (
            "the signature's S made non-canonical (S + L)",
            false,
            false,
            |m| malleate(&mut m.signature),
        ),
        ("a signature of 64 zero bytes", false, false, |m| {
            m.signature = [0; 64]
        }),
    ];
    for binding in BINDINGS {
        for (what, impostor, other_binding, tamper) in cases {
            let signer = if impostor { &other } else { &server };
            let signer_binding = match (other_binding, binding) {
                (false, b) => b,
                (true, Binding::Transcript) => Binding::InsecureLesson11,
                (true, Binding::InsecureLesson11) => Binding::Transcript,
            };
            let (client, hello) =
                server_only::Client::start(&mut os_rng(), server.public(), binding);
            let (_, mut server_hello) = server_only::Server::new(signer, signer_binding)
                .read_client_hello(&mut os_rng(), &hello)
                .context("the real server")?;
            if what == "a genuine message 2" && binding == Binding::Transcript {
                // The library's own builder of signed content agrees with
                // its handshake (the Lesson 13 exercises compare with it).
                let hash = sha256(&[&hello.share, &server_hello.share]);
                let signed = raw::transcript_signed_content(SERVER_ONLY_SERVER_CONTEXT, &hash)
                    .ok_or_else(|| fail("internal: a context too long"))?;
                if !server
                    .public()
                    .verify_strict(signed.as_bytes(), &server_hello.signature)
                {
                    return Err(fail(
                        "internal: raw::transcript_signed_content disagrees with the handshake",
                    ));
                }
            }
            tamper(&mut server_hello);
            let expected = client.read_server_hello(&server_hello).map(|_| ());
            let got = lesson10::server_signature::check_server_signature(
                &server.public(),
                binding,
                &hello,
                &server_hello,
            );
            let input = format!(
                "{what}, {binding} binding\n            message 1 = {}\n            message 2 = {}",
                hex(&hello.to_bytes()),
                hex(&server_hello.to_bytes())
            );
            same::<std::result::Result<(), HandshakeError>>(
                "your verdict",
                &input,
                &expected,
                &got,
            )?;
        }
    }
    Ok(())
}

//! The check of exercise 13.3: the transcript binding's signed content.

use learn_mtls::handshake::mutual::{self, ClientVerified};
use learn_mtls::handshake::{
    Binding, MUTUAL_CLIENT_CONTEXT, MUTUAL_CLIENT_TLS12_PRF_CONTEXT, MUTUAL_SERVER_CONTEXT,
    MUTUAL_SERVER_TLS12_PRF_CONTEXT, SERVER_ONLY_SERVER_CONTEXT,
    SERVER_ONLY_SERVER_TLS12_PRF_CONTEXT,
};
use learn_mtls::net::os_rng;
use learn_mtls::raw;
use learn_mtls::trust::PinnedClient;
use learn_mtls::wire::{ClientAuth, ServerHello};
use learn_mtls_exercises::lesson13;
use learn_mtls_exercises::support::{public_share, sha256, sign};

use crate::harness::{Context, Result, below, fail, hex, random, same_bytes};

use super::fixtures::{key, name};

/// 13.3: the transcript binding's signed content.
pub fn signed_content() -> Result {
    crate::harness::not_the_library_itself(
        "13.3",
        "exercises/src/lesson13/signed_content.rs",
        include_str!("../../src/lesson13/signed_content.rs"),
        "transcript_signed_content",
    )?;
    let first = lesson13::signed_content::transcript_signed_content(b"", &[0; 32]);
    let mut contexts: Vec<Vec<u8>> = [
        MUTUAL_CLIENT_CONTEXT,
        MUTUAL_SERVER_CONTEXT,
        SERVER_ONLY_SERVER_CONTEXT,
        MUTUAL_CLIENT_TLS12_PRF_CONTEXT,
        MUTUAL_SERVER_TLS12_PRF_CONTEXT,
        SERVER_ONLY_SERVER_TLS12_PRF_CONTEXT,
        b"",
        b"x",
        &[0x20; 64],
        &[0; 64],
    ]
    .iter()
    .map(|c| c.to_vec())
    .collect();
    for _ in 0..40 {
        let bytes: [u8; 64] = random();
        contexts.push(bytes[..below(65)].to_vec());
    }
    let mut inputs = vec![(b"".to_vec(), [0u8; 32], first)];
    for context in contexts {
        for hash in [random(), [0; 32], [0xff; 32]] {
            let got = lesson13::signed_content::transcript_signed_content(&context, &hash);
            inputs.push((context.clone(), hash, got));
        }
    }
    for (context, hash, got) in inputs {
        let expected = raw::transcript_signed_content(&context, &hash).expect("a short context");
        let input = format!(
            "context = {:?} ({} bytes), transcript_hash = {}",
            String::from_utf8_lossy(&context),
            context.len(),
            hex(&hash)
        );
        same_bytes("the signed content", &input, expected.as_bytes(), &got)?;
    }

    // Plugged into a real handshake: the library's client accepts a message 2
    // signed over your content, and the library's server a message 3.
    let (server, alice) = (key(), key());
    let (client, hello) =
        mutual::Client::start(&mut os_rng(), &alice, server.public(), Binding::Transcript);
    let share = public_share(&random());
    let server_signed = lesson13::signed_content::transcript_signed_content(
        MUTUAL_SERVER_CONTEXT,
        &sha256(&[&hello.to_bytes(), &share]),
    );
    let server_hello = ServerHello {
        share,
        signature: sign(&server, &server_signed),
    };
    client.read_server_hello(&server_hello).map_err(|e| {
        fail(format!(
            "the library's client refused a message 2 signed over your content: {e}"
        ))
    })?;

    let (_, hello) =
        mutual::Client::start(&mut os_rng(), &alice, server.public(), Binding::Transcript);
    let (state, server_hello) = mutual::Server::new(&server, Binding::Transcript)
        .read_client_hello(&mut os_rng(), &hello)
        .context("the library's server")?;
    let identity = *alice.public().as_bytes();
    let client_signed = lesson13::signed_content::transcript_signed_content(
        MUTUAL_CLIENT_CONTEXT,
        &sha256(&[&hello.to_bytes(), &server_hello.to_bytes(), &identity]),
    );
    let auth = ClientAuth {
        signature: sign(&alice, &client_signed),
        identity,
    };
    let policy = PinnedClient::new(alice.public(), name("alice"));
    match state.read_client_auth(&auth, &policy) {
        Ok(ClientVerified::ExpectKeyConfirmation(_)) => Ok(()),
        Ok(ClientVerified::Accepted(_)) => Err(fail(
            "the library's server accepted without key confirmation under transcript",
        )),
        Err(e) => Err(fail(format!(
            "the library's server refused a message 3 signed over your content: {e}"
        ))),
    }
}

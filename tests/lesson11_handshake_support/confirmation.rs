//! A server that has read message 3 and waits for the client's first record.

use crate::common::{alice_key, seeded_rng, server_key, trusts_alice};
use learn_mtls::handshake::Binding;
use learn_mtls::handshake::mutual::{self, ClientVerified};

/// An honest transcript handshake up to the server waiting for key confirmation.
pub fn pending_confirmation(seed: u8) -> mutual::ExpectKeyConfirmation {
    let server_key = server_key();
    let alice_key = alice_key();
    let mut rng = seeded_rng(seed);
    let (client, hello) = mutual::Client::start(
        &mut rng,
        &alice_key,
        server_key.public(),
        Binding::Transcript,
    );
    let (server, server_hello) = mutual::Server::new(&server_key, Binding::Transcript)
        .read_client_hello(&mut rng, &hello)
        .unwrap();
    let (_, auth) = client.read_server_hello(&server_hello).unwrap();
    match server.read_client_auth(&auth, &trusts_alice()).unwrap() {
        ClientVerified::ExpectKeyConfirmation(pending) => pending,
        other => panic!("expected ExpectKeyConfirmation, got {other:?}"),
    }
}

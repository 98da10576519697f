//! The check of exercise 11.1: message 3 under the lesson11 binding.

use learn_mtls::handshake::Binding;
use learn_mtls::handshake::mutual::{self, ClientVerified};
use learn_mtls::net::os_rng;
use learn_mtls::record::Session;
use learn_mtls::trust::PinnedClient;
use learn_mtls_exercises::lesson11;

use crate::harness::{Context, Result, fail, hex};

use super::fixtures::{key, name};

/// 11.1: message 3.
pub fn client_auth() -> Result {
    let server = key();
    for round in 0..20 {
        let client = key();
        let (state, hello) = mutual::Client::start(
            &mut os_rng(),
            &client,
            server.public(),
            Binding::InsecureLesson11,
        );
        let (server_state, server_hello) = mutual::Server::new(&server, Binding::InsecureLesson11)
            .read_client_hello(&mut os_rng(), &hello)
            .context("the real server")?;
        let (mut client_session, expected) = state
            .read_server_hello(&server_hello)
            .context("the real client")?;
        let got = lesson11::client_auth::client_auth(&client, &hello);
        let input = format!(
            "client key {}, message 1 = {}",
            client.public(),
            hex(&hello.to_bytes())
        );
        crate::harness::same_bytes("message 3", &input, &expected.to_bytes(), &got.to_bytes())?;
        if round < 3 {
            let policy = PinnedClient::new(client.public(), name("learner"));
            let verified = server_state
                .read_client_auth(&got, &policy)
                .map_err(|e| fail(format!("the real server refused your message 3: {e}")))?;
            let ClientVerified::Accepted(mut accepted) = verified else {
                return Err(fail(
                    "the real server asked for key confirmation under lesson11",
                ));
            };
            exchange(&mut client_session, &mut accepted.session)?;
        }
    }
    Ok(())
}

fn exchange(client: &mut Session, server: &mut Session) -> Result {
    let mut buf = [0u8; 64];
    let len = client.seal(b"hello", &mut buf).context("sealing")?;
    server
        .open_in_place(&mut buf[..len])
        .context("the real server opening a record after your message 3")?;
    Ok(())
}

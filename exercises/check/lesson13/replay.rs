//! The check of exercise 13.1: the replay attacker against the real server.

use learn_mtls::handshake::Binding;
use learn_mtls_exercises::lesson13;

use crate::harness::{Context, Result, fail, hex};
use crate::lesson10::connect;

use super::fixtures::{Cast, binding_name, honest_session, line_for};

/// 13.1: the replay attacker against the real server, under both bindings.
pub fn replay() -> Result {
    let cast = Cast::new("13.1")?;
    for binding in [Binding::InsecureLesson11, Binding::Transcript] {
        let (mut server, address) = cast.real_server(binding)?;
        // Alice, recorded on her way.
        let mut alice = connect(&address)?;
        let recorded = honest_session(&mut alice, &cast.alice, &cast.server, binding)?;
        let alice_local = alice.local_addr().context("alice's address")?.to_string();
        let line = line_for(&mut server, &alice_local)?;
        if !line.starts_with("accepted alice") {
            return Err(fail(format!(
                "alice's honest session was not accepted (the check's fault, not yours): {line:?}"
            )));
        }
        drop(alice);

        // Mallory, later, on a connection of her own.
        let mut stream = connect(&address)?;
        let local = stream.local_addr().context("your address")?.to_string();
        let replayed = lesson13::replay::replay(&mut stream, &recorded);
        let line = line_for(&mut server, &local)?;
        let shown = format!(
            "the real 11-mtls-server --binding {}, alice's session recorded: message 1 = {}, message 3 = {}",
            binding_name(binding),
            hex(&recorded.client_hello),
            hex(&recorded.client_auth)
        );
        match binding {
            Binding::InsecureLesson11 => {
                replayed.map_err(|e| {
                    fail(format!(
                        "your replay failed: {}\n  input:    {shown}",
                        crate::harness::explain(&e)
                    ))
                })?;
                if !line.starts_with("accepted alice") {
                    return Err(fail(format!(
                        "the server did not accept your connection as alice\n  input:    {shown}\n  expected: \"accepted alice (...) from {local}\"\n  got:      {line:?}"
                    )));
                }
            }
            Binding::Transcript => {
                if line.starts_with("accepted") || !line.contains("signature") {
                    return Err(fail(format!(
                        "under transcript, your replay should be refused for its signature\n  input:    {shown}\n  expected: \"rejected {local}: the client's signature does not verify ...\"\n  got:      {line:?}"
                    )));
                }
            }
        }
    }
    Ok(())
}

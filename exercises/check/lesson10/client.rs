//! The check of exercise 10.6: the learner's client against the real
//! `10-server`.

use std::io::Write;
use std::time::Duration;

use learn_mtls::keys::IdentityKey;
use learn_mtls::net::os_rng;
use learn_mtls_exercises::lesson10;
use learn_mtls_exercises::support::read_record;

use crate::harness::{Context, Result, fail, same_bytes};
use crate::processes::{Running, scratch_dir, write_keys};

use super::fixtures::{BINDINGS, connect};

/// 10.6: the learner's client against the real `10-server`.
pub fn client() -> Result {
    let dir = scratch_dir("10.6")?;
    let server_key = IdentityKey::generate(&mut os_rng());
    let impostor = IdentityKey::generate(&mut os_rng());
    write_keys(&dir, "server", &server_key)?;
    for binding in BINDINGS {
        let mut server = Running::start(
            "10-server",
            &[
                "--listen",
                "127.0.0.1:0",
                "--key",
                "server.key",
                "--binding",
                binding.name(),
            ],
            &dir,
        )?;
        let address = server.listening_address()?;
        let mut stream = connect(&address)?;
        let (mut sealer, mut opener) = lesson10::client::connect(
            &mut stream,
            &server_key.public(),
            binding,
        )
        .map_err(|e| {
            fail(format!(
                "your client failed the handshake with the real 10-server ({binding} binding): {}",
                crate::harness::explain(&*e)
            ))
        })?;
        for i in 0..3 {
            let text = format!("exercise 10.6, message {i}, {binding} binding");
            let record = sealer.seal(text.as_bytes()).context("your seal")?;
            stream.write_all(&record).context("sending a record")?;
            let reply = read_record(&mut stream).map_err(|e| {
                fail(format!(
                    "the real 10-server ({binding} binding) hung up instead of echoing your \
                     message {i} ({e}): it could not open your record, so your keys differ from \
                     its own (the salt: none under lesson11, SHA-256(message 1 || message 2) \
                     under transcript; you seal with the client's write key and IV)"
                ))
            })?;
            let opened = opener.open(&reply).map_err(|e| {
                fail(format!(
                    "your client could not open the server's echo {i}: {e}"
                ))
            })?;
            same_bytes("the echo", &text, text.as_bytes(), &opened)?;
        }
        let line = server.next_line(Duration::from_secs(10))?;
        if !line.starts_with("accepted anonymous client") {
            return Err(fail(format!("the real 10-server said {line:?}")));
        }
        // Pinning another key: the client must refuse this server.
        let mut stream = connect(&address)?;
        if lesson10::client::connect(&mut stream, &impostor.public(), binding).is_ok() {
            return Err(fail(format!(
                "your client accepted the 10-server ({binding} binding) although the pinned key was another server's"
            )));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

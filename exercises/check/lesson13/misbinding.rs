//! The check of exercise 13.2: the misbinding attacker in the middle of
//! alice's connection.

use std::io::{Read as _, Write as _};

use learn_mtls::handshake::Binding;
use learn_mtls::handshake::mutual;
use learn_mtls::net::os_rng;
use learn_mtls::wire::{SERVER_HELLO_LEN, ServerHello};
use learn_mtls_exercises::lesson13;
use learn_mtls_exercises::support::read_record;

use crate::harness::{Context, Result, fail, hex, same_bytes};
use crate::lesson10::connect;

use super::fixtures::{Cast, binding_name, line_for, seal};

/// 13.2: the misbinding attacker in the middle of alice's connection to the
/// real server, under both bindings.
pub fn misbinding() -> Result {
    let cast = Cast::new("13.2")?;
    // First on its own: the message 3 must carry eve's key.
    let (client, hello) = mutual::Client::start(
        &mut os_rng(),
        &cast.alice,
        cast.server.public(),
        Binding::InsecureLesson11,
    );
    let (_, server_hello) = mutual::Server::new(&cast.server, Binding::InsecureLesson11)
        .read_client_hello(&mut os_rng(), &hello)
        .context("the real server")?;
    drop(client);
    let got =
        lesson13::misbinding::misbind(&cast.eve, Binding::InsecureLesson11, &hello, &server_hello);
    same_bytes(
        "the key in eve's message 3",
        &"eve's public key",
        cast.eve.public().as_bytes(),
        &got.identity,
    )?;

    let message = b"alice here: please pay invoice 42";
    for binding in [Binding::InsecureLesson11, Binding::Transcript] {
        let (mut server, address) = cast.real_server(binding)?;
        // Eve's connection to the server; alice talks through her.
        let mut stream = connect(&address)?;
        let local = stream.local_addr().context("eve's address")?.to_string();
        let (client, hello) =
            mutual::Client::start(&mut os_rng(), &cast.alice, cast.server.public(), binding);
        stream
            .write_all(&hello.to_bytes())
            .context("relaying message 1")?;
        let mut m2 = [0u8; SERVER_HELLO_LEN];
        stream.read_exact(&mut m2).context("relaying message 2")?;
        let server_hello = ServerHello::from_bytes(&m2);
        let (mut alice, _alices_m3) = client
            .read_server_hello(&server_hello)
            .context("alice checking message 2")?;
        let eves = lesson13::misbinding::misbind(&cast.eve, binding, &hello, &server_hello);
        stream
            .write_all(&eves.to_bytes())
            .context("sending eve's message 3")?;
        if binding == Binding::Transcript {
            stream
                .write_all(&seal(&mut alice, b"")?)
                .context("relaying alice's first record")?;
        }
        stream
            .write_all(&seal(&mut alice, message)?)
            .context("relaying alice's record")?;
        let line = line_for(&mut server, &local)?;
        let shown = format!(
            "the real 11-mtls-server --binding {}, message 1 = {}, message 2 = {}, your message 3 = {}",
            binding_name(binding),
            hex(&hello.to_bytes()),
            hex(&m2),
            hex(&eves.to_bytes())
        );
        match binding {
            Binding::InsecureLesson11 => {
                if !line.starts_with("accepted eve") {
                    return Err(fail(format!(
                        "the server did not file alice's session under eve\n  input:    {shown}\n  expected: \"accepted eve (...) from {local}\"\n  got:      {line:?}"
                    )));
                }
                let mut echo = read_record(&mut stream).context("reading the server's echo")?;
                let opened = alice
                    .open_in_place(&mut echo)
                    .context("alice opening the echo")?;
                same_bytes("the echo alice got", &shown, message, opened)?;
            }
            Binding::Transcript => {
                if !line.contains("key confirmation") {
                    return Err(fail(format!(
                        "under transcript, eve's signature should verify and key confirmation stop her\n  input:    {shown}\n  expected: \"rejected {local}: key confirmation failed ...\"\n  got:      {line:?}"
                    )));
                }
            }
        }
    }
    Ok(())
}

//! The check of exercise 11.5: the learner's client and server against the
//! real binaries.

use std::io::Write as _;
use std::net::TcpStream;
use std::time::Duration;

use learn_mtls::trust::PinnedClient;
use learn_mtls_exercises::lesson11;
use learn_mtls_exercises::support::read_record;

use crate::harness::{Context, Result, fail};
use crate::lesson10::connect;
use crate::processes::{Running, scratch_dir, write_keys};

use super::fixtures::{key, name};
use super::serving::{refuses_low_order_share, serve_real_client};

/// 11.5: the learner's client and server against the real binaries.
pub fn finale() -> Result {
    let dir = scratch_dir("11.5")?;
    let (server_key, client_key, stranger) = (key(), key(), key());
    write_keys(&dir, "server", &server_key)?;
    write_keys(&dir, "client", &client_key)?;
    write_keys(&dir, "stranger", &stranger)?;

    // Your client, the real server.
    let mut server = Running::start(
        "11-mtls-server",
        &[
            "--listen",
            "127.0.0.1:0",
            "--key",
            "server.key",
            "--client-pub",
            "client.pub",
            "--binding",
            "lesson11",
        ],
        &dir,
    )?;
    let address = server.listening_address()?;
    let mut stream = connect(&address)?;
    let (mut sealer, mut opener) =
        lesson11::client::connect(&mut stream, &client_key, &server_key.public()).map_err(|e| {
            fail(format!(
                "your client failed the handshake with the real 11-mtls-server: {}",
                crate::harness::explain(&*e)
            ))
        })?;
    let line = server.next_line(Duration::from_secs(10))?;
    if !line.starts_with("accepted client") {
        return Err(fail(format!(
            "the real 11-mtls-server did not accept your client: it said {line:?}"
        )));
    }
    for i in 0..3 {
        let text = format!("exercise 11.5, message {i}");
        stream
            .write_all(&sealer.seal(text.as_bytes()).context("your seal")?)
            .context("sending")?;
        let reply = read_record(&mut stream).map_err(|e| {
            fail(format!(
                "the real 11-mtls-server hung up instead of echoing your message {i} ({e}): \
                 it could not open your record, so your keys or your sealing differ from \
                 its own (under lesson11: your 10.2 with no salt; the client seals with the \
                 client's write key and IV)"
            ))
        })?;
        let opened = opener
            .open(&reply)
            .context("opening the real server's echo")?;
        crate::harness::same_bytes("the echo", &text, text.as_bytes(), &opened)?;
    }
    drop(stream);

    // The same server, but your client pins another key: it must stop at
    // message 2, before it signs anything.
    let mut stream = connect(&address)?;
    let verdict = lesson11::client::connect(&mut stream, &client_key, &stranger.public());
    drop(stream);
    if verdict.is_ok() {
        return Err(fail(
            "your client accepted the real 11-mtls-server although the pinned key was \
             another server's: check the signature in message 2 (your 10.5) before \
             anything else",
        ));
    }
    let line = server.next_line(Duration::from_secs(10))?;
    if line.starts_with("accepted") {
        return Err(fail(format!(
            "your client refused a server whose key is not the pinned one, but only after \
             sending message 3: it signed for a server it had not authenticated (the server \
             said {line:?}); check message 2 before you send message 3"
        )));
    }
    drop(server);

    // Your server, the real client; then a client your server must refuse.
    let policy = PinnedClient::new(client_key.public(), name("client"));
    let accept = |stream: &mut TcpStream| {
        lesson11::server::accept(stream, &server_key, &policy)
            .map(|(client, sealer, opener)| (client, sealer, opener, Vec::new()))
    };
    refuses_low_order_share(|stream| lesson11::server::accept(stream, &server_key, &policy))?;
    let output = serve_real_client(&dir, "client.key", "lesson11", true, accept)?;
    if output != "hello\nworld\n" {
        return Err(fail(format!(
            "the real 11-mtls-client printed {output:?}, expected the echo \"hello\\nworld\\n\""
        )));
    }
    serve_real_client(&dir, "stranger.key", "lesson11", false, accept)?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

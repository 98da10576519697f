//! The check of exercise 15.5: your certified client against the real
//! `15-mtls-server`.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::time::Duration;

use learn_mtls::cert::Certificate;
use learn_mtls::cert::files::certificates_text;
use learn_mtls::cert::time::Rfc3339;
use learn_mtls::cert::verify::{Role, VerifiedPeer, Verifier};
use learn_mtls::handshake::certified::{CERTIFIED_SERVER_CONTEXT, CertifiedServerHello};
use learn_mtls::keys::SIGNATURE_LEN;
use learn_mtls::raw;
use learn_mtls_exercises::lesson10::records::RecordLayer;
use learn_mtls_exercises::lesson15;
use learn_mtls_exercises::support::{public_share, random_secret, read_record, sha256, sign};

use crate::harness::{Context, Result, fail, same, same_bytes};
use crate::lesson10::connect;
use crate::processes::{Running, scratch_dir, write_keys};

use super::fixtures::{NOW, key, name};
use super::handshake::Pki;

/// The real `15-mtls-server` for `pki` (or for `presenting`, another PKI's
/// server credentials), its clock at [`NOW`], in `dir`.
fn real_server(
    dir: &std::path::Path,
    label: &str,
    presenting: &Pki,
    trusting: &Pki,
) -> Result<(Running, String)> {
    write_keys(dir, label, &presenting.server_key)?;
    let chain = &presenting.server_chain;
    let certs: Vec<Certificate> = std::iter::once(chain.leaf)
        .chain(chain.intermediate)
        .collect();
    std::fs::write(dir.join(format!("{label}.crt")), certificates_text(&certs))
        .context("writing a certificate file")?;
    std::fs::write(
        dir.join("ca.crt"),
        certificates_text(&[*trusting.root.certificate()]),
    )
    .context("writing the root's file")?;
    let now = Rfc3339(NOW).to_string();
    let key_file = format!("{label}.key");
    let cert_file = format!("{label}.crt");
    let mut server = Running::start(
        "15-mtls-server",
        &[
            "--listen",
            "127.0.0.1:0",
            "--key",
            &key_file,
            "--cert",
            &cert_file,
            "--ca",
            "ca.crt",
            "--now",
            &now,
            "--handshake-timeout",
            "3",
        ],
        dir,
    )?;
    let address = server.listening_address()?;
    Ok((server, address))
}

/// The real server's line about the connection from `local`.
fn server_line(server: &mut Running, local: &str) -> Result<String> {
    for _ in 0..4 {
        let line = server.next_line(Duration::from_secs(10))?;
        if line.ends_with(&format!("from {local}"))
            || line.starts_with(&format!("rejected {local}:"))
        {
            return Ok(line);
        }
    }
    Err(fail(format!(
        "the real 15-mtls-server said nothing about the connection from {local}"
    )))
}

/// Your client must refuse: `Err` whose text contains `reason`.
fn refuses(
    what: &str,
    result: std::result::Result<
        (RecordLayer, RecordLayer, VerifiedPeer),
        Box<dyn std::error::Error>,
    >,
    reason: &str,
) -> Result {
    match result {
        Ok((_, _, server)) => Err(fail(format!(
            "your client accepted {what}\n  expected: an error saying \"{reason}\"\n  got:      Ok, the server verified as {server}"
        ))),
        Err(e) if e.to_string().contains(reason) => Ok(()),
        Err(e) => Err(fail(format!(
            "your client refused {what}, but not for the right reason\n  expected: an error saying \"{reason}\"\n  got:      {e}"
        ))),
    }
}

/// 15.5: your certified client against the real `15-mtls-server`.
pub fn finale() -> Result {
    let dir = scratch_dir("15.5")?;
    let result = finale_in(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn finale_in(dir: &std::path::Path) -> Result {
    let pki = Pki::new();
    let (mut server, address) = real_server(dir, "server", &pki, &pki)?;
    let credentials = (&pki.client_key, &pki.client_chain);
    let server_name = Pki::server_name();

    // The handshake, then a message and its echo.
    let mut stream = connect(&address)?;
    let local = stream.local_addr().context("your address")?.to_string();
    let (mut sealer, mut opener, peer) =
        lesson15::client::connect(&mut stream, credentials, &pki.root, NOW, &server_name).map_err(
            |e| {
                fail(format!(
                    "your client's handshake with the real 15-mtls-server failed: {e}"
                ))
            },
        )?;
    let line = server_line(&mut server, &local)?;
    let expected_line = format!("accepted noor-bakery (serial 3) from {local}");
    same(
        "the real server's line about your connection",
        &"a good client certificate",
        &expected_line,
        &line,
    )?;
    let expected_peer = Verifier::new(&pki.root, NOW)
        .verify_chain(&pki.server_chain, Role::Server, Some(&server_name))
        .context("the library's walk")?;
    same(
        "the server your client verified",
        &"the real server's chain of two",
        &expected_peer,
        &peer,
    )?;
    let message = b"pay 12.50";
    let record = sealer
        .seal(message)
        .context("sealing with your record layer")?;
    stream.write_all(&record).context("sending a record")?;
    let echo = read_record(&mut stream).context("reading the server's echo")?;
    let opened = opener
        .open(&echo)
        .context("opening the echo with your record layer")?;
    same_bytes(
        "the echo",
        &"pay 12.50, sealed by your client",
        message,
        &opened,
    )?;
    drop(stream);

    // Refusals: another name, a later clock, another CA.
    let mut stream = connect(&address)?;
    let other_name = name("shop.tillway");
    refuses(
        "a server certified for api.tillway when you asked for shop.tillway",
        lesson15::client::connect(&mut stream, credentials, &pki.root, NOW, &other_name),
        "name mismatch",
    )?;
    let mut stream = connect(&address)?;
    refuses(
        "a server whose certificate expired (your clock a month later)",
        lesson15::client::connect(
            &mut stream,
            credentials,
            &pki.root,
            NOW + 30 * 86_400,
            &server_name,
        ),
        "expired",
    )?;
    let other = Pki::new();
    let other_dir = dir.join("other");
    std::fs::create_dir_all(&other_dir).context("creating a folder")?;
    let (_other_server, other_address) = real_server(&other_dir, "server", &other, &pki)?;
    let mut stream = connect(&other_address)?;
    refuses(
        "a server certified by another CA",
        lesson15::client::connect(&mut stream, credentials, &pki.root, NOW, &server_name),
        "unknown issuer",
    )?;

    // A server that shows the genuine chain but does not hold its key.
    let listener = TcpListener::bind("127.0.0.1:0").context("listening")?;
    let impostor_address = listener.local_addr().context("an address")?.to_string();
    let chain = pki.server_chain;
    let impostor = std::thread::spawn(move || -> std::io::Result<usize> {
        let (mut stream, _) = listener.accept()?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut m1 = [0u8; 32];
        stream.read_exact(&mut m1)?;
        let mut m2 = CertifiedServerHello {
            share: public_share(&random_secret()),
            chain,
            signature: [0; SIGNATURE_LEN],
        };
        let unsigned =
            m2.encode().as_bytes()[..m2.encode().as_bytes().len() - SIGNATURE_LEN].to_vec();
        let signed =
            raw::transcript_signed_content(CERTIFIED_SERVER_CONTEXT, &sha256(&[&m1, &unsigned]))
                .expect("a short context");
        m2.signature = sign(&key(), signed.as_bytes());
        stream.write_all(m2.encode().as_bytes())?;
        // Wait for the client to give up (or to send message 3, wrongly):
        // whatever it sends now, it sent to a server it had not verified.
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
        Ok(rest.len())
    });
    let mut stream = connect(&impostor_address)?;
    refuses(
        "a server that shows the genuine chain but signed with another key",
        lesson15::client::connect(&mut stream, credentials, &pki.root, NOW, &server_name),
        "does not verify under the key",
    )?;
    drop(stream);
    // Refusing is not enough: as in 11.5, the client must check the server
    // (chain, then server_sig) before it signs and sends message 3.
    if let Ok(Ok(sent @ 1..)) = impostor.join() {
        return Err(fail(format!(
            "your client refused the impostor, but only after sending it {sent} bytes \
             (message 3: your chain and your signature) although its server_sig did not \
             verify: Lesson 15's client checks the server's chain and server_sig first, \
             and signs only then (the order of checks in lessons/15-specification.md)"
        )));
    }
    Ok(())
}

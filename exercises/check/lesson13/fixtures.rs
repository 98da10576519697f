//! Fixtures the Lesson 13 checks share: keys, names, the cast of the
//! attacks, alice's honest session, and the real server's log.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

pub(super) use crate::harness::{key, name};

use learn_mtls::handshake::Binding;
use learn_mtls::handshake::mutual;
use learn_mtls::keys::IdentityKey;
use learn_mtls::net::os_rng;
use learn_mtls::record::Session;
use learn_mtls::trust::{AuthorizedKey, AuthorizedKeys};
use learn_mtls::wire::{SERVER_HELLO_LEN, ServerHello};
use learn_mtls_exercises::lesson13::replay::Recorded;

use crate::harness::{Context, Result, fail};
use crate::processes::{Running, scratch_dir, write_keys};

pub(super) fn binding_name(binding: Binding) -> &'static str {
    match binding {
        Binding::InsecureLesson11 => "lesson11",
        Binding::Transcript => "transcript",
    }
}

/// The cast of the attacks: the server, alice (honest) and eve (an
/// insider), with key files in a scratch folder and an authorized list
/// naming alice and eve.
pub(super) struct Cast {
    pub(super) dir: std::path::PathBuf,
    pub(super) server: IdentityKey,
    pub(super) alice: IdentityKey,
    pub(super) eve: IdentityKey,
}

impl Cast {
    pub(super) fn new(label: &str) -> Result<Self> {
        let cast = Self {
            dir: scratch_dir(label)?,
            server: key(),
            alice: key(),
            eve: key(),
        };
        write_keys(&cast.dir, "server", &cast.server)?;
        let list = format!("{} alice\n{} eve\n", cast.alice.public(), cast.eve.public());
        std::fs::write(cast.dir.join("authorized_keys"), list).context("writing a key list")?;
        Ok(cast)
    }

    pub(super) fn policy(&self) -> AuthorizedKeys<Vec<AuthorizedKey>> {
        AuthorizedKeys::new(vec![
            AuthorizedKey::new(self.alice.public(), name("alice")),
            AuthorizedKey::new(self.eve.public(), name("eve")),
        ])
    }

    /// The real `11-mtls-server` with alice and eve on its list.
    pub(super) fn real_server(&self, binding: Binding) -> Result<(Running, String)> {
        let mut server = Running::start(
            "11-mtls-server",
            &[
                "--listen",
                "127.0.0.1:0",
                "--key",
                "server.key",
                "--authorized",
                "authorized_keys",
                "--binding",
                binding_name(binding),
            ],
            &self.dir,
        )?;
        let address = server.listening_address()?;
        Ok((server, address))
    }
}

impl Drop for Cast {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Alice's honest session over `stream`, with the library's client, as a
/// proxy on her path records it: the three messages and her records
/// (under transcript the empty key-confirmation record comes first).
pub(super) fn honest_session(
    stream: &mut TcpStream,
    alice: &IdentityKey,
    cast_server: &IdentityKey,
    binding: Binding,
) -> Result<Recorded> {
    let (client, hello) =
        mutual::Client::start(&mut os_rng(), alice, cast_server.public(), binding);
    let client_hello = hello.to_bytes();
    stream
        .write_all(&client_hello)
        .context("alice sending message 1")?;
    let mut server_hello = [0u8; SERVER_HELLO_LEN];
    stream
        .read_exact(&mut server_hello)
        .context("alice reading message 2")?;
    let (mut session, auth) = client
        .read_server_hello(&ServerHello::from_bytes(&server_hello))
        .context("alice checking message 2")?;
    let client_auth = auth.to_bytes();
    stream
        .write_all(&client_auth)
        .context("alice sending message 3")?;
    let mut client_records = Vec::new();
    if binding == Binding::Transcript {
        client_records.push(seal(&mut session, b"")?);
    }
    client_records.push(seal(&mut session, b"hello, it's alice")?);
    for record in &client_records {
        stream.write_all(record).context("alice sending a record")?;
    }
    Ok(Recorded {
        client_hello,
        server_hello,
        client_auth,
        client_records,
    })
}

pub(super) fn seal(session: &mut Session, plaintext: &[u8]) -> Result<Vec<u8>> {
    let mut record = vec![0u8; plaintext.len() + 64];
    let len = session.seal(plaintext, &mut record).context("sealing")?;
    record.truncate(len);
    Ok(record)
}

/// The real server's line about the connection from `local`.
pub(super) fn line_for(server: &mut Running, local: &str) -> Result<String> {
    for _ in 0..4 {
        let line = server.next_line(Duration::from_secs(10))?;
        if line.ends_with(&format!("from {local}"))
            || line.starts_with(&format!("rejected {local}:"))
        {
            return Ok(line);
        }
    }
    Err(fail(format!(
        "the real 11-mtls-server said nothing about the connection from {local}"
    )))
}

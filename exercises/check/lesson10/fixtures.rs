//! Fixtures the Lesson 10 checks share (and the later lessons' use):
//! the bindings, constants, a real handshake, and a loopback connection.

use std::net::TcpStream;
use std::time::Duration;

use learn_mtls::handshake::{Binding, server_only};
use learn_mtls::keys::IdentityKey;
use learn_mtls::net::os_rng;
use learn_mtls::raw::TrafficKeys;
use learn_mtls::record::Session;
use learn_mtls::wire::{ClientHello, ServerHello};
use learn_mtls_exercises::support::{public_share, sha256};

use crate::harness::{Context, Result, fail, random, same_bytes};

/// Both bindings, the one Lesson 10's binaries use by default first.
pub const BINDINGS: [Binding; 2] = [Binding::InsecureLesson11, Binding::Transcript];

/// 32 bytes from 64 hex digits (the checks' own constants).
pub fn h32(text: &str) -> [u8; 32] {
    learn_mtls::hex::decode_array(text).expect("a hex constant")
}

/// One record each way between a session of ours and the library's.
pub(super) fn exchange(mine: &mut Session, theirs: &mut Session, what: &str) -> Result {
    let mut buf = [0u8; 128];
    for (i, text) in [&b"ping"[..], b"second record"].iter().enumerate() {
        let len = theirs.seal(text, &mut buf).context("sealing")?;
        let opened = mine.open_in_place(&mut buf[..len]).map_err(|e| {
            fail(format!(
                "{what}: record {i} sealed by the real library did not open ({e})"
            ))
        })?;
        same_bytes("the opened record", &what, text, opened)?;
        let len = mine.seal(text, &mut buf).context("sealing")?;
        theirs.open_in_place(&mut buf[..len]).map_err(|e| {
            fail(format!(
                "{what}: the real library could not open record {i} sealed with your keys ({e})"
            ))
        })?;
    }
    Ok(())
}

/// A real Lesson 10 handshake from our side: the client's secret and
/// message 1, the server's session and message 2, and the transcript hash.
pub(super) struct RealHandshake {
    pub(super) secret: [u8; 32],
    pub(super) hello: ClientHello,
    pub(super) server_hello: ServerHello,
    pub(super) server: Session,
    pub(super) transcript_hash: Option<[u8; 32]>,
}

pub(super) fn real_handshake(binding: Binding) -> Result<RealHandshake> {
    let key = IdentityKey::generate(&mut os_rng());
    let secret = random::<32>();
    let hello = ClientHello {
        share: public_share(&secret),
    };
    let (server, server_hello) = server_only::Server::new(&key, binding)
        .read_client_hello(&mut os_rng(), &hello)
        .context("the real server")?;
    let transcript_hash = (binding == Binding::Transcript)
        .then(|| sha256(&[&hello.to_bytes(), &server_hello.to_bytes()]));
    Ok(RealHandshake {
        secret,
        hello,
        server_hello,
        server,
        transcript_hash,
    })
}

/// A loopback connection that gives up rather than hang a check.
pub fn connect(address: &str) -> Result<TcpStream> {
    let stream = TcpStream::connect(address).context(&format!("connecting to {address}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .context("setting a timeout")?;
    stream
        .set_write_timeout(Some(Duration::from_secs(10)))
        .context("setting a timeout")?;
    Ok(stream)
}

/// Random traffic keys (not from any handshake).
pub fn random_keys() -> TrafficKeys {
    TrafficKeys {
        client_write_key: random(),
        client_write_iv: random(),
        server_write_key: random(),
        server_write_iv: random(),
    }
}

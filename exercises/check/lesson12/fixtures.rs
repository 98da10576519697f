//! Fixtures the Lesson 12 checks share: published vectors, random inputs,
//! and a real handshake under the TLS 1.2 PRF schedule.

use learn_mtls::handshake::{Binding, Config, server_only};
use learn_mtls::keys::IdentityKey;
use learn_mtls::net::os_rng;
use learn_mtls::raw::{self, TrafficKeys};
use learn_mtls::record::Session;
use learn_mtls::schedule::KeySchedule;
use learn_mtls::tls12::{self, KeyBlockLayout};
use learn_mtls::wire::ClientHello;
use learn_mtls_exercises::support::{public_share, sha256};

use crate::harness::{Context, Result, below, fail, random};
use crate::lesson10::h32;

/// The TLS working group's P_SHA256 test vector (as used by many TLS
/// libraries): secret, seed, label "test label", 100 bytes of output.
pub(super) const WG_SECRET: &str = "9bbe436ba940f017b17652849a71db35";
pub(super) const WG_SEED: &str = "a0ba9f936cda311827a6f796ffd5198c";
pub(super) const WG_OUTPUT: &str = "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66";

pub(super) fn unhex(text: &str) -> Vec<u8> {
    learn_mtls::hex::decode_vec(text).expect("a hex constant")
}

pub(super) fn random_vec(max: usize) -> Vec<u8> {
    (0..below(max + 1)).map(|_| random::<1>()[0]).collect()
}

/// Output lengths worth trying: around the 32-byte block size, and random.
pub(super) fn lengths() -> Vec<usize> {
    let mut lengths = vec![0, 1, 12, 31, 32, 33, 48, 63, 64, 65, 100, 200];
    lengths.extend((0..20).map(|_| below(300)));
    lengths
}

/// Lesson 12's worked example: RFC 7748's shared secret, Alice's and Bob's shares.
pub(super) fn lesson_example() -> ([u8; 32], [u8; 32], [u8; 32]) {
    (
        h32("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"),
        h32("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"),
        h32("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"),
    )
}

/// A real Lesson 10 handshake under the TLS 1.2 PRF schedule: the server's
/// session, the shared secret, the shares and the session hash.
pub(super) struct Tls12Handshake {
    pub(super) server: Session,
    pub(super) shared: [u8; 32],
    pub(super) client_share: [u8; 32],
    pub(super) server_share: [u8; 32],
    pub(super) session_hash: Option<[u8; 32]>,
}

pub(super) fn real_handshake(binding: Binding) -> Result<Tls12Handshake> {
    let key = IdentityKey::generate(&mut os_rng());
    let secret = random::<32>();
    let hello = ClientHello {
        share: public_share(&secret),
    };
    let config = Config {
        binding,
        schedule: KeySchedule::Tls12Prf,
    };
    let (server, server_hello) = server_only::Server::new(&key, config)
        .read_client_hello(&mut os_rng(), &hello)
        .context("the real server")?;
    let shared = raw::shared_secret(&secret, &server_hello.share).context("the shared secret")?;
    let session_hash = (binding == Binding::Transcript)
        .then(|| sha256(&[&hello.to_bytes(), &server_hello.to_bytes()]));
    Ok(Tls12Handshake {
        server,
        shared: *shared,
        client_share: hello.share,
        server_share: server_hello.share,
        session_hash,
    })
}

/// The ChaCha20-Poly1305 traffic keys from a key block.
pub(super) fn chacha_keys(block: &tls12::KeyBlock) -> Result<TrafficKeys> {
    let array = |piece: &[u8]| -> Result<[u8; 32]> { piece.try_into().context("a 32-byte key") };
    let iv = |piece: &[u8]| -> Result<[u8; 12]> { piece.try_into().context("a 12-byte IV") };
    Ok(TrafficKeys {
        client_write_key: array(block.client_write_key())?,
        client_write_iv: iv(block.client_write_iv())?,
        server_write_key: array(block.server_write_key())?,
        server_write_iv: iv(block.server_write_iv())?,
    })
}

/// One record each way between a client session with `keys` and the real server.
pub(super) fn talk(keys: &TrafficKeys, server: &mut Session, what: &str) -> Result {
    let mut client = raw::client_session(keys);
    let mut buf = [0u8; 64];
    let len = server.seal(b"hello", &mut buf).context("sealing")?;
    client.open_in_place(&mut buf[..len]).map_err(|e| {
        fail(format!(
            "{what}: a record from the real server did not open ({e})"
        ))
    })?;
    let len = client.seal(b"hello", &mut buf).context("sealing")?;
    server.open_in_place(&mut buf[..len]).map_err(|e| {
        fail(format!(
            "{what}: the real server could not open your record ({e})"
        ))
    })?;
    Ok(())
}

pub(super) const LAYOUT: KeyBlockLayout = KeyBlockLayout::ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256;

//! Lesson 15 fixtures: a root CA, a server and a client certificate, and
//! the honest certified messages 2 and 3 the message targets mutate.

use std::sync::OnceLock;

use learn_mtls::cert::verify::{Chain, Root, Verifier};
use learn_mtls::cert::{Certificate, CertificateBody, Usage};
use learn_mtls::handshake::certified::{
    self, CertifiedClientAuth, CertifiedServerHello, ExpectClientAuth, ExpectServerHello,
};
use learn_mtls::keys::IdentityKey;
use learn_mtls::schedule::KeySchedule;
use learn_mtls::trust::ClientName;

use crate::{FixedRng, client_key, server_key};

/// The time every target verifies at (2026-11-28T09:00:00Z).
pub const NOW: u64 = 1_795_856_400;

fn ca_key() -> &'static IdentityKey {
    static KEY: OnceLock<IdentityKey> = OnceLock::new();
    KEY.get_or_init(|| IdentityKey::from_secret_bytes(&[b'C'; 32]))
}

fn issue(usage: Usage, name: &str, key: &IdentityKey, serial: u64) -> Certificate {
    CertificateBody {
        usage,
        name: ClientName::new(name).unwrap(),
        key: key.public(),
        serial,
        not_before: NOW - 86_400,
        not_after: NOW + 86_400,
        issuer: ca_key().public(),
    }
    .sign(ca_key())
    .unwrap()
}

/// The trust anchor.
pub fn root() -> &'static Root {
    static ROOT: OnceLock<Root> = OnceLock::new();
    ROOT.get_or_init(|| {
        Root::new(issue(Usage::Ca { path_len: 0 }, "root-ca", ca_key(), 1)).unwrap()
    })
}

/// The server's chain.
pub fn server_chain() -> &'static Chain {
    static CHAIN: OnceLock<Chain> = OnceLock::new();
    CHAIN.get_or_init(|| Chain::leaf(issue(Usage::Server, "api.internal", server_key(), 2)))
}

/// The client's chain.
pub fn client_chain() -> &'static Chain {
    static CHAIN: OnceLock<Chain> = OnceLock::new();
    CHAIN.get_or_init(|| Chain::leaf(issue(Usage::Client, "alice", client_key(), 3)))
}

/// A verifier at [`NOW`] without lists.
pub fn verifier() -> Verifier<'static> {
    Verifier::new(root(), NOW)
}

/// The client after message 1.
pub fn client_after_m1() -> (ExpectServerHello<'static>, learn_mtls::wire::ClientHello) {
    certified::Client::start(
        &mut FixedRng(1),
        client_key(),
        client_chain(),
        verifier(),
        ClientName::new("api.internal").unwrap(),
        KeySchedule::Hkdf,
    )
}

/// The server after message 2.
pub fn server_after_m1() -> (ExpectClientAuth, CertifiedServerHello) {
    let (_, hello) = client_after_m1();
    certified::Server::new(server_key(), server_chain(), KeySchedule::Hkdf)
        .read_client_hello(&mut FixedRng(2), &hello)
        .unwrap()
}

/// The honest message 2, encoded.
pub fn honest_m2() -> &'static [u8] {
    static M2: OnceLock<Vec<u8>> = OnceLock::new();
    M2.get_or_init(|| server_after_m1().1.encode().as_bytes().to_vec())
}

/// The honest message 3, encoded.
pub fn honest_m3() -> &'static [u8] {
    static M3: OnceLock<Vec<u8>> = OnceLock::new();
    M3.get_or_init(|| {
        let (client, _) = client_after_m1();
        let m2 = CertifiedServerHello::decode(honest_m2()).unwrap();
        let m3: CertifiedClientAuth = client.read_server_hello(&m2).unwrap().1;
        m3.encode().as_bytes().to_vec()
    })
}

/// `honest` with `data` XORed onto it; a first byte of 0xff in `data`
/// also cuts the message to the length in its second byte, so lengths are
/// explored too.
pub fn mutate_vec(honest: &[u8], data: &[u8]) -> Vec<u8> {
    let mut out = honest.to_vec();
    if let [0xff, len, ..] = data {
        out.truncate(usize::from(*len) * 4);
    }
    for (byte, change) in out.iter_mut().zip(data) {
        *byte ^= change;
    }
    out
}

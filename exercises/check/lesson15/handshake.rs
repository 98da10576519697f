//! A certified handshake in memory, one side by hand with a chain check of
//! yours, the other side the library's.

use learn_mtls::cert::verify::{self, CertError, Chain, Role, Root, VerifiedPeer, Verifier};
use learn_mtls::cert::{Certificate, Usage};
use learn_mtls::handshake::certified::{
    self, CERTIFIED_CLIENT_CONTEXT, CERTIFIED_SERVER_CONTEXT, CertifiedClientAuth,
    CertifiedServerHello,
};
use learn_mtls::keys::{IdentityKey, SIGNATURE_LEN};
use learn_mtls::net::os_rng;
use learn_mtls::raw;
use learn_mtls::schedule::KeySchedule;
use learn_mtls::trust::ClientName;
use learn_mtls::wire::ClientHello;
use learn_mtls_exercises::support::{public_share, random_secret, sha256, sign};

use crate::harness::{Context, Result, fail, same};

use super::fixtures::{NOW, at, body, describe, issue, key, name};
use super::walk::{LIBRARY, Walk, walk_with};

/// Who takes part: a root, an intermediate below it, a server certified by
/// the intermediate (a chain of two) and a client certified by the root
/// (a chain of one).
pub(super) struct Pki {
    pub(super) root_key: IdentityKey,
    pub(super) root: Root,
    pub(super) issuing_key: IdentityKey,
    pub(super) issuing: Certificate,
    pub(super) server_key: IdentityKey,
    pub(super) server_chain: Chain,
    pub(super) client_key: IdentityKey,
    pub(super) client_chain: Chain,
}

impl Pki {
    pub(super) fn new() -> Self {
        let (root_key, issuing_key, server_key, client_key) = (key(), key(), key(), key());
        let root = issue(
            body(
                Usage::Ca { path_len: 1 },
                "tillway-root",
                &root_key,
                1,
                &root_key,
            ),
            &root_key,
        );
        let issuing = issue(
            body(
                Usage::Ca { path_len: 0 },
                "tillway-issuing",
                &issuing_key,
                2,
                &root_key,
            ),
            &root_key,
        );
        let server = issue(
            body(Usage::Server, "api.tillway", &server_key, 7, &issuing_key),
            &issuing_key,
        );
        let client = issue(
            body(Usage::Client, "noor-bakery", &client_key, 3, &root_key),
            &root_key,
        );
        Self {
            root: Root::new(root).expect("the check's own root"),
            root_key,
            issuing_key,
            issuing,
            server_key,
            server_chain: Chain {
                leaf: server,
                intermediate: Some(issuing),
            },
            client_key,
            client_chain: Chain::leaf(client),
        }
    }

    pub(super) fn server_name() -> ClientName {
        name("api.tillway")
    }
}

/// What one handshake tried: the chain checked and the clock.
fn scene(side: &str, chain: &Chain, now: u64, crls: usize) -> String {
    let intermediate = chain
        .intermediate
        .as_ref()
        .map_or_else(|| "none".to_owned(), describe);
    format!(
        "a certified handshake in memory; {side}; leaf = {}; intermediate = {intermediate}; now = {}; {crls} revocation list(s)",
        describe(&chain.leaf),
        at(now)
    )
}

/// The library's server against a client written by hand (the
/// specification's "The certified handshake") whose check of the server's
/// chain is `walk`. `Ok(Err(e))`: the hand client refused with `e`.
fn hand_client(
    pki: &Pki,
    server_chain: &Chain,
    verifier: &Verifier<'_>,
    walk: Walk<'_>,
) -> Result<std::result::Result<VerifiedPeer, CertError>> {
    let secret = random_secret();
    let m1 = ClientHello {
        share: public_share(&secret),
    };
    let (server, m2) = certified::Server::new(&pki.server_key, server_chain, KeySchedule::Hkdf)
        .read_client_hello(&mut os_rng(), &m1)
        .context("the library's server reading message 1")?;
    let m2_bytes = m2.encode().as_bytes().to_vec();
    let m2 = CertifiedServerHello::decode(&m2_bytes).context("reading message 2")?;
    let peer = match walk(verifier, &m2.chain, Role::Server, Some(&Pki::server_name())) {
        Ok(peer) => peer,
        Err(e) => return Ok(Err(e)),
    };
    let unsigned = &m2_bytes[..m2_bytes.len() - SIGNATURE_LEN];
    let signed =
        raw::transcript_signed_content(CERTIFIED_SERVER_CONTEXT, &sha256(&[&m1.share, unsigned]))
            .expect("a short context");
    verify::check_handshake_signature(&m2.chain.leaf, signed.as_bytes(), &m2.signature)
        .context("the server's handshake signature")?;
    let shared = raw::shared_secret(&secret, &m2.share).context("the shared secret")?;

    let mut m3 = CertifiedClientAuth {
        chain: pki.client_chain,
        signature: [0; SIGNATURE_LEN],
    };
    let m3_unsigned =
        m3.encode().as_bytes()[..m3.encode().as_bytes().len() - SIGNATURE_LEN].to_vec();
    let signed = raw::transcript_signed_content(
        CERTIFIED_CLIENT_CONTEXT,
        &sha256(&[&m1.share, &m2_bytes, &m3_unsigned]),
    )
    .expect("a short context");
    m3.signature = sign(&pki.client_key, signed.as_bytes());
    let m3_bytes = m3.encode().as_bytes().to_vec();
    let server_verifier = Verifier::new(&pki.root, NOW);
    let pending = server
        .read_client_auth(&m3, &server_verifier)
        .context("the library's server reading the hand client's message 3")?;
    let keys = raw::traffic_keys(
        KeySchedule::Hkdf,
        &shared,
        &m1.share,
        &m2.share,
        Some(sha256(&[&m1.share, &m2_bytes, &m3_bytes])),
    );
    let mut session = raw::client_session(&keys);
    let mut record = [0u8; 64];
    let len = session.seal(b"ping", &mut record).context("sealing")?;
    let (_, first) = pending
        .confirm(&mut record[..len])
        .context("the library's server confirming the keys")?;
    if first != b"ping" {
        return Err(fail(
            "the library's server opened another first record (the check's fault)",
        ));
    }
    Ok(Ok(peer))
}

/// The library's client against a server written by hand whose check of
/// the client's chain is `walk`. `Ok(Err(e))`: the hand server refused.
fn hand_server(
    pki: &Pki,
    client_chain: &Chain,
    client_key: &IdentityKey,
    verifier: &Verifier<'_>,
    walk: Walk<'_>,
) -> Result<std::result::Result<VerifiedPeer, CertError>> {
    let client_verifier = Verifier::new(&pki.root, NOW);
    let (client, m1) = certified::Client::start(
        &mut os_rng(),
        client_key,
        client_chain,
        client_verifier,
        Pki::server_name(),
        KeySchedule::Hkdf,
    );
    let secret = random_secret();
    let mut m2 = CertifiedServerHello {
        share: public_share(&secret),
        chain: pki.server_chain,
        signature: [0; SIGNATURE_LEN],
    };
    let m2_unsigned =
        m2.encode().as_bytes()[..m2.encode().as_bytes().len() - SIGNATURE_LEN].to_vec();
    let signed = raw::transcript_signed_content(
        CERTIFIED_SERVER_CONTEXT,
        &sha256(&[&m1.share, &m2_unsigned]),
    )
    .expect("a short context");
    m2.signature = sign(&pki.server_key, signed.as_bytes());
    let m2_bytes = m2.encode().as_bytes().to_vec();
    let shared = raw::shared_secret(&secret, &m1.share).context("the shared secret")?;
    let (mut client_session, m3, _) = client
        .read_server_hello(&m2)
        .context("the library's client reading the hand server's message 2")?;
    let m3_bytes = m3.encode().as_bytes().to_vec();
    let m3 = CertifiedClientAuth::decode(&m3_bytes).context("reading message 3")?;
    let peer = match walk(verifier, &m3.chain, Role::Client, None) {
        Ok(peer) => peer,
        Err(e) => return Ok(Err(e)),
    };
    let unsigned = &m3_bytes[..m3_bytes.len() - SIGNATURE_LEN];
    let signed = raw::transcript_signed_content(
        CERTIFIED_CLIENT_CONTEXT,
        &sha256(&[&m1.share, &m2_bytes, unsigned]),
    )
    .expect("a short context");
    verify::check_handshake_signature(&m3.chain.leaf, signed.as_bytes(), &m3.signature)
        .context("the client's handshake signature")?;
    let keys = raw::traffic_keys(
        KeySchedule::Hkdf,
        &shared,
        &m1.share,
        &m2.share,
        Some(sha256(&[&m1.share, &m2_bytes, &m3_bytes])),
    );
    let mut server_session = raw::server_session(&keys);
    let mut record = [0u8; 64];
    let len = client_session
        .seal(b"pong", &mut record)
        .context("the library's client sealing")?;
    let opened = server_session
        .open_in_place(&mut record[..len])
        .context("opening the library client's first record")?;
    if opened != b"pong" {
        return Err(fail(
            "the first record opened to other bytes (the check's fault)",
        ));
    }
    Ok(Ok(peer))
}

/// One handshake where `walk` checks the chain, on the side `client_side`
/// says, compared with what the library's own walk decides.
pub(super) fn handshake_agrees(
    pki: &Pki,
    verifier: &Verifier<'_>,
    walk: Walk<'_>,
    client_side: bool,
    chain: &Chain,
    client_key: &IdentityKey,
) -> Result {
    let library: Walk<'_> = &|v, c, r, n| walk_with(LIBRARY, v, c, r, n);
    // The check's step-by-step walk must be the library's own.
    let (role, name) = if client_side {
        (Role::Server, Some(Pki::server_name()))
    } else {
        (Role::Client, None)
    };
    if library(verifier, chain, role, name.as_ref())
        != verifier.verify_chain(chain, role, name.as_ref())
    {
        return Err(fail(
            "the check's walk disagrees with Verifier::verify_chain (the check's fault, not yours)",
        ));
    }
    let (expected, got, side) = if client_side {
        (
            hand_client(pki, chain, verifier, library)?,
            hand_client(pki, chain, verifier, walk)?,
            "your check on the client, of the library server's chain",
        )
    } else {
        (
            hand_server(pki, chain, client_key, verifier, library)?,
            hand_server(pki, chain, client_key, verifier, walk)?,
            "your check on the server, of the library client's chain",
        )
    };
    same(
        "the handshake's outcome",
        &scene(side, chain, verifier.now, verifier.crls.len()),
        &expected,
        &got,
    )
}

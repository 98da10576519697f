//! The checks of Lesson 15's exercises: each piece of certificate
//! verification against the library's, then plugged into a certified
//! handshake with the library on the other side.

use std::fmt::Display;
use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

use learn_mtls::cert::crl::{CRL_CONTEXT, RevocationList};
use learn_mtls::cert::files::certificates_text;
use learn_mtls::cert::time::Rfc3339;
use learn_mtls::cert::verify::{
    self, CLOCK_SKEW_SECS, CertError, Chain, Role, Root, StaleCrl, VerifiedIssuer, VerifiedPeer,
    Verifier,
};
use learn_mtls::cert::{BODY_LEN, CERTIFICATE_CONTEXT, Certificate, CertificateBody, Usage};
use learn_mtls::handshake::certified::{
    self, CERTIFIED_CLIENT_CONTEXT, CERTIFIED_SERVER_CONTEXT, CertifiedClientAuth,
    CertifiedServerHello,
};
use learn_mtls::keys::{IdentityKey, PublicIdentity, SIGNATURE_LEN};
use learn_mtls::net::os_rng;
use learn_mtls::raw;
use learn_mtls::schedule::KeySchedule;
use learn_mtls::trust::ClientName;
use learn_mtls::wire::ClientHello;
use learn_mtls_exercises::lesson10::records::RecordLayer;
use learn_mtls_exercises::lesson15;
use learn_mtls_exercises::support::{public_share, random_secret, read_record, sha256, sign};

use crate::harness::{Context, Result, below, fail, hex, random, same, same_bytes};
use crate::lesson10::connect;
use crate::processes::{Running, scratch_dir, write_keys};

// ---------------------------------------------------------------------------
// Fixtures.

fn key() -> IdentityKey {
    IdentityKey::generate(&mut os_rng())
}

fn name(text: &str) -> ClientName {
    ClientName::new(text).expect("a valid name")
}

/// 2026-12-01T09:00:00Z, 2026-12-08T09:00:00Z: the lesson's window.
const NOT_BEFORE: u64 = 1_796_115_600;
const NOT_AFTER: u64 = 1_796_720_400;
/// 2026-12-03T09:00:00Z: inside it.
const NOW: u64 = 1_796_288_400;

/// A body with the lesson's window.
fn body(
    usage: Usage,
    text: &str,
    key: &IdentityKey,
    serial: u64,
    issuer: &IdentityKey,
) -> CertificateBody {
    CertificateBody {
        usage,
        name: name(text),
        key: key.public(),
        serial,
        not_before: NOT_BEFORE,
        not_after: NOT_AFTER,
        issuer: issuer.public(),
    }
}

/// Signs `body` with `signer` over `0x20 x 64 || context || 0x00 ||
/// SHA-256(body)`, whatever issuer the body names.
fn sign_as(body: &CertificateBody, signer: &IdentityKey, context: &[u8]) -> Certificate {
    let signed = raw::transcript_signed_content(context, &sha256(&[&body.to_bytes()]))
        .expect("a short context");
    Certificate {
        body: *body,
        signature: sign(signer, signed.as_bytes()),
    }
}

/// The genuine certificate: `body` signed by `issuer`.
fn issue(body: CertificateBody, issuer: &IdentityKey) -> Certificate {
    body.sign(issuer).expect("the check's own certificate")
}

/// A certificate in words, enough to rebuild it.
fn describe(cert: &Certificate) -> String {
    format!(
        "{cert}, key {}, issuer key {}",
        cert.body.key.fingerprint(),
        cert.body.issuer.fingerprint()
    )
}

/// `now` as a number and as a time.
fn at(now: u64) -> String {
    format!("{now} ({})", Rfc3339(now))
}

/// Runs the learner's `f`, turning a panic other than `todo!()` into a
/// failure that shows `input` (an overflow panics in a debug build).
fn guarded<T>(input: &dyn Display, f: impl FnOnce() -> T) -> Result<T> {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => Ok(value),
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            if message.starts_with("not yet implemented") {
                panic::resume_unwind(payload);
            }
            Err(fail(format!(
                "your code panicked on this input (an overflow? saturating_add and saturating_sub stop at the ends of u64)\n  input:    {input}"
            )))
        }
    }
}

/// A random u64 near one of the interesting places: 0, `u64::MAX`, the
/// skew, or anywhere.
fn interesting_u64() -> u64 {
    let near = [
        0,
        CLOCK_SKEW_SECS,
        u64::MAX,
        u64::MAX - CLOCK_SKEW_SECS,
        NOT_BEFORE,
        NOT_AFTER,
        u64::from_le_bytes(random()),
    ][below(7)];
    let delta = below(4) as u64;
    if random::<1>()[0] & 1 == 0 {
        near.saturating_add(delta)
    } else {
        near.saturating_sub(delta)
    }
}

// ---------------------------------------------------------------------------
// The walk, piece by piece: the library's, with any piece replaced by yours.

type IssuerSignature = fn(&Certificate, &PublicIdentity) -> std::result::Result<(), CertError>;
type Validity = fn(&Certificate, u64) -> std::result::Result<(), CertError>;
type CrlCheck =
    fn(&RevocationList<'_>, &PublicIdentity, u64, StaleCrl) -> std::result::Result<(), CertError>;
type NotRevoked = fn(&Certificate, &RevocationList<'_>) -> std::result::Result<(), CertError>;

/// The four pieces the exercises write; [`LIBRARY`] has the library's.
#[derive(Clone, Copy)]
struct Pieces {
    issuer_signature: IssuerSignature,
    validity: Validity,
    crl: CrlCheck,
    not_revoked: NotRevoked,
}

const LIBRARY: Pieces = Pieces {
    issuer_signature: verify::check_issuer_signature,
    validity: verify::check_validity,
    crl: verify::check_crl,
    not_revoked: verify::check_not_revoked,
};

/// A chain check as a handshake uses it.
type Walk<'w> = &'w dyn Fn(
    &Verifier<'_>,
    &Chain,
    Role,
    Option<&ClientName>,
) -> std::result::Result<VerifiedPeer, CertError>;

/// `Verifier::verify_chain`, step for step (the specification's
/// "Verification"), with `pieces` doing four of the steps.
fn walk_with(
    pieces: Pieces,
    verifier: &Verifier<'_>,
    chain: &Chain,
    role: Role,
    expected_name: Option<&ClientName>,
) -> std::result::Result<VerifiedPeer, CertError> {
    let root = verifier.root.certificate();
    (pieces.validity)(root, verifier.now)?;
    let mut issuer = root;
    let mut cas_below = u8::from(chain.intermediate.is_some());
    for cert in chain.intermediate.iter().chain([&chain.leaf]) {
        (pieces.issuer_signature)(cert, &issuer.body.key)?;
        verify::check_may_issue(issuer, cas_below)?;
        (pieces.validity)(cert, verifier.now)?;
        let list = verifier
            .crls
            .iter()
            .filter(|crl| crl.issuer == issuer.body.key)
            .max_by_key(|crl| crl.this_update);
        match list {
            Some(crl) => {
                (pieces.crl)(crl, &issuer.body.key, verifier.now, verifier.stale)?;
                (pieces.not_revoked)(cert, crl)?;
            }
            None if !verifier.crls.is_empty() => {
                return Err(CertError::NoCrl {
                    issuer: issuer.body.key.fingerprint(),
                });
            }
            None => {}
        }
        issuer = cert;
        cas_below = cas_below.saturating_sub(1);
    }
    verify::check_usage(&chain.leaf, role)?;
    if let Some(expected) = expected_name {
        verify::check_name(&chain.leaf, expected)?;
    }
    Ok(VerifiedPeer {
        name: chain.leaf.body.name,
        serial: chain.leaf.body.serial,
        key: chain.leaf.body.key,
        not_after: chain.leaf.body.not_after,
        issuer: chain.leaf.body.issuer,
        intermediate: chain.intermediate.map(|cert| VerifiedIssuer {
            name: cert.body.name,
            serial: cert.body.serial,
            not_after: cert.body.not_after,
            issuer: cert.body.issuer,
        }),
    })
}

// ---------------------------------------------------------------------------
// A certified handshake in memory, one side by hand with a chain check of
// yours, the other side the library's.

/// Who takes part: a root, an intermediate below it, a server certified by
/// the intermediate (a chain of two) and a client certified by the root
/// (a chain of one).
struct Pki {
    root_key: IdentityKey,
    root: Root,
    issuing_key: IdentityKey,
    issuing: Certificate,
    server_key: IdentityKey,
    server_chain: Chain,
    client_key: IdentityKey,
    client_chain: Chain,
}

impl Pki {
    fn new() -> Self {
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

    fn server_name() -> ClientName {
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
fn handshake_agrees(
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

// ---------------------------------------------------------------------------
// 15.1

fn agree_issuer_signature(label: &str, cert: &Certificate, issuer: &PublicIdentity) -> Result {
    let input = format!(
        "{label}: certificate = {}, bytes {}; issuer = {}",
        describe(cert),
        hex(&cert.to_bytes()),
        issuer.fingerprint()
    );
    let got = guarded(&input, || {
        lesson15::issuer_signature::check_issuer_signature(cert, issuer)
    })?;
    same(
        "check_issuer_signature's answer",
        &input,
        &verify::check_issuer_signature(cert, issuer),
        &got,
    )
}

/// `signature` with the group order added to S: the same signature in a
/// non-canonical encoding, which strict verification refuses.
fn with_non_canonical_s(signature: &[u8; SIGNATURE_LEN]) -> [u8; SIGNATURE_LEN] {
    const ORDER: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut out = *signature;
    let mut carry = 0u16;
    for (byte, add) in out[32..].iter_mut().zip(ORDER) {
        let sum = u16::from(*byte) + u16::from(add) + carry;
        *byte = sum as u8;
        carry = sum >> 8;
    }
    out
}

/// 15.1: the issuer's signature.
pub fn issuer_signature() -> Result {
    let ca = IdentityKey::from_secret_bytes(&[b'C'; 32]);
    let alice = IdentityKey::from_secret_bytes(&[b'A'; 32]);
    let mallory = IdentityKey::from_secret_bytes(&[b'M'; 32]);
    let genuine = issue(body(Usage::Client, "alice", &alice, 3, &ca), &ca);
    agree_issuer_signature("a genuine certificate", &genuine, &ca.public())?;

    let mut cases: Vec<(String, Certificate, PublicIdentity)> = Vec::new();
    let mut add_cases = |ca: &IdentityKey, alice: &IdentityKey, mallory: &IdentityKey| {
        let leaf_body = body(Usage::Client, "alice", alice, 3, ca);
        let genuine = issue(leaf_body, ca);
        let root = issue(
            body(Usage::Ca { path_len: 0 }, "tillway-root", ca, 1, ca),
            ca,
        );
        cases.push(("a genuine certificate".into(), genuine, ca.public()));
        cases.push((
            "a self-signed root, with its own key".into(),
            root,
            ca.public(),
        ));
        cases.push((
            "a genuine certificate, asked about another issuer".into(),
            genuine,
            mallory.public(),
        ));
        cases.push((
            "a self-signed root, asked about another key".into(),
            root,
            alice.public(),
        ));
        // Signed by mallory while naming the CA: matched by key, it is the CA's
        // signature that must verify; asked about mallory, the issuer is unknown.
        let named_ca = sign_as(&leaf_body, mallory, CERTIFICATE_CONTEXT);
        cases.push((
            "names the CA as issuer, signed by mallory".into(),
            named_ca,
            ca.public(),
        ));
        cases.push((
            "names the CA as issuer, signed by mallory, asked about mallory".into(),
            named_ca,
            mallory.public(),
        ));
        // Mallory's own certificate for "alice": genuine, from the wrong issuer.
        let own = issue(body(Usage::Client, "alice", mallory, 3, mallory), mallory);
        cases.push((
            "mallory's self-made certificate for alice".into(),
            own,
            ca.public(),
        ));
        // The right key over the wrong bytes.
        let wrong: [(&str, Vec<u8>); 6] = [
            ("the body itself, unwrapped", leaf_body.to_bytes().to_vec()),
            (
                "SHA-256 of the body, unwrapped",
                sha256(&[&leaf_body.to_bytes()]).to_vec(),
            ),
            (
                "the revocation list context",
                wrapped(&[0x20; 64], CRL_CONTEXT, &[0], &leaf_body.to_bytes()),
            ),
            (
                "the certified handshake's client context",
                wrapped(
                    &[0x20; 64],
                    CERTIFIED_CLIENT_CONTEXT,
                    &[0],
                    &leaf_body.to_bytes(),
                ),
            ),
            (
                "32 spaces instead of 64",
                wrapped(
                    &[0x20; 32],
                    CERTIFICATE_CONTEXT,
                    &[0],
                    &leaf_body.to_bytes(),
                ),
            ),
            (
                "no zero byte after the context",
                wrapped(&[0x20; 64], CERTIFICATE_CONTEXT, &[], &leaf_body.to_bytes()),
            ),
        ];
        for (what, message) in wrong {
            let cert = Certificate {
                body: leaf_body,
                signature: sign(ca, &message),
            };
            cases.push((format!("signed by the CA over {what}"), cert, ca.public()));
        }
        // Changed after signing.
        let mut changed = Vec::new();
        let mut b = leaf_body;
        b.serial ^= 1;
        changed.push(("the serial", b));
        let mut b = leaf_body;
        b.not_after += 1;
        changed.push(("not_after", b));
        let mut b = leaf_body;
        b.not_before -= 1;
        changed.push(("not_before", b));
        let mut b = leaf_body;
        b.name = name("alicf");
        changed.push(("the name", b));
        let mut b = leaf_body;
        b.usage = Usage::Server;
        changed.push(("the usage", b));
        let mut b = leaf_body;
        b.key = mallory.public();
        changed.push(("the subject key", b));
        for (what, body) in changed {
            let cert = Certificate {
                body,
                signature: genuine.signature,
            };
            cases.push((format!("{what} changed after signing"), cert, ca.public()));
        }
        let mut cert = genuine;
        cert.signature = with_non_canonical_s(&genuine.signature);
        cases.push((
            "the signature's S made non-canonical (S + L)".into(),
            cert,
            ca.public(),
        ));
        for _ in 0..8 {
            let mut cert = genuine;
            let at = below(SIGNATURE_LEN);
            cert.signature[at] ^= 1 << below(8);
            cases.push((format!("signature byte {at} changed"), cert, ca.public()));
        }
    };
    add_cases(&ca, &alice, &mallory);
    for _ in 0..12 {
        add_cases(&key(), &key(), &key());
    }
    for (label, cert, issuer) in &cases {
        agree_issuer_signature(label, cert, issuer)?;
    }

    // Plugged into certified handshakes: your check in the library's walk.
    let mine = Pieces {
        issuer_signature: lesson15::issuer_signature::check_issuer_signature,
        ..LIBRARY
    };
    let walk: Walk<'_> = &|v, c, r, n| walk_with(mine, v, c, r, n);
    let pki = Pki::new();
    let verifier = Verifier::new(&pki.root, NOW);
    handshake_agrees(
        &pki,
        &verifier,
        walk,
        true,
        &pki.server_chain,
        &pki.client_key,
    )?;
    handshake_agrees(
        &pki,
        &verifier,
        walk,
        false,
        &pki.client_chain,
        &pki.client_key,
    )?;
    // A server certified by another CA, and one whose leaf changed in flight.
    let other = Pki::new();
    handshake_agrees(
        &pki,
        &verifier,
        walk,
        true,
        &other.server_chain,
        &pki.client_key,
    )?;
    let mut altered = pki.server_chain;
    altered.leaf.body.serial += 1;
    handshake_agrees(&pki, &verifier, walk, true, &altered, &pki.client_key)?;
    // A client whose certificate names our root but was signed by itself.
    let mut forged = pki.client_chain;
    forged.leaf = sign_as(&forged.leaf.body, &pki.client_key, CERTIFICATE_CONTEXT);
    handshake_agrees(&pki, &verifier, walk, false, &forged, &pki.client_key)?;
    Ok(())
}

/// `spaces || context || separator || SHA-256(body)`.
fn wrapped(spaces: &[u8], context: &[u8], separator: &[u8], body: &[u8; BODY_LEN]) -> Vec<u8> {
    [spaces, context, separator, &sha256(&[body])].concat()
}

// ---------------------------------------------------------------------------
// 15.2

fn agree_validity(cert: &Certificate, now: u64) -> Result {
    let input = format!(
        "not_before = {}, not_after = {}, now = {}",
        at(cert.body.not_before),
        at(cert.body.not_after),
        at(now)
    );
    let got = guarded(&input, || lesson15::validity::check_validity(cert, now))?;
    same(
        "check_validity's answer",
        &input,
        &verify::check_validity(cert, now),
        &got,
    )
}

/// A certificate valid from `not_before` to `not_after`.
fn windowed(not_before: u64, not_after: u64) -> Certificate {
    let ca = IdentityKey::from_secret_bytes(&[b'C'; 32]);
    let alice = IdentityKey::from_secret_bytes(&[b'A'; 32]);
    let mut b = body(Usage::Client, "alice", &alice, 3, &ca);
    b.not_before = not_before;
    b.not_after = not_after;
    issue(b, &ca)
}

/// 15.2: the validity window, with the skew.
pub fn validity() -> Result {
    let lesson = windowed(NOT_BEFORE, NOT_AFTER);
    agree_validity(&lesson, NOW)?;
    let skew = CLOCK_SKEW_SECS;
    // The four edges of the widened window, to the second.
    for now in [
        0,
        NOT_BEFORE - skew - 1,
        NOT_BEFORE - skew,
        NOT_BEFORE - 1,
        NOT_BEFORE,
        NOW,
        NOT_AFTER,
        NOT_AFTER + 1,
        NOT_AFTER + skew,
        NOT_AFTER + skew + 1,
        u64::MAX,
    ] {
        agree_validity(&lesson, now)?;
    }
    // The ends of u64: no sum may overflow.
    let edges = [
        0,
        1,
        skew - 1,
        skew,
        skew + 1,
        u64::MAX - skew - 1,
        u64::MAX - skew,
        u64::MAX - skew + 1,
        u64::MAX - 1,
        u64::MAX,
    ];
    for (i, &not_before) in edges.iter().enumerate() {
        for &not_after in &edges[i..] {
            let cert = windowed(not_before, not_after);
            for now in edges {
                agree_validity(&cert, now)?;
            }
        }
    }
    // Anywhere.
    for _ in 0..300 {
        let (a, b) = (interesting_u64(), interesting_u64());
        let cert = windowed(a.min(b), a.max(b));
        agree_validity(&cert, interesting_u64())?;
    }

    // Plugged into certified handshakes: your window check in the library's
    // walk, on both sides, for the root, the intermediate and the leaf.
    let mine = Pieces {
        validity: lesson15::validity::check_validity,
        ..LIBRARY
    };
    let walk: Walk<'_> = &|v, c, r, n| walk_with(mine, v, c, r, n);
    let pki = Pki::new();
    for now in [
        NOW,
        NOT_BEFORE - skew - 1,
        NOT_BEFORE - skew,
        NOT_AFTER + skew,
        NOT_AFTER + skew + 1,
    ] {
        let verifier = Verifier::new(&pki.root, now);
        handshake_agrees(
            &pki,
            &verifier,
            walk,
            true,
            &pki.server_chain,
            &pki.client_key,
        )?;
        handshake_agrees(
            &pki,
            &verifier,
            walk,
            false,
            &pki.client_chain,
            &pki.client_key,
        )?;
    }
    // The client's certificate expired yesterday; the server's intermediate
    // is not valid until tomorrow.
    let verifier = Verifier::new(&pki.root, NOW);
    let mut expired = pki.client_chain;
    let mut b = expired.leaf.body;
    b.not_after = NOW - 86_400;
    b.not_before = NOW - 2 * 86_400;
    expired.leaf = issue(b, &pki.root_key);
    handshake_agrees(&pki, &verifier, walk, false, &expired, &pki.client_key)?;
    let mut early = pki.server_chain;
    let mut b = pki.issuing.body;
    b.not_before = NOW + 86_400;
    early.intermediate = Some(issue(b, &pki.root_key));
    handshake_agrees(&pki, &verifier, walk, true, &early, &pki.client_key)
}

// ---------------------------------------------------------------------------
// 15.3

/// What can go wrong with a chain, one thing each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    RootExpired,
    RootNotYetValid,
    RootPathLenZero,
    NoIntermediate,
    IntermediateFromAnotherCa,
    IntermediateAltered,
    IntermediateIsServer,
    IntermediateIsClient,
    IntermediatePathLenFive,
    IntermediateExpired,
    IntermediateNotYetValid,
    IntermediateMissingFromChain,
    LeafSignedByRoot,
    LeafFromAnotherCa,
    LeafAltered,
    LeafExpired,
    LeafNotYetValid,
    LeafJustInsideSkew,
    LeafIsCa,
    WrongRole,
    WrongName,
    NoExpectedName,
}

const FAULTS: [Fault; 22] = [
    Fault::RootExpired,
    Fault::RootNotYetValid,
    Fault::RootPathLenZero,
    Fault::NoIntermediate,
    Fault::IntermediateFromAnotherCa,
    Fault::IntermediateAltered,
    Fault::IntermediateIsServer,
    Fault::IntermediateIsClient,
    Fault::IntermediatePathLenFive,
    Fault::IntermediateExpired,
    Fault::IntermediateNotYetValid,
    Fault::IntermediateMissingFromChain,
    Fault::LeafSignedByRoot,
    Fault::LeafFromAnotherCa,
    Fault::LeafAltered,
    Fault::LeafExpired,
    Fault::LeafNotYetValid,
    Fault::LeafJustInsideSkew,
    Fault::LeafIsCa,
    Fault::WrongRole,
    Fault::WrongName,
    Fault::NoExpectedName,
];

/// A chain to check: the root, the chain, the clock, the role, the name.
struct ChainCase {
    label: String,
    root: Root,
    chain: Chain,
    now: u64,
    role: Role,
    expected_name: Option<ClientName>,
}

impl Display for ChainCase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let intermediate = self
            .chain
            .intermediate
            .as_ref()
            .map_or_else(|| "none".to_owned(), describe);
        write!(
            f,
            "{}\n    root = {}\n    intermediate = {intermediate}\n    leaf = {}\n    now = {}, role = {}, expected name = {:?}",
            self.label,
            describe(self.root.certificate()),
            describe(&self.chain.leaf),
            at(self.now),
            self.role,
            self.expected_name.as_ref().map(ClientName::as_str)
        )
    }
}

/// A chain root → intermediate → leaf for `role`, with `faults`.
fn chain_case(role: Role, faults: &[Fault]) -> ChainCase {
    let has = |f| faults.contains(&f);
    let (root_key, int_key, leaf_key, other) = (key(), key(), key(), key());
    let mut root_body = body(
        Usage::Ca { path_len: 1 },
        "tillway-root",
        &root_key,
        1,
        &root_key,
    );
    let mut int_body = body(
        Usage::Ca { path_len: 0 },
        "tillway-issuing",
        &int_key,
        2,
        &root_key,
    );
    let (usage, leaf_name) = match role {
        Role::Client => (Usage::Client, "noor-bakery"),
        Role::Server => (Usage::Server, "api.tillway"),
    };
    let mut leaf_body = body(usage, leaf_name, &leaf_key, 9, &int_key);
    let (mut int_signer, mut leaf_signer) = (&root_key, &int_key);
    let mut expected_name = (role == Role::Server).then(|| name(leaf_name));
    let mut role = role;
    let past = |b: &mut CertificateBody| {
        b.not_before = NOW - 10 * 86_400;
        b.not_after = NOW - 86_400;
    };
    let future = |b: &mut CertificateBody| {
        b.not_before = NOW + 86_400;
        b.not_after = NOW + 10 * 86_400;
    };

    if has(Fault::RootExpired) {
        past(&mut root_body);
    }
    if has(Fault::RootNotYetValid) {
        future(&mut root_body);
    }
    if has(Fault::RootPathLenZero) {
        root_body.usage = Usage::Ca { path_len: 0 };
    }
    if has(Fault::IntermediateFromAnotherCa) {
        int_body.issuer = other.public();
        int_signer = &other;
    }
    if has(Fault::IntermediateIsServer) {
        int_body.usage = Usage::Server;
    }
    if has(Fault::IntermediateIsClient) {
        int_body.usage = Usage::Client;
    }
    if has(Fault::IntermediatePathLenFive) {
        int_body.usage = Usage::Ca { path_len: 5 };
    }
    if has(Fault::IntermediateExpired) {
        past(&mut int_body);
    }
    if has(Fault::IntermediateNotYetValid) {
        future(&mut int_body);
    }
    if has(Fault::LeafSignedByRoot) || has(Fault::NoIntermediate) {
        leaf_body.issuer = root_key.public();
        leaf_signer = &root_key;
    }
    if has(Fault::LeafFromAnotherCa) {
        leaf_body.issuer = other.public();
        leaf_signer = &other;
    }
    if has(Fault::LeafExpired) {
        past(&mut leaf_body);
    }
    if has(Fault::LeafNotYetValid) {
        future(&mut leaf_body);
    }
    if has(Fault::LeafJustInsideSkew) {
        leaf_body.not_after = NOW - CLOCK_SKEW_SECS;
        leaf_body.not_before = NOW - 86_400;
    }
    if has(Fault::LeafIsCa) {
        leaf_body.usage = Usage::Ca { path_len: 0 };
    }
    if has(Fault::WrongRole) {
        role = match role {
            Role::Client => Role::Server,
            Role::Server => Role::Client,
        };
    }
    if has(Fault::WrongName) {
        expected_name = Some(name("api.tillwax"));
    }
    if has(Fault::NoExpectedName) {
        expected_name = None;
    }

    let root = Root::new(issue(root_body, &root_key)).expect("the check's own root");
    let mut intermediate = sign_as(&int_body, int_signer, CERTIFICATE_CONTEXT);
    if has(Fault::IntermediateAltered) {
        intermediate.body.serial += 1;
    }
    let mut leaf = sign_as(&leaf_body, leaf_signer, CERTIFICATE_CONTEXT);
    if has(Fault::LeafAltered) {
        leaf.body.not_after += 1;
    }
    let intermediate = (!has(Fault::NoIntermediate) && !has(Fault::IntermediateMissingFromChain))
        .then_some(intermediate);
    ChainCase {
        label: format!("faults: {faults:?}"),
        root,
        chain: Chain { leaf, intermediate },
        now: NOW,
        role,
        expected_name,
    }
}

fn agree_chain(case: &ChainCase) -> Result {
    let expected = Verifier::new(&case.root, case.now).verify_chain(
        &case.chain,
        case.role,
        case.expected_name.as_ref(),
    );
    let got = guarded(case, || {
        lesson15::chain::verify_chain(
            &case.root,
            case.now,
            &case.chain,
            case.role,
            case.expected_name.as_ref(),
        )
    })?;
    same("verify_chain's answer", case, &expected, &got)
}

/// 15.3: the chain walk.
pub fn chain() -> Result {
    // The simplest chain first: a client certified by the root itself.
    agree_chain(&chain_case(Role::Client, &[Fault::NoIntermediate]))?;
    for role in [Role::Client, Role::Server] {
        agree_chain(&chain_case(role, &[]))?;
        for fault in FAULTS {
            agree_chain(&chain_case(role, &[fault]))?;
        }
    }
    // Two faults at once: which one is reported first is part of the rules.
    for (i, &a) in FAULTS.iter().enumerate() {
        for &b in &FAULTS[i + 1..] {
            let role = [Role::Client, Role::Server][below(2)];
            agree_chain(&chain_case(role, &[a, b]))?;
        }
    }
    for _ in 0..60 {
        let role = [Role::Client, Role::Server][below(2)];
        let faults: Vec<Fault> = (0..1 + below(4))
            .map(|_| FAULTS[below(FAULTS.len())])
            .collect();
        agree_chain(&chain_case(role, &faults))?;
    }
    // Skew at the edges, on each certificate of the chain.
    for now in [
        NOT_BEFORE - CLOCK_SKEW_SECS - 1,
        NOT_BEFORE - CLOCK_SKEW_SECS,
        NOT_AFTER + CLOCK_SKEW_SECS,
        NOT_AFTER + CLOCK_SKEW_SECS + 1,
    ] {
        let mut case = chain_case(Role::Server, &[]);
        case.now = now;
        agree_chain(&case)?;
    }

    // Plugged into certified handshakes: your walk decides, on the client
    // (the server's chain of two) and on the server (the client's chain of one).
    let walk: Walk<'_> = &|v, c, r, n| lesson15::chain::verify_chain(v.root, v.now, c, r, n);
    let pki = Pki::new();
    let verifier = Verifier::new(&pki.root, NOW);
    handshake_agrees(
        &pki,
        &verifier,
        walk,
        true,
        &pki.server_chain,
        &pki.client_key,
    )?;
    handshake_agrees(
        &pki,
        &verifier,
        walk,
        false,
        &pki.client_chain,
        &pki.client_key,
    )?;
    // A server certificate for another name.
    let mut renamed = pki.server_chain;
    let mut b = renamed.leaf.body;
    b.name = name("shop.tillway");
    renamed.leaf = issue(b, &pki.issuing_key);
    handshake_agrees(&pki, &verifier, walk, true, &renamed, &pki.client_key)?;
    // A client logging in with a server certificate for its own key.
    let mut b = pki.client_chain.leaf.body;
    b.usage = Usage::Server;
    let as_server = Chain::leaf(issue(b, &pki.root_key));
    handshake_agrees(&pki, &verifier, walk, false, &as_server, &pki.client_key)?;
    // A client certified by the intermediate: a chain of two on the server.
    let mut b = pki.client_chain.leaf.body;
    b.issuer = pki.issuing_key.public();
    let below_issuing = Chain {
        leaf: issue(b, &pki.issuing_key),
        intermediate: Some(pki.issuing),
    };
    handshake_agrees(
        &pki,
        &verifier,
        walk,
        false,
        &below_issuing,
        &pki.client_key,
    )?;
    // The same root key, but a root that allows no CA below it.
    let strict_root = Root::new(issue(
        body(
            Usage::Ca { path_len: 0 },
            "tillway-root",
            &pki.root_key,
            1,
            &pki.root_key,
        ),
        &pki.root_key,
    ))
    .expect("the check's own root");
    let strict = Verifier::new(&strict_root, NOW);
    handshake_agrees(
        &pki,
        &strict,
        walk,
        true,
        &pki.server_chain,
        &pki.client_key,
    )
}

// ---------------------------------------------------------------------------
// 15.4

/// A list signed by `signer` (whatever issuer it names), with its bytes.
fn crl_bytes(signer: &IdentityKey, window: (u64, u64), serials: &[u64]) -> Vec<u8> {
    let mut out = vec![0u8; 51 + 8 * serials.len() + SIGNATURE_LEN];
    let len =
        RevocationList::sign_into(signer, window, serials, &mut out).expect("the check's own list");
    out.truncate(len);
    out
}

/// `bytes` with the issuer field set to `issuer` and signed again by
/// `signer` under `context`.
fn resigned(
    bytes: &[u8],
    issuer: &PublicIdentity,
    signer: &IdentityKey,
    context: &[u8],
) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[1..33].copy_from_slice(issuer.as_bytes());
    let signed_len = out.len() - SIGNATURE_LEN;
    let signed = raw::transcript_signed_content(context, &sha256(&[&out[..signed_len]]))
        .expect("a short context");
    let signature = sign(signer, signed.as_bytes());
    out[signed_len..].copy_from_slice(&signature);
    out
}

fn describe_crl(crl: &RevocationList<'_>) -> String {
    let serials: Vec<u64> = crl.serials().take(8).collect();
    let more = if crl.len() > 8 { ", ..." } else { "" };
    format!(
        "list by {}, this_update = {}, next_update = {}, serials {serials:?}{more} ({} in all)",
        crl.issuer.fingerprint(),
        at(crl.this_update),
        at(crl.next_update),
        crl.len()
    )
}

fn agree_crl(
    label: &str,
    bytes: &[u8],
    issuer: &PublicIdentity,
    now: u64,
    stale: StaleCrl,
) -> Result {
    let crl = RevocationList::from_bytes(bytes).context("the check's own list")?;
    let input = format!(
        "{label}: {}; bytes {}; asked about issuer {}, now = {}, {stale:?}",
        describe_crl(&crl),
        hex(bytes),
        issuer.fingerprint(),
        at(now)
    );
    let got = guarded(&input, || {
        lesson15::crl::check_crl(&crl, issuer, now, stale)
    })?;
    same(
        "check_crl's answer",
        &input,
        &verify::check_crl(&crl, issuer, now, stale),
        &got,
    )
}

fn agree_not_revoked(cert: &Certificate, bytes: &[u8]) -> Result {
    let crl = RevocationList::from_bytes(bytes).context("the check's own list")?;
    let input = format!("serial {} against {}", cert.body.serial, describe_crl(&crl));
    let got = guarded(&input, || lesson15::crl::check_not_revoked(cert, &crl))?;
    same(
        "check_not_revoked's answer",
        &input,
        &verify::check_not_revoked(cert, &crl),
        &got,
    )
}

fn with_serial(serial: u64) -> Certificate {
    let ca = IdentityKey::from_secret_bytes(&[b'C'; 32]);
    let alice = IdentityKey::from_secret_bytes(&[b'A'; 32]);
    issue(body(Usage::Client, "alice", &alice, serial, &ca), &ca)
}

/// Up to `n` distinct serials, ascending, around `near`.
fn serials_near(near: &[u64], n: usize) -> Vec<u64> {
    let mut serials: Vec<u64> = (0..n)
        .map(|_| {
            let base = near[below(near.len())];
            base.wrapping_add(below(16) as u64).wrapping_sub(8)
        })
        .collect();
    serials.sort_unstable();
    serials.dedup();
    serials
}

/// 15.4: the revocation list and the serial lookup.
pub fn crl() -> Result {
    let ca = IdentityKey::from_secret_bytes(&[b'C'; 32]);
    let mallory = IdentityKey::from_secret_bytes(&[b'M'; 32]);
    let (this_update, next_update) = (NOW - 86_400, NOW + 6 * 86_400);
    let fresh = crl_bytes(&ca, (this_update, next_update), &[3, 17, 40]);
    agree_crl("a fresh list", &fresh, &ca.public(), NOW, StaleCrl::Refuse)?;
    agree_not_revoked(&with_serial(3), &fresh)?;

    let another_ca = key();
    for ca in [&ca, &another_ca] {
        let fresh = crl_bytes(ca, (this_update, next_update), &[3, 17, 40]);
        let mut cases: Vec<(String, Vec<u8>)> = vec![
            ("the CA's list revoking 3, 17 and 40".into(), fresh.clone()),
            (
                "an empty list".into(),
                crl_bytes(ca, (this_update, next_update), &[]),
            ),
            (
                "a list signed by mallory".into(),
                crl_bytes(&mallory, (this_update, next_update), &[3]),
            ),
            (
                "names the CA, signed by mallory".into(),
                resigned(&fresh, &ca.public(), &mallory, CRL_CONTEXT),
            ),
            (
                "signed by the CA under the certificate context".into(),
                resigned(&fresh, &ca.public(), ca, CERTIFICATE_CONTEXT),
            ),
        ];
        let mut later = fresh.clone();
        later[41..49].copy_from_slice(&(next_update + 86_400).to_be_bytes());
        cases.push(("next_update moved after signing".into(), later));
        let mut dropped = fresh.clone();
        let last = 51 + 8 * 2;
        dropped[last..last + 8].copy_from_slice(&41u64.to_be_bytes());
        cases.push(("a serial changed after signing".into(), dropped));
        for _ in 0..4 {
            let mut flipped = fresh.clone();
            let at = fresh.len() - SIGNATURE_LEN + below(SIGNATURE_LEN);
            flipped[at] ^= 1 << below(8);
            cases.push((format!("signature byte {at} changed"), flipped));
        }
        let skew = CLOCK_SKEW_SECS;
        for (label, bytes) in &cases {
            for issuer in [ca.public(), mallory.public()] {
                for now in [
                    0,
                    this_update - skew - 1,
                    this_update - skew,
                    NOW,
                    next_update + skew,
                    next_update + skew + 1,
                    u64::MAX,
                ] {
                    for stale in [StaleCrl::Refuse, StaleCrl::AcceptInsecure] {
                        agree_crl(label, bytes, &issuer, now, stale)?;
                    }
                }
            }
        }
    }
    // The ends of u64.
    let edges = [
        0,
        1,
        CLOCK_SKEW_SECS,
        u64::MAX - CLOCK_SKEW_SECS - 1,
        u64::MAX - CLOCK_SKEW_SECS,
        u64::MAX - 1,
        u64::MAX,
    ];
    for (i, &from) in edges.iter().enumerate() {
        for &until in &edges[i..] {
            let list = crl_bytes(&ca, (from, until), &[5]);
            for now in edges {
                for stale in [StaleCrl::Refuse, StaleCrl::AcceptInsecure] {
                    agree_crl(
                        "a list at the ends of time",
                        &list,
                        &ca.public(),
                        now,
                        stale,
                    )?;
                }
            }
        }
    }
    for _ in 0..100 {
        let (a, b) = (interesting_u64(), interesting_u64());
        let list = crl_bytes(&ca, (a.min(b), a.max(b)), &[]);
        let stale = [StaleCrl::Refuse, StaleCrl::AcceptInsecure][below(2)];
        agree_crl(
            "a random window",
            &list,
            &ca.public(),
            interesting_u64(),
            stale,
        )?;
    }

    // The serial lookup: empty, the ends of u64, neighbours, a full list.
    let window = (this_update, next_update);
    let lists: Vec<Vec<u64>> = vec![
        vec![],
        vec![0],
        vec![u64::MAX],
        vec![0, u64::MAX],
        vec![1, 2, 3],
        serials_near(&[0, 1_000, u64::MAX - 8], 40),
        serials_near(&[u64::from_le_bytes(random())], 12),
        (0..4096).map(|i| i * 3 + 1).collect(),
    ];
    for serials in &lists {
        let bytes = crl_bytes(&ca, window, serials);
        let mut asked: Vec<u64> = vec![0, 1, 2, 3, u64::MAX, u64::MAX - 1];
        for &s in serials.iter().take(50).chain(serials.iter().rev().take(50)) {
            asked.extend([s.wrapping_sub(1), s, s.wrapping_add(1)]);
        }
        for _ in 0..20 {
            asked.push(u64::from_le_bytes(random()));
        }
        for serial in asked {
            agree_not_revoked(&with_serial(serial), &bytes)?;
        }
    }

    // Plugged into certified handshakes: your two checks in the library's
    // walk, on a server that holds the root's list.
    let mine = Pieces {
        crl: lesson15::crl::check_crl,
        not_revoked: lesson15::crl::check_not_revoked,
        ..LIBRARY
    };
    let walk: Walk<'_> = &|v, c, r, n| walk_with(mine, v, c, r, n);
    let pki = Pki::new();
    let client_serial = pki.client_chain.leaf.body.serial;
    let lists = [
        (
            "a fresh list, the client not on it",
            (this_update, next_update),
            vec![client_serial + 1],
        ),
        (
            "a fresh list revoking the client",
            (this_update, next_update),
            vec![1, client_serial, 99],
        ),
        (
            "a stale list",
            (this_update - 30 * 86_400, this_update),
            vec![],
        ),
        (
            "a list from the future",
            (NOW + 86_400, NOW + 2 * 86_400),
            vec![],
        ),
    ];
    for (label, window, serials) in &lists {
        let bytes = crl_bytes(&pki.root_key, *window, serials);
        let crl = [RevocationList::from_bytes(&bytes).context("the check's own list")?];
        for stale in [StaleCrl::Refuse, StaleCrl::AcceptInsecure] {
            let verifier = Verifier {
                root: &pki.root,
                now: NOW,
                crls: &crl,
                stale,
            };
            handshake_agrees(
                &pki,
                &verifier,
                walk,
                false,
                &pki.client_chain,
                &pki.client_key,
            )
            .map_err(|e| fail(format!("{label}, {stale:?}:\n{e}")))?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// 15.5

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

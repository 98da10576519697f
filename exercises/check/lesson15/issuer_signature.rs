//! The check of exercise 15.1: a certificate's signature by its issuer.

use learn_mtls::cert::crl::CRL_CONTEXT;
use learn_mtls::cert::verify::{self, Verifier};
use learn_mtls::cert::{BODY_LEN, CERTIFICATE_CONTEXT, Certificate, Usage};
use learn_mtls::handshake::certified::CERTIFIED_CLIENT_CONTEXT;
use learn_mtls::keys::{IdentityKey, PublicIdentity, SIGNATURE_LEN};
use learn_mtls_exercises::lesson15;
use learn_mtls_exercises::support::{sha256, sign};

use crate::harness::{Result, below, hex, key_shown, same};

use super::fixtures::{NOW, body, describe, guarded, issue, key, name, sign_as};
use super::handshake::{Pki, handshake_agrees};
use super::walk::{LIBRARY, Pieces, Walk, walk_with};

fn agree_issuer_signature(label: &str, cert: &Certificate, issuer: &PublicIdentity) -> Result {
    let input = format!(
        "{label}: certificate = {}, bytes {}; issuer = {}",
        describe(cert),
        hex(&cert.to_bytes()),
        key_shown(issuer.as_bytes())
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

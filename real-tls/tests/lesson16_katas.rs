//! Lesson 16 katas: the pieces of a real TLS 1.3 handshake, recomputed by
//! hand and checked against what rustls actually sent.
//!
//! Each test runs a rustls client and server in memory (no sockets), lets
//! the trace watch every byte in both directions, and opens the encrypted
//! handshake with the secrets rustls gave the key log. Then it redoes one
//! step of the handshake itself, the way the course taught it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use learn_mtls::keys::PublicIdentity;
use learn_mtls_real_tls::certs::{self, Algorithm};
use learn_mtls_real_tls::keylog::KeyLogRecorder;
use learn_mtls_real_tls::kx::Groups;
use learn_mtls_real_tls::record::HandshakeMessage;
use learn_mtls_real_tls::trace::{Peer, Tracer};
use learn_mtls_real_tls::{tls, x509};
use rustls::pki_types::ServerName;
use rustls::{ClientConnection, ServerConnection};
use sha2::Sha256;

const CERTIFICATE: u8 = 11;
const CERTIFICATE_VERIFY: u8 = 15;
const FINISHED: u8 = 20;

/// A directory of fresh certificates, removed when dropped.
struct Pki(PathBuf);

impl Pki {
    fn new(name: &str, algorithm: Algorithm) -> Self {
        let dir = std::env::temp_dir().join(format!("lesson16-kata-{name}-{}", std::process::id()));
        certs::write_all(&dir, algorithm, certs::CA_NAME, 1).expect("certificates are written");
        Self(dir)
    }
    fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A whole mutual TLS 1.3 handshake in memory; returns the trace.
fn handshake(pki: &Pki) -> (Tracer, Arc<KeyLogRecorder>) {
    handshake_with(pki, &Groups::default(), &Groups::default())
}

/// As [`handshake`], the client offering `offered` and the server
/// accepting `accepted`.
fn handshake_with(pki: &Pki, offered: &Groups, accepted: &Groups) -> (Tracer, Arc<KeyLogRecorder>) {
    let key_log = Arc::new(KeyLogRecorder::new(None, true).expect("no file to open"));
    let server_config = tls::server_config_for(
        &pki.path("server.pem"),
        &pki.path("server.key"),
        &pki.path("ca.pem"),
        None,
        Some(key_log.clone()),
        tls::provider_with_groups(accepted),
    )
    .expect("server config");
    let client_config = tls::client_config_for(
        Some((&pki.path("client.pem"), &pki.path("client.key"))),
        &pki.path("ca.pem"),
        None,
        Some(key_log.clone()),
        tls::provider_with_groups(offered),
    )
    .expect("client config");
    let mut client = ClientConnection::new(
        Arc::new(client_config),
        ServerName::try_from("localhost").expect("a DNS name"),
    )
    .expect("client");
    let mut server = ServerConnection::new(Arc::new(server_config)).expect("server");
    let mut tracer = Tracer::new(Peer::Client, key_log.clone());

    for _ in 0..10 {
        let mut bytes = Vec::new();
        while client.wants_write() {
            client.write_tls(&mut bytes).expect("write to a Vec");
        }
        tracer.feed(Peer::Client, &bytes);
        if !bytes.is_empty() {
            server.read_tls(&mut &bytes[..]).expect("read from a slice");
            server
                .process_new_packets()
                .expect("the server accepts the client");
        }
        let mut bytes = Vec::new();
        while server.wants_write() {
            server.write_tls(&mut bytes).expect("write to a Vec");
        }
        tracer.feed(Peer::Server, &bytes);
        if !bytes.is_empty() {
            client.read_tls(&mut &bytes[..]).expect("read from a slice");
            client
                .process_new_packets()
                .expect("the client accepts the server");
        }
        if !client.is_handshaking() && !server.is_handshaking() && !client.wants_write() {
            break;
        }
    }
    assert!(!server.is_handshaking(), "the handshake finished");
    tracer.drain();
    (tracer, key_log)
}

/// Index of the first message of `msg_type` sent by `from`.
fn find(tracer: &Tracer, from: Peer, msg_type: u8) -> usize {
    tracer
        .messages()
        .iter()
        .position(|(sender, m)| *sender == from && m.msg_type == msg_type)
        .unwrap_or_else(|| panic!("no message {msg_type} from {from:?} in the trace"))
}

fn message(tracer: &Tracer, index: usize) -> &HandshakeMessage {
    &tracer.messages()[index].1
}

/// The leaf certificate's public key, from a TLS 1.3 Certificate message.
fn leaf_public_key(certificate: &HandshakeMessage) -> Vec<u8> {
    // context length (1) || context || list length (3) || cert length (3) || DER ...
    let body = certificate.body();
    let start = 1 + usize::from(body[0]) + 3;
    let len = usize::from(body[start]) << 16
        | usize::from(body[start + 1]) << 8
        | usize::from(body[start + 2]);
    let der = &body[start + 3..start + 3 + len];
    x509::summarize(der).expect("a certificate").public_key
}

/// The content a TLS 1.3 CertificateVerify signs (RFC 8446 §4.4.3), built
/// by hand: exactly the course's transcript binding.
fn signed_content(context: &str, transcript_hash: &[u8; 32]) -> Vec<u8> {
    let mut content = vec![0x20; 64];
    content.extend_from_slice(context.as_bytes());
    content.push(0x00);
    content.extend_from_slice(transcript_hash);
    content
}

/// (scheme, signature) from a CertificateVerify body.
fn signature(certificate_verify: &HandshakeMessage) -> (u16, Vec<u8>) {
    let body = certificate_verify.body();
    let scheme = u16::from_be_bytes([body[0], body[1]]);
    let len = usize::from(u16::from_be_bytes([body[2], body[3]]));
    (scheme, body[4..4 + len].to_vec())
}

fn verify_ed25519(public_key: &[u8], content: &[u8], signature: &[u8]) -> bool {
    let key: [u8; 32] = public_key.try_into().expect("an Ed25519 key is 32 bytes");
    let signature: [u8; 64] = signature
        .try_into()
        .expect("an Ed25519 signature is 64 bytes");
    // The course's own verifier, from Lesson 11.
    PublicIdentity::from_bytes(&key)
        .expect("a valid Ed25519 key")
        .verify_strict(content, &signature)
}

#[test]
fn the_client_certificate_verify_is_the_course_transcript_binding() {
    let pki = Pki::new("client-cv", Algorithm::Ed25519);
    let (tracer, _) = handshake(&pki);
    let cv = find(&tracer, Peer::Client, CERTIFICATE_VERIFY);
    let (scheme, sig) = signature(message(&tracer, cv));
    assert_eq!(scheme, 0x0807, "ed25519 (RFC 8446 §4.2.3)");

    // Transcript: ClientHello .. the client's Certificate, everything before the signature.
    let hash = tracer.transcript_hash_before(cv);
    let key = leaf_public_key(message(&tracer, find(&tracer, Peer::Client, CERTIFICATE)));
    let content = signed_content("TLS 1.3, client CertificateVerify", &hash);
    assert_eq!(content.len(), 64 + 33 + 1 + 32);
    assert!(
        verify_ed25519(&key, &content, &sig),
        "rustls signed exactly this"
    );

    // The role is in the context string: the same signature is not a server's.
    let as_server = signed_content("TLS 1.3, server CertificateVerify", &hash);
    assert!(!verify_ed25519(&key, &as_server, &sig));
    // And it covers the whole transcript: one message fewer and it fails.
    let shorter = signed_content(
        "TLS 1.3, client CertificateVerify",
        &tracer.transcript_hash_before(cv - 1),
    );
    assert!(!verify_ed25519(&key, &shorter, &sig));
}

#[test]
fn the_server_certificate_verify_covers_the_transcript_up_to_its_certificate() {
    let pki = Pki::new("server-cv", Algorithm::Ed25519);
    let (tracer, _) = handshake(&pki);
    let cv = find(&tracer, Peer::Server, CERTIFICATE_VERIFY);
    let (_, sig) = signature(message(&tracer, cv));
    let key = leaf_public_key(message(&tracer, find(&tracer, Peer::Server, CERTIFICATE)));
    let content = signed_content(
        "TLS 1.3, server CertificateVerify",
        &tracer.transcript_hash_before(cv),
    );
    assert!(verify_ed25519(&key, &content, &sig));
}

#[test]
fn finished_is_key_confirmation_an_hmac_of_the_transcript() {
    let pki = Pki::new("finished", Algorithm::Ed25519);
    let (tracer, key_log) = handshake(&pki);
    let random = tracer.client_random().expect("the ClientHello passed");
    for (from, label) in [
        (Peer::Server, "SERVER_HANDSHAKE_TRAFFIC_SECRET"),
        (Peer::Client, "CLIENT_HANDSHAKE_TRAFFIC_SECRET"),
    ] {
        let secret = key_log.secret(label, &random).expect("rustls logged it");
        // finished_key = HKDF-Expand-Label(handshake traffic secret, "finished", "", 32)
        let prk = Hkdf::<Sha256>::from_prk(&secret).expect("a SHA-256 secret");
        let mut finished_key = [0u8; 32];
        let info: [&[u8]; 5] = [&32u16.to_be_bytes(), &[6 + 8], b"tls13 ", b"finished", &[0]];
        prk.expand_multi_info(&info, &mut finished_key)
            .expect("32 bytes");
        // verify_data = HMAC(finished_key, transcript hash before this Finished)
        let index = find(&tracer, from, FINISHED);
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(&finished_key).expect("any key length");
        mac.update(&tracer.transcript_hash_before(index));
        mac.verify_slice(message(&tracer, index).body())
            .unwrap_or_else(|_| panic!("{from:?} Finished is the HMAC of the transcript"));
    }
}

#[test]
fn the_key_share_is_a_32_byte_x25519_share_like_message_1() {
    let pki = Pki::new("share", Algorithm::Ed25519);
    let (tracer, _) = handshake(&pki);
    let hello = message(&tracer, 0);
    assert_eq!(hello.msg_type, 1, "ClientHello first");
    // key_share extension (51) holding one X25519 (29) entry of 32 bytes:
    // 00 33 | ext len | list len | 00 1d | 00 20 | 32 bytes
    let needle = [0x00, 0x1d, 0x00, 0x20];
    let at = hello
        .bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("an X25519 key share");
    assert!(hello.bytes.len() >= at + 4 + 32);
}

#[test]
fn the_hybrid_key_shares_are_lesson_19s_messages_in_the_trace() {
    let pki = Pki::new("hybrid", Algorithm::Ed25519);
    let both: Groups = "x25519mlkem768,x25519".parse().expect("groups");
    let (mut tracer, _) = handshake_with(&pki, &both, &both);
    assert_eq!(tracer.key_exchange_group(), Some(0x11ec));
    let lines = tracer.take_lines();
    for needle in [
        "client -> server      key_share: X25519MLKEM768 (0x11ec), 1216 bytes = ML-KEM-768 \
         encapsulation key (1184) || X25519 share (32), Lesson 19's message 1",
        "client -> server      key_share: X25519 (0x001d), 32 bytes = an X25519 share, Lesson \
         11's message 1 or 2",
        "server -> client      key_share: X25519MLKEM768 (0x11ec), 1120 bytes = ML-KEM-768 \
         ciphertext (1088) || X25519 share (32), Lesson 19's message 2 without its signature",
        "server -> client      negotiated group X25519MLKEM768 (0x11ec)",
    ] {
        assert!(
            lines.iter().any(|l| l == needle),
            "{needle:?} not in:\n{}",
            lines.join("\n")
        );
    }
    // A classical server picks the X25519 share sent beside: no retry.
    let (mut tracer, _) = handshake_with(&pki, &both, &Groups::default());
    assert_eq!(tracer.key_exchange_group(), Some(0x001d));
    assert!(
        !tracer
            .take_lines()
            .iter()
            .any(|l| l.contains("HelloRetryRequest"))
    );
    // A hybrid-only client and a classical server have no group in common.
    let only: Groups = "x25519mlkem768".parse().expect("groups");
    let failed = std::panic::catch_unwind(|| handshake_with(&pki, &only, &Groups::default()));
    assert!(failed.is_err(), "no common group: the handshake must fail");
}

#[test]
fn the_trace_counts_the_handshake_bytes_against_the_course_224() {
    let pki = Pki::new("sizes", Algorithm::Ed25519);
    let (mut tracer, _) = handshake(&pki);
    let lines = tracer.take_lines();
    let summary = lines
        .iter()
        .find(|l| l.starts_with("handshake: "))
        .expect("a summary line");
    assert!(
        summary.contains("Lesson 11 handshake is 224 bytes"),
        "{summary}"
    );
    let total: usize = summary["handshake: ".len()..]
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a byte count");
    assert!(
        total > 224 * 4,
        "certificates make TLS much bigger: {total}"
    );
    assert!(lines.iter().any(|l| l.contains("CertificateVerify")
        && l.contains("decrypted with CLIENT_HANDSHAKE_TRAFFIC_SECRET")));
}

#[test]
fn ecdsa_certificates_work_too() {
    let pki = Pki::new("ecdsa", Algorithm::EcdsaP256);
    let (tracer, _) = handshake(&pki);
    let (scheme, _) = signature(message(
        &tracer,
        find(&tracer, Peer::Client, CERTIFICATE_VERIFY),
    ));
    assert_eq!(scheme, 0x0403, "ecdsa_secp256r1_sha256");
}

#[test]
fn a_revoked_certificate_cannot_be_revoked_by_a_wrong_name() {
    let pki = Pki::new("revoke-name", Algorithm::Ed25519);
    let error = certs::revoke(Path::new(&pki.0), "alice", 1).expect_err("only client or server");
    assert!(
        error.to_string().contains("expected `client` or `server`"),
        "{error}"
    );
}

//! Lesson 12 made real, without OpenSSL: a rustls TLS 1.2 session in
//! memory, decrypted from outside by the course's PRF (`learn_mtls::tls12`)
//! with nothing but the bytes on the wire and the master secret from the
//! key log. The OpenSSL version of this is in `interop.rs`.

use std::sync::Arc;

use learn_mtls_real_tls::certs::{self, Algorithm};
use learn_mtls_real_tls::files;
use learn_mtls_real_tls::keylog::KeyLogRecorder;
use learn_mtls_real_tls::tls12::{Event, Session};
use learn_mtls_real_tls::trace::Peer;
use rustls::crypto::{CryptoProvider, ring};
use rustls::pki_types::ServerName;
use rustls::{
    ClientConfig, ClientConnection, RootCertStore, ServerConfig, ServerConnection,
    SupportedCipherSuite,
};

struct Pki(std::path::PathBuf);

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn provider(suite: SupportedCipherSuite) -> Arc<CryptoProvider> {
    let mut provider = ring::default_provider();
    provider.cipher_suites = vec![suite];
    Arc::new(provider)
}

/// Runs a TLS 1.2 session with `suite`, sends a line each way, and returns
/// what the outside decoder saw.
fn decrypt_session(suite: SupportedCipherSuite, name: &str) -> Vec<Event> {
    let dir = std::env::temp_dir().join(format!("lesson12-live-{name}-{}", std::process::id()));
    let pki = Pki(dir.clone());
    certs::write_all(&pki.0, Algorithm::EcdsaP256, certs::CA_NAME, 1).expect("certificates");
    let key_log = Arc::new(KeyLogRecorder::new(None, true).expect("in memory"));

    let server_config = ServerConfig::builder_with_provider(provider(suite))
        .with_protocol_versions(&[&rustls::version::TLS12])
        .expect("TLS 1.2")
        .with_no_client_auth()
        .with_single_cert(
            files::certificates(&dir.join("server.pem")).expect("cert"),
            files::private_key(&dir.join("server.key")).expect("key"),
        )
        .expect("server config");
    let mut roots = RootCertStore::empty();
    for ca in files::certificates(&dir.join("ca.pem")).expect("CA") {
        roots.add(ca).expect("a CA");
    }
    let mut client_config = ClientConfig::builder_with_provider(provider(suite))
        .with_protocol_versions(&[&rustls::version::TLS12])
        .expect("TLS 1.2")
        .with_root_certificates(roots)
        .with_no_client_auth();
    // The client writes the key log, as `openssl s_client -keylogfile` does.
    client_config.key_log = key_log.clone();
    let mut client = ClientConnection::new(
        Arc::new(client_config),
        ServerName::try_from("localhost").expect("name"),
    )
    .expect("client");
    let mut server = ServerConnection::new(Arc::new(server_config)).expect("server");

    use std::io::Write as _;
    client
        .writer()
        .write_all(b"hello from the client\n")
        .expect("queued");
    let mut session = Session::new();
    let mut events = Vec::new();
    let mut lookup = |random: &[u8; 32]| -> Option<[u8; 48]> {
        key_log
            .secret("CLIENT_RANDOM", random)
            .and_then(|s| s.as_slice().try_into().ok())
    };
    let mut server_replied = false;
    for _ in 0..10 {
        let mut bytes = Vec::new();
        while client.wants_write() {
            client.write_tls(&mut bytes).expect("to a Vec");
        }
        events.extend(
            session
                .feed(Peer::Client, &bytes, &mut lookup)
                .expect("decodes"),
        );
        server.read_tls(&mut &bytes[..]).expect("from a slice");
        server.process_new_packets().expect("server");
        if !server.is_handshaking() && !server_replied {
            server
                .writer()
                .write_all(b"hello from the server\n")
                .expect("queued");
            server_replied = true;
        }
        let mut bytes = Vec::new();
        while server.wants_write() {
            server.write_tls(&mut bytes).expect("to a Vec");
        }
        events.extend(
            session
                .feed(Peer::Server, &bytes, &mut lookup)
                .expect("decodes"),
        );
        client.read_tls(&mut &bytes[..]).expect("from a slice");
        client.process_new_packets().expect("client");
        if server_replied && !client.wants_write() && !server.wants_write() {
            break;
        }
    }
    events
}

fn check(events: &[Event], suite_name: &str) {
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::ServerHello { suite, .. } if suite.name == suite_name)),
        "{events:#?}"
    );
    for from in [Peer::Client, Peer::Server] {
        assert!(
            events.contains(&Event::Finished {
                from,
                verified: true
            }),
            "{from:?} Finished checked by the course's PRF: {events:#?}"
        );
    }
    assert!(events.contains(&Event::Data {
        from: Peer::Client,
        bytes: b"hello from the client\n".to_vec()
    }));
    assert!(events.contains(&Event::Data {
        from: Peer::Server,
        bytes: b"hello from the server\n".to_vec()
    }));
}

#[test]
fn the_course_prf_opens_a_rustls_tls12_chacha20_poly1305_session() {
    let events = decrypt_session(
        ring::cipher_suite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        "chacha",
    );
    check(&events, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
}

#[test]
fn the_course_prf_opens_a_rustls_tls12_aes_128_gcm_session() {
    let events = decrypt_session(
        ring::cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        "aes128",
    );
    check(&events, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
}

#[test]
fn a_wrong_master_secret_is_caught_at_the_first_record() {
    let mut session = Session::new();
    let mut wrong = |_: &[u8; 32]| -> Option<[u8; 48]> { Some([7; 48]) };
    // Replaying a real session's bytes is the honest route; here we only
    // need that a bad secret is an error, not garbage: a hello pair and a
    // CCS, then an "encrypted" record that cannot open.
    let client_hello = {
        let mut body = vec![3, 3];
        body.extend_from_slice(&[1; 32]);
        body.push(0);
        let mut m = vec![1, 0, 0, u8::try_from(body.len()).expect("short")];
        m.extend_from_slice(&body);
        m
    };
    let server_hello = {
        let mut body = vec![3, 3];
        body.extend_from_slice(&[2; 32]);
        body.extend_from_slice(&[0, 0xcc, 0xa9, 0]);
        let mut m = vec![2, 0, 0, u8::try_from(body.len()).expect("short")];
        m.extend_from_slice(&body);
        m
    };
    let record = |t: u8, payload: &[u8]| {
        let mut r = vec![t, 3, 3, 0, u8::try_from(payload.len()).expect("short")];
        r.extend_from_slice(payload);
        r
    };
    session
        .feed(Peer::Client, &record(22, &client_hello), &mut wrong)
        .expect("hello");
    session
        .feed(Peer::Server, &record(22, &server_hello), &mut wrong)
        .expect("hello");
    session
        .feed(Peer::Client, &record(20, &[1]), &mut wrong)
        .expect("CCS");
    let error = session
        .feed(Peer::Client, &record(22, &[0; 40]), &mut wrong)
        .expect_err("does not open");
    assert!(
        error
            .to_string()
            .contains("did not open with the derived keys"),
        "{error}"
    );
}

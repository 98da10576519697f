//! A peer whose ML-KEM half is corrupted does not get a session. Two ways
//! to break it, each against OpenSSL and against our own rustls server:
//!
//! - a client whose encapsulation key has a coefficient of 3329 or more
//!   (FIPS 203's input check refuses it): the server refuses the
//!   ClientHello with an `illegal_parameter` alert;
//! - a server whose ciphertext had a bit flipped: decapsulation does not
//!   fail (implicit rejection) but gives the client another key, so the
//!   server's first encrypted record does not open and the client sends
//!   `bad_record_mac`.
//!
//! The rustls ends run in-process here, with a test-only group that
//! wraps `X25519MLKEM768` and damages its share.

mod common;

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

use common::{Pki, bounded, within};
use learn_mtls_pq_tls::{IO_TIMEOUT, acceptor, connect_one, connector, serve_one};
use learn_mtls_real_tls::kx::{Groups, X25519_MLKEM768};
use learn_mtls_real_tls::tls;
use rustls::crypto::{
    ActiveKeyExchange, CompletedKeyExchange, CryptoProvider, SharedSecret, SupportedKxGroup,
};
use rustls::pki_types::ServerName;
use rustls::{AlertDescription, ClientConnection, Error, NamedGroup, ServerConnection};

/// The hybrid group with its share damaged: the client's encapsulation key
/// gets a first coefficient of 4095, the server's ciphertext a flipped bit.
#[derive(Debug)]
struct Corrupted;

static CORRUPTED: Corrupted = Corrupted;

struct CorruptedOffer {
    inner: Box<dyn ActiveKeyExchange>,
    share: Vec<u8>,
}

impl SupportedKxGroup for Corrupted {
    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, Error> {
        let inner = X25519_MLKEM768.start()?;
        let mut share = inner.pub_key().to_vec();
        // Coefficient 0 = byte 0 || low nibble of byte 1: 0xfff = 4095 >= q = 3329.
        share[0] = 0xff;
        share[1] |= 0x0f;
        Ok(Box::new(CorruptedOffer { inner, share }))
    }

    fn start_and_complete(&self, client_share: &[u8]) -> Result<CompletedKeyExchange, Error> {
        let mut done = X25519_MLKEM768.start_and_complete(client_share)?;
        done.pub_key[0] ^= 0x01; // the first byte of the ML-KEM ciphertext
        Ok(done)
    }

    fn name(&self) -> NamedGroup {
        NamedGroup::X25519MLKEM768
    }
}

impl ActiveKeyExchange for CorruptedOffer {
    fn complete(self: Box<Self>, peer: &[u8]) -> Result<SharedSecret, Error> {
        self.inner.complete(peer)
    }
    fn pub_key(&self) -> &[u8] {
        &self.share
    }
    fn group(&self) -> NamedGroup {
        NamedGroup::X25519MLKEM768
    }
}

fn corrupted_provider() -> Arc<CryptoProvider> {
    let mut provider = (*tls::provider()).clone();
    provider.kx_groups = vec![&CORRUPTED];
    Arc::new(provider)
}

fn hybrid_provider() -> Arc<CryptoProvider> {
    tls::provider_with_groups(&"x25519mlkem768".parse::<Groups>().expect("a group list"))
}

fn rustls_client(pki: &Pki, provider: Arc<CryptoProvider>) -> ClientConnection {
    let config = tls::client_config_for(
        Some((&pki.0.join("client.pem"), &pki.0.join("client.key"))),
        &pki.0.join("ca.pem"),
        None,
        None,
        provider,
    )
    .expect("client config");
    ClientConnection::new(
        Arc::new(config),
        ServerName::try_from("localhost").expect("name"),
    )
    .expect("client")
}

fn rustls_server(pki: &Pki, provider: Arc<CryptoProvider>) -> ServerConnection {
    let config = tls::server_config_for(
        &pki.0.join("server.pem"),
        &pki.0.join("server.key"),
        &pki.0.join("ca.pem"),
        None,
        None,
        provider,
    )
    .expect("server config");
    ServerConnection::new(Arc::new(config)).expect("server")
}

/// Drives a rustls connection over `tcp` until the handshake ends or fails,
/// then tries to read one record of application data.
fn drive<C, D>(conn: &mut C, tcp: &mut TcpStream) -> Result<(), Error>
where
    C: std::ops::DerefMut<Target = rustls::ConnectionCommon<D>>,
    D: rustls::SideData,
{
    tcp.set_read_timeout(Some(IO_TIMEOUT)).expect("timeout");
    let result = (|| {
        while conn.is_handshaking() {
            conn.complete_io(tcp)?;
        }
        let mut buf = [0u8; 64];
        let _ = rustls::Stream::new(&mut *conn, &mut *tcp).read(&mut buf)?;
        Ok(())
    })();
    result.map_err(|e: std::io::Error| {
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<Error>())
            .cloned()
            .unwrap_or_else(|| Error::General(format!("I/O: {e}")))
    })
}

#[test]
fn openssl_refuses_an_encapsulation_key_that_fails_the_fips_203_check() {
    let pki = Pki::new("bad-key-openssl");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    let server_tls = acceptor(&pki.0, "X25519MLKEM768").expect("OpenSSL server");
    let server = bounded("OpenSSL server", move || serve_one(&listener, &server_tls));
    let mut tcp = TcpStream::connect(addr).expect("connect");
    let mut client = rustls_client(&pki, corrupted_provider());
    let error = drive(&mut client, &mut tcp).expect_err("the handshake must fail");
    assert_eq!(
        error,
        Error::AlertReceived(AlertDescription::IllegalParameter),
        "OpenSSL's answer to a bad encapsulation key"
    );
    let refused = within("OpenSSL server", &server).expect_err("OpenSSL refused");
    eprintln!("OpenSSL said: {refused}");
    assert!(
        refused.to_string().contains("OpenSSL server handshake"),
        "{refused}"
    );
}

#[test]
fn our_server_refuses_the_same_key() {
    let pki = Pki::new("bad-key-rustls");
    let mut client = rustls_client(&pki, corrupted_provider());
    let mut server = rustls_server(&pki, hybrid_provider());
    let mut flight = Vec::new();
    client.write_tls(&mut flight).expect("ClientHello");
    server.read_tls(&mut flight.as_slice()).expect("read");
    let error = server.process_new_packets().expect_err("refused");
    assert_eq!(
        error,
        Error::PeerMisbehaved(rustls::PeerMisbehaved::InvalidKeyShare),
        "our group's refusal"
    );
    assert!(
        tls::reason(&error).contains("ML-KEM-768 encapsulation key"),
        "{}",
        tls::reason(&error)
    );
    // ...and it tells the client why, with the same alert OpenSSL sends.
    let mut alert = Vec::new();
    server.write_tls(&mut alert).expect("alert");
    client.read_tls(&mut alert.as_slice()).expect("read");
    assert_eq!(
        client.process_new_packets().expect_err("alert").to_string(),
        Error::AlertReceived(AlertDescription::IllegalParameter).to_string()
    );
}

#[test]
fn a_flipped_ciphertext_bit_gives_openssl_another_key_and_the_handshake_fails() {
    let pki = Pki::new("bad-ciphertext-openssl");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    let client_tls = connector(&pki.0, "X25519MLKEM768").expect("OpenSSL client");
    let client = bounded("OpenSSL client", move || {
        connect_one(addr, "localhost", &client_tls, "never sent\n")
    });
    let (mut tcp, _) = listener.accept().expect("accept");
    let mut server = rustls_server(&pki, corrupted_provider());
    let error = drive(&mut server, &mut tcp).expect_err("the handshake must fail");
    assert_eq!(
        error,
        Error::AlertReceived(AlertDescription::BadRecordMac),
        "OpenSSL could not open the server's first encrypted record"
    );
    let refused = within("OpenSSL client", &client).expect_err("OpenSSL failed");
    eprintln!("OpenSSL said: {refused}");
    assert!(
        refused.to_string().contains("OpenSSL client handshake"),
        "{refused}"
    );
}

#[test]
fn a_flipped_ciphertext_bit_fails_our_client_the_same_way() {
    let pki = Pki::new("bad-ciphertext-rustls");
    let mut client = rustls_client(&pki, hybrid_provider());
    let mut server = rustls_server(&pki, corrupted_provider());
    let mut wire = Vec::new();
    client.write_tls(&mut wire).expect("ClientHello");
    server.read_tls(&mut wire.as_slice()).expect("read");
    server
        .process_new_packets()
        .expect("the server cannot tell");
    let mut wire = Vec::new();
    while server.wants_write() {
        server.write_tls(&mut wire).expect("server flight");
    }
    client.read_tls(&mut wire.as_slice()).expect("read");
    let error = client.process_new_packets().expect_err("another key");
    assert_eq!(
        error,
        Error::DecryptError,
        "the encrypted extensions do not open"
    );
    let mut alert = Vec::new();
    client.write_tls(&mut alert).expect("alert");
    assert!(!alert.is_empty(), "the client says so with an alert");
}

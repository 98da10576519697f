//! What the lesson servers echo under the transcript binding, where the
//! client's first record is also key confirmation: the answer to "is the
//! empty key-confirmation record echoed too?".
//!
//! - An empty first record is key confirmation only: not echoed.
//! - A non-empty first record is key confirmation and the first message:
//!   echoed, like every later message.
//!
//! A server built on `net::accept` + `net::echo_back`, as the lesson
//! servers are, on loopback.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use learn_mtls::handshake::{Binding, mutual};
use learn_mtls::keys::IdentityKey;
use learn_mtls::net;
use learn_mtls::record::{HEADER_LEN, MAX_RECORD_LEN, Session};
use learn_mtls::trust::{ClientName, PinnedClient};
use learn_mtls::wire::{SERVER_HELLO_LEN, ServerHello};

fn keys() -> (IdentityKey, IdentityKey) {
    (
        IdentityKey::from_secret_bytes(&[b'S'; 32]),
        IdentityKey::from_secret_bytes(&[b'A'; 32]),
    )
}

/// Starts an echo server for one connection; returns its address.
fn echo_server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let (server, alice) = keys();
        let policy = PinnedClient::new(alice.public(), ClientName::new("alice").unwrap());
        let (stream, _) = listener.accept().unwrap();
        let timeout = Duration::from_secs(10);
        if let Ok((mut channel, _)) =
            net::accept_tcp(stream, &server, &policy, Binding::Transcript, timeout)
        {
            let _ = net::echo_back(&mut channel);
        }
    });
    addr
}

fn read_record(stream: &mut TcpStream, session: &mut Session) -> Vec<u8> {
    let mut buf = vec![0u8; MAX_RECORD_LEN];
    stream.read_exact(&mut buf[..HEADER_LEN]).unwrap();
    let body = usize::from(u16::from_be_bytes([buf[0], buf[1]]));
    stream
        .read_exact(&mut buf[HEADER_LEN..HEADER_LEN + body])
        .unwrap();
    session
        .open_in_place(&mut buf[..HEADER_LEN + body])
        .unwrap()
        .to_vec()
}

#[test]
fn the_empty_key_confirmation_record_is_not_echoed() {
    let (server, alice) = keys();
    let stream = TcpStream::connect(echo_server()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();

    // `net::connect` sends the empty confirmation record itself.
    let mut channel = net::connect(stream, &alice, server.public(), Binding::Transcript).unwrap();
    channel.send(b"ping").unwrap();

    // Notice: the first thing back is the echo of "ping", not an empty echo
    // of the confirmation.
    assert_eq!(channel.recv().unwrap().as_deref(), Some(&b"ping"[..]));
}

#[test]
fn a_non_empty_first_record_is_confirmation_and_message_and_is_echoed() {
    let (server, alice) = keys();
    let mut stream = TcpStream::connect(echo_server()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut rng = net::os_rng();

    // The handshake by hand, so the first record can carry a message.
    let (client, hello) =
        mutual::Client::start(&mut rng, &alice, server.public(), Binding::Transcript);
    stream.write_all(&hello.to_bytes()).unwrap();
    let mut server_hello = [0u8; SERVER_HELLO_LEN];
    stream.read_exact(&mut server_hello).unwrap();
    let (mut session, auth) = client
        .read_server_hello(&ServerHello::from_bytes(&server_hello))
        .unwrap();
    stream.write_all(&auth.to_bytes()).unwrap();
    let mut record = vec![0u8; MAX_RECORD_LEN];
    let len = session.seal(b"first", &mut record).unwrap();
    stream.write_all(&record[..len]).unwrap();

    // Notice: the record confirmed the keys and was the first message too.
    assert_eq!(read_record(&mut stream, &mut session), b"first");
}

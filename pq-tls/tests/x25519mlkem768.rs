//! Lesson 19 in real TLS: mutual TLS 1.3 with `X25519MLKEM768` between
//! rustls (Lesson 16's `16-tls-client` and `16-tls-server`, `--groups`
//! and `--trace`) and OpenSSL 3.5+ built from source (in-process, this
//! crate), in both directions, a client certificate required and checked
//! each time; then each end against a classical-only peer, which still
//! connects. Each test checks both ends' word on the group and the
//! lesson's block of trace lines for its run.

mod common;

use std::net::TcpListener;
use std::process::Command;

use common::{Pki, Running, bounded, check_lesson_block, lesson_lines, lesson16, within};
use learn_mtls_pq_tls::{
    OPENSSL_3_5, Seen, acceptor, connect_one, connector, openssl_has_ml_kem, openssl_version,
    serve_one,
};

const HYBRID_CLIENT_SHARE: &str = "key_share: X25519MLKEM768 (0x11ec), 1216 bytes";
const HYBRID_SERVER_SHARE: &str = "key_share: X25519MLKEM768 (0x11ec), 1120 bytes";
const CLASSICAL_SHARE: &str = "key_share: X25519 (0x001d), 32 bytes";
const RETRY: &str = "HelloRetryRequest";

#[test]
fn openssl_is_built_from_source_and_is_3_5_or_newer() {
    // Shown in the test output (`--nocapture`): which OpenSSL ran.
    println!("OpenSSL built in by openssl-src: {}", openssl_version());
    assert!(
        openssl_has_ml_kem(),
        "{} is older than 3.5 (0x{OPENSSL_3_5:x}): it has no X25519MLKEM768",
        openssl_version()
    );
    let pki = Pki::new("version");
    acceptor(&pki.0, "X25519MLKEM768").expect("OpenSSL knows the group");
    let Err(unknown) = acceptor(&pki.0, "NoSuchGroup") else {
        panic!("an unknown group must be refused");
    };
    assert!(
        unknown.to_string().contains("groups NoSuchGroup"),
        "{unknown}"
    );
}

/// OpenSSL's name for a group, compared without case (`x25519` or `X25519`).
fn assert_group(seen: &Seen, want: &str) {
    let got = seen.group.as_deref().unwrap_or("<none>");
    assert!(
        got.eq_ignore_ascii_case(want),
        "OpenSSL negotiated {got}, expected {want}"
    );
}

/// The OpenSSL end checked the peer's certificate, and the line crossed.
fn assert_mutual(seen: &Seen, peer: &str, line: &str) {
    assert!(
        seen.peer_verified,
        "OpenSSL did not verify the peer: {seen:?}"
    );
    assert_eq!(seen.peer_subject.as_deref(), Some(peer), "{seen:?}");
    assert_eq!(seen.line, line, "the application data that crossed");
}

/// `16-tls-client --groups GROUPS --trace` to an in-process OpenSSL server
/// accepting `openssl_groups`; returns the client's output and what the
/// server saw.
fn rustls_client_to_openssl(
    name: &str,
    groups: &str,
    openssl_groups: &str,
    line: &str,
) -> (String, Seen) {
    let pki = Pki::new(name);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("address");
    let server_tls = acceptor(&pki.0, openssl_groups).expect("OpenSSL server");
    let server = bounded("OpenSSL server", move || serve_one(&listener, &server_tls));
    let mut client = Running::spawn(
        "16-tls-client",
        Command::new(lesson16("16-tls-client")).args([
            "--connect",
            &addr.to_string(),
            "--cert",
            &pki.s("client.pem"),
            "--key",
            &pki.s("client.key"),
            "--ca",
            &pki.s("ca.pem"),
            "--server-name",
            "localhost",
            "--groups",
            groups,
            "--trace",
        ]),
    );
    client.send_and_close(line);
    let ok = client.finish();
    let output = client.output();
    assert!(ok, "16-tls-client failed:\n{output}");
    let seen = within("the OpenSSL server", &server).expect("the OpenSSL server's handshake");
    assert!(
        output.lines().any(|l| l == line.trim_end()),
        "no echo in:\n{output}"
    );
    assert!(
        output.contains("connected to CN=localhost"),
        "rustls verified the server:\n{output}"
    );
    (output, seen)
}

/// An in-process OpenSSL client offering `openssl_groups` to
/// `16-tls-server --groups GROUPS --trace`; returns the server's output
/// (up to its handshake summary) and what the client saw.
fn openssl_client_to_rustls(
    name: &str,
    groups: &str,
    openssl_groups: &str,
    line: &str,
) -> (String, Seen) {
    let pki = Pki::new(name);
    let mut server = Running::spawn(
        "16-tls-server",
        Command::new(lesson16("16-tls-server")).args([
            "--listen",
            "127.0.0.1:0",
            "--cert",
            &pki.s("server.pem"),
            "--key",
            &pki.s("server.key"),
            "--client-ca",
            &pki.s("ca.pem"),
            "--groups",
            groups,
            "--trace",
        ]),
    );
    let addr = server
        .expect("listening on ")
        .trim_start_matches("listening on ")
        .to_owned();
    let client_tls = connector(&pki.0, openssl_groups).expect("OpenSSL client");
    let line_owned = line.to_owned();
    let client = bounded("OpenSSL client", move || {
        connect_one(addr.as_str(), "localhost", &client_tls, &line_owned)
    });
    let seen = within("the OpenSSL client", &client).expect("the OpenSSL client's handshake");
    let accepted = server.expect("accepted ");
    assert!(
        accepted.contains("accepted CN=alice"),
        "rustls verified the client: {accepted}"
    );
    server.expect("key exchange with ");
    server.expect("handshake: ");
    (server.output(), seen)
}

#[test]
fn rustls_client_and_openssl_server_agree_on_x25519mlkem768() {
    let line = "hello from rustls, over ML-KEM\n";
    let (output, seen) = rustls_client_to_openssl(
        "r2o",
        "x25519mlkem768,x25519",
        "X25519MLKEM768:X25519",
        line,
    );
    assert_group(&seen, "X25519MLKEM768");
    assert_mutual(&seen, "CN=alice", line);
    // rustls's word, and the shares on the wire: the hybrid one 1,216
    // bytes with the X25519 one beside it; the server's 1,120.
    assert!(
        output.contains("key exchange: X25519MLKEM768 (0x11ec)"),
        "{output}"
    );
    assert!(output.contains(HYBRID_CLIENT_SHARE), "{output}");
    assert!(output.contains(CLASSICAL_SHARE), "{output}");
    assert!(output.contains(HYBRID_SERVER_SHARE), "{output}");
    assert!(!output.contains(RETRY), "{output}");
    check_lesson_block("rustls-client-openssl-server", &lesson_lines(&output));
}

#[test]
fn openssl_client_and_rustls_server_agree_on_x25519mlkem768() {
    let line = "hello from OpenSSL, over ML-KEM\n";
    let (output, seen) = openssl_client_to_rustls(
        "o2r",
        "x25519mlkem768,x25519",
        "X25519MLKEM768:X25519",
        line,
    );
    assert_group(&seen, "X25519MLKEM768");
    assert_mutual(&seen, "CN=localhost", line);
    assert!(output.contains("X25519MLKEM768 (0x11ec)") && output.contains("key exchange with "));
    assert!(output.contains(HYBRID_CLIENT_SHARE), "{output}");
    assert!(output.contains(HYBRID_SERVER_SHARE), "{output}");
    assert!(!output.contains(RETRY), "{output}");
    check_lesson_block("openssl-client-rustls-server", &lesson_lines(&output));
}

#[test]
fn a_classical_openssl_server_picks_the_x25519_share_rustls_sent_beside() {
    // rustls sends both shares, so a server without the hybrid group
    // answers the X25519 one at once: no HelloRetryRequest.
    let line = "hello, classically\n";
    let (output, seen) =
        rustls_client_to_openssl("r2o-classical", "x25519mlkem768,x25519", "X25519", line);
    assert_group(&seen, "X25519");
    assert_mutual(&seen, "CN=alice", line);
    assert!(output.contains(HYBRID_CLIENT_SHARE), "{output}");
    assert!(output.contains("key exchange: X25519 (0x001d)"), "{output}");
    assert!(!output.contains(RETRY), "{output}");
    check_lesson_block("classical-openssl-server", &lesson_lines(&output));
}

#[test]
fn a_classical_rustls_server_asks_openssl_for_another_share() {
    // OpenSSL sends a share for its first group only; a server without
    // that group asks for X25519 with a HelloRetryRequest, and the second
    // ClientHello carries the X25519 share.
    let line = "hello, one round trip later\n";
    let (output, seen) =
        openssl_client_to_rustls("o2r-classical", "x25519", "X25519MLKEM768:X25519", line);
    assert_group(&seen, "X25519");
    assert_mutual(&seen, "CN=localhost", line);
    assert!(output.contains(RETRY), "{output}");
    assert!(
        output.contains("the server asks for a share in X25519 (0x001d)"),
        "{output}"
    );
    assert!(
        output.contains(HYBRID_CLIENT_SHARE) && output.contains(CLASSICAL_SHARE),
        "{output}"
    );
    check_lesson_block("classical-rustls-server", &lesson_lines(&output));
}

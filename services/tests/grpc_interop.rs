//! `17-grpc-server` and `17-grpc-client` against Python's grpcio, with
//! the client and server written as the reference text writes them
//! (services/py/grpc_echo_*.py) and stubs compiled from proto/echo.proto by
//! grpcio-tools: both directions, the `peer` each side reports, a client
//! without a certificate and one from another CA refused, and the SPIFFE
//! allow-list answering PERMISSION_DENIED to the wrong workload. Needs
//! `python3` with grpcio and grpcio-tools, and `openssl`; FAILS without.

mod common;

use std::process::Command;

use common::{
    Server, TempDir, asset, example, ok, openssl_client, require, require_python_module, run,
};

const PAYMENTS: &str = "spiffe://course.test/ns/shop/sa/payments";
const LOGS: &str = "spiffe://course.test/ns/ops/sa/log-shipper";

/// Certificates as in the HTTPS tests, and the Python stubs in `stubs/`.
fn setup(name: &str) -> TempDir {
    require("openssl", "version", "apt-get install -y openssl");
    require_python_module("grpc", "grpcio==1.85.4");
    require_python_module("grpc_tools", "grpcio-tools==1.85.4");
    let dir = TempDir::new("lesson17", name);
    common::make_certs(&dir.join("pki"), Some(PAYMENTS), "lesson 17 gRPC CA");
    openssl_client(&dir.join("pki"), "logs", "log-shipper", Some(LOGS));
    openssl_client(&dir.join("pki"), "bob", "bob", None);
    common::make_certs(&dir.join("other"), Some(PAYMENTS), "another gRPC CA");
    std::fs::create_dir_all(dir.join("stubs")).expect("stubs dir");
    ok(Command::new("python3")
        .args(["-m", "grpc_tools.protoc", "-I"])
        .arg(asset("proto"))
        .arg(format!("--python_out={}", dir.s("stubs")))
        .arg(format!("--grpc_python_out={}", dir.s("stubs")))
        .arg(asset("proto/echo.proto")));
    dir
}

fn our_server(dir: &TempDir, allow: &[&str]) -> Server {
    let mut command = Command::new(example("17-grpc-server"));
    command
        .args(["--listen", "127.0.0.1:0"])
        .args([
            "--cert",
            &dir.s("pki/server.pem"),
            "--key",
            &dir.s("pki/server.key"),
        ])
        .args(["--client-ca", &dir.s("pki/ca.pem")]);
    for id in allow {
        command.args(["--allow-spiffe-id", id]);
    }
    Server::start("17-grpc-server", &mut command)
}

/// The Python client as `who` (`pki/client`, `pki/logs`, ...; None: no
/// certificate): (exit code, stdout, stderr).
fn python_client(
    dir: &TempDir,
    addr: &str,
    who: Option<&str>,
    message: &str,
) -> (Option<i32>, String, String) {
    let mut command = Command::new("python3");
    command.arg(asset("py/grpc_echo_client.py")).args([
        &dir.s("stubs"),
        addr,
        &dir.s("pki/ca.pem"),
    ]);
    if let Some(who) = who {
        command.args([
            &dir.s(&format!("{who}.pem")),
            &dir.s(&format!("{who}.key")),
            message,
        ]);
    }
    let out = run(&mut command);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn our_client(
    dir: &TempDir,
    addr: &str,
    who: Option<&str>,
    message: &str,
) -> (Option<i32>, String, String) {
    let mut command = Command::new(example("17-grpc-client"));
    command.args([
        "--connect",
        addr,
        "--ca",
        &dir.s("pki/ca.pem"),
        "--server-name",
        "localhost",
        "--message",
        message,
    ]);
    if let Some(who) = who {
        command
            .args(["--cert", &dir.s(&format!("{who}.pem"))])
            .args(["--key", &dir.s(&format!("{who}.key"))]);
    }
    let out = run(&mut command);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn pythons_grpc_client_against_our_server() {
    let dir = setup("grpc-py-client");
    let mut server = our_server(&dir, &[]);
    let addr = server.addr.clone();

    let (code, stdout, stderr) =
        python_client(&dir, &addr, Some("pki/client"), "hello from Python");
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, format!("hello from Python\n{PAYMENTS}\n"));
    server.wait_for(&format!("accepted {PAYMENTS} from 127.0.0.1:"));

    // OpenSSL's certificate without a SPIFFE ID: the peer is its CN.
    let (code, stdout, stderr) = python_client(&dir, &addr, Some("pki/bob"), "hi");
    assert_eq!((code, stdout.as_str()), (Some(0), "hi\nbob\n"), "{stderr}");
    server.wait_for("accepted bob from");

    let (code, _, stderr) = python_client(&dir, &addr, None, "");
    assert_eq!(code, Some(1), "no certificate: {stderr}");
    assert!(stderr.contains("UNAVAILABLE"), "{stderr}");
    let line = server.wait_for("rejected");
    assert!(line.contains("no client certificate"), "{line}");

    std::fs::copy(dir.join("other/client.pem"), dir.join("pki/stranger.pem")).expect("copy");
    std::fs::copy(dir.join("other/client.key"), dir.join("pki/stranger.key")).expect("copy");
    let (code, _, stderr) = python_client(&dir, &addr, Some("pki/stranger"), "hi");
    assert_eq!(code, Some(1), "another CA: {stderr}");
    let line = server.wait_for("rejected");
    assert!(line.contains("certificate"), "{line}");
}

#[test]
fn the_allow_list_answers_permission_denied() {
    let dir = setup("grpc-allow");
    let mut server = our_server(&dir, &[PAYMENTS]);
    let addr = server.addr.clone();

    let (code, stdout, stderr) = python_client(&dir, &addr, Some("pki/client"), "pay");
    assert_eq!(
        (code, stdout),
        (Some(0), format!("pay\n{PAYMENTS}\n")),
        "{stderr}"
    );
    server.wait_for(&format!("accepted {PAYMENTS}"));

    let (code, stdout, stderr) = python_client(&dir, &addr, Some("pki/logs"), "pay");
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stderr.contains("PERMISSION_DENIED") && stderr.contains(LOGS),
        "{stderr}"
    );
    let line = server.wait_for("rejected");
    assert!(
        line.starts_with(&format!("rejected {LOGS} from")) && line.contains("PermissionDenied"),
        "{line}"
    );

    let (code, _, stderr) = our_client(&dir, &addr, Some("pki/bob"), "pay");
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("PermissionDenied") && stderr.contains("bob has no SPIFFE ID"),
        "{stderr}"
    );
    server.wait_for("rejected bob");

    let (code, stdout, stderr) = our_client(&dir, &addr, Some("pki/client"), "pay");
    assert_eq!(
        (code, stdout),
        (Some(0), format!("pay\n{PAYMENTS}\n")),
        "{stderr}"
    );
}

#[test]
fn our_grpc_client_against_pythons_server() {
    let dir = setup("grpc-py-server");
    let mut server = Server::start(
        "grpc_echo_server.py",
        Command::new("python3")
            .arg(asset("py/grpc_echo_server.py"))
            .args([
                &dir.s("stubs"),
                &dir.s("pki/server.pem"),
                &dir.s("pki/server.key"),
                &dir.s("pki/ca.pem"),
            ]),
    );
    let addr = server.addr.clone();

    let (code, stdout, stderr) = our_client(&dir, &addr, Some("pki/client"), "hello from Rust");
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, format!("hello from Rust\n{PAYMENTS}\n"));
    server.wait_for(&format!("accepted {PAYMENTS} from ipv4:127.0.0.1:"));

    let (code, stdout, stderr) = our_client(&dir, &addr, Some("pki/bob"), "hi");
    assert_eq!((code, stdout.as_str()), (Some(0), "hi\nbob\n"), "{stderr}");
    server.wait_for("accepted bob");

    let (code, stdout, stderr) = our_client(&dir, &addr, None, "hi");
    assert_eq!(code, Some(1), "no certificate: {stdout}");
    assert!(
        stderr.starts_with("note: no --cert/--key") && stderr.contains("error: "),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

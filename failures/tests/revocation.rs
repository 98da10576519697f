//! Lesson 18's comparison of four ways a revocation reaches a client,
//! measured on loopback with the course's own CA (`16-tls-certs`, Ed25519):
//!
//! - a CRL (`16-tls-certs crl` and `revoke`), read by `16-tls-server --crl`;
//! - OCSP: `openssl ocsp` answering from the index `16-tls-certs
//!   ocsp-index` writes, asked by `openssl ocsp` as a client would;
//! - stapling: the same answer in the file `16-tls-server --ocsp-response`
//!   reads, checked by `16-tls-client --require-ocsp`;
//! - a short-lived certificate (`16-tls-certs --days 1`), checked with
//!   `16-tls-client --now` past its notAfter.
//!
//! Bytes are counted by a TCP relay in front of each server, and by the
//! size of each file. They are exact: Ed25519 signatures have one length,
//! the course's serials always take 16 bytes, and names and times have
//! fixed encodings, so the lesson's tables carry the counts as they are.
//! Times are never put in the tables (they change from run to run): what
//! the tables say about time is what the run configured (a nextUpdate, a
//! lifetime) and on which connection each revocation showed.
//!
//! `LEARN_MTLS_BLESS=1 cargo test -p learn-mtls-failures --test revocation`
//! rewrites the tables in `lessons/18-failures.md`; otherwise a table that
//! differs from what the run measured fails the test.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{
    Server, TempDir, WAIT, example, lesson_block, lesson16, normalize, ocsp_responder, require,
    run_bounded, run_ok,
};

const START: &str = "<!-- revocation-tables:start (LEARN_MTLS_BLESS=1 cargo test -p learn-mtls-failures --test revocation) -->";
const END: &str = "<!-- revocation-tables:end -->";
const BLESS: &str = "LEARN_MTLS_BLESS=1 cargo test -p learn-mtls-failures --test revocation";

/// The responder's answers are valid this many minutes (`openssl ocsp
/// -nmin`, whose least is 1): the staple's nextUpdate.
const OCSP_MINUTES: u64 = 1;
/// How far on `16-tls-client --now` looks at the staple: past its nextUpdate.
const LATER_MINUTES: u64 = OCSP_MINUTES + 1;
/// The CRL's update window, `16-tls-certs crl|revoke --days` (its default).
const CRL_DAYS: u64 = 7;
/// The short-lived certificate's lifetime, the least `16-tls-certs` makes.
const SHORT_DAYS: u64 = 1;

/// A TCP relay in front of `target` for one connection, counting the bytes
/// that pass each way.
struct Relay {
    addr: String,
    done: JoinHandle<(u64, u64)>,
}

impl Relay {
    fn to(target: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the relay");
        let addr = listener.local_addr().expect("relay address").to_string();
        let target = target.to_owned();
        let done = std::thread::spawn(move || {
            listener.set_nonblocking(true).expect("nonblocking");
            let deadline = Instant::now() + WAIT;
            let client = loop {
                match listener.accept() {
                    Ok((stream, _)) => break stream,
                    Err(_) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(e) => panic!("nobody came to the relay: {e}"),
                }
            };
            client.set_nonblocking(false).expect("blocking");
            let server = TcpStream::connect(&target).expect("the relay reaches the server");
            let up = pump(
                client.try_clone().expect("clone"),
                server.try_clone().expect("clone"),
            );
            let down = pump(server, client);
            (up.join().expect("up"), down.join().expect("down"))
        });
        Self { addr, done }
    }

    /// (client to server, server to client), once the connection has ended.
    fn counts(self) -> (u64, u64) {
        self.done.join().expect("the relay")
    }
}

/// Copies `from` to `to` until `from` ends, counting what came (even if
/// `to` has gone).
fn pump(mut from: TcpStream, mut to: TcpStream) -> JoinHandle<u64> {
    std::thread::spawn(move || {
        let _ = from.set_read_timeout(Some(WAIT));
        let mut buf = [0u8; 16_384];
        let mut n = 0u64;
        while let Ok(k @ 1..) = from.read(&mut buf) {
            n += k as u64;
            let _ = to.write_all(&buf[..k]);
        }
        let _ = to.shutdown(Shutdown::Write);
        n
    })
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// `16-tls-certs ARGS`; what it printed.
fn certs(dir: &TempDir, args: &[&str]) -> String {
    let out = run_ok(
        Command::new(lesson16("16-tls-certs"))
            .current_dir(&dir.0)
            .args(args),
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The DER size of the (first) CRL in `path`.
fn crl_bytes(path: &Path) -> u64 {
    let lists = learn_mtls_real_tls::files::revocation_lists(path).expect("a CRL");
    lists[0].as_ref().len() as u64
}

fn file_bytes(path: &Path) -> u64 {
    std::fs::metadata(path).expect("the file").len()
}

/// `16-tls-server` with the certificates in `pki/` and `extra` flags.
fn tls_server(dir: &TempDir, pki: &str, extra: &[&str]) -> Server {
    let (cert, key, ca) = (
        format!("{pki}/server.pem"),
        format!("{pki}/server.key"),
        format!("{pki}/ca.pem"),
    );
    Server::start(
        Command::new(lesson16("16-tls-server"))
            .current_dir(&dir.0)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--cert",
                &cert,
                "--key",
                &key,
                "--client-ca",
                &ca,
            ])
            .args(extra),
    )
}

/// `16-tls-client` as alice of `pki/` to `addr`, sending one line, with
/// `extra` flags: its exit code and the line that says how it ended.
fn tls_client(dir: &TempDir, pki: &str, addr: &str, extra: &[&str]) -> (Option<i32>, String) {
    let (cert, key, ca) = (
        format!("{pki}/client.pem"),
        format!("{pki}/client.key"),
        format!("{pki}/ca.pem"),
    );
    let (code, out) = run_bounded(
        Command::new(lesson16("16-tls-client"))
            .current_dir(&dir.0)
            .args([
                "--connect",
                addr,
                "--ca",
                &ca,
                "--server-name",
                "localhost",
                "--cert",
                &cert,
                "--key",
                &key,
            ])
            .args(extra),
        b"hello\n",
        WAIT,
    );
    assert!(!out.contains("panicked"), "{out}");
    let said = if code == Some(0) {
        assert!(out.contains("hello"), "{out}");
        "(connects)".to_owned()
    } else {
        out.lines()
            .find(|l| l.starts_with("error:"))
            .unwrap_or_else(|| panic!("no error line: {out}"))
            .trim_start_matches("error: ")
            .to_owned()
    };
    // Short spans too ("passed 61 seconds ago", "(1 seconds ago)").
    let said = regex::Regex::new(r"\b\d+ seconds")
        .expect("pattern")
        .replace_all(&normalize(&said, &dir.0), "N seconds")
        .into_owned();
    (code, said)
}

/// `18-mtls-doctor connect` to `addr` as alice of pki/, with `extra`
/// flags: its exit code and the line about the staple.
fn doctor(dir: &TempDir, addr: &str, extra: &[&str]) -> (Option<i32>, String) {
    let (code, out) = run_bounded(
        Command::new(example("18-mtls-doctor"))
            .current_dir(&dir.0)
            .args([
                "connect",
                "--connect",
                addr,
                "--ca",
                "pki/ca.pem",
                "--server-name",
                "localhost",
                "--cert",
                "pki/client.pem",
                "--key",
                "pki/client.key",
            ])
            .args(extra),
        b"",
        WAIT,
    );
    assert!(!out.contains("panicked"), "{out}");
    let line = out
        .lines()
        .find(|l| l.contains("OCSP response"))
        .unwrap_or_else(|| panic!("the doctor said nothing of the staple: {out}"))
        .to_owned();
    println!("18-mtls-doctor connect: {line}");
    (code, line)
}

/// `openssl ocsp` asking `url` about pki/server.pem as a client would, the
/// answer written to `out`; `extra` flags. Its exit code and what it said.
fn ask(dir: &TempDir, url: &str, out: &str, extra: &[&str]) -> (Option<i32>, String) {
    run_bounded(
        Command::new("openssl")
            .current_dir(&dir.0)
            .args([
                "ocsp",
                "-issuer",
                "pki/ca.pem",
                "-cert",
                "pki/server.pem",
                "-url",
                url,
                // The name a client would dial; without it the Host header
                // would carry the relay's port, and the byte count with it.
                "-header",
                "Host=ocsp.test",
                "-CAfile",
                "pki/ca.pem",
                "-respout",
                out,
            ])
            .args(extra),
        b"",
        WAIT,
    )
}

/// What `openssl ocsp` said about pki/server.pem (`good`, `revoked`, ...).
fn status_of(said: &str) -> &str {
    said.lines()
        .find_map(|l| l.strip_prefix("pki/server.pem: "))
        .unwrap_or_else(|| panic!("no status: {said}"))
}

/// Fetches a fresh staple from `url` into `pki/staple.der` the way a cron
/// job should: into a file beside it, then renamed over it, so that the
/// server never reads half a response.
fn refresh_staple(dir: &TempDir, url: &str) -> String {
    // A new modification time, whatever the file system's resolution.
    std::thread::sleep(Duration::from_millis(20));
    let (code, said) = ask(dir, url, "pki/staple.new", &["-no_nonce"]);
    assert_eq!(code, Some(0), "{said}");
    std::fs::rename(dir.join("pki/staple.new"), dir.join("pki/staple.der")).expect("rename");
    status_of(&said).to_owned()
}

/// The responder for the course CA, from pki/index.txt as it is now.
fn responder(dir: &TempDir, extra: &[&str]) -> (Server, String) {
    let minutes = OCSP_MINUTES.to_string();
    let mut args = vec![
        "-index",
        "pki/index.txt",
        "-rsigner",
        "pki/ca.pem",
        "-rkey",
        "pki/ca.key",
        "-CA",
        "pki/ca.pem",
        "-nmin",
        &minutes,
    ];
    args.extend_from_slice(extra);
    ocsp_responder(dir, &args)
}

/// Everything the run measured and saw, for the tables.
#[derive(Default)]
struct Findings {
    crl_empty: u64,
    crl_one: u64,
    crl_two: u64,
    crl_revoked: String,
    crl_broken: String,
    ocsp_request: u64,
    ocsp_response: u64,
    ocsp_http_up: u64,
    ocsp_http_down: u64,
    ocsp_revoked: String,
    ocsp_down: String,
    staple: u64,
    staple_no_certs: u64,
    server_plain: u64,
    server_stapled: u64,
    client_bytes: u64,
    staple_old: String,
    staple_revoked: String,
    staple_fresh_down: String,
    staple_stale: String,
    staple_stale_lax: String,
    short_before: String,
    short_after: String,
}

fn tables(f: &Findings) -> String {
    let added = f.server_stapled - f.server_plain;
    let mut out = String::new();
    out.push_str("| what is measured | bytes |\n|---|---|\n");
    let rows: Vec<(String, String)> = vec![
        (
            "CRL of the course CA, nothing revoked (`16-tls-certs crl`, DER)".into(),
            f.crl_empty.to_string(),
        ),
        (
            "the same CRL with one serial revoked (`16-tls-certs revoke`)".into(),
            f.crl_one.to_string(),
        ),
        ("the same CRL with two serials revoked".into(), f.crl_two.to_string()),
        (
            "each further revoked serial".into(),
            (f.crl_two - f.crl_one).to_string(),
        ),
        (
            "OCSP request about one certificate, with a nonce (`openssl ocsp -reqout`)".into(),
            f.ocsp_request.to_string(),
        ),
        (
            "OCSP response `good`, with the nonce and the CA's certificate (`-respout`)".into(),
            f.ocsp_response.to_string(),
        ),
        (
            "one OCSP check over HTTP/1.0: client to responder".into(),
            f.ocsp_http_up.to_string(),
        ),
        (
            "one OCSP check over HTTP/1.0: responder to client".into(),
            f.ocsp_http_down.to_string(),
        ),
        (
            "the staple: the response the server fetches, without a nonce (`-no_nonce`)".into(),
            f.staple.to_string(),
        ),
        (
            "a staple from a responder that leaves its certificate out (`-resp_no_certs`)".into(),
            f.staple_no_certs.to_string(),
        ),
        (
            "server to client, one whole connection (handshake, tickets, one echoed line), no staple"
                .into(),
            f.server_plain.to_string(),
        ),
        (
            "the same connection with the staple".into(),
            f.server_stapled.to_string(),
        ),
        (
            "what the staple adds to the server's handshake".into(),
            format!("{added} (the staple and {} of framing)", added - f.staple),
        ),
        (
            "client to server, the same connection, with or without a staple".into(),
            f.client_bytes.to_string(),
        ),
        (
            "revocation data for a short-lived certificate".into(),
            "0".into(),
        ),
    ];
    for (what, bytes) in rows {
        out.push_str(&format!("| {what} | {bytes} |\n"));
    }
    out.push('\n');
    out.push_str(
        "| mechanism | who fetches what | what the run saw when the certificate was revoked | \
         how long a revocation may take (this run's setting) | when the source is down or stale |\n\
         |---|---|---|---|---|\n",
    );
    let q = |s: &str| format!("`{}`", s.replace('|', "\\|").replace('`', "'"));
    out.push_str(&format!(
        "| CRL | every verifier (here the server, about its clients) fetches the CA's whole list | \
         alice connected; `revoke` rewrote `crl.pem`; the next connection: {} | \
         until each verifier fetches the new list: at most the list's nextUpdate, {CRL_DAYS} days (`--days {CRL_DAYS}`) | \
         a list that does not read leaves the last one in force (alice still refused; the server: {}); \
         a list past its nextUpdate is still used (rustls' default) |\n",
        q(&f.crl_revoked),
        q(&f.crl_broken)
    ));
    out.push_str(&format!(
        "| OCSP | each client asks the responder about each certificate it meets (the responder learns who talks to whom) | \
         the first question after the responder read the new index: `{}` | \
         none once the responder knows; a client may cache an answer until its nextUpdate, {OCSP_MINUTES} minute (`-nmin {OCSP_MINUTES}`) | \
         the question fails ({}): connect anyway (fail open) or refuse (fail closed), the client's choice |\n",
        f.ocsp_revoked,
        q(&f.ocsp_down)
    ));
    out.push_str(&format!(
        "| OCSP stapling | the server fetches one answer about its own certificate; clients get it in the handshake | \
         until the server's file was refreshed, the old `good` (`--require-ocsp`: {}); the next handshake after: {} | \
         the server's refresh interval, at most the staple's nextUpdate, {OCSP_MINUTES} minute | \
         responder stopped, staple still fresh: {}; staple past its nextUpdate (`--now` {LATER_MINUTES} minutes on): {}; \
         a client that does not require a staple: {} |\n",
        q(&f.staple_old),
        q(&f.staple_revoked),
        q(&f.staple_fresh_down),
        q(&f.staple_stale),
        q(&f.staple_stale_lax)
    ));
    out.push_str(&format!(
        "| short-lived certificate | the holder fetches a new certificate before its notAfter; nobody fetches revocation data | \
         nothing to revoke: a minute before notAfter {}; a second after {} | \
         the lifetime, {SHORT_DAYS} day (`16-tls-certs --days {SHORT_DAYS}`) | \
         no responder; a CA that is down stops renewals, and the holder stops at notAfter (fail closed) |\n",
        q(&f.short_before),
        q(&f.short_after)
    ));
    out
}

#[test]
fn crls_ocsp_stapling_and_short_lived_certificates_measured() {
    require("openssl", "version", "apt-get install -y openssl");
    let dir = TempDir::new("lesson18", "revocation");
    let mut f = Findings::default();
    certs(&dir, &["--out", "pki"]);

    // CRL: an empty list, then alice on it, then the server too.
    let said = certs(&dir, &["crl", "--out", "pki"]);
    assert!(said.contains("0 serial(s) revoked"), "{said}");
    let crl = dir.join("pki/crl.pem");
    f.crl_empty = crl_bytes(&crl);
    let server = tls_server(&dir, "pki", &["--crl", "pki/crl.pem"]);
    assert_eq!(
        tls_client(&dir, "pki", &server.addr, &[]),
        (Some(0), "(connects)".to_owned())
    );
    std::thread::sleep(Duration::from_millis(20));
    certs(&dir, &["revoke", "--out", "pki", "client"]);
    f.crl_one = crl_bytes(&crl);
    let (code, said) = tls_client(&dir, "pki", &server.addr, &[]);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("revoked"), "{said}");
    f.crl_revoked = said;
    // The list's publication point serves something broken: the server
    // keeps the list it has.
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(&crl, "not a revocation list\n").expect("write");
    let (code, again) = tls_client(&dir, "pki", &server.addr, &[]);
    assert_eq!((code, &again), (Some(1), &f.crl_revoked));
    let log = server.output(Duration::from_millis(200));
    f.crl_broken = log
        .iter()
        .find(|l| l.starts_with("keeping the last revocation list"))
        .map(|l| normalize(l, &dir.0))
        .unwrap_or_default();
    assert!(
        log.iter()
            .any(|l| l.starts_with("loaded the new revocation list")),
        "{log:?}"
    );
    assert!(!f.crl_broken.is_empty(), "{log:?}");
    drop(server);

    // OCSP, asked directly, through a relay that counts the bytes.
    let said = certs(&dir, &["ocsp-index", "--out", "pki"]);
    assert!(said.contains("server V, client R"), "{said}");
    let (ocsp, url) = responder(&dir, &[]);
    let relay = Relay::to(url.trim_start_matches("http://"));
    let (code, said) = ask(
        &dir,
        &format!("http://{}", relay.addr),
        "pki/answer.der",
        &["-reqout", "pki/question.der"],
    );
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("Response verify OK"), "{said}");
    assert_eq!(status_of(&said), "good");
    (f.ocsp_http_up, f.ocsp_http_down) = relay.counts();
    f.ocsp_request = file_bytes(&dir.join("pki/question.der"));
    f.ocsp_response = file_bytes(&dir.join("pki/answer.der"));
    assert!(f.ocsp_http_up > f.ocsp_request && f.ocsp_http_down > f.ocsp_response);

    // Stapling: the server's bytes without and with the staple.
    assert_eq!(refresh_staple(&dir, &url), "good");
    f.staple = file_bytes(&dir.join("pki/staple.der"));
    {
        // A responder that leaves its certificate out of its answers (the
        // client has the CA's certificate already).
        let (_lean, lean) = responder(&dir, &["-resp_no_certs"]);
        let (code, said) = ask(&dir, &lean, "pki/lean.der", &["-no_nonce"]);
        assert_eq!(code, Some(0), "{said}");
        assert_eq!(status_of(&said), "good");
        f.staple_no_certs = file_bytes(&dir.join("pki/lean.der"));
    }
    let plain = tls_server(&dir, "pki", &[]);
    let relay = Relay::to(&plain.addr);
    assert_eq!(
        tls_client(&dir, "pki", &relay.addr, &[]),
        (Some(0), "(connects)".to_owned())
    );
    let (client_plain, server_plain) = relay.counts();
    drop(plain);
    let stapling = tls_server(&dir, "pki", &["--ocsp-response", "pki/staple.der"]);
    let relay = Relay::to(&stapling.addr);
    assert_eq!(
        tls_client(&dir, "pki", &relay.addr, &[]),
        (Some(0), "(connects)".to_owned())
    );
    let (client_stapled, server_stapled) = relay.counts();
    assert_eq!(client_plain, client_stapled, "the client's bytes differ");
    // TLS 1.3 carries the staple in the certificate's entry: an extension
    // header (4 bytes), a status type (1) and a 3-byte length.
    assert_eq!(
        server_stapled - server_plain,
        f.staple + 8,
        "{server_stapled} - {server_plain} is not the staple ({}) and its framing",
        f.staple
    );
    // What the lesson says of these numbers: the staple makes the
    // server's side more than half as large again, and the CA's
    // certificate is more than half of the staple.
    assert!(2 * (server_stapled - server_plain) > server_plain);
    assert!(2 * f.staple_no_certs < f.staple);
    (f.client_bytes, f.server_plain, f.server_stapled) =
        (client_plain, server_plain, server_stapled);
    assert_eq!(
        tls_client(&dir, "pki", &stapling.addr, &["--require-ocsp"]),
        (Some(0), "(connects)".to_owned())
    );
    let (code, line) = doctor(&dir, &stapling.addr, &[]);
    assert_eq!(code, Some(0), "{line}");
    assert!(
        line.starts_with("ok the OCSP response the server at ") && line.contains("is good"),
        "{line}"
    );

    // The responder goes down: the server staples what it has, a client
    // asking directly gets no answer at all.
    drop(ocsp);
    let (code, said) = ask(&dir, &url, "pki/lost.der", &[]);
    assert_ne!(code, Some(0), "{said}");
    f.ocsp_down = said
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(|l| normalize(l, &dir.0))
        .unwrap_or_default();
    let (code, said) = tls_client(&dir, "pki", &stapling.addr, &["--require-ocsp"]);
    assert_eq!(code, Some(0), "{said}");
    f.staple_fresh_down = said;
    // Later (`--now`), past the staple's nextUpdate.
    let later = (unix_now() + 60 * LATER_MINUTES).to_string();
    let (code, said) = tls_client(
        &dir,
        "pki",
        &stapling.addr,
        &["--require-ocsp", "--now", &later],
    );
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("it is stale"), "{said}");
    f.staple_stale = said;
    let (code, said) = tls_client(&dir, "pki", &stapling.addr, &["--now", &later]);
    assert_eq!(code, Some(0), "{said}");
    f.staple_stale_lax = said;
    let (code, line) = doctor(&dir, &stapling.addr, &["--now", &later]);
    assert_eq!(code, Some(1), "{line}");
    assert!(
        line.starts_with("problem expired: the OCSP response the server at ")
            && line.contains("has expired, not the certificate CN=localhost"),
        "{line}"
    );

    // The CA revokes the server's certificate. The responder reads its
    // index when it starts: a new index, a new responder.
    std::thread::sleep(Duration::from_millis(20));
    certs(&dir, &["revoke", "--out", "pki", "server"]);
    f.crl_two = crl_bytes(&crl);
    let said = certs(&dir, &["ocsp-index", "--out", "pki"]);
    assert!(said.contains("server R"), "{said}");
    let (_ocsp, url) = responder(&dir, &[]);
    let (code, said) = ask(&dir, &url, "pki/answer.der", &[]);
    assert_eq!(code, Some(0), "{said}");
    f.ocsp_revoked = format!("server.pem: {}", status_of(&said));
    assert_eq!(f.ocsp_revoked, "server.pem: revoked");
    // The stapling server still has the old answer...
    let (code, said) = tls_client(&dir, "pki", &stapling.addr, &["--require-ocsp"]);
    assert_eq!(code, Some(0), "{said}");
    f.staple_old = said;
    // ... until its file is refreshed.
    assert_eq!(refresh_staple(&dir, &url), "revoked");
    let (code, said) = tls_client(&dir, "pki", &stapling.addr, &["--require-ocsp"]);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("is revoked"), "{said}");
    f.staple_revoked = said;
    let (code, line) = doctor(&dir, &stapling.addr, &[]);
    assert_eq!(code, Some(1), "{line}");
    assert!(
        line.starts_with("problem revoked: the OCSP response the server at ")
            && line.contains("says CN=localhost"),
        "{line}"
    );
    let log = stapling.output(Duration::from_millis(200));
    assert!(
        log.iter()
            .any(|l| l.starts_with("stapling the new OCSP response")),
        "{log:?}"
    );
    drop(stapling);

    // A short-lived certificate: valid for a day, checked a minute before
    // its notAfter and a second after.
    certs(&dir, &["--out", "short", "--days", &SHORT_DAYS.to_string()]);
    let leaf = learn_mtls_real_tls::files::certificates(&dir.join("short/server.pem"))
        .expect("short/server.pem");
    let not_after = learn_mtls_real_tls::x509::summarize(&leaf[0])
        .ok()
        .and_then(|s| learn_mtls_real_tls::clock::unix_seconds(&s.not_after))
        .expect("notAfter");
    let short = tls_server(&dir, "short", &[]);
    let (code, said) = tls_client(
        &dir,
        "short",
        &short.addr,
        &["--now", &(not_after - 60).to_string()],
    );
    assert_eq!(code, Some(0), "{said}");
    f.short_before = said;
    let (code, said) = tls_client(
        &dir,
        "short",
        &short.addr,
        &["--now", &(not_after + 1).to_string()],
    );
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("expired"), "{said}");
    f.short_after = said;

    let generated = tables(&f);
    println!("{generated}");
    lesson_block(START, END, &generated, BLESS);
}

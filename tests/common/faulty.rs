//! A Lesson 10/11 peer with one thing wrong on purpose, for proving that
//! the graders catch it. Built on the graders' own `spec` module (itself
//! proven against the library by the reference runs in `tests/grader.rs`),
//! with a [`Fault`] knob that removes one check or changes one label.
//!
//! The server runs on threads inside the test; the client runs as the test
//! binary itself, re-invoked by the grader as its `--client-cmd` (see
//! [`client_main`]).

use std::io::{BufRead, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use learn_mtls::handshake::Binding;
use learn_mtls::kex::Kex;
use learn_mtls::schedule::KeySchedule;

use learn_mtls_kit::grade::kem::{self, Secrets};
use learn_mtls_kit::grade::spec::{self, Direction, Lesson, Proto, Session, Side, Transcript};

/// The environment variable that turns the test binary into a faulty client.
pub const CLIENT_ENV: &str = "LEARN_MTLS_FAULTY_CLIENT";

/// The one thing this peer gets wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Nothing: the control, which must pass every check.
    None,
    /// Accepts an all-zero X25519 result.
    NoAllZeroCheck,
    /// Verifies signatures with the plain RFC 8032 equation (`verify`,
    /// not `verify_strict`): small-order R and weak keys get through.
    LenientSignature,
    /// Derives the client write key with a misspelt HKDF label.
    WrongHkdfLabel,
    /// Transcript binding: no key confirmation (the server echoes the
    /// empty first record like any message; the client never sends it).
    NoKeyConfirmation,
    /// Seals and opens every record under counter 0.
    CountersNotAdvanced,
    /// The client sends message 3 before it checks the server's signature.
    SignsBeforeChecking,
    /// The server accepts any client key that signs correctly.
    AcceptsAnyKey,
    /// Trusts the length field: waits for a body of up to 65535 bytes.
    NoLengthCheck,
    /// Hybrid: keys from the X25519 secret alone (the ML-KEM key dropped).
    DropsMlKemSecret,
    /// Hybrid: keys from the ML-KEM key alone (the X25519 secret dropped).
    DropsX25519Secret,
    /// Hybrid server: takes whatever the first reads bring for message 1
    /// (at least 1,216 bytes) and drops the rest.
    TakesWhateverArrived,
}

impl Fault {
    pub const ALL: [Fault; 12] = [
        Fault::None,
        Fault::NoAllZeroCheck,
        Fault::LenientSignature,
        Fault::WrongHkdfLabel,
        Fault::NoKeyConfirmation,
        Fault::CountersNotAdvanced,
        Fault::SignsBeforeChecking,
        Fault::AcceptsAnyKey,
        Fault::NoLengthCheck,
        Fault::DropsMlKemSecret,
        Fault::DropsX25519Secret,
        Fault::TakesWhateverArrived,
    ];

    pub fn name(self) -> String {
        format!("{self:?}")
    }

    fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Everything a faulty peer needs to know, as one environment string.
pub fn describe(fault: Fault, p: Proto) -> String {
    let lesson = match p.lesson {
        Lesson::Ten => "10",
        Lesson::Eleven => "11",
    };
    format!(
        "{},{lesson},{},{},{}",
        fault.name(),
        p.binding,
        p.schedule,
        p.kex
    )
}

fn parse(text: &str) -> Option<(Fault, Proto)> {
    let mut parts = text.split(',');
    let fault = Fault::parse(parts.next()?)?;
    let lesson = match parts.next()? {
        "10" => Lesson::Ten,
        "11" => Lesson::Eleven,
        _ => return None,
    };
    let binding: Binding = parts.next()?.parse().ok()?;
    let schedule: KeySchedule = parts.next()?.parse().ok()?;
    let kex: Kex = parts.next()?.parse().ok()?;
    Some((
        fault,
        Proto {
            lesson,
            binding,
            schedule,
            kex,
        },
    ))
}

// ---- What the faults change --------------------------------------------------------

fn labels(fault: Fault) -> [&'static [u8]; 4] {
    let mut labels = spec::LABELS;
    if fault == Fault::WrongHkdfLabel {
        labels[0] = b"learn-mtls v1 client write-key";
    }
    labels
}

fn verifies(fault: Fault, key: &[u8; 32], message: &[u8], signature: &[u8]) -> bool {
    if fault != Fault::LenientSignature {
        return spec::verify_strict(key, message, signature);
    }
    match (
        VerifyingKey::from_bytes(key),
        Signature::from_slice(signature),
    ) {
        (Ok(key), Ok(signature)) => key.verify(message, &signature).is_ok(),
        _ => false,
    }
}

fn all_zero_refused(fault: Fault, secrets: &Secrets) -> bool {
    fault != Fault::NoAllZeroCheck && secrets.x25519 == [0; 32]
}

/// The key schedule's input, as this peer (mis)combines it.
fn shared_secret(fault: Fault, secrets: &Secrets) -> Vec<u8> {
    match (fault, secrets.ml_kem) {
        (Fault::DropsMlKemSecret, Some(_)) => secrets.x25519.to_vec(),
        (Fault::DropsX25519Secret, Some(ml_kem)) => ml_kem.to_vec(),
        _ => secrets.combined(),
    }
}

/// Message 1, `len` bytes: exactly, or (`TakesWhateverArrived`) whatever
/// the reads bring once there are at least `len`, cut to `len`.
fn read_m1(fault: Fault, len: usize, stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut m1 = vec![0u8; len];
    if fault != Fault::TakesWhateverArrived {
        stream.read_exact(&mut m1).ok()?;
        return Some(m1);
    }
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while got.len() < len {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        got.extend_from_slice(&buf[..n]);
    }
    got.truncate(len);
    Some(got)
}

fn seal(fault: Fault, direction: &mut Direction, plaintext: &[u8]) -> Vec<u8> {
    if fault == Fault::CountersNotAdvanced {
        direction.seal_at(0, plaintext)
    } else {
        direction.seal(plaintext)
    }
}

fn open(fault: Fault, direction: &mut Direction, record: &[u8]) -> Option<Vec<u8>> {
    if fault == Fault::CountersNotAdvanced {
        direction.open_at(0, record)
    } else {
        direction.open(record)
    }
}

fn read_array<const N: usize>(stream: &mut TcpStream) -> Option<[u8; N]> {
    let mut bytes = [0u8; N];
    stream.read_exact(&mut bytes).ok()?;
    Some(bytes)
}

fn read_record(fault: Fault, stream: &mut TcpStream) -> Option<Vec<u8>> {
    let header: [u8; 2] = read_array(stream)?;
    let len = usize::from(u16::from_be_bytes(header));
    let max = match fault {
        Fault::NoLengthCheck => usize::from(u16::MAX),
        _ => spec::MAX_LENGTH_FIELD,
    };
    if !(spec::TAG_LEN..=max).contains(&len) {
        return None;
    }
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).ok()?;
    Some([&header[..], &body].concat())
}

// ---- The server ------------------------------------------------------------------

/// A faulty server on a free loopback port, serving until the process ends.
pub fn start_server(fault: Fault, p: Proto, server_seed: [u8; 32], trusted: [u8; 32]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("local address").to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve_one(fault, p, &server_seed, &trusted, stream));
        }
    });
    addr
}

fn serve_one(
    fault: Fault,
    p: Proto,
    server_seed: &[u8; 32],
    trusted: &[u8; 32],
    mut stream: TcpStream,
) -> Option<()> {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let m1 = read_m1(fault, p.m1_len(), &mut stream)?;
    let (reply, secrets) = kem::answer(p.kex, &m1, spec::ephemeral()).ok()?;
    if all_zero_refused(fault, &secrets) {
        return None;
    }
    let signature = spec::sign(server_seed, &spec::server_signed(p, &m1, &reply));
    let m2 = [&reply[..], &signature].concat();
    stream.write_all(&m2).ok()?;
    let m3 = match p.lesson {
        Lesson::Ten => None,
        Lesson::Eleven => {
            let m3: [u8; 96] = read_array(&mut stream)?;
            let key: [u8; 32] = m3[64..].try_into().ok()?;
            let signed = spec::client_signed(p, &m1, &m2, &key);
            let trusted = fault == Fault::AcceptsAnyKey || key == *trusted;
            if !verifies(fault, &key, &signed, &m3[..64]) || !trusted {
                return None;
            }
            Some(m3)
        }
    };
    let transcript = Transcript {
        m1: &m1,
        m2: &m2,
        m3: m3.as_ref(),
    };
    let shared = shared_secret(fault, &secrets);
    let keys = spec::derive_with_labels(p, &shared, &transcript, labels(fault));
    let mut session = Session::new(&keys, Side::Server);
    let confirm = p.lesson == Lesson::Eleven
        && p.binding == Binding::Transcript
        && fault != Fault::NoKeyConfirmation;
    if confirm {
        let first = open(fault, &mut session.recv, &read_record(fault, &mut stream)?)?;
        if !first.is_empty() {
            stream
                .write_all(&seal(fault, &mut session.send, &first))
                .ok()?;
        }
    }
    loop {
        let message = open(fault, &mut session.recv, &read_record(fault, &mut stream)?)?;
        stream
            .write_all(&seal(fault, &mut session.send, &message))
            .ok()?;
    }
}

// ---- The client ------------------------------------------------------------------

/// The test binary as a faulty client: `ADDR KEY_FILE SERVER_PUB_FILE` on
/// the command line, the fault and protocol in [`CLIENT_ENV`], lines on
/// standard input, replies on standard output.
pub fn client_main(setting: &str) -> ExitCode {
    let Some((fault, p)) = parse(setting) else {
        eprintln!("error: cannot parse {CLIENT_ENV}={setting}");
        return ExitCode::FAILURE;
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, key, server_pub] = &args[..] else {
        eprintln!("error: expected ADDR KEY_FILE SERVER_PUB_FILE, got {args:?}");
        return ExitCode::FAILURE;
    };
    match client(fault, p, addr, key, server_pub) {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("error: {why}");
            ExitCode::FAILURE
        }
    }
}

fn client(fault: Fault, p: Proto, addr: &str, key: &str, server_pub: &str) -> Result<(), String> {
    let seed = *learn_mtls::keyfile::read_secret(key)
        .map_err(|e| e.to_string())?
        .to_secret_bytes();
    let pinned = *learn_mtls::keyfile::read_public(server_pub)
        .map_err(|e| e.to_string())?
        .as_bytes();
    let mut stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    let offer = kem::offer(p.kex);
    let m1 = offer.m1.clone();
    stream.write_all(&m1).map_err(|e| e.to_string())?;
    let mut m2 = vec![0u8; p.m2_len()];
    stream.read_exact(&mut m2).map_err(|_| "no message 2")?;
    let reply = kem::server_reply(&m2);
    let m3 = (p.lesson == Lesson::Eleven).then(|| {
        let key = spec::public_key(&seed);
        let signature = spec::sign(&seed, &spec::client_signed(p, &m1, &m2, &key));
        let m3: [u8; 96] = [&signature[..], &key].concat().try_into().expect("96");
        m3
    });
    if fault == Fault::SignsBeforeChecking {
        if let Some(m3) = &m3 {
            stream.write_all(m3).map_err(|e| e.to_string())?;
        }
    }
    if !verifies(
        fault,
        &pinned,
        &spec::server_signed(p, &m1, reply),
        &m2[reply.len()..],
    ) {
        return Err("bad server signature".into());
    }
    let secrets = offer.finish(&m2);
    if all_zero_refused(fault, &secrets) {
        return Err("low-order server share".into());
    }
    if fault != Fault::SignsBeforeChecking {
        if let Some(m3) = &m3 {
            stream.write_all(m3).map_err(|e| e.to_string())?;
        }
    }
    let transcript = Transcript {
        m1: &m1,
        m2: &m2,
        m3: m3.as_ref(),
    };
    let shared = shared_secret(fault, &secrets);
    let keys = spec::derive_with_labels(p, &shared, &transcript, labels(fault));
    let mut session = Session::new(&keys, Side::Client);
    if p.lesson == Lesson::Eleven
        && p.binding == Binding::Transcript
        && fault != Fault::NoKeyConfirmation
    {
        let record = seal(fault, &mut session.send, b"");
        stream.write_all(&record).map_err(|e| e.to_string())?;
    }
    let mut out = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|e| e.to_string())?;
        let record = seal(fault, &mut session.send, line.as_bytes());
        stream.write_all(&record).map_err(|e| e.to_string())?;
        let reply = read_record(fault, &mut stream).ok_or("no reply")?;
        let reply = open(fault, &mut session.recv, &reply).ok_or("a reply that does not open")?;
        out.write_all(&reply).map_err(|e| e.to_string())?;
        out.write_all(b"\n").map_err(|e| e.to_string())?;
        out.flush().map_err(|e| e.to_string())?;
    }
    Ok(())
}

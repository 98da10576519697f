//! The checks of Lesson 10's exercises.

use std::fmt::Display;
use std::io::Write;
use std::mem::discriminant;
use std::net::TcpStream;
use std::time::Duration;

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Tag};
use learn_mtls::handshake::{Binding, HandshakeError, SERVER_ONLY_SERVER_CONTEXT, server_only};
use learn_mtls::keys::IdentityKey;
use learn_mtls::net::os_rng;
use learn_mtls::raw::{self, TrafficKeys};
use learn_mtls::record::{HEADER_LEN, MAX_PLAINTEXT_LEN, RecordError, Session, TAG_LEN};
use learn_mtls::schedule::KeySchedule;
use learn_mtls::wire::{ClientHello, ServerHello};
use learn_mtls_exercises::lesson10;
use learn_mtls_exercises::lesson10::records::RecordLayer;
use learn_mtls_exercises::support::{public_share, read_record, sha256};

use crate::harness::{Context, Result, below, fail, hex, random, same, same_bytes};
use crate::processes::{Running, scratch_dir, write_keys};

/// Both bindings, the one Lesson 10's binaries use by default first.
pub const BINDINGS: [Binding; 2] = [Binding::InsecureLesson11, Binding::Transcript];

/// 32 bytes from 64 hex digits (the checks' own constants).
pub fn h32(text: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).expect("a hex constant");
    }
    out
}

/// X25519 shares of low order: each forces an all-zero shared secret
/// (RFC 7748 section 7; the list libsodium refuses).
const LOW_ORDER: [&str; 9] = [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
];

fn compare_shared(own: &[u8; 32], peer: &[u8; 32]) -> Result {
    let input = format!("own_secret = {}, peer_share = {}", hex(own), hex(peer));
    let expected = raw::shared_secret(own, peer);
    let got = lesson10::shared_secret::shared_secret(own, peer);
    match (expected, got) {
        (Ok(e), Ok(g)) => same_bytes("the shared secret", &input, &e[..], &g[..]),
        (Err(e), Ok(g)) => Err(fail(format!(
            "a low-order share must be refused\n  input:    {input}\n  expected: Err({e:?})\n  got:      Ok({})",
            hex(&g[..])
        ))),
        (Ok(e), Err(g)) => Err(fail(format!(
            "a good share was refused\n  input:    {input}\n  expected: Ok({})\n  got:      Err({g:?})",
            hex(&e[..])
        ))),
        (Err(e), Err(g)) => same("the error", &input, &e, &g),
    }
}

/// One record each way between a session of ours and the library's.
fn exchange(mine: &mut Session, theirs: &mut Session, what: &str) -> Result {
    let mut buf = [0u8; 128];
    for (i, text) in [&b"ping"[..], b"second record"].iter().enumerate() {
        let len = theirs.seal(text, &mut buf).context("sealing")?;
        let opened = mine.open_in_place(&mut buf[..len]).map_err(|e| {
            fail(format!(
                "{what}: record {i} sealed by the real library did not open ({e})"
            ))
        })?;
        same_bytes("the opened record", &what, text, opened)?;
        let len = mine.seal(text, &mut buf).context("sealing")?;
        theirs.open_in_place(&mut buf[..len]).map_err(|e| {
            fail(format!(
                "{what}: the real library could not open record {i} sealed with your keys ({e})"
            ))
        })?;
    }
    Ok(())
}

/// A real Lesson 10 handshake from our side: the client's secret and
/// message 1, the server's session and message 2, and the transcript hash.
struct RealHandshake {
    secret: [u8; 32],
    hello: ClientHello,
    server_hello: ServerHello,
    server: Session,
    transcript_hash: Option<[u8; 32]>,
}

fn real_handshake(binding: Binding) -> Result<RealHandshake> {
    let key = IdentityKey::generate(&mut os_rng());
    let secret = random::<32>();
    let hello = ClientHello {
        share: public_share(&secret),
    };
    let (server, server_hello) = server_only::Server::new(&key, binding)
        .read_client_hello(&mut os_rng(), &hello)
        .context("the real server")?;
    let transcript_hash = (binding == Binding::Transcript)
        .then(|| sha256(&[&hello.to_bytes(), &server_hello.to_bytes()]));
    Ok(RealHandshake {
        secret,
        hello,
        server_hello,
        server,
        transcript_hash,
    })
}

/// 10.1: the shared secret.
pub fn shared_secret() -> Result {
    crate::harness::not_the_library_itself(
        "10.1",
        "exercises/src/lesson10/shared_secret.rs",
        include_str!("../src/lesson10/shared_secret.rs"),
        "shared_secret",
    )?;
    // RFC 7748 section 6.1: Alice's secret, Bob's share, their shared secret.
    let alice = h32("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    let bob = h32("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    let k = h32("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    let got = lesson10::shared_secret::shared_secret(&alice, &bob);
    let got = got.map_err(|e| fail(format!("RFC 7748's example was refused: {e}")))?;
    same_bytes(
        "the shared secret of RFC 7748 section 6.1",
        &"Alice's secret, Bob's share",
        &k,
        &got[..],
    )?;
    for point in LOW_ORDER {
        compare_shared(&random(), &h32(point))?;
    }
    for _ in 0..100 {
        compare_shared(&random(), &public_share(&random()))?;
    }
    for binding in BINDINGS {
        let mut real = real_handshake(binding)?;
        let shared = lesson10::shared_secret::shared_secret(&real.secret, &real.server_hello.share)
            .map_err(|e| fail(format!("the real server's share was refused: {e}")))?;
        let keys = raw::traffic_keys(
            KeySchedule::Hkdf,
            &shared,
            &real.hello.share,
            &real.server_hello.share,
            real.transcript_hash,
        );
        let what = format!("a real handshake ({binding} binding) with your shared secret");
        exchange(&mut raw::client_session(&keys), &mut real.server, &what)?;
    }
    Ok(())
}

fn compare_schedule(shared: &[u8; 32], salt: Option<&[u8; 32]>) -> Result {
    let input = format!(
        "shared_secret = {}, transcript_hash = {}",
        hex(shared),
        salt.map_or("None (lesson11 binding)".to_owned(), |s| hex(s))
    );
    let expected = raw::traffic_keys(KeySchedule::Hkdf, shared, &[0; 32], &[0; 32], salt.copied());
    let got = lesson10::key_schedule::key_schedule(shared, salt);
    same_keys(&expected, &got, &input)
}

/// Compares the four secrets one by one.
pub fn same_keys(expected: &TrafficKeys, got: &TrafficKeys, input: &dyn Display) -> Result {
    same_bytes(
        "client_write_key",
        input,
        &expected.client_write_key,
        &got.client_write_key,
    )?;
    same_bytes(
        "client_write_iv",
        input,
        &expected.client_write_iv,
        &got.client_write_iv,
    )?;
    same_bytes(
        "server_write_key",
        input,
        &expected.server_write_key,
        &got.server_write_key,
    )?;
    same_bytes(
        "server_write_iv",
        input,
        &expected.server_write_iv,
        &got.server_write_iv,
    )
}

/// 10.2: the HKDF key schedule.
pub fn key_schedule() -> Result {
    crate::harness::not_the_library_itself(
        "10.2",
        "exercises/src/lesson10/key_schedule.rs",
        include_str!("../src/lesson10/key_schedule.rs"),
        "traffic_keys",
    )?;
    let k = h32("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    compare_schedule(&k, None)?;
    compare_schedule(&k, Some(&sha256(&[b""])))?;
    compare_schedule(&[0; 32], Some(&[0xff; 32]))?;
    for _ in 0..50 {
        compare_schedule(&random(), None)?;
        compare_schedule(&random(), Some(&random()))?;
    }
    for binding in BINDINGS {
        let mut real = real_handshake(binding)?;
        let shared = raw::shared_secret(&real.secret, &real.server_hello.share)
            .context("the shared secret")?;
        let keys = lesson10::key_schedule::key_schedule(&shared, real.transcript_hash.as_ref());
        let what = format!("a real handshake ({binding} binding) with your keys");
        exchange(&mut raw::client_session(&keys), &mut real.server, &what)?;
    }
    Ok(())
}

/// 10.3: the record nonce.
pub fn nonce() -> Result {
    crate::harness::not_the_library_itself(
        "10.3",
        "exercises/src/lesson10/nonce.rs",
        include_str!("../src/lesson10/nonce.rs"),
        "record_nonce",
    )?;
    let edges = [
        0,
        1,
        2,
        255,
        256,
        0xffff,
        0xffff_ffff,
        1 << 32,
        1 << 56,
        0x0102_0304_0506_0708,
        u64::MAX - 1,
        u64::MAX,
    ];
    let randoms: Vec<u64> = (0..100).map(|_| u64::from_le_bytes(random())).collect();
    for (i, counter) in edges.into_iter().chain(randoms).enumerate() {
        let iv = if i == 0 { [0u8; 12] } else { random() };
        let input = format!("iv = {}, counter = {counter} ({counter:#x})", hex(&iv));
        let got = lesson10::nonce::record_nonce(&iv, counter);
        same_bytes("the nonce", &input, &raw::record_nonce(&iv, counter), &got)?;
    }
    // Records sealed by the library open under your nonces.
    let keys = random_keys();
    let mut server = raw::server_session(&keys);
    let cipher = ChaCha20Poly1305::new(&keys.server_write_key.into());
    for counter in 0..5u64 {
        let mut record = [0u8; 64];
        let len = server.seal(b"hello", &mut record).context("sealing")?;
        let (header, body) = record[..len].split_at_mut(HEADER_LEN);
        let (ciphertext, tag) = body.split_at_mut(len - HEADER_LEN - TAG_LEN);
        let tag = Tag::try_from(&*tag).context("the tag")?;
        let nonce = lesson10::nonce::record_nonce(&keys.server_write_iv, counter);
        cipher
            .decrypt_inout_detached(&nonce.into(), header, ciphertext.into(), &tag)
            .map_err(|_| {
                fail(format!(
                    "record {counter} sealed by the real library did not open with your nonce for counter {counter}"
                ))
            })?;
    }
    Ok(())
}

/// Random traffic keys (not from any handshake).
pub fn random_keys() -> TrafficKeys {
    TrafficKeys {
        client_write_key: random(),
        client_write_iv: random(),
        server_write_key: random(),
        server_write_iv: random(),
    }
}

fn lib_seal(session: &mut Session, plaintext: &[u8]) -> std::result::Result<Vec<u8>, RecordError> {
    let mut out = vec![0u8; plaintext.len() + HEADER_LEN + TAG_LEN];
    let len = session.seal(plaintext, &mut out)?;
    out.truncate(len);
    Ok(out)
}

fn lib_open(session: &mut Session, record: &[u8]) -> std::result::Result<Vec<u8>, RecordError> {
    let mut copy = record.to_vec();
    session.open_in_place(&mut copy).map(<[u8]>::to_vec)
}

type RecordResult = std::result::Result<Vec<u8>, RecordError>;

fn same_result(
    what: &str,
    input: &dyn Display,
    expected: &RecordResult,
    got: &RecordResult,
) -> Result {
    match (expected, got) {
        (Ok(e), Ok(g)) => same_bytes(what, input, e, g),
        (Err(e), Err(g)) if discriminant(e) == discriminant(g) => Ok(()),
        _ => Err(fail(format!(
            "{what} is wrong\n  input:    {input}\n  expected: {}\n  got:      {}",
            show(expected),
            show(got)
        ))),
    }
}

fn show(result: &RecordResult) -> String {
    match result {
        Ok(bytes) => format!("Ok({})", hex(bytes)),
        Err(e) => format!("Err({e:?}): {e}"),
    }
}

/// 10.4: sealing and opening records.
pub fn records() -> Result {
    let keys = random_keys();
    // Sealing: byte for byte what the library seals, record after record.
    let mut lib = raw::client_session(&keys);
    let mut mine = RecordLayer::new(&keys.client_write_key, &keys.client_write_iv);
    let mut lengths = vec![0, 1, 15, 16, 17, 100, 1000, MAX_PLAINTEXT_LEN];
    lengths.extend((0..20).map(|_| below(300)));
    for (n, len) in lengths.into_iter().enumerate() {
        let plaintext: Vec<u8> = (0..len).map(|_| random::<1>()[0]).collect();
        let input = format!("record {n} sealed (counter {n}), plaintext of {len} bytes");
        same_result(
            "the sealed record",
            &input,
            &lib_seal(&mut lib, &plaintext),
            &mine.seal(&plaintext),
        )?;
    }
    let too_long = vec![0u8; MAX_PLAINTEXT_LEN + 1];
    let input = format!("a plaintext of {} bytes", too_long.len());
    same_result(
        "sealing",
        &input,
        &lib_seal(&mut lib, &too_long),
        &mine.seal(&too_long),
    )?;

    // Opening: the same answers as the library, step by step.
    let mut sender = raw::server_session(&keys);
    let records: Vec<Vec<u8>> = (0..6)
        .map(|i| lib_seal(&mut sender, format!("record {i}").as_bytes()))
        .collect::<std::result::Result<_, _>>()
        .context("sealing")?;
    let flipped = |record: &[u8]| {
        let mut copy = record.to_vec();
        let at = HEADER_LEN + below(copy.len() - HEADER_LEN);
        copy[at] ^= 1 << below(8);
        copy
    };
    let mut longer = records[3].clone();
    longer.push(0);
    let mut huge = vec![0xff, 0xff];
    huge.extend_from_slice(&[0; 20]);
    let steps: Vec<(String, Vec<u8>)> = vec![
        ("record 0".into(), records[0].clone()),
        ("record 1 with one bit flipped".into(), flipped(&records[1])),
        ("record 1".into(), records[1].clone()),
        ("record 1 again (a replay)".into(), records[1].clone()),
        (
            "record 2 cut short by one byte".into(),
            records[2][..records[2].len() - 1].to_vec(),
        ),
        ("record 2".into(), records[2].clone()),
        ("no bytes at all".into(), Vec::new()),
        ("a single byte".into(), vec![0]),
        ("a header announcing 65535 bytes".into(), huge),
        (
            "a header announcing 5 bytes".into(),
            vec![0, 5, 1, 2, 3, 4, 5],
        ),
        ("record 3 with a byte appended".into(), longer),
        (
            "record 4 before record 3 (reordered)".into(),
            records[4].clone(),
        ),
        ("record 3".into(), records[3].clone()),
        ("record 4".into(), records[4].clone()),
    ];
    let mut lib = raw::client_session(&keys);
    let mut mine = RecordLayer::new(&keys.server_write_key, &keys.server_write_iv);
    for (n, (what, record)) in steps.iter().enumerate() {
        // Say what came before on the same opener: a failure here is often
        // a counter that moved on an earlier step.
        let before: Vec<&str> = steps[..n].iter().map(|(w, _)| w.as_str()).collect();
        let before = if before.is_empty() {
            "nothing yet".to_owned()
        } else {
            before.join("; ")
        };
        let input = format!(
            "one opener, step {n}: {what}: {}\n            \
             (given to the same opener before, in order: {before})",
            hex(record)
        );
        same_result(
            "opening",
            &input,
            &lib_open(&mut lib, record),
            &mine.open(record),
        )?;
    }

    // A real handshake: your record layers talk to the library's session.
    for binding in BINDINGS {
        let mut real = real_handshake(binding)?;
        let shared = raw::shared_secret(&real.secret, &real.server_hello.share)
            .context("the shared secret")?;
        let keys = raw::traffic_keys(
            KeySchedule::Hkdf,
            &shared,
            &real.hello.share,
            &real.server_hello.share,
            real.transcript_hash,
        );
        let mut sealer = RecordLayer::new(&keys.client_write_key, &keys.client_write_iv);
        let mut opener = RecordLayer::new(&keys.server_write_key, &keys.server_write_iv);
        for i in 0..5 {
            let text = format!("message {i} of a real {binding} session");
            let record = sealer.seal(text.as_bytes()).context("your seal")?;
            let opened = lib_open(&mut real.server, &record).map_err(|e| {
                fail(format!(
                    "the real server could not open your record {i}: {e}"
                ))
            })?;
            same_bytes("what the server opened", &text, text.as_bytes(), &opened)?;
            let reply = lib_seal(&mut real.server, text.as_bytes()).context("sealing")?;
            let opened = opener.open(&reply).map_err(|e| {
                fail(format!(
                    "your open refused the real server's record {i}: {e}"
                ))
            })?;
            same_bytes("what you opened", &text, text.as_bytes(), &opened)?;
        }
    }
    Ok(())
}

/// `signature` with L added to its S half: the same signature, non-canonically
/// encoded (malleated), which strict verification refuses.
pub fn malleate(signature: &mut [u8; 64]) {
    // The group order L, little-endian (RFC 8032 section 5.1).
    let order = h32("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
    let mut carry = 0u16;
    for (s, l) in signature[32..].iter_mut().zip(order) {
        let sum = u16::from(*s) + u16::from(l) + carry;
        *s = sum as u8;
        carry = sum >> 8;
    }
}

/// 10.5: the client's check of message 2.
pub fn server_signature() -> Result {
    let server = IdentityKey::generate(&mut os_rng());
    let other = IdentityKey::generate(&mut os_rng());
    type Tamper = fn(&mut ServerHello);
    let cases: [(&str, bool, bool, Tamper); 7] = [
        ("a genuine message 2", false, false, |_| {}),
        (
            "message 2 from a server whose key is not the pinned one",
            true,
            false,
            |_| {},
        ),
        ("one bit of the signature flipped", false, false, |m| {
            m.signature[7] ^= 0x10
        }),
        (
            "the share replaced, the signature kept",
            false,
            false,
            |m| m.share = public_share(&random()),
        ),
        (
            "a signature made under the other binding",
            false,
            true,
            |_| {},
        ),
        (
            "the signature's S made non-canonical (S + L)",
            false,
            false,
            |m| malleate(&mut m.signature),
        ),
        ("a signature of 64 zero bytes", false, false, |m| {
            m.signature = [0; 64]
        }),
    ];
    for binding in BINDINGS {
        for (what, impostor, other_binding, tamper) in cases {
            let signer = if impostor { &other } else { &server };
            let signer_binding = match (other_binding, binding) {
                (false, b) => b,
                (true, Binding::Transcript) => Binding::InsecureLesson11,
                (true, Binding::InsecureLesson11) => Binding::Transcript,
            };
            let (client, hello) =
                server_only::Client::start(&mut os_rng(), server.public(), binding);
            let (_, mut server_hello) = server_only::Server::new(signer, signer_binding)
                .read_client_hello(&mut os_rng(), &hello)
                .context("the real server")?;
            if what == "a genuine message 2" && binding == Binding::Transcript {
                // The library's own builder of signed content agrees with
                // its handshake (the Lesson 13 exercises compare with it).
                let hash = sha256(&[&hello.share, &server_hello.share]);
                let signed = raw::transcript_signed_content(SERVER_ONLY_SERVER_CONTEXT, &hash)
                    .ok_or_else(|| fail("internal: a context too long"))?;
                if !server
                    .public()
                    .verify_strict(signed.as_bytes(), &server_hello.signature)
                {
                    return Err(fail(
                        "internal: raw::transcript_signed_content disagrees with the handshake",
                    ));
                }
            }
            tamper(&mut server_hello);
            let expected = client.read_server_hello(&server_hello).map(|_| ());
            let got = lesson10::server_signature::check_server_signature(
                &server.public(),
                binding,
                &hello,
                &server_hello,
            );
            let input = format!(
                "{what}, {binding} binding\n            message 1 = {}\n            message 2 = {}",
                hex(&hello.to_bytes()),
                hex(&server_hello.to_bytes())
            );
            same::<std::result::Result<(), HandshakeError>>(
                "your verdict",
                &input,
                &expected,
                &got,
            )?;
        }
    }
    Ok(())
}

/// 10.6: the learner's client against the real `10-server`.
pub fn client() -> Result {
    let dir = scratch_dir("10.6")?;
    let server_key = IdentityKey::generate(&mut os_rng());
    let impostor = IdentityKey::generate(&mut os_rng());
    write_keys(&dir, "server", &server_key)?;
    for binding in BINDINGS {
        let mut server = Running::start(
            "10-server",
            &[
                "--listen",
                "127.0.0.1:0",
                "--key",
                "server.key",
                "--binding",
                binding.name(),
            ],
            &dir,
        )?;
        let address = server.listening_address()?;
        let mut stream = connect(&address)?;
        let (mut sealer, mut opener) = lesson10::client::connect(
            &mut stream,
            &server_key.public(),
            binding,
        )
        .map_err(|e| {
            fail(format!(
                "your client failed the handshake with the real 10-server ({binding} binding): {}",
                crate::harness::explain(&*e)
            ))
        })?;
        for i in 0..3 {
            let text = format!("exercise 10.6, message {i}, {binding} binding");
            let record = sealer.seal(text.as_bytes()).context("your seal")?;
            stream.write_all(&record).context("sending a record")?;
            let reply = read_record(&mut stream).map_err(|e| {
                fail(format!(
                    "the real 10-server ({binding} binding) hung up instead of echoing your \
                     message {i} ({e}): it could not open your record, so your keys differ from \
                     its own (the salt: none under lesson11, SHA-256(message 1 || message 2) \
                     under transcript; you seal with the client's write key and IV)"
                ))
            })?;
            let opened = opener.open(&reply).map_err(|e| {
                fail(format!(
                    "your client could not open the server's echo {i}: {e}"
                ))
            })?;
            same_bytes("the echo", &text, text.as_bytes(), &opened)?;
        }
        let line = server.next_line(Duration::from_secs(10))?;
        if !line.starts_with("accepted anonymous client") {
            return Err(fail(format!("the real 10-server said {line:?}")));
        }
        // Pinning another key: the client must refuse this server.
        let mut stream = connect(&address)?;
        if lesson10::client::connect(&mut stream, &impostor.public(), binding).is_ok() {
            return Err(fail(format!(
                "your client accepted the 10-server ({binding} binding) although the pinned key was another server's"
            )));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// A loopback connection that gives up rather than hang a check.
pub fn connect(address: &str) -> Result<TcpStream> {
    let stream = TcpStream::connect(address).context(&format!("connecting to {address}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .context("setting a timeout")?;
    stream
        .set_write_timeout(Some(Duration::from_secs(10)))
        .context("setting a timeout")?;
    Ok(stream)
}

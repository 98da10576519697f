//! Lesson 19: harvest now, decrypt later.
//!
//! ```console
//! $ cargo run --example 19-attack-harvest
//! ```
//!
//! Mallory taps the wire on loopback and records two sessions between
//! alice and the server, byte for byte: one with the classical key
//! exchange (`--kex x25519`), one with the hybrid one (`--kex
//! x25519-mlkem768`). Both use the transcript binding, the library's
//! default. Years later a quantum computer breaks X25519: given alice's
//! 32-byte share, it finds the secret behind it (a discrete logarithm).
//! Here that computer is simulated by handing Mallory alice's ephemeral
//! X25519 secret, and she checks that it really is the secret behind the
//! recorded share before she uses it.
//!
//! With it she recomputes the classical session's keys from the recording
//! and the specification alone, and reads every record. The hybrid
//! session's keys also need ML-KEM-768's shared key, which X25519's secret
//! does not give: its records stay shut.
//!
//! Exits 0 when both outcomes are the ones Lesson 19 teaches (the classical
//! recording decrypts, the hybrid one does not), 1 otherwise.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use chacha20::ChaCha20Rng;
use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce, Tag};
use clap::Parser;
use hkdf::Hkdf;
use learn_mtls::handshake::{Binding, mutual};
use learn_mtls::kex::{Kex, KeyExchange, X25519, X25519MlKem768};
use learn_mtls::keys::IdentityKey;
use learn_mtls::net;
use learn_mtls::rand_core::{Rng, SeedableRng};
use learn_mtls::record::{HEADER_LEN, Session};
use learn_mtls::trust::{ClientName, PinnedClient};
use learn_mtls::wire::{CLIENT_AUTH_LEN, ClientAuth, Message};
use sha2::{Digest, Sha256};

const TIMEOUT: Duration = Duration::from_secs(10);

/// What alice says in each session: what Mallory wants.
const SECRETS: [&[u8]; 2] = [b"the vault code is 31-41-59", b"wire the money on friday"];

/// No options: `--help` says what the attack does, and a typo is an error.
#[derive(Parser)]
#[command(
    about = "Lesson 19: harvest now, decrypt later. Records a classical and a hybrid session \
             on loopback, then decrypts them with alice's X25519 secret (a stand-in for a \
             quantum computer): the classical one opens, the hybrid one does not. Exits 0 when \
             both outcomes are the ones the lesson teaches."
)]
struct Args {}

fn main() -> ExitCode {
    let Args {} = Args::parse();
    println!("Lesson 19: harvest now, decrypt later\n");
    match run() {
        Ok(true) => {
            println!(
                "\nas taught: the recording of the classical session decrypts once X25519 falls; \
                 the hybrid one does not"
            );
            ExitCode::SUCCESS
        }
        Ok(false) => {
            println!("\nNOT as taught: see above");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<bool, String> {
    let mut rng = net::os_rng();
    let server_key = Arc::new(IdentityKey::generate(&mut rng));
    let alice = IdentityKey::generate(&mut rng);
    let policy = Arc::new(PinnedClient::new(
        alice.public(),
        ClientName::new("alice").map_err(|e| e.to_string())?,
    ));

    let classical = session(X25519, &server_key, &policy, &alice)?;
    let hybrid = session(X25519MlKem768, &server_key, &policy, &alice)?;

    println!("\nyears later, a quantum computer breaks X25519: it hands Mallory alice's secrets");
    let sent: Vec<Vec<u8>> = SECRETS.iter().map(|s| s.to_vec()).collect();
    let read_classical = decrypt_later(Kex::X25519, &classical);
    let read_hybrid = decrypt_later(Kex::X25519MlKem768, &hybrid);

    // The control: the hybrid recording is not shut by some mistake of
    // Mallory's parsing. With the one thing she lacks, alice's ML-KEM
    // decapsulation key (which never left alice), the same steps open it.
    let control = control_with_ml_kem_key(&hybrid);
    println!(
        "control: with alice's ML-KEM decapsulation key, which never left her machine, the \
         hybrid records {}",
        if control.as_ref() == Some(&sent) {
            "open"
        } else {
            "still do not open (a bug)"
        }
    );

    Ok(read_classical == Some(sent.clone()) && read_hybrid.is_none() && control == Some(sent))
}

/// One session as the wire saw it, and what the future hands Mallory.
struct Harvest {
    /// Every byte alice sent, in order.
    client_to_server: Vec<u8>,
    /// Every byte the server sent, in order.
    server_to_client: Vec<u8>,
    /// Alice's ephemeral X25519 secret: what breaking X25519 would give.
    leaked_x25519_secret: [u8; 32],
    /// Alice's randomness, for the control only: Mallory never has it.
    alice_seed: [u8; 32],
}

/// Alice talks to the server through Mallory's tap: the real server code,
/// and alice's real handshake steps with her randomness in hand.
fn session<K: KeyExchange>(
    kex: K,
    server_key: &Arc<IdentityKey>,
    policy: &Arc<PinnedClient>,
    alice: &IdentityKey,
) -> Result<Harvest, String> {
    let server = start_server(K::KEX, server_key, policy)?;
    let (tap, recorded) = start_tap(server)?;

    // Alice's randomness: fresh from the OS, through a ChaCha20 generator
    // so that this simulation can hand over what it produced.
    let mut seed = [0u8; 32];
    net::os_rng().fill_bytes(&mut seed);
    let mut alice_rng = ChaCha20Rng::from_seed(seed);
    let mut leaked_x25519_secret = [0u8; 32];
    ChaCha20Rng::from_seed(seed).fill_bytes(&mut leaked_x25519_secret);

    let mut stream = TcpStream::connect(tap).map_err(|e| format!("cannot connect: {e}"))?;
    stream
        .set_read_timeout(Some(TIMEOUT))
        .map_err(|e| e.to_string())?;
    let (client, hello) = mutual::Client::start_kex(
        &mut alice_rng,
        kex,
        alice,
        server_key.public(),
        Binding::Transcript,
    );
    send(&mut stream, hello.encode().as_ref())?;
    let mut m2 = K::ServerHello::zeroed();
    stream
        .read_exact(m2.as_mut())
        .map_err(|e| format!("reading message 2: {e}"))?;
    let (mut session, auth) = client
        .read_server_hello(&K::ServerHello::decode(&m2))
        .map_err(|e| e.to_string())?;
    send(&mut stream, &auth.to_bytes())?;
    let mut echoed = Vec::new();
    for secret in SECRETS {
        send(&mut stream, &seal(&mut session, secret))?;
        echoed.push(receive(&mut stream, &mut session)?);
    }
    let _ = stream.shutdown(Shutdown::Write);
    if echoed != SECRETS {
        return Err("the server did not echo alice's messages".into());
    }
    let (client_to_server, server_to_client) = recorded()?;
    println!(
        "recorded a {} session: {} bytes from alice, {} from the server (message 1 {} bytes, \
         message 2 {}, message 3 {})",
        K::KEX,
        client_to_server.len(),
        server_to_client.len(),
        K::ClientHello::LEN,
        K::ServerHello::LEN,
        CLIENT_AUTH_LEN
    );
    Ok(Harvest {
        client_to_server,
        server_to_client,
        leaked_x25519_secret,
        alice_seed: seed,
    })
}

/// The server side: the library's `accept_tcp_with`, then an echo; one
/// connection.
fn start_server(
    kex: Kex,
    key: &Arc<IdentityKey>,
    policy: &Arc<PinnedClient>,
) -> Result<SocketAddr, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot listen: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (key, policy) = (Arc::clone(key), Arc::clone(policy));
    thread::spawn(move || {
        if let Ok((stream, _)) = listener.accept()
            && let Ok((mut channel, _)) =
                net::accept_tcp_with(stream, &key, &*policy, Binding::Transcript, kex, TIMEOUT)
        {
            let _ = net::echo_back(&mut channel);
        }
    });
    Ok(addr)
}

type Recorded = Box<dyn FnOnce() -> Result<(Vec<u8>, Vec<u8>), String>>;

/// Mallory's tap: relays one connection to `upstream` untouched and keeps
/// a copy of every byte, each direction on its own.
fn start_tap(upstream: SocketAddr) -> Result<(SocketAddr, Recorded), String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot listen: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let relay = thread::spawn(move || -> std::io::Result<(Vec<u8>, Vec<u8>)> {
        let (client, _) = listener.accept()?;
        let server = TcpStream::connect(upstream)?;
        let up = copy_and_keep(client.try_clone()?, server.try_clone()?);
        let down = copy_and_keep(server, client);
        let join = |h: thread::JoinHandle<Vec<u8>>| h.join().unwrap_or_default();
        Ok((join(up), join(down)))
    });
    let recorded: Recorded = Box::new(move || {
        relay
            .join()
            .map_err(|_| "the tap panicked".to_owned())?
            .map_err(|e| format!("the tap failed: {e}"))
    });
    Ok((addr, recorded))
}

fn copy_and_keep(mut from: TcpStream, mut to: TcpStream) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let kept = Mutex::new(Vec::new());
        let mut buf = [0u8; 4096];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if let Ok(mut kept) = kept.lock() {
                        kept.extend_from_slice(&buf[..n]);
                    }
                    if to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(Shutdown::Write);
        kept.into_inner().unwrap_or_default()
    })
}

fn send(stream: &mut TcpStream, bytes: &[u8]) -> Result<(), String> {
    stream.write_all(bytes).map_err(|e| format!("sending: {e}"))
}

fn seal(session: &mut Session, plaintext: &[u8]) -> Vec<u8> {
    let mut record = vec![0u8; HEADER_LEN + plaintext.len() + 16];
    let len = session.seal(plaintext, &mut record).unwrap_or(0);
    record.truncate(len);
    record
}

fn receive(stream: &mut TcpStream, session: &mut Session) -> Result<Vec<u8>, String> {
    let mut header = [0u8; HEADER_LEN];
    stream
        .read_exact(&mut header)
        .map_err(|e| format!("reading a record: {e}"))?;
    let mut record = header.to_vec();
    record.resize(HEADER_LEN + usize::from(u16::from_be_bytes(header)), 0);
    stream
        .read_exact(&mut record[HEADER_LEN..])
        .map_err(|e| format!("reading a record: {e}"))?;
    Ok(session
        .open_in_place(&mut record)
        .map_err(|e| e.to_string())?
        .to_vec())
}

// ---- Years later: Mallory with the recording and the specification -------

/// Mallory's work, from the recording and the leaked X25519 secret only,
/// following the specification (lessons/19-post-quantum.md). `Some` with
/// alice's messages if they open.
fn decrypt_later(kex: Kex, harvest: &Harvest) -> Option<Vec<Vec<u8>>> {
    decrypt_with(kex, harvest, None)
}

/// The hybrid recording opened with the ML-KEM key Mallory does not have:
/// alice's decapsulation key is made from the 64 bytes of her randomness
/// after her X25519 secret (d, then z).
fn control_with_ml_kem_key(harvest: &Harvest) -> Option<Vec<Vec<u8>>> {
    use ml_kem::kem::Decapsulate as _;
    let mut rng = ChaCha20Rng::from_seed(harvest.alice_seed);
    let mut seed = [0u8; 96];
    rng.fill_bytes(&mut seed);
    let dk = ml_kem::DecapsulationKey::<ml_kem::MlKem768>::from_seed(seed[32..].try_into().ok()?);
    let m2 = &harvest.server_to_client[..Kex::X25519MlKem768.server_hello_len()];
    let ciphertext: ml_kem::Ciphertext<ml_kem::MlKem768> = m2[..1088].try_into().ok()?;
    let key = dk.decapsulate(&ciphertext);
    let key: [u8; 32] = key.as_slice().try_into().ok()?;
    decrypt_with(Kex::X25519MlKem768, harvest, Some(key))
}

/// Mallory's steps; `ml_kem_key` is `None` for Mallory herself.
fn decrypt_with(kex: Kex, harvest: &Harvest, ml_kem_key: Option<[u8; 32]>) -> Option<Vec<Vec<u8>>> {
    let mallory = ml_kem_key.is_none();
    let (c2s, s2c) = (&harvest.client_to_server[..], &harvest.server_to_client[..]);
    let (m1_len, m2_len) = (kex.client_hello_len(), kex.server_hello_len());
    let (m1, m2) = (&c2s[..m1_len], &s2c[..m2_len]);
    let m3 = &c2s[m1_len..m1_len + CLIENT_AUTH_LEN];
    // The X25519 shares are the last 32 bytes of M1, and the 32 bytes
    // before the signature in M2.
    let client_share: [u8; 32] = m1[m1_len - 32..].try_into().ok()?;
    let server_share: [u8; 32] = m2[m2_len - 96..m2_len - 64].try_into().ok()?;

    // The quantum computer's answer checks out: it is the secret behind
    // alice's recorded share.
    let secret = harvest.leaked_x25519_secret;
    let behind_share =
        x25519_dalek::x25519(secret, x25519_dalek::X25519_BASEPOINT_BYTES) == client_share;
    if mallory {
        println!(
            "\n{kex}: the leaked secret is the discrete logarithm of alice's recorded share: {}",
            if behind_share { "yes" } else { "no" }
        );
    }
    if !behind_share {
        return None;
    }
    let x25519_secret = x25519_dalek::x25519(secret, server_share);
    let salt = Sha256::new()
        .chain_update(m1)
        .chain_update(m2)
        .chain_update(m3)
        .finalize();

    // Classical: that secret is the whole input to the key schedule.
    // Hybrid: the input is ML-KEM's 32-byte key, then X25519's; Mallory has
    // the ciphertext and the encapsulation key, but not the decapsulation
    // key, so the first half is 32 bytes she does not know. The best she
    // can do is guess.
    let attempts: Vec<(&str, Vec<u8>)> = match (kex, ml_kem_key) {
        (_, Some(key)) => vec![("ML-KEM's key, then X25519's", [key, x25519_secret].concat())],
        (Kex::X25519, None) => vec![("X25519's secret", x25519_secret.to_vec())],
        (Kex::X25519MlKem768, None) => vec![
            ("X25519's secret alone", x25519_secret.to_vec()),
            (
                "a guessed ML-KEM key (zeros), then X25519's",
                [[0u8; 32], x25519_secret].concat(),
            ),
            (
                "the recorded ciphertext's first 32 bytes, then X25519's",
                [&m2[..32], &x25519_secret[..]].concat(),
            ),
        ],
    };
    let records = &c2s[m1_len + CLIENT_AUTH_LEN..];
    for (what, ikm) in attempts {
        let prk = Hkdf::<Sha256>::new(Some(&salt), &ikm);
        let (mut key, mut iv) = ([0u8; 32], [0u8; 12]);
        prk.expand(b"learn-mtls v1 client write key", &mut key)
            .ok()?;
        prk.expand(b"learn-mtls v1 client write iv", &mut iv).ok()?;
        match open_all(&key, &iv, records) {
            Some(messages) if !mallory => return Some(messages),
            None if !mallory => return None,
            Some(messages) => {
                println!("{kex}: keys from {what}: alice's records open:");
                for message in &messages {
                    println!("    {:?}", String::from_utf8_lossy(message));
                }
                return Some(messages);
            }
            None => println!("{kex}: keys from {what}: her first record does not open"),
        }
    }
    println!("{kex}: the recording stays shut: ML-KEM-768's key is not in it");
    None
}

/// Opens every client record after the handshake under `key` and `iv`,
/// counting from 0; the first one is the empty key-confirmation record.
fn open_all(key: &[u8; 32], iv: &[u8; 12], mut records: &[u8]) -> Option<Vec<Vec<u8>>> {
    let cipher = ChaCha20Poly1305::new(&(*key).into());
    let mut messages = Vec::new();
    let mut counter: u64 = 0;
    while records.len() >= HEADER_LEN {
        let length = usize::from(u16::from_be_bytes([records[0], records[1]]));
        if length < 16 || records.len() < HEADER_LEN + length {
            return None; // not a record of this protocol
        }
        let (record, rest) = records.split_at(HEADER_LEN + length);
        let (header, body) = record.split_at(HEADER_LEN);
        let (ciphertext, tag) = body.split_at(body.len() - 16);
        let mut nonce = *iv;
        for (n, c) in nonce[4..].iter_mut().zip(counter.to_be_bytes()) {
            *n ^= c;
        }
        let mut plaintext = ciphertext.to_vec();
        cipher
            .decrypt_inout_detached(
                &Nonce::from(nonce),
                header,
                plaintext.as_mut_slice().into(),
                &Tag::try_from(tag).ok()?,
            )
            .ok()?;
        if counter > 0 || !plaintext.is_empty() {
            messages.push(plaintext);
        }
        counter += 1;
        records = rest;
    }
    Some(messages)
}

/// `ClientAuth` is the one message both key exchanges share.
const _: () = assert!(<ClientAuth as Message>::LEN == CLIENT_AUTH_LEN);

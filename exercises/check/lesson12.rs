//! The checks of Lesson 12's exercises: published vectors, the library on
//! random inputs, and (where the handshake uses the piece) a real
//! handshake under `--schedule tls12-prf`.

use learn_mtls::handshake::{Binding, Config, server_only};
use learn_mtls::keys::IdentityKey;
use learn_mtls::net::os_rng;
use learn_mtls::raw::{self, TrafficKeys};
use learn_mtls::record::Session;
use learn_mtls::schedule::KeySchedule;
use learn_mtls::tls12::{self, KeyBlockLayout, MasterSecret, Sender};
use learn_mtls::wire::ClientHello;
use learn_mtls_exercises::lesson12;
use learn_mtls_exercises::support::{public_share, sha256};
use sha2::Sha256;

use crate::harness::{Context, Result, below, fail, hex, random, same_bytes};
use crate::lesson10::{BINDINGS, h32};

/// The TLS working group's P_SHA256 test vector (as used by many TLS
/// libraries): secret, seed, label "test label", 100 bytes of output.
const WG_SECRET: &str = "9bbe436ba940f017b17652849a71db35";
const WG_SEED: &str = "a0ba9f936cda311827a6f796ffd5198c";
const WG_OUTPUT: &str = "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66";

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("a hex constant"))
        .collect()
}

fn random_vec(max: usize) -> Vec<u8> {
    (0..below(max + 1)).map(|_| random::<1>()[0]).collect()
}

/// Output lengths worth trying: around the 32-byte block size, and random.
fn lengths() -> Vec<usize> {
    let mut lengths = vec![0, 1, 12, 31, 32, 33, 48, 63, 64, 65, 100, 200];
    lengths.extend((0..20).map(|_| below(300)));
    lengths
}

/// 12.1: P_hash.
pub fn p_hash() -> Result {
    let (secret, seed) = (unhex(WG_SECRET), unhex(WG_SEED));
    let mut label_and_seed = b"test label".to_vec();
    label_and_seed.extend_from_slice(&seed);
    let mut got = vec![0u8; 100];
    lesson12::p_hash::p_hash(&secret, &label_and_seed, &mut got);
    same_bytes(
        "P_SHA256 on the TLS working group's vector",
        &format!("secret = {WG_SECRET}, seed = \"test label\" + {WG_SEED}, 100 bytes"),
        &unhex(WG_OUTPUT),
        &got,
    )?;
    // Keys longer than SHA-256's 64-byte block are hashed first by HMAC.
    for len in lengths() {
        let (secret, seed) = (random_vec(100), random_vec(100));
        let mut expected = vec![0u8; len];
        tls12::p_hash::<Sha256>(&secret, &[&seed], &mut expected);
        let mut got = vec![0u8; len];
        lesson12::p_hash::p_hash(&secret, &seed, &mut got);
        let input = format!(
            "secret = {}, seed = {}, {len} bytes",
            hex(&secret),
            hex(&seed)
        );
        same_bytes("P_SHA256", &input, &expected, &got)?;
    }
    Ok(())
}

/// 12.2: the PRF.
pub fn prf() -> Result {
    let mut got = vec![0u8; 100];
    lesson12::prf::prf(&unhex(WG_SECRET), b"test label", &unhex(WG_SEED), &mut got);
    same_bytes(
        "the PRF on the TLS working group's vector",
        &format!("secret = {WG_SECRET}, label = \"test label\", seed = {WG_SEED}, 100 bytes"),
        &unhex(WG_OUTPUT),
        &got,
    )?;
    let labels: [&[u8]; 5] = [
        b"master secret",
        b"key expansion",
        b"client finished",
        b"",
        b"a label",
    ];
    for len in lengths() {
        let (secret, seed) = (random_vec(64), random_vec(80));
        let label = labels[below(labels.len())];
        let mut expected = vec![0u8; len];
        tls12::prf_sha256(&secret, label, &[&seed], &mut expected);
        let mut got = vec![0u8; len];
        lesson12::prf::prf(&secret, label, &seed, &mut got);
        let input = format!(
            "secret = {}, label = {:?}, seed = {}, {len} bytes",
            hex(&secret),
            String::from_utf8_lossy(label),
            hex(&seed)
        );
        same_bytes("the PRF", &input, &expected, &got)?;
    }
    Ok(())
}

/// Lesson 12's worked example: RFC 7748's shared secret, Alice's and Bob's shares.
fn lesson_example() -> ([u8; 32], [u8; 32], [u8; 32]) {
    (
        h32("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"),
        h32("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"),
        h32("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"),
    )
}

/// A real Lesson 10 handshake under the TLS 1.2 PRF schedule: the server's
/// session, the shared secret, the shares and the session hash.
struct Tls12Handshake {
    server: Session,
    shared: [u8; 32],
    client_share: [u8; 32],
    server_share: [u8; 32],
    session_hash: Option<[u8; 32]>,
}

fn real_handshake(binding: Binding) -> Result<Tls12Handshake> {
    let key = IdentityKey::generate(&mut os_rng());
    let secret = random::<32>();
    let hello = ClientHello {
        share: public_share(&secret),
    };
    let config = Config {
        binding,
        schedule: KeySchedule::Tls12Prf,
    };
    let (server, server_hello) = server_only::Server::new(&key, config)
        .read_client_hello(&mut os_rng(), &hello)
        .context("the real server")?;
    let shared = raw::shared_secret(&secret, &server_hello.share).context("the shared secret")?;
    let session_hash = (binding == Binding::Transcript)
        .then(|| sha256(&[&hello.to_bytes(), &server_hello.to_bytes()]));
    Ok(Tls12Handshake {
        server,
        shared: *shared,
        client_share: hello.share,
        server_share: server_hello.share,
        session_hash,
    })
}

/// The ChaCha20-Poly1305 traffic keys from a key block.
fn chacha_keys(block: &tls12::KeyBlock) -> Result<TrafficKeys> {
    let array = |piece: &[u8]| -> Result<[u8; 32]> { piece.try_into().context("a 32-byte key") };
    let iv = |piece: &[u8]| -> Result<[u8; 12]> { piece.try_into().context("a 12-byte IV") };
    Ok(TrafficKeys {
        client_write_key: array(block.client_write_key())?,
        client_write_iv: iv(block.client_write_iv())?,
        server_write_key: array(block.server_write_key())?,
        server_write_iv: iv(block.server_write_iv())?,
    })
}

/// One record each way between a client session with `keys` and the real server.
fn talk(keys: &TrafficKeys, server: &mut Session, what: &str) -> Result {
    let mut client = raw::client_session(keys);
    let mut buf = [0u8; 64];
    let len = server.seal(b"hello", &mut buf).context("sealing")?;
    client.open_in_place(&mut buf[..len]).map_err(|e| {
        fail(format!(
            "{what}: a record from the real server did not open ({e})"
        ))
    })?;
    let len = client.seal(b"hello", &mut buf).context("sealing")?;
    server.open_in_place(&mut buf[..len]).map_err(|e| {
        fail(format!(
            "{what}: the real server could not open your record ({e})"
        ))
    })?;
    Ok(())
}

const LAYOUT: KeyBlockLayout = KeyBlockLayout::ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256;

/// 12.3: the master secret.
pub fn master_secret() -> Result {
    let (pms, client, server) = lesson_example();
    let input = "Lesson 12's example: RFC 7748's shared secret, Alice's share, Bob's share";
    let got = lesson12::master_secret::master_secret(&pms, &client, &server);
    same_bytes(
        "the master secret",
        &input,
        &unhex(
            "996fe3434f63e3e0ae995caca6188d804ef287ede32ab6e768a54062f774ec04d8d843a8cc54a447339ee357711b3f1e",
        ),
        &got[..],
    )?;
    for _ in 0..50 {
        let (pms, client, server) = (random_vec(64), random::<32>(), random::<32>());
        let expected = tls12::master_secret::<Sha256>(&pms, &client, &server);
        let got = lesson12::master_secret::master_secret(&pms, &client, &server);
        let input = format!(
            "pre_master_secret = {}, client_random = {}, server_random = {}",
            hex(&pms),
            hex(&client),
            hex(&server)
        );
        same_bytes("the master secret", &input, expected.as_bytes(), &got[..])?;
    }
    let mut real = real_handshake(Binding::InsecureLesson11)?;
    let master = lesson12::master_secret::master_secret(
        &real.shared,
        &real.client_share,
        &real.server_share,
    );
    let block = tls12::key_block::<Sha256>(
        &MasterSecret::from_bytes(*master),
        &real.client_share,
        &real.server_share,
        LAYOUT,
    );
    talk(
        &chacha_keys(&block)?,
        &mut real.server,
        "a real tls12-prf handshake with your master secret",
    )
}

/// 12.4: the extended master secret.
pub fn extended_master_secret() -> Result {
    for _ in 0..50 {
        let (pms, hash) = (random_vec(64), random::<32>());
        let expected = tls12::extended_master_secret::<Sha256>(&pms, &hash.into());
        let got = lesson12::extended_master_secret::extended_master_secret(&pms, &hash);
        let input = format!(
            "pre_master_secret = {}, session_hash = {}",
            hex(&pms),
            hex(&hash)
        );
        same_bytes(
            "the extended master secret",
            &input,
            expected.as_bytes(),
            &got[..],
        )?;
    }
    let mut real = real_handshake(Binding::Transcript)?;
    let hash = real.session_hash.ok_or_else(|| fail("no session hash"))?;
    let master = lesson12::extended_master_secret::extended_master_secret(&real.shared, &hash);
    let block = tls12::key_block::<Sha256>(
        &MasterSecret::from_bytes(*master),
        &real.client_share,
        &real.server_share,
        LAYOUT,
    );
    talk(
        &chacha_keys(&block)?,
        &mut real.server,
        "a real tls12-prf handshake (transcript binding) with your extended master secret",
    )
}

/// 12.5: cutting the key block.
pub fn key_block() -> Result {
    let layouts = [
        ("ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", LAYOUT),
        (
            "ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            KeyBlockLayout::ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ),
        (
            "ECDHE_RSA_WITH_AES_128_CBC_SHA256",
            KeyBlockLayout::ECDHE_RSA_WITH_AES_128_CBC_SHA256,
        ),
    ];
    for round in 0..30 {
        let (name, layout) = layouts[round % layouts.len()];
        let (master, client, server) = (random::<48>(), random::<32>(), random::<32>());
        let expected =
            tls12::key_block::<Sha256>(&MasterSecret::from_bytes(master), &client, &server, layout);
        let got = lesson12::key_block::key_block(&master, &client, &server, layout);
        let input = format!(
            "{name}, master_secret = {}, client_random = {}, server_random = {}",
            hex(&master),
            hex(&client),
            hex(&server)
        );
        same_bytes(
            "client_write_mac_key",
            &input,
            expected.client_write_mac_key(),
            &got.client_write_mac_key,
        )?;
        same_bytes(
            "server_write_mac_key",
            &input,
            expected.server_write_mac_key(),
            &got.server_write_mac_key,
        )?;
        same_bytes(
            "client_write_key",
            &input,
            expected.client_write_key(),
            &got.client_write_key,
        )?;
        same_bytes(
            "server_write_key",
            &input,
            expected.server_write_key(),
            &got.server_write_key,
        )?;
        same_bytes(
            "client_write_iv",
            &input,
            expected.client_write_iv(),
            &got.client_write_iv,
        )?;
        same_bytes(
            "server_write_iv",
            &input,
            expected.server_write_iv(),
            &got.server_write_iv,
        )?;
    }
    for binding in BINDINGS {
        let mut real = real_handshake(binding)?;
        let master = match real.session_hash {
            None => {
                tls12::master_secret::<Sha256>(&real.shared, &real.client_share, &real.server_share)
            }
            Some(hash) => tls12::extended_master_secret::<Sha256>(&real.shared, &hash.into()),
        };
        let got = lesson12::key_block::key_block(
            master.as_bytes(),
            &real.client_share,
            &real.server_share,
            LAYOUT,
        );
        let array =
            |piece: &[u8]| -> Result<[u8; 32]> { piece.try_into().context("your 32-byte key") };
        let iv = |piece: &[u8]| -> Result<[u8; 12]> { piece.try_into().context("your 12-byte IV") };
        let keys = TrafficKeys {
            client_write_key: array(&got.client_write_key)?,
            client_write_iv: iv(&got.client_write_iv)?,
            server_write_key: array(&got.server_write_key)?,
            server_write_iv: iv(&got.server_write_iv)?,
        };
        let what = format!("a real tls12-prf handshake ({binding} binding) with your key block");
        talk(&keys, &mut real.server, &what)?;
    }
    Ok(())
}

/// 12.6: verify_data.
pub fn verify_data() -> Result {
    for round in 0..40 {
        let sender = if round % 2 == 0 {
            Sender::Client
        } else {
            Sender::Server
        };
        let (master, hash) = (random::<48>(), random::<32>());
        let expected =
            tls12::verify_data::<Sha256>(&MasterSecret::from_bytes(master), sender, &hash.into());
        let got = lesson12::verify_data::verify_data(&master, sender, &hash);
        let input = format!(
            "{sender:?}'s Finished, master_secret = {}, handshake_hash = {}",
            hex(&master),
            hex(&hash)
        );
        same_bytes("verify_data", &input, &expected, &got)?;
    }
    Ok(())
}

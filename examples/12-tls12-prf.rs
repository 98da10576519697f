//! Lesson 12: a TLS 1.2 PRF calculator, and a walk through a handshake's
//! key derivation.
//!
//! ```text
//! 12-tls12-prf --secret HEX --label TEXT --seed HEX --len N [--hash sha256|sha384]
//! ```
//!
//! prints exactly one line: `PRF(secret, label, seed)` as lowercase hex,
//! `N` bytes long (1 to 4096). Bad input goes to stderr with a non-zero
//! exit status.
//!
//! With no arguments it runs a real Lesson 11 handshake in memory with the
//! `tls12-prf` key schedule, recomputes that handshake's keys step by step
//! with the PRF, prints each one, and proves they are the session's real
//! keys by opening the client's first record with them. That output is for
//! the lesson only: anyone who reads it can decrypt the connection.

use std::io::{self, Write};
use std::process::ExitCode;

use chacha20::ChaCha20Rng;
use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Tag};
use clap::{Parser, ValueEnum};
use learn_mtls::handshake::{Binding, Config, mutual};
use learn_mtls::keys::IdentityKey;
use learn_mtls::net::os_rng;
use learn_mtls::record::{HEADER_LEN, TAG_LEN};
use learn_mtls::schedule::KeySchedule;
use learn_mtls::tls12::{KeyBlockLayout, key_block, master_secret, prf};
use learn_mtls::trust::{ClientName, PinnedClient};
use rand_core::{Rng, SeedableRng};
use sha2::{Sha256, Sha384};

/// Most bytes the calculator will produce. The PRF itself has no limit;
/// the longest key block a TLS 1.2 suite needs is 184 bytes, and 4096 is
/// plenty for experiments while still fitting a terminal.
const MAX_LEN: u16 = 4096;

/// TLS 1.2 PRF calculator (RFC 5246 §5). Run without arguments for a
/// walk through a handshake's key derivation that PRINTS SECRETS.
#[derive(Parser)]
#[command(name = "12-tls12-prf")]
struct Args {
    /// The PRF secret as hex, e.g. a pre-master or master secret.
    #[arg(long, value_name = "HEX", value_parser = parse_hex, requires_all = ["label", "seed", "len"])]
    secret: Option<HexBytes>,

    /// The label as text, e.g. "master secret" or "key expansion".
    #[arg(long, value_name = "TEXT", requires_all = ["secret", "seed", "len"])]
    label: Option<String>,

    /// The seed as hex, e.g. client random followed by server random.
    #[arg(long, value_name = "HEX", value_parser = parse_hex, requires_all = ["secret", "label", "len"])]
    seed: Option<HexBytes>,

    /// How many bytes to produce, 1 to 4096.
    #[arg(
        long,
        value_name = "N",
        value_parser = clap::value_parser!(u16).range(1..=i64::from(MAX_LEN)),
        requires_all = ["secret", "label", "seed"],
    )]
    len: Option<u16>,

    /// The PRF hash the cipher suite names [default: sha256].
    #[arg(long, value_enum, requires = "secret")]
    hash: Option<PrfHash>,
}

/// Bytes given as hex on the command line.
///
/// A newtype, because clap reads a bare `Vec<u8>` as a repeated option.
#[derive(Clone)]
struct HexBytes(Vec<u8>);

/// The hashes TLS 1.2 suites name for their PRF.
#[derive(Clone, Copy, ValueEnum)]
enum PrfHash {
    /// SHA-256: the `*_SHA256` suites, and in TLS 1.2 every suite defined before it.
    Sha256,
    /// SHA-384: the `*_SHA384` suites.
    Sha384,
}

/// Parses hex of either case, saying exactly what is wrong with bad input.
fn parse_hex(text: &str) -> Result<HexBytes, String> {
    if let Some((position, bad)) = text.char_indices().find(|(_, c)| !c.is_ascii_hexdigit()) {
        return Err(format!(
            "{bad:?} at position {position} is not a hex digit (expected 0-9, a-f)"
        ));
    }
    if text.len() % 2 != 0 {
        return Err(format!(
            "{} hex digits is an odd number; every byte takes two",
            text.len()
        ));
    }
    learn_mtls::hex::decode_vec(text)
        .map(HexBytes)
        .map_err(|error| format!("not valid hex: {error}"))
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = match (args.secret, args.label, args.seed, args.len) {
        (Some(secret), Some(label), Some(seed), Some(len)) => calculate(
            &secret.0,
            &label,
            &seed.0,
            usize::from(len),
            args.hash.unwrap_or(PrfHash::Sha256),
        ),
        // clap's `requires_all` lets through only all four or none.
        _ => walk_through_key_derivation_printing_secrets(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Prints `PRF(secret, label, seed)` as one line of lowercase hex.
fn calculate(secret: &[u8], label: &str, seed: &[u8], len: usize, hash: PrfHash) -> io::Result<()> {
    let mut out = vec![0; len];
    match hash {
        PrfHash::Sha256 => prf::<Sha256>(secret, label.as_bytes(), &[seed], &mut out),
        PrfHash::Sha384 => prf::<Sha384>(secret, label.as_bytes(), &[seed], &mut out),
    }
    writeln!(io::stdout().lock(), "{}", hex(&out))
}

/// A live handshake's key derivation, recomputed and printed step by step.
/// Every value it prints after the banner is a secret.
fn walk_through_key_derivation_printing_secrets() -> io::Result<()> {
    let config = Config {
        binding: Binding::InsecureLesson11,
        schedule: KeySchedule::Tls12Prf,
    };
    let server_key = IdentityKey::generate(&mut os_rng());
    let client_key = IdentityKey::generate(&mut os_rng());
    let policy = PinnedClient::new(
        client_key.public(),
        ClientName::new("client").map_err(io::Error::other)?,
    );

    // The client draws its ephemeral secret from a seeded RNG, and a second
    // RNG with the same seed replays the same 32 bytes for us: that is how
    // this lesson gets to see a secret the handshake never hands out.
    let mut seed = [0u8; 32];
    os_rng().fill_bytes(&mut seed);
    let mut client_rng = ChaCha20Rng::from_seed(seed);
    let mut client_ephemeral = [0u8; 32];
    ChaCha20Rng::from_seed(seed).fill_bytes(&mut client_ephemeral);

    // The real handshake, exactly as 11-mtls-client and 11-mtls-server run it.
    let (client, hello) =
        mutual::Client::start(&mut client_rng, &client_key, server_key.public(), config);
    let (server, server_hello) = mutual::Server::new(&server_key, config)
        .read_client_hello(&mut os_rng(), &hello)
        .map_err(io::Error::other)?;
    let (mut client_session, auth) = client
        .read_server_hello(&server_hello)
        .map_err(io::Error::other)?;
    server
        .read_client_auth(&auth, &policy)
        .map_err(io::Error::other)?;
    let message = b"first record";
    let mut record = [0u8; HEADER_LEN + 12 + TAG_LEN];
    client_session
        .seal(message, &mut record)
        .map_err(io::Error::other)?;

    // TLS 1.2 with ECDHE: the shared secret is the pre-master secret. Our
    // handshake has no hello randoms, so the ephemeral shares stand in.
    let client_random = &hello.share;
    let server_random = &server_hello.share;
    let pre_master_secret = x25519_dalek::x25519(client_ephemeral, *server_random);
    let master = master_secret::<Sha256>(&pre_master_secret, client_random, server_random);
    let layout = KeyBlockLayout::ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256;
    let keys = key_block::<Sha256>(&master, client_random, server_random, layout);

    let mut out = io::stdout().lock();
    for line in [
        "################################################################",
        "#  LESSON ONLY: THIS PRINTS SECRET KEYS.                        #",
        "#  Anyone who sees them can read and forge the connection.     #",
        "#  Real software never prints or logs these values.            #",
        "################################################################",
        "",
        "A Lesson 11 handshake just ran in memory with --schedule tls12-prf",
        "(and --binding lesson11). Its two ephemeral shares serve as the randoms.",
    ] {
        writeln!(out, "{line}")?;
    }
    writeln!(
        out,
        "client random (client share, message 1) {}",
        hex(client_random)
    )?;
    writeln!(
        out,
        "server random (server share, message 2) {}",
        hex(server_random)
    )?;
    writeln!(
        out,
        "pre-master secret (X25519 shared secret) {}",
        hex(&pre_master_secret)
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "master_secret = PRF(pre_master_secret, \"master secret\","
    )?;
    writeln!(
        out,
        "                    client_random + server_random)[0..48]"
    )?;
    writeln!(out, "master secret {}", hex(master.as_bytes()))?;
    writeln!(out)?;
    writeln!(out, "key_block = PRF(master_secret, \"key expansion\",")?;
    writeln!(
        out,
        "                server_random + client_random)     <- note the order"
    )?;
    writeln!(
        out,
        "cut for TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, {} bytes:",
        layout.key_block_len()
    )?;
    let pieces: [(&str, &[u8]); 6] = [
        ("client_write_MAC_key", keys.client_write_mac_key()),
        ("server_write_MAC_key", keys.server_write_mac_key()),
        ("client_write_key", keys.client_write_key()),
        ("server_write_key", keys.server_write_key()),
        ("client_write_IV", keys.client_write_iv()),
        ("server_write_IV", keys.server_write_iv()),
    ];
    for (name, bytes) in pieces {
        let shown = if bytes.is_empty() {
            "(none: an AEAD needs no MAC key)".to_owned()
        } else {
            hex(bytes)
        };
        writeln!(out, "  {name:<20} {:>2} bytes  {shown}", bytes.len())?;
    }
    writeln!(out)?;

    // The proof: open the client's first real record with the key and IV
    // derived above. Record 0's nonce is the IV itself (IV XOR counter 0).
    let cipher =
        ChaCha20Poly1305::new_from_slice(keys.client_write_key()).map_err(io::Error::other)?;
    let nonce =
        chacha20poly1305::Nonce::try_from(keys.client_write_iv()).map_err(io::Error::other)?;
    let (header, rest) = record.split_at_mut(HEADER_LEN);
    let (body, tag) = rest.split_at_mut(message.len());
    let tag = Tag::try_from(&*tag).map_err(io::Error::other)?;
    cipher
        .decrypt_inout_detached(&nonce, header, body.into(), &tag)
        .map_err(|_| {
            io::Error::other("the derived client_write_key did not open the client's record")
        })?;
    writeln!(
        out,
        "The client's first record opens under client_write_key and client_write_IV: \"{}\"",
        String::from_utf8_lossy(body)
    )?;
    writeln!(out, "so these are the live session's keys.")?;
    writeln!(out)?;
    writeln!(out, "Check the key block with the calculator:")?;
    writeln!(
        out,
        "  cargo run --example 12-tls12-prf -- --secret {} --label \"key expansion\" --seed {}{} --len {}",
        hex(master.as_bytes()),
        hex(server_random),
        hex(client_random),
        layout.key_block_len()
    )?;
    Ok(())
}

/// Lowercase hex, the calculator's output format.
fn hex(bytes: &[u8]) -> String {
    learn_mtls::hex::Hex(bytes).to_string()
}

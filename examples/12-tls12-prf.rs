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
//! With no arguments it generates two X25519 ephemeral keys and prints
//! every secret TLS 1.2 would derive from them. That output is for the
//! lesson only: anyone who reads it can decrypt the connection.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use getrandom::SysRng;
use learn_mtls::tls12::{KeyBlockLayout, RANDOM_LEN, key_block, master_secret, prf};
use rand_core::UnwrapErr;
use sha2::{Sha256, Sha384};
use x25519_dalek::{EphemeralSecret, PublicKey};

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
    base16ct::mixed::decode_vec(text)
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

/// The key derivation of a handshake whose hello randoms are the two
/// ephemeral public keys, as in our pinned-key handshake, printed step by
/// step. Every value it prints is a secret.
fn walk_through_key_derivation_printing_secrets() -> io::Result<()> {
    let mut rng = UnwrapErr(SysRng);
    let client_secret = EphemeralSecret::random_from_rng(&mut rng);
    let server_secret = EphemeralSecret::random_from_rng(&mut rng);
    let client_public = PublicKey::from(&client_secret);
    let server_public = PublicKey::from(&server_secret);
    let client_random: &[u8; RANDOM_LEN] = client_public.as_bytes();
    let server_random: &[u8; RANDOM_LEN] = server_public.as_bytes();

    // Each side combines its own secret with the other's public key.
    let client_shared = client_secret.diffie_hellman(&server_public);
    let server_shared = server_secret.diffie_hellman(&client_public);
    if client_shared.as_bytes() != server_shared.as_bytes() {
        return Err(io::Error::other(
            "the two sides computed different shared secrets",
        ));
    }
    let pre_master_secret = client_shared.as_bytes();

    let master = master_secret::<Sha256>(pre_master_secret, client_random, server_random);
    let layout = KeyBlockLayout::ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256;
    let keys = key_block::<Sha256>(&master, client_random, server_random, layout);

    let mut out = io::stdout().lock();
    writeln!(
        out,
        "################################################################"
    )?;
    writeln!(
        out,
        "#  LESSON ONLY: THIS PRINTS SECRET KEYS.                        #"
    )?;
    writeln!(
        out,
        "#  Anyone who sees them can read and forge the connection.     #"
    )?;
    writeln!(
        out,
        "#  Real software never prints or logs these values.            #"
    )?;
    writeln!(
        out,
        "################################################################"
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "Two fresh X25519 ephemeral keys; their public halves serve as the hello randoms."
    )?;
    writeln!(
        out,
        "client random (client public key) {}",
        hex(client_random)
    )?;
    writeln!(
        out,
        "server random (server public key) {}",
        hex(server_random)
    )?;
    writeln!(
        out,
        "pre-master secret (X25519 shared) {}",
        hex(pre_master_secret)
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "master_secret = PRF(pre_master_secret, \"master secret\","
    )?;
    writeln!(
        out,
        "                    client_random + server_random)[0..47]"
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
    base16ct::lower::encode_string(bytes)
}

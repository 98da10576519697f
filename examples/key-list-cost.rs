//! Measures what one trust decision costs the server with a long
//! authorized-keys list: the check a refused handshake makes (a key that is
//! not listed) and the re-check before each echo (a listed key), with 2
//! keys and with 50,000 (issue 19, weakness 4).
//!
//! ```text
//! cargo run --release --example key-list-cost
//! ```
//!
//! It writes the two lists to a temporary folder, opens each with
//! `FilePolicy` exactly as `11-mtls-server --authorized FILE` does, and
//! reports the median time per check over 9 rounds of 20,000 checks. This
//! is the list's share of a handshake or an echo, not the whole: the rest
//! (signatures, X25519, the AEAD) does not depend on the list's length.

use std::fmt::Write as _;
use std::time::Instant;

use clap::Parser;

use learn_mtls::keys::IdentityKey;
use learn_mtls::trust::TrustPolicy;
use learn_mtls::trust::files::{Clients, FilePolicy};

const ROUNDS: usize = 9;
const CHECKS: usize = 20_000;

fn key(n: u32) -> learn_mtls::keys::PublicIdentity {
    let mut secret = [7u8; 32];
    secret[..4].copy_from_slice(&n.to_be_bytes());
    IdentityKey::from_secret_bytes(&secret).public()
}

/// Median nanoseconds per `policy.check(client)`.
fn median_ns(policy: &FilePolicy, client: &learn_mtls::keys::PublicIdentity) -> f64 {
    let mut rounds: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let began = Instant::now();
            for _ in 0..CHECKS {
                std::hint::black_box(policy.check(std::hint::black_box(client))).ok();
            }
            began.elapsed().as_nanos() as f64 / CHECKS as f64
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    rounds[ROUNDS / 2]
}

/// What one trust decision costs with 2 and with 50,000 authorized keys.
#[derive(Parser)]
#[command(about = "Median cost of one key-list check with 2 and 50,000 authorized keys")]
struct Args {}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Args {} = Args::parse();
    let dir = std::env::temp_dir().join(format!("learn-mtls-key-list-cost-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let stranger = key(u32::MAX);
    println!("{:>8} {:>16} {:>16}", "keys", "refused (ns)", "listed (ns)");
    let mut figures = Vec::new();
    for count in [2u32, 50_000] {
        let mut text = String::new();
        for n in 0..count {
            writeln!(text, "{} client-{n}", key(n))?;
        }
        let path = dir.join(format!("authorized-{count}"));
        std::fs::write(&path, &text)?;
        let policy = FilePolicy::open(Clients::AuthorizedFile(path), None)?;
        assert_eq!(policy.client_count(), count as usize);
        let listed = key(count - 1); // the last line: the worst case for a scan
        assert!(policy.check(&listed).is_ok() && policy.check(&stranger).is_err());
        let (refused, known) = (median_ns(&policy, &stranger), median_ns(&policy, &listed));
        println!("{count:>8} {refused:>16.0} {known:>16.0}");
        figures.push((refused, known));
    }
    println!(
        "50,000 keys against 2: refused x{:.2}, listed x{:.2}",
        figures[1].0 / figures[0].0,
        figures[1].1 / figures[0].1
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

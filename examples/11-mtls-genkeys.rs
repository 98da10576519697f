//! Lesson 11: make long-term identity keys.
//!
//! ```console
//! $ cargo run --example 11-mtls-genkeys                # server.key/.pub and client.key/.pub here
//! $ cargo run --example 11-mtls-genkeys -- --out keys alice bob
//! ```
//!
//! Each NAME gets `NAME.key` (the secret, mode 0600, beginning with the
//! line `# learn-mtls Ed25519 secret key`, by which readers know it from a
//! public key) and `NAME.pub` (one line of 64 hex characters to hand to the
//! other side). Existing files are never overwritten unless you say `--force`.
//!
//! Lesson 19: `--identity ml-dsa-65` makes ML-DSA-65 (FIPS 204) keys
//! instead: `NAME.key` holds the 32-byte seed under the line `# learn-mtls
//! ML-DSA-65 secret key`, `NAME.pub` the 1,952-byte public key in hex.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use learn_mtls::identity::Identity;
use learn_mtls::keyfile::{self, Overwrite};
use learn_mtls::keys::IdentityKey;
use learn_mtls::ml_dsa::MlDsaIdentityKey;
use learn_mtls::net::os_rng;

#[derive(Parser)]
#[command(
    about = "Generate Ed25519 identity keys for Lesson 11",
    long_about = "Generate Ed25519 identity keys for Lesson 11.\n\n\
        For each NAME writes NAME.key (the secret: mode 0600, first line \
        `# learn-mtls Ed25519 secret key ...`, then 64 hex characters) and NAME.pub (one line \
        of 64 lowercase hex characters), and prints the public key and its fingerprint. \
        Never overwrites a file without --force. Programs that read a public key also accept \
        an OpenSSH `ssh-ed25519 AAAA...` line."
)]
struct Args {
    /// Directory to write the key files into (created if missing).
    #[arg(long, default_value = ".")]
    out: PathBuf,
    /// Replace existing key files.
    #[arg(long)]
    force: bool,
    /// The identity scheme: `ed25519` (Lesson 11) or `ml-dsa-65` (Lesson 19, FIPS 204: a
    /// 32-byte seed in NAME.key, the 1,952-byte public key as 3,904 hex characters in
    /// NAME.pub).
    #[arg(long, default_value = "ed25519")]
    identity: Identity,
    /// Names of the parties to make keys for.
    #[arg(default_values = ["server", "client"])]
    names: Vec<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        eprintln!("error: cannot create {}: {e}", args.out.display());
        return ExitCode::FAILURE;
    }
    let overwrite = if args.force {
        Overwrite::Replace
    } else {
        Overwrite::Never
    };
    for name in &args.names {
        let written = match args.identity {
            Identity::Ed25519 => {
                let key = IdentityKey::generate(&mut os_rng());
                keyfile::write_pair(&args.out, name, &key, overwrite)
                    .map(|paths| (paths, key.public().to_string(), key.public().fingerprint()))
            }
            Identity::MlDsa65 => {
                let key = MlDsaIdentityKey::generate(&mut os_rng());
                // 3,904 hex characters are too many to print: the fingerprint names it.
                keyfile::ml_dsa::write_pair(&args.out, name, &key, overwrite).map(|paths| {
                    let shown = format!("ML-DSA-65, 1952 bytes (in {})", paths.1.display());
                    (paths, shown, key.public().fingerprint())
                })
            }
        };
        match written {
            Ok(((secret, public), shown, fingerprint)) => {
                println!(
                    "{name}: wrote {} (secret, mode 0600) and {}",
                    secret.display(),
                    public.display()
                );
                println!("{name}: public key  {shown}");
                println!("{name}: fingerprint {fingerprint}");
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

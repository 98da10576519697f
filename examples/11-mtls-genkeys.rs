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

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use learn_mtls::keyfile::{self, Overwrite};
use learn_mtls::keys::IdentityKey;
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
        let key = IdentityKey::generate(&mut os_rng());
        match keyfile::write_pair(&args.out, name, &key, overwrite) {
            Ok((secret, public)) => {
                println!(
                    "{name}: wrote {} (secret, mode 0600) and {}",
                    secret.display(),
                    public.display()
                );
                println!("{name}: public key  {}", key.public());
                println!("{name}: fingerprint {}", key.public().fingerprint());
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

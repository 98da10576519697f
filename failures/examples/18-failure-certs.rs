//! Lesson 18: the failure lab's certificates, each broken in one way.
//!
//! ```console
//! $ cargo run -p learn-mtls-failures --example 18-failure-certs -- --out lab
//! wrote lab/ca.pem
//! ...
//! ```
//!
//! `failures/openssl-failures.sh DIR` writes the same files with openssl.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

#[derive(Parser)]
#[command(about = "Lesson 18: a good certificate set, and one certificate broken in each way")]
struct Args {
    /// Directory to write the files to.
    #[arg(long)]
    out: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match learn_mtls_failures::fixtures::write_all(&args.out) {
        Ok(paths) => {
            for path in paths {
                println!("wrote {}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

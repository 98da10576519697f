//! Grades any Lesson 11 server or client, in any language, over TCP.
//!
//! ```console
//! $ cargo run -q --example 11-grade -- --server 127.0.0.1:7011 --server-pub server.pub --key client.key
//! $ cargo run -q --example 11-grade -- --client-cmd "python3 client.py {addr} {key} {server_pub}"
//! ```
//!
//! One line per check, `PASS name` or `FAIL name: expected ..., got ...
//! (the lesson section that says what is right)`, then `N passed, M
//! failed`. Exits 0 only when every check passed. `--json` prints one JSON
//! object per line instead.
//!
//! The grader is a second implementation of the protocol, written from
//! Lesson 11's specification with the primitive crates, that can misbehave
//! on purpose: bad and malformed signatures, unknown and weak keys,
//! low-order shares, tampered, replayed and reordered records, an
//! over-long length field, replayed handshakes, missing key confirmation,
//! and messages split across or merged into TCP segments.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use learn_mtls_kit::grade;

#[derive(Parser)]
#[command(about = "Grade a Lesson 11 (mutual authentication) server or client over TCP")]
struct Args {
    #[command(flatten)]
    common: grade::Common,
    /// The client's secret key file, when grading a server: a key the
    /// server trusts. Without it the grader makes one up and prints its
    /// public key.
    #[arg(long, value_name = "FILE", requires = "server")]
    key: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    grade::run(grade::spec::Lesson::Eleven, args.common, args.key)
}

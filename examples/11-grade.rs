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
//!
//! `--kex x25519-mlkem768` grades the hybrid handshake of Lesson 19
//! instead (the same name as on `11-mtls-client` and `11-mtls-server`),
//! with its own checks from `lessons/19-post-quantum.md`'s specification:
//! the 1,216/1,184/96-byte messages, a truncated or oversized message 1,
//! encapsulation keys with a coefficient not below q = 3329, low-order
//! shares inside a hybrid message, a tampered ciphertext, and session keys
//! that must come from both the ML-KEM and the X25519 secret.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use learn_mtls::kex::Kex;
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
    /// The key exchange both ends run: `x25519` (Lesson 11) or
    /// `x25519-mlkem768` (Lesson 19's hybrid handshake).
    #[arg(long, default_value = "x25519", value_name = "KEX")]
    kex: Kex,
}

fn main() -> ExitCode {
    let args = Args::parse();
    grade::run(grade::spec::Lesson::Eleven, args.common, args.key, args.kex)
}

//! Grades any Lesson 10 server or client, in any language, over TCP.
//!
//! ```console
//! $ cargo run -q --example 10-grade -- --server 127.0.0.1:7010 --server-pub server.pub
//! $ cargo run -q --example 10-grade -- --client-cmd "python3 client.py {addr} {server_pub}"
//! ```
//!
//! The same conventions as `11-grade`, for the server-only handshake: no
//! client key, no message 3, no key confirmation.

use std::process::ExitCode;

use clap::Parser;

use learn_mtls_kit::grade;

#[derive(Parser)]
#[command(about = "Grade a Lesson 10 (server-only authentication) server or client over TCP")]
struct Args {
    #[command(flatten)]
    common: grade::Common,
}

fn main() -> ExitCode {
    let args = Args::parse();
    grade::run(
        grade::spec::Lesson::Ten,
        args.common,
        None,
        learn_mtls::kex::Kex::X25519,
    )
}

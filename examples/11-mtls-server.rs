//! Lesson 11: the server of the mutual handshake.
//!
//! ```console
//! $ cargo run --example 11-mtls-server -- --listen 127.0.0.1:7011 --key server.key --client-pub client.pub
//! listening on 127.0.0.1:7011
//! accepted client (fingerprint 3f1c0e2a9b4d5e6f) from 127.0.0.1:52144
//! ```
//!
//! Every connection gets one line on standard output: `accepted` with
//! who, or `rejected` with why (refusals are rate-limited: beyond 50 a
//! second they are summed up in one `rejected N more` line). Accepted
//! clients get each message echoed back, encrypted. Each connection runs on
//! its own thread with a deadline on its handshake.
//!
//! Lesson 14 hardens it against clients that want it unavailable rather
//! than fooled: when the table of handshakes in progress is full the oldest
//! is evicted; a lesson11 client stays a handshake in progress until its
//! first record opens; each record has a deadline from its first byte to
//! its last; one key holds at most 32 sessions; the caps shrink to fit the
//! file descriptors; and the log never blocks or panics, whatever standard
//! output is. Each defence has a flag that turns it off, for the attack
//! examples (`--when-full refuse`, `--lesson11-session-at message-3`,
//! `--record-timeout 0`, `--max-sessions-per-key 0`).
//!
//! Exercises 2 to 4 swap the one pinned key for lists:
//!
//! ```console
//! $ cargo run --example 11-mtls-server -- --listen 127.0.0.1:7011 --key server.key \
//!       --authorized authorized_keys --revoked revoked_keys
//! ```
//!
//! Both files are checked again as each connection arrives and before each
//! message is echoed, so adding a client needs no restart and revoking one
//! also ends the sessions it has open. Reload notices go to standard error;
//! problems start with `WARNING`.
//!
//! Lesson 19: `--identity ml-dsa-65` (with keys from `11-mtls-genkeys
//! --identity ml-dsa-65`, and one `--client-pub`) runs the same handshake
//! with ML-DSA-65 signatures, and prints the bigger message sizes.

use std::process::ExitCode;

use learn_mtls::identity::Identity;
use learn_mtls_kit::server::{self, Args, KeyTrust, MlDsaTrust};

fn main() -> ExitCode {
    let args: Args = server::parse_for(
        "Lesson 11 server: mutual authentication with a pinned client key or a list",
    );
    // The key and the lists first: a bad file stops the server before it
    // listens. Then the kit's core, shared with 14-async-server and
    // 15-mtls-server: the caps, the log, every Lesson 14 defence.
    // Lesson 19: `--identity ml-dsa-65` signs with ML-DSA-65 and pins one
    // ML-DSA-65 client key.
    if args.identity == Identity::MlDsa65 {
        return match MlDsaTrust::open(&args).map(|trust| server::start(&args.serve, trust)) {
            Ok(Ok((core, listener, limits))) => server::serve_threads(core, &listener, limits),
            Ok(Err(code)) | Err(code) => code,
        };
    }
    let trust = match KeyTrust::open(&args) {
        Ok(trust) => trust,
        Err(code) => return code,
    };
    match server::start(&args.serve, trust) {
        Ok((core, listener, limits)) => server::serve_threads(core, &listener, limits),
        Err(code) => code,
    }
}

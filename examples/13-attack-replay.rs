//! Lesson 13, attack 1: replaying a recorded handshake.
//!
//! ```console
//! $ cargo run --example 13-attack-replay
//! ```
//!
//! The attack, and the picture of it, are in `kit/src/attack/replay.rs`
//! (`learn_mtls_kit::attack::replay`), which the tour runs too.

use std::process::ExitCode;

use learn_mtls_kit::attack;

fn main() -> ExitCode {
    attack::run_both(
        "Lesson 13, attack 1: replay a recorded handshake",
        "Mallory records alice's session through a proxy, then replays alice's \
         messages 1 and 3 on a connection of her own.",
        attack::replay::replay,
    )
}

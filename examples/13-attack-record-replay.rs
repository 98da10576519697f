//! Lesson 13, attack 4: replaying and reordering records in a live session.
//!
//! ```console
//! $ cargo run --example 13-attack-record-replay
//! ```
//!
//! The attack, and the picture of it, are in `kit/src/attack/record_replay.rs`
//! (`learn_mtls_kit::attack::record_replay`), which the tour runs too.

use std::process::ExitCode;

use learn_mtls_kit::attack;

fn main() -> ExitCode {
    attack::run_both(
        "Lesson 13, attack 4: replay and reorder records",
        "Mallory, in the middle of alice's live session, sends one of alice's records twice; \
         then, in another session, swaps two of them.",
        attack::record_replay::record_replay,
    )
}

//! Lesson 13, attack 2: identity misbinding by an insider.
//!
//! ```console
//! $ cargo run --example 13-attack-misbinding
//! ```
//!
//! The attack, and the picture of it, are in `kit/src/attack/misbinding.rs`
//! (`learn_mtls_kit::attack::misbinding`), which the tour runs too.

use std::process::ExitCode;

use learn_mtls_kit::attack;

fn main() -> ExitCode {
    attack::run_both(
        "Lesson 13, attack 2: identity misbinding",
        "Eve, an authorized client, sits between alice and the server and swaps \
         alice's message 3 for her own.",
        attack::misbinding::misbinding,
    )
}

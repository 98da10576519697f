//! Lesson 13, attack 5: Mallory answers in the server's place.
//!
//! ```console
//! $ cargo run --example 13-attack-impersonation
//! ```
//!
//! The attack, and the picture of it, are in `kit/src/attack/impersonation.rs`
//! (`learn_mtls_kit::attack::impersonation`), which the tour runs too.

use std::process::ExitCode;

use learn_mtls_kit::attack;

fn main() -> ExitCode {
    attack::run_both(
        "Lesson 13, attack 5: server impersonation",
        "Alice's connection reaches Mallory, who runs the real server code with her own key.",
        attack::impersonation::impersonation,
    )
}

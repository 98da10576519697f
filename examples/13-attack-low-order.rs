//! Lesson 13, attack 3: a low-order X25519 share.
//!
//! ```console
//! $ cargo run --example 13-attack-low-order
//! ```
//!
//! The attack, and the picture of it, are in `kit/src/attack/low_order.rs`
//! (`learn_mtls_kit::attack::low_order`), which the tour runs too.

use std::process::ExitCode;

use learn_mtls_kit::attack;

fn main() -> ExitCode {
    attack::run_both(
        "Lesson 13, attack 3: a low-order X25519 share",
        "Eve (an authorized client) sends a share of order 8 in M1; Mallory, holding the \
         pinned server key, sends one in M2.",
        attack::low_order::low_order,
    )
}

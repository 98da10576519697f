//! The firmware without the handshake: the same start-up, semihosting
//! output, panic handler and memory report. Its flash, subtracted from the
//! firmware's, is what the handshake code (the library and its primitives)
//! costs on the device.
//!
//! ```text
//! cargo run --release --bin baseline
//! ```
#![no_std]
#![no_main]
#![deny(unsafe_code)]

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use learn_mtls_embedded::{exit, measure};

#[entry]
fn main() -> ! {
    let painted = measure::paint_stack();
    let memory = measure::memory();
    let Some(depth) = measure::peak_stack(&painted) else {
        hprintln!("baseline: FAILED: the stack ran into the statics");
        exit::failure()
    };
    hprintln!(
        "baseline (no handshake): flash {} B, static RAM {} B, peak stack {} B",
        memory.flash_used,
        memory.static_ram,
        depth,
    );
    exit::success()
}

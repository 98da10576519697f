//! The learn-mtls core on a microcontroller: what the `firmware` and
//! `baseline` binaries share.
//!
//! - [`golden`]: the golden transcripts of `tests/vectors/`, embedded at
//!   build time and read on the device.
//! - [`device`]: the Lesson 11 handshake in memory, checked byte for byte;
//!   both sides together, or each alone against the other's recorded bytes;
//!   with the `pq` feature also Lesson 19's hybrid one (X25519 + ML-KEM-768).
//! - [`primitives`]: X25519, Ed25519 and (`pq`) ML-KEM-768 one operation
//!   at a time.
//! - [`measure`]: flash and RAM from the linker's symbols, and the peak
//!   stack by painting. The only module allowed `unsafe`.
//! - [`clock`]: instructions counted under QEMU's `-icount`.
//! - [`exit`]: output and exit status through semihosting.
//!
//! What the figures mean for a device: `lessons/11-on-a-device.md`.
#![no_std]
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod clock;
pub mod device;
pub mod golden;
pub mod measure;
pub mod primitives;

use core::panic::PanicInfo;

/// Output and exit status through semihosting: QEMU prints what the device
/// writes and exits with the status the device asks for.
pub mod exit {
    use cortex_m_semihosting::debug;

    /// Ends the run: QEMU exits with status 0.
    pub fn success() -> ! {
        debug::exit(debug::EXIT_SUCCESS);
        // Only reached when no debugger or emulator listens.
        loop {
            cortex_m::asm::wfi();
        }
    }

    /// Ends the run: QEMU exits with status 1.
    pub fn failure() -> ! {
        debug::exit(debug::EXIT_FAILURE);
        loop {
            cortex_m::asm::wfi();
        }
    }
}

/// A panic is a failure like any other: say where, exit non-zero.
#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    cortex_m_semihosting::hprintln!("on-device: FAILED: panic: {}", info);
    exit::failure()
}

//! The learn-mtls handshake on a microcontroller without an operating
//! system or an allocator, under QEMU's lm3s6965evb (a Cortex-M3 with
//! 256 KiB of flash and 64 KiB of RAM).
//!
//! Runs the whole mutual handshake and three records under the transcript
//! binding (with key confirmation), then under `lesson11`, checks every
//! byte against the golden transcripts, measures flash, static RAM and the
//! peak stack, and exits through semihosting: status 0 only if all of it
//! held. `cargo run --release` in this folder builds it and runs it.
#![no_std]
#![no_main]
#![deny(unsafe_code)]

use core::mem::size_of;

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use learn_mtls::handshake::{Binding, mutual};
use learn_mtls::keys::{IdentityKey, PublicIdentity};
use learn_mtls::record::Session;
use learn_mtls::trust::PinnedClient;
use learn_mtls::wire::{ClientAuth, ClientHello, ServerHello};
use learn_mtls_embedded::{device, exit, measure};

#[entry]
fn main() -> ! {
    hprintln!("learn-mtls on a Cortex-M3 (QEMU lm3s6965evb): no operating system, no allocator");
    hprintln!(
        "randomness: ChaCha20Rng seeded from tests/vectors/ (DEMONSTRATION ONLY; a real device uses its TRNG)"
    );

    let mut peak_stack = 0;
    for binding in [Binding::Transcript, Binding::InsecureLesson11] {
        let painted = measure::paint_stack();
        let result = device::run(binding);
        let Some(depth) = measure::peak_stack(&painted) else {
            failed(format_args!("binding {binding}: the stack ran into the statics"));
        };
        match result {
            Ok(outcome) => hprintln!(
                "binding {}: {} handshake bytes and {} records match the golden transcript; peak stack {} B ({} B of it before the handshake)",
                binding,
                outcome.handshake_bytes,
                outcome.records,
                depth,
                painted.depth_at_paint,
            ),
            Err(failure) => failed(format_args!("{failure}")),
        }
        peak_stack = peak_stack.max(depth);
    }

    print_sizes();

    let memory = measure::memory();
    hprintln!(
        "memory: flash {} B of {} B, static RAM {} B of {} B, stack room {} B (no heap)",
        memory.flash_used,
        memory.flash_size,
        memory.static_ram,
        memory.ram_size,
        memory.stack_room,
    );
    if memory.static_ram + peak_stack > memory.ram_size {
        failed(format_args!("static RAM and peak stack exceed the part's RAM"));
    }
    hprintln!(
        "on-device: handshake ok, flash {} KiB, static RAM {} B, peak stack {} B",
        memory.flash_used.div_ceil(1024),
        memory.static_ram,
        peak_stack,
    );
    exit::success()
}

/// The size of every value a handshake keeps between steps: what a device
/// holding many half-open handshakes would multiply.
fn print_sizes() {
    macro_rules! sizes {
        ($($type:ty),* $(,)?) => {
            hprintln!("sizes (bytes):");
            $( hprintln!("  {:<40} {:>4}", stringify!($type), size_of::<$type>()); )*
        };
    }
    sizes!(
        mutual::Client,
        mutual::ExpectServerHello<'static>,
        mutual::Server<'static>,
        mutual::ExpectClientAuth,
        mutual::ClientVerified,
        mutual::ExpectKeyConfirmation,
        mutual::Accepted,
        Session,
        IdentityKey,
        PublicIdentity,
        PinnedClient,
        ClientHello,
        ServerHello,
        ClientAuth,
        chacha20::ChaCha20Rng,
    );
}

/// Says what failed and exits with a non-zero status.
fn failed(why: core::fmt::Arguments<'_>) -> ! {
    hprintln!("on-device: FAILED: {}", why);
    exit::failure()
}

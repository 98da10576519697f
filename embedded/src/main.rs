//! The learn-mtls handshake on a microcontroller without an operating
//! system or an allocator, under QEMU's lm3s6965evb (a Cortex-M3 with
//! 256 KiB of flash and 64 KiB of RAM).
//!
//! Runs the whole mutual handshake and three records under the transcript
//! binding (with key confirmation), then under `lesson11`, checks every
//! byte against the golden transcripts, measures flash, static RAM, the
//! peak stack and the instructions executed, and exits through
//! semihosting: status 0 only if all of it held. With the `pq` feature
//! (the default) it does all of it again with Lesson 19's hybrid key
//! exchange, X25519 + ML-KEM-768, against `tests/vectors/hybrid-*.txt`.
//! `cargo run --release` in this folder builds it and runs it;
//! `--no-default-features` builds the classical handshake alone.
#![no_std]
#![no_main]
#![deny(unsafe_code)]

use core::fmt;
use core::mem::size_of;

use cortex_m_rt::{ExceptionFrame, entry, exception};
use cortex_m_semihosting::hprintln;
use learn_mtls::handshake::{Binding, mutual};
use learn_mtls::kex::Kex;
use learn_mtls::keys::{IdentityKey, PublicIdentity};
use learn_mtls::record::Session;
use learn_mtls::trust::PinnedClient;
use learn_mtls::wire::{ClientAuth, ClientHello, ServerHello};
use learn_mtls_embedded::clock::InstructionCounter;
use learn_mtls_embedded::device::{self, Probe, Run, Side, Unwatched};
use learn_mtls_embedded::{exit, measure};

/// The key exchanges this build runs: X25519, then the hybrid one.
#[cfg(feature = "pq")]
const KEXES: &[Kex] = &[Kex::X25519, Kex::X25519MlKem768];
/// The key exchanges this build runs: X25519 alone (no `pq` feature).
#[cfg(not(feature = "pq"))]
const KEXES: &[Kex] = &[Kex::X25519];

/// The key exchanges run with both sides in one program. The hybrid one
/// only on request (`--features pq-both-sides`): both parties' states and
/// ML-KEM-768's deep frames take nearly all of the part's 64 KiB of RAM as
/// stack, too close to its end to count on, and that build faults in a
/// later step (lessons/19-post-quantum.md gives the figures).
#[cfg(feature = "pq-both-sides")]
const BOTH_SIDES: &[Kex] = &[Kex::X25519, Kex::X25519MlKem768];
/// The key exchanges run with both sides in one program: X25519.
#[cfg(not(feature = "pq-both-sides"))]
const BOTH_SIDES: &[Kex] = &[Kex::X25519];

#[entry]
fn main() -> ! {
    hprintln!("learn-mtls on a Cortex-M3 (QEMU lm3s6965evb): no operating system, no allocator");
    hprintln!(
        "randomness: ChaCha20Rng seeded from tests/vectors/ (DEMONSTRATION ONLY; a real device uses its TRNG)"
    );
    let Some(peripherals) = cortex_m::Peripherals::take() else {
        failed(format_args!("the core peripherals were already taken"));
    };
    let mut counter = InstructionCounter::start(peripherals.SYST);
    if counter.is_none() {
        hprintln!("instructions: not counted (needs QEMU's -icount shift=0)");
    }

    let mut peak_stack = 0;
    for &kex in BOTH_SIDES {
        for binding in [Binding::Transcript, Binding::InsecureLesson11] {
            let run = Run { kex, binding };
            let painted = measure::paint_stack();
            let (result, instructions) = match counter.as_mut() {
                Some(counter) => counter.measure(|| device::run_kex(kex, binding, &mut Unwatched)),
                None => (device::run_kex(kex, binding, &mut Unwatched), None),
            };
            let Some(depth) = measure::peak_stack(&painted) else {
                failed(format_args!("{run}: the stack ran into the statics"));
            };
            match result {
                Ok(outcome) => hprintln!(
                    "{}: {} handshake bytes and {} records match the golden transcript; peak stack {} B; {} instructions",
                    run,
                    outcome.handshake_bytes,
                    outcome.records,
                    depth,
                    Count(instructions),
                ),
                Err(failure) => failed(format_args!("{failure}")),
            }
            peak_stack = peak_stack.max(depth);
        }
    }
    if !BOTH_SIDES.contains(&Kex::X25519MlKem768) && KEXES.contains(&Kex::X25519MlKem768) {
        hprintln!(
            "hybrid (x25519-mlkem768), both sides in one program: not run, it takes nearly all of the 64 KiB of RAM as stack (--features pq-both-sides runs it)"
        );
    }

    // Each side alone, the other's messages read from the file: what one
    // device (a sensor, a gateway) needs.
    for &kex in KEXES {
        for binding in [Binding::Transcript, Binding::InsecureLesson11] {
            let run = Run { kex, binding };
            let (client, client_count) = alone(run, Side::Client, counter.as_mut());
            let (server, server_count) = alone(run, Side::Server, counter.as_mut());
            hprintln!(
                "{}, each side alone against the recorded other: client peak stack {} B, server {} B; instructions: client {}, server {}",
                run,
                client,
                server,
                Count(client_count),
                Count(server_count),
            );
            peak_stack = peak_stack.max(client).max(server);
        }
    }

    // Again, step by step, to see where the stack and the time go.
    let mut counter = counter.as_mut();
    for &kex in BOTH_SIDES {
        let mut steps = Steps {
            counter: counter.take(),
            rows: [Row::EMPTY; Steps::CAPACITY],
            len: 0,
        };
        if let Err(failure) = device::run_kex(kex, Binding::Transcript, &mut steps) {
            failed(format_args!("step by step: {failure}"));
        }
        let title = match kex {
            Kex::X25519 => "step by step (transcript)",
            Kex::X25519MlKem768 => "step by step (hybrid, transcript)",
        };
        hprintln!("{:<41} stack below the caller   instructions", title);
        steps.print();
        counter = steps.counter;
    }

    // And the primitives on their own.
    let mut primitives = Steps {
        counter,
        rows: [Row::EMPTY; Steps::CAPACITY],
        len: 0,
    };
    if let Err(failure) = learn_mtls_embedded::primitives::run(&mut primitives) {
        failed(format_args!("{failure}"));
    }
    #[cfg(feature = "pq")]
    if let Err(failure) = learn_mtls_embedded::primitives::run_ml_kem(&mut primitives) {
        failed(format_args!("{failure}"));
    }
    hprintln!("primitives, one at a time");
    primitives.print();

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
        failed(format_args!(
            "static RAM and peak stack exceed the part's RAM"
        ));
    }
    hprintln!(
        "on-device: handshake ok, flash {} KiB, static RAM {} B, peak stack {} B",
        memory.flash_used.div_ceil(1024),
        memory.static_ram,
        peak_stack,
    );
    exit::success()
}

/// Runs one side alone and returns its peak stack and the instructions
/// it took, or ends the run.
fn alone(run: Run, side: Side, counter: Option<&mut InstructionCounter>) -> (usize, Option<u64>) {
    let painted = measure::paint_stack();
    let (result, instructions) = match counter {
        Some(counter) => counter.measure(|| device::alone(run.kex, run.binding, side)),
        None => (device::alone(run.kex, run.binding, side), None),
    };
    let Some(depth) = measure::peak_stack(&painted) else {
        failed(format_args!("{run}: the stack ran into the statics"));
    };
    if let Err(failure) = result {
        failed(format_args!("one side alone: {failure}"));
    }
    (depth, instructions)
}

/// A probe that measures each step: stack below the step's caller
/// (painted before, scanned after) and instructions.
struct Steps<'c> {
    counter: Option<&'c mut InstructionCounter>,
    rows: [Row; Steps::CAPACITY],
    len: usize,
}

#[derive(Clone, Copy)]
struct Row {
    name: &'static str,
    /// `None` if the stack reached the statics.
    stack: Option<usize>,
    instructions: Option<u64>,
}

impl Row {
    const EMPTY: Self = Self {
        name: "",
        stack: None,
        instructions: None,
    };
}

impl Steps<'_> {
    /// Rows of the longest table: the primitives, 6 classical and 4 of
    /// ML-KEM-768.
    const CAPACITY: usize = 12;

    /// Prints the table; fails the run if a step overflowed the stack.
    fn print(&self) {
        for row in &self.rows[..self.len] {
            let Some(stack) = row.stack else {
                failed(format_args!("{}: the stack ran into the statics", row.name));
            };
            hprintln!(
                "  {:<40} {:>8} B {:>20}",
                row.name,
                stack,
                Count(row.instructions)
            );
        }
    }
}

impl Probe for Steps<'_> {
    fn step<T>(&mut self, name: &'static str, f: impl FnOnce() -> T) -> T {
        let painted = measure::paint_stack();
        let (result, instructions) = match self.counter.as_mut() {
            Some(counter) => counter.measure(f),
            None => (f(), None),
        };
        let stack =
            measure::peak_stack(&painted).map(|peak| peak.saturating_sub(painted.depth_at_paint));
        if let Some(row) = self.rows.get_mut(self.len) {
            *row = Row {
                name,
                stack,
                instructions,
            };
            self.len += 1;
        }
        result
    }
}

/// An instruction count, or a dash when there is none.
struct Count(Option<u64>);

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(count) => fmt::Display::fmt(&count, f),
            None => f.pad("-"),
        }
    }
}

/// The size of every value a handshake keeps between steps: what a device
/// holding many half-open handshakes would multiply.
fn print_sizes() {
    macro_rules! sizes {
        ($($type:ty),* $(,)?) => {
            $( hprintln!("  {:<40} {:>4}", stringify!($type), size_of::<$type>()); )*
        };
    }
    hprintln!("sizes (bytes):");
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
    #[cfg(feature = "pq")]
    {
        use learn_mtls::kex::X25519MlKem768 as Hybrid;
        use learn_mtls::wire::{HybridClientHello, HybridServerHello};
        sizes!(
            mutual::ExpectServerHello<'static, Hybrid>,
            mutual::ExpectClientAuth<Hybrid>,
            HybridClientHello,
            HybridServerHello,
        );
    }
}

/// A fault (the stack running off the bottom of RAM, most likely) ends the
/// run with a failure instead of `cortex-m-rt`'s default endless loop,
/// which would leave QEMU running until someone kills it.
#[allow(
    unsafe_code,
    reason = "cortex-m-rt declares the HardFault handler unsafe"
)]
#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    failed(format_args!(
        "hard fault at pc {:#010x}, sp {:#010x} (the stack past the bottom of RAM?)",
        frame.pc(),
        cortex_m::register::msp::read(),
    ))
}

/// Says what failed and exits with a non-zero status.
fn failed(why: fmt::Arguments<'_>) -> ! {
    hprintln!("on-device: FAILED: {}", why);
    exit::failure()
}

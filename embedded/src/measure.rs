//! What the firmware costs the device: flash, static RAM and peak stack.
//!
//! Flash and static RAM come from the linker: `cortex-m-rt`'s `link.x` (and
//! our `memory.x`) define a symbol at the start and end of every region,
//! and the address of a symbol is where that region begins or ends.
//!
//! The peak stack is measured by painting: before the code under test runs,
//! every free word of the stack is filled with a pattern; afterwards, the
//! lowest word that no longer holds the pattern is as deep as the stack
//! went. (A function that happened to write the pattern itself into its
//! deepest word would read a few bytes low; the figure is exact otherwise.)
//!
//! This is the crate's only `unsafe` module: reading the linker's symbols
//! and writing and reading stack memory that no Rust variable owns cannot
//! be expressed in safe Rust. Everything else in the crate is safe code.
#![allow(
    unsafe_code,
    reason = "linker symbols and painting the free stack have no safe interface; \
              this module is kept small and is the only one allowed unsafe"
)]

use core::ptr;

/// The paint: a word that is unlikely to be a live value.
const PAINT: u32 = 0xA5C3_5A3C;

/// Below the stack pointer at painting time, a few words are left alone in
/// case the painting loop itself spills a register there.
const MARGIN: usize = 64;

// Symbols the linker script defines; only their addresses mean anything.
unsafe extern "C" {
    static _flash_start: u32;
    static _flash_end: u32;
    static __sidata: u32;
    static __sdata: u32;
    static __edata: u32;
    static __veneer_limit: u32;
    static _ram_start: u32;
    static _ram_end: u32;
    /// End of the statics (.data, .bss, .uninit): the stack may grow down to here.
    static _stack_end: u32;
    /// Top of RAM: the stack starts here and grows down.
    static _stack_start: u32;
}

/// The address of a linker symbol.
macro_rules! address {
    ($symbol:ident) => {
        // Taking a raw address does not read the symbol.
        (&raw const $symbol) as usize
    };
}

/// Flash and RAM as the linker laid them out.
#[derive(Clone, Copy, Debug)]
pub struct Memory {
    /// Bytes of flash the image occupies: vector table, code, constants,
    /// and the initial values of `.data`.
    pub flash_used: usize,
    /// The part's flash.
    pub flash_size: usize,
    /// Bytes of RAM taken by statics (`.data`, `.bss`, `.uninit`).
    pub static_ram: usize,
    /// The part's RAM.
    pub ram_size: usize,
    /// What is left for the stack: RAM minus the statics. No heap.
    pub stack_room: usize,
}

/// Reads the layout from the linker's symbols.
pub fn memory() -> Memory {
    let data_len = address!(__edata) - address!(__sdata);
    let image_end = (address!(__sidata) + data_len).max(address!(__veneer_limit));
    Memory {
        flash_used: image_end - address!(_flash_start),
        flash_size: address!(_flash_end) - address!(_flash_start),
        static_ram: address!(_stack_end) - address!(_ram_start),
        ram_size: address!(_ram_end) - address!(_ram_start),
        stack_room: address!(_stack_start) - address!(_stack_end),
    }
}

/// Proof that the free stack was painted, and how deep the stack already
/// was when it was.
#[derive(Debug)]
pub struct Painted {
    /// Stack in use (from the top of RAM) when the paint went on.
    pub depth_at_paint: usize,
    top_of_paint: usize,
}

/// Paints every free word of the stack below the current stack pointer.
#[inline(never)]
pub fn paint_stack() -> Painted {
    let sp = cortex_m::register::msp::read() as usize;
    let bottom = address!(_stack_end);
    let top = (sp - MARGIN) & !3;
    let mut word = bottom;
    while word < top {
        // SAFETY: `[_stack_end, sp - MARGIN)` is RAM that the linker left
        // to the stack and that lies below the stack pointer, so no live
        // value is stored there; interrupts are never enabled in this
        // firmware, so nothing else runs on this stack meanwhile.
        unsafe { ptr::with_exposed_provenance_mut::<u32>(word).write_volatile(PAINT) };
        word += 4;
    }
    Painted {
        depth_at_paint: address!(_stack_start) - sp,
        top_of_paint: top,
    }
}

/// How deep the stack has been since `painted`, in bytes from the top of
/// RAM, or `None` if it reached the statics (the paint is gone entirely).
pub fn peak_stack(painted: &Painted) -> Option<usize> {
    let bottom = address!(_stack_end);
    let mut word = bottom;
    while word < painted.top_of_paint {
        // SAFETY: the same words `paint_stack` wrote: RAM reserved for the
        // stack, aligned, and read as plain integers.
        let value = unsafe { ptr::with_exposed_provenance::<u32>(word).read_volatile() };
        if value != PAINT {
            break;
        }
        word += 4;
    }
    if word == bottom {
        return None;
    }
    Some(address!(_stack_start) - word)
}

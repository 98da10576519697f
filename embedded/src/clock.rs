//! Counting instructions on an emulator that has no clock of its own.
//!
//! QEMU does not model time. Run with `-icount shift=0` (the runner in
//! `.cargo/config.toml` does), it advances its virtual clock by exactly
//! 1 ns per instruction executed, and the LM3S6965's SysTick counts that
//! clock at the board's reset-default 12.5 MHz: one tick every 80
//! instructions. A calibration loop of known length
//! ([`cortex_m::asm::delay`]: two instructions a turn) checks that this
//! holds before any count is believed; without `-icount` SysTick follows
//! the host's clock and the counts are refused.
//!
//! Instructions are not cycles: a real Cortex-M3 takes more than one cycle
//! for loads, branches and multiplies, and waits on flash. Lesson 11's page
//! on devices turns these counts into an estimate for a real board.

use cortex_m::peripheral::SYST;
use cortex_m::peripheral::syst::SystClkSource;

/// SysTick's counter is 24 bits wide.
const RELOAD: u32 = 0x00FF_FFFF;

/// Instructions per SysTick tick under `-icount shift=0`: 1 ns each, and
/// a tick every 80 ns at 12.5 MHz.
const INSTRUCTIONS_PER_TICK: u64 = 80;

/// Turns of the calibration loop.
const CALIBRATION_TURNS: u32 = 400_000;

/// SysTick, free-running, checked to count instructions.
pub struct InstructionCounter {
    syst: SYST,
}

impl InstructionCounter {
    /// Starts SysTick and checks it against the calibration loop. `None`
    /// when QEMU runs without `-icount shift=0` (or on real hardware).
    pub fn start(mut syst: SYST) -> Option<Self> {
        syst.set_clock_source(SystClkSource::Core);
        syst.set_reload(RELOAD);
        syst.clear_current();
        syst.enable_counter();
        let mut counter = Self { syst };
        // `delay(n)` runs n + 1 turns of `subs; bne`.
        let expected = 2 * u64::from(CALIBRATION_TURNS + 1);
        let counted = counter.count(|| cortex_m::asm::delay(CALIBRATION_TURNS))?;
        // Within 1%: the call and the reads around it add a few dozen.
        (counted.abs_diff(expected) * 100 <= expected).then_some(counter)
    }

    /// Instructions executed by `f` (to the nearest 80), with its result;
    /// the count is `None` if SysTick wrapped meanwhile (over 1.3 billion).
    pub fn count<T>(&mut self, f: impl FnOnce() -> T) -> Option<u64> {
        self.measure(f).1
    }

    /// As [`count`](Self::count), returning `f`'s result too.
    pub fn measure<T>(&mut self, f: impl FnOnce() -> T) -> (T, Option<u64>) {
        // Clearing sets the counter to 0; it reloads on the next tick.
        self.syst.clear_current();
        while SYST::get_current() == 0 {}
        let _ = self.syst.has_wrapped();
        let start = SYST::get_current();
        let result = f();
        let end = SYST::get_current();
        let count =
            (!self.syst.has_wrapped()).then(|| u64::from(start - end) * INSTRUCTIONS_PER_TICK);
        (result, count)
    }
}

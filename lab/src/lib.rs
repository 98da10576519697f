//! The live lab of the web book (issue 22, item 4): a Lesson 11 handshake
//! run by the real core, compiled to WebAssembly, inside the Lesson 11 and
//! Lesson 13 pages.
//!
//! - [`scenario`]: the runs themselves, in plain Rust: alice and the
//!   server in memory, the reader's changed bytes and Lesson 13's attacks
//!   applied on the wire, and which check refused with which error.
//! - [`json`]: what a run found, as the JSON text the page reads.
//! - The `lab_*` functions: the module's exports, plain `extern "C"` with
//!   no binding generator. JavaScript writes a query string into a buffer
//!   the module owns ([`lab_input`]), calls [`lab_run`], and reads the
//!   answer from [`lab_output`]. No `unsafe` block: the buffers live in a
//!   `thread_local!` and only their addresses cross the boundary.
//!
//! ```text
//! page (mtls-lab.js)                         module (this crate)
//!   ptr = lab_input(len); write query  -->   INPUT = "binding=lesson11&flip=m2:40&seed=..."
//!   len = lab_run()                    -->   scenario::run, json::outcome -> OUTPUT
//!   read OUTPUT at lab_output(), len   <--   {"result": "refused: ...", ...}
//! ```
// `#[unsafe(no_mangle)]` is an unsafe attribute, so `forbid` would refuse
// the exports; `deny` lets the one module that needs it say so.
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod json;
pub mod native;
pub mod scenario;

use std::cell::RefCell;

use chacha20::ChaCha20Rng;
use learn_mtls::handshake::Binding;
use learn_mtls::rand_core::{Rng, SeedableRng};

thread_local! {
    /// What the page wrote: a query string.
    static INPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// What the module answered: JSON text.
    static OUTPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// The demo identities and the server's list, made once.
    static CAST: scenario::Cast = scenario::Cast::new();
}

fn answer(text: String) -> usize {
    OUTPUT.with(|out| {
        let mut out = out.borrow_mut();
        *out = text.into_bytes();
        out.len()
    })
}

fn input() -> String {
    INPUT.with(|input| String::from_utf8_lossy(&input.borrow()).into_owned())
}

/// Runs the query string `query` (see [`scenario::parse_query`]) and
/// returns the JSON text the page shows; without a `seed=` the run uses
/// `default_seed`.
pub fn run_query(query: &str, default_seed: &scenario::Seed) -> String {
    match scenario::parse_query(query) {
        Ok((run, seed)) => {
            let seed = seed.unwrap_or(*default_seed);
            let outcome = CAST.with(|cast| scenario::run(cast, &run, &seed));
            json::outcome(&run, &seed, &outcome)
        }
        Err(bad) => json::bad_query(&bad),
    }
}

/// The longest query string the input buffer takes: far more than any
/// run needs (every byte of the three messages flipped is about 6 KiB),
/// and small enough that no page can make the module run out of memory.
pub const MAX_INPUT_LEN: usize = 64 * 1024;

/// The most handshakes one [`bench`] call runs (the page asks for 300):
/// a caller cannot keep the module busy for hours.
pub const MAX_BENCH_RUNS: u32 = 10_000;

/// How many handshakes [`bench`] runs when asked for `count`.
pub fn bench_runs(count: u32) -> u32 {
    count.min(MAX_BENCH_RUNS)
}

/// Runs `count` honest handshakes (at most [`MAX_BENCH_RUNS`]) under the
/// transcript binding, each with key confirmation and an echoed record,
/// from a generator seeded with `seed`; returns how many were accepted
/// (all of those run, or something is wrong). What the page times.
pub fn bench(count: u32, seed: &scenario::Seed) -> u32 {
    let count = bench_runs(count);
    let mut rng = ChaCha20Rng::from_seed(*seed);
    let run = scenario::Run::honest(Binding::Transcript);
    CAST.with(|cast| {
        let mut accepted = 0;
        for _ in 0..count {
            let mut one = [0u8; 32];
            rng.fill_bytes(&mut one);
            if matches!(
                scenario::run(cast, &run, &one).verdict,
                scenario::Verdict::Accepted(_)
            ) {
                accepted += 1;
            }
        }
        accepted
    })
}

/// The page's side of the boundary. Only addresses and lengths cross it.
#[allow(
    unsafe_code,
    reason = "#[unsafe(no_mangle)] on the exports; no unsafe block anywhere"
)]
mod exports {
    use super::{INPUT, OUTPUT, answer, bench, input, json, run_query};

    /// Makes the input buffer `len` bytes long (zeroed) and returns where
    /// it is, for the page to write its query string into; a null pointer
    /// (and an empty buffer) for more than [`super::MAX_INPUT_LEN`] bytes.
    #[unsafe(no_mangle)]
    pub extern "C" fn lab_input(len: usize) -> *mut u8 {
        INPUT.with(|input| {
            let mut input = input.borrow_mut();
            input.clear();
            if len > super::MAX_INPUT_LEN {
                return std::ptr::null_mut();
            }
            input.resize(len, 0);
            input.as_mut_ptr()
        })
    }

    /// Where the last answer is; [`lab_run`] and [`lab_about`] return its length.
    #[unsafe(no_mangle)]
    pub extern "C" fn lab_output() -> *const u8 {
        OUTPUT.with(|out| out.borrow().as_ptr())
    }

    /// Runs the query string in the input buffer; returns the length of
    /// the JSON answer. The page passes its own `seed=`, drawn from
    /// `crypto.getRandomValues`, unless the query string has one.
    #[unsafe(no_mangle)]
    pub extern "C" fn lab_run() -> usize {
        answer(run_query(&input(), &[0u8; 32]))
    }

    /// What the page needs once: the attacks, the demo keys, the native
    /// handshake time from README's benchmark table. Returns the length.
    #[unsafe(no_mangle)]
    pub extern "C" fn lab_about() -> usize {
        answer(scenario_about())
    }

    fn scenario_about() -> String {
        super::CAST.with(json::about)
    }

    /// Runs `count` honest transcript handshakes from the seed in the
    /// input buffer (64 hex digits); returns how many were accepted, or
    /// `u32::MAX` if the seed is not 64 hex digits.
    #[unsafe(no_mangle)]
    pub extern "C" fn lab_bench(count: u32) -> u32 {
        match learn_mtls::hex::decode_array::<32>(input().trim()) {
            Ok(seed) => bench(count, &seed),
            Err(_) => u32::MAX,
        }
    }
}

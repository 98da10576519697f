//! The lab's own handshake, timed natively: the figure to set beside the
//! page's "in this browser" line when the two should run the very same
//! code (the page cites README's benchmark, which times the bare
//! handshake without the lab's echoed record and bookkeeping).
//!
//! ```console
//! $ cargo run -p learn-mtls-lab --release --example native-timing [RUNS]
//! ```
//!
//! A measurement, not a test: it prints what it measured and on what.

use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let runs: u32 = match std::env::args().nth(1).map(|a| a.parse()) {
        None => 300,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("usage: native-timing [RUNS]   (RUNS a positive number, default 300)");
            return ExitCode::from(2);
        }
    };
    let seed = [0x5a; 32];
    // One untimed round first, as the page's first run warms its module.
    learn_mtls_lab::bench(10, &seed);
    let started = Instant::now();
    let accepted = learn_mtls_lab::bench(runs, &seed);
    let per = started.elapsed().as_secs_f64() / f64::from(runs);
    println!(
        "native ({} {}): {:.0} µs per handshake ({:.0} handshakes/s), over {runs} honest runs of \
         the lab (transcript binding, key confirmation, one echoed record; {accepted} accepted)",
        std::env::consts::ARCH,
        std::env::consts::OS,
        per * 1e6,
        1.0 / per
    );
    if accepted == runs {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

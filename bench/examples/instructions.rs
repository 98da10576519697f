//! Runs one of the benchmark's operations N times, for counting
//! instructions under callgrind (which do not depend on the machine's
//! load, as the wall clock does):
//!
//! ```console
//! $ cargo build --release -p learn-mtls-bench --example instructions
//! $ valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!       target/release/examples/instructions handshake 20
//! ```
//!
//! OPERATION is `handshake` (the benchmark's mutual handshake, both sides),
//! `primitives` (`kit::primitives`' yardstick, all at once), `hybrid
//! handshake` and `hybrid primitives` (the same with Lesson 19's X25519 +
//! ML-KEM-768), or one of the primitives by its benchmark name (`"X25519
//! key pair"`, `"ML-KEM-768 decapsulation"`, ...). The count
//! of one run is (count at N) - (count at 0), divided by N:
//! `cargo run -p learn-mtls-figures -- --record bench` does exactly that.

use std::hint::black_box;
use std::process::ExitCode;

use learn_mtls::kex::Kex;
use learn_mtls_kit::primitives::{
    Primitives, all_primitives, fixture, handshake, hybrid_handshake,
};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(operation), Some(Ok(n))) = (args.first(), args.get(1).map(|n| n.parse::<u32>()))
    else {
        eprintln!(
            "usage: instructions OPERATION N (OPERATION: handshake, primitives, \"hybrid handshake\", \"hybrid primitives\", or a primitive's name)"
        );
        return ExitCode::from(2);
    };
    // Made whatever the operation, so that N = 0 subtracts the set-up.
    let f = fixture();
    let p = Primitives::new();
    let run: Box<dyn Fn()> = match operation.as_str() {
        "handshake" => Box::new(|| drop(black_box(handshake(&f)))),
        "primitives" => Box::new(|| p.one_handshake()),
        "hybrid handshake" => Box::new(|| drop(black_box(hybrid_handshake(&f)))),
        "hybrid primitives" => Box::new(|| p.one_handshake_of(Kex::X25519MlKem768)),
        name => match all_primitives().find(|q| q.name == name) {
            Some(q) => Box::new(|| (q.run)(&p)),
            None => {
                eprintln!("error: unknown operation {name:?}");
                return ExitCode::from(2);
            }
        },
    };
    for _ in 0..n {
        run();
    }
    ExitCode::SUCCESS
}

//! What the protocol costs beyond its cryptography.
//!
//! ```console
//! $ cargo bench -p learn-mtls-bench            # or: -- --quick
//! ```
//!
//! Criterion measures each operation; then a ratio section times the
//! protocol and the sum of its primitives in interleaved batches (so both
//! see the same machine state) and prints the median of the batch ratios:
//!
//! - the in-memory mutual handshake, both sides, transcript binding, against
//!   2 X25519 key generations + 2 X25519 agreements + 2 Ed25519 signatures +
//!   2 strict Ed25519 verifications + 1 Ed25519 key decompression
//!   (target: at most 1.10);
//! - the same handshake with the hybrid key exchange of Lesson 19 (X25519
//!   and ML-KEM-768), against the same primitives plus ML-KEM-768's key
//!   generation, encapsulation key check, encapsulation and decapsulation,
//!   once each (target: at most 1.10);
//! - sealing and opening a 16 KiB record, against the bare ChaCha20-Poly1305
//!   encryption and decryption of the same 16 KiB (target: at most 1.05).

use std::hint::black_box;
use std::time::{Duration, Instant};

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use criterion::{Criterion, Throughput};
use learn_mtls::kex::Kex;
use learn_mtls::record::{MAX_PLAINTEXT_LEN, MAX_RECORD_LEN, Session};

// One definition of "the handshake's primitives", shared with examples/load/.
use learn_mtls_kit::primitives;
use primitives::{Fixture, Primitives, fixture, handshake, hybrid_handshake};

fn seal_and_open(sender: &mut Session, receiver: &mut Session, record: &mut [u8]) {
    let len = sender
        .seal_in_place(record, MAX_PLAINTEXT_LEN)
        .expect("fits");
    black_box(receiver.open_in_place(&mut record[..len]).expect("opens"));
}

fn bare_aead(cipher: &ChaCha20Poly1305, buffer: &mut [u8]) {
    let nonce = Nonce::default();
    let tag = cipher
        .encrypt_inout_detached(&nonce, b"ab", buffer.into())
        .expect("fits");
    cipher
        .decrypt_inout_detached(&nonce, b"ab", buffer.into(), &tag)
        .expect("opens");
}

fn criterion_benches(c: &mut Criterion, f: &Fixture, p: &Primitives) {
    c.bench_function("mutual handshake, both sides (transcript)", |b| {
        b.iter(|| handshake(f))
    });
    c.bench_function("primitives of one handshake", |b| {
        b.iter(|| p.one_handshake())
    });
    c.bench_function("hybrid mutual handshake, both sides (transcript)", |b| {
        b.iter(|| hybrid_handshake(f))
    });
    c.bench_function("primitives of one hybrid handshake", |b| {
        b.iter(|| p.one_handshake_of(Kex::X25519MlKem768))
    });

    // Each primitive alone: the handshake's cost broken down, in time (the
    // figure in lessons/figures/bench-handshake.svg counts instructions of
    // the same operations instead: examples/instructions.rs).
    for primitive in primitives::all_primitives() {
        c.bench_function(&format!("primitive: {}", primitive.name), |b| {
            b.iter(|| (primitive.run)(p))
        });
    }
    let mut group = c.benchmark_group("16 KiB record");
    group.throughput(Throughput::Bytes(MAX_PLAINTEXT_LEN as u64));
    let (mut client, mut server) = handshake(f);
    let mut record = vec![0u8; MAX_RECORD_LEN];
    group.bench_function("seal + open (learn-mtls)", |b| {
        b.iter(|| seal_and_open(&mut client, &mut server, &mut record))
    });
    let cipher = ChaCha20Poly1305::new(&[9u8; 32].into());
    let mut buffer = vec![0u8; MAX_PLAINTEXT_LEN];
    group.bench_function("encrypt + decrypt (bare ChaCha20-Poly1305)", |b| {
        b.iter(|| bare_aead(&cipher, &mut buffer))
    });
    group.finish();
}

/// Times `a` and `b` in alternating batches and returns the median of the
/// per-batch ratios time(a) / time(b).
fn interleaved_ratio(
    batches: usize,
    per_batch: u32,
    mut a: impl FnMut(),
    mut b: impl FnMut(),
) -> (f64, Duration, Duration) {
    let time = |op: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..per_batch {
            op();
        }
        start.elapsed() / per_batch
    };
    let mut ratios = Vec::with_capacity(batches);
    let (mut total_a, mut total_b) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..batches {
        let ta = time(&mut a);
        let tb = time(&mut b);
        total_a += ta;
        total_b += tb;
        ratios.push(ta.as_secs_f64() / tb.as_secs_f64());
    }
    ratios.sort_by(f64::total_cmp);
    (
        ratios[batches / 2],
        total_a / batches as u32,
        total_b / batches as u32,
    )
}

fn report(name: &str, (ratio, protocol, primitives): (f64, Duration, Duration), target: f64) {
    let verdict = if ratio <= target { "meets" } else { "MISSES" };
    println!(
        "{name}: {protocol:.2?} vs {primitives:.2?} -> ratio {ratio:.3} ({verdict} target {target:.2})"
    );
}

fn main() {
    let f = fixture();
    let p = Primitives::new();
    let mut c = Criterion::default()
        .configure_from_args()
        .warm_up_time(Duration::from_secs(1));
    criterion_benches(&mut c, &f, &p);
    c.final_summary();

    // `cargo bench` passes `--bench`; `cargo test --benches` (CI's smoke
    // run) does not, and then each measurement runs a few times only.
    let measuring = std::env::args().any(|arg| arg == "--bench");
    let (batches, scale) = if measuring { (31, 1) } else { (3, 50) };
    println!("\nRatios (median of {batches} interleaved batches):");
    if !measuring {
        println!("(a smoke run, not a measurement: use `cargo bench -p learn-mtls-bench`)");
    }
    let handshakes = interleaved_ratio(
        batches,
        50 / scale,
        || drop(black_box(handshake(&f))),
        || p.one_handshake(),
    );
    report("handshake / sum of its primitives", handshakes, 1.10);
    let hybrid = interleaved_ratio(
        batches,
        50 / scale,
        || drop(black_box(hybrid_handshake(&f))),
        || p.one_handshake_of(Kex::X25519MlKem768),
    );
    report("hybrid handshake / sum of its primitives", hybrid, 1.10);

    let (mut client, mut server) = handshake(&f);
    let mut record = vec![0u8; MAX_RECORD_LEN];
    let cipher = ChaCha20Poly1305::new(&[9u8; 32].into());
    let mut buffer = vec![0u8; MAX_PLAINTEXT_LEN];
    let records = interleaved_ratio(
        batches,
        500 / scale,
        || seal_and_open(&mut client, &mut server, &mut record),
        || bare_aead(&cipher, &mut buffer),
    );
    report("16 KiB record seal+open / bare AEAD", records, 1.05);
}

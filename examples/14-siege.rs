//! Lesson 14: the six conditions, checked against the real server.
//!
//! ```console
//! $ cargo build --release --examples
//! $ cargo run --release --example 14-siege              # the full sizes, about 2 minutes
//! $ cargo run --example 14-siege -- --quick             # smaller, about 30 s (CI)
//! $ cargo run --release --example 14-siege -- --server 14-async-server
//! ```
//!
//! Each condition starts a fresh server with its default flags (the
//! authorized list holds alice and bob), attacks it, and meanwhile sends
//! honest clients (bob, as the real `11-mtls-client` process: handshake
//! and one echoed line, each within 5 s; `--library-client` uses the
//! library's `connect_tcp` in this process instead), which must succeed at
//! least 19 times in 20:
//!
//! 1. silent connections held open (1000), and new ones opened (100 a second);
//! 2. connections that send message 1 and stall (500);
//! 3. alice's recorded `lesson11` handshake replayed without her key
//!    (1024 times), each trickling a byte every 2 s; none may still be open
//!    60 s later;
//! 4. one authorized key (alice's, stolen) holding idle sessions (1100);
//! 5. standard output a closed pipe, then a pipe nobody reads;
//! 6. 256 file descriptors (`ulimit -n`) and 600 connections attempted: an
//!    honest client is served or refused within 2 s, and served within 5 s
//!    once the flood stops.
//!
//! Throughout, the server's resident memory must stay under 256 MiB, and
//! after each attack its threads must fall back to a small idle pool
//! within 5 s. This program holds more than a thousand sockets at once: if
//! its descriptor limit is lower it restarts itself under `ulimit -n 8192`
//! (or the hard limit, if that is lower).
//! `--quick` divides the sizes by about five and, for condition 3 only,
//! passes `--record-timeout 2` so that the check comes 8 s later, not 60.
//!
//! `--sweep` measures instead of judging: honest clients served against
//! the number of silent connections held (0 to 800; `--quick`, to 400),
//! against the naive server (`--when-full refuse`) and the defended one,
//! as tab-separated lines; `cargo run -p learn-mtls-figures -- --record
//! siege` records it for both servers and Lesson 14 draws it.

use std::net::TcpStream;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use learn_mtls::handshake::Binding;
use learn_mtls::net;

use learn_mtls_kit::siege;
use siege::{Attack, Keys, Probes, Recorded, Sampler, Server, Stdout};

/// The memory bound of the six conditions.
const RSS_BOUND_KIB: u64 = 256 * 1024;
/// Threads an idle server may keep: the pool kept idle, the accepting
/// thread, the two log writers, and a little room.
const IDLE_THREADS: u64 = net::IDLE_THREADS_KEPT as u64 + 6;

#[derive(Parser)]
#[command(about = "Lesson 14: the six availability conditions, against the real server")]
struct Args {
    /// The server binary to besiege: `11-mtls-server` or `14-async-server`.
    #[arg(long, default_value = "11-mtls-server")]
    server: String,
    /// Smaller sizes and a shorter record deadline for condition 3 (CI).
    #[arg(long)]
    quick: bool,
    /// Run only these conditions (1 to 6), e.g. `--only 1 --only 4`.
    #[arg(long)]
    only: Vec<u8>,
    /// Condition 1's rate of new silent connections a second, instead of
    /// 100: how fast must an attacker be to push honest clients out?
    #[arg(long)]
    silent_rate: Option<u32>,
    /// Honest clients are the library's `connect_tcp` in this process
    /// instead of runs of the real `11-mtls-client` binary.
    #[arg(long)]
    library_client: bool,
    /// Instead of the conditions: measure `11-mtls-server` and
    /// `14-async-server` side by side (pending handshakes held, memory per
    /// pending handshake, handshakes per second).
    #[arg(long)]
    compare: bool,
    /// Instead of the conditions: honest clients served against attack
    /// strength. For each held number of silent connections (slowloris,
    /// 50 more a second), a fresh `--server` naive (`--when-full refuse`)
    /// and one with its defaults, 10 honest clients each; one
    /// tab-separated line per run (the figures of Lesson 14 are drawn
    /// from it).
    #[arg(long)]
    sweep: bool,
}

struct Sizes {
    silent: usize,
    silent_rate: u32,
    stalled: usize,
    replayed: usize,
    replay_check_after: Duration,
    replay_extra: &'static [&'static str],
    key_sessions: usize,
    unread_lines: usize,
    attempted: usize,
    probes: usize,
}

const FULL: Sizes = Sizes {
    silent: 1000,
    silent_rate: 100,
    stalled: 500,
    replayed: 1024,
    replay_check_after: Duration::from_secs(60),
    replay_extra: &[],
    key_sessions: 1100,
    unread_lines: 1500,
    attempted: 600,
    probes: 20,
};

const QUICK: Sizes = Sizes {
    silent: 200,
    silent_rate: 100,
    stalled: 100,
    replayed: 200,
    replay_check_after: Duration::from_secs(8),
    replay_extra: &["--record-timeout", "2"],
    key_sessions: 200,
    unread_lines: 1200,
    attempted: 300,
    probes: 20,
};

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(code) = reexec_with_more_descriptors() {
        return code;
    }
    if args.compare {
        return compare(if args.quick { 1000 } else { 3000 });
    }
    if args.sweep {
        if !args.library_client
            && let Err(e) = siege::use_real_client()
        {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
        return sweep(&args.server, args.quick);
    }
    let mut sizes = if args.quick { QUICK } else { FULL };
    if let Some(rate) = args.silent_rate {
        sizes.silent_rate = rate;
    }
    let sizes = &sizes;
    if !args.library_client
        && let Err(e) = siege::use_real_client()
    {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let wanted = |n: u8| args.only.is_empty() || args.only.contains(&n);
    println!(
        "Lesson 14: the six conditions against {} with its default flags{}",
        args.server,
        if args.quick { " (--quick sizes)" } else { "" }
    );
    let conditions: [(u8, Condition); 6] = [
        (1, silent),
        (2, stalled),
        (3, replayed),
        (4, one_key),
        (5, stdout),
        (6, descriptors),
    ];
    let mut all = true;
    for (n, condition) in conditions {
        if !wanted(n) {
            continue;
        }
        match condition(&args.server, sizes) {
            Ok(verdict) => {
                println!(
                    "{n}. {} => {}",
                    verdict.text,
                    if verdict.holds { "holds" } else { "FAILS" }
                );
                all &= verdict.holds;
            }
            Err(e) => {
                println!("{n}. could not run: {e} => FAILS");
                all = false;
            }
        }
    }
    if all {
        println!("all conditions hold");
        ExitCode::SUCCESS
    } else {
        println!("some condition FAILS");
        ExitCode::FAILURE
    }
}

/// Restarts this program under `ulimit -n 8192` if its own descriptor
/// limit is too low to hold the attacks' sockets; `Some(exit code)` if it
/// did.
fn reexec_with_more_descriptors() -> Option<ExitCode> {
    const NEEDED: usize = 8192;
    if net::descriptor_limit().is_none_or(|n| n >= NEEDED)
        || std::env::var_os("LEARN_MTLS_SIEGE_REEXEC").is_some()
    {
        return None;
    }
    let exe = std::env::current_exe().ok()?;
    let status = std::process::Command::new("sh")
        // As many as the hard limit allows, if that is fewer.
        .args([
            "-c",
            "ulimit -n 8192 2>/dev/null || ulimit -n \"$(ulimit -Hn)\"; exec \"$0\" \"$@\"",
        ])
        .arg(exe)
        .args(std::env::args_os().skip(1))
        .env("LEARN_MTLS_SIEGE_REEXEC", "1")
        .status();
    Some(match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: cannot restart under ulimit -n {NEEDED}: {e}");
            ExitCode::FAILURE
        }
    })
}

/// One condition: start a server, attack it, judge.
type Condition = fn(&str, &Sizes) -> Result<Verdict, String>;

struct Verdict {
    holds: bool,
    text: String,
}

/// The checks every condition shares: probes good, server healthy, memory
/// under the bound, threads back to the idle pool once the attack is over.
fn finish(
    mut server: Server,
    sampler: Sampler,
    probes: &Probes,
    what: String,
    extra_ok: bool,
) -> Verdict {
    let (settled, took) = siege::threads_settle(server.pid(), IDLE_THREADS, Duration::from_secs(5));
    let peak = sampler.peak();
    let healthy = server.healthy();
    let holds = probes.good()
        && healthy
        && peak.rss_kib < RSS_BOUND_KIB
        && settled <= IDLE_THREADS
        && extra_ok;
    Verdict {
        holds,
        text: format!(
            "{what}: {}; server {}, peak RSS {:.1} MiB, peak threads {}, \
             {settled} threads {:.1} s after the attack",
            probes.summary(),
            if healthy { "up" } else { "DOWN or panicked" },
            peak.rss_kib as f64 / 1024.0,
            peak.threads,
            took.as_secs_f64(),
        ),
    }
}

fn start(
    binary: &str,
    keys: &Keys,
    stdout: Stdout,
    fds: Option<u32>,
    extra: &[&str],
) -> Result<(Server, Sampler), String> {
    let server = Server::start(binary, keys, Binding::InsecureLesson11, stdout, fds, extra)?;
    let sampler = Sampler::start(server.pid());
    Ok((server, sampler))
}

/// Waits until `counter` reaches `n` or `limit` passes.
fn wait_for(counter: &AtomicUsize, n: usize, limit: Duration) {
    let end = Instant::now() + limit;
    while counter.load(Ordering::Relaxed) < n && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn probe(server: &Server, keys: &Keys, sizes: &Sizes) -> Probes {
    Probes::run(
        server.addr,
        keys,
        Binding::InsecureLesson11,
        sizes.probes,
        Duration::from_millis(150),
    )
}

fn silent(binary: &str, sizes: &Sizes) -> Result<Verdict, String> {
    let keys = Keys::new("silent")?;
    let (server, sampler) = start(binary, &keys, Stdout::Read, None, &[])?;
    let attack = Attack::silent(server.addr, sizes.silent, sizes.silent_rate);
    wait_for(&attack.opened, sizes.silent, Duration::from_secs(20));
    let probes = probe(&server, &keys, sizes);
    let opened = attack.opened.load(Ordering::Relaxed);
    drop(attack.stop());
    let evicted = server.log.lock().unwrap().evicted;
    Ok(finish(
        server,
        sampler,
        &probes,
        format!(
            "{} silent connections held, {} new a second ({opened} opened; {evicted} evictions logged)",
            sizes.silent, sizes.silent_rate
        ),
        true,
    ))
}

fn stalled(binary: &str, sizes: &Sizes) -> Result<Verdict, String> {
    let keys = Keys::new("stalled")?;
    let (server, sampler) = start(binary, &keys, Stdout::Read, None, &[])?;
    let attack = Attack::stall_after_message_1(server.addr, &keys.server, sizes.stalled);
    wait_for(&attack.opened, sizes.stalled, Duration::from_secs(20));
    let probes = probe(&server, &keys, sizes);
    drop(attack.stop());
    Ok(finish(
        server,
        sampler,
        &probes,
        format!("{} connections stalled after message 1", sizes.stalled),
        true,
    ))
}

fn replayed(binary: &str, sizes: &Sizes) -> Result<Verdict, String> {
    let keys = Keys::new("replayed")?;
    let (server, sampler) = start(binary, &keys, Stdout::Read, None, sizes.replay_extra)?;
    let recorded = Recorded::alice(server.addr, &keys)?;
    let still_open = Arc::new(AtomicUsize::new(0));
    let attack = Attack::replay_trickle(
        server.addr,
        recorded,
        sizes.replayed,
        Duration::from_secs(2),
        Arc::clone(&still_open),
    );
    wait_for(&attack.opened, sizes.replayed, Duration::from_secs(30));
    let replayed = attack.opened.load(Ordering::Relaxed);
    let probes = probe(&server, &keys, sizes);
    let began = Instant::now();
    while began.elapsed() < sizes.replay_check_after
        && (still_open.load(Ordering::Relaxed) > 0 || began.elapsed() < Duration::from_secs(3))
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    // One more trickle round after the check time, to see the last closes.
    std::thread::sleep(Duration::from_millis(2100));
    let open = still_open.load(Ordering::Relaxed);
    let gone_after = began.elapsed();
    drop(attack.stop());
    let accepted = server.log.lock().unwrap().accepted;
    Ok(finish(
        server,
        sampler,
        &probes,
        format!(
            "{replayed} replayed lesson11 handshakes (no key; {accepted} 'accepted' lines), a byte every 2 s: \
             {open} still open {:.0} s later",
            gone_after.as_secs_f64()
        ),
        open == 0,
    ))
}

fn one_key(binary: &str, sizes: &Sizes) -> Result<Verdict, String> {
    let keys = Keys::new("onekey")?;
    let (server, sampler) = start(binary, &keys, Stdout::Read, None, &[])?;
    let sessions = Arc::new(AtomicUsize::new(0));
    let attack = Attack::one_key(
        server.addr,
        &keys,
        Binding::InsecureLesson11,
        sizes.key_sessions,
        Arc::clone(&sessions),
    );
    wait_for(&attack.opened, sizes.key_sessions, Duration::from_secs(60));
    let probes = probe(&server, &keys, sizes);
    let held = sessions.load(Ordering::Relaxed);
    drop(attack.stop());
    Ok(finish(
        server,
        sampler,
        &probes,
        format!(
            "alice's key tried {} sessions and holds {held} idle",
            sizes.key_sessions
        ),
        held < sizes.key_sessions,
    ))
}

fn stdout(binary: &str, sizes: &Sizes) -> Result<Verdict, String> {
    let mut text = Vec::new();
    let mut all = true;
    for (mode, name) in [(Stdout::Closed, "closed"), (Stdout::Unread, "unread")] {
        let keys = Keys::new(name)?;
        let (server, sampler) = start(binary, &keys, mode, None, &[])?;
        // Far more log than a pipe holds (64 KiB): every line must go
        // somewhere, and nowhere may block.
        let began = Instant::now();
        let mut burst = 0;
        while burst < sizes.unread_lines && began.elapsed() < Duration::from_secs(30) {
            if siege::honest_in_process(server.addr, &keys, Binding::InsecureLesson11).is_ok() {
                burst += 1;
            } else {
                break;
            }
        }
        let probes = probe(&server, &keys, sizes);
        let v = finish(
            server,
            sampler,
            &probes,
            format!("stdout {name}, {burst} sessions logged first"),
            burst == sizes.unread_lines,
        );
        all &= v.holds;
        text.push(v.text);
    }
    Ok(Verdict {
        holds: all,
        text: text.join("\n   "),
    })
}

fn descriptors(binary: &str, sizes: &Sizes) -> Result<Verdict, String> {
    let keys = Keys::new("fds")?;
    let (server, sampler) = start(binary, &keys, Stdout::Read, Some(256), &[])?;
    let attack = Attack::silent(server.addr, sizes.attempted, 200);
    wait_for(&attack.opened, sizes.attempted, Duration::from_secs(20));
    // Served or refused within 2 s, never left hanging.
    let mut hanging = 0;
    let mut served = 0;
    let mut slowest = Duration::ZERO;
    for _ in 0..sizes.probes {
        let began = Instant::now();
        let result = siege::honest(server.addr, &keys, Binding::InsecureLesson11);
        let took = began.elapsed();
        slowest = slowest.max(took);
        if took > Duration::from_secs(2) {
            hanging += 1;
        } else if result.is_ok() {
            served += 1;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(attack.stop());
    let stopped = Instant::now();
    let mut after = Probes::default();
    while stopped.elapsed() < Duration::from_secs(5) && after.ok == 0 {
        after = Probes::run(
            server.addr,
            &keys,
            Binding::InsecureLesson11,
            1,
            Duration::ZERO,
        );
    }
    let served_again = stopped.elapsed();
    let (refusals, fd_refusals, summaries) = {
        let log = server.log.lock().unwrap();
        (log.rejected, log.descriptors, log.summaries)
    };
    let _ = TcpStream::connect(server.addr);
    let probes = Probes {
        ok: sizes.probes - hanging,
        failed: (0..hanging)
            .map(|_| "left hanging over 2 s".into())
            .collect(),
        slowest,
    };
    Ok(finish(
        server,
        sampler,
        &probes,
        format!(
            "ulimit -n 256, {} connections attempted: {served} served, {hanging} left hanging \
             (slowest {:.0} ms); {refusals} refusals logged ({fd_refusals} for descriptors, \
             {summaries} rate-limit summaries); served again {:.2} s after the flood",
            sizes.attempted,
            slowest.as_secs_f64() * 1e3,
            served_again.as_secs_f64()
        ),
        after.ok == 1 && served_again < Duration::from_secs(5),
    ))
}

/// Both servers side by side: how many handshakes in progress each holds,
/// what each costs in memory, and how many handshakes a second each
/// completes for 4 client threads over 3 s.
/// The held silent connections `--sweep` tries: `--quick` stops at 400.
const SWEEP_FULL: &[usize] = &[0, 25, 50, 100, 200, 400, 800];
const SWEEP_QUICK: &[usize] = &[0, 25, 50, 100, 200, 400];
/// Honest clients per run of `--sweep`, one every 100 ms.
const SWEEP_PROBES: usize = 10;

/// `--sweep`: honest clients served against attack strength, naive and
/// defended, as tab-separated lines (a header first).
fn sweep(binary: &str, quick: bool) -> ExitCode {
    println!(
        "server\tconfiguration\tflags\tattack\tsilent_held\topened\tserved\tprobes\tslowest_ms"
    );
    let configurations: [(&str, &[&str]); 2] =
        [("naive", &["--when-full", "refuse"]), ("defended", &[])];
    let mut ok = true;
    for held in if quick { SWEEP_QUICK } else { SWEEP_FULL } {
        for (label, flags) in configurations {
            match sweep_one(binary, flags, *held) {
                Ok((opened, probes)) => println!(
                    "{binary}\t{label}\t{}\tslowloris, 50 new a second\t{held}\t{opened}\t{}\t{}\t{:.0}",
                    if flags.is_empty() {
                        "(defaults)".to_owned()
                    } else {
                        flags.join(" ")
                    },
                    probes.ok,
                    probes.total(),
                    probes.slowest.as_secs_f64() * 1e3
                ),
                Err(e) => {
                    eprintln!("{binary} {label} {held}: could not run: {e}");
                    ok = false;
                }
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn sweep_one(binary: &str, flags: &[&str], held: usize) -> Result<(usize, Probes), String> {
    let keys = Keys::new("sweep")?;
    let mut server = Server::start(
        binary,
        &keys,
        Binding::InsecureLesson11,
        Stdout::Read,
        None,
        flags,
    )?;
    let attack = (held > 0).then(|| Attack::silent(server.addr, held, 50));
    if let Some(attack) = &attack {
        wait_for(&attack.opened, held, Duration::from_secs(20));
    }
    let probes = Probes::run(
        server.addr,
        &keys,
        Binding::InsecureLesson11,
        SWEEP_PROBES,
        Duration::from_millis(100),
    );
    let opened = attack.map_or(0, |attack| {
        let opened = attack.opened.load(Ordering::Relaxed);
        drop(attack.stop());
        opened
    });
    if !server.healthy() {
        return Err("the server went down or panicked".into());
    }
    Ok((opened, probes))
}

fn compare(pending: usize) -> ExitCode {
    println!(
        "| server | pending handshakes held | RSS idle | RSS holding them | per pending handshake | threads holding them | handshakes/s (4 clients, 3 s) |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut ok = true;
    for binary in ["11-mtls-server", "14-async-server"] {
        match compare_one(binary, pending) {
            Ok(row) => println!("{row}"),
            Err(e) => {
                println!("| {binary} | could not run: {e} |");
                ok = false;
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn compare_one(binary: &str, pending: usize) -> Result<String, String> {
    let keys = Keys::new("compare")?;
    let n = pending.to_string();
    let server = Server::start(
        binary,
        &keys,
        Binding::Transcript,
        Stdout::Read,
        Some(16384),
        &[
            "--max-pending",
            &n,
            "--max-connections",
            &n,
            "--handshake-timeout",
            "60",
        ],
    )?;
    std::thread::sleep(Duration::from_millis(300));
    let idle = server.memory().ok_or("no /proc")?;
    let attack = Attack::stall_after_message_1(server.addr, &keys.server, pending);
    wait_for(&attack.opened, pending, Duration::from_secs(60));
    // Let the server answer each message 1 and settle.
    std::thread::sleep(Duration::from_secs(2));
    let held = server.memory().ok_or("no /proc")?;
    let opened = attack.opened.load(Ordering::Relaxed);
    let still = attack.stop();
    let mut open = 0;
    for mut s in still {
        let _ = s.set_nonblocking(true);
        if !siege::closed(&mut s) {
            open += 1;
        }
    }
    std::thread::sleep(Duration::from_secs(3));
    let rate = handshakes_per_second(&server, &keys, 4, Duration::from_secs(3));
    let per = (held.rss_kib.saturating_sub(idle.rss_kib)) as f64 / opened.max(1) as f64;
    Ok(format!(
        "| {binary} | {open} of {opened} | {:.1} MiB | {:.1} MiB | {per:.1} KiB | {} | {rate:.0} |",
        idle.rss_kib as f64 / 1024.0,
        held.rss_kib as f64 / 1024.0,
        held.threads
    ))
}

fn handshakes_per_second(server: &Server, keys: &Keys, clients: usize, time: Duration) -> f64 {
    let done = AtomicUsize::new(0);
    let began = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..clients {
            scope.spawn(|| {
                while began.elapsed() < time {
                    if siege::honest(server.addr, keys, Binding::Transcript).is_ok() {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    done.load(Ordering::Relaxed) as f64 / began.elapsed().as_secs_f64()
}

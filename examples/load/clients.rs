//! The load itself: client threads repeating honest handshakes until time
//! is up, and what they measured.

use super::floors::{cpu_time, loadavg, primitives_cost};
use super::server::Memory;
use super::{Args, TARGET, Target, micros, millis};
use learn_mtls::handshake::Config;
use learn_mtls::net::{self};
use std::net::TcpStream;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What each client thread saw.
#[derive(Default)]
pub(super) struct Tally {
    pub(super) latencies: Vec<Duration>,
    pub(super) failures: Vec<String>,
}

/// Runs the load; returns whether it had no failures, and how many handshakes completed.
pub(super) fn load(
    args: &Args,
    target: &Target,
    cores: usize,
    cost_before: Duration,
    tcp: Duration,
) -> Result<(bool, usize), String> {
    let config = Config::from(args.binding);
    let timeout = Duration::from_secs(args.timeout);
    let duration = Duration::from_secs(args.seconds);
    println!(
        "load: {} client thread(s) for {} s, binding {}, one TCP connection per handshake, against {}",
        args.clients, args.seconds, args.binding, target.addr
    );

    let done = AtomicBool::new(false);
    let peak = Mutex::new(Memory::default());
    let completed = AtomicU64::new(0);
    let cpu_before = (
        cpu_time("self"),
        target.pid.and_then(|p| cpu_time(&p.to_string())),
    );
    let start = Instant::now();
    let tallies: Vec<Tally> = std::thread::scope(|scope| {
        // Samples the server's memory while the load runs.
        if let Some(pid) = target.pid {
            let (done, peak) = (&done, &peak);
            scope.spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    if let Some(now) = Memory::of(pid) {
                        peak.lock().expect("sampler lock").keep_peak(now);
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            });
        }
        let clients: Vec<_> = (0..args.clients)
            .map(|_| {
                scope.spawn(|| {
                    let mut tally = Tally::default();
                    while start.elapsed() < duration {
                        let began = Instant::now();
                        match one_handshake(target, config, timeout, !args.no_echo) {
                            Ok(()) => {
                                tally.latencies.push(began.elapsed());
                                completed.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(e) => tally.failures.push(e),
                        }
                    }
                    tally
                })
            })
            .collect();
        let tallies = clients
            .into_iter()
            .map(|c| c.join().expect("a client thread panicked"))
            .collect();
        done.store(true, Ordering::Relaxed);
        tallies
    });
    let elapsed = start.elapsed();
    let cpu_after = (
        cpu_time("self"),
        target.pid.and_then(|p| cpu_time(&p.to_string())),
    );

    let mut latencies: Vec<Duration> = tallies.iter().flat_map(|t| t.latencies.clone()).collect();
    let failures: Vec<&String> = tallies.iter().flat_map(|t| &t.failures).collect();
    latencies.sort();
    let handshakes = latencies.len();
    let rate = handshakes as f64 / elapsed.as_secs_f64();
    // The floor is measured again now that the load is over, and the faster
    // of the two measurements taken: the higher floor, the stricter test,
    // whatever else the machine was doing at either moment.
    let cost_after = primitives_cost();
    let cost = cost_before.min(cost_after);
    let floor = cores as f64 / cost.as_secs_f64();
    println!(
        "CPU floor: primitives {:.1} us before the load, {:.1} us after; the faster -> {cores} / {:.1} us = {floor:.0} handshakes/s",
        micros(cost_before),
        micros(cost_after),
        micros(cost)
    );
    let share = rate / floor;
    let tcp_floor = cores as f64 / (cost + tcp).as_secs_f64();
    let tcp_share = rate / tcp_floor;
    let verdict = if tcp_share >= TARGET {
        "meets"
    } else {
        "MISSES"
    };
    println!(
        "TCP floor: {cores} / ({:.1} us primitives + {:.1} us bare TCP) = {tcp_floor:.0} handshakes/s",
        micros(cost),
        micros(tcp)
    );
    println!(
        "handshakes: {handshakes} in {:.2} s = {rate:.0}/s = {:.1}% of the CPU floor, \
         {:.1}% of the TCP floor ({verdict} the {:.0}% target)",
        elapsed.as_secs_f64(),
        share * 100.0,
        tcp_share * 100.0,
        TARGET * 100.0
    );
    if handshakes > 0 {
        println!(
            "latency ({}): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            if args.no_echo {
                "connect to the client's handshake done"
            } else {
                "connect to echo"
            },
            millis(percentile(&latencies, 0.50)),
            millis(percentile(&latencies, 0.99)),
            millis(*latencies.last().expect("not empty"))
        );
    }
    println!("failures: {}", failures.len());
    if handshakes > 0 {
        let per = |before: Option<Duration>, after: Option<Duration>| {
            before
                .zip(after)
                .map(|(b, a)| format!("{:.0} us", micros(a.saturating_sub(b)) / handshakes as f64))
                .unwrap_or_else(|| "unknown".into())
        };
        println!(
            "CPU time per handshake (user + system, from /proc): server {}, clients {}",
            per(cpu_before.1, cpu_after.1),
            per(cpu_before.0, cpu_after.0)
        );
        // The same comparison in CPU time rather than wall time: it does
        // not depend on how much of the machine other programs took.
        let spent = [cpu_before, cpu_after]
            .iter()
            .map(|(me, server)| me.zip(*server).map(|(a, b)| a + b))
            .collect::<Vec<_>>();
        if let [Some(before), Some(after)] = spent[..] {
            let each = micros(after.saturating_sub(before)) / handshakes as f64;
            println!(
                "  both sides together {each:.0} us per handshake, of which the primitives ({:.0} us) are {:.1}%",
                micros(cost),
                micros(cost) / each * 100.0
            );
            // The TCP floor's ratio in CPU time: what other programs take
            // from the cores does not move it.
            println!(
                "  in CPU time, (primitives + bare TCP) / both sides = {:.1}% (the TCP floor's ratio, undisturbed by other load)",
                micros(cost + tcp) / each * 100.0
            );
        }
    }
    if let Some(pid) = target.pid {
        let mut peak = *peak.lock().expect("sampler lock");
        if let Some(end) = Memory::of(pid) {
            peak.keep_peak(end);
        }
        println!(
            "server memory: peak resident (VmHWM) {:.1} MiB, largest VmRSS sampled {:.1} MiB, most threads sampled {}",
            peak.hwm_kib as f64 / 1024.0,
            peak.rss_kib as f64 / 1024.0,
            peak.threads
        );
    }
    println!("load average after: {}", loadavg());
    Ok((failures.is_empty() && handshakes > 0, handshakes))
}

/// One connection: handshake, one echoed message (unless `echo` is off), close.
pub(super) fn one_handshake(
    target: &Target,
    config: Config,
    timeout: Duration,
    echo: bool,
) -> Result<(), String> {
    let stream = TcpStream::connect(&target.addr).map_err(|e| format!("connect: {e}"))?;
    let mut channel = net::connect_tcp(stream, &target.key, target.server, config, timeout)
        .map_err(|e| format!("handshake: {e}"))?;
    if !echo {
        return Ok(());
    }
    channel
        .get_ref()
        .set_read_timeout(Some(timeout))
        .map_err(|e| format!("timeout: {e}"))?;
    channel.send(b"ping").map_err(|e| format!("send: {e}"))?;
    match channel.recv() {
        Ok(Some(reply)) if reply == b"ping" => Ok(()),
        Ok(Some(_)) => Err("echo: a different message came back".into()),
        Ok(None) => Err("echo: the server closed the connection".into()),
        Err(e) => Err(format!("echo: {e}")),
    }
}

pub(super) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}

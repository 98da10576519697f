//! What the rate is compared with: the primitives' cost (the CPU floor) and
//! the same exchange of bytes over bare loopback TCP (the TCP floor), and
//! the CPU time a process has spent.

use super::micros;
use learn_mtls_kit::primitives;
use primitives::Primitives;
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Times the handshake's public-key operations for both sides, in this
/// process, in batches; returns the median batch's time per handshake.
pub(super) fn primitives_cost() -> Duration {
    let primitives = Primitives::new();
    let once = || primitives.one_handshake();
    const BATCHES: usize = 11;
    const PER_BATCH: u32 = 100;
    once(); // warm up
    let mut batches: Vec<Duration> = (0..BATCHES)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..PER_BATCH {
                once();
            }
            start.elapsed() / PER_BATCH
        })
        .collect();
    batches.sort();
    batches[BATCHES / 2]
}

/// The handshake's pattern of reads and writes (32 bytes out, 96 back, 96
/// and an 18-byte record out, a 22-byte record each way), one TCP
/// connection each, between client threads and a fixed set of server
/// threads blocked in `accept`, in this process, with no cryptography:
/// the CPU that loopback TCP alone costs per handshake on this machine.
pub(super) fn tcp_baseline(
    clients: usize,
    duration: Duration,
    crypto: Duration,
) -> Result<Duration, String> {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let listener = Arc::new(listener);
    for _ in 0..clients {
        let listener = Arc::clone(&listener);
        // Detached: they block in accept() until the program exits.
        std::thread::spawn(move || {
            while let Ok((mut s, _)) = listener.accept() {
                let mut b = [0u8; 128];
                let _ = s.set_nodelay(true);
                let _ = (|| -> std::io::Result<()> {
                    s.read_exact(&mut b[..32])?;
                    s.write_all(&b[..96])?;
                    s.read_exact(&mut b[..96 + 18])?;
                    s.read_exact(&mut b[..22])?;
                    s.write_all(&b[..22])?;
                    while s.read(&mut b)? > 0 {}
                    Ok(())
                })();
            }
        });
    }
    let before = cpu_time("self");
    let start = Instant::now();
    let connections: u64 = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..clients)
            .map(|_| {
                scope.spawn(move || {
                    let mut n = 0u64;
                    let mut b = [0u8; 128];
                    while start.elapsed() < duration {
                        let mut exchange = || -> std::io::Result<()> {
                            let mut s = TcpStream::connect(addr)?;
                            s.set_nodelay(true)?;
                            s.write_all(&b[..32])?;
                            let mut m2 = [0u8; 96];
                            s.read_exact(&mut m2)?;
                            s.write_all(&b[..96])?;
                            s.write_all(&b[..18])?;
                            s.write_all(&b[..22])?;
                            s.read_exact(&mut b[..22])?;
                            Ok(())
                        };
                        if exchange().is_ok() {
                            n += 1;
                        }
                    }
                    n
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap_or(0)).sum()
    });
    let elapsed = start.elapsed();
    let cpu = before
        .zip(cpu_time("self"))
        .map(|(b, a)| a.saturating_sub(b))
        .unwrap_or_default();
    let per = micros(cpu) / connections.max(1) as f64;
    println!(
        "TCP alone (no cryptography, no thread start): {:.0} connections/s, {per:.0} us of CPU each, both sides",
        connections as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  so with the primitives ({:.0} us) the cores could do at most {:.0}% of the CPU floor",
        micros(crypto),
        micros(crypto) / (micros(crypto) + per) * 100.0
    );
    Ok(cpu / u32::try_from(connections.max(1)).unwrap_or(u32::MAX))
}

/// A process's CPU time so far (user + system), from `/proc/<pid>/stat`,
/// whose counts are in clock ticks of 1/100 s on Linux.
pub(super) fn cpu_time(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

pub(super) fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

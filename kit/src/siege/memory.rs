//! What the server process holds: its memory and threads, from
//! `/proc/<pid>/status`, sampled while a siege runs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A process's memory and threads, from `/proc/<pid>/status` (Linux).
#[derive(Clone, Copy, Debug, Default)]
pub struct Memory {
    pub rss_kib: u64,
    pub hwm_kib: u64,
    pub threads: u64,
}

impl Memory {
    pub fn of(pid: u32) -> Option<Self> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let field = |name: &str| -> Option<u64> {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        };
        Some(Self {
            rss_kib: field("VmRSS:")?,
            hwm_kib: field("VmHWM:")?,
            threads: field("Threads:")?,
        })
    }

    pub fn keep_peak(&mut self, other: Self) {
        self.rss_kib = self.rss_kib.max(other.rss_kib);
        self.hwm_kib = self.hwm_kib.max(other.hwm_kib);
        self.threads = self.threads.max(other.threads);
    }
}

/// Samples a server's memory every 100 ms until dropped; keeps the peak.
pub struct Sampler {
    stop: Arc<AtomicBool>,
    peak: Arc<Mutex<Memory>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sampler {
    pub fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(Mutex::new(Memory::default()));
        let (s, p) = (Arc::clone(&stop), Arc::clone(&peak));
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                if let Some(now) = Memory::of(pid) {
                    p.lock().unwrap().keep_peak(now);
                }
                // A sample every 100 ms: the sampling rate, not a wait.
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        Self {
            stop,
            peak,
            thread: Some(thread),
        }
    }

    pub fn peak(&self) -> Memory {
        *self.peak.lock().unwrap()
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Threads of `pid` after waiting up to `within` for them to fall to
/// `at_most`, and how long that took.
pub fn threads_settle(pid: u32, at_most: u64, within: Duration) -> (u64, Duration) {
    let began = Instant::now();
    loop {
        let threads = Memory::of(pid).map_or(0, |m| m.threads);
        if threads <= at_most || began.elapsed() >= within {
            return (threads, began.elapsed());
        }
        // Polls the thread count (bounded by `within`).
        std::thread::sleep(Duration::from_millis(100));
    }
}

//! The server under load: started as a child process (or already running),
//! and its memory from `/proc/<pid>/status`.

use super::Args;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A server's memory, from `/proc/<pid>/status` (Linux).
#[derive(Clone, Copy, Default)]
pub(super) struct Memory {
    pub(super) hwm_kib: u64,
    pub(super) rss_kib: u64,
    pub(super) threads: u64,
}

impl Memory {
    pub(super) fn of(pid: u32) -> Option<Self> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse().ok())
        };
        Some(Self {
            hwm_kib: field("VmHWM:")?,
            rss_kib: field("VmRSS:")?,
            threads: field("Threads:")?,
        })
    }

    pub(super) fn keep_peak(&mut self, other: Self) {
        self.hwm_kib = self.hwm_kib.max(other.hwm_kib);
        self.rss_kib = self.rss_kib.max(other.rss_kib);
        self.threads = self.threads.max(other.threads);
    }
}

/// The `11-mtls-server` this program started, and what it printed.
pub(super) struct SpawnedServer {
    pub(super) child: Child,
    pub(super) addr: String,
    pub(super) accepted: Arc<AtomicU64>,
    pub(super) rejected: Arc<AtomicU64>,
    pub(super) panics: Arc<AtomicU64>,
    pub(super) readers: Vec<std::thread::JoinHandle<()>>,
}

impl SpawnedServer {
    pub(super) fn start(args: &Args, dir: &Path) -> Result<Self, String> {
        let binary = server_binary()?;
        let mut child = Command::new(&binary)
            .args(["--listen", "127.0.0.1:0", "--binding", args.binding.name()])
            .arg("--key")
            .arg(dir.join("server.key"))
            .arg("--client-pub")
            .arg(dir.join("client.pub"))
            .args(["--max-pending", &args.max_pending.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut first = String::new();
        stdout
            .read_line(&mut first)
            .map_err(|e| format!("server output: {e}"))?;
        let addr = first
            .trim_end()
            .strip_prefix("listening on ")
            .ok_or_else(|| format!("unexpected first line from the server: {first:?}"))?
            .to_owned();
        let accepted = Arc::new(AtomicU64::new(0));
        let rejected = Arc::new(AtomicU64::new(0));
        let panics = Arc::new(AtomicU64::new(0));
        // Drain both pipes so the server never blocks writing its log.
        let out = {
            let (accepted, rejected) = (Arc::clone(&accepted), Arc::clone(&rejected));
            std::thread::spawn(move || {
                for line in stdout.lines().map_while(Result::ok) {
                    if line.starts_with("accepted") {
                        accepted.fetch_add(1, Ordering::Relaxed);
                    } else if line.starts_with("rejected") {
                        rejected.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        };
        let err = {
            let stderr = BufReader::new(child.stderr.take().expect("piped stderr"));
            let panics = Arc::clone(&panics);
            std::thread::spawn(move || {
                for line in stderr.lines().map_while(Result::ok) {
                    if line.contains("panicked") {
                        eprintln!("server: {line}");
                        panics.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        };
        Ok(Self {
            child,
            addr,
            accepted,
            rejected,
            panics,
            readers: vec![out, err],
        })
    }

    /// Stops the server; false if it had already exited or panicked.
    pub(super) fn stop(&mut self) -> bool {
        let exited = self.child.try_wait().ok().flatten();
        if let Some(status) = exited {
            println!("server: EXITED during the run ({status})");
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        exited.is_none() && self.panics.load(Ordering::Relaxed) == 0
    }

    /// Prints and returns the server log's counts: (accepted, rejected).
    pub(super) fn report(&self) -> (u64, u64) {
        let accepted = self.accepted.load(Ordering::Relaxed);
        let rejected = self.rejected.load(Ordering::Relaxed);
        println!(
            "server log: {accepted} accepted, {rejected} rejected, {} panic(s)",
            self.panics.load(Ordering::Relaxed)
        );
        (accepted, rejected)
    }
}

/// `11-mtls-server`, next to this binary; built with cargo if missing.
pub(super) fn server_binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let dir = exe.parent().ok_or("no directory for this binary")?;
    let path = dir.join("11-mtls-server");
    if !path.exists() {
        let release = dir.parent().is_some_and(|p| p.ends_with("release"));
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        eprintln!("building 11-mtls-server...");
        let status = Command::new(cargo)
            .args(["build", "--example", "11-mtls-server"])
            .args(release.then_some("--release"))
            .arg("--manifest-path")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !status.success() || !path.exists() {
            return Err(format!(
                "{} is missing and could not be built",
                path.display()
            ));
        }
    }
    Ok(path)
}

//! The honest client who probes the server meanwhile: a real
//! `11-mtls-client` process, or the same handshake in this process.

use super::{HONEST_DEADLINE, Keys, sibling};
use learn_mtls::handshake::Binding;
use learn_mtls::net::{self};
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The `11-mtls-client` binary, once [`use_real_client`] has been called:
/// honest clients are then that process rather than the library's
/// `connect_tcp` in this one.
static REAL_CLIENT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Makes every honest client from now on a run of the real
/// `11-mtls-client` binary (which must sit next to this program).
pub fn use_real_client() -> Result<(), String> {
    let path = sibling("11-mtls-client")?;
    let _ = REAL_CLIENT.set(path);
    Ok(())
}

/// One honest handshake as bob: connect, handshake, one echoed message,
/// within [`HONEST_DEADLINE`]. Returns how long it took.
pub fn honest(addr: SocketAddr, keys: &Keys, binding: Binding) -> Result<Duration, String> {
    match REAL_CLIENT.get() {
        Some(client) => honest_process(client, addr, keys, binding),
        None => honest_in_process(addr, keys, binding),
    }
}

/// `echo ping | 11-mtls-client ...`, killed if it takes longer than
/// [`HONEST_DEADLINE`].
fn honest_process(
    client: &Path,
    addr: SocketAddr,
    keys: &Keys,
    binding: Binding,
) -> Result<Duration, String> {
    let began = Instant::now();
    let mut child = Command::new(client)
        .current_dir(&keys.dir)
        .args(["--connect", &addr.to_string(), "--key", "bob.key"])
        .args(["--server-pub", "server.pub", "--binding", binding.name()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start 11-mtls-client: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(b"ping\n");
    }
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if began.elapsed() > HONEST_DEADLINE => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "11-mtls-client still running after {HONEST_DEADLINE:?}"
                ));
            }
            // Polls for the client's exit (bounded by HONEST_DEADLINE).
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => return Err(e.to_string()),
        }
    }
    let took = began.elapsed();
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() && out.stdout == b"ping\n" {
        Ok(took)
    } else {
        Err(format!(
            "11-mtls-client: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

pub fn honest_in_process(
    addr: SocketAddr,
    keys: &Keys,
    binding: Binding,
) -> Result<Duration, String> {
    let began = Instant::now();
    let stream =
        TcpStream::connect_timeout(&addr, HONEST_DEADLINE).map_err(|e| format!("connect: {e}"))?;
    let mut channel = net::connect_tcp(
        stream,
        &keys.bob,
        keys.server.public(),
        binding,
        HONEST_DEADLINE,
    )
    .map_err(|e| format!("handshake: {e}"))?;
    let left = HONEST_DEADLINE.saturating_sub(began.elapsed());
    channel
        .get_ref()
        .set_read_timeout(Some(left.max(Duration::from_millis(1))))
        .map_err(|e| e.to_string())?;
    channel.send(b"ping").map_err(|e| format!("send: {e}"))?;
    match channel.recv() {
        Ok(Some(reply)) if reply == b"ping" && began.elapsed() <= HONEST_DEADLINE => {
            Ok(began.elapsed())
        }
        Ok(Some(_)) => Err(format!("too slow: {:?}", began.elapsed())),
        other => Err(format!("echo: {other:?}")),
    }
}

/// `count` honest clients, one every `every`, while an attack runs.
#[derive(Debug, Default)]
pub struct Probes {
    pub ok: usize,
    pub failed: Vec<String>,
    pub slowest: Duration,
}

impl Probes {
    pub fn run(
        addr: SocketAddr,
        keys: &Keys,
        binding: Binding,
        count: usize,
        every: Duration,
    ) -> Self {
        let mut probes = Self::default();
        for _ in 0..count {
            let began = Instant::now();
            match honest(addr, keys, binding) {
                Ok(took) => {
                    probes.ok += 1;
                    probes.slowest = probes.slowest.max(took);
                }
                Err(e) => probes.failed.push(e),
            }
            // Paced on purpose: one probe every `every`.
            std::thread::sleep(every.saturating_sub(began.elapsed()));
        }
        probes
    }

    pub fn total(&self) -> usize {
        self.ok + self.failed.len()
    }

    /// At least 19 in 20 (95%) succeeded.
    pub fn good(&self) -> bool {
        self.total() > 0 && self.ok * 20 >= self.total() * 19
    }

    pub fn summary(&self) -> String {
        let mut s = format!(
            "honest clients {}/{} served (slowest {:.0} ms)",
            self.ok,
            self.total(),
            self.slowest.as_secs_f64() * 1e3
        );
        if let Some(first) = self.failed.first() {
            s.push_str(&format!("; first failure: {first}"));
        }
        s
    }
}

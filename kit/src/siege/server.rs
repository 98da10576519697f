//! The keys of a siege, and the real server binary started on them, with
//! what it logs.

use super::Memory;
use learn_mtls::handshake::Binding;
use learn_mtls::hex::Hex;
use learn_mtls::keyfile::{self, Overwrite};
use learn_mtls::keys::IdentityKey;
use learn_mtls::net::os_rng;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The keys of one siege, written to a scratch directory: the server, and
/// two authorized clients. Alice's key is the one the attacks steal or
/// replay; bob is the honest client who probes.
pub struct Keys {
    pub dir: PathBuf,
    pub server: IdentityKey,
    pub alice: IdentityKey,
    pub bob: IdentityKey,
}

impl Keys {
    pub fn new(tag: &str) -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!(
            "learn-mtls-siege-{tag}-{}-{}",
            std::process::id(),
            Instant::now().elapsed().as_nanos()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut rng = os_rng();
        let keys = Self {
            dir,
            server: IdentityKey::generate(&mut rng),
            alice: IdentityKey::generate(&mut rng),
            bob: IdentityKey::generate(&mut rng),
        };
        keyfile::write_pair(&keys.dir, "server", &keys.server, Overwrite::Replace)
            .map_err(|e| e.to_string())?;
        keyfile::write_pair(&keys.dir, "bob", &keys.bob, Overwrite::Replace)
            .map_err(|e| e.to_string())?;
        let list = format!(
            "{} alice\n{} bob\n",
            Hex(keys.alice.public().as_bytes()),
            Hex(keys.bob.public().as_bytes())
        );
        std::fs::write(keys.dir.join("authorized_keys"), list).map_err(|e| e.to_string())?;
        Ok(keys)
    }
}

impl Drop for Keys {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What the server's standard output is connected to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stdout {
    /// A pipe that this program reads and counts, line by line.
    Read,
    /// A pipe whose reading end is closed once the address is known.
    Closed,
    /// A pipe that nobody reads after the first line.
    Unread,
}

/// Counts of the server's log lines.
#[derive(Debug, Default)]
pub struct Log {
    pub accepted: usize,
    pub rejected: usize,
    pub evicted: usize,
    pub descriptors: usize,
    pub summaries: usize,
    pub stderr: Vec<String>,
}

/// The real server binary, running.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    pub log: Arc<Mutex<Log>>,
    /// Held, never read, for [`Stdout::Unread`].
    _unread: Option<BufReader<ChildStdout>>,
}

/// A binary next to this one, in `target/<profile>/examples/`.
pub fn sibling(name: &str) -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let dir = exe.parent().ok_or("no directory for this binary")?;
    // Examples sit side by side; a test binary sits in `deps/` next to them.
    let path = dir.join(name);
    let from_test = dir.join("../examples").join(name);
    if path.exists() {
        Ok(path)
    } else if from_test.exists() {
        Ok(from_test)
    } else {
        Err(format!(
            "{} is missing: build it first with `cargo build --examples` \
             (add --release, or --features tokio for 14-async-server, as for this program)",
            path.display()
        ))
    }
}

impl Server {
    /// Starts `binary` (`11-mtls-server` or `14-async-server`) on a free
    /// loopback port with the keys' authorized list, `binding`, and `extra`
    /// flags; with `descriptors`, under `ulimit -n` of that many.
    pub fn start(
        binary: &str,
        keys: &Keys,
        binding: Binding,
        stdout: Stdout,
        descriptors: Option<u32>,
        extra: &[&str],
    ) -> Result<Self, String> {
        let path = sibling(binary)?;
        let mut command = match descriptors {
            Some(n) => {
                let mut c = Command::new("sh");
                // At most the hard limit: raising beyond it fails.
                c.args([
                    "-c",
                    "ulimit -n \"$0\" 2>/dev/null || ulimit -n \"$(ulimit -Hn)\"; exec \"$@\"",
                    &n.to_string(),
                ])
                .arg(&path);
                c
            }
            None => Command::new(&path),
        };
        let mut child = command
            .current_dir(&keys.dir)
            .args(["--listen", "127.0.0.1:0", "--key", "server.key"])
            .args(["--authorized", "authorized_keys"])
            .args(["--binding", binding.name()])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", path.display()))?;
        let mut out = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        let mut first = String::new();
        out.read_line(&mut first)
            .map_err(|e| format!("server output: {e}"))?;
        let addr = first
            .trim_end()
            .strip_prefix("listening on ")
            .ok_or_else(|| format!("unexpected first line from the server: {first:?}"))?
            .parse()
            .map_err(|e| format!("server address: {e}"))?;
        let log = Arc::new(Mutex::new(Log::default()));
        let mut unread = None;
        match stdout {
            Stdout::Read => {
                let log = Arc::clone(&log);
                std::thread::spawn(move || {
                    for line in out.lines().map_while(Result::ok) {
                        let mut log = log.lock().unwrap();
                        if line.starts_with("accepted") {
                            log.accepted += 1;
                        } else if line.starts_with("rejected") {
                            if line.contains(" more connection(s) in the last") {
                                log.summaries += 1;
                            } else {
                                log.rejected += 1;
                            }
                            if line.contains("evicted") {
                                log.evicted += 1;
                            }
                            if line.contains("out of file descriptors") {
                                log.descriptors += 1;
                            }
                        }
                    }
                });
            }
            Stdout::Closed => drop(out),
            Stdout::Unread => unread = Some(out),
        }
        let err = BufReader::new(child.stderr.take().ok_or("no stderr")?);
        let log_err = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in err.lines().map_while(Result::ok) {
                let mut log = log_err.lock().unwrap();
                if log.stderr.len() < 10_000 {
                    log.stderr.push(line);
                }
            }
        });
        Ok(Self {
            child,
            addr,
            log,
            _unread: unread,
        })
    }

    /// The server's resident memory and threads, from `/proc/<pid>/status`.
    pub fn memory(&self) -> Option<Memory> {
        Memory::of(self.child.id())
    }

    /// True if the server is still running and printed no panic.
    pub fn healthy(&mut self) -> bool {
        let running = matches!(self.child.try_wait(), Ok(None));
        let log = self.log.lock().unwrap();
        running && !log.stderr.iter().any(|l| l.contains("panicked"))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

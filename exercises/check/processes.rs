//! The real lesson binaries, for the finales: built on first use, run on
//! loopback, killed when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use learn_mtls::keyfile::{self, Overwrite};
use learn_mtls::keys::IdentityKey;

use crate::harness::{Context, Result, fail};
use crate::lesson_binaries;

/// The path of a lesson binary, built (once per run) if needed.
pub fn example(name: &str) -> Result<PathBuf> {
    static BUILT: OnceLock<std::result::Result<PathBuf, String>> = OnceLock::new();
    let dir = BUILT.get_or_init(build_examples).clone().map_err(fail)?;
    Ok(dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX)))
}

fn build_examples() -> std::result::Result<PathBuf, String> {
    // `cargo course verify` builds them once and says where.
    if let Some(dir) = std::env::var_os("COURSE_EXAMPLES_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    // target/<profile>/exercise-check
    let profile_dir = exe.parent().ok_or("no profile directory")?;
    let target_dir = profile_dir.parent().ok_or("no target directory")?;
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    lesson_binaries::build(
        &cargo,
        &manifest,
        target_dir,
        profile_dir.ends_with("release"),
    )
}

/// A fresh scratch folder for key files.
pub fn scratch_dir(label: &str) -> Result<PathBuf> {
    let dir =
        std::env::temp_dir().join(format!("learn-mtls-course-{}-{label}", std::process::id()));
    std::fs::create_dir_all(&dir).context("creating a scratch folder")?;
    Ok(dir)
}

/// Writes `NAME.key` and `NAME.pub` for `key` into `dir`.
pub fn write_keys(dir: &Path, name: &str, key: &IdentityKey) -> Result {
    keyfile::write_pair(dir, name, key, Overwrite::Replace).context("writing a key file")?;
    Ok(())
}

/// A running lesson binary: its standard output, line by line. Killed on drop.
pub struct Running {
    child: Child,
    lines: Receiver<String>,
    name: String,
}

impl Running {
    /// Starts `example` with `args` in `dir`.
    pub fn start(example_name: &str, args: &[&str], dir: &Path) -> Result<Self> {
        let path = example(example_name)?;
        let mut child = Command::new(&path)
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context(&format!("starting {}", path.display()))?;
        let stdout = child.stdout.take().expect("piped stdout");
        Ok(Self {
            child,
            lines: forward_lines(stdout),
            name: example_name.to_owned(),
        })
    }

    /// The next line of output, waiting at most `timeout`.
    pub fn next_line(&mut self, timeout: Duration) -> Result<String> {
        self.lines.recv_timeout(timeout).map_err(|_| {
            fail(format!(
                "{} printed nothing for {} s (or exited)",
                self.name,
                timeout.as_secs()
            ))
        })
    }

    /// For a server: reads its `listening on ADDR` line and returns ADDR.
    pub fn listening_address(&mut self) -> Result<String> {
        let line = self.next_line(Duration::from_secs(20))?;
        line.strip_prefix("listening on ")
            .map(str::to_owned)
            .ok_or_else(|| {
                fail(format!(
                    "{} said {line:?} instead of its address",
                    self.name
                ))
            })
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn forward_lines(stdout: ChildStdout) -> Receiver<String> {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if send.send(line).is_err() {
                break;
            }
        }
    });
    receive
}

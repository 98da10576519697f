//! The lesson binaries driven from a shell's point of view: a scratch
//! directory with key files from `11-mtls-genkeys`, a binary run in it
//! with its standard input given, and `11-mtls-client` against a
//! [`Server`]. Shared by `cli_contract`, `cli_rough_edges` and
//! `lesson19_cli`.

use std::io::Write;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::binaries::example;
use super::processes::Server;

/// A fresh scratch directory for one test, removed when the test ends,
/// pass or fail. Derefs to its path.
pub struct Scratch(PathBuf);

impl Scratch {
    /// An empty scratch directory.
    pub fn new() -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "learn-mtls-cli-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Self(dir)
    }

    /// A scratch directory with the keys `11-mtls-genkeys ARGS` writes
    /// (no `ARGS`: `server` and `client`, Ed25519); panics if it fails.
    pub fn with_keys(args: &[&str]) -> Self {
        let dir = Self::new();
        let out = genkeys(&dir, args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        dir
    }
}

impl Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `11-mtls-genkeys --out DIR ARGS` (names, and flags such as `--force`
/// or `--identity`), its output whatever it says.
pub fn genkeys(dir: &Path, args: &[&str]) -> Output {
    Command::new(example("11-mtls-genkeys"))
        .arg("--out")
        .arg(dir)
        .args(args)
        .output()
        .expect("run 11-mtls-genkeys")
}

/// A process's output as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs example `binary` in `dir` with `args`, feeding it `input` on
/// standard input, which is then closed.
pub fn run(binary: &str, dir: &Path, args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(example(binary))
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start binary");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    // Written from a thread: a client that stops reading must not block the test.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().expect("output");
    let _ = writer.join();
    output
}

/// `11-mtls-server` in `dir` with `server.key`, pinning `client.pub`,
/// then `extra`.
pub fn pinned_server(dir: &Path, extra: &[&str]) -> Server {
    let mut args = vec!["--key", "server.key", "--client-pub", "client.pub"];
    args.extend_from_slice(extra);
    Server::start("11-mtls-server", dir, &args)
}

/// `11-mtls-client` in `dir` against `server` with the key file `key` and
/// the pinned server key `server_pub`, then `extra`, fed `input`.
pub fn client_with(
    dir: &Path,
    server: &Server,
    (key, server_pub): (&str, &str),
    extra: &[&str],
    input: &[u8],
) -> Output {
    let mut args = vec![
        "--connect",
        &server.addr,
        "--key",
        key,
        "--server-pub",
        server_pub,
    ];
    args.extend_from_slice(extra);
    run("11-mtls-client", dir, &args, input)
}

/// [`client_with`] `client.key` and `server.pub`.
pub fn mtls_client(dir: &Path, server: &Server, extra: &[&str], input: &[u8]) -> Output {
    client_with(dir, server, ("client.key", "server.pub"), extra, input)
}

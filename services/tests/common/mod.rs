//! What the Lesson 17 interop tests share: the lesson binaries, the real
//! tools (which must be there: a missing tool FAILS the test, `.ci/run`
//! installs them), temporary directories, and servers on loopback port 0
//! that are stopped by their PID when dropped. Every wait is bounded.
#![allow(
    dead_code,
    unused_imports,
    reason = "each test file uses a different part"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use learn_mtls_test_support::Spawned;
pub use learn_mtls_test_support::{TempDir, example};

pub use learn_mtls_real_tls::certs::Algorithm;

/// How long any one step may take.
pub const WAIT: Duration = Duration::from_secs(20);

/// A file of this crate (`py/...`, `nginx/...`).
pub fn asset(part: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(part)
}

/// Fails (never skips) when `tool` does not run.
pub fn require(tool: &str, version_arg: &str, install: &str) {
    learn_mtls_test_support::require("the Lesson 17 interop tests", tool, version_arg, install);
}

/// Fails unless Python can import `module`.
pub fn require_python_module(module: &str, pip: &str) {
    require("python3", "--version", "apt-get install -y python3");
    let ok = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "Python module `{module}` is required and missing (pip install {pip}; .ci/run does this)"
    );
}

/// Runs `command` to its end, killing it after [`WAIT`].
pub fn run(command: &mut Command) -> Output {
    let run = learn_mtls_test_support::run_limited(command, None, WAIT);
    let Some(status) = run.status else {
        panic!("{command:?} did not finish within {WAIT:?}");
    };
    Output {
        status,
        stdout: run.stdout,
        stderr: run.stderr,
    }
}

/// Runs `command`, which must succeed; returns its standard output.
pub fn ok(command: &mut Command) -> String {
    let out = run(command);
    assert!(
        out.status.success(),
        "{command:?} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `16-tls-certs --algorithm ecdsa-p256`'s work without Lesson 16's
/// binary: the same library call.
pub fn make_certs(dir: &Path, client_spiffe_id: Option<&str>, ca_name: &str) {
    make_certs_with(dir, Algorithm::EcdsaP256, client_spiffe_id, ca_name);
}

/// As [`make_certs`], with keys of `algorithm`.
pub fn make_certs_with(
    dir: &Path,
    algorithm: Algorithm,
    client_spiffe_id: Option<&str>,
    ca_name: &str,
) {
    use learn_mtls_real_tls::certs;
    let ids = certs::Identities {
        client_spiffe_id: client_spiffe_id.map(str::to_owned),
        server_spiffe_id: None,
    };
    certs::write_all_with(dir, algorithm, ca_name, 2, &ids).expect("certificates written");
}

/// A second client certificate from the CA in `dir`, issued by OpenSSL
/// with `ca.key` as an operator would, for `cn` and `spiffe_id`.
pub fn openssl_client(dir: &Path, file: &str, cn: &str, spiffe_id: Option<&str>) {
    let key = dir.join(format!("{file}.key"));
    ok(Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
        ])
        .arg(&key));
    let csr = dir.join(format!("{file}.csr"));
    ok(Command::new("openssl")
        .args(["req", "-new", "-subj", &format!("/CN={cn}"), "-key"])
        .arg(&key)
        .arg("-out")
        .arg(&csr));
    let mut san = format!("DNS:{cn}");
    if let Some(id) = spiffe_id {
        san.push_str(&format!(",URI:{id}"));
    }
    let ext = dir.join(format!("{file}.ext"));
    std::fs::write(
        &ext,
        format!("subjectAltName={san}\nextendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n"),
    )
    .expect("write ext");
    ok(Command::new("openssl")
        .args(["x509", "-req", "-days", "2", "-in"])
        .arg(&csr)
        .arg("-CA")
        .arg(dir.join("ca.pem"))
        .arg("-CAkey")
        .arg(dir.join("ca.key"))
        .arg("-extfile")
        .arg(&ext)
        .arg("-out")
        .arg(dir.join(format!("{file}.pem"))));
}

/// A running server whose output lines (stdout and stderr) arrive on a
/// channel; killed by its PID when dropped.
pub struct Server {
    pub name: String,
    process: Spawned,
    pub addr: String,
    pub seen: Vec<String>,
}

impl Server {
    /// Starts `command` and waits for its `listening on HOST:PORT` line.
    pub fn start(name: &str, command: &mut Command) -> Self {
        let process = Spawned::start(command, Stdio::null())
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        let mut server = Self {
            name: name.to_owned(),
            process,
            addr: String::new(),
            seen: Vec::new(),
        };
        let line = server.wait_for("listening on ");
        server.addr = line
            .split("listening on ")
            .nth(1)
            .expect("an address")
            .trim()
            .to_owned();
        server
    }

    /// The port it listens on.
    pub fn port(&self) -> &str {
        self.addr.rsplit(':').next().expect("HOST:PORT")
    }

    /// The next line containing `needle`, within [`WAIT`].
    pub fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.process.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "{} printed no line with {needle:?} within {WAIT:?}; it printed:\n{}",
                    self.name,
                    self.seen.join("\n")
                ),
            }
        }
    }
}

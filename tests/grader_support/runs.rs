//! Running a grader: a scratch directory with keys, the grader's command
//! line and report, and the reference binaries it must pass.

use super::case::proto;
use crate::common::binaries::example;
use crate::common::faulty::{self, Fault};
use learn_mtls::handshake::Binding;
use learn_mtls::keyfile::{self, Overwrite};
use learn_mtls::keys::IdentityKey;
use learn_mtls::schedule::KeySchedule;
use learn_mtls_kit::grade::spec::{self, Lesson, Proto};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A fresh scratch directory with `server` and `client` key pairs,
/// removed when dropped.
pub struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn scratch() -> Scratch {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "learn-mtls-grader-test-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    for name in ["server", "client"] {
        let key = IdentityKey::generate(&mut learn_mtls::net::os_rng());
        keyfile::write_pair(&dir, name, &key, Overwrite::Never).expect("write keys");
    }
    Scratch(dir)
}

pub fn seed(dir: &Path, name: &str) -> [u8; 32] {
    *keyfile::read_secret(dir.join(format!("{name}.key")))
        .expect("key file")
        .to_secret_bytes()
}

pub fn grader(p: Proto) -> &'static str {
    match p.lesson {
        Lesson::Ten => "10-grade",
        Lesson::Eleven => "11-grade",
    }
}

/// `--binding B --schedule S`, and `--kex K` for the hybrid handshake
/// (the Lesson 10 programs have no `--kex`).
pub fn protocol_args(p: Proto) -> Vec<String> {
    let mut args = vec![
        "--binding".into(),
        p.binding.to_string(),
        "--schedule".into(),
        p.schedule.to_string(),
    ];
    if p.hybrid() {
        args.extend(["--kex".into(), p.kex.to_string()]);
    }
    args
}

/// What a grader printed, and whether it exited 0.
pub struct Graded {
    pub lines: Vec<String>,
    pub success: bool,
}

impl Graded {
    pub fn failed(&self) -> Vec<&str> {
        self.lines
            .iter()
            .filter_map(|l| l.strip_prefix("FAIL "))
            .map(|l| l.split(':').next().unwrap_or(l))
            .collect()
    }

    pub fn text(&self) -> String {
        self.lines.join("\n")
    }
}

/// Runs a grader (bounded: it must finish within a minute).
pub fn grade(p: Proto, args: &[String], env: Option<(&str, String)>) -> Graded {
    let mut command = Command::new(example(grader(p)));
    command
        .args(args)
        .args(protocol_args(p))
        .args(
            (!args.iter().any(|a| a == "--timeout"))
                .then_some(["--timeout", "3"])
                .into_iter()
                .flatten(),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some((name, value)) = env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("start the grader");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the grader did not finish within 60s");
        }
        // Polls for the grader's exit (bounded by the 60 s deadline).
        std::thread::sleep(Duration::from_millis(10));
    }
    let output = child.wait_with_output().expect("grader output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    if std::env::var_os("GRADER_SHOW").is_some() {
        println!("{} {}\n{stdout}", grader(p), args.join(" "));
    }
    Graded {
        lines: stdout.lines().map(str::to_owned).collect(),
        success: output.status.success(),
    }
}

/// Every check passed, and there were `expected` of them.
pub fn all_passed(graded: &Graded, expected: usize) -> Result<(), String> {
    let last = graded.lines.last().map(String::as_str).unwrap_or("");
    let summary = format!("{expected} passed, 0 failed");
    if !graded.success || last != summary {
        return Err(format!(
            "expected every check to pass ({summary}), got:\n{}",
            graded.text()
        ));
    }
    let passes = graded
        .lines
        .iter()
        .filter(|l| l.starts_with("PASS "))
        .count();
    if passes != expected {
        return Err(format!(
            "expected {expected} PASS lines, got:\n{}",
            graded.text()
        ));
    }
    Ok(())
}

/// The grader failed, and named `check` among the failures.
pub fn caught(graded: &Graded, check: &str) -> Result<(), String> {
    if graded.success {
        return Err(format!(
            "the grader passed a broken peer:\n{}",
            graded.text()
        ));
    }
    if !graded.failed().contains(&check) {
        return Err(format!("expected FAIL {check}, got:\n{}", graded.text()));
    }
    let last = graded.lines.last().map(String::as_str).unwrap_or("");
    if !last.ends_with(&format!("{} failed", graded.failed().len())) {
        return Err(format!(
            "the last line should count the failures, got {last:?}"
        ));
    }
    Ok(())
}

/// How many checks apply: the server's and the client's lists (the
/// hybrid handshake adds 5 server checks and 3 client checks).
pub fn check_counts(p: Proto) -> (usize, usize) {
    let (server, client) = match (p.lesson, p.binding) {
        (Lesson::Ten, _) => (14, 15),
        (Lesson::Eleven, Binding::InsecureLesson11) => (19, 16),
        (Lesson::Eleven, Binding::Transcript) => (21, 17),
    };
    if p.hybrid() {
        (server + 5, client + 3)
    } else {
        (server, client)
    }
}

/// A reference server process on a free port; killed when dropped.
pub struct ServerProcess {
    pub child: Child,
    pub addr: String,
}

pub fn start_reference_server(p: Proto, dir: &Path) -> ServerProcess {
    let mut command = Command::new(example(match p.lesson {
        Lesson::Ten => "10-server",
        Lesson::Eleven => "11-mtls-server",
    }));
    command
        .current_dir(dir)
        .args(["--listen", "127.0.0.1:0", "--key", "server.key"])
        .args(protocol_args(p))
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if p.lesson == Lesson::Eleven {
        command.args(["--client-pub", "client.pub"]);
    }
    let mut child = command.spawn().expect("start the reference server");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    let mut first = String::new();
    stdout
        .read_line(&mut first)
        .expect("the server's first line");
    // Keep reading: a server whose standard output is closed dies at its
    // next `accepted` line.
    std::thread::spawn(move || for _ in stdout.lines() {});
    let addr = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("expected `listening on ADDR`, got {first:?}"))
        .to_owned();
    ServerProcess { child, addr }
}

pub fn reference_server(p: Proto) -> Result<(), String> {
    let dir = scratch();
    let server = start_reference_server(p, &dir);
    let mut args = vec![
        "--server".into(),
        server.addr.clone(),
        "--server-pub".into(),
        dir.join("server.pub").display().to_string(),
    ];
    if p.lesson == Lesson::Eleven {
        args.extend(["--key".into(), dir.join("client.key").display().to_string()]);
    }
    all_passed(&grade(p, &args, None), check_counts(p).0)
}

pub fn reference_client(p: Proto) -> Result<(), String> {
    let client = example(match p.lesson {
        Lesson::Ten => "10-client",
        Lesson::Eleven => "11-mtls-client",
    });
    let key = match p.lesson {
        Lesson::Ten => "",
        Lesson::Eleven => " --key {key}",
    };
    let command = format!(
        "'{}' --connect {{addr}}{key} --server-pub {{server_pub}} {}",
        client.display(),
        protocol_args(p).join(" ")
    );
    all_passed(
        &grade(p, &["--client-cmd".into(), command], None),
        check_counts(p).1,
    )
}

pub fn json_output() -> Result<(), String> {
    json_output_of(proto(
        Lesson::Eleven,
        Binding::Transcript,
        KeySchedule::Hkdf,
    ))
}

/// `--json` prints one object per line, with the failure's fields, under `p`.
pub fn json_output_of(p: Proto) -> Result<(), String> {
    let dir = scratch();
    let addr = faulty::start_server(Fault::WrongHkdfLabel, p, seed(&dir, "server"), {
        spec::public_key(&seed(&dir, "client"))
    });
    let args = [
        "--server".into(),
        addr,
        "--server-pub".into(),
        dir.join("server.pub").display().to_string(),
        "--key".into(),
        dir.join("client.key").display().to_string(),
        "--json".into(),
    ];
    let graded = grade(p, &args, None);
    for line in &graded.lines {
        if !(line.starts_with('{') && line.ends_with('}')) {
            return Err(format!("not one JSON object per line: {line:?}"));
        }
    }
    let fail = graded
        .lines
        .iter()
        .find(|l| l.contains("\"check\":\"session-keys\""))
        .ok_or("no session-keys object")?;
    // A server that cannot open our first record closes: the failure
    // points to Lesson 11's "Records" under either key exchange.
    let section = "\"section\":\"lessons/11-specification.md, \\\"";
    for field in [
        "\"result\":\"fail\"",
        "\"expected\":\"",
        "\"got\":\"",
        section,
    ] {
        if !fail.contains(field) {
            return Err(format!("{field} missing from {fail}"));
        }
    }
    let last = graded.lines.last().ok_or("no output")?;
    if graded.success || !last.starts_with("{\"passed\":") || last.contains("\"failed\":0") {
        return Err(format!("expected a failing summary object, got {last}"));
    }
    Ok(())
}

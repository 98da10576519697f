//! The graders, graded.
//!
//! 1. `10-grade` and `11-grade` pass the reference binaries (`10-server`,
//!    `10-client`, `11-mtls-server`, `11-mtls-client`) under every binding
//!    and schedule: the graders' own implementation of the protocol agrees
//!    with the library byte for byte.
//! 2. They fail each deliberately broken peer (`common/faulty.rs`), and
//!    name the check that the broken piece belongs to.
//!
//! This file has its own `main` (`harness = false` in Cargo.toml): when
//! the environment variable `LEARN_MTLS_FAULTY_CLIENT` is set, the binary
//! is not a test run but a faulty client, which is how the graders' client
//! checks run it (`--client-cmd`) without any broken implementation
//! shipping as a lesson binary. Otherwise it runs the cases below, a few
//! at a time, and exits 1 if any fails. `cargo test --test grader -- WORD`
//! runs only the cases whose name contains WORD.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use learn_mtls::handshake::Binding;
use learn_mtls::keyfile::{self, Overwrite};
use learn_mtls::keys::IdentityKey;
use learn_mtls::schedule::KeySchedule;

mod common;

use common::binaries::example;
use common::faulty::{self, Fault};
use learn_mtls_kit::grade::spec::{self, Lesson, Proto};

const BINDINGS: [Binding; 2] = [Binding::InsecureLesson11, Binding::Transcript];
const SCHEDULES: [KeySchedule; 2] = [KeySchedule::Hkdf, KeySchedule::Tls12Prf];

fn main() -> ExitCode {
    if let Ok(setting) = std::env::var(faulty::CLIENT_ENV) {
        return faulty::client_main(&setting);
    }
    // Words are name filters; libtest's options (and their values) are ignored.
    let mut filter = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--test-threads" | "--skip" | "--color" | "--format" | "--logfile" | "-Z" => {
                args.next();
            }
            option if option.starts_with('-') => {}
            _ => filter.push(arg),
        }
    }
    let cases: VecDeque<Case> = cases()
        .into_iter()
        .filter(|c| filter.is_empty() || filter.iter().any(|f| c.name.contains(f.as_str())))
        .collect();
    run_all(cases)
}

// ---- The cases -------------------------------------------------------------------

type Body = Box<dyn FnOnce() -> Result<(), String> + Send>;

struct Case {
    name: String,
    body: Body,
}

fn case(name: String, body: impl FnOnce() -> Result<(), String> + Send + 'static) -> Case {
    Case {
        name,
        body: Box::new(body),
    }
}

fn proto(lesson: Lesson, binding: Binding, schedule: KeySchedule) -> Proto {
    Proto {
        lesson,
        binding,
        schedule,
    }
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for lesson in [Lesson::Eleven, Lesson::Ten] {
        for binding in BINDINGS {
            for schedule in SCHEDULES {
                let p = proto(lesson, binding, schedule);
                cases.push(case(
                    format!("passes_the_reference_server {}", label(p)),
                    move || reference_server(p),
                ));
                cases.push(case(
                    format!("passes_the_reference_client {}", label(p)),
                    move || reference_client(p),
                ));
            }
        }
    }

    use Binding::{InsecureLesson11 as L11, Transcript as T};
    use KeySchedule::{Hkdf as H, Tls12Prf as P};
    use Lesson::{Eleven, Ten};
    // (fault, protocol, the check that must fail; None: every check passes)
    let servers = [
        (Fault::None, proto(Eleven, L11, H), None),
        (Fault::None, proto(Eleven, T, P), None),
        (
            Fault::NoAllZeroCheck,
            proto(Eleven, L11, H),
            Some("low-order-share-0"),
        ),
        (
            Fault::LenientSignature,
            proto(Eleven, T, H),
            Some("strict-signature-small-order-r"),
        ),
        (
            Fault::WrongHkdfLabel,
            proto(Eleven, L11, H),
            Some("session-keys"),
        ),
        (
            Fault::NoKeyConfirmation,
            proto(Eleven, T, H),
            Some("key-confirmation"),
        ),
        (
            Fault::CountersNotAdvanced,
            proto(Eleven, T, P),
            Some("echo-sequence"),
        ),
        (
            Fault::AcceptsAnyKey,
            proto(Eleven, L11, P),
            Some("unknown-client-key"),
        ),
        (
            Fault::NoLengthCheck,
            proto(Eleven, T, H),
            Some("record-length-16401"),
        ),
        (Fault::None, proto(Ten, T, H), None),
        (
            Fault::NoAllZeroCheck,
            proto(Ten, L11, P),
            Some("low-order-share-0"),
        ),
        (
            Fault::WrongHkdfLabel,
            proto(Ten, T, H),
            Some("session-keys"),
        ),
        (
            Fault::CountersNotAdvanced,
            proto(Ten, L11, H),
            Some("echo-sequence"),
        ),
    ];
    for (fault, p, check) in servers {
        cases.push(case(format!("server_{fault:?} {}", label(p)), move || {
            faulty_server(fault, p, check)
        }));
    }
    let clients = [
        (Fault::None, proto(Eleven, L11, H), None),
        (Fault::None, proto(Eleven, T, P), None),
        (
            Fault::NoAllZeroCheck,
            proto(Eleven, L11, H),
            Some("low-order-server-share-0"),
        ),
        (
            Fault::LenientSignature,
            proto(Eleven, T, H),
            Some("strict-signature-small-order-r"),
        ),
        (Fault::WrongHkdfLabel, proto(Eleven, T, H), Some("echo")),
        (
            Fault::NoKeyConfirmation,
            proto(Eleven, T, H),
            Some("key-confirmation-sent"),
        ),
        (
            Fault::CountersNotAdvanced,
            proto(Eleven, L11, P),
            Some("echo"),
        ),
        (
            Fault::SignsBeforeChecking,
            proto(Eleven, L11, H),
            Some("bad-server-signature"),
        ),
        (
            Fault::NoLengthCheck,
            proto(Eleven, L11, H),
            Some("record-length-16401"),
        ),
        (Fault::None, proto(Ten, L11, H), None),
        (
            Fault::NoAllZeroCheck,
            proto(Ten, T, H),
            Some("low-order-server-share-0"),
        ),
        (
            Fault::LenientSignature,
            proto(Ten, L11, P),
            Some("strict-signature-small-order-r"),
        ),
        (Fault::CountersNotAdvanced, proto(Ten, T, H), Some("echo")),
    ];
    for (fault, p, check) in clients {
        cases.push(case(format!("client_{fault:?} {}", label(p)), move || {
            faulty_client(fault, p, check)
        }));
    }
    cases.push(case(
        "json_output_is_one_object_per_line".into(),
        json_output,
    ));
    cases.extend(diagnoses());
    cases
}

fn label(p: Proto) -> String {
    let lesson = match p.lesson {
        Lesson::Ten => "lesson10",
        Lesson::Eleven => "lesson11",
    };
    format!("{lesson} {} {}", p.binding, p.schedule)
}

// ---- Running the graders --------------------------------------------------------

/// A fresh scratch directory with `server` and `client` key pairs,
/// removed when dropped.
struct Scratch(PathBuf);

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

fn scratch() -> Scratch {
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

fn seed(dir: &Path, name: &str) -> [u8; 32] {
    *keyfile::read_secret(dir.join(format!("{name}.key")))
        .expect("key file")
        .to_secret_bytes()
}

fn grader(p: Proto) -> &'static str {
    match p.lesson {
        Lesson::Ten => "10-grade",
        Lesson::Eleven => "11-grade",
    }
}

fn protocol_args(p: Proto) -> Vec<String> {
    vec![
        "--binding".into(),
        p.binding.to_string(),
        "--schedule".into(),
        p.schedule.to_string(),
    ]
}

/// What a grader printed, and whether it exited 0.
struct Graded {
    lines: Vec<String>,
    success: bool,
}

impl Graded {
    fn failed(&self) -> Vec<&str> {
        self.lines
            .iter()
            .filter_map(|l| l.strip_prefix("FAIL "))
            .map(|l| l.split(':').next().unwrap_or(l))
            .collect()
    }

    fn text(&self) -> String {
        self.lines.join("\n")
    }
}

/// Runs a grader (bounded: it must finish within a minute).
fn grade(p: Proto, args: &[String], env: Option<(&str, String)>) -> Graded {
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
fn all_passed(graded: &Graded, expected: usize) -> Result<(), String> {
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
fn caught(graded: &Graded, check: &str) -> Result<(), String> {
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

/// How many checks apply: the server's and the client's lists.
fn check_counts(p: Proto) -> (usize, usize) {
    match (p.lesson, p.binding) {
        (Lesson::Ten, _) => (14, 15),
        (Lesson::Eleven, Binding::InsecureLesson11) => (19, 16),
        (Lesson::Eleven, Binding::Transcript) => (21, 17),
    }
}

// ---- Reference binaries -----------------------------------------------------------

/// A reference server process on a free port; killed when dropped.
struct ServerProcess {
    child: Child,
    addr: String,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_reference_server(p: Proto, dir: &Path) -> ServerProcess {
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

fn reference_server(p: Proto) -> Result<(), String> {
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

fn reference_client(p: Proto) -> Result<(), String> {
    let client = example(match p.lesson {
        Lesson::Ten => "10-client",
        Lesson::Eleven => "11-mtls-client",
    });
    let key = match p.lesson {
        Lesson::Ten => "",
        Lesson::Eleven => " --key {key}",
    };
    let command = format!(
        "'{}' --connect {{addr}}{key} --server-pub {{server_pub}} --binding {} --schedule {}",
        client.display(),
        p.binding,
        p.schedule
    );
    all_passed(
        &grade(p, &["--client-cmd".into(), command], None),
        check_counts(p).1,
    )
}

// ---- Broken peers -------------------------------------------------------------------

/// A grader's verdict on a faulty server.
fn grade_faulty_server(fault: Fault, p: Proto, extra: &[&str]) -> Graded {
    let dir = scratch();
    let addr = faulty::start_server(fault, p, seed(&dir, "server"), {
        spec::public_key(&seed(&dir, "client"))
    });
    let mut args = vec![
        "--server".into(),
        addr,
        "--server-pub".into(),
        dir.join("server.pub").display().to_string(),
    ];
    if p.lesson == Lesson::Eleven {
        args.extend(["--key".into(), dir.join("client.key").display().to_string()]);
    }
    args.extend(extra.iter().map(|a| a.to_string()));
    grade(p, &args, None)
}

/// A grader's verdict on a faulty client: this very binary, re-invoked.
fn grade_faulty_client(fault: Fault, p: Proto) -> Graded {
    let me = std::env::current_exe().expect("the test binary");
    let command = format!("'{}' {{addr}} {{key}} {{server_pub}}", me.display());
    grade(
        p,
        &["--client-cmd".into(), command],
        Some((faulty::CLIENT_ENV, faulty::describe(fault, p))),
    )
}

fn faulty_server(fault: Fault, p: Proto, check: Option<&str>) -> Result<(), String> {
    let graded = grade_faulty_server(fault, p, &[]);
    match check {
        None => all_passed(&graded, check_counts(p).0),
        Some(check) => caught(&graded, check),
    }
}

fn faulty_client(fault: Fault, p: Proto, check: Option<&str>) -> Result<(), String> {
    let graded = grade_faulty_client(fault, p);
    match check {
        None => all_passed(&graded, check_counts(p).1),
        Some(check) => caught(&graded, check),
    }
}

/// The FAIL line of `check` says `words`: the diagnosis, not just the verdict.
fn says(graded: &Graded, check: &str, words: &str) -> Result<(), String> {
    let prefix = format!("FAIL {check}: ");
    let line = graded
        .lines
        .iter()
        .find(|l| l.starts_with(&prefix))
        .ok_or_else(|| format!("no FAIL {check} line in:\n{}", graded.text()))?;
    if line.contains(words) {
        Ok(())
    } else {
        Err(format!("expected {words:?} in {line:?}"))
    }
}

fn diagnoses() -> Vec<Case> {
    use Binding::{InsecureLesson11 as L11, Transcript as T};
    use KeySchedule::{Hkdf as H, Tls12Prf as P};
    let eleven = |b, s| proto(Lesson::Eleven, b, s);
    vec![
        case(
            "diagnoses_a_counter_that_does_not_advance".into(),
            move || {
                let graded = grade_faulty_client(Fault::CountersNotAdvanced, eleven(L11, H));
                says(
                    &graded,
                    "echo",
                    "opens under counter 0: the client's sending counter is wrong",
                )
            },
        ),
        case("diagnoses_a_client_that_signs_first".into(), move || {
            let graded = grade_faulty_client(Fault::SignsBeforeChecking, eleven(L11, P));
            says(
                &graded,
                "bad-server-signature",
                "got message 3 (96 bytes): the client signed for a server it had not authenticated",
            )
        }),
        case("diagnoses_an_echoed_key_confirmation".into(), move || {
            let graded = grade_faulty_server(Fault::NoKeyConfirmation, eleven(T, H), &[]);
            says(
                &graded,
                "key-confirmation",
                "echoed the empty key-confirmation record as if it were a message",
            )
        }),
        case("diagnoses_a_binding_mismatch".into(), move || {
            // A correct lesson11 server, graded as a transcript one.
            let dir = scratch();
            let addr = faulty::start_server(Fault::None, eleven(L11, H), seed(&dir, "server"), {
                spec::public_key(&seed(&dir, "client"))
            });
            let args = [
                "--server".to_string(),
                addr,
                "--server-pub".into(),
                dir.join("server.pub").display().to_string(),
                "--key".into(),
                dir.join("client.key").display().to_string(),
                "--check".into(),
                "server-signature".into(),
            ];
            says(
                &grade(eleven(T, H), &args, None),
                "server-signature",
                "a signature over the content of --binding lesson11 --schedule hkdf instead",
            )
        }),
        case("diagnoses_a_lenient_verifier".into(), move || {
            let graded = grade_faulty_server(Fault::LenientSignature, eleven(T, P), &[]);
            says(
                &graded,
                "strict-signature-small-order-r",
                "accepted what it should have refused",
            )
        }),
        case(
            "diagnoses_a_hung_server_within_the_timeout".into(),
            move || {
                let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
                let addr = silent.local_addr().expect("address").to_string();
                let dir = scratch();
                let p = proto(Lesson::Ten, L11, H);
                let args = [
                    "--server".to_string(),
                    addr,
                    "--server-pub".into(),
                    dir.join("server.pub").display().to_string(),
                    "--timeout".into(),
                    "1".into(),
                    "--check".into(),
                    "server-signature".into(),
                    "--check".into(),
                    "low-order-share-0".into(),
                ];
                let started = Instant::now();
                let graded = grade(p, &args, None);
                drop(silent);
                says(&graded, "server-signature", "no answer within 1s")?;
                says(&graded, "low-order-share-0", "no answer within 1s")?;
                // Two checks, each giving up after 1s: well under 10s.
                if started.elapsed() > Duration::from_secs(10) {
                    return Err(format!("took {:?} for two 1s waits", started.elapsed()));
                }
                if graded.lines.last().map(String::as_str) != Some("0 passed, 2 failed") {
                    return Err(format!("--check should run two checks:\n{}", graded.text()));
                }
                Ok(())
            },
        ),
    ]
}

fn json_output() -> Result<(), String> {
    let p = proto(Lesson::Eleven, Binding::Transcript, KeySchedule::Hkdf);
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
    for field in [
        "\"result\":\"fail\"",
        "\"expected\":\"",
        "\"got\":\"",
        "\"section\":\"lessons/11-specification.md, \\\"",
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

// ---- A small runner -----------------------------------------------------------------

/// Runs the cases on a few threads (the machine is shared), prints each
/// result as it ends, and fails if any case failed.
fn run_all(cases: VecDeque<Case>) -> ExitCode {
    // Build the examples once, before the threads race to do it.
    example("11-grade");
    let total = cases.len();
    println!("\nrunning {total} grader cases");
    let queue = Arc::new(Mutex::new(cases));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let queue = Arc::clone(&queue);
            let failures = Arc::clone(&failures);
            std::thread::spawn(move || {
                loop {
                    let Some(case) = queue.lock().expect("queue").pop_front() else {
                        break;
                    };
                    let started = Instant::now();
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(case.body))
                        .unwrap_or_else(|_| Err("panicked".into()));
                    let secs = started.elapsed().as_secs_f32();
                    match result {
                        Ok(()) => println!("test {} ... ok ({secs:.1}s)", case.name),
                        Err(why) => {
                            println!("test {} ... FAILED ({secs:.1}s)", case.name);
                            failures.lock().expect("failures").push((case.name, why));
                        }
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("worker");
    }
    let failures = failures.lock().expect("failures");
    for (name, why) in failures.iter() {
        println!("\n---- {name} ----\n{why}");
    }
    println!(
        "\ngrader cases: {} passed, {} failed",
        total - failures.len(),
        failures.len()
    );
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

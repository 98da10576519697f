//! The Lesson 13 attack examples, run as a learner runs them: each must
//! exit 0, which it does only when both bindings behave as the lesson
//! teaches. If the protocol changes, these fail.
//!
//! `cargo test` builds the examples before running tests; they are found
//! next to the test binary, in `target/<profile>/examples/`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

mod common;
use common::binaries::example;

fn run(name: &str) -> Output {
    Command::new(example(name))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {name}: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs an attack example and checks it exits 0 with a verdict line.
fn attack_runs_as_taught(name: &str) -> String {
    let out = run(name);
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "{name} exited {}:\n{stdout}\n{}",
        out.status,
        text(&out.stderr)
    );
    assert!(
        stdout.lines().any(|line| line.starts_with("verdict: ")),
        "{stdout}"
    );
    stdout
}

#[test]
fn the_replay_attack_runs_as_taught() {
    attack_runs_as_taught("13-attack-replay");
}

#[test]
fn the_misbinding_attack_runs_as_taught() {
    attack_runs_as_taught("13-attack-misbinding");
}

#[test]
fn the_low_order_share_attack_runs_as_taught() {
    attack_runs_as_taught("13-attack-low-order");
}

#[test]
fn the_record_replay_attack_runs_as_taught() {
    attack_runs_as_taught("13-attack-record-replay");
}

#[test]
fn the_impersonation_attack_runs_as_taught() {
    attack_runs_as_taught("13-attack-impersonation");
}

/// What the real `11-mtls-client` prints on standard error when it meets a
/// server holding another key: here, the real `11-mtls-server` run with
/// mallory's key.
fn real_client_meets_mallory(binding: &str) -> String {
    let dir = std::env::temp_dir().join(format!(
        "learn-mtls-attack-{}-{binding}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let genkeys = Command::new(example("11-mtls-genkeys"))
        .arg("--out")
        .arg(&dir)
        .args(["server", "client", "mallory"])
        .output()
        .unwrap();
    assert!(genkeys.status.success(), "{}", text(&genkeys.stderr));

    let mut server = Command::new(example("11-mtls-server"))
        .current_dir(&dir)
        .args(["--listen", "127.0.0.1:0", "--key", "mallory.key"])
        .args(["--client-pub", "client.pub", "--binding", binding])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();

    let client = Command::new(example("11-mtls-client"))
        .current_dir(&dir)
        .args(["--connect", &addr, "--key", "client.key"])
        .args(["--server-pub", "server.pub", "--binding", binding])
        .args(["--timeout", "10"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);

    assert!(!client.status.success());
    text(&client.stderr).trim().to_owned()
}

#[test]
fn the_impersonation_attack_prints_what_the_lesson_client_prints() {
    let attack = attack_runs_as_taught("13-attack-impersonation");
    for binding in ["lesson11", "transcript"] {
        let client_says = real_client_meets_mallory(binding);
        assert!(client_says.starts_with("error: "), "{client_says}");
        assert!(
            attack.lines().any(|line| line.trim() == client_says),
            "13-attack-impersonation should print 11-mtls-client's words:\n{client_says}\n---\n{attack}"
        );
        // And Lesson 13 quotes those words as they are.
        let lesson = lesson("13-attacks-both-bindings-stop.md");
        assert!(
            lesson.lines().any(|line| line.trim() == client_says),
            "lessons/13-attacks-both-bindings-stop.md should quote 11-mtls-client's words:\n{client_says}"
        );
    }
}

fn lesson(name: &str) -> String {
    let path = format!("{}/lessons/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

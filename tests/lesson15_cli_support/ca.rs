//! The CA side of the tests: scratch folders, the lesson's clock, and
//! `15-ca` / `11-mtls-genkeys` runs that make a PKI.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::binaries::example;
use learn_mtls::cert::time::{Rfc3339, parse_rfc3339};

/// The lesson's "now": 2030-01-01T00:00:00Z.
pub const T: &str = "2030-01-01T00:00:00Z";

pub fn at(offset_secs: i64) -> String {
    let t = parse_rfc3339(T).unwrap() as i64 + offset_secs;
    Rfc3339(t as u64).to_string()
}

pub const DAY: i64 = 86_400;

pub fn scratch() -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "learn-mtls-l15-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs an example in `dir`, asserting success, returning standard output.
pub fn ok(dir: &Path, binary: &str, args: &[&str]) -> String {
    let out = run(dir, binary, args);
    assert!(
        out.status.success(),
        "{binary} {args:?} failed: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

pub fn run(dir: &Path, binary: &str, args: &[&str]) -> Output {
    Command::new(example(binary))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run example")
}

/// A root CA in `root/` (from T - 10 days, 10 years), keys for the server
/// and alice, a server certificate (serial 2) and alice's (serial 3),
/// both valid from T - 1 day for 30 days.
pub fn pki(dir: &Path) {
    ok(
        dir,
        "15-ca",
        &[
            "init",
            "--dir",
            "root",
            "--name",
            "root-ca",
            "--now",
            &at(-10 * DAY),
        ],
    );
    ok(dir, "11-mtls-genkeys", &["server", "alice"]);
    issue(
        dir,
        "root",
        "server",
        "api.internal",
        "server",
        &at(-DAY),
        "30",
        "server.crt",
    );
    issue(
        dir,
        "root",
        "client",
        "alice",
        "alice",
        &at(-DAY),
        "30",
        "alice.crt",
    );
}

#[allow(
    clippy::too_many_arguments,
    reason = "one argument per command-line option"
)]
pub fn issue(
    dir: &Path,
    ca: &str,
    role: &str,
    name: &str,
    key: &str,
    now: &str,
    days: &str,
    out: &str,
) -> String {
    let public = format!("{key}.pub");
    ok(
        dir,
        "15-ca",
        &[
            "issue", "--dir", ca, "--role", role, "--name", name, "--pub", &public, "--days", days,
            "--out", out, "--now", now,
        ],
    )
}

/// `15-ca crl` for the CA in `ca`: a list valid from `now` for `days`, in `out`.
pub fn crl(dir: &Path, ca: &str, (now, days): (&str, &str), out: &str) -> String {
    ok(
        dir,
        "15-ca",
        &[
            "crl", "--dir", ca, "--days", days, "--out", out, "--now", now,
        ],
    )
}

/// Runs `15-ca` with each argument list at once, as several operators or
/// scripts might, and returns each run's standard output.
pub fn ca_at_once(dir: &Path, runs: &[Vec<String>]) -> Vec<String> {
    let children: Vec<Child> = runs
        .iter()
        .map(|args| {
            Command::new(example("15-ca"))
                .current_dir(dir)
                .args(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn 15-ca")
        })
        .collect();
    children
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().expect("wait for 15-ca");
            assert!(out.status.success(), "15-ca failed: {}", text(&out.stderr));
            text(&out.stdout)
        })
        .collect()
}

/// [`pki`], plus what each refusal needs: `old` (expired), `early` (not
/// yet valid), `stranger` (from another CA, `other/`), alice's serial 3
/// revoked, and a list `root.crl` that says so.
pub fn refusal_pki(dir: &Path) {
    pki(dir);
    ok(dir, "11-mtls-genkeys", &["old", "early", "stranger"]);
    issue(
        dir,
        "root",
        "client",
        "old",
        "old",
        &at(-40 * DAY),
        "30",
        "old.crt",
    );
    issue(
        dir,
        "root",
        "client",
        "early",
        "early",
        &at(2 * DAY),
        "30",
        "early.crt",
    );
    ok(
        dir,
        "15-ca",
        &[
            "init",
            "--dir",
            "other",
            "--name",
            "other-ca",
            "--now",
            &at(-DAY),
        ],
    );
    issue(
        dir,
        "other",
        "client",
        "stranger",
        "stranger",
        &at(-DAY),
        "30",
        "stranger.crt",
    );
    ok(dir, "15-ca", &["revoke", "--dir", "root", "3"]);
    crl(dir, "root", (&at(-60), "7"), "root.crl");
}

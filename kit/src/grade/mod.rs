//! The black-box graders `10-grade` and `11-grade`: they check any Lesson
//! 10 or 11 implementation, in any language, over TCP, against the
//! specification in the lessons.
//!
//! - [`spec`]: the protocol, written again from the lesson text with the
//!   primitive crates (the yardstick); [`kem`]: the same for Lesson 19's
//!   hybrid key exchange (`11-grade --kex x25519-mlkem768`);
//! - [`server`]: the checks of a server (the grader plays the client);
//! - [`client`]: the checks of a client command (the grader plays the server);
//! - [`conn`]: TCP with a deadline on every read;
//! - [`report`]: the PASS/FAIL lines and their JSON form.

pub mod client;
pub mod conn;
pub mod kem;
pub mod report;
pub mod server;
pub mod spec;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use learn_mtls::handshake::Binding;
use learn_mtls::kex::Kex;
use learn_mtls::keyfile::{self, Overwrite};
use learn_mtls::keys::IdentityKey;
use learn_mtls::schedule::KeySchedule;

use report::{Outcome, Report, fail};
use spec::{Lesson, Proto};

/// The options both graders share.
#[derive(clap::Args)]
pub struct Common {
    /// Grade the server listening at HOST:PORT.
    #[arg(long, value_name = "ADDR", required_unless_present = "client_cmd")]
    pub server: Option<String>,
    /// The server's public key file (with --server).
    #[arg(
        long,
        value_name = "FILE",
        requires = "server",
        conflicts_with = "client_cmd"
    )]
    pub server_pub: Option<PathBuf>,
    /// Grade a client: the command to run once per check, in one string,
    /// with {addr}, {key} and {server_pub} replaced (quote words with spaces).
    #[arg(long, value_name = "\"CMD ARGS...\"", conflicts_with = "server")]
    pub client_cmd: Option<String>,
    /// What the signatures cover: `lesson11` (as taught) or `transcript`.
    #[arg(long, default_value = "lesson11")]
    pub binding: Binding,
    /// How keys are derived: `hkdf` or `tls12-prf`.
    #[arg(long, default_value = "hkdf")]
    pub schedule: KeySchedule,
    /// Seconds to wait for any one answer before a check fails.
    #[arg(long, default_value_t = 5, value_name = "SECS")]
    pub timeout: u64,
    /// Seconds the client command may take to make its first connection
    /// (time for `cargo run` to build it); later runs get --timeout.
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub start_timeout: u64,
    /// Run only this check (repeat the option for several); all by default.
    #[arg(long = "check", value_name = "NAME")]
    pub only: Vec<String>,
    /// One JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Where a lesson says what is right.
#[derive(Clone, Copy)]
pub enum Topic {
    Messages,
    Signed,
    Checks,
    Schedule,
    Records,
    KeyConfirmation,
    Echo,
}

/// `lessons/11-specification.md, "Records"`: the page and section a
/// failure points to. Under the hybrid key exchange the messages, what is
/// signed, the checks and the key schedule are Lesson 19's (its
/// specification changes exactly those); records, key confirmation and
/// the echo stay Lesson 11's.
pub fn section(p: Proto, topic: Topic) -> String {
    const LESSON_10: &str = "lessons/10-server-authentication.md";
    const SPEC: &str = "lessons/11-specification.md";
    const LESSON_19: &str = "lessons/19-post-quantum.md";
    if p.hybrid() {
        let title = match topic {
            Topic::Messages => Some("The messages"),
            Topic::Signed => Some("What is signed"),
            Topic::Checks => Some("The checks, in order"),
            Topic::Schedule => Some("The key schedule"),
            _ => None,
        };
        if let Some(title) = title {
            return format!("{LESSON_19}, \"{title}\"");
        }
    }
    let (page, title) = match (p.lesson, topic) {
        (Lesson::Ten, Topic::Messages) => (LESSON_10, "The protocol"),
        (Lesson::Ten, Topic::Signed) => (LESSON_10, "What is signed"),
        (_, Topic::Messages) => (SPEC, "The messages"),
        (_, Topic::Signed) => (SPEC, "What is signed: the two bindings"),
        (_, Topic::Checks) => (SPEC, "The checks, in order"),
        (_, Topic::Schedule) => (SPEC, "The key schedule"),
        (_, Topic::Records) => (SPEC, "Records"),
        (_, Topic::KeyConfirmation) => (SPEC, "Key confirmation (transcript binding)"),
        (_, Topic::Echo) => (SPEC, "What the lesson binaries say over the channel"),
    };
    format!("{page}, \"{title}\"")
}

/// The likeliest reason a record sealed by `sender` does not open under
/// `expected` (the direction as the lesson derives it): a wrong counter,
/// swapped directions, or another binding or schedule.
pub fn explain_unopenable(
    p: Proto,
    sender: spec::Side,
    expected: &spec::Direction,
    (secrets, transcript): (&kem::Secrets, &spec::Transcript<'_>),
    record: &[u8],
) -> String {
    let who = match sender {
        spec::Side::Client => "client",
        spec::Side::Server => "server",
    };
    let counter = expected.counter;
    let prefix = format!("a {}-byte record that does not open", record.len());
    if let Some(other) =
        (0..counter + 3).find(|c| *c != counter && expected.open_at(*c, record).is_some())
    {
        return format!(
            "{prefix} under counter {counter} but opens under counter {other}: the {who}'s \
             sending counter is wrong (not advanced per record, or not starting at 0)"
        );
    }
    let direction_of = |keys: &spec::Keys| match sender {
        spec::Side::Client => spec::Direction::new(keys.client_key, keys.client_iv),
        spec::Side::Server => spec::Direction::new(keys.server_key, keys.server_iv),
    };
    // A hybrid peer that fed its key schedule something other than the
    // 64 bytes the lesson combines.
    for (wrong, what) in secrets.mistakes() {
        let keys = spec::derive(p, &wrong, transcript);
        if direction_of(&keys).open_at(counter, record).is_some() {
            return format!(
                "{prefix}; it opens under keys derived from {what} (Lesson 19: \
                 shared_secret = ml_kem_key || x25519_secret, 64 bytes)"
            );
        }
    }
    let shared = secrets.combined();
    for q in p.variants() {
        let keys = spec::derive(q, &shared, transcript);
        let client = spec::Direction::new(keys.client_key, keys.client_iv);
        let server = spec::Direction::new(keys.server_key, keys.server_iv);
        let (right, swapped) = match sender {
            spec::Side::Client => (client, server),
            spec::Side::Server => (server, client),
        };
        if q != p && right.open_at(counter, record).is_some() {
            return format!("{prefix}; it opens under the keys of {}", q.flags());
        }
        if swapped.open_at(counter, record).is_some() {
            return format!(
                "{prefix} under the {who}-write key and IV but opens under the other \
                 direction's{}: the directions are swapped",
                if q == p {
                    String::new()
                } else {
                    format!(" of {}", q.flags())
                }
            );
        }
    }
    format!(
        "{prefix} under the keys the lesson derives (check the labels, salt, key order and nonce)"
    )
}

/// Runs every check that applies and reports; `key` is `--key` and `kex`
/// is `--kex` (both Lesson 11 only).
pub fn run(lesson: Lesson, args: Common, key: Option<PathBuf>, kex: Kex) -> ExitCode {
    let p = Proto {
        lesson,
        binding: args.binding,
        schedule: args.schedule,
        kex,
    };
    let timeout = Duration::from_secs(args.timeout.max(1));
    if key.is_some() && args.server.is_none() {
        eprintln!(
            "error: --key is for grading a server (a client key it trusts); with --client-cmd \
             the grader writes the client's key itself, as {{key}}"
        );
        return ExitCode::FAILURE;
    }
    let mut report = Report::new(args.json);
    let result = match (&args.server, &args.client_cmd) {
        (Some(addr), _) => grade_server(p, &args, addr, key, timeout, &mut report),
        (None, Some(command)) => {
            let start = Duration::from_secs(args.start_timeout);
            grade_client(p, (command, &args.only), (timeout, start), &mut report)
        }
        (None, None) => {
            Err("give --server ADDR --server-pub FILE, or --client-cmd \"CMD ARGS...\"".into())
        }
    };
    match result {
        Ok(()) => report.finish(),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn grade_server(
    p: Proto,
    args: &Common,
    addr: &str,
    key: Option<PathBuf>,
    timeout: Duration,
    report: &mut Report,
) -> Result<(), String> {
    let server_pub = args
        .server_pub
        .as_ref()
        .ok_or("--server needs --server-pub FILE, the key the server proves it holds")?;
    let server_pub = *keyfile::read_public(server_pub)
        .map_err(|e| e.to_string())?
        .as_bytes();
    let (client_seed, key_given) = match &key {
        Some(path) => {
            let key = keyfile::read_secret(path).map_err(|e| e.to_string())?;
            (*key.to_secret_bytes(), true)
        }
        None => (spec::random32(), false),
    };
    report.info(&format!(
        "grading the {} server at {addr} ({})",
        p.lesson.name(),
        p.flags()
    ));
    if p.lesson == Lesson::Eleven {
        let public = report::hex(&spec::public_key(&client_seed));
        report.info(&match &key {
            Some(path) => format!("client key (from {}): {public}", path.display()),
            None => format!(
                "client key the server must trust (made up for this run; give --key FILE to \
                 use a fixed one): {public}"
            ),
        });
    }
    let target = server::Target {
        addr: addr.to_owned(),
        server_pub,
        client_seed,
        key_given,
        p,
        timeout,
    };
    for (name, check) in chosen(server::checks(p), &args.only)? {
        report.record(name, &guarded(|| check(&target)));
    }
    Ok(())
}

fn grade_client(
    p: Proto,
    (command, only): (&str, &[String]),
    (timeout, start_timeout): (Duration, Duration),
    report: &mut Report,
) -> Result<(), String> {
    let scratch = Scratch::new()?;
    let server_seed = spec::random32();
    let client_seed = spec::random32();
    let (_, server_pub) = write_pair(&scratch.0, "server", &server_seed)?;
    let (key, _) = write_pair(&scratch.0, "client", &client_seed)?;
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot listen on loopback: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the listening address: {e}"))?;
    let words = split_command(command)?;
    find_program(&words[0])?;
    let command: Vec<String> = words
        .iter()
        .map(|word| {
            word.replace("{addr}", &addr.to_string())
                .replace("{key}", &key.display().to_string())
                .replace("{server_pub}", &server_pub.display().to_string())
        })
        .collect();
    report.info(&format!(
        "grading the {} client `{}` ({}); the grader listens on {addr}, keys in {}",
        p.lesson.name(),
        command.join(" "),
        p.flags(),
        scratch.0.display()
    ));
    let target = client::Target {
        command,
        listener,
        server_seed,
        client_seed,
        p,
        timeout,
        start_timeout,
        started: std::cell::Cell::new(false),
    };
    for (name, check) in chosen(client::checks(p), only)? {
        report.record(name, &guarded(|| check(&target)));
    }
    Ok(())
}

/// The checks named with --check (all if none), or which names are unknown.
fn chosen<C>(
    checks: Vec<(&'static str, C)>,
    only: &[String],
) -> Result<Vec<(&'static str, C)>, String> {
    let unknown: Vec<&str> = only
        .iter()
        .filter(|name| !checks.iter().any(|(n, _)| n == name))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        let names: Vec<&str> = checks.iter().map(|(n, _)| *n).collect();
        return Err(format!(
            "no check named {} here; the checks are: {}",
            unknown.join(", "),
            names.join(" ")
        ));
    }
    Ok(checks
        .into_iter()
        .filter(|(name, _)| only.is_empty() || only.iter().any(|o| o == name))
        .collect())
}

/// A check that panics is a bug in the grader: reported as a failure, not a crash.
fn guarded(check: impl FnOnce() -> Outcome) -> Outcome {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(check)).unwrap_or_else(|_| {
        Err(fail(
            "the check to run to its end",
            "a panic inside the grader (please report it)",
            "the grader itself",
        ))
    })
}

/// A private folder for the client's key files, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!("learn-mtls-grade-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write_pair(dir: &Path, name: &str, seed: &[u8; 32]) -> Result<(PathBuf, PathBuf), String> {
    keyfile::write_pair(
        dir,
        name,
        &IdentityKey::from_secret_bytes(seed),
        Overwrite::Replace,
    )
    .map_err(|e| e.to_string())
}

/// Fails early, and once, if the client command cannot be found.
fn find_program(program: &str) -> Result<(), String> {
    let found = if program.contains(std::path::MAIN_SEPARATOR) {
        Path::new(program).is_file()
    } else {
        std::env::var_os("PATH")
            .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
    };
    if found {
        Ok(())
    } else {
        Err(format!(
            "--client-cmd: cannot find the program {program:?} (give a path, or a program on PATH)"
        ))
    }
}

/// Splits a command line into words as a shell would for simple cases:
/// whitespace separates, single and double quotes group, backslash escapes.
pub fn split_command(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => words.extend(word.take()),
            '\'' | '"' => {
                let word = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some(q) if q == c => break,
                        Some('\\') if c == '"' => word.extend(chars.next()),
                        Some(other) => word.push(other),
                        None => return Err(format!("--client-cmd: unclosed {c} quote")),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    if words.is_empty() {
        return Err("--client-cmd is empty: give the command that runs your client".into());
    }
    Ok(words)
}

//! The break-it drills of `lessons/drills.md`, checked: each drill's edit
//! is applied to a scratch copy of the repository, its command is run, and
//! the katas the drill names must fail, and nothing else in the test files
//! it runs.
//!
//! Slow (a rebuild of the library per drill), so ignored by `cargo test`;
//! CI runs it explicitly:
//!
//! ```console
//! $ cargo test --test drills -- --ignored --nocapture
//! ```
//!
//! The scratch copy builds into a target directory of its own,
//! `target/drills/` (its dependencies are built once there, then reused by
//! every drill and every later run). It used to share this repository's
//! `target/`, on the belief that a copy at another path is another package
//! to cargo: it is not, the artifacts had the same names, and after the
//! last drill the real tree's next build silently used the mutated library
//! (its sources looked older than the artifacts). `DRILLS_DISCOVER=1` runs every kata file
//! for every drill and prints what fails, to write a new drill's list.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The kata files a discovery run tries: the library-level ones, which
/// start no processes.
const DISCOVER: &[&str] = &[
    "golden_transcripts",
    "lesson11_handshake",
    "lesson11_records",
    "lesson11_trust",
    "lesson12_prf",
    "lesson13_attacks",
    "zero_alloc",
];

/// Longest a drill's test run may take before it counts as hung.
const TIMEOUT: Duration = Duration::from_secs(300);

/// One drill, as written in `lessons/drills.md`.
#[derive(Debug)]
struct Drill {
    title: String,
    file: String,
    old: String,
    new: String,
    /// The `--test` names of its command.
    test_files: Vec<String>,
    /// `file::test` names that must fail.
    caught_by: BTreeSet<String>,
    /// `file::test` names that may fail too.
    may_fail: BTreeSet<String>,
}

/// Reads the drills from the markdown: each `## ` section with an
/// "In `FILE`:" line, a ```` ```diff ```` block (`-` old, `+` new, ` `
/// context), a ```` ```console ```` block whose `cargo test` line names the
/// test files, and bullet lists of `file::test` after "Caught by" and
/// (optionally) "May also fail".
fn parse_drills(markdown: &str) -> Vec<Drill> {
    let mut drills = Vec::new();
    for section in markdown.split("\n## ").skip(1) {
        let title = section.lines().next().unwrap_or_default().to_owned();
        let mut file = None;
        let (mut old, mut new) = (String::new(), String::new());
        let mut test_files = Vec::new();
        let (mut caught_by, mut may_fail) = (BTreeSet::new(), BTreeSet::new());
        let mut block: Option<&str> = None;
        let mut list: Option<bool> = None;
        for line in section.lines() {
            if let Some(kind) = block {
                if line.starts_with("```") {
                    block = None;
                } else if kind == "diff" {
                    let (mark, text) = line.split_at(line.len().min(1));
                    if mark != "+" {
                        old.push_str(text);
                        old.push('\n');
                    }
                    if mark != "-" {
                        new.push_str(text);
                        new.push('\n');
                    }
                } else if kind == "console" && line.contains("cargo test") {
                    let words: Vec<&str> = line.split_whitespace().collect();
                    for pair in words.windows(2) {
                        if pair[0] == "--test" {
                            test_files.push(pair[1].to_owned());
                        }
                    }
                }
                continue;
            }
            if let Some(kind) = line.strip_prefix("```") {
                block = Some(if kind.is_empty() { "text" } else { kind });
                list = None;
            } else if let Some(rest) = line.strip_prefix("In `") {
                file = rest.split('`').next().map(str::to_owned);
            } else if line.starts_with("Caught by") {
                list = Some(true);
            } else if line.starts_with("May also fail") {
                list = Some(false);
            } else if let (Some(required), Some(item)) = (list, line.strip_prefix("- `")) {
                let name = item.split('`').next().unwrap_or_default().to_owned();
                if required {
                    caught_by.insert(name);
                } else {
                    may_fail.insert(name);
                }
            } else if !line.trim().is_empty() && !line.starts_with("- ") {
                list = None;
            }
        }
        if let Some(file) = file {
            drills.push(Drill {
                title,
                file,
                old,
                new,
                test_files,
                caught_by,
                may_fail,
            });
        }
    }
    drills
}

/// Copies the repository's sources (not `target/`, `.git/`, `work/`).
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create scratch dir");
    for entry in fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let name = entry.file_name();
        if ["target", ".git", "work"].iter().any(|skip| name == *skip) {
            continue;
        }
        let (source, dest) = (entry.path(), to.join(&name));
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&source, &dest);
        } else {
            fs::copy(&source, &dest).expect("copy file");
        }
    }
}

/// Runs one kata file in `dir`; the names of the tests that failed, or
/// why the run could not tell.
fn failing_tests(dir: &Path, target: &Path, test_file: &str) -> Result<BTreeSet<String>, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let log = dir.join(format!("drill-{test_file}.log"));
    let mut child = Command::new(cargo)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .args(["test", "--no-fail-fast", "--test", test_file])
        .stdout(fs::File::create(&log).expect("log file"))
        .stderr(Stdio::null())
        .spawn()
        .expect("run cargo test");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{test_file}: no result within {TIMEOUT:?} (hung?)"));
        }
        // Polls for the test run's exit (bounded by TIMEOUT).
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = fs::read_to_string(&log).expect("read log");
    if !output.contains("test result:") {
        return Err(format!(
            "{test_file}: did not run (does the drill compile?), exit {status}"
        ));
    }
    Ok(output
        .lines()
        .filter_map(|line| line.strip_prefix("test ")?.strip_suffix(" ... FAILED"))
        .map(|name| format!("{test_file}::{name}"))
        .collect())
}

#[test]
#[ignore = "slow: rebuilds the library once per drill; run with --ignored (CI does)"]
fn every_drill_is_caught_by_its_katas_and_only_by_sensible_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let drills = parse_drills(&fs::read_to_string(root.join("lessons/drills.md")).unwrap());
    assert!(drills.len() >= 6, "expected the drills, found {drills:#?}");
    let discover = std::env::var_os("DRILLS_DISCOVER").is_some();
    let target: PathBuf = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), PathBuf::from)
        .join("drills");
    let scratch = std::env::temp_dir().join(format!("learn-mtls-drills-{}", std::process::id()));
    let _ = fs::remove_dir_all(&scratch);
    copy_tree(root, &scratch);

    let mut problems = Vec::new();
    for drill in &drills {
        let started = Instant::now();
        let path = scratch.join(&drill.file);
        let original = fs::read_to_string(&path).expect("the drill's file");
        assert_eq!(
            original.matches(&drill.old).count(),
            1,
            "{}: the text to replace must occur exactly once in {}:\n{}",
            drill.title,
            drill.file,
            drill.old
        );
        fs::write(&path, original.replacen(&drill.old, &drill.new, 1)).unwrap();

        let files: Vec<&str> = if discover {
            DISCOVER.to_vec()
        } else {
            drill.test_files.iter().map(String::as_str).collect()
        };
        let mut failed = BTreeSet::new();
        for test_file in files {
            match failing_tests(&scratch, &target, test_file) {
                Ok(names) => failed.extend(names),
                Err(why) => problems.push(format!("{}: {why}", drill.title)),
            }
        }
        fs::write(&path, &original).unwrap();

        println!("drill {} ({:.0?}):", drill.title, started.elapsed());
        for name in &failed {
            println!("    fails: {name}");
        }
        if discover {
            continue;
        }
        for missed in drill.caught_by.difference(&failed) {
            problems.push(format!("{}: {missed} should fail and passed", drill.title));
        }
        for extra in &failed {
            if !drill.caught_by.contains(extra) && !drill.may_fail.contains(extra) {
                problems.push(format!("{}: {extra} failed but is not listed", drill.title));
            }
        }
        if drill.caught_by.is_empty() {
            problems.push(format!("{}: lists no kata that catches it", drill.title));
        }
    }
    let _ = fs::remove_dir_all(&scratch);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_drills_file_parses_into_complete_drills() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let drills = parse_drills(&fs::read_to_string(root.join("lessons/drills.md")).unwrap());

    // Cheap, so it runs with every `cargo test`: each drill names a file, an
    // edit that applies exactly once, a command and the katas it expects.
    assert!(drills.len() >= 6, "{drills:#?}");
    for drill in &drills {
        let text = fs::read_to_string(root.join(&drill.file)).unwrap();
        assert_eq!(text.matches(&drill.old).count(), 1, "{}", drill.title);
        assert_ne!(drill.old, drill.new, "{}", drill.title);
        assert!(!drill.test_files.is_empty(), "{}", drill.title);
        assert!(!drill.caught_by.is_empty(), "{}", drill.title);
        for name in drill.caught_by.iter().chain(&drill.may_fail) {
            let (file, _) = name.split_once("::").expect("file::test");
            assert!(
                drill.test_files.iter().any(|f| f == file),
                "{}: {name} is not in a file the command runs",
                drill.title
            );
        }
    }
}

//! `cargo course`: the learn-mtls exercises, listed, checked and watched.
//!
//! ```text
//! cargo course                 watch: re-check an exercise each time its file is saved
//! cargo course list            one line per exercise: ID, state, file, lesson section
//! cargo course check [ID...]   check some exercises (all without an ID)
//! cargo course hint ID         a hint for one exercise
//! cargo course reset ID        put the exercise's stub back from git (your version is lost)
//! cargo course solution ID     where the reference solution is
//! cargo course verify          maintainers: every stub fails its check, every solution passes
//! ```
//!
//! Standard library only, and nothing from the exercises crate: the runner
//! must work while the learner's code does not compile. The checks live in
//! the exercises crate's `exercise-check` binary, which this runner builds
//! and runs; exercise metadata is in `exercises/info.toml`.
#![forbid(unsafe_code)]

mod info;
mod lesson_binaries;
mod progress;
mod stub;
mod verify;

use std::collections::HashMap;
use std::fs;
use std::io::{BufRead as _, BufReader, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{ChildStderr, Command, ExitCode, Stdio};
use std::time::{Duration, SystemTime};

use info::Exercise;

const USAGE: &str = "\
usage: cargo course [COMMAND]

  (no command)        list the exercises, then watch: each time you save an
                      exercise file it is checked again; Ctrl-C to stop
  list                one line per exercise: ID, state, file to edit, lesson section
  check [ID...]       check the exercises named (all of them without an ID)
  hint ID             a hint for exercise ID
  reset ID            put back the stub of exercise ID, as committed in git
                      (your version is lost)
  solution ID         print the path of the reference solution of ID
  verify [--each]     for maintainers: in a scratch copy, every stub fails its
                      check and every solution passes (--each: also each stub
                      alone among all the solutions; one build per exercise)

States: done (its check passed on the file as it is now), failing (its
check failed on the file as it is now), not started (the stub as shipped,
or its todo!() is still reached), edited (changed since it was last
checked). The first exercise that is not done is marked with '>'.";

/// `cargo course list | head -3` closes standard output early, and
/// `println!` then panics with a backtrace. Stop quietly instead, as other
/// command-line tools do (status 141, as a shell reports SIGPIPE).
fn quiet_on_closed_stdout() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default_hook(info);
    }));
}

fn main() -> ExitCode {
    quiet_on_closed_stdout();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let course = match Course::open() {
        Ok(course) => course,
        Err(e) => {
            eprintln!("cargo course: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match args.first().map(String::as_str) {
        None | Some("watch") => course.watch(),
        Some("list") => course.list(),
        Some("check") => course.check_command(&args[1..]),
        Some("hint") => course.one(&args[1..]).map(|e| course.hint(e)),
        Some("reset") => course.one(&args[1..]).and_then(|e| course.reset(e)),
        Some("solution") => course.one(&args[1..]).map(|e| course.solution(e)),
        Some("verify") => match &args[1..] {
            [] => verify::verify(&course, false),
            [each] if each == "--each" => verify::verify(&course, true),
            _ => Err("usage: cargo course verify [--each]".into()),
        },
        Some("help" | "-h" | "--help") => {
            println!("{USAGE}");
            Ok(true)
        }
        Some(other) => Err(format!("unknown command {other:?}\n\n{USAGE}")),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("cargo course: {e}");
            ExitCode::from(2)
        }
    }
}

/// What a check said about one exercise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// The check passed.
    Done,
    /// The learner's code reached a `todo!()` (at this place).
    NotStarted(String),
    /// The check failed; why.
    Failed(String),
}

impl Status {
    fn word(&self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::NotStarted(_) => "not-started",
            Self::Failed(_) => "failing",
        }
    }
}

/// The course: where the repository is, and its exercises.
pub struct Course {
    /// The repository root.
    pub root: PathBuf,
    /// Cargo's target directory.
    pub target: PathBuf,
    /// Every exercise, in order.
    pub exercises: Vec<Exercise>,
}

impl Course {
    fn open() -> Result<Self, String> {
        // `cargo run` sets CARGO_MANIFEST_DIR to this crate's folder at run
        // time; fall back on where it was built.
        let crate_dir = std::env::var_os("CARGO_MANIFEST_DIR")
            .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
        let root = crate_dir
            .parent()
            .ok_or("cannot find the repository root")?
            .to_path_buf();
        Self::at(root)
    }

    /// The course in the repository at `root`.
    pub fn at(root: PathBuf) -> Result<Self, String> {
        let info_path = root.join("exercises/info.toml");
        let text = fs::read_to_string(&info_path)
            .map_err(|e| format!("cannot read {}: {e}", info_path.display()))?;
        let exercises = info::parse("exercises/info.toml", &text)?;
        let target = match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) => std::env::current_dir()
                .map_err(|e| e.to_string())?
                .join(dir),
            None => root.join("target"),
        };
        Ok(Self {
            root,
            target,
            exercises,
        })
    }

    fn find(&self, id: &str) -> Result<&Exercise, String> {
        self.exercises.iter().find(|e| e.id == id).ok_or_else(|| {
            let ids: Vec<&str> = self.exercises.iter().map(|e| e.id.as_str()).collect();
            format!("no exercise {id:?}; the exercises are {}", ids.join(", "))
        })
    }

    fn one(&self, args: &[String]) -> Result<&Exercise, String> {
        match args {
            [id] => self.find(id),
            _ => Err("give one exercise ID, such as 10.1".into()),
        }
    }

    /// Every file of the exercise, one after the other (for hashing).
    fn file_contents(&self, exercise: &Exercise) -> Option<Vec<u8>> {
        self.concat(&exercise.files)
    }

    fn concat(&self, files: &[String]) -> Option<Vec<u8>> {
        let mut all = Vec::new();
        for file in files {
            all.extend(fs::read(self.root.join(file)).ok()?);
            all.push(0);
        }
        Some(all)
    }

    /// The stubs of every file of the exercise, one after the other, as
    /// [`Course::file_contents`] joins the files.
    fn stubs(&self, exercise: &Exercise) -> Result<Vec<u8>, String> {
        let mut all = Vec::new();
        for file in &exercise.files {
            all.extend(stub::committed(&self.root, file)?);
            all.push(0);
        }
        Ok(all)
    }

    fn state_path(&self) -> PathBuf {
        self.target.join("course-state.txt")
    }

    /// The last recorded result per exercise: status word and file hash.
    fn load_state(&self) -> HashMap<String, (String, u64)> {
        let text = fs::read_to_string(self.state_path()).unwrap_or_default();
        text.lines()
            .filter_map(|line| {
                let mut words = line.split_whitespace();
                let id = words.next()?.to_owned();
                let status = words.next()?.to_owned();
                let hash = u64::from_str_radix(words.next()?, 16).ok()?;
                Some((id, (status, hash)))
            })
            .collect()
    }

    fn record(&self, results: &[(String, Status)]) {
        let mut state = self.load_state();
        for (id, status) in results {
            let Ok(exercise) = self.find(id) else {
                continue;
            };
            let hash = fnv(&self.file_contents(exercise).unwrap_or_default());
            state.insert(id.clone(), (status.word().to_owned(), hash));
        }
        let mut lines: Vec<String> = state
            .iter()
            .map(|(id, (status, hash))| format!("{id} {status} {hash:016x}\n"))
            .collect();
        lines.sort();
        let _ = fs::create_dir_all(&self.target);
        let _ = fs::write(self.state_path(), lines.concat());
    }

    /// The state word of each exercise, from the recorded results.
    fn states(&self) -> Vec<&'static str> {
        let state = self.load_state();
        self.exercises
            .iter()
            .map(|exercise| {
                let contents = self.file_contents(exercise).unwrap_or_default();
                let recorded = state
                    .get(&exercise.id)
                    .filter(|(_, hash)| *hash == fnv(&contents));
                match recorded.map(|(status, _)| status.as_str()) {
                    Some("done") => "done",
                    Some("failing") => "failing",
                    Some(_) => "not started",
                    // Never checked: edited if it differs from its stub.
                    // Without git the stub is unknown, and a file never
                    // checked is more likely untouched than edited.
                    None => match self.stubs(exercise) {
                        Ok(stubs) if stubs != contents => "edited",
                        _ => "not started",
                    },
                }
            })
            .collect()
    }

    fn list(&self) -> Result<bool, String> {
        let states = self.states();
        let next = states.iter().position(|s| *s != "done");
        let width = self
            .exercises
            .iter()
            .map(|e| e.file.len())
            .max()
            .unwrap_or(0);
        println!("   {:<5} {:<12} {:<width$}  LESSON", "ID", "STATE", "FILE");
        for (i, (exercise, state)) in self.exercises.iter().zip(&states).enumerate() {
            let marker = if Some(i) == next { '>' } else { ' ' };
            // One line per exercise, the first file in its column; an
            // exercise with more files (11.5) names the others at the end.
            let others = &exercise.files[1.min(exercise.files.len())..];
            let also = if others.is_empty() {
                String::new()
            } else {
                format!("; also edit {}", others.join(", "))
            };
            println!(
                "{marker}  {:<5} {:<12} {:<width$}  {}{also}",
                exercise.id,
                state,
                exercise.file,
                exercise.place()
            );
        }
        let done = states.iter().filter(|s| **s == "done").count();
        println!("\n{done} of {} done.", states.len());
        Ok(true)
    }

    fn hint(&self, exercise: &Exercise) -> bool {
        println!("{} {}\n", exercise.id, exercise.name);
        println!("{}\n", exercise.hint.trim_end());
        println!("File:   {}", exercise.files.join(" and "));
        println!("Lesson: {}", exercise.address());
        true
    }

    fn reset(&self, exercise: &Exercise) -> Result<bool, String> {
        // Every stub first: a file is overwritten only if all can be put back.
        let stubs = exercise
            .files
            .iter()
            .map(|file| stub::committed(&self.root, file))
            .collect::<Result<Vec<_>, _>>()?;
        for (file, stub) in exercise.files.iter().zip(stubs) {
            let path = self.root.join(file);
            fs::write(&path, stub)
                .map_err(|e| format!("cannot write the stub to {}: {e}", path.display()))?;
            println!("{}: the stub is back in {file}", exercise.id);
        }
        Ok(true)
    }

    fn solution(&self, exercise: &Exercise) -> bool {
        for solution in exercise.solutions() {
            println!("{solution}");
        }
        true
    }

    /// Builds the checks in the repository at `root`, then runs those of `ids`.
    /// `Err` carries the compiler's output when the exercises do not compile.
    pub fn run_checks(
        &self,
        root: &Path,
        bin: &str,
        ids: &[&str],
        examples: Option<&Path>,
    ) -> Result<Vec<(String, Status)>, String> {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let build = Command::new(&cargo)
            .args(["build", "--quiet", "--package", "learn-mtls-exercises"])
            .args(["--bin", bin, "--color"])
            .arg(if std::io::stdout().is_terminal() {
                "always"
            } else {
                "never"
            })
            .arg("--manifest-path")
            .arg(root.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", &self.target)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        let build = progress::wait_saying(
            build,
            "building the exercises and their checks (the first build takes a minute or \
             two; later ones a few seconds)",
        )
        .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !build.status.success() {
            return Err(String::from_utf8_lossy(&build.stderr).into_owned());
        }
        let binary = self
            .target
            .join("debug")
            .join(format!("{bin}{}", std::env::consts::EXE_SUFFIX));
        let mut run = Command::new(&binary);
        run.args(ids)
            .env("CARGO", &cargo)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(dir) = examples {
            run.env("COURSE_EXAMPLES_DIR", dir);
        }
        let cannot_run = |e: std::io::Error| format!("cannot run {}: {e}", binary.display());
        let mut child = run.spawn().map_err(cannot_run)?;
        let stderr = child.stderr.take().map(pass_on_progress);
        let output = child.wait_with_output().map_err(cannot_run)?;
        let stderr = stderr
            .and_then(|reader| reader.join().ok())
            .unwrap_or_default();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let mut results: Vec<(String, Status)> = Vec::new();
        for line in stdout.lines() {
            if let Some(rest) = line.strip_prefix("@@ ") {
                let mut words = rest.splitn(3, ' ');
                let id = words.next().unwrap_or_default().to_owned();
                let status = match words.next() {
                    Some("done") => Status::Done,
                    Some("not-started") => Status::NotStarted(words.next().unwrap_or("").into()),
                    _ => Status::Failed(String::new()),
                };
                results.push((id, status));
            } else if let Some((_, Status::Failed(why))) = results.last_mut() {
                why.push_str(line);
                why.push('\n');
            }
        }
        if results.len() != ids.len() {
            return Err(format!(
                "the checks stopped early ({}):\n{stdout}{stderr}",
                output.status
            ));
        }
        Ok(results)
    }

    /// Checks `ids` in this repository, prints each result, records it.
    /// Returns whether all passed.
    fn check(&self, ids: &[&str]) -> bool {
        let all: Vec<&str> = self.exercises.iter().map(|e| e.id.as_str()).collect();
        let ids = if ids.is_empty() { &all[..] } else { ids };
        match self.run_checks(&self.root, "exercise-check", ids, None) {
            Err(compiler) => {
                println!("✗ the exercises do not compile; the compiler says:\n");
                print!("{compiler}");
                // Any exercise the compiler points at is failing as it stands.
                let broken: Vec<(String, Status)> = self
                    .exercises
                    .iter()
                    .filter(|e| e.files.iter().any(|f| compiler.contains(f.as_str())))
                    .map(|e| (e.id.clone(), Status::Failed("does not compile".into())))
                    .collect();
                self.record(&broken);
                false
            }
            Ok(results) => {
                for (id, status) in &results {
                    self.show(id, status);
                }
                self.record(&results);
                results.iter().all(|(_, s)| *s == Status::Done)
            }
        }
    }

    fn show(&self, id: &str, status: &Status) {
        let Ok(exercise) = self.find(id) else { return };
        match status {
            Status::Done => println!("✓ {id} done: {}", exercise.name),
            Status::NotStarted(location) => println!(
                "· {id} not started: {} (todo!() reached at {location})",
                exercise.name
            ),
            Status::Failed(why) => {
                println!("✗ {id} failing: {}", exercise.name);
                for line in why.trim_end().lines() {
                    println!("  {line}");
                }
                println!(
                    "  file: {}   hint: cargo course hint {id}   lesson: {}",
                    exercise.files.join(" and "),
                    exercise.place()
                );
            }
        }
    }

    fn check_command(&self, ids: &[String]) -> Result<bool, String> {
        for id in ids {
            self.find(id)?;
        }
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let passed = self.check(&ids);
        if passed {
            self.say_next();
        }
        Ok(passed)
    }

    fn say_next(&self) {
        let states = self.states();
        match states.iter().position(|s| *s != "done") {
            Some(i) => {
                let next = &self.exercises[i];
                println!(
                    "\nNext: {} {}\n  file:   {}\n  lesson: {}",
                    next.id,
                    next.name,
                    next.files.join(" and "),
                    next.address()
                );
            }
            None => println!("\nEvery exercise is done. Well built!"),
        }
    }

    fn mtimes(&self) -> Vec<Vec<Option<SystemTime>>> {
        self.exercises
            .iter()
            .map(|e| {
                e.files
                    .iter()
                    .map(|file| {
                        fs::metadata(self.root.join(file))
                            .and_then(|m| m.modified())
                            .ok()
                    })
                    .collect()
            })
            .collect()
    }

    fn watch(&self) -> Result<bool, String> {
        self.list()?;
        let states = self.states();
        if let Some(i) = states.iter().position(|s| *s != "done") {
            println!("\nChecking the next exercise, {}:", self.exercises[i].id);
            if self.check(&[&self.exercises[i].id]) {
                self.say_next();
            }
        }
        println!("\nWatching the exercise files: save one to check it again. Ctrl-C to stop.");
        let mut seen = self.mtimes();
        loop {
            std::thread::sleep(Duration::from_millis(300));
            let now = self.mtimes();
            if now == seen {
                continue;
            }
            // Let an editor finish writing before reading the file.
            std::thread::sleep(Duration::from_millis(100));
            let now = self.mtimes();
            let changed: Vec<&str> = self
                .exercises
                .iter()
                .zip(now.iter().zip(&seen))
                .filter(|(_, (a, b))| a != b)
                .map(|(e, _)| e.id.as_str())
                .collect();
            seen = now;
            println!("\n--- {} saved: checking", changed.join(", "));
            if self.check(&changed) {
                self.say_next();
            }
            let _ = std::io::stdout().flush();
        }
    }
}

/// FNV-1a, 64 bits: notices a changed file; not a security hash.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Reads the check binary's standard error: passes on at once each line of
/// progress (the build of the lesson binaries, which the first finale
/// check starts), and returns the rest, for when the checks stop early.
fn pass_on_progress(stderr: ChildStderr) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut rest = String::new();
        let mut reader = BufReader::new(stderr);
        let mut line = Vec::new();
        while matches!(reader.read_until(b'\n', &mut line), Ok(1..)) {
            let text = String::from_utf8_lossy(&line);
            if text.starts_with(progress::PREFIX) {
                eprint!("{text}");
            } else {
                rest.push_str(&text);
            }
            line.clear();
        }
        rest
    })
}

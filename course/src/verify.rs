//! `cargo course verify`: proof that the checks mean something.
//!
//! In a scratch copy of the repository (`target/course-verify/`), with
//! every stub (each file under `exercises/src/` as it is in the tree)
//! each check must fail (not started, or failing; a
//! compile error does not count), and with every reference solution
//! swapped in each check must pass. The scratch copy shares the target
//! directory and is updated file by file, so a second run rebuilds only
//! what changed.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::info::Exercise;
use crate::{Course, Status, lesson_binaries, stub};

/// Top-level folders the scratch copy leaves out.
const SKIP: [&str; 4] = [".git", "target", "work", "fuzz"];

/// Runs the proof; with `each`, also checks every exercise with its own
/// stub among all the other solutions.
pub fn verify(course: &Course, each: bool) -> Result<bool, String> {
    let started = Instant::now();
    let mut ok = true;

    // 1. The files exist. The stubs are the files under exercises/src/ as
    //    they are now (in a maintainer's tree, the stubs being written);
    //    one that differs from git's HEAD is named, so that a learner's
    //    tree is not taken for a maintainer's without a word.
    for exercise in &course.exercises {
        for file in &exercise.files {
            let solution = Exercise::solution_of(file);
            for path in [file, &solution] {
                if !course.root.join(path).is_file() {
                    println!("✗ {}: {path} is missing", exercise.id);
                    ok = false;
                }
            }
            let committed = stub::committed(&course.root, file).ok();
            if committed.is_some() && fs::read(course.root.join(file)).ok() != committed {
                println!(
                    "  note: {file} differs from git's HEAD: it is verified as the stub \
                     as it is now"
                );
            }
        }
    }
    if !ok {
        return Ok(false);
    }

    // 2. The lesson binaries, built once from this repository.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let examples = lesson_binaries::build(
        &cargo,
        &course.root.join("Cargo.toml"),
        &course.target,
        false,
    )?;

    // 3. The scratch copy.
    let scratch = course.target.join("course-verify");
    sync(&course.root, &scratch, true).map_err(|e| format!("copying the repository: {e}"))?;
    set_apart(&scratch).map_err(|e| format!("preparing the scratch copy: {e}"))?;
    let ids: Vec<&str> = course.exercises.iter().map(|e| e.id.as_str()).collect();

    // 4. Stubs: every check fails.
    for file in course.exercises.iter().flat_map(|e| &e.files) {
        copy_if_changed(&course.root.join(file), &scratch.join(file)).map_err(|e| e.to_string())?;
    }
    println!("with the stubs as shipped, every check must fail:");
    let results = course
        .run_checks(&scratch, VERIFY_BIN, &ids, Some(&examples))
        .map_err(|compiler| format!("the stubs do not compile:\n{compiler}"))?;
    for (id, status) in &results {
        let fine = *status != Status::Done;
        ok &= fine;
        println!(
            "  {} {id}: {}",
            if fine { "✓" } else { "✗" },
            match status {
                Status::Done => "PASSES on its stub: the check proves nothing",
                Status::NotStarted(_) => "not started",
                Status::Failed(_) => "failing",
            }
        );
    }

    // 5. Solutions: every check passes.
    for file in course.exercises.iter().flat_map(|e| &e.files) {
        copy_if_changed(
            &course.root.join(Exercise::solution_of(file)),
            &scratch.join(file),
        )
        .map_err(|e| e.to_string())?;
    }
    println!("with every solution swapped in, every check must pass:");
    let results = course
        .run_checks(&scratch, VERIFY_BIN, &ids, Some(&examples))
        .map_err(|compiler| format!("the solutions do not compile:\n{compiler}"))?;
    for (id, status) in &results {
        let fine = *status == Status::Done;
        ok &= fine;
        match status {
            Status::Done => println!("  ✓ {id}: done"),
            Status::NotStarted(at) => println!("  ✗ {id}: its solution reaches todo!() at {at}"),
            Status::Failed(why) => {
                println!("  ✗ {id}: its solution fails:");
                for line in why.lines() {
                    println!("      {line}");
                }
            }
        }
    }
    // 5b. Each stub alone among the solutions still fails its own check.
    if each {
        println!("with each stub alone among the solutions, its check must fail:");
        for exercise in &course.exercises {
            for file in &exercise.files {
                copy_if_changed(&course.root.join(file), &scratch.join(file))
                    .map_err(|e| e.to_string())?;
            }
            let results = course
                .run_checks(&scratch, VERIFY_BIN, &[&exercise.id], Some(&examples))
                .map_err(|compiler| {
                    format!("{}'s stub does not compile:\n{compiler}", exercise.id)
                })?;
            let fine = results.iter().all(|(_, status)| *status != Status::Done);
            ok &= fine;
            println!(
                "  {} {}: {}",
                if fine { "✓" } else { "✗" },
                exercise.id,
                if fine {
                    "fails on its stub"
                } else {
                    "PASSES on its stub"
                }
            );
            for file in &exercise.files {
                copy_if_changed(
                    &course.root.join(Exercise::solution_of(file)),
                    &scratch.join(file),
                )
                .map_err(|e| e.to_string())?;
            }
        }
    }

    // 6. The solutions are exemplary code: formatted, and clippy-clean.
    let solutions: Vec<PathBuf> = course
        .exercises
        .iter()
        .flat_map(|e| e.solutions())
        .map(|s| course.root.join(s))
        .collect();
    let formatted = Command::new("rustfmt")
        .args(["--edition", "2024", "--check"])
        .args(&solutions)
        .status()
        .map_err(|e| format!("cannot run rustfmt: {e}"))?;
    println!(
        "  {} the solutions are formatted (rustfmt --check)",
        if formatted.success() { "✓" } else { "✗" }
    );
    ok &= formatted.success();
    let clippy = Command::new(&cargo)
        .args([
            "clippy",
            "--quiet",
            "--package",
            "learn-mtls-exercises",
            "--all-targets",
        ])
        .arg("--manifest-path")
        .arg(scratch.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &course.target)
        .args(["--", "-D", "warnings"])
        .status()
        .map_err(|e| format!("cannot run cargo clippy: {e}"))?;
    println!(
        "  {} the solutions pass clippy -D warnings",
        if clippy.success() { "✓" } else { "✗" }
    );
    ok &= clippy.success();

    println!(
        "\n{} in {:.0} s",
        if ok { "verified" } else { "VERIFY FAILED" },
        started.elapsed().as_secs_f64()
    );
    Ok(ok)
}

/// The check binary's name in the scratch copy.
const VERIFY_BIN: &str = "exercise-check-verify";

/// Gives the scratch copy's own packages another version, and the check
/// binary another name. Cargo names build artifacts by package name and
/// version (not by folder), and the scratch copy shares the target
/// directory: without this, its builds would overwrite the repository's
/// and leave cargo believing the repository's are up to date.
fn set_apart(scratch: &Path) -> std::io::Result<()> {
    for manifest in ["Cargo.toml", "exercises/Cargo.toml", "course/Cargo.toml"] {
        let path = scratch.join(manifest);
        let text = fs::read_to_string(&path)?;
        let text = text
            .replacen(
                "version = \"0.1.0\"",
                "version = \"0.1.0-course-verify\"",
                1,
            )
            .replace(
                "name = \"exercise-check\"",
                &format!("name = \"{VERIFY_BIN}\""),
            );
        write_if_changed(&path, text.as_bytes())?;
    }
    Ok(())
}

/// Copies `from` into `to`, writing only files whose contents differ, so
/// that cargo sees unchanged files as unchanged.
fn sync(from: &Path, to: &Path, top: bool) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if top && SKIP.iter().any(|skip| name == *skip) {
            continue;
        }
        let source: PathBuf = entry.path();
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            sync(&source, &to.join(&name), false)?;
        } else if file_type.is_file() {
            copy_if_changed(&source, &to.join(&name))?;
        }
    }
    Ok(())
}

fn copy_if_changed(from: &Path, to: &Path) -> std::io::Result<()> {
    write_if_changed(to, &fs::read(from)?)
}

fn write_if_changed(to: &Path, contents: &[u8]) -> std::io::Result<()> {
    if fs::read(to).ok().as_deref() != Some(contents) {
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(to, contents)?;
    }
    Ok(())
}

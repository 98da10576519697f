//! The lesson binaries the finales run, and their build.
//!
//! Standard library only, one implementation for two binaries, as
//! [`crate::progress`]: `cargo course verify` builds them once for every
//! check, and the exercises' check binary (which includes this file with
//! `#[path]`) builds them on first use when run by `cargo course check`.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::progress;

/// The examples the finales run.
pub const EXAMPLES: [&str; 4] = [
    "10-server",
    "11-mtls-server",
    "11-mtls-client",
    "15-mtls-server",
];

/// Builds [`EXAMPLES`] of the repository whose manifest is `manifest`
/// into `target_dir` (release builds with `release`), saying what it
/// builds while it does; returns the folder they are in.
///
/// # Errors
/// Cargo could not be run, or the build failed (with the compiler's words).
pub fn build(
    cargo: &OsStr,
    manifest: &Path,
    target_dir: &Path,
    release: bool,
) -> Result<PathBuf, String> {
    let mut command = Command::new(cargo);
    command
        .args(["build", "--quiet", "--package", "learn-mtls"])
        .arg("--manifest-path")
        .arg(manifest)
        .arg("--target-dir")
        .arg(target_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for name in EXAMPLES {
        command.args(["--example", name]);
    }
    if release {
        command.arg("--release");
    }
    let cannot = |e: std::io::Error| format!("cannot run cargo to build the lesson binaries: {e}");
    let child = command.spawn().map_err(cannot)?;
    let output = progress::wait_saying(
        child,
        &format!(
            "building the lesson binaries the finales run ({}; the first build takes \
             a minute or so)",
            EXAMPLES.join(", ")
        ),
    )
    .map_err(cannot)?;
    if !output.status.success() {
        return Err(format!(
            "building the lesson binaries failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let profile = if release { "release" } else { "debug" };
    Ok(target_dir.join(profile).join("examples"))
}

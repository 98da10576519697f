//! The pristine stubs: one copy of each, in git.
//!
//! The file a learner edits (`exercises/src/lessonNN/NAME.rs`) is the only
//! copy of its stub in the repository, as rustlings keeps one copy of each
//! exercise: `cargo course reset` puts back the version git has in `HEAD`.
//!
//! Why git, and not a copy embedded in the runner with `include_str!`:
//! the only copy is the file the learner edits, and cargo rebuilds the
//! runner whenever an included file changes, so an embedded copy would
//! be the learner's edits, not the stub. A copy kept elsewhere in the
//! tree would be the second copy this replaced (`exercises/stubs/`, kept
//! in step by hand). Without git (a downloaded archive) the stub cannot
//! be put back, and the error says so and where to get the file.

use std::path::Path;
use std::process::Command;

/// Git's committed version (`HEAD`) of `file` (relative to `root`), as a
/// checkout would write it (line endings converted as configured).
///
/// # Errors
/// Names the problem: git missing, not a git checkout, the file not
/// committed, or the committed version not a stub (no `todo!(`: the
/// learner's own work was committed).
pub fn committed(root: &Path, file: &str) -> Result<Vec<u8>, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["cat-file", "--filters"])
        .arg(format!("HEAD:./{file}"))
        .output()
        .map_err(|e| {
            format!(
                "cannot run git to read the stub of {file} ({e}): the stubs are \
                 git's committed versions; without git, download {file} from the \
                 course's repository"
            )
        })?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr);
        return Err(if said.contains("not a git repository") {
            format!(
                "{} is not a git checkout, and the stubs are git's committed \
                 versions: download {file} from the course's repository",
                root.display()
            )
        } else {
            format!("git has no committed version of {file}: {}", said.trim())
        });
    }
    if !contains(&output.stdout, b"todo!(") {
        return Err(format!(
            "the version of {file} committed in git's HEAD is not a stub (it has no \
             todo!()): was your own work committed? `git log -p -- {file}` shows \
             its earlier versions"
        ));
    }
    Ok(output.stdout)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

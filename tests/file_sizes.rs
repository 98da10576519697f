//! No Rust file of the project is over 700 lines (issue 18, "big rooms"):
//! past that a file holds more than one idea, and it is split into a
//! folder of modules, as `src/net/` and `tests/*_support/` are.
//!
//! Every `.rs` file under the repository root counts, in every workspace
//! member and in the two workspaces of their own (`embedded/`, `fuzz/`);
//! build output, installed packages and git's own files do not.

use std::fs;
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 700;

/// Directories that hold no source of ours.
const SKIPPED: &[&str] = &["target", "node_modules", ".git"];

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("a directory of the repository is readable") {
        let path = entry.expect("a directory entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !SKIPPED.contains(&name) {
                rust_files(&path, found);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn no_rust_file_is_over_700_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(root, &mut files);
    assert!(
        files.iter().any(|f| f.ends_with("src/lib.rs")),
        "the walk found the core's own lib.rs"
    );
    let mut too_big: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let text = fs::read_to_string(path).expect("a source file is readable");
            let lines = text.lines().count();
            (lines > MAX_LINES).then(|| {
                let shown = path.strip_prefix(root).unwrap_or(path).display();
                format!("{shown}: {lines} lines")
            })
        })
        .collect();
    too_big.sort();
    assert!(
        too_big.is_empty(),
        "files over {MAX_LINES} lines; split each into a folder of modules:\n  {}",
        too_big.join("\n  ")
    );
}

//! Finding the lesson binaries from a test, fresh.
//!
//! The tests that drive examples as processes find them next to the test
//! binary, in `target/<profile>/examples/`. `cargo test` builds them first,
//! but `cargo test --test NAME` alone does not, and a stale binary would test
//! old code: so the first call in a test run runs `cargo build --examples`
//! (a no-op when they are fresh) with the cargo that runs the tests.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The path of example `name`, built and up to date.
pub fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    build_examples(profile_dir.ends_with("release"));
    let path = profile_dir.join("examples").join(name);
    assert!(
        path.exists(),
        "{} is missing even after building the examples",
        path.display()
    );
    path
}

fn build_examples(release: bool) {
    static BUILD: std::sync::Once = std::sync::Once::new();
    BUILD.call_once(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--examples"])
            .args(release.then_some("--release"))
            .arg("--manifest-path")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .status()
            .expect("run cargo build --examples");
        assert!(status.success(), "cargo build --examples failed");
    });
}

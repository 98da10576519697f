//! A fresh directory per test, files written with exact permission bits,
//! and reading a garbled `.pub` file back.

use learn_mtls::keyfile::{self, KeyFileError};
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// A fresh directory for one test, removed when the test ends.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(test: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("learn-mtls-keyfile-{}-{test}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `contents` to `name` with permission bits `mode`.
    pub fn file(&self, name: &str, contents: &[u8], mode: u32) -> PathBuf {
        let path = self.0.join(name);
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&path)
            .unwrap();
        file.write_all(contents).unwrap();
        // The umask may have cleared bits; set exactly what the test asked for.
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

pub fn mode_of(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Writes a `.pub` file with `contents` and reads it back, expecting an error.
pub fn read_bad_public(dir: &TempDir, contents: &[u8]) -> KeyFileError {
    let path = dir.file("bad.pub", contents, 0o644);
    let error = keyfile::read_public(&path).unwrap_err();
    let message = error.to_string();
    assert_eq!(error.path, path);
    assert!(
        message.starts_with(&path.display().to_string()),
        "{message}"
    );
    if let Some(line) = error.line {
        assert!(message.contains(&format!(":{line}: ")), "{message}");
    }
    error
}

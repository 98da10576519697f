//! The lessons as a web book: built with a pinned mdBook, warnings as
//! errors, and checked page by page in headless Chromium.
//!
//! Three steps, each a function the command line (`src/main.rs`) and the
//! tests share:
//!
//! - [`build`] runs `mdbook build` on a book (the course's is `book.toml`
//!   at the repository root, written to `target/book`) and fails on any
//!   line mdBook prints that is not an `INFO` line: a warning is an error.
//! - [`browser_check`] runs `book/browser/check.mjs` under node, which
//!   opens every page of a built book in Debian's Chromium (driven by
//!   playwright-core) and reports each problem as `PAGE: what is wrong`.
//! - [`require_mdbook`], [`require_browser_tools`] find the tools, and
//!   fail, never skip, when one is missing, saying how to install it.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};

/// The mdBook release the book is built with. Another version may render
/// differently or reject the configuration, so any other is refused.
pub const MDBOOK_VERSION: &str = "0.5.4";

/// How to install [`MDBOOK_VERSION`] from the crate registry (what
/// `.ci/run` does). `search` is the only feature the book needs.
pub const MDBOOK_INSTALL: &str =
    "cargo install mdbook --version 0.5.4 --locked --no-default-features --features search";

/// Where Debian's `chromium` package puts the browser; `CHROMIUM` in the
/// environment names another.
pub const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

/// How to install the browser (what `.ci/run` does when it is missing).
pub const CHROMIUM_INSTALL: &str = "apt-get install -y chromium";

/// The repository's root: this crate sits in `book/`.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("book/ has a parent directory")
        .to_path_buf()
}

/// Where the course's book is written (`build-dir` in `book.toml`).
pub fn book_dir(root: &Path) -> PathBuf {
    root.join("target").join("book")
}

/// Where the browser check leaves one screenshot per page.
pub fn screenshot_dir(root: &Path) -> PathBuf {
    root.join("target").join("book-screenshots")
}

/// The browser check's own directory: `check.mjs`, `package.json`,
/// `package-lock.json`, `search-terms.json`, and `node_modules/` once
/// `npm ci` has run there.
pub fn browser_dir(root: &Path) -> PathBuf {
    root.join("book").join("browser")
}

/// The `file://` URL of an absolute path, with every byte outside the
/// unreserved set and `/` percent-encoded, so that a path with spaces
/// still opens.
pub fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for byte in path.as_os_str().as_encoded_bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                url.push(char::from(*byte))
            }
            other => url.push_str(&format!("%{other:02X}")),
        }
    }
    url
}

/// What went wrong, worded so that the reader can act on it.
#[derive(Debug)]
#[non_exhaustive]
pub enum BookError {
    /// No `mdbook` on `PATH`.
    MdbookMissing,
    /// `mdbook --version` printed something other than the pinned version.
    MdbookWrongVersion {
        /// What it printed.
        found: String,
    },
    /// mdBook exited with a failure.
    MdbookFailed {
        /// Its exit status.
        status: ExitStatus,
        /// Every line it printed that is not an `INFO` line.
        lines: Vec<String>,
    },
    /// mdBook succeeded but printed warnings (or anything but `INFO`).
    MdbookWarnings {
        /// Each such line, as printed.
        lines: Vec<String>,
    },
    /// No `node` on `PATH`.
    NodeMissing,
    /// No browser at the path the check would drive.
    ChromiumMissing {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// `npm ci` has not been run in `book/browser`.
    PlaywrightMissing {
        /// The directory to run it in.
        dir: PathBuf,
    },
    /// The book to check has not been built.
    BookMissing {
        /// Where its first page should be.
        index: PathBuf,
    },
    /// `lab/build-wasm.sh` failed (it printed why).
    LabBuildFailed {
        /// Its exit status.
        status: ExitStatus,
    },
    /// The live lab's browser test failed (it printed each failed case).
    LabCheckFailed {
        /// Its exit status.
        status: ExitStatus,
    },
    /// The browser check ran and found problems (it printed each one).
    CheckFailed {
        /// Its exit status.
        status: ExitStatus,
    },
    /// A program could not be started or a file not read.
    Io {
        /// What was being done.
        what: String,
        /// Why it failed.
        error: io::Error,
    },
}

impl fmt::Display for BookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BookError::MdbookMissing => write!(
                f,
                "mdbook is not on PATH; the book is built with mdBook {MDBOOK_VERSION}: {MDBOOK_INSTALL}"
            ),
            BookError::MdbookWrongVersion { found } => write!(
                f,
                "`mdbook --version` printed {found:?}, but the book is built with mdBook \
                 {MDBOOK_VERSION} exactly: {MDBOOK_INSTALL}"
            ),
            BookError::MdbookFailed { status, lines } => {
                write!(f, "mdbook build failed ({status})")?;
                for line in lines {
                    write!(f, "\n  {line}")?;
                }
                Ok(())
            }
            BookError::MdbookWarnings { lines } => {
                write!(
                    f,
                    "mdbook build printed {} line(s) other than INFO; a warning is an error here:",
                    lines.len()
                )?;
                for line in lines {
                    write!(f, "\n  {line}")?;
                }
                Ok(())
            }
            BookError::NodeMissing => write!(
                f,
                "node is not on PATH; the browser check runs under Node.js 20 or later, with npm"
            ),
            BookError::ChromiumMissing { path } => write!(
                f,
                "no browser at {} (set CHROMIUM to use another): {CHROMIUM_INSTALL}",
                path.display()
            ),
            BookError::PlaywrightMissing { dir } => write!(
                f,
                "playwright-core is not installed in {}: run `npm ci` there",
                dir.display()
            ),
            BookError::BookMissing { index } => write!(
                f,
                "{} does not exist: build the book first (cargo run -p learn-mtls-book -- build)",
                index.display()
            ),
            BookError::CheckFailed { status } if status.code() == Some(1) => {
                write!(f, "the browser check found problems; each is listed above")
            }
            BookError::CheckFailed { status } => write!(
                f,
                "the browser check could not run ({status}); its message is above"
            ),
            BookError::LabBuildFailed { status } => write!(
                f,
                "lab/build-wasm.sh failed ({status}): the live lab's WebAssembly was not added; its message is above"
            ),
            BookError::LabCheckFailed { status } if status.code() == Some(1) => write!(
                f,
                "the live lab's browser test failed; each failed case is listed above"
            ),
            BookError::LabCheckFailed { status } => write!(
                f,
                "the live lab's browser test could not run ({status}); its message is above"
            ),
            BookError::Io { what, error } => write!(f, "{what}: {error}"),
        }
    }
}

impl std::error::Error for BookError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BookError::Io { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Finds a program on `PATH` (the first executable file of that name).
pub fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// The version `mdbook --version` reports: it prints `mdbook v0.5.4`.
/// `None` when the line has another shape.
pub fn parse_mdbook_version(printed: &str) -> Option<&str> {
    let rest = printed.trim().strip_prefix("mdbook ")?;
    let version = rest.strip_prefix('v').unwrap_or(rest);
    (!version.is_empty() && !version.contains(char::is_whitespace)).then_some(version)
}

/// The `mdbook` on `PATH`, once it has said it is [`MDBOOK_VERSION`].
///
/// # Errors
/// [`BookError::MdbookMissing`] or [`BookError::MdbookWrongVersion`], both
/// naming the install command.
pub fn require_mdbook() -> Result<PathBuf, BookError> {
    let mdbook = find_on_path("mdbook").ok_or(BookError::MdbookMissing)?;
    let output = Command::new(&mdbook)
        .arg("--version")
        .output()
        .map_err(|error| BookError::Io {
            what: format!("running {} --version", mdbook.display()),
            error,
        })?;
    let printed = String::from_utf8_lossy(&output.stdout).trim().to_string();
    match parse_mdbook_version(&printed) {
        Some(MDBOOK_VERSION) if output.status.success() => Ok(mdbook),
        _ => Err(BookError::MdbookWrongVersion { found: printed }),
    }
}

/// The lines of mdBook's output that are not `INFO` lines: warnings,
/// errors, and the continuation lines of a multi-line message (which have
/// no level of their own), in the order printed. Blank lines are dropped.
pub fn non_info_lines(output: &str) -> Vec<String> {
    output
        .lines()
        .filter(|line| !line.trim().is_empty())
        .filter(|line| !line.trim_start().starts_with("INFO "))
        .map(str::to_string)
        .collect()
}

/// Builds the book whose `book.toml` is in `book_root` with the pinned
/// mdBook. `dest` overrides the book's `build-dir` (the tests build their
/// own small books into temporary directories).
///
/// # Errors
/// Whatever [`require_mdbook`] returns; [`BookError::MdbookFailed`] when
/// mdBook fails; [`BookError::MdbookWarnings`] when it succeeds but prints
/// anything other than `INFO` lines.
pub fn build(book_root: &Path, dest: Option<&Path>) -> Result<(), BookError> {
    let mdbook = require_mdbook()?;
    let mut command = Command::new(&mdbook);
    command.arg("build").arg(book_root);
    if let Some(dest) = dest {
        command.arg("--dest-dir").arg(dest);
    }
    // mdBook's log level is its own default (INFO); a caller's RUST_LOG or
    // MDBOOK_LOG must not hide its warnings or add lines.
    command.env_remove("RUST_LOG").env_remove("MDBOOK_LOG");
    let output = command.output().map_err(|error| BookError::Io {
        what: format!("running {} build", mdbook.display()),
        error,
    })?;
    let mut printed = String::from_utf8_lossy(&output.stderr).into_owned();
    printed.push('\n');
    printed.push_str(&String::from_utf8_lossy(&output.stdout));
    let lines = non_info_lines(&printed);
    if !output.status.success() {
        return Err(BookError::MdbookFailed {
            status: output.status,
            lines,
        });
    }
    if !lines.is_empty() {
        return Err(BookError::MdbookWarnings { lines });
    }
    Ok(())
}

/// The browser to drive: `CHROMIUM` from the environment, or
/// [`DEFAULT_CHROMIUM`].
pub fn chromium_path() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_CHROMIUM))
}

/// The tools the browser check runs: `node`, playwright-core installed by
/// `npm ci` in `browser_dir`, and the browser.
///
/// # Errors
/// [`BookError::NodeMissing`], [`BookError::PlaywrightMissing`] or
/// [`BookError::ChromiumMissing`]: a missing tool fails the check, it
/// never skips it.
pub fn require_browser_tools(browser_dir: &Path) -> Result<(PathBuf, PathBuf), BookError> {
    let node = find_on_path("node").ok_or(BookError::NodeMissing)?;
    let playwright = browser_dir
        .join("node_modules")
        .join("playwright-core")
        .join("package.json");
    if !playwright.is_file() {
        return Err(BookError::PlaywrightMissing {
            dir: browser_dir.to_path_buf(),
        });
    }
    let chromium = chromium_path();
    if !is_executable(&chromium) {
        return Err(BookError::ChromiumMissing { path: chromium });
    }
    Ok((node, chromium))
}

/// What the browser check is run on.
#[derive(Debug, Clone)]
pub struct CheckTarget {
    /// The built book (its `index.html` is the first page).
    pub book: PathBuf,
    /// Where each page's screenshot goes (emptied first).
    pub screenshots: PathBuf,
    /// The search terms, one per chapter page (`book/browser/search-terms.json`).
    pub terms: PathBuf,
}

/// The command that runs the browser check (`check.mjs` in `browser_dir`)
/// over a built book, once the tools it needs are there. Run it with its
/// output inherited ([`browser_check`]) or captured (the tests).
///
/// # Errors
/// Whatever [`require_browser_tools`] returns; [`BookError::BookMissing`]
/// when the book has no `index.html`.
pub fn browser_check_command(
    browser_dir: &Path,
    target: &CheckTarget,
) -> Result<Command, BookError> {
    let (node, chromium) = require_browser_tools(browser_dir)?;
    let index = target.book.join("index.html");
    if !index.is_file() {
        return Err(BookError::BookMissing { index });
    }
    let mut command = Command::new(node);
    command.arg(browser_dir.join("check.mjs"));
    for (flag, value) in [
        ("--book", target.book.as_os_str()),
        ("--screenshots", target.screenshots.as_os_str()),
        ("--terms", target.terms.as_os_str()),
        ("--chromium", chromium.as_os_str()),
    ] {
        command.arg(flag).arg(value);
    }
    Ok(command)
}

/// Runs `command` (a script at `script`) with its output inherited: `Ok`
/// if it exits 0, else `failed` of its status. The one way the commands
/// below run their programs.
fn run_script(
    mut command: Command,
    script: &Path,
    failed: fn(ExitStatus) -> BookError,
) -> Result<(), BookError> {
    let status = command.status().map_err(|error| BookError::Io {
        what: format!("running {}", script.display()),
        error,
    })?;
    if status.success() {
        Ok(())
    } else {
        Err(failed(status))
    }
}

/// Runs the browser check over a built book. Its report, one line per
/// problem, goes to this process's standard output as it is printed.
///
/// # Errors
/// Whatever [`browser_check_command`] returns; [`BookError::CheckFailed`]
/// when the check reports any problem or cannot run.
pub fn browser_check(browser_dir: &Path, target: &CheckTarget) -> Result<(), BookError> {
    let command = browser_check_command(browser_dir, target)?;
    run_script(command, &browser_dir.join("check.mjs"), |status| {
        BookError::CheckFailed { status }
    })
}

/// Builds the live lab's WebAssembly (crate `lab/`) and writes it into the
/// built book as `lab/mtls-lab-wasm.js`, the script the lab's pages load
/// (a page opened as `file://` cannot fetch a `.wasm` file).
///
/// # Errors
/// [`BookError::Io`] if bash cannot start; [`BookError::LabBuildFailed`]
/// when `lab/build-wasm.sh` fails.
pub fn add_live_lab(root: &Path, book: &Path) -> Result<(), BookError> {
    let script = root.join("lab").join("build-wasm.sh");
    let mut command = Command::new("bash");
    command
        .arg(&script)
        .arg(book.join("lab").join("mtls-lab-wasm.js"))
        .current_dir(root);
    run_script(command, &script, |status| BookError::LabBuildFailed {
        status,
    })
}

/// Runs the live lab's contract in headless Chromium
/// (`book/browser/lab-test.mjs`) over the built book's Lesson 11 and 13
/// pages, with the tools the page check uses.
///
/// # Errors
/// Whatever [`require_browser_tools`] returns; [`BookError::LabCheckFailed`]
/// when a case fails or the test cannot run.
pub fn lab_check(browser_dir: &Path, book: &Path) -> Result<(), BookError> {
    let (node, chromium) = require_browser_tools(browser_dir)?;
    let script = browser_dir.join("lab-test.mjs");
    let mut command = Command::new(node);
    command
        .arg(&script)
        .arg(book)
        .arg("--chromium")
        .arg(chromium);
    run_script(command, &script, |status| BookError::LabCheckFailed {
        status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_line_mdbook_prints_is_read() {
        assert_eq!(parse_mdbook_version("mdbook v0.5.4\n"), Some("0.5.4"));
        assert_eq!(parse_mdbook_version("mdbook 0.4.52"), Some("0.4.52"));
        assert_eq!(parse_mdbook_version("mdbook-i18n 1.0"), None);
        assert_eq!(parse_mdbook_version(""), None);
    }

    #[test]
    fn only_info_lines_pass() {
        let printed = " INFO Book building has started\n \
                       INFO Running the html backend\n \
                       WARN unclosed HTML tag `<div>` found in `a.md` while exiting Item\n\
                       HTML tags must be closed before exiting a markdown element.\n\
                       \n \
                       INFO HTML book written to `/tmp/book`\n\
                       ERROR Renderer exited with non-zero return code.\n";
        assert_eq!(
            non_info_lines(printed),
            [
                " WARN unclosed HTML tag `<div>` found in `a.md` while exiting Item",
                "HTML tags must be closed before exiting a markdown element.",
                "ERROR Renderer exited with non-zero return code.",
            ]
        );
        assert!(non_info_lines(" INFO a\n INFO b\n").is_empty());
    }

    #[test]
    fn file_urls_are_percent_encoded() {
        assert_eq!(
            file_url(Path::new("/work/my book/target/book/index.html")),
            "file:///work/my%20book/target/book/index.html"
        );
        assert_eq!(file_url(Path::new("/a/é")), "file:///a/%C3%A9");
    }

    #[test]
    fn a_wrong_version_names_the_install_command() {
        let message = BookError::MdbookWrongVersion {
            found: "mdbook v0.4.40".into(),
        }
        .to_string();
        assert!(message.contains("0.4.40"), "{message}");
        assert!(message.contains(MDBOOK_INSTALL), "{message}");
        assert!(
            BookError::MdbookMissing
                .to_string()
                .contains(MDBOOK_INSTALL)
        );
    }
}

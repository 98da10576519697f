//! The book's two gates catch what they are for, on small books made to
//! fail (`tests/broken-book/`, `tests/warning-book/`):
//!
//! - a warning from mdBook fails the build, and the message shows the line;
//! - the browser check, in real headless Chromium, reports each planted
//!   problem with its page (a broken anchor, a missing page, a link out of
//!   the book, a missing image, an image from the network, a missing
//!   script, a console error, an uncaught exception, an unknown code
//!   language, a search term that finds nothing, a page with no term, a
//!   term for a page that does not exist), and nothing on the clean page,
//!   whose image, anchors, highlighted code and search all work.
//!
//! mdBook 0.5.4, node with playwright-core (`npm ci` in book/browser) and
//! Chromium must be installed: without them these tests fail, naming what
//! is missing; they never skip. `cargo run -p learn-mtls-book -- check`
//! runs the same check over the course's own book.

use std::fs;
use std::path::{Path, PathBuf};

use learn_mtls_book::{BookError, CheckTarget, browser_check_command, browser_dir, build};

/// A scratch directory, removed when dropped (also when a test fails).
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("learn-mtls-book-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("a scratch directory");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(name)
}

#[test]
fn a_warning_from_mdbook_fails_the_build_and_shows_the_line() {
    let scratch = Scratch::new("warning");
    match build(&fixture("warning-book"), Some(&scratch.0.join("book"))) {
        Err(BookError::MdbookWarnings { lines }) => {
            assert!(
                lines
                    .iter()
                    .any(|line| line.contains("WARN") && line.contains("unclosed HTML tag `<div>`")),
                "the warning line is shown: {lines:#?}"
            );
            assert!(
                lines.iter().all(|line| !line.contains("INFO")),
                "only the lines that are not INFO: {lines:#?}"
            );
        }
        other => panic!("a book that warns must fail to build, got {other:?}"),
    }
}

#[test]
fn the_browser_check_reports_each_planted_problem_with_its_page() {
    let scratch = Scratch::new("broken");
    let book = scratch.0.join("book");
    let broken = fixture("broken-book");
    if let Err(error) = build(&broken, Some(&book)) {
        panic!("the planted book builds cleanly (its problems show only in a browser): {error}");
    }
    let target = CheckTarget {
        book: book.clone(),
        screenshots: scratch.0.join("screenshots"),
        terms: broken.join("search-terms.json"),
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut command = match browser_check_command(&browser_dir(root), &target) {
        Ok(command) => command,
        Err(error) => panic!("the browser check cannot run: {error}"),
    };
    let output = command.output().expect("node runs");
    let report = String::from_utf8_lossy(&output.stdout);
    let errors = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "problems found means exit status 1\nstdout:\n{report}\nstderr:\n{errors}"
    );

    let expected = [
        r#"broken.html: link "a heading that does not exist" (href="clean.html#no-such-heading"): clean.html has no element with id "no-such-heading""#,
        r#"broken.html: link "a page that does not exist" (href="missing.html"): missing.html does not exist in the book"#,
        r#"broken.html: link "leaves the book" (href="../../../outside.html") leads outside the book"#,
        "broken.html: image does not load: figures/nope.svg",
        "broken.html: request failed: figures/nope.svg (image, net::ERR_FILE_NOT_FOUND)",
        "broken.html: request leaves the book: https://example.invalid/figure.png (image)",
        "broken.html: script does not exist: nope.js",
        "broken.html: request failed: nope.js (script, net::ERR_FILE_NOT_FOUND)",
        "broken.html: console error: planted console error (at broken.html:",
        "broken.html: uncaught exception: planted exception",
        "broken.html: code block in a language the book's highlight.js does not know: ```nosuchlang block",
        r#"broken.html: search for "zyzzyva" (from search-terms.json) does not list this page; it lists nothing"#,
        "untermed.html: no search term for this page in search-terms.json",
        "gone.html: search-terms.json names a page the book does not have",
        // print.html holds every chapter, rewritten to anchors of its own.
        r##"print.html: link "a heading that does not exist" (href="#no-such-heading"): print.html has no element with id "no-such-heading""##,
    ];
    let missing: Vec<&str> = expected
        .iter()
        .copied()
        .filter(|line| !report.lines().any(|reported| reported.starts_with(line)))
        .collect();
    assert!(
        missing.is_empty(),
        "not reported:\n{}\n\nthe report:\n{report}",
        missing.join("\n")
    );

    let clean: Vec<&str> = report
        .lines()
        .filter(|line| line.starts_with("clean.html:") || line.starts_with("toc.html:"))
        .collect();
    assert!(
        clean.is_empty(),
        "the clean pages have no problem: {clean:#?}"
    );
    let summary = report.lines().last().unwrap_or_default();
    assert!(
        summary.starts_with("book check: 7 pages,") && summary.contains("2 searches"),
        "every page is opened and every term searched: {summary}"
    );

    for page in [
        "broken", "clean", "untermed", "index", "print", "toc", "404",
    ] {
        let shot = target.screenshots.join(format!("{page}.png"));
        let bytes = fs::read(&shot).unwrap_or_else(|e| panic!("{}: {e}", shot.display()));
        assert!(bytes.starts_with(b"\x89PNG"), "{} is a PNG", shot.display());
    }
}

//! `cargo run -p learn-mtls-book -- COMMAND`: builds the lessons as a web
//! book, checks it in headless Chromium, or opens it. See book/README.md.

#![forbid(unsafe_code)]

use std::path::Path;
use std::process::{Command, ExitCode};

use learn_mtls_book::{
    BookError, CheckTarget, add_live_lab, book_dir, browser_check, browser_dir, build, file_url,
    find_on_path, lab_check, repo_root, screenshot_dir,
};

const USAGE: &str = "\
usage: cargo run -p learn-mtls-book -- COMMAND

commands:
  build   build the book (book.toml, lessons/) into target/book with mdBook 0.5.4
          (any warning mdBook prints fails the build), then the live lab's
          WebAssembly (lab/build-wasm.sh)
  check   build, then open every page of target/book in headless Chromium and
          report each problem as `PAGE: what is wrong` (screenshots of every
          page in target/book-screenshots/), then run the live lab's contract
          (book/browser/lab-test.mjs); exits 1 if there is any problem
  open    build, print the file:// URL of the first page, and open it with
          xdg-open when there is a display
  help    this text";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = repo_root();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["build"] => build_course_book(&root),
        ["check"] => build_course_book(&root).and_then(|()| check_course_book(&root)),
        ["open"] => build_course_book(&root).map(|()| open_course_book(&root)),
        ["help"] | ["--help"] | ["-h"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("learn-mtls-book: {error}");
            ExitCode::FAILURE
        }
    }
}

/// mdBook over `book.toml` at the root, into its `build-dir` (target/book).
fn build_course_book(root: &Path) -> Result<(), BookError> {
    let started = std::time::Instant::now();
    build(root, None)?;
    // After mdBook, which empties target/book before it writes: the live
    // lab's WebAssembly, as the script its pages load.
    add_live_lab(root, &book_dir(root))?;
    println!(
        "book built: {} ({:.1} s)",
        book_dir(root).display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn check_course_book(root: &Path) -> Result<(), BookError> {
    let browser = browser_dir(root);
    let target = CheckTarget {
        book: book_dir(root),
        screenshots: screenshot_dir(root),
        terms: browser.join("search-terms.json"),
    };
    browser_check(&browser, &target)?;
    lab_check(&browser, &target.book)
}

fn open_course_book(root: &Path) {
    let url = file_url(&book_dir(root).join("index.html"));
    println!("{url}");
    let display = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()));
    match find_on_path("xdg-open") {
        Some(xdg_open) if display => {
            if let Err(error) = Command::new(xdg_open).arg(&url).spawn() {
                eprintln!("xdg-open could not start ({error}): open the URL above in a browser");
            }
        }
        _ => eprintln!("open the URL above in a browser"),
    }
}

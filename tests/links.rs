//! Every relative link in the course texts (`lessons/*.md`, the README and
//! `exercises/README.md`) points at a file that exists, and every `#anchor`
//! at a heading that exists, using the heading ids GitHub and mdBook both
//! generate. The exercises point back at the lessons: every
//! `lessons/FILE.md#anchor` in an exercise file resolves, every section in
//! `exercises/info.toml` is a heading of its lesson, and every exercise is
//! named ("exercise N.M") in its lesson, and only those that exist.
//!
//! A broken link is reported as `FILE:LINE`, all of them at once.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The pages whose links are checked: the README and every lesson page.
fn pages(root: &Path) -> Vec<PathBuf> {
    let mut pages: Vec<PathBuf> = fs::read_dir(root.join("lessons"))
        .expect("lessons/ is readable")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    pages.insert(0, root.join("README.md"));
    pages.push(root.join("exercises").join("README.md"));
    pages
}

/// A line that opens or closes a fenced code block (```` ``` ```` or `~~~`,
/// indented by at most three spaces).
fn is_fence(line: &str) -> bool {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = line.trim_start_matches(' ');
    indent <= 3 && (rest.starts_with("```") || rest.starts_with("~~~"))
}

/// The lines outside fenced code blocks, numbered from 1. Lines inside a
/// block (a Rust example's `# ` lines, a shell prompt) are neither
/// headings nor links.
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut in_block = false;
    let mut prose = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if is_fence(line) {
            in_block = !in_block;
        } else if !in_block {
            prose.push((index + 1, line));
        }
    }
    prose
}

/// `line` with its inline code spans (`` `like this` ``) blanked out, so a
/// `[x](y)` shown as code is not taken for a link.
fn without_code_spans(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        out.push_str(&rest[..start]);
        let ticks = rest[start..].len() - rest[start..].trim_start_matches('`').len();
        let after = &rest[start + ticks..];
        match after.find(&"`".repeat(ticks)) {
            Some(end) => rest = &after[end + ticks..],
            None => {
                // An unmatched backtick is a literal backtick.
                out.push_str(&rest[start..start + ticks]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The heading id GitHub and mdBook generate: lowercase; letters, digits,
/// `-` and `_` kept; each space becomes `-`; everything else dropped.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors a page defines: one per heading (a repeated heading gets
/// `-1`, `-2`, ... as on GitHub), and any explicit `id="..."`.
fn anchors(text: &str) -> HashSet<String> {
    let mut anchors = HashSet::new();
    for (_, line) in prose_lines(text) {
        let hashes = line.len() - line.trim_start_matches('#').len();
        if (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
            let title = line[hashes..].trim().trim_end_matches('#');
            let base = slug(title);
            let mut id = base.clone();
            let mut n = 0;
            while anchors.contains(&id) {
                n += 1;
                id = format!("{base}-{n}");
            }
            anchors.insert(id);
        }
        let mut rest = line;
        while let Some(at) = rest.find("id=\"") {
            rest = &rest[at + 4..];
            if let Some(end) = rest.find('"') {
                anchors.insert(rest[..end].to_string());
                rest = &rest[end..];
            }
        }
    }
    anchors
}

/// The link targets on one line: inline links and images `[text](target)`
/// and reference definitions `[label]: target`.
fn link_targets(line: &str) -> Vec<String> {
    let line = without_code_spans(line);
    let mut targets = Vec::new();
    let trimmed = line.trim_start();
    if trimmed.starts_with('[')
        && let Some(close) = trimmed.find("]:")
    {
        if let Some(target) = trimmed[close + 2..].split_whitespace().next() {
            targets.push(target.to_string());
        }
    }
    let mut rest = line.as_str();
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        // The target ends at the matching ')'.
        let mut depth = 0usize;
        let mut end = rest.len();
        for (i, c) in rest.char_indices() {
            match c {
                '(' => depth += 1,
                ')' if depth == 0 => {
                    end = i;
                    break;
                }
                ')' => depth -= 1,
                _ => {}
            }
        }
        let inside = &rest[..end];
        // A title may follow the target: [text](target "title").
        if let Some(target) = inside.split_whitespace().next() {
            targets.push(
                target
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string(),
            );
        }
        rest = &rest[end..];
    }
    targets
}

/// Checks every link of `page` (whose text is `text`); returns one line
/// per broken link, `FILE:LINE: ...`, with paths shown relative to `root`.
fn check_page(root: &Path, page: &Path, text: &str) -> Vec<String> {
    let shown = |path: &Path| {
        path.strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string()
    };
    let dir = page.parent().expect("a page is in a directory");
    let mut broken = Vec::new();
    for (number, line) in prose_lines(text) {
        for target in link_targets(line) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue; // Not relative: the network is not checked here.
            }
            let (path_part, anchor) = match target.split_once('#') {
                Some((path, anchor)) => (path, Some(anchor)),
                None => (target.as_str(), None),
            };
            let file = if path_part.is_empty() {
                page.to_path_buf()
            } else {
                dir.join(path_part)
            };
            let at = format!("{}:{number}", shown(page));
            if file != page && !file.exists() {
                broken.push(format!(
                    "{at}: link `{target}`: no such file {}",
                    shown(&file)
                ));
                continue;
            }
            let Some(anchor) = anchor else { continue };
            if file.extension().is_none_or(|e| e != "md") {
                continue; // Anchors are checked in Markdown pages only.
            }
            let target_text = if file == page {
                text.to_string()
            } else {
                fs::read_to_string(&file).unwrap_or_default()
            };
            if !anchors(&target_text).contains(anchor) {
                broken.push(format!(
                    "{at}: link `{target}`: {} has no heading with the id `{anchor}`",
                    shown(&file)
                ));
            }
        }
    }
    broken
}

#[test]
fn every_relative_link_and_anchor_in_the_course_resolves() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let pages = pages(&root);
    assert!(pages.len() > 5, "the lesson pages were not found");
    let mut broken = Vec::new();
    let mut checked = 0;
    for page in &pages {
        let text = fs::read_to_string(page).expect("a page is readable UTF-8");
        checked += prose_lines(&text)
            .iter()
            .map(|(_, line)| link_targets(line).len())
            .sum::<usize>();
        broken.extend(check_page(&root, page, &text));
    }
    assert!(
        checked > 50,
        "only {checked} links found: is the parser broken?"
    );
    assert!(
        broken.is_empty(),
        "{} broken link(s):\n{}",
        broken.len(),
        broken.join("\n")
    );
}

#[test]
fn heading_ids_follow_github_and_mdbook() {
    assert_eq!(slug("The checks, in order"), "the-checks-in-order");
    assert_eq!(
        slug("5. Why TLS 1.3 moved to HKDF"),
        "5-why-tls-13-moved-to-hkdf"
    );
    assert_eq!(
        slug("1. P_hash: a stream of bytes from HMAC"),
        "1-p_hash-a-stream-of-bytes-from-hmac"
    );
    assert_eq!(slug("The `lesson11` binding"), "the-lesson11-binding");
    assert_eq!(
        slug("Key confirmation (transcript binding)"),
        "key-confirmation-transcript-binding"
    );
    assert_eq!(
        slug("3 to 5. The attacks both bindings stop"),
        "3-to-5-the-attacks-both-bindings-stop"
    );
}

#[test]
fn a_broken_link_is_reported_with_its_file_and_line() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let page = root.join("lessons").join("a-page-under-test.md");
    let text = "# A page\n\
                \n\
                Fine: [map](README.md), [here](#a-page), [spec](11-specification.md#records).\n\
                ```rust\n\
                # let not_a_heading = [x](nowhere.md);\n\
                ```\n\
                Shown as code, not a link: `[x](nowhere.md)`.\n\
                Broken: [gone](no-such-page.md) and [anchor](11-specification.md#no-such-heading).\n\
                [self](#missing)\n";
    let broken = check_page(&root, &page, text);
    assert_eq!(broken.len(), 3, "{broken:#?}");
    assert!(
        broken[0].starts_with("lessons/a-page-under-test.md:8: link `no-such-page.md`"),
        "{}",
        broken[0]
    );
    assert!(
        broken[1].starts_with(
            "lessons/a-page-under-test.md:8: link `11-specification.md#no-such-heading`"
        ),
        "{}",
        broken[1]
    );
    assert!(
        broken[2].starts_with("lessons/a-page-under-test.md:9: link `#missing`"),
        "{}",
        broken[2]
    );
}

/// The headings of a Markdown page, as written (outside code blocks).
fn headings(text: &str) -> Vec<String> {
    prose_lines(text)
        .into_iter()
        .filter_map(|(_, line)| {
            let hashes = line.len() - line.trim_start_matches('#').len();
            ((1..=6).contains(&hashes) && line[hashes..].starts_with(' ')).then(|| {
                line[hashes..]
                    .trim()
                    .trim_end_matches('#')
                    .trim()
                    .to_string()
            })
        })
        .collect()
}

/// The `.rs` files under `dir`, recursively.
fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("a readable directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// `exercises/info.toml` as (line, id, lesson, section), one per exercise.
fn exercise_entries(root: &Path) -> Vec<(usize, String, String, String)> {
    let text = fs::read_to_string(root.join("exercises").join("info.toml"))
        .expect("exercises/info.toml is readable");
    let value = |line: &str, key: &str| {
        line.strip_prefix(key)
            .and_then(|rest| rest.trim().strip_prefix('='))
            .map(|v| v.trim().trim_matches('"').replace("\\\"", "\""))
    };
    let mut entries: Vec<(usize, String, String, String)> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim() == "[[exercise]]" {
            entries.push((index + 1, String::new(), String::new(), String::new()));
        } else if let Some(entry) = entries.last_mut() {
            if let Some(v) = value(line, "id") {
                entry.1 = v;
            } else if let Some(v) = value(line, "lesson") {
                entry.2 = v;
            } else if let Some(v) = value(line, "section") {
                entry.3 = v;
            }
        }
    }
    entries
}

/// The exercise IDs a lesson names in its prose ("exercise 10.1",
/// "exercise\n11.5"), outside code blocks.
fn named_exercises(text: &str) -> Vec<String> {
    let prose: Vec<&str> = prose_lines(text).into_iter().map(|(_, l)| l).collect();
    let joined = prose.join(" ");
    let words: Vec<&str> = joined.split_whitespace().collect();
    words
        .windows(2)
        .filter(|pair| pair[0].eq_ignore_ascii_case("exercise"))
        .filter_map(|pair| {
            let id: String = pair[1]
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let id = id.trim_end_matches('.');
            let (lesson, number) = id.split_once('.')?;
            (!lesson.is_empty() && !number.is_empty()).then(|| id.to_string())
        })
        .collect()
}

#[test]
fn the_exercises_and_the_lessons_point_at_each_other() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut broken = Vec::new();

    // 1. Every `lessons/FILE.md#anchor` in an exercise file resolves.
    let mut files = Vec::new();
    for dir in ["src", "solutions"] {
        rust_files(&root.join("exercises").join(dir), &mut files);
    }
    files.sort();
    let mut references = 0;
    for file in &files {
        let text = fs::read_to_string(file).expect("a readable exercise file");
        for (index, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(at) = rest.find("lessons/") {
                let reference: String = rest[at..]
                    .chars()
                    .take_while(|c| !matches!(c, '`' | ' ' | ')' | '"' | ','))
                    .collect();
                rest = &rest[at + reference.len().max(1)..];
                let Some((page, anchor)) = reference.split_once('#') else {
                    continue;
                };
                references += 1;
                let at = format!(
                    "{}:{}",
                    file.strip_prefix(&root).unwrap_or(file).display(),
                    index + 1
                );
                match fs::read_to_string(root.join(page)) {
                    Err(_) => broken.push(format!("{at}: `{reference}`: no such file {page}")),
                    Ok(page_text) if !anchors(&page_text).contains(anchor) => broken.push(format!(
                        "{at}: `{reference}`: {page} has no heading with the id `{anchor}`"
                    )),
                    Ok(_) => {}
                }
            }
        }
    }
    assert!(
        references >= files.len(),
        "only {references} lesson references in {} exercise files: does every stub link its lesson?",
        files.len()
    );

    // 2. info.toml: each section is a heading of its lesson, and the lesson
    //    names the exercise.
    let entries = exercise_entries(&root);
    assert!(
        entries.len() > 10,
        "exercises/info.toml lists too few exercises"
    );
    let mut known = HashSet::new();
    for (line, id, lesson, section) in &entries {
        known.insert(id.clone());
        let at = format!("exercises/info.toml:{line}");
        let Ok(text) = fs::read_to_string(root.join(lesson)) else {
            broken.push(format!("{at}: exercise {id}: no such lesson {lesson}"));
            continue;
        };
        if !headings(&text).contains(section) {
            broken.push(format!(
                "{at}: exercise {id}: {lesson} has no heading \"{section}\""
            ));
        }
        if !named_exercises(&text).contains(id) {
            broken.push(format!(
                "{at}: exercise {id}: {lesson} never says \"exercise {id}\""
            ));
        }
    }

    // 3. Every exercise a lesson names exists.
    for page in pages(&root) {
        let text = fs::read_to_string(&page).expect("a page is readable UTF-8");
        for id in named_exercises(&text) {
            if id.starts_with("1") && id.len() >= 4 && !known.contains(&id) {
                broken.push(format!(
                    "{}: names exercise {id}, which exercises/info.toml does not list",
                    page.strip_prefix(&root).unwrap_or(&page).display()
                ));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "{} broken pointer(s) between the exercises and the lessons:\n{}",
        broken.len(),
        broken.join("\n")
    );
}

//! Recorded outputs that a lesson quotes word for word: the lesson's first
//! ` ```text ` block after its marker line is the record without its `#`
//! header, rewritten by a redraw and held by `--check`, so the quote
//! cannot drift from the measurement it shows.

use crate::repo_path;

/// One quote: the lesson, the line just before its block (so an edit
/// elsewhere in the lesson cannot move it), and the record it shows.
pub struct Quote {
    pub lesson: &'static str,
    pub after: &'static str,
    pub record: &'static str,
}

/// Every quoted record.
pub const QUOTES: &[Quote] = &[Quote {
    lesson: "lessons/11-on-a-device.md",
    after: "emulator talking, not the firmware):",
    record: "lessons/figures/data/firmware.txt",
}];

/// A record's output: its lines after the `#` header at its top.
pub fn body(record: &str) -> String {
    record
        .lines()
        .skip_while(|line| line.starts_with('#'))
        .map(|line| format!("{line}\n"))
        .collect()
}

/// `lesson` with the text block after the line `after` replaced by `body`.
///
/// # Errors
/// When `lesson` has no line `after` followed by a blank line and a
/// ` ```text ` block, has it more than once, or never closes the block
/// with a line of three backticks.
pub fn requote(lesson: &str, after: &str, body: &str) -> Result<String, String> {
    // Matched from the start of a line, the file's first line included.
    let marker = format!("\n{after}\n\n```text\n");
    let text = format!("\n{lesson}");
    let found = text.matches(&marker).count();
    if found != 1 {
        return Err(format!(
            "the line {after:?} followed by a ```text block is there {found} times, not once"
        ));
    }
    // In `lesson`, one byte shorter at the front than `text`.
    let start = text.find(&marker).unwrap_or_default() + marker.len() - 1;
    let mut len = 0;
    let mut closed = false;
    for line in lesson[start..].split_inclusive('\n') {
        if line.trim_end_matches('\n') == "```" {
            closed = true;
            break;
        }
        len += line.len();
    }
    if !closed {
        return Err(format!("the ```text block after {after:?} is never closed"));
    }
    Ok(format!(
        "{}{body}{}",
        &lesson[..start],
        &lesson[start + len..]
    ))
}

/// Each quote's lesson as it should read: (quote, lesson text now, text
/// it should have).
fn expected() -> Result<Vec<(&'static Quote, String, String)>, String> {
    QUOTES
        .iter()
        .map(|quote| {
            let read = |path: &str| {
                std::fs::read_to_string(repo_path(path)).map_err(|e| format!("{path}: {e}"))
            };
            let (lesson, record) = (read(quote.lesson)?, read(quote.record)?);
            let want = requote(&lesson, quote.after, &body(&record))
                .map_err(|e| format!("{}: {e}", quote.lesson))?;
            Ok((quote, lesson, want))
        })
        .collect()
}

/// `--check`: each lesson whose quote differs from its record.
pub fn stale() -> Vec<String> {
    match expected() {
        Err(e) => vec![e],
        Ok(all) => all
            .into_iter()
            .filter(|(_, now, want)| now != want)
            .map(|(quote, _, _)| {
                format!(
                    "{}: its quote of {} is stale (a redraw rewrites it)",
                    quote.lesson, quote.record
                )
            })
            .collect(),
    }
}

/// A redraw: rewrites each stale quote; says what it did.
///
/// # Errors
/// A lesson or record that cannot be read, has no block, or cannot be
/// written.
pub fn refresh() -> Result<(), String> {
    for (quote, now, want) in expected()? {
        if now == want {
            println!("unchanged {} (quotes {})", quote.lesson, quote.record);
            continue;
        }
        std::fs::write(repo_path(quote.lesson), want)
            .map_err(|e| format!("{}: {e}", quote.lesson))?;
        println!("wrote     {} (quotes {})", quote.lesson, quote.record);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quote_is_replaced_and_nothing_else() {
        let lesson = "intro\nthe output:\n\n```text\nold line\n```\n\nmore\n```text\nother\n```\n";
        let out = requote(lesson, "the output:", "new 1\nnew 2\n").unwrap();
        assert_eq!(
            out,
            "intro\nthe output:\n\n```text\nnew 1\nnew 2\n```\n\nmore\n```text\nother\n```\n"
        );
    }

    #[test]
    fn a_missing_marker_or_block_is_named() {
        let e = requote("no block here\n", "the output:", "x\n").unwrap_err();
        assert!(e.contains("\"the output:\""), "{e}");
        let e = requote(
            "the output:\n\n```text\nnever closed\n",
            "the output:",
            "x\n",
        )
        .unwrap_err();
        assert!(e.contains("never closed"), "{e}");
    }

    #[test]
    fn the_header_of_a_record_is_not_quoted() {
        assert_eq!(
            body("# recorded by\n# date\nline 1\n# not a header\nline 2\n"),
            "line 1\n# not a header\nline 2\n"
        );
    }

    #[test]
    fn the_marker_must_start_a_line_and_appear_once() {
        let twice = "out:\n\n```text\na\n```\nout:\n\n```text\nb\n```\n";
        let e = requote(twice, "out:", "x\n").unwrap_err();
        assert!(e.contains("2 times"), "{e}");
        let inside = "see the output:\n\n```text\na\n```\n";
        let e = requote(inside, "output:", "x\n").unwrap_err();
        assert!(e.contains("0 times"), "{e}");
        // At the very start of the file it is found.
        assert_eq!(
            requote("out:\n\n```text\na\n```\n", "out:", "x\n").unwrap(),
            "out:\n\n```text\nx\n```\n"
        );
    }

    #[test]
    fn only_a_line_of_three_backticks_closes_the_block() {
        let lesson = "out:\n\n```text\nsays `x```\n````\nold\n```";
        assert_eq!(
            requote(lesson, "out:", "new\n").unwrap(),
            "out:\n\n```text\nnew\n```"
        );
        // An empty block is replaced too.
        assert_eq!(
            requote("out:\n\n```text\n```\n", "out:", "new\n").unwrap(),
            "out:\n\n```text\nnew\n```\n"
        );
    }

    #[test]
    fn every_quote_in_the_repository_is_current() {
        // The same check `--check` makes, so `cargo test` notices too.
        assert_eq!(stale(), Vec::<String>::new());
    }
}

//! The text format of the golden vector files in `tests/vectors/`:
//! `name = value` lines, `#` starting a comment line, blank lines ignored.
//! Read here once, for the tests that check the files and for the figures
//! (`figures/`) drawn from them.

/// One `name = value` line: its 1-based line number, name and value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line<'t> {
    pub number: usize,
    pub name: &'t str,
    pub value: &'t str,
}

/// Every value line of `text`, in order (a name may repeat, as the
/// `armour` lines of `lesson15-certificates.txt` do).
///
/// # Errors
/// The number of the first line that is neither blank, a comment nor
/// `name = value`.
pub fn lines(text: &str) -> Result<Vec<Line<'_>>, String> {
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, value) = line
            .split_once(" = ")
            .ok_or_else(|| format!("line {}: expected `name = value`", index + 1))?;
        out.push(Line {
            number: index + 1,
            name: name.trim(),
            value: value.trim(),
        });
    }
    Ok(out)
}

/// The value of the first line named `name`, if any.
pub fn value<'t>(text: &'t str, name: &str) -> Option<&'t str> {
    lines(text)
        .ok()?
        .into_iter()
        .find(|line| line.name == name)
        .map(|line| line.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_values_and_skips_comments() {
        let text = "# a comment\n\nm1 = 00ff\narmour = a\narmour = b\n";
        let all = lines(text).unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(
            (all[0].number, all[0].name, all[0].value),
            (3, "m1", "00ff")
        );
        assert_eq!(value(text, "armour"), Some("a"));
        assert_eq!(value(text, "m2"), None);
    }

    #[test]
    fn names_the_bad_line() {
        assert_eq!(
            lines("a = 1\nnot a value\n").unwrap_err(),
            "line 2: expected `name = value`"
        );
    }
}

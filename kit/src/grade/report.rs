//! One line per check, `PASS name` or `FAIL name: expected ..., got ...
//! (section)`, and a last line `N passed, M failed`; or the same as one
//! JSON object per line, written by hand (no serde: the first build of the
//! course stays light).

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

/// What was wrong, and where the lesson says what is right.
#[derive(Debug)]
pub struct Failure {
    pub expected: String,
    pub got: String,
    pub section: String,
}

/// A failing outcome.
pub fn fail(expected: impl Into<String>, got: impl Into<String>, section: &str) -> Failure {
    Failure {
        expected: expected.into(),
        got: got.into(),
        section: section.to_owned(),
    }
}

pub type Outcome = Result<(), Failure>;

pub struct Report {
    json: bool,
    passed: usize,
    failed: usize,
}

impl Report {
    pub fn new(json: bool) -> Self {
        Self {
            json,
            passed: 0,
            failed: 0,
        }
    }

    /// A line of information that is not a check (text mode only; in JSON
    /// an object with an `info` field).
    pub fn info(&self, text: &str) {
        if self.json {
            emit(&format!("{{\"info\":{}}}", quote(text)));
        } else {
            emit(text);
        }
    }

    pub fn record(&mut self, name: &str, outcome: &Outcome) {
        match outcome {
            Ok(()) => self.passed += 1,
            Err(_) => self.failed += 1,
        }
        let line = match (outcome, self.json) {
            (Ok(()), false) => format!("PASS {name}"),
            (Err(f), false) => format!(
                "FAIL {name}: expected {}, got {} ({})",
                f.expected, f.got, f.section
            ),
            (Ok(()), true) => format!("{{\"check\":{},\"result\":\"pass\"}}", quote(name)),
            (Err(f), true) => format!(
                "{{\"check\":{},\"result\":\"fail\",\"expected\":{},\"got\":{},\"section\":{}}}",
                quote(name),
                quote(&f.expected),
                quote(&f.got),
                quote(&f.section)
            ),
        };
        emit(&line);
    }

    /// The last line; success only if every check passed.
    pub fn finish(self) -> ExitCode {
        let line = if self.json {
            format!("{{\"passed\":{},\"failed\":{}}}", self.passed, self.failed)
        } else {
            format!("{} passed, {} failed", self.passed, self.failed)
        };
        emit(&line);
        if self.failed == 0 && self.passed > 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }
}

/// One line at once, so a grading script reading a pipe sees each check as it ends.
fn emit(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// A JSON string literal (RFC 8259 section 7).
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// How two byte strings differ, for a learner: lengths and the first offset.
pub fn diff(expected: &[u8], got: &[u8]) -> Option<String> {
    if expected == got {
        return None;
    }
    let first = expected
        .iter()
        .zip(got)
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(got.len()));
    let at = |bytes: &[u8]| match bytes.get(first) {
        Some(b) => format!("0x{b:02x}"),
        None => "the end".to_owned(),
    };
    Some(format!(
        "{} bytes where {} were expected, first difference at byte offset {first} ({} instead of {})",
        got.len(),
        expected.len(),
        at(got),
        at(expected)
    ))
}

/// A short, printable view of a message.
pub fn show(bytes: &[u8]) -> String {
    if bytes.len() <= 40 {
        format!("{:?}", String::from_utf8_lossy(bytes))
    } else {
        format!("{} bytes", bytes.len())
    }
}

/// Lowercase hex (the library's one encoder).
pub fn hex(bytes: &[u8]) -> String {
    learn_mtls::hex::Hex(bytes).to_string()
}

//! `exercises/info.toml`: the exercises in course order.
//!
//! A small subset of TOML, read by hand so the runner needs no crates:
//!
//! ```toml
//! [[exercise]]
//! id = "10.1"
//! name = "the X25519 shared secret"
//! file = "exercises/src/lesson10/shared_secret.rs"
//! lesson = "lessons/10-server-authentication.md"
//! section = "The two keys each side needs"
//! hint = "First paragraph of the hint."
//! hint = "Each further `hint` line is another paragraph."
//! ```
//!
//! An exercise with several files (a finale) has one `file` line per file,
//! the first being the one to start with.
//!
//! ```toml
//! ```
//!
//! Strings are in double quotes with `\"`, `\\` and `\n` escapes; `#`
//! starts a comment line.

/// One exercise.
#[derive(Clone, Debug)]
pub struct Exercise {
    /// Its ID, such as `10.1`.
    pub id: String,
    /// What it builds, in a few words.
    pub name: String,
    /// The file the learner edits, relative to the repository root: the
    /// first of [`Exercise::files`].
    pub file: String,
    /// Every file of the exercise (a finale may have two): one `file` line each.
    pub files: Vec<String>,
    /// The lesson file, relative to the repository root.
    pub lesson: String,
    /// The lesson section it belongs to.
    pub section: String,
    /// The hint, one paragraph per `hint` line.
    pub hint: String,
}

/// Where the learner files live; `exercises/solutions/` mirrors it.
const SOURCE_DIR: &str = "exercises/src/";

impl Exercise {
    /// The reference solution of `file`, relative to the repository root.
    pub fn solution_of(file: &str) -> String {
        format!(
            "exercises/solutions/{}",
            file.strip_prefix(SOURCE_DIR).unwrap_or(file)
        )
    }

    /// The reference solutions of every file.
    pub fn solutions(&self) -> Vec<String> {
        self.files.iter().map(|f| Self::solution_of(f)).collect()
    }

    /// `lesson file, section "..."`.
    pub fn place(&self) -> String {
        format!("{}, section \"{}\"", self.lesson, self.section)
    }

    /// `lesson file#anchor ("section")`: the section's address, with the
    /// heading id GitHub and mdBook generate, for a learner to open.
    pub fn address(&self) -> String {
        format!(
            "{}#{} (\"{}\")",
            self.lesson,
            anchor(&self.section),
            self.section
        )
    }
}

/// The heading id GitHub and mdBook give `heading`: lowercase; letters,
/// digits, `-` and `_` kept; each space becomes `-`; the rest dropped.
pub fn anchor(heading: &str) -> String {
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

/// Parses the metadata; errors name `file:line`.
pub fn parse(file: &str, text: &str) -> Result<Vec<Exercise>, String> {
    let mut exercises: Vec<Exercise> = Vec::new();
    let mut fields: Vec<(String, String, usize)> = Vec::new();
    let mut start = 0;
    let mut finish = |fields: &mut Vec<(String, String, usize)>, at: usize| -> Result<(), String> {
        if at == 0 {
            return Ok(());
        }
        exercises.push(exercise(file, at, fields)?);
        fields.clear();
        Ok(())
    };
    for (number, line) in (1..).zip(text.lines()) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line == "[[exercise]]" {
            finish(&mut fields, start)?;
            start = number;
            continue;
        }
        if start == 0 {
            return Err(format!("{file}:{number}: expected [[exercise]] first"));
        }
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| format!("{file}:{number}: expected key = \"value\""))?;
        let value = string(value.trim())
            .ok_or_else(|| format!("{file}:{number}: the value must be one \"quoted string\""))?;
        fields.push((key.trim().to_owned(), value, number));
    }
    finish(&mut fields, start)?;
    for (i, a) in exercises.iter().enumerate() {
        if exercises[..i].iter().any(|b| b.id == a.id) {
            return Err(format!("{file}: exercise {} is listed twice", a.id));
        }
    }
    Ok(exercises)
}

fn exercise(file: &str, at: usize, fields: &[(String, String, usize)]) -> Result<Exercise, String> {
    let get = |key: &str| {
        fields
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, v, _)| v.clone())
            .ok_or_else(|| format!("{file}:{at}: this exercise has no {key}"))
    };
    if let Some((key, _, line)) = fields.iter().find(|(k, _, _)| {
        !["id", "name", "file", "lesson", "section", "hint"].contains(&k.as_str())
    }) {
        return Err(format!("{file}:{line}: unknown key {key:?}"));
    }
    let all = |key: &str| -> Vec<String> {
        fields
            .iter()
            .filter(|(k, _, _)| k == key)
            .map(|(_, v, _)| v.clone())
            .collect()
    };
    let files = all("file");
    let exercise = Exercise {
        id: get("id")?,
        name: get("name")?,
        file: get("file")?,
        lesson: get("lesson")?,
        section: get("section")?,
        files,
        hint: all("hint").join("\n\n"),
    };
    if exercise.files.iter().any(|f| !f.starts_with(SOURCE_DIR)) {
        return Err(format!(
            "{file}:{at}: every file must be under {SOURCE_DIR}"
        ));
    }
    Ok(exercise)
}

/// A double-quoted string with `\"`, `\\` and `\n` escapes, and nothing after it.
fn string(text: &str) -> Option<String> {
    let inner = text.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return chars.as_str().trim().is_empty().then_some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

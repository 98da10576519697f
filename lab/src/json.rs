//! What a run found, as JSON text for the page: written by hand, because
//! the shapes are few and fixed and a serializer would only grow the module.

use std::fmt::Write as _;

use learn_mtls::hex::Hex;

use crate::scenario::{self, Attack, BadQuery, Cast, Outcome, Run, Seed, Verdict};

/// `text` as a JSON string, quotes included.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn opt(text: Option<&str>) -> String {
    text.map_or_else(|| "null".to_owned(), string)
}

fn list(items: impl IntoIterator<Item = String>) -> String {
    let items: Vec<String> = items.into_iter().collect();
    format!("[{}]", items.join(","))
}

/// A run's outcome: `result` is the contract's text (`accepted NAME` or
/// `refused: ERROR`), then the step, the messages with their fields, the
/// story and the session.
pub fn outcome(run: &Run, seed: &Seed, outcome: &Outcome) -> String {
    let (client, step, detail, error) = match &outcome.verdict {
        Verdict::Accepted(name) => (Some(name.as_str()), None, None, None),
        Verdict::Refused(step, error) => (
            None,
            Some(step.name()),
            Some(step.detail()),
            Some(error.to_string()),
        ),
    };
    let messages = outcome.shown.iter().map(|shown| {
        let fields = scenario::fields(shown.message, shown.delivered.len())
            .into_iter()
            .map(|f| {
                format!(
                    r#"{{"name":{},"offset":{},"len":{}}}"#,
                    string(f.name),
                    f.offset,
                    f.len
                )
            });
        format!(
            r#"{{"key":{},"title":{},"path":{},"sent":"{}","delivered":"{}","fields":{}}}"#,
            string(shown.message.key()),
            string(&shown.title),
            string(&shown.path),
            Hex(&shown.sent),
            Hex(&shown.delivered),
            list(fields)
        )
    });
    let edits = run.edits.iter().map(|e| {
        format!(
            r#"{{"key":{},"offset":{},"xor":{}}}"#,
            string(e.message.key()),
            e.offset,
            e.xor
        )
    });
    format!(
        concat!(
            r#"{{"result":{},"accepted":{},"client":{},"step":{},"step_detail":{},"error":{},"#,
            r#""binding":{},"attack":{},"lesson":{},"seed":"{}","edits":{},"messages":{},"#,
            r#""story":{},"session":{}}}"#
        ),
        string(&outcome.verdict.to_string()),
        client.is_some(),
        opt(client),
        opt(step),
        opt(detail),
        opt(error.as_deref()),
        string(run.binding.name()),
        opt(run.attack.map(Attack::key)),
        opt(run.attack.map(|a| a.lesson(run.binding))),
        Hex(seed),
        list(edits),
        list(messages),
        list(outcome.story.iter().map(|line| string(line))),
        opt(outcome.session.as_deref()),
    )
}

/// A query string the lab cannot run.
pub fn bad_query(bad: &BadQuery) -> String {
    format!(
        r#"{{"result":{},"bad_query":{}}}"#,
        string(&format!("bad query: {bad}")),
        string(&bad.0)
    )
}

/// What the page needs once: the attacks for its menu, the demo keys, and
/// the native figure it shows beside its own timing.
pub fn about(cast: &Cast) -> String {
    let attacks = Attack::ALL.into_iter().map(|a| {
        format!(
            r#"{{"key":{},"title":{}}}"#,
            string(a.key()),
            string(a.title())
        )
    });
    let cast = cast
        .describe()
        .into_iter()
        .map(|(who, fp)| format!(r#"{{"who":{},"fingerprint":{}}}"#, string(who), string(&fp)));
    let native = match crate::native::figure() {
        Some(f) => format!(
            r#"{{"what":{},"time":{},"measured":{},"source":{}}}"#,
            string(f.what),
            string(f.time),
            string(&f.measured),
            string(crate::native::SOURCE)
        ),
        None => "null".to_owned(),
    };
    format!(
        r#"{{"attacks":{},"cast":{},"native":{}}}"#,
        list(attacks),
        list(cast),
        native
    )
}

//! Lesson 16's recorded `--trace` as a sequence diagram.

use super::caption::caption;
use crate::record::{self, body};
use crate::runs::From;
use crate::sequence::{Diagram, Item};

/// Lesson 16's handshake from the recorded `--trace`: an arrow per record,
/// its messages under it, up to the handshake's summary line.
pub fn tls13_diagram() -> Result<Diagram, String> {
    let text = record::read("tls13-trace.txt")?;
    let mut items = Vec::new();
    let mut summary = None;
    for line in body(&text) {
        let Some(rest) = line.strip_prefix("trace: ") else {
            continue;
        };
        if let Some(s) = rest.strip_prefix("handshake: ") {
            summary = Some(s.to_owned());
            break;
        }
        let (from, rest) = if let Some(r) = rest.strip_prefix("client -> server") {
            (From::Client, r)
        } else if let Some(r) = rest.strip_prefix("server -> client") {
            (From::Server, r)
        } else {
            return Err(format!("tls13-trace.txt: cannot read {line:?}"));
        };
        let depth = rest.len() - rest.trim_start().len();
        let rest = rest.trim_start();
        let (what, course) = match rest.split_once("  ~ course: ") {
            Some((what, course)) => (what, Some(course)),
            None => (rest, None),
        };
        let short = what.split(" [").next().unwrap_or(what);
        let short = short.split(": a no-op").next().unwrap_or(short);
        match depth {
            2 => items.push(Item::Arrow {
                from,
                title: short.to_owned(),
                lines: Vec::new(),
            }),
            _ => {
                let Some(Item::Arrow { lines, .. }) = items.last_mut() else {
                    return Err(format!(
                        "tls13-trace.txt: a message before any record: {line:?}"
                    ));
                };
                if depth > 4 {
                    // The certificate's DER size and subject; not its dates.
                    if short.starts_with("leaf certificate") {
                        let short = short.split(", issuer").next().unwrap_or(short);
                        lines.push(truncate(&format!("    {short}"), 84));
                    } else if !short.starts_with("valid ") {
                        lines.push(truncate(&format!("    {short}"), 84));
                    }
                    continue;
                }
                let mut text = short.to_owned();
                if let Some(course) = course {
                    let course = course
                        .split([':', ';', '('])
                        .next()
                        .unwrap_or(course)
                        .trim_end();
                    text.push_str(&format!(" ~ {}", truncate(course, 56)));
                }
                lines.push(truncate(&text, 84));
            }
        }
    }
    let summary = summary.ok_or("tls13-trace.txt: no `handshake:` summary line")?;
    let mut footer = vec![format!("handshake: {summary}")];
    footer.extend(caption(&text, "tls13"));
    Ok(Diagram {
        title: "Lesson 16: TLS 1.3 with client certificates (rustls)".into(),
        subtitle: "Records on the wire, the handshake messages inside them, and the course concept each one is".into(),
        left: "16-tls-client".into(),
        right: "16-tls-server".into(),
        items,
        footer,
    })
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

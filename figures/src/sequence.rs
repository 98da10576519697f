//! Sequence diagrams: two lifelines, an arrow per message (its name, size,
//! fields and first bytes, all from the run), and notes saying what each
//! side checks and signs.

use learn_mtls::handshake::Binding;

use crate::runs::{From, Message, Run};
use crate::svg::{Font, Svg};

/// One row of a diagram.
pub enum Item {
    /// A message: sender, title, and the lines under the arrow.
    Arrow {
        from: From,
        title: String,
        lines: Vec<String>,
    },
    /// What one side does: a box on its lifeline.
    Note { side: From, lines: Vec<String> },
}

pub struct Diagram {
    pub title: String,
    pub subtitle: String,
    pub left: String,
    pub right: String,
    pub items: Vec<Item>,
    pub footer: Vec<String>,
}

const WIDTH: f64 = 980.0;
const LEFT_X: f64 = 200.0;
const RIGHT_X: f64 = 780.0;
const NOTE_W: f64 = 380.0;
const LINE_H: f64 = 15.0;

/// The first `n` bytes as spaced hex, with an ellipsis if there are more.
pub fn first_bytes(bytes: &[u8], n: usize) -> String {
    let mut out: Vec<String> = bytes.iter().take(n).map(|b| format!("{b:02x}")).collect();
    if bytes.len() > n {
        out.push("…".into());
    }
    out.join(" ")
}

/// `name [offset, end)` for each field.
fn field_line(message: &Message) -> String {
    message
        .fields
        .iter()
        .map(|f| format!("{} [{}..{})", f.name, f.offset, f.end()))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The arrow of one handshake message.
pub fn message_arrow(number: usize, message: &Message) -> Item {
    Item::Arrow {
        from: message.from,
        title: format!("M{number} {}, {} bytes", message.name, message.bytes.len()),
        lines: vec![
            field_line(message),
            format!("first bytes: {}", first_bytes(&message.bytes, 12)),
        ],
    }
}

fn record_arrow(run: &Run, what: &str) -> Item {
    Item::Arrow {
        from: From::Client,
        title: format!("first record, {} bytes{what}", run.first_record.len()),
        lines: vec![
            format!(
                "length (2) · ciphertext ({}) · tag (16), carrying \"{}\"",
                run.first_record.len() - 18,
                String::from_utf8_lossy(&run.first_plaintext)
            ),
            format!("first bytes: {}", first_bytes(&run.first_record, 12)),
        ],
    }
}

fn note(side: From, lines: &[&str]) -> Item {
    Item::Note {
        side,
        lines: lines.iter().map(|l| (*l).to_owned()).collect(),
    }
}

fn total_line(run: &Run) -> String {
    let sizes: Vec<String> = run
        .messages
        .iter()
        .map(|m| m.bytes.len().to_string())
        .collect();
    format!(
        "handshake: {} = {} bytes; drawn from an in-process run of the library with the inputs of {} (its bytes checked equal)",
        sizes.join(" + "),
        run.handshake_len(),
        run.source
    )
}

/// Lesson 10: the server proves who it is; the client stays anonymous.
pub fn lesson10(run: &Run) -> Diagram {
    let mut items = vec![
        message_arrow(1, &run.messages[0]),
        note(
            From::Server,
            &[
                "fresh X25519 share; signs (transcript binding)",
                "pad || server-only context || 0x00 ||",
                "SHA-256(M1 || server_share)",
            ],
        ),
        message_arrow(2, &run.messages[1]),
        note(
            From::Client,
            &[
                "checks server_sig with the pinned server key;",
                "keys from X25519 and the transcript hash",
            ],
        ),
        record_arrow(run, ""),
        note(
            From::Server,
            &[
                "opens it: the client is anonymous, the",
                "server knows only that someone connected",
            ],
        ),
    ];
    items.shrink_to_fit();
    Diagram {
        title: "Lesson 10: server authentication".into(),
        subtitle: "Only the server proves who it is (binding `transcript`)".into(),
        left: "Client".into(),
        right: "Server".into(),
        items,
        footer: vec![total_line(run)],
    }
}

/// Lesson 11 under either binding: what each signature covers, and
/// (transcript) the key confirmation.
pub fn lesson11(run: &Run) -> Diagram {
    let binding = run.binding.unwrap_or_default();
    let accepted = run.accepted.as_deref().unwrap_or("?");
    let mut items = vec![message_arrow(1, &run.messages[0])];
    match binding {
        Binding::InsecureLesson11 => {
            items.push(note(
                From::Server,
                &["fresh X25519 share; signs", "server_share alone"],
            ));
            items.push(message_arrow(2, &run.messages[1]));
            items.push(note(
                From::Client,
                &[
                    "checks server_sig over server_share with the",
                    "pinned key; signs client_share alone",
                ],
            ));
            items.push(message_arrow(3, &run.messages[2]));
            let accepted_line = format!("ACCEPTED \"{accepted}\" here, before any record");
            items.push(Item::Note {
                side: From::Server,
                lines: vec![
                    "checks client_sig over client_share with".into(),
                    "client_key; the policy finds client_key:".into(),
                    accepted_line,
                    "(session keys: no transcript salt)".into(),
                ],
            });
            items.push(record_arrow(run, ""));
            items.push(note(
                From::Server,
                &[
                    "opens it; nothing ties M3 to this session:",
                    "replay and misbinding work (Lesson 13)",
                ],
            ));
        }
        Binding::Transcript => {
            items.push(note(
                From::Server,
                &[
                    "fresh X25519 share; signs pad || server",
                    "context || 0x00 || SHA-256(M1 || server_share)",
                ],
            ));
            items.push(message_arrow(2, &run.messages[1]));
            items.push(note(
                From::Client,
                &[
                    "checks server_sig with the pinned key; signs",
                    "pad || client context || 0x00 ||",
                    "SHA-256(M1 || M2 || client_key)",
                ],
            ));
            items.push(message_arrow(3, &run.messages[2]));
            items.push(note(
                From::Server,
                &[
                    "checks client_sig; the policy finds client_key;",
                    "keys salted with SHA-256(M1 || M2 || M3);",
                    "NOT yet accepted: expects key confirmation",
                ],
            ));
            items.push(record_arrow(run, " (key confirmation)"));
            let accepted_line = format!("ACCEPTED \"{accepted}\" only now");
            items.push(Item::Note {
                side: From::Server,
                lines: vec![
                    "the record opens under the derived keys:".into(),
                    "the client holds this session's keys;".into(),
                    accepted_line,
                ],
            });
        }
    }
    Diagram {
        title: format!(
            "Lesson 11: mutual authentication, binding `{}`",
            binding.name()
        ),
        subtitle: match binding {
            Binding::InsecureLesson11 => {
                "Each side signs only its own share (insecure, kept for teaching)".into()
            }
            Binding::Transcript => {
                "Each signature covers the transcript; the first record confirms the keys".into()
            }
        },
        left: "Client".into(),
        right: "Server".into(),
        items,
        footer: vec![total_line(run)],
    }
}

/// Lesson 15: the certified handshake, one certificate each.
pub fn lesson15(run: &Run) -> Diagram {
    let accepted = run.accepted.as_deref().unwrap_or("?");
    let accepted_line = format!("ACCEPTED \"{accepted}\" (the name in her certificate)");
    let items = vec![
        message_arrow(1, &run.messages[0]),
        note(
            From::Server,
            &[
                "fresh share; signs pad || certified server",
                "context || 0x00 || SHA-256(M1 || server_share",
                "|| count || chain)",
            ],
        ),
        message_arrow(2, &run.messages[1]),
        note(
            From::Client,
            &[
                "verifies the chain against the root CA for",
                "api.internal, then server_sig with its key;",
                "signs ... SHA-256(M1 || M2 || count || chain)",
            ],
        ),
        message_arrow(3, &run.messages[2]),
        note(
            From::Server,
            &[
                "verifies alice's chain, then client_sig;",
                "keys salted with SHA-256(M1 || M2 || M3);",
                "expects key confirmation",
            ],
        ),
        record_arrow(run, " (key confirmation)"),
        Item::Note {
            side: From::Server,
            lines: vec!["the record opens:".into(), accepted_line],
        },
    ];
    Diagram {
        title: "Lesson 15: the certified handshake".into(),
        subtitle: "Chains of one 220-byte certificate instead of pinned keys; transcript binding, key confirmation".into(),
        left: "Client (alice)".into(),
        right: "Server (api.internal)".into(),
        items,
        footer: vec![total_line(run)],
    }
}

/// Draws a diagram.
pub fn draw(diagram: &Diagram) -> String {
    let title_font = Font::sans(18.0).bold();
    let sub_font = Font::sans(13.0).fill("#444444");
    let arrow_font = Font::sans(13.0).bold().middle();
    let detail = Font::mono(11.0).middle().fill("#333333");
    let note_font = Font::mono(11.0);
    let footer = Font::sans(11.0).fill("#555555");

    // Heights first, so the lifelines run the whole length.
    let top = 100.0;
    let mut height = top;
    for item in &diagram.items {
        height += item_height(item);
    }
    let lifeline_end = height + 10.0;
    let total = lifeline_end + 20.0 + diagram.footer.len() as f64 * LINE_H + 10.0;

    let mut svg = Svg::new(WIDTH, total, &diagram.title);
    svg.text(20.0, 30.0, title_font, &diagram.title);
    svg.text(20.0, 50.0, sub_font, &diagram.subtitle);
    for (x, name) in [(LEFT_X, &diagram.left), (RIGHT_X, &diagram.right)] {
        svg.rect(x - 90.0, 62.0, 180.0, 26.0, "#e8eef7", Some("#4a6fa5"));
        svg.text(x, 80.0, Font::sans(13.0).bold().middle(), name);
        svg.dashed((x, 88.0), (x, lifeline_end), "#8a8a8a");
    }
    let mut y = top;
    for item in &diagram.items {
        match item {
            Item::Arrow { from, title, lines } => {
                let (a, b) = match from {
                    From::Client => (LEFT_X, RIGHT_X),
                    From::Server => (RIGHT_X, LEFT_X),
                };
                let mid = (LEFT_X + RIGHT_X) / 2.0;
                svg.text(mid, y + 14.0, arrow_font, title);
                svg.arrow((a, y + 22.0), (b, y + 22.0), "#1f4e8c");
                for (i, line) in lines.iter().enumerate() {
                    svg.text(mid, y + 38.0 + i as f64 * LINE_H, detail, line);
                }
            }
            Item::Note { side, lines } => {
                let x = match side {
                    From::Client => LEFT_X,
                    From::Server => RIGHT_X,
                };
                let left = (x - NOTE_W / 2.0).clamp(8.0, WIDTH - NOTE_W - 8.0);
                let h = lines.len() as f64 * LINE_H + 10.0;
                svg.rect(left, y + 4.0, NOTE_W, h, "#fff8dc", Some("#c9a227"));
                for (i, line) in lines.iter().enumerate() {
                    svg.text(left + 8.0, y + 18.0 + i as f64 * LINE_H, note_font, line);
                }
            }
        }
        y += item_height(item);
    }
    for (i, line) in diagram.footer.iter().enumerate() {
        svg.text(20.0, lifeline_end + 22.0 + i as f64 * LINE_H, footer, line);
    }
    svg.finish()
}

fn item_height(item: &Item) -> f64 {
    match item {
        Item::Arrow { lines, .. } => 30.0 + lines.len() as f64 * LINE_H + 8.0,
        Item::Note { lines, .. } => lines.len() as f64 * LINE_H + 20.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runs;
    use learn_mtls::wire::{CLIENT_AUTH_LEN, CLIENT_HELLO_LEN, SERVER_HELLO_LEN};

    fn arrow_titles(d: &Diagram) -> Vec<String> {
        d.items
            .iter()
            .filter_map(|i| match i {
                Item::Arrow { title, .. } => Some(title.clone()),
                Item::Note { .. } => None,
            })
            .collect()
    }

    #[test]
    fn the_byte_counts_are_the_wire_constants() {
        let run = runs::lesson11(Binding::Transcript).unwrap();
        let d = lesson11(&run);
        let titles = arrow_titles(&d);
        assert_eq!(
            titles[0],
            format!("M1 ClientHello, {CLIENT_HELLO_LEN} bytes")
        );
        assert_eq!(
            titles[1],
            format!("M2 ServerHello, {SERVER_HELLO_LEN} bytes")
        );
        assert_eq!(titles[2], format!("M3 ClientAuth, {CLIENT_AUTH_LEN} bytes"));
        assert!(titles[3].contains("(key confirmation)"));
        assert!(d.footer[0].contains("32 + 96 + 96 = 224 bytes"));

        let d = lesson10(&runs::lesson10().unwrap());
        assert!(d.footer[0].contains("32 + 96 = 128 bytes"));
        let d = lesson15(&runs::lesson15().unwrap());
        assert!(d.footer[0].contains("32 + 317 + 285 = 634 bytes"));
    }

    #[test]
    fn only_the_transcript_binding_waits_for_key_confirmation() {
        let lesson11_run = runs::lesson11(Binding::InsecureLesson11).unwrap();
        let titles = arrow_titles(&lesson11(&lesson11_run));
        assert!(!titles[3].contains("key confirmation"));
    }

    #[test]
    fn first_bytes_are_the_run_s() {
        let run = runs::lesson11(Binding::Transcript).unwrap();
        let Item::Arrow { lines, .. } = message_arrow(1, &run.messages[0]) else {
            panic!("an arrow")
        };
        let expected = first_bytes(&run.messages[0].bytes, 12);
        assert_eq!(lines[1], format!("first bytes: {expected}"));
        assert_eq!(first_bytes(&[1, 2, 3], 2), "01 02 …");
    }
}

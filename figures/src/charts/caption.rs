//! What every chart says at its foot: when and where its record was
//! made, the command that made it, and how to re-record and redraw it.
//! Uses none of its siblings.

use crate::record::header;
use crate::svg::{Font, Svg};

pub fn caption(text: &str, what: &str) -> Vec<String> {
    vec![
        format!(
            "Recorded {} on {}.",
            header(text, "date").unwrap_or("?"),
            header(text, "machine").unwrap_or("?")
        ),
        format!("Run: {}.", header(text, "command").unwrap_or("?")),
        format!(
            "Re-record: cargo run -p learn-mtls-figures -- --record {what}; redraw: cargo run -p learn-mtls-figures"
        ),
    ]
}

pub fn footer(svg: &mut Svg, y: f64, lines: &[String]) {
    for (i, line) in lines.iter().enumerate() {
        svg.text(
            20.0,
            y + i as f64 * 15.0,
            Font::sans(11.0).fill("#555555"),
            line,
        );
    }
}

//! Byte maps: every byte of a handshake in hex, each field in its own
//! colour, with a legend naming each field and its offset. The fields come
//! from the core's tables (`wire::layout`, `certified::*_layout`,
//! `cert::LAYOUT`), the bytes from a real run.

use learn_mtls::wire::layout::Field;

use crate::runs::{Run, certificates_in};
use crate::svg::{Font, PALETTE, Svg};

const COLUMNS: usize = 32;
const CELL_W: f64 = 26.0;
const CELL_H: f64 = 20.0;
const GUTTER: f64 = 56.0;
const LEGEND_H: f64 = 17.0;
const LEGEND_COLUMNS: usize = 3;

/// A coloured span of one message: a field, or a certificate's field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub offset: usize,
    pub len: usize,
    /// What the legend says.
    pub label: String,
    /// Spans with the same key share a colour.
    pub key: String,
}

/// One message's bytes and spans.
pub struct Block {
    pub title: String,
    pub bytes: Vec<u8>,
    pub spans: Vec<Span>,
}

/// The spans of a message: its fields, with each `chain` cut into its
/// certificates' fields.
pub fn spans(fields: &[Field]) -> Vec<Span> {
    let mut out = Vec::new();
    for field in fields {
        if field.name == "chain" {
            for (i, cert_fields) in certificates_in(field) {
                for f in cert_fields {
                    out.push(Span {
                        offset: f.offset,
                        len: f.len,
                        label: format!(
                            "chain[{i}].{} at {} (certificate +{}), {} B",
                            f.name,
                            f.offset,
                            f.offset - field.offset - i * learn_mtls::cert::CERTIFICATE_LEN,
                            f.len
                        ),
                        key: format!("certificate.{}", f.name),
                    });
                }
            }
        } else {
            out.push(Span {
                offset: field.offset,
                len: field.len,
                label: format!("{} at {}, {} B", field.name, field.offset, field.len),
                key: field.name.to_owned(),
            });
        }
    }
    out
}

/// The blocks of a run, one per message.
pub fn blocks(run: &Run) -> Vec<Block> {
    run.messages
        .iter()
        .enumerate()
        .map(|(i, m)| Block {
            title: format!(
                "M{} {} ({} → {}), {} bytes",
                i + 1,
                m.name,
                sender(m.from),
                receiver(m.from),
                m.bytes.len()
            ),
            bytes: m.bytes.clone(),
            spans: spans(&m.fields),
        })
        .collect()
}

fn sender(from: crate::runs::From) -> &'static str {
    match from {
        crate::runs::From::Client => "client",
        crate::runs::From::Server => "server",
    }
}

fn receiver(from: crate::runs::From) -> &'static str {
    match from {
        crate::runs::From::Client => "server",
        crate::runs::From::Server => "client",
    }
}

/// Colours by key, in order of first appearance.
fn colours(blocks: &[Block]) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    for span in blocks.iter().flat_map(|b| &b.spans) {
        if !out.iter().any(|(k, _)| *k == span.key) {
            let colour = PALETTE[out.len() % PALETTE.len()];
            out.push((span.key.clone(), colour));
        }
    }
    out
}

/// Draws the map.
pub fn draw(title: &str, subtitle: &str, blocks: &[Block], footer: &[String]) -> String {
    let colours = colours(blocks);
    let colour = |key: &str| {
        colours
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, c)| *c)
            .unwrap_or("#ffffff")
    };
    let width = GUTTER + COLUMNS as f64 * CELL_W + 30.0;
    let mut height = 70.0;
    for b in blocks {
        height += block_height(b);
    }
    height += 10.0 + footer.len() as f64 * 15.0;

    let mut svg = Svg::new(width, height, title);
    svg.text(20.0, 30.0, Font::sans(18.0).bold(), title);
    svg.text(20.0, 50.0, Font::sans(13.0).fill("#444444"), subtitle);
    let hex = Font::mono(11.0).middle();
    let offset_font = Font::mono(10.0).end().fill("#666666");
    let mut y = 70.0;
    for block in blocks {
        svg.text(20.0, y + 16.0, Font::sans(14.0).bold(), &block.title);
        let top = y + 26.0;
        for (i, byte) in block.bytes.iter().enumerate() {
            let (row, col) = (i / COLUMNS, i % COLUMNS);
            let x = GUTTER + col as f64 * CELL_W;
            let cy = top + row as f64 * CELL_H;
            if col == 0 {
                svg.text(GUTTER - 6.0, cy + 14.0, offset_font, &format!("{i:03}"));
            }
            let key = block
                .spans
                .iter()
                .find(|s| (s.offset..s.offset + s.len).contains(&i))
                .map(|s| s.key.as_str())
                .unwrap_or("");
            svg.rect(x, cy, CELL_W, CELL_H, colour(key), Some("#ffffff"));
            svg.text(x + CELL_W / 2.0, cy + 14.0, hex, &format!("{byte:02x}"));
        }
        // A dark tick where each field starts.
        for span in &block.spans {
            let (row, col) = (span.offset / COLUMNS, span.offset % COLUMNS);
            let x = GUTTER + col as f64 * CELL_W;
            let cy = top + row as f64 * CELL_H;
            svg.line((x, cy), (x, cy + CELL_H), "#222222", 2.0);
        }
        let rows = block.bytes.len().div_ceil(COLUMNS);
        let legend_top = top + rows as f64 * CELL_H + 8.0;
        let column_w = (COLUMNS as f64 * CELL_W) / LEGEND_COLUMNS as f64;
        for (i, span) in block.spans.iter().enumerate() {
            let (row, col) = (i / LEGEND_COLUMNS, i % LEGEND_COLUMNS);
            let x = GUTTER + col as f64 * column_w;
            let ly = legend_top + row as f64 * LEGEND_H;
            svg.rect(x, ly, 12.0, 12.0, colour(&span.key), Some("#555555"));
            svg.text(x + 17.0, ly + 10.5, Font::sans(11.0), &span.label);
        }
        y += block_height(block);
    }
    for (i, line) in footer.iter().enumerate() {
        svg.text(
            20.0,
            y + 14.0 + i as f64 * 15.0,
            Font::sans(11.0).fill("#555555"),
            line,
        );
    }
    svg.finish()
}

fn block_height(block: &Block) -> f64 {
    let rows = block.bytes.len().div_ceil(COLUMNS);
    let legend_rows = block.spans.len().div_ceil(LEGEND_COLUMNS);
    26.0 + rows as f64 * CELL_H + 8.0 + legend_rows as f64 * LEGEND_H + 14.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runs;
    use learn_mtls::handshake::Binding;

    /// Every byte of every message is in exactly one span.
    fn assert_tiles(blocks: &[Block], total: usize) {
        let mut sum = 0;
        for b in blocks {
            let mut at = 0;
            for s in &b.spans {
                assert_eq!(s.offset, at, "{}: a gap or overlap at {at}", b.title);
                at += s.len;
            }
            assert_eq!(at, b.bytes.len(), "{}", b.title);
            sum += at;
        }
        assert_eq!(sum, total);
    }

    #[test]
    fn the_lesson11_map_tiles_224_bytes() {
        let blocks = blocks(&runs::lesson11(Binding::Transcript).unwrap());
        assert_tiles(&blocks, 224);
        assert_eq!(blocks[1].spans[1].label, "server_signature at 32, 64 B");
    }

    #[test]
    fn the_lesson15_map_tiles_634_bytes_with_certificate_fields() {
        let blocks = blocks(&runs::lesson15().unwrap());
        assert_tiles(&blocks, 634);
        // M2: share, count, 11 certificate fields, signature.
        assert_eq!(blocks[1].spans.len(), 3 + learn_mtls::cert::LAYOUT.len());
        assert!(
            blocks[1]
                .spans
                .iter()
                .any(|s| s.label == "chain[0].subject_key at 101 (certificate +68), 32 B"),
            "{:?}",
            blocks[1].spans
        );
    }

    #[test]
    fn every_byte_is_drawn_in_hex() {
        let run = runs::lesson11(Binding::Transcript).unwrap();
        let svg = draw("t", "s", &blocks(&run), &[]);
        let cells = svg.matches(r#"text-anchor="middle">"#).count();
        assert_eq!(cells, 224);
        let m2 = &run.messages[1].bytes;
        assert!(svg.contains(&format!(">{:02x}</text>", m2[95])));
    }
}

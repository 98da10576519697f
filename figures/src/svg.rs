//! Plain SVG 1.1 as text: a white background, a `viewBox`, generic font
//! families, no script and no external reference. Numbers are written
//! with at most one decimal, so the same figure is the same bytes.

use std::fmt::Write as _;

/// A number as the SVG holds it: one decimal at most, no `-0`.
pub fn num(x: f64) -> String {
    let rounded = (x * 10.0).round() / 10.0;
    let rounded = if rounded == 0.0 { 0.0 } else { rounded };
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}

/// Text made safe inside an element or an attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// Which end of the text `x` names.
#[derive(Clone, Copy)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

/// How a piece of text looks.
#[derive(Clone, Copy)]
pub struct Font {
    pub size: f64,
    pub mono: bool,
    pub bold: bool,
    pub fill: &'static str,
    pub anchor: Anchor,
}

impl Font {
    pub const fn sans(size: f64) -> Self {
        Self {
            size,
            mono: false,
            bold: false,
            fill: "#1a1a1a",
            anchor: Anchor::Start,
        }
    }
    pub const fn mono(size: f64) -> Self {
        Self {
            mono: true,
            ..Self::sans(size)
        }
    }
    pub const fn bold(self) -> Self {
        Self { bold: true, ..self }
    }
    pub const fn middle(self) -> Self {
        Self {
            anchor: Anchor::Middle,
            ..self
        }
    }
    pub const fn end(self) -> Self {
        Self {
            anchor: Anchor::End,
            ..self
        }
    }
    pub const fn fill(self, fill: &'static str) -> Self {
        Self { fill, ..self }
    }
}

/// One figure being drawn.
pub struct Svg {
    width: f64,
    height: f64,
    title: String,
    body: String,
}

impl Svg {
    pub fn new(width: f64, height: f64, title: &str) -> Self {
        Self {
            width,
            height,
            title: title.to_owned(),
            body: String::new(),
        }
    }

    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, stroke: Option<&str>) {
        let stroke = stroke
            .map(|s| format!(r#" stroke="{s}" stroke-width="1""#))
            .unwrap_or_default();
        writeln!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}"{stroke}/>"#,
            num(x),
            num(y),
            num(w),
            num(h)
        )
        .unwrap();
    }

    pub fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), stroke: &str, width: f64) {
        writeln!(
            self.body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}" stroke-width="{}"/>"#,
            num(x1),
            num(y1),
            num(x2),
            num(y2),
            num(width)
        )
        .unwrap();
    }

    pub fn dashed(&mut self, from: (f64, f64), to: (f64, f64), stroke: &str) {
        writeln!(
            self.body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}" stroke-width="1" stroke-dasharray="4 4"/>"#,
            num(from.0),
            num(from.1),
            num(to.0),
            num(to.1)
        )
        .unwrap();
    }

    pub fn polygon(&mut self, points: &[(f64, f64)], fill: &str) {
        let points: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{},{}", num(*x), num(*y)))
            .collect();
        writeln!(
            self.body,
            r#"<polygon points="{}" fill="{fill}"/>"#,
            points.join(" ")
        )
        .unwrap();
    }

    pub fn polyline(&mut self, points: &[(f64, f64)], stroke: &str, width: f64, dashed: bool) {
        let points: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{},{}", num(*x), num(*y)))
            .collect();
        let dash = if dashed {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        writeln!(
            self.body,
            r#"<polyline points="{}" fill="none" stroke="{stroke}" stroke-width="{}"{dash}/>"#,
            points.join(" "),
            num(width)
        )
        .unwrap();
    }

    pub fn circle(&mut self, (x, y): (f64, f64), r: f64, fill: &str) {
        writeln!(
            self.body,
            r#"<circle cx="{}" cy="{}" r="{}" fill="{fill}"/>"#,
            num(x),
            num(y),
            num(r)
        )
        .unwrap();
    }

    /// An arrow from `from` to `to` (horizontal or not), head at `to`.
    pub fn arrow(&mut self, from: (f64, f64), to: (f64, f64), stroke: &str) {
        let (dx, dy) = (to.0 - from.0, to.1 - from.1);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        let (ux, uy) = (dx / len, dy / len);
        let back = (to.0 - 10.0 * ux, to.1 - 10.0 * uy);
        self.line(from, back, stroke, 1.5);
        self.polygon(
            &[
                to,
                (back.0 - 4.5 * uy, back.1 + 4.5 * ux),
                (back.0 + 4.5 * uy, back.1 - 4.5 * ux),
            ],
            stroke,
        );
    }

    pub fn text(&mut self, x: f64, y: f64, font: Font, text: &str) {
        let family = if font.mono { "monospace" } else { "sans-serif" };
        let anchor = match font.anchor {
            Anchor::Start => "",
            Anchor::Middle => r#" text-anchor="middle""#,
            Anchor::End => r#" text-anchor="end""#,
        };
        let weight = if font.bold {
            r#" font-weight="bold""#
        } else {
            ""
        };
        writeln!(
            self.body,
            r#"<text x="{}" y="{}" font-family="{family}" font-size="{}" fill="{}"{anchor}{weight}>{}</text>"#,
            num(x),
            num(y),
            num(font.size),
            font.fill,
            escape(text)
        )
        .unwrap();
    }

    /// The whole file.
    pub fn finish(self) -> String {
        let (w, h) = (num(self.width), num(self.height));
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <!-- Generated by `cargo run -p learn-mtls-figures`; do not edit by hand. -->\n\
             <svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">\n\
             <title>{}</title>\n\
             <rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>\n\
             {}</svg>\n",
            escape(&self.title),
            self.body
        )
    }
}

/// Fill colours for fields, light enough for black text on top.
pub const PALETTE: [&str; 16] = [
    "#a6cee3", "#b2df8a", "#fb9a99", "#ffff99", "#cab2d6", "#fdbf6f", "#8dd3c7", "#fccde5",
    "#80b1d3", "#ffed6f", "#bebada", "#b3de69", "#fdb462", "#d9d9d9", "#e5c494", "#ccebc5",
];

/// Line and bar colours for series, dark enough on white.
pub const SERIES: [&str; 6] = [
    "#1f78b4", "#e31a1c", "#33a02c", "#ff7f00", "#6a3d9a", "#b15928",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_one_decimal_at_most() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(12.34), "12.3");
        assert_eq!(num(-0.01), "0");
        assert_eq!(num(12.25), "12.3");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("a < b && \"c\""),
            "a &lt; b &amp;&amp; &quot;c&quot;"
        );
    }

    #[test]
    fn a_figure_is_plain_svg_with_a_white_background() {
        let mut svg = Svg::new(10.0, 20.0, "t");
        svg.text(1.0, 2.0, Font::mono(11.0), "x");
        let out = svg.finish();
        assert!(out.contains(r#"viewBox="0 0 10 20""#));
        assert!(out.contains(r##"fill="#ffffff""##));
        assert!(!out.contains("<script") && !out.contains("href"));
    }
}

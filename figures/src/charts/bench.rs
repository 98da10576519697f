//! The benchmark's breakdown: the handshake's counted instructions as a
//! stacked bar of its primitives.

use learn_mtls::kex::Kex;

use super::caption::{caption, footer};
use crate::record::{self, body, header};
use crate::svg::{Font, SERIES, Svg, num};

/// One counted operation: instructions per run, and how many times a
/// handshake runs it.
#[derive(Clone, Debug, PartialEq)]
pub struct Counted {
    pub operation: String,
    pub per_handshake: u32,
    pub per_run: f64,
}

/// `bench.txt`'s table: (count at N - count at 0) / N for each operation.
pub fn parse_counts(text: &str) -> Result<Vec<Counted>, String> {
    let mut out = Vec::new();
    for line in body(text) {
        let cells: Vec<&str> = line.split('\t').collect();
        if cells.first() == Some(&"operation") {
            continue;
        }
        let bad = || format!("bench.txt: cannot read {line:?}");
        if cells.len() != 5 {
            return Err(bad());
        }
        let n = |s: &str| s.parse::<u64>().map_err(|_| bad());
        let (runs, zero, many) = (n(cells[2])?, n(cells[3])?, n(cells[4])?);
        if runs == 0 || many < zero {
            return Err(bad());
        }
        out.push(Counted {
            operation: cells[0].into(),
            per_handshake: u32::try_from(n(cells[1])?).map_err(|_| bad())?,
            per_run: (many - zero) as f64 / runs as f64,
        });
    }
    Ok(out)
}

fn millions(instructions: f64) -> String {
    format!("{:.2}M", instructions / 1e6)
}

/// One handshake's bars: the handshake, its primitives one by one (and
/// the protocol's own work), and `kit::primitives` all at once.
struct Group {
    /// The handshake's operation in bench.txt, and its yardstick's.
    handshake: f64,
    yardstick: f64,
    /// `(name, per handshake, instructions each)`.
    parts: Vec<(&'static str, u32, f64)>,
}

impl Group {
    fn read(
        counts: &[Counted],
        handshake: &str,
        yardstick: &str,
        kex: Kex,
    ) -> Result<Self, String> {
        let get = |name: &str| {
            counts
                .iter()
                .find(|c| c.operation == name)
                .map(|c| c.per_run)
                .ok_or_else(|| format!("bench.txt: no count for {name:?}"))
        };
        let mut parts = Vec::new();
        for p in learn_mtls_kit::primitives::primitives_of(kex) {
            parts.push((p.name, p.per_handshake, get(p.name)?));
        }
        Ok(Self {
            handshake: get(handshake)?,
            yardstick: get(yardstick)?,
            parts,
        })
    }

    fn sum(&self) -> f64 {
        self.parts
            .iter()
            .map(|(_, n, each)| f64::from(*n) * each)
            .sum()
    }
}

/// Each handshake's cost as one stacked bar of its primitives, beside the
/// counted handshake: the classical one, then the hybrid one of Lesson 19.
pub fn bench() -> Result<String, String> {
    let text = record::read("bench.txt")?;
    let counts = parse_counts(&text)?;
    let groups = [
        (
            "classical (X25519)",
            Group::read(&counts, "handshake", "primitives", Kex::X25519)?,
        ),
        (
            "hybrid (X25519 + ML-KEM-768)",
            Group::read(
                &counts,
                "hybrid handshake",
                "hybrid primitives",
                Kex::X25519MlKem768,
            )?,
        ),
    ];
    let (w, left, bar_w) = (980.0, 260.0, 560.0);
    let widest = groups
        .iter()
        .map(|(_, g)| g.handshake.max(g.sum()).max(g.yardstick))
        .fold(0.0, f64::max);
    let scale = bar_w / widest;
    // Colours by primitive, the same in both groups.
    let colour = |name: &str| {
        let i = learn_mtls_kit::primitives::all_primitives()
            .position(|p| p.name == name)
            .unwrap_or(0);
        SERIES[i % SERIES.len()]
    };
    let mut svg = Svg::new(w, 600.0, "The handshake's cost, broken into its primitives");
    svg.text(
        20.0,
        30.0,
        Font::sans(18.0).bold(),
        "One mutual handshake (both sides), broken into its primitives",
    );
    svg.text(
        20.0,
        50.0,
        Font::sans(13.0).fill("#444444"),
        "Instructions counted by callgrind (x86-64, release); each primitive times how often one handshake runs it",
    );
    let label = |svg: &mut Svg, text: &str, y: f64| {
        svg.text(left - 12.0, y + 19.0, Font::sans(13.0).bold().end(), text);
    };
    let mut y = 70.0;
    let mut summary = Vec::new();
    for (title, g) in &groups {
        svg.text(20.0, y + 4.0, Font::sans(14.0).bold(), title);
        y += 14.0;
        label(&mut svg, "the handshake", y);
        svg.rect(left, y, g.handshake * scale, 28.0, "#555555", None);
        svg.text(
            left + g.handshake * scale + 8.0,
            y + 19.0,
            Font::sans(12.0),
            &format!("{} instructions", millions(g.handshake)),
        );
        y += 40.0;
        label(&mut svg, "its primitives, one by one", y);
        let mut x = left;
        for (name, n, each) in &g.parts {
            let width = f64::from(*n) * each * scale;
            svg.rect(x, y, width, 28.0, colour(name), Some("#ffffff"));
            x += width;
        }
        let rest = g.handshake - g.sum();
        if rest > 0.0 {
            svg.rect(x, y, rest * scale, 28.0, "#d9d9d9", Some("#ffffff"));
        }
        y += 40.0;
        label(&mut svg, "kit::primitives, all at once", y);
        svg.rect(left, y, g.yardstick * scale, 28.0, "#999999", None);
        svg.text(
            left + g.yardstick * scale + 8.0,
            y + 19.0,
            Font::sans(12.0),
            &format!("{} instructions", millions(g.yardstick)),
        );
        y += 48.0;
        summary.push(format!(
            "{title}: the primitives {}, the handshake {} (x{:.3}; the protocol's own work {}, {}%).",
            millions(g.sum()),
            millions(g.handshake),
            g.handshake / g.sum(),
            millions(rest),
            num(rest / g.handshake * 100.0)
        ));
    }
    let legend = |svg: &mut Svg, i: usize, colour: &str, text: &str, top: f64| {
        let (col, row) = (i % 2, i / 2);
        let (lx, ly) = (40.0 + col as f64 * 470.0, top + row as f64 * 20.0);
        svg.rect(lx, ly, 12.0, 12.0, colour, None);
        svg.text(lx + 18.0, ly + 10.5, Font::sans(12.0), text);
    };
    let (_, hybrid) = &groups[1];
    for (i, (name, n, each)) in hybrid.parts.iter().enumerate() {
        legend(
            &mut svg,
            i,
            colour(name),
            &format!(
                "{name}: {n} x {} = {}",
                millions(*each),
                millions(f64::from(*n) * each)
            ),
            y,
        );
    }
    legend(
        &mut svg,
        hybrid.parts.len(),
        "#d9d9d9",
        "the protocol's own work (transcript hashes, HKDF, copies, framing)",
        y,
    );
    let ly = y + (hybrid.parts.len() + 1).div_ceil(2) as f64 * 20.0;
    let mut lines = summary;
    lines.push("(Times: README, Benchmarks, with cargo bench.)".into());
    if let Some(note) = header(&text, "note") {
        lines.push(format!("Counted: {note}."));
    }
    lines.extend(caption(&text, "bench"));
    footer(&mut svg, ly + 20.0, &lines);
    Ok(svg.finish())
}

#[cfg(test)]
mod tests {
    use super::{millions, parse_counts};

    #[test]
    fn instruction_counts_subtract_the_start_up() {
        let text = "# note: x\noperation\tper_handshake\truns\tinstructions_at_0\tinstructions_at_runs\n\
                    handshake\t1\t20\t1000\t61000\n";
        let c = parse_counts(text).unwrap();
        assert_eq!((c[0].per_handshake, c[0].per_run), (1, 3000.0));
        assert!(parse_counts("handshake\t1\t20\t9\t1\n").is_err());
        assert_eq!(millions(3_189_000.0), "3.19M");
    }
}

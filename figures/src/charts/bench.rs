//! The benchmark's breakdown: the handshake's counted instructions as a
//! stacked bar of its primitives.

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

/// The handshake's cost as one stacked bar of its primitives, beside the
/// counted handshake.
pub fn bench() -> Result<String, String> {
    let text = record::read("bench.txt")?;
    let counts = parse_counts(&text)?;
    let get = |name: &str| {
        counts
            .iter()
            .find(|c| c.operation == name)
            .map(|c| c.per_run)
            .ok_or_else(|| format!("bench.txt: no count for {name:?}"))
    };
    let handshake = get("handshake")?;
    let yardstick = get("primitives")?;
    let mut parts = Vec::new();
    for p in learn_mtls_kit::primitives::PRIMITIVES {
        parts.push((p.name, p.per_handshake, get(p.name)?));
    }
    let sum: f64 = parts.iter().map(|(_, n, each)| f64::from(*n) * each).sum();
    let rest = handshake - sum;

    let (w, left, bar_w) = (980.0, 260.0, 560.0);
    let scale = bar_w / handshake.max(sum).max(yardstick);
    let mut svg = Svg::new(w, 420.0, "The handshake's cost, broken into its primitives");
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
    let rows = [
        ("the handshake", 80.0),
        ("its primitives, one by one", 140.0),
        ("kit::primitives, all at once", 200.0),
    ];
    let label = |svg: &mut Svg, (text, y): (&str, f64)| {
        svg.text(left - 12.0, y + 19.0, Font::sans(13.0).bold().end(), text);
    };
    label(&mut svg, rows[0]);
    svg.rect(left, rows[0].1, handshake * scale, 28.0, "#555555", None);
    svg.text(
        left + handshake * scale + 8.0,
        rows[0].1 + 19.0,
        Font::sans(12.0),
        &format!("{} instructions", millions(handshake)),
    );
    label(&mut svg, rows[1]);
    let mut x = left;
    for (i, (_, n, each)) in parts.iter().enumerate() {
        let width = f64::from(*n) * each * scale;
        svg.rect(
            x,
            rows[1].1,
            width,
            28.0,
            SERIES[i % SERIES.len()],
            Some("#ffffff"),
        );
        x += width;
    }
    if rest > 0.0 {
        svg.rect(x, rows[1].1, rest * scale, 28.0, "#d9d9d9", Some("#ffffff"));
    }
    label(&mut svg, rows[2]);
    svg.rect(left, rows[2].1, yardstick * scale, 28.0, "#999999", None);
    svg.text(
        left + yardstick * scale + 8.0,
        rows[2].1 + 19.0,
        Font::sans(12.0),
        &format!("{} instructions", millions(yardstick)),
    );
    let legend = |svg: &mut Svg, i: usize, colour: &str, text: &str| {
        let (col, row) = (i % 2, i / 2);
        let (lx, y) = (40.0 + col as f64 * 470.0, 250.0 + row as f64 * 20.0);
        svg.rect(lx, y, 12.0, 12.0, colour, None);
        svg.text(lx + 18.0, y + 10.5, Font::sans(12.0), text);
    };
    for (i, (name, n, each)) in parts.iter().enumerate() {
        legend(
            &mut svg,
            i,
            SERIES[i % SERIES.len()],
            &format!(
                "{name}: {n} x {} = {}",
                millions(*each),
                millions(f64::from(*n) * each)
            ),
        );
    }
    legend(
        &mut svg,
        parts.len(),
        "#d9d9d9",
        &if rest >= 0.0 {
            format!(
                "the protocol's own work (hashes, HKDF, framing): {} ({}%)",
                millions(rest),
                num(rest / handshake * 100.0)
            )
        } else {
            format!(
                "the primitives count {} more than the handshake",
                millions(-rest)
            )
        },
    );
    let ly = 250.0 + (parts.len() + 1).div_ceil(2) as f64 * 20.0;
    let mut lines = vec![format!(
        "Sum of the primitives {}, the handshake {}: the public-key work is {}% of it. (Times: README, Benchmarks, with cargo bench.)",
        millions(sum),
        millions(handshake),
        num(sum / handshake * 100.0)
    )];
    if let Some(note) = header(&text, "note") {
        lines.push(format!("Counted: {note}."));
    }
    lines.extend(caption(&text, "bench"));
    footer(&mut svg, ly + 30.0, &lines);
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

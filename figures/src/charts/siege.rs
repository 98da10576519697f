//! Lesson 14's siege: the sweep (honest clients served against silent
//! connections held) and the threads-against-event-loop comparison.

use super::caption::{caption, footer};
use crate::record::{self, body, header};
use crate::svg::{Font, SERIES, Svg, num};

/// One line of `14-siege --sweep`.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepPoint {
    pub server: String,
    pub configuration: String,
    pub flags: String,
    pub held: usize,
    pub served: usize,
    pub probes: usize,
}

pub fn parse_sweep(text: &str) -> Result<Vec<SweepPoint>, String> {
    let mut out = Vec::new();
    for (i, line) in body(text).enumerate() {
        let cells: Vec<&str> = line.split('\t').collect();
        if cells.first() == Some(&"server") {
            continue;
        }
        let bad = || format!("siege-sweep.tsv: data line {}: {line:?}", i + 1);
        if cells.len() != 9 {
            return Err(bad());
        }
        let n = |s: &str| s.parse::<usize>().map_err(|_| bad());
        out.push(SweepPoint {
            server: cells[0].into(),
            configuration: cells[1].into(),
            flags: cells[2].into(),
            held: n(cells[4])?,
            served: n(cells[6])?,
            probes: n(cells[7])?,
        });
    }
    if out.is_empty() {
        return Err("siege-sweep.tsv holds no measurement".into());
    }
    Ok(out)
}

/// Honest clients served (as a share) against silent connections held:
/// one line per server and configuration.
pub fn siege() -> Result<String, String> {
    let text = record::read("siege-sweep.tsv")?;
    let points = parse_sweep(&text)?;
    let mut series: Vec<(String, String, String)> = Vec::new();
    for p in &points {
        let key = (p.server.clone(), p.configuration.clone(), p.flags.clone());
        if !series.contains(&key) {
            series.push(key);
        }
    }
    let max_x = points.iter().map(|p| p.held).max().unwrap_or(1).max(1) as f64;
    let (w, h) = (980.0, 600.0);
    let (left, right, top, bottom) = (80.0, 700.0, 95.0, 455.0);
    let x = |held: usize| left + (held as f64 / max_x) * (right - left);
    let y = |share: f64| bottom - share * (bottom - top);
    let mut svg = Svg::new(w, h, "Lesson 14: honest clients served against slowloris");
    svg.text(
        20.0,
        30.0,
        Font::sans(18.0).bold(),
        "Lesson 14: honest clients served while silent connections pile up",
    );
    svg.text(
        20.0,
        50.0,
        Font::sans(13.0).fill("#444444"),
        "Slowloris (silent connections held, 50 more a second); naive = --when-full refuse, defended = the defaults (evict the oldest)",
    );
    // Axes and grid.
    for tick in 0..=4 {
        let share = tick as f64 / 4.0;
        let ty = y(share);
        svg.line((left, ty), (right, ty), "#e0e0e0", 1.0);
        svg.text(
            left - 8.0,
            ty + 4.0,
            Font::sans(11.0).end(),
            &format!("{}%", tick * 25),
        );
    }
    let mut xs: Vec<usize> = points.iter().map(|p| p.held).collect();
    xs.sort_unstable();
    xs.dedup();
    for held in &xs {
        let tx = x(*held);
        svg.line((tx, bottom), (tx, bottom + 5.0), "#333333", 1.0);
        svg.text(
            tx,
            bottom + 18.0,
            Font::sans(11.0).middle(),
            &held.to_string(),
        );
    }
    svg.line((left, top), (left, bottom), "#333333", 1.0);
    svg.line((left, bottom), (right, bottom), "#333333", 1.0);
    svg.text(
        (left + right) / 2.0,
        bottom + 38.0,
        Font::sans(12.0).middle(),
        "silent connections held by the attacker",
    );
    svg.text(
        20.0,
        top - 14.0,
        Font::sans(12.0),
        "honest clients served (of 10 per point)",
    );
    // Lines: a colour per server, dashed when naive.
    let servers: Vec<&str> = {
        let mut s: Vec<&str> = series.iter().map(|(s, _, _)| s.as_str()).collect();
        s.dedup();
        s
    };
    for (i, (server, configuration, flags)) in series.iter().enumerate() {
        let colour = SERIES[servers.iter().position(|s| s == server).unwrap_or(0) % SERIES.len()];
        let naive = configuration == "naive";
        // A small offset so that lines on top of each other both show.
        let nudge = (i as f64 - 1.5) * 2.0;
        let pts: Vec<(f64, f64)> = points
            .iter()
            .filter(|p| &p.server == server && &p.configuration == configuration)
            .map(|p| {
                (
                    x(p.held),
                    y(p.served as f64 / p.probes.max(1) as f64) + nudge,
                )
            })
            .collect();
        svg.polyline(&pts, colour, 2.5, naive);
        for pt in &pts {
            svg.circle(*pt, 3.5, colour);
        }
        let ly = top + 10.0 + i as f64 * 40.0;
        let lx = right + 20.0;
        svg.polyline(&[(lx, ly), (lx + 30.0, ly)], colour, 2.5, naive);
        svg.text(
            lx + 38.0,
            ly + 4.0,
            Font::sans(12.0).bold(),
            &format!("{server}, {configuration}"),
        );
        svg.text(
            lx + 38.0,
            ly + 19.0,
            Font::mono(11.0).fill("#444444"),
            flags,
        );
    }
    let mut lines = vec![
        "Each point: a fresh server, the attack running, 10 honest clients (bob, the real 11-mtls-client, handshake and one echo within 5 s).".to_owned(),
        "The naive server refuses once its places for handshakes in progress (--max-pending, 64 by default) are taken; the defended one closes the oldest.".to_owned(),
        same_curves(&points),
    ];
    if let Some(note) = header(&text, "note") {
        lines.push(format!("Sizes: {note}."));
    }
    lines.extend(caption(&text, "siege"));
    footer(&mut svg, bottom + 64.0, &lines);
    Ok(svg.finish())
}

/// Whether the thread server and the event loop served the same number
/// of honest clients at every point, said from the points.
fn same_curves(points: &[SweepPoint]) -> String {
    let served = |server: &str| -> Vec<(String, usize, usize)> {
        points
            .iter()
            .filter(|p| p.server == server)
            .map(|p| (p.configuration.clone(), p.held, p.served))
            .collect()
    };
    let (threads, events) = (served("11-mtls-server"), served("14-async-server"));
    if threads.is_empty() || events.is_empty() {
        "Only one server was measured.".into()
    } else if threads == events {
        "Threads (11-mtls-server) and the event loop (14-async-server) served the same at every point: admission decides, not the I/O model.".into()
    } else {
        let differ = threads.iter().zip(&events).filter(|(a, b)| a != b).count();
        format!(
            "Threads (11-mtls-server) and the event loop (14-async-server) differ at {differ} of {} points.",
            threads.len()
        )
    }
}

/// One row of `14-siege --compare`'s table.
#[derive(Clone, Debug, PartialEq)]
pub struct Compared {
    pub server: String,
    pub held: String,
    pub per_pending_kib: f64,
    pub threads: f64,
    pub per_second: f64,
}

pub fn parse_compare(text: &str) -> Result<Vec<Compared>, String> {
    let mut out = Vec::new();
    for line in body(text) {
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        if cells.len() != 7 || cells[0] == "server" || cells[0].starts_with("---") {
            continue;
        }
        let bad = || format!("siege-compare.txt: cannot read {line:?}");
        let number = |cell: &str| -> Result<f64, String> {
            cell.split(' ')
                .next()
                .unwrap_or("")
                .parse()
                .map_err(|_| bad())
        };
        if !cells[4].ends_with(" KiB") {
            return Err(bad());
        }
        out.push(Compared {
            server: cells[0].into(),
            held: cells[1].into(),
            per_pending_kib: number(cells[4])?,
            threads: number(cells[5])?,
            per_second: number(cells[6])?,
        });
    }
    if out.len() < 2 {
        return Err("siege-compare.txt: fewer than two servers".into());
    }
    Ok(out)
}

/// A group of bars: its title, the value it shows, its unit.
type Group = (&'static str, fn(&Compared) -> f64, &'static str);

/// Threads against the event loop, holding the same stalled handshakes.
pub fn siege_compare() -> Result<String, String> {
    let text = record::read("siege-compare.txt")?;
    let rows = parse_compare(&text)?;
    let (w, left, bar_w) = (980.0, 300.0, 480.0);
    let groups: [Group; 3] = [
        ("memory per pending handshake", |c| c.per_pending_kib, "KiB"),
        ("threads while holding them", |c| c.threads, ""),
        (
            "handshakes a second (4 clients, 3 s)",
            |c| c.per_second,
            "/s",
        ),
    ];
    let group_h = 40.0 + rows.len() as f64 * 30.0;
    let h = 80.0 + groups.len() as f64 * group_h + 100.0;
    let mut svg = Svg::new(w, h, "Lesson 14: threads against the event loop");
    svg.text(
        20.0,
        30.0,
        Font::sans(18.0).bold(),
        "Lesson 14: threads against the event loop, holding the same stalled handshakes",
    );
    svg.text(
        20.0,
        50.0,
        Font::sans(13.0).fill("#444444"),
        &format!(
            "14-siege --compare: {}",
            header(&text, "note").unwrap_or("?")
        ),
    );
    let mut y = 80.0;
    for (title, value, unit) in groups {
        svg.text(20.0, y + 14.0, Font::sans(13.0).bold(), title);
        let max = rows.iter().map(value).fold(0.0_f64, f64::max).max(1e-9);
        for (i, row) in rows.iter().enumerate() {
            let by = y + 24.0 + i as f64 * 30.0;
            svg.text(left - 12.0, by + 16.0, Font::sans(12.0).end(), &row.server);
            let width = (value(row) / max * bar_w).max(1.0);
            svg.rect(left, by, width, 22.0, SERIES[i % SERIES.len()], None);
            svg.text(
                left + width + 8.0,
                by + 16.0,
                Font::sans(12.0),
                &format!("{} {unit}", num(value(row))),
            );
        }
        y += group_h;
    }
    let mut lines = vec![format!(
        "Held: {}. Memory is the servers' resident set; handshakes a second move with the machine's load (a wall clock), memory does not.",
        rows.iter()
            .map(|r| format!("{} {}", r.server, r.held))
            .collect::<Vec<_>>()
            .join(", ")
    )];
    lines.extend(caption(&text, "siege"));
    footer(&mut svg, y + 10.0, &lines);
    Ok(svg.finish())
}

#[cfg(test)]
mod tests {
    use super::{parse_compare, parse_sweep};

    #[test]
    fn the_sweep_is_read_and_a_bad_line_named() {
        let text = "# date: x\nserver\tconfiguration\tflags\tattack\tsilent_held\topened\tserved\tprobes\tslowest_ms\n\
                    11-mtls-server\tnaive\t--when-full refuse\tslowloris\t100\t152\t0\t10\t0\n";
        let points = parse_sweep(text).unwrap();
        assert_eq!(
            (points[0].held, points[0].served, points[0].probes),
            (100, 0, 10)
        );
        let e = parse_sweep("a\tb\n").unwrap_err();
        assert!(e.contains("data line 1"), "{e}");
    }

    #[test]
    fn the_comparison_table_is_read() {
        let text = "| server | pending handshakes held | RSS idle | RSS holding them | per pending handshake | threads holding them | handshakes/s (4 clients, 3 s) |\n\
                    |---|---|---|---|---|---|---|\n\
                    | 11-mtls-server | 3000 of 3000 | 3.2 MiB | 55.0 MiB | 17.7 KiB | 3003 | 2511 |\n\
                    | 14-async-server | 3000 of 3000 | 4.0 MiB | 15.7 MiB | 4.0 KiB | 5 | 2262 |\n";
        let rows = parse_compare(text).unwrap();
        assert_eq!(rows[0].per_pending_kib, 17.7);
        assert_eq!((rows[1].threads, rows[1].per_second), (5.0, 2262.0));
        assert!(parse_compare("| a | b |\n").is_err());
    }
}

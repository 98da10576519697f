//! The figures drawn from records (`lessons/figures/data/`): Lesson 14's
//! sweep, the device's memory, the benchmark's breakdown, and Lesson 16's
//! trace as a sequence diagram. Each parser names the line it cannot read.

use crate::record::{self, body, header};
use crate::runs::From;
use crate::sequence::{Diagram, Item};
use crate::svg::{Font, SERIES, Svg, num};

fn caption(text: &str, what: &str) -> Vec<String> {
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

fn footer(svg: &mut Svg, y: f64, lines: &[String]) {
    for (i, line) in lines.iter().enumerate() {
        svg.text(
            20.0,
            y + i as f64 * 15.0,
            Font::sans(11.0).fill("#555555"),
            line,
        );
    }
}

// ---------------------------------------------------------------- siege

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

// ---------------------------------------------------------------- device

/// What the firmware's output says about memory.
#[derive(Debug, PartialEq)]
pub struct Device {
    pub flash_bytes: u64,
    pub flash_limit: u64,
    pub static_ram: u64,
    pub ram_limit: u64,
    pub peak_stack: u64,
    pub flash_kib_last_line: u64,
    /// `(step, stack below the caller)` from the step-by-step table.
    pub steps: Vec<(String, u64)>,
}

fn number_before<'t>(text: &'t str, unit: &str) -> Option<&'t str> {
    let end = text.find(unit)?;
    text[..end].trim_end().rsplit(' ').next()
}

pub fn parse_firmware(text: &str) -> Result<Device, String> {
    let lines: Vec<&str> = body(text).collect();
    let last = lines
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty())
        .ok_or("firmware.txt is empty")?;
    let bad = |what: &str| format!("firmware.txt: cannot read {what}");
    // on-device: handshake ok, flash N KiB, static RAM N B, peak stack N B
    let rest = last
        .strip_prefix("on-device: handshake ok, ")
        .ok_or_else(|| bad("the last line (`on-device: handshake ok, ...`)"))?;
    let parts: Vec<&str> = rest.split(", ").collect();
    let field = |prefix: &str, suffix: &str| -> Result<u64, String> {
        parts
            .iter()
            .find_map(|p| p.strip_prefix(prefix)?.strip_suffix(suffix))
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| bad(&format!("`{prefix}N{suffix}` in the last line")))
    };
    let flash_kib = field("flash ", " KiB")?;
    let static_ram = field("static RAM ", " B")?;
    let peak_stack = field("peak stack ", " B")?;
    // memory: flash N B of N B, static RAM N B of N B, ...
    let memory = lines
        .iter()
        .find_map(|l| l.strip_prefix("memory: "))
        .ok_or_else(|| bad("the `memory:` line"))?;
    let of = |what: &str| -> Result<(u64, u64), String> {
        let part = memory
            .split(", ")
            .find_map(|p| p.strip_prefix(what))
            .ok_or_else(|| bad(&format!("`{what}` in the memory line")))?;
        let (used, limit) = part
            .split_once(" B of ")
            .ok_or_else(|| bad(&format!("`{what}N B of N B`")))?;
        let limit = limit.strip_suffix(" B").unwrap_or(limit);
        let limit = limit.split(' ').next().unwrap_or(limit);
        Ok((
            used.trim().parse().map_err(|_| bad(what))?,
            limit.trim().parse().map_err(|_| bad(what))?,
        ))
    };
    let (flash_bytes, flash_limit) = of("flash ")?;
    let (_, ram_limit) = of("static RAM ")?;
    // step by step (transcript)   stack below the caller   instructions
    let mut steps = Vec::new();
    let mut in_steps = false;
    for line in &lines {
        if line.starts_with("step by step") {
            in_steps = true;
            continue;
        }
        if in_steps {
            if !line.starts_with("  ") {
                break;
            }
            let label = line.trim();
            let stack = number_before(label, " B ").and_then(|n| n.parse().ok());
            let name = label
                .split("  ")
                .next()
                .map(str::trim)
                .unwrap_or(label)
                .to_owned();
            match stack {
                Some(stack) => steps.push((name, stack)),
                None => return Err(bad(&format!("the step line {line:?}"))),
            }
        }
    }
    Ok(Device {
        flash_bytes,
        flash_limit,
        static_ram,
        ram_limit,
        peak_stack,
        flash_kib_last_line: flash_kib,
        steps,
    })
}

/// Flash, RAM and stack against the device's limits, as bars.
pub fn device() -> Result<String, String> {
    let text = record::read("firmware.txt")?;
    let d = parse_firmware(&text)?;
    let kib = |b: u64| b as f64 / 1024.0;
    let (w, left, bar_w) = (980.0, 250.0, 600.0);
    let h = 250.0 + d.steps.len() as f64 * 26.0 + 90.0;
    let mut svg = Svg::new(w, h, "Lesson 11 on a device: flash, RAM and stack");
    svg.text(
        20.0,
        30.0,
        Font::sans(18.0).bold(),
        "Lesson 11 on a device: what the handshake uses of a Cortex-M3",
    );
    svg.text(
        20.0,
        50.0,
        Font::sans(13.0).fill("#444444"),
        &format!(
            "QEMU lm3s6965evb: {} KiB of flash, {} KiB of RAM, no heap; full bar = the device's limit",
            num(kib(d.flash_limit)),
            num(kib(d.ram_limit))
        ),
    );
    let bar = |svg: &mut Svg, y: f64, label: &str, parts: &[(f64, &str, String)], limit: f64| {
        svg.text(left - 12.0, y + 17.0, Font::sans(13.0).bold().end(), label);
        svg.rect(left, y, bar_w, 26.0, "#f2f2f2", Some("#999999"));
        let mut x = left;
        for (value, colour, _) in parts {
            let width = (value / limit * bar_w).max(1.0);
            svg.rect(x, y, width, 26.0, colour, None);
            x += width;
        }
        let text: Vec<String> = parts.iter().map(|(_, _, t)| t.clone()).collect();
        svg.text(
            left,
            y + 42.0,
            Font::sans(12.0).fill("#333333"),
            &text.join(" + "),
        );
    };
    let flash = d.flash_bytes as f64;
    bar(
        &mut svg,
        80.0,
        "flash",
        &[(
            flash,
            SERIES[0],
            format!(
                "{} KiB used ({} B) of {} KiB: {}%",
                num(kib(d.flash_bytes)),
                d.flash_bytes,
                num(kib(d.flash_limit)),
                num(flash / d.flash_limit as f64 * 100.0)
            ),
        )],
        d.flash_limit as f64,
    );
    let ram_used = (d.static_ram + d.peak_stack) as f64;
    bar(
        &mut svg,
        150.0,
        "RAM",
        &[
            (
                d.static_ram as f64,
                SERIES[3],
                format!("static {} B", d.static_ram),
            ),
            (
                d.peak_stack as f64,
                SERIES[2],
                format!(
                    "peak stack {} B = {} KiB of {} KiB: {}%",
                    d.peak_stack,
                    num(kib(ram_used as u64)),
                    num(kib(d.ram_limit)),
                    num(ram_used / d.ram_limit as f64 * 100.0)
                ),
            ),
        ],
        d.ram_limit as f64,
    );
    let mut y = 230.0;
    svg.text(
        20.0,
        y,
        Font::sans(13.0).bold(),
        "Stack below the caller, step by step (transcript binding), against the same 64 KiB",
    );
    y += 12.0;
    for (step, stack) in &d.steps {
        svg.text(left - 12.0, y + 14.0, Font::sans(12.0).end(), step);
        svg.rect(left, y, bar_w, 18.0, "#f2f2f2", Some("#cccccc"));
        svg.rect(
            left,
            y,
            (*stack as f64 / d.ram_limit as f64 * bar_w).max(1.0),
            18.0,
            SERIES[2],
            None,
        );
        svg.text(
            left + bar_w + 8.0,
            y + 14.0,
            Font::sans(12.0),
            &format!("{stack} B"),
        );
        y += 26.0;
    }
    let mut lines = vec![format!(
        "From the firmware's output: its last line (flash {} KiB, static RAM {} B, peak stack {} B) and its `memory:` line (exact bytes and limits, from memory.x).",
        d.flash_kib_last_line, d.static_ram, d.peak_stack
    )];
    lines.extend(caption(&text, "firmware"));
    footer(&mut svg, y + 20.0, &lines);
    Ok(svg.finish())
}

// ---------------------------------------------------------------- bench

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

// ---------------------------------------------------------------- tls13

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

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn the_firmware_lines_are_read() {
        let text = "step by step (transcript)                 stack below the caller   instructions\n\
                    \x20 both: load identity keys (once per boot)     2096 B              1035600\n\
                    \x20 client: start, message 1                     2136 B               508240\n\
                    primitives, one at a time\n\
                    memory: flash 123968 B of 262144 B, static RAM 12 B of 65536 B, stack room 65524 B (no heap)\n\
                    on-device: handshake ok, flash 122 KiB, static RAM 12 B, peak stack 12956 B\n";
        let d = parse_firmware(text).unwrap();
        assert_eq!(
            (
                d.flash_bytes,
                d.flash_limit,
                d.static_ram,
                d.ram_limit,
                d.peak_stack
            ),
            (123968, 262144, 12, 65536, 12956)
        );
        assert_eq!(d.steps.len(), 2);
        assert_eq!(d.steps[1], ("client: start, message 1".to_owned(), 2136));
        assert!(parse_firmware("on-device: handshake FAILED\n").is_err());
    }

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

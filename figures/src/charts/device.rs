//! The device's memory: flash, RAM and stack from the firmware's output.

use super::caption::{caption, footer};
use crate::record::{self, body};
use crate::svg::{Font, SERIES, Svg, num};

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

/// Flash, RAM and stack against the device's limits, as bars: the
/// classical firmware (built without `pq`) and what the hybrid handshake
/// of Lesson 19 adds to it (the default build, `pq`).
pub fn device() -> Result<String, String> {
    let text = record::read("firmware.txt")?;
    let d = parse_firmware(&text)?;
    let classical_text = record::read("firmware-classical.txt")?;
    let c = parse_firmware(&classical_text)?;
    let kib = |b: u64| b as f64 / 1024.0;
    let (w, left, bar_w) = (980.0, 250.0, 600.0);
    let h = 250.0 + d.steps.len() as f64 * 26.0 + 90.0;
    let mut svg = Svg::new(w, h, "Lessons 11 and 19 on a device: flash, RAM and stack");
    svg.text(
        20.0,
        30.0,
        Font::sans(18.0).bold(),
        "Lessons 11 and 19 on a device: what the handshakes use of a Cortex-M3",
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
    let pq_flash = d.flash_bytes.saturating_sub(c.flash_bytes);
    bar(
        &mut svg,
        80.0,
        "flash",
        &[
            (
                c.flash_bytes as f64,
                SERIES[0],
                format!("classical {} KiB", num(kib(c.flash_bytes))),
            ),
            (
                pq_flash as f64,
                SERIES[1],
                format!(
                    "hybrid (pq) {} KiB = {} KiB ({} B) of {} KiB: {}%",
                    num(kib(pq_flash)),
                    num(kib(d.flash_bytes)),
                    d.flash_bytes,
                    num(kib(d.flash_limit)),
                    num(flash / d.flash_limit as f64 * 100.0)
                ),
            ),
        ],
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
                c.peak_stack as f64,
                SERIES[2],
                format!("classical peak stack {} B", c.peak_stack),
            ),
            (
                d.peak_stack.saturating_sub(c.peak_stack) as f64,
                SERIES[1],
                format!(
                    "the deepest hybrid side's, {} B in all: {} KiB of {} KiB, {}%",
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
    let mut lines = vec![
        format!(
            "From the firmware's output: its last line (flash {} KiB, static RAM {} B, peak stack {} B) and its `memory:` line (exact bytes and limits, from memory.x);",
            d.flash_kib_last_line, d.static_ram, d.peak_stack
        ),
        format!(
            "classical: the same firmware built without `pq` (flash {} KiB, peak stack {} B). The hybrid handshake runs one side at a time: both in one program exceed 64 KiB.",
            c.flash_kib_last_line, c.peak_stack
        ),
    ];
    lines.extend(caption(&text, "firmware"));
    footer(&mut svg, y + 20.0, &lines);
    Ok(svg.finish())
}

#[cfg(test)]
mod tests {
    use super::parse_firmware;

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
}

//! The native handshake time the page shows beside its own: read, when
//! the module is built, from the benchmark table in the README, so the
//! page never carries a second copy of the number.

/// The README, as it was when the module was built.
const README: &str = include_str!("../../README.md");

/// Where the figure comes from, for the page's citation.
pub const SOURCE: &str = "README.md, section Benchmarks (cargo bench -p learn-mtls-bench)";

/// The row of the benchmark table the lab compares with: the same
/// handshake the lab's timing runs.
const ROW: &str = "| Mutual handshake, both sides, transcript binding, with key confirmation |";

/// One measured figure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Figure {
    /// What was measured, as the table says.
    pub what: &'static str,
    /// The time, as the table says (e.g. `337 µs`).
    pub time: &'static str,
    /// The paragraph above the table: when, on what, with which command.
    pub measured: String,
}

/// The figure, or `None` if the README no longer has that row.
pub fn figure() -> Option<Figure> {
    let at = README.find(ROW)?;
    let row = README[at..].lines().next()?;
    let mut cells = row.split('|').map(str::trim).filter(|c| !c.is_empty());
    let what = cells.next()?;
    let time = cells.next()?;
    // The paragraph that opens with "Measured on", just above the table.
    let before = &README[..at];
    let start = before.rfind("\nMeasured on")? + 1;
    let measured = before[start..]
        .split("\n\n")
        .next()?
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_end_matches(':')
        .to_owned();
    Some(Figure {
        what,
        time,
        measured,
    })
}

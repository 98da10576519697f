//! The course's figures (issue 22), every one drawn from a real run:
//!
//! ```console
//! $ cargo run -p learn-mtls-figures                   # (re)write every lessons/figures/NAME.svg (and quoted records)
//! $ cargo run -p learn-mtls-figures -- --check        # exit 1 naming each stale, missing or stray figure
//! $ cargo run -p learn-mtls-figures -- --record WHAT  # re-measure into lessons/figures/data/
//! ```
//!
//! The handshake figures come from in-process runs of the library with
//! the golden files' inputs, made every time. The measurements that take
//! minutes and vary from run to run (the TLS 1.3 trace, the siege, the
//! firmware, the benchmark) are recorded into `lessons/figures/data/` only
//! by `--record`; drawing from a record is deterministic, so `--check`
//! compares byte for byte.

mod bytemap;
mod charts;
mod quotes;
mod record;
mod runs;
mod sequence;
mod svg;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use learn_mtls::handshake::Binding;

/// A path inside the repository.
pub fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative)
}

const FIGURES: &str = "lessons/figures";
const REDRAW: &str = "redraw: cargo run -p learn-mtls-figures";

/// One generated figure: its file name and its SVG text.
pub struct Figure {
    pub name: &'static str,
    pub svg: String,
}

type Generator = fn() -> Result<String, String>;

/// Every figure and the function that draws it, in a stable order.
const GENERATORS: &[(&str, Generator)] = &[
    ("sequence-lesson10.svg", sequence_lesson10),
    ("sequence-lesson11-lesson11.svg", || {
        sequence_lesson11(Binding::InsecureLesson11)
    }),
    ("sequence-lesson11-transcript.svg", || {
        sequence_lesson11(Binding::Transcript)
    }),
    ("sequence-lesson15.svg", sequence_lesson15),
    ("bytes-lesson11.svg", bytes_lesson11),
    ("bytes-lesson15.svg", bytes_lesson15),
    ("sequence-lesson16.svg", sequence_lesson16),
    ("siege-honest-served.svg", charts::siege),
    ("siege-threads-event-loop.svg", charts::siege_compare),
    ("device-memory.svg", charts::device),
    ("bench-handshake.svg", charts::bench),
];

fn sequence_lesson16() -> Result<String, String> {
    Ok(sequence::draw(&charts::tls13_diagram()?))
}

fn sequence_lesson10() -> Result<String, String> {
    let mut d = sequence::lesson10(&runs::lesson10()?);
    d.footer.push(REDRAW.into());
    Ok(sequence::draw(&d))
}

fn sequence_lesson11(binding: Binding) -> Result<String, String> {
    let mut d = sequence::lesson11(&runs::lesson11(binding)?);
    d.footer.push(REDRAW.into());
    Ok(sequence::draw(&d))
}

fn sequence_lesson15() -> Result<String, String> {
    let mut d = sequence::lesson15(&runs::lesson15()?);
    d.footer.push(REDRAW.into());
    Ok(sequence::draw(&d))
}

fn bytes_lesson11() -> Result<String, String> {
    let run = runs::lesson11(Binding::Transcript)?;
    Ok(bytemap::draw(
        "The Lesson 11 handshake, byte by byte: 224 bytes",
        "Binding `transcript`; fields from learn_mtls::wire::layout, offsets counted from the start of each message",
        &bytemap::blocks(&run),
        &[
            format!(
                "Drawn from an in-process run of the library with the inputs of {} (the bytes are checked equal to the file's).",
                run.source
            ),
            REDRAW.into(),
        ],
    ))
}

fn bytes_lesson15() -> Result<String, String> {
    let run = runs::lesson15()?;
    Ok(bytemap::draw(
        "The Lesson 15 certified handshake, byte by byte: 634 bytes",
        "Fields from certified::server_hello_layout / client_auth_layout; each 220-byte certificate cut by learn_mtls::cert::LAYOUT",
        &bytemap::blocks(&run),
        &[
            format!(
                "Drawn from an in-process run of the library with the certificates, seeds and time of {} (bytes checked equal).",
                run.source
            ),
            REDRAW.into(),
        ],
    ))
}

/// Draws every figure, in order; a figure that cannot be drawn is an
/// error naming it (the others are still drawn).
fn generate() -> (Vec<Figure>, Vec<String>) {
    let mut figures = Vec::new();
    let mut errors = Vec::new();
    for (name, generator) in GENERATORS {
        match generator() {
            Ok(svg) => figures.push(Figure { name, svg }),
            Err(e) => errors.push(format!("{FIGURES}/{name}: {e}")),
        }
    }
    (figures, errors)
}

/// `.svg` files in `dir` that no generator writes.
fn strays(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".svg") && !GENERATORS.iter().any(|(n, _)| *n == name) {
                out.push(name);
            }
        }
    }
    out.sort();
    out
}

/// What `--check` reports: each figure in `dir` that differs from what
/// was just drawn or is missing, and each stray.
fn problems(dir: &Path, figures: &[Figure]) -> Vec<String> {
    let mut bad = Vec::new();
    for figure in figures {
        let path = format!("{FIGURES}/{}", figure.name);
        match std::fs::read_to_string(dir.join(figure.name)) {
            Ok(text) if text == figure.svg => {}
            Ok(_) => bad.push(format!("{path}: stale (regenerating changes it)")),
            Err(_) => bad.push(format!("{path}: missing")),
        }
    }
    for name in strays(dir) {
        bad.push(format!("{FIGURES}/{name}: stray, no generator draws it"));
    }
    bad
}

fn check(figures: &[Figure]) -> ExitCode {
    let mut bad = problems(&repo_path(FIGURES), figures);
    bad.extend(quotes::stale());
    if bad.is_empty() {
        println!(
            "{} figures current in {FIGURES}/, and {} quoted record(s) in the lessons",
            figures.len(),
            quotes::QUOTES.len()
        );
        ExitCode::SUCCESS
    } else {
        for line in &bad {
            eprintln!("{line}");
        }
        eprintln!("run `cargo run -p learn-mtls-figures` and commit the result");
        ExitCode::FAILURE
    }
}

/// Writes the figures; removes strays only when every figure was drawn.
fn write(figures: &[Figure], complete: bool) -> ExitCode {
    let dir = repo_path(FIGURES);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("error: {FIGURES}: {e}");
        return ExitCode::FAILURE;
    }
    for figure in figures {
        let path = dir.join(figure.name);
        let old = std::fs::read_to_string(&path).ok();
        if old.as_deref() == Some(figure.svg.as_str()) {
            println!("unchanged {FIGURES}/{}", figure.name);
            continue;
        }
        if let Err(e) = std::fs::write(&path, &figure.svg) {
            eprintln!("error: {FIGURES}/{}: {e}", figure.name);
            return ExitCode::FAILURE;
        }
        println!("wrote     {FIGURES}/{}", figure.name);
    }
    for name in strays(&dir).into_iter().filter(|_| complete) {
        match std::fs::remove_file(dir.join(&name)) {
            Ok(()) => println!("removed   {FIGURES}/{name} (no generator draws it)"),
            Err(e) => eprintln!("error: cannot remove {FIGURES}/{name}: {e}"),
        }
    }
    ExitCode::SUCCESS
}

const USAGE: &str = "usage: learn-mtls-figures [--check | --record tls13|siege|firmware|bench|all]

  (no option)   (re)write every figure into lessons/figures/, and the records lessons quote
  --check       regenerate in memory; exit 1 naming each stale, missing or stray figure
  --record WHAT re-run a slow measurement into lessons/figures/data/ (then redraw)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check_only = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => false,
        ["--check"] => true,
        ["--record", what] => {
            return match record::record(what) {
                Ok(()) => {
                    println!("now redraw: cargo run -p learn-mtls-figures");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            };
        }
        ["--help" | "-h"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let (figures, errors) = generate();
    for e in &errors {
        eprintln!("error: {e}");
    }
    let code = if check_only {
        check(&figures)
    } else {
        let code = write(&figures, errors.is_empty());
        match quotes::refresh() {
            Ok(()) => code,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        }
    };
    if errors.is_empty() {
        code
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generating_twice_gives_the_same_bytes() {
        let ((a, e), (b, _)) = (generate(), generate());
        assert!(e.is_empty(), "{e:?}");
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.svg, y.svg, "{}", x.name);
        }
    }

    #[test]
    fn the_check_names_stale_missing_and_stray_figures() {
        let dir =
            std::env::temp_dir().join(format!("learn-mtls-figures-check-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let figures = vec![
            Figure {
                name: GENERATORS[0].0,
                svg: "a".into(),
            },
            Figure {
                name: GENERATORS[1].0,
                svg: "b".into(),
            },
            Figure {
                name: GENERATORS[2].0,
                svg: "c".into(),
            },
        ];
        std::fs::write(dir.join(GENERATORS[0].0), "a").unwrap();
        std::fs::write(dir.join(GENERATORS[1].0), "B").unwrap();
        std::fs::write(dir.join("hand-drawn.svg"), "x").unwrap();
        let found = problems(&dir, &figures);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            found,
            [
                format!(
                    "{FIGURES}/{}: stale (regenerating changes it)",
                    GENERATORS[1].0
                ),
                format!("{FIGURES}/{}: missing", GENERATORS[2].0),
                format!("{FIGURES}/hand-drawn.svg: stray, no generator draws it"),
            ]
        );
    }

    #[test]
    fn every_figure_is_plain_svg() {
        let (figures, errors) = generate();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(figures.len(), GENERATORS.len());
        for figure in figures {
            let svg = &figure.svg;
            assert!(svg.contains("viewBox=\"0 0 "), "{}", figure.name);
            assert!(!svg.contains("<script"), "{}", figure.name);
            assert!(!svg.contains("href"), "{}", figure.name);
            assert!(
                !svg.contains("font-family=\"") || {
                    svg.matches("font-family=\"").count()
                        == svg.matches("font-family=\"monospace\"").count()
                            + svg.matches("font-family=\"sans-serif\"").count()
                }
            );
        }
    }
}

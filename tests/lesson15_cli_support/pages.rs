//! Lesson 15's pages as scripts: their `console` blocks, run in order.

use std::path::Path;

use super::ca::{run, text};

/// The `console` blocks of a lesson page: each command (continuation
/// lines joined) with the lines the page shows after it.
pub fn console_commands(page: &str) -> Vec<(String, Vec<String>)> {
    let mut commands: Vec<(String, Vec<String>)> = Vec::new();
    let mut in_console = false;
    let mut continued = false;
    for line in page.lines() {
        if !in_console {
            in_console = line.trim() == "```console";
            continue;
        }
        if line.trim() == "```" {
            in_console = false;
        } else if let Some(command) = line.strip_prefix("$ ") {
            commands.push((command.trim_end_matches('\\').trim().to_owned(), Vec::new()));
            continued = line.ends_with('\\');
        } else if continued {
            let (command, _) = commands.last_mut().expect("a command");
            command.push(' ');
            command.push_str(line.trim_end_matches('\\').trim());
            continued = line.ends_with('\\');
        } else if let Some((_, shown)) = commands.last_mut() {
            shown.push(line.to_owned());
        }
    }
    commands
}

/// Runs the `15-ca`, `11-mtls-genkeys` and `15-cert-status` commands of
/// `page` (and its `cat`, `cp`, `mv`) in order in `dir`, asserting each
/// prints what the page shows; returns how many outputs were compared.
pub fn replay(page: &str, dir: &Path) -> usize {
    let mut last_status = None;
    let mut checked = 0;
    for (command, shown) in console_commands(page) {
        let words: Vec<&str> = command.split_whitespace().collect();
        match words.as_slice() {
            ["cargo", "run", "--example", name, "--", args @ ..]
                if ["15-ca", "11-mtls-genkeys", "15-cert-status"].contains(name) =>
            {
                let out = run(dir, name, args);
                last_status = out.status.code();
                if *name != "11-mtls-genkeys" {
                    let printed: Vec<String> =
                        text(&out.stdout).lines().map(str::to_owned).collect();
                    assert_eq!(
                        printed,
                        shown,
                        "`{command}` (stderr: {})",
                        text(&out.stderr)
                    );
                    checked += 1;
                }
            }
            ["echo", "$?"] => {
                assert_eq!(last_status.map(|c| c.to_string()), shown.first().cloned());
            }
            ["cat", from @ .., ">", to] => {
                let joined: String = from
                    .iter()
                    .map(|f| std::fs::read_to_string(dir.join(f)).unwrap())
                    .collect();
                std::fs::write(dir.join(to), joined).unwrap();
            }
            ["cp", from, to] => {
                std::fs::copy(dir.join(from), dir.join(to)).unwrap();
            }
            ["mv", from, to] => std::fs::rename(dir.join(from), dir.join(to)).unwrap(),
            _ => {}
        }
    }
    checked
}

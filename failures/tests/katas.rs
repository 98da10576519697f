//! Every kata of `lessons/18-failures.md` (section 5), run as written on
//! the course's certificates: the doctor must name the kata's cause. A
//! kata that starts `openssl s_server ... &` gets that server, on a free
//! port instead of 8443.

mod common;

use std::process::Command;

use common::{Maker, Server, TempDir, WAIT, example, make_set, run_bounded};

/// Splits a console line into words (the katas quote nothing).
fn words(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_owned).collect()
}

#[test]
fn every_kata_gets_its_diagnosis() {
    let lesson = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../lessons/18-failures.md"),
    )
    .expect("the lesson");
    let katas = lesson
        .split("## 5. Katas")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("a Katas section");
    let dir = TempDir::new("lesson18", "katas");
    make_set(Maker::Course, &dir);
    // Kata 11 names the CA file the openssl script writes beside its Ed448
    // certificate; in the course's set that is ed448-ca.pem.
    let mut ran = 0;
    for block in katas.split("```console").skip(1) {
        let block = block.split("```").next().unwrap_or("");
        let want = block
            .lines()
            .find_map(|l| l.strip_prefix("problem "))
            .and_then(|rest| rest.split(':').next())
            .expect("each kata shows the problem line it expects");
        let mut server = None;
        let mut verdict = None;
        for line in block.lines().filter_map(|l| l.strip_prefix("$ ")) {
            let mut args = words(line.trim_end_matches('&').trim());
            if args[0] == "openssl" {
                for a in &mut args {
                    if a == "127.0.0.1:8443" {
                        *a = "127.0.0.1:0".to_owned();
                    }
                }
                server = Some(Server::start(
                    Command::new("openssl").args(&args[1..]).current_dir(&dir.0),
                ));
                continue;
            }
            assert_eq!(args[0], "18-mtls-doctor", "{line}");
            for a in &mut args {
                if let (Some(s), "127.0.0.1:8443") = (&server, a.as_str()) {
                    a.clone_from(&s.addr);
                }
            }
            if args.iter().any(|a| a.starts_with("ed448")) {
                if let Some(ca) = args.iter_mut().find(|a| *a == "ca.pem") {
                    *ca = "ed448-ca.pem".to_owned();
                }
            }
            let (code, out) = run_bounded(
                Command::new(example("18-mtls-doctor"))
                    .args(&args[1..])
                    .current_dir(&dir.0),
                b"",
                WAIT,
            );
            assert_eq!(code, Some(1), "{line}\n{out}");
            verdict = Some(out);
        }
        let out = verdict.expect("each kata runs the doctor");
        assert!(
            out.lines()
                .any(|l| l.starts_with(&format!("problem {want}: "))),
            "kata expecting {want}:\n{out}"
        );
        drop(server);
        ran += 1;
    }
    assert_eq!(ran, 12, "one kata per cause");
}

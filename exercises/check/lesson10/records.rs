//! The check of exercise 10.4: sealing and opening records, with counters.

use std::fmt::Display;
use std::mem::discriminant;

use learn_mtls::raw;
use learn_mtls::record::{HEADER_LEN, MAX_PLAINTEXT_LEN, RecordError, Session, TAG_LEN};
use learn_mtls::schedule::KeySchedule;
use learn_mtls_exercises::lesson10::records::RecordLayer;

use crate::harness::{Context, Result, below, fail, hex, random, same_bytes};

use super::fixtures::{BINDINGS, random_keys, real_handshake};

fn lib_seal(session: &mut Session, plaintext: &[u8]) -> std::result::Result<Vec<u8>, RecordError> {
    let mut out = vec![0u8; plaintext.len() + HEADER_LEN + TAG_LEN];
    let len = session.seal(plaintext, &mut out)?;
    out.truncate(len);
    Ok(out)
}

fn lib_open(session: &mut Session, record: &[u8]) -> std::result::Result<Vec<u8>, RecordError> {
    let mut copy = record.to_vec();
    session.open_in_place(&mut copy).map(<[u8]>::to_vec)
}

type RecordResult = std::result::Result<Vec<u8>, RecordError>;

fn same_result(
    what: &str,
    input: &dyn Display,
    expected: &RecordResult,
    got: &RecordResult,
) -> Result {
    match (expected, got) {
        (Ok(e), Ok(g)) => same_bytes(what, input, e, g),
        (Err(e), Err(g)) if discriminant(e) == discriminant(g) => Ok(()),
        _ => Err(fail(format!(
            "{what} is wrong\n  input:    {input}\n  expected: {}\n  got:      {}",
            show(expected),
            show(got)
        ))),
    }
}

fn show(result: &RecordResult) -> String {
    match result {
        Ok(bytes) => format!("Ok({})", hex(bytes)),
        Err(e) => format!("Err({e:?}): {e}"),
    }
}

/// 10.4: sealing and opening records.
pub fn records() -> Result {
    let keys = random_keys();
    // Sealing: byte for byte what the library seals, record after record.
    let mut lib = raw::client_session(&keys);
    let mut mine = RecordLayer::new(&keys.client_write_key, &keys.client_write_iv);
    let mut lengths = vec![0, 1, 15, 16, 17, 100, 1000, MAX_PLAINTEXT_LEN];
    lengths.extend((0..20).map(|_| below(300)));
    for (n, len) in lengths.into_iter().enumerate() {
        let plaintext: Vec<u8> = (0..len).map(|_| random::<1>()[0]).collect();
        let input = format!("record {n} sealed (counter {n}), plaintext of {len} bytes");
        same_result(
            "the sealed record",
            &input,
            &lib_seal(&mut lib, &plaintext),
            &mine.seal(&plaintext),
        )?;
    }
    let too_long = vec![0u8; MAX_PLAINTEXT_LEN + 1];
    let input = format!("a plaintext of {} bytes", too_long.len());
    same_result(
        "sealing",
        &input,
        &lib_seal(&mut lib, &too_long),
        &mine.seal(&too_long),
    )?;

    // Opening: the same answers as the library, step by step.
    let mut sender = raw::server_session(&keys);
    let records: Vec<Vec<u8>> = (0..6)
        .map(|i| lib_seal(&mut sender, format!("record {i}").as_bytes()))
        .collect::<std::result::Result<_, _>>()
        .context("sealing")?;
    let flipped = |record: &[u8]| {
        let mut copy = record.to_vec();
        let at = HEADER_LEN + below(copy.len() - HEADER_LEN);
        copy[at] ^= 1 << below(8);
        copy
    };
    let mut longer = records[3].clone();
    longer.push(0);
    let mut huge = vec![0xff, 0xff];
    huge.extend_from_slice(&[0; 20]);
    let steps: Vec<(String, Vec<u8>)> = vec![
        ("record 0".into(), records[0].clone()),
        ("record 1 with one bit flipped".into(), flipped(&records[1])),
        ("record 1".into(), records[1].clone()),
        ("record 1 again (a replay)".into(), records[1].clone()),
        (
            "record 2 cut short by one byte".into(),
            records[2][..records[2].len() - 1].to_vec(),
        ),
        ("record 2".into(), records[2].clone()),
        ("no bytes at all".into(), Vec::new()),
        ("a single byte".into(), vec![0]),
        ("a header announcing 65535 bytes".into(), huge),
        (
            "a header announcing 5 bytes".into(),
            vec![0, 5, 1, 2, 3, 4, 5],
        ),
        ("record 3 with a byte appended".into(), longer),
        (
            "record 4 before record 3 (reordered)".into(),
            records[4].clone(),
        ),
        ("record 3".into(), records[3].clone()),
        ("record 4".into(), records[4].clone()),
    ];
    let mut lib = raw::client_session(&keys);
    let mut mine = RecordLayer::new(&keys.server_write_key, &keys.server_write_iv);
    for (n, (what, record)) in steps.iter().enumerate() {
        // Say what came before on the same opener: a failure here is often
        // a counter that moved on an earlier step.
        let before: Vec<&str> = steps[..n].iter().map(|(w, _)| w.as_str()).collect();
        let before = if before.is_empty() {
            "nothing yet".to_owned()
        } else {
            before.join("; ")
        };
        let input = format!(
            "one opener, step {n}: {what}: {}\n            \
             (given to the same opener before, in order: {before})",
            hex(record)
        );
        same_result(
            "opening",
            &input,
            &lib_open(&mut lib, record),
            &mine.open(record),
        )?;
    }

    // A real handshake: your record layers talk to the library's session.
    for binding in BINDINGS {
        let mut real = real_handshake(binding)?;
        let shared = raw::shared_secret(&real.secret, &real.server_hello.share)
            .context("the shared secret")?;
        let keys = raw::traffic_keys(
            KeySchedule::Hkdf,
            &shared,
            &real.hello.share,
            &real.server_hello.share,
            real.transcript_hash,
        );
        let mut sealer = RecordLayer::new(&keys.client_write_key, &keys.client_write_iv);
        let mut opener = RecordLayer::new(&keys.server_write_key, &keys.server_write_iv);
        for i in 0..5 {
            let text = format!("message {i} of a real {binding} session");
            let record = sealer.seal(text.as_bytes()).context("your seal")?;
            let opened = lib_open(&mut real.server, &record).map_err(|e| {
                fail(format!(
                    "the real server could not open your record {i}: {e}"
                ))
            })?;
            same_bytes("what the server opened", &text, text.as_bytes(), &opened)?;
            let reply = lib_seal(&mut real.server, text.as_bytes()).context("sealing")?;
            let opened = opener.open(&reply).map_err(|e| {
                fail(format!(
                    "your open refused the real server's record {i}: {e}"
                ))
            })?;
            same_bytes("what you opened", &text, text.as_bytes(), &opened)?;
        }
    }
    Ok(())
}

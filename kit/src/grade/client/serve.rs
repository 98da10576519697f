//! The grader as the server: the handshake served to the client, honest or
//! changed on purpose, and the session after it.

use super::Target;
use super::run::{Exit, Run, launch, wait, wait_for};
use crate::grade::conn::{Conn, Reaction, Short};
use crate::grade::kem::{self, Secrets};
use crate::grade::report::{Failure, Outcome, diff, fail, show};
use crate::grade::spec::{self, Lesson, Session, Side, Transcript};
use crate::grade::{Topic, section};
use learn_mtls::handshake::Binding;
use std::time::Duration;

/// How the grader fills message 2.
#[derive(Clone, Copy)]
pub(super) enum Hello2 {
    Honest,
    /// Honest, but written 5 bytes at a time.
    HonestSplit,
    FlippedSignatureBit,
    WrongKey,
    SmallOrderR,
    UnreducedS,
    LowOrderShare([u8; 32]),
    /// Hybrid: one bit of the ciphertext flipped before signing, so the
    /// signature is valid over what is sent.
    TamperedCiphertext,
    /// All of message 2 but its last byte, then the end of the stream.
    Truncated,
}

/// The server's side after M2: what it needs for the keys.
pub(super) struct Served {
    pub(super) m1: Vec<u8>,
    pub(super) m2: Vec<u8>,
    /// What the grader derived: from the ciphertext it encapsulated, even
    /// when it sent another one ([`Hello2::TamperedCiphertext`]).
    pub(super) secrets: Secrets,
}

/// Message 1, exactly as long as the key exchange says; under the hybrid
/// one, its encapsulation key must pass FIPS 203's check.
pub(super) fn read_m1(t: &Target, conn: &mut Conn) -> Result<Vec<u8>, Failure> {
    let m1 = conn.read_exact(t.p.m1_len()).map_err(|s| {
        fail(
            format!("message 1 (ClientHello), {} bytes", t.p.m1_len()),
            s.describe(),
            &section(t.p, Topic::Messages),
        )
    })?;
    if t.p.hybrid() {
        if let Some((index, value)) = kem::bad_coefficient(&m1[..kem::ENCAPSULATION_KEY_LEN]) {
            return Err(fail(
                "an encapsulation key (M1 bytes 0..1184) whose coefficients are all below 3329",
                format!("coefficient {index} is {value}: FIPS 203's input check fails"),
                &section(t.p, Topic::Messages),
            ));
        }
    }
    Ok(m1)
}

pub(super) fn send_m2(
    t: &Target,
    conn: &mut Conn,
    m1: Vec<u8>,
    how: Hello2,
) -> Result<Served, Failure> {
    let (secret, mut share) = spec::ephemeral();
    if let Hello2::LowOrderShare(low) = how {
        share = low;
    }
    let (mut reply, secrets) = kem::answer(t.p.kex, &m1, (secret, share)).map_err(|_| {
        fail(
            "an encapsulation key that passes FIPS 203's check",
            "one that fails it",
            &section(t.p, Topic::Messages),
        )
    })?;
    if let Hello2::TamperedCiphertext = how {
        reply[100] ^= 0x10;
    }
    let signed = spec::server_signed(t.p, &m1, &reply);
    let signature = match how {
        Hello2::Honest
        | Hello2::HonestSplit
        | Hello2::LowOrderShare(_)
        | Hello2::TamperedCiphertext
        | Hello2::Truncated => spec::sign(&t.server_seed, &signed),
        Hello2::FlippedSignatureBit => {
            let mut signature = spec::sign(&t.server_seed, &signed);
            signature[40] ^= 0x04;
            signature
        }
        Hello2::WrongKey => spec::sign(&spec::random32(), &signed),
        Hello2::SmallOrderR => spec::sign_small_order_r(&t.server_seed, &signed),
        Hello2::UnreducedS => spec::unreduced_s(&spec::sign(&t.server_seed, &signed)),
    };
    let m2 = [&reply[..], &signature].concat();
    let sent = match how {
        Hello2::HonestSplit => conn.send_split(&m2, 5),
        Hello2::Truncated => {
            let sent = conn.send(&m2[..m2.len() - 1]);
            conn.finish_sending();
            sent
        }
        _ => conn.send(&m2),
    };
    sent.map_err(|s| {
        fail(
            "to send message 2",
            s.describe(),
            &section(t.p, Topic::Messages),
        )
    })?;
    Ok(Served { m1, m2, secrets })
}

/// Reads M3 and checks it byte for byte against the specification.
pub(super) fn read_m3(t: &Target, conn: &mut Conn, served: &Served) -> Result<[u8; 96], Failure> {
    let m3: [u8; 96] = conn.read_array().map_err(|s| {
        fail(
            "message 3 (ClientAuth), 96 bytes",
            s.describe(),
            &section(t.p, Topic::Messages),
        )
    })?;
    let expected_key = spec::public_key(&t.client_seed);
    if let Some(how) = diff(&expected_key, &m3[64..]) {
        return Err(fail(
            "the public key of {key} in M3 bytes 64..96",
            format!("other bytes: {how} (offsets within the key)"),
            &section(t.p, Topic::Messages),
        ));
    }
    let signed = spec::client_signed(t.p, &served.m1, &served.m2, &expected_key);
    if spec::verify_strict(&expected_key, &signed, &m3[..64]) {
        return Ok(m3);
    }
    let other = t.p.variants().into_iter().find(|q| {
        spec::verify_strict(
            &expected_key,
            &spec::client_signed(*q, &served.m1, &served.m2, &expected_key),
            &m3[..64],
        )
    });
    let got = match other {
        Some(q) => format!(
            "a signature over the content of {} instead: the two ends disagree",
            q.flags()
        ),
        None => format!(
            "a signature (M3 bytes 0..64) that does not verify over the {}-byte content the \
             grader computed",
            signed.len()
        ),
    };
    Err(fail(
        format!(
            "a client signature over the content {} specifies",
            t.p.flags()
        ),
        got,
        &section(t.p, Topic::Signed),
    ))
}

/// A finished honest handshake, from the grader's (server) side.
pub(super) struct Est {
    pub(super) conn: Conn,
    /// Write everything 5 bytes at a time.
    pub(super) split: bool,
    pub(super) session: Session,
    pub(super) served: Served,
    pub(super) m3: Option<[u8; 96]>,
}

pub(super) fn handshake(t: &Target, conn: Conn) -> Result<Est, Failure> {
    handshake_as(t, conn, false)
}

pub(super) fn handshake_as(t: &Target, mut conn: Conn, split: bool) -> Result<Est, Failure> {
    let m1 = read_m1(t, &mut conn)?;
    let how = if split {
        Hello2::HonestSplit
    } else {
        Hello2::Honest
    };
    let served = send_m2(t, &mut conn, m1, how)?;
    if served.secrets.x25519 == [0; 32] {
        return Err(fail(
            "a client share of large order",
            "a low-order share: the shared secret is all zeros",
            &section(t.p, Topic::Checks),
        ));
    }
    let m3 = match t.p.lesson {
        Lesson::Eleven => Some(read_m3(t, &mut conn, &served)?),
        Lesson::Ten => None,
    };
    let keys = spec::derive(
        t.p,
        &served.secrets.combined(),
        &Transcript {
            m1: &served.m1,
            m2: &served.m2,
            m3: m3.as_ref(),
        },
    );
    Ok(Est {
        conn,
        split,
        session: Session::new(&keys, Side::Server),
        served,
        m3,
    })
}

pub(super) fn needs_confirmation(t: &Target) -> bool {
    t.p.lesson == Lesson::Eleven && t.p.binding == Binding::Transcript
}

/// Reads the client's next record and opens it; `what` names it for the report.
pub(super) fn next_message(t: &Target, est: &mut Est, what: &str) -> Result<Vec<u8>, Failure> {
    est.conn.restart_clock();
    let counter = est.session.recv.counter;
    let expected = format!("{what}, as the client's record number {counter}");
    let record = match est.conn.read_record() {
        Ok(record) => record,
        Err(Err(Short::Closed { after })) => {
            return Err(fail(
                expected,
                format!("the client closed the connection after {after} bytes of it"),
                &section(t.p, Topic::Echo),
            ));
        }
        Err(Err(short)) => {
            return Err(fail(expected, short.describe(), &section(t.p, Topic::Echo)));
        }
        Err(Ok(len)) => {
            return Err(fail(
                expected,
                format!("a record header announcing {len} bytes (allowed: 16 to 16400)"),
                &section(t.p, Topic::Records),
            ));
        }
    };
    match est.session.recv.open(&record) {
        Some(plaintext) => Ok(plaintext),
        None => Err(fail(
            expected,
            explain_unopenable(t, est, &record),
            &section(t.p, Topic::Schedule),
        )),
    }
}

/// The likeliest reason a client record does not open.
pub(super) fn explain_unopenable(t: &Target, est: &Est, record: &[u8]) -> String {
    let transcript = Transcript {
        m1: &est.served.m1,
        m2: &est.served.m2,
        m3: est.m3.as_ref(),
    };
    crate::grade::explain_unopenable(
        t.p,
        Side::Client,
        &est.session.recv,
        (&est.served.secrets, &transcript),
        record,
    )
}

/// Under the transcript binding, the first record (key confirmation): if
/// it is empty it is only that; if not, it is also the first message.
pub(super) fn confirmation(t: &Target, est: &mut Est) -> Result<Option<Vec<u8>>, Failure> {
    if !needs_confirmation(t) {
        return Ok(None);
    }
    let first = next_message(t, est, "the key-confirmation record").map_err(|mut f| {
        f.section = section(t.p, Topic::KeyConfirmation);
        f
    })?;
    Ok((!first.is_empty()).then_some(first))
}

/// What to do with the echo of the line at `index`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Reply {
    FlippedBit,
    Replayed,
    Length16401,
}

/// Reads each of `lines` from the client and echoes it; with `tamper`,
/// answers the line at that index as it says, and stops there.
pub(super) fn serve_lines(
    t: &Target,
    est: &mut Est,
    lines: &[&[u8]],
    tamper: Option<(usize, Reply)>,
) -> Outcome {
    let mut early = confirmation(t, est)?;
    let mut sent: Vec<Vec<u8>> = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let what = format!("line {} of standard input, {}", index + 1, show(line));
        let message = match early.take() {
            Some(message) => message,
            None => next_message(t, est, &what)?,
        };
        if let Some(how) = diff(line, &message) {
            return Err(fail(
                what,
                format!("{} ({how})", show(&message)),
                &section(t.p, Topic::Echo),
            ));
        }
        let record = match tamper {
            Some((at, how)) if at == index => match how {
                Reply::FlippedBit => {
                    let mut record = est.session.send.seal(&message);
                    record[2] ^= 0x01;
                    record
                }
                Reply::Replayed => sent.last().cloned().expect("a line before"),
                Reply::Length16401 => vec![0x40, 0x11],
            },
            _ => est.session.send.seal(&message),
        };
        let written = if est.split {
            est.conn.send_split(&record, 5)
        } else {
            est.conn.send(&record)
        };
        written.map_err(|s| {
            fail(
                format!("to echo {what}"),
                s.describe(),
                &section(t.p, Topic::Echo),
            )
        })?;
        sent.push(record);
        if matches!(tamper, Some((at, _)) if at == index) {
            break;
        }
    }
    Ok(())
}

pub(super) fn lines_of(input: &str) -> Vec<&[u8]> {
    input.lines().map(str::as_bytes).collect()
}

/// A whole honest session over `input`: echoes, the close, the output, the status.
pub(super) fn honest_session(t: &Target, input: &str) -> Outcome {
    honest_session_as(t, input, false)
}

pub(super) fn honest_session_as(t: &Target, input: &str, split: bool) -> Outcome {
    let (run, conn) = launch(t, input)?;
    let mut est = handshake_as(t, conn, split)?;
    serve_lines(t, &mut est, &lines_of(input), None)?;
    est.conn.restart_clock();
    let closed = match est.conn.reaction() {
        Reaction::Closed => Ok(()),
        Reaction::Sent(bytes) => Err(format!("{} more bytes", bytes.len())),
        Reaction::Silent { secs } => Err(format!("no close within {secs}s")),
    };
    let exit = match closed {
        Ok(()) => wait(t, run),
        Err(_) => wait_for(Duration::from_millis(300), run),
    };
    if let Err(got) = closed {
        return Err(fail(
            "the client to close the connection at the end of its input",
            format!("{got}{}", exit.said()),
            &section(t.p, Topic::Echo),
        ));
    }
    if !exit.status.is_some_and(|s| s.success()) {
        return Err(fail(
            "exit status 0 at the end of its input",
            format!("{}{}", exit.describe_status(), exit.said()),
            &section(t.p, Topic::Echo),
        ));
    }
    if let Some(how) = diff(input.as_bytes(), &exit.stdout) {
        return Err(fail(
            format!(
                "each reply on a line of standard output: {}",
                show(input.as_bytes())
            ),
            format!("{} ({how})", show(&exit.stdout)),
            &section(t.p, Topic::Echo),
        ));
    }
    Ok(())
}

/// How the client ended: in full if it closed the connection (its status
/// counts), briefly if the check has already failed.
pub(super) fn after(t: &Target, reaction: &Reaction, run: Run) -> Exit {
    match reaction {
        Reaction::Closed => wait(t, run),
        _ => wait_for(Duration::from_millis(300), run),
    }
}

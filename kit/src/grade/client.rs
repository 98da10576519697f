//! Grading a client: the grader is the server, honest or not on purpose,
//! and runs the client command once per check.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use learn_mtls::handshake::Binding;

use super::conn::{Conn, Reaction, Short};
use super::report::{Failure, Outcome, diff, fail, show};
use super::server::long_message;
use super::spec::{self, Lesson, Proto, Session, Side, Transcript};
use super::{Topic, section};

/// The client under test, and everything the grader serves it with.
pub struct Target {
    /// The command, split into words, placeholders already replaced.
    pub command: Vec<String>,
    pub listener: TcpListener,
    /// The key the client pins (`{server_pub}`).
    pub server_seed: [u8; 32],
    /// The client's own key (`{key}`).
    pub client_seed: [u8; 32],
    pub p: Proto,
    pub timeout: Duration,
    /// How long the command may take to connect the first time (it may
    /// be `cargo run` building the client); later runs get `timeout`.
    pub start_timeout: Duration,
    /// Whether the client has connected at least once.
    pub started: std::cell::Cell<bool>,
}

type Check = (&'static str, fn(&Target) -> Outcome);

pub fn checks(p: Proto) -> Vec<Check> {
    let mut list: Vec<Check> = vec![("waits-for-server-hello", waits_for_server_hello)];
    if p.lesson == Lesson::Eleven {
        list.push(("client-signature", client_signature));
        if p.binding == Binding::Transcript {
            list.push(("key-confirmation-sent", key_confirmation_sent));
        }
    }
    list.extend([
        ("echo", echo as fn(&Target) -> Outcome),
        ("echo-empty", echo_empty),
        ("echo-16k", echo_16k),
        ("segments-split", segments_split),
        ("bad-server-signature", bad_server_signature),
        ("wrong-server-key", wrong_server_key),
        (
            "strict-signature-small-order-r",
            strict_signature_small_order_r,
        ),
        ("strict-signature-unreduced-s", strict_signature_unreduced_s),
        ("low-order-server-share-0", |t| low_order_server_share(t, 0)),
        ("low-order-server-share-1", |t| low_order_server_share(t, 1)),
        ("low-order-server-share-order-8", |t| {
            low_order_server_share(t, 2)
        }),
        ("record-flipped-bit", record_flipped_bit),
        ("record-replayed", record_replayed),
        ("record-length-16401", record_length_16401),
    ]);
    list
}

// ---- Running the command ---------------------------------------------------------

/// One run of the client command; killed if still running when dropped.
struct Run {
    child: Child,
    stdout: Receiver<Vec<u8>>,
    stderr: Receiver<Vec<u8>>,
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How the client ended.
struct Exit {
    /// `None` if it had to be killed.
    status: Option<ExitStatus>,
    stdout: Vec<u8>,
    stderr: String,
}

impl Exit {
    fn describe_status(&self) -> String {
        match self.status {
            Some(status) => format!("it exited with {status}"),
            None => "it was still running, and was killed".into(),
        }
    }

    /// The last line of standard error, for context.
    fn said(&self) -> String {
        match self.stderr.lines().rev().find(|l| !l.trim().is_empty()) {
            Some(line) => format!("; its last words: {:?}", line.trim()),
            None => String::new(),
        }
    }
}

fn collect(mut from: impl Read + Send + 'static) -> Receiver<Vec<u8>> {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = from.read_to_end(&mut bytes);
        let _ = send.send(bytes);
    });
    receive
}

fn start(t: &Target, input: &str) -> Result<Run, Failure> {
    let mut child = Command::new(&t.command[0])
        .args(&t.command[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            fail(
                format!("to start the client command {:?}", t.command[0]),
                e.to_string(),
                "--client-cmd",
            )
        })?;
    let mut stdin = child.stdin.take().expect("piped");
    let input = input.to_owned();
    // Written from a thread: a client that reads nothing must not block us.
    std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let stdout = collect(child.stdout.take().expect("piped"));
    let stderr = collect(child.stderr.take().expect("piped"));
    Ok(Run {
        child,
        stdout,
        stderr,
    })
}

/// Waits for the client to end (killing it after the timeout).
fn wait(t: &Target, run: Run) -> Exit {
    wait_for(t.timeout, run)
}

/// Waits for the client to end, killing it after `patience`.
fn wait_for(patience: Duration, mut run: Run) -> Exit {
    let deadline = Instant::now() + patience;
    let status = loop {
        match run.child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = run.child.kill();
                let _ = run.child.wait();
                break None;
            }
        }
    };
    let grace = Duration::from_secs(1);
    let stdout = run.stdout.recv_timeout(grace).unwrap_or_default();
    let stderr = run.stderr.recv_timeout(grace).unwrap_or_default();
    Exit {
        status,
        stdout,
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// The client's connection, within the timeout.
fn accept(t: &Target, run: &mut Run) -> Result<Conn, Failure> {
    let patience = if t.started.get() {
        t.timeout
    } else {
        t.start_timeout.max(t.timeout)
    };
    let deadline = Instant::now() + patience;
    let _ = t.listener.set_nonblocking(true);
    loop {
        match t.listener.accept() {
            Ok((stream, _)) => {
                t.started.set(true);
                let _ = stream.set_nonblocking(false);
                return Ok(Conn::new(stream, t.timeout));
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => {
                return Err(fail(
                    "a connection from the client",
                    e.to_string(),
                    "--client-cmd",
                ));
            }
        }
        if let Ok(Some(status)) = run.child.try_wait() {
            let stderr = run
                .stderr
                .recv_timeout(Duration::from_secs(1))
                .unwrap_or_default();
            let stderr = String::from_utf8_lossy(&stderr);
            return Err(fail(
                "a connection from the client",
                format!(
                    "none: it exited with {status} first; standard error: {:?}",
                    stderr.trim()
                ),
                "--client-cmd",
            ));
        }
        if Instant::now() >= deadline {
            return Err(fail(
                "a connection from the client",
                format!("none within {}s", patience.as_secs()),
                "--client-cmd",
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Starts the command with `input` on its standard input and takes its connection.
fn launch(t: &Target, input: &str) -> Result<(Run, Conn), Failure> {
    let mut run = start(t, input)?;
    let conn = accept(t, &mut run)?;
    Ok((run, conn))
}

// ---- The grader's side of the handshake ---------------------------------------------

/// How the grader fills message 2.
#[derive(Clone, Copy)]
enum Hello2 {
    Honest,
    /// Honest, but written 5 bytes at a time.
    HonestSplit,
    FlippedSignatureBit,
    WrongKey,
    SmallOrderR,
    UnreducedS,
    LowOrderShare([u8; 32]),
}

/// The server's side after M2: what it needs for the keys.
struct Served {
    m1: [u8; 32],
    m2: [u8; 96],
    shared: [u8; 32],
}

fn read_m1(t: &Target, conn: &mut Conn) -> Result<[u8; 32], Failure> {
    conn.read_array().map_err(|s| {
        fail(
            "message 1 (ClientHello), 32 bytes",
            s.describe(),
            &section(t.p, Topic::Messages),
        )
    })
}

fn send_m2(t: &Target, conn: &mut Conn, m1: [u8; 32], how: Hello2) -> Result<Served, Failure> {
    let (secret, mut share) = spec::ephemeral();
    if let Hello2::LowOrderShare(low) = how {
        share = low;
    }
    let signed = spec::server_signed(t.p, &m1, &share);
    let signature = match how {
        Hello2::Honest | Hello2::HonestSplit | Hello2::LowOrderShare(_) => {
            spec::sign(&t.server_seed, &signed)
        }
        Hello2::FlippedSignatureBit => {
            let mut signature = spec::sign(&t.server_seed, &signed);
            signature[40] ^= 0x04;
            signature
        }
        Hello2::WrongKey => spec::sign(&spec::random32(), &signed),
        Hello2::SmallOrderR => spec::sign_small_order_r(&t.server_seed, &signed),
        Hello2::UnreducedS => spec::unreduced_s(&spec::sign(&t.server_seed, &signed)),
    };
    let mut m2 = [0u8; 96];
    m2[..32].copy_from_slice(&share);
    m2[32..].copy_from_slice(&signature);
    let sent = match how {
        Hello2::HonestSplit => conn.send_split(&m2, 5),
        _ => conn.send(&m2),
    };
    sent.map_err(|s| {
        fail(
            "to send message 2",
            s.describe(),
            &section(t.p, Topic::Messages),
        )
    })?;
    Ok(Served {
        m1,
        m2,
        shared: spec::agree(secret, m1),
    })
}

/// Reads M3 and checks it byte for byte against the specification.
fn read_m3(t: &Target, conn: &mut Conn, served: &Served) -> Result<[u8; 96], Failure> {
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
struct Est {
    conn: Conn,
    /// Write everything 5 bytes at a time.
    split: bool,
    session: Session,
    served: Served,
    m3: Option<[u8; 96]>,
}

fn handshake(t: &Target, conn: Conn) -> Result<Est, Failure> {
    handshake_as(t, conn, false)
}

fn handshake_as(t: &Target, mut conn: Conn, split: bool) -> Result<Est, Failure> {
    let m1 = read_m1(t, &mut conn)?;
    let how = if split {
        Hello2::HonestSplit
    } else {
        Hello2::Honest
    };
    let served = send_m2(t, &mut conn, m1, how)?;
    if served.shared == [0; 32] {
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
        &served.shared,
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

fn needs_confirmation(t: &Target) -> bool {
    t.p.lesson == Lesson::Eleven && t.p.binding == Binding::Transcript
}

/// Reads the client's next record and opens it; `what` names it for the report.
fn next_message(t: &Target, est: &mut Est, what: &str) -> Result<Vec<u8>, Failure> {
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
fn explain_unopenable(t: &Target, est: &Est, record: &[u8]) -> String {
    let transcript = Transcript {
        m1: &est.served.m1,
        m2: &est.served.m2,
        m3: est.m3.as_ref(),
    };
    super::explain_unopenable(
        t.p,
        Side::Client,
        &est.session.recv,
        (&est.served.shared, &transcript),
        record,
    )
}

/// Under the transcript binding, the first record (key confirmation): if
/// it is empty it is only that; if not, it is also the first message.
fn confirmation(t: &Target, est: &mut Est) -> Result<Option<Vec<u8>>, Failure> {
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
enum Reply {
    FlippedBit,
    Replayed,
    Length16401,
}

/// Reads each of `lines` from the client and echoes it; with `tamper`,
/// answers the line at that index as it says, and stops there.
fn serve_lines(
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

fn lines_of(input: &str) -> Vec<&[u8]> {
    input.lines().map(str::as_bytes).collect()
}

/// A whole honest session over `input`: echoes, the close, the output, the status.
fn honest_session(t: &Target, input: &str) -> Outcome {
    honest_session_as(t, input, false)
}

fn honest_session_as(t: &Target, input: &str, split: bool) -> Outcome {
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
fn after(t: &Target, reaction: &Reaction, run: Run) -> Exit {
    match reaction {
        Reaction::Closed => wait(t, run),
        _ => wait_for(Duration::from_millis(300), run),
    }
}

// ---- The checks ------------------------------------------------------------------

fn waits_for_server_hello(t: &Target) -> Outcome {
    let (_run, mut conn) = launch(t, "hello\n")?;
    read_m1(t, &mut conn)?;
    if let Some(bytes) = conn.anything_within(Duration::from_millis(300)) {
        return Err(fail(
            "nothing after message 1 until message 2 arrives",
            format!("{} more bytes before the grader answered", bytes.len()),
            &section(t.p, Topic::Messages),
        ));
    }
    Ok(())
}

fn client_signature(t: &Target) -> Outcome {
    let (_run, conn) = launch(t, "hello\n")?;
    handshake(t, conn).map(drop)
}

fn key_confirmation_sent(t: &Target) -> Outcome {
    let (_run, conn) = launch(t, "")?;
    let mut est = handshake(t, conn)?;
    confirmation(t, &mut est).map(drop)
}

fn echo(t: &Target) -> Outcome {
    honest_session(t, "hello\nhow are you?\nbye\n")
}

fn echo_empty(t: &Target) -> Outcome {
    honest_session(t, "\nafter an empty line\n")
}

fn segments_split(t: &Target) -> Outcome {
    honest_session_as(t, "split\ninto\npieces\n", true)
}

fn echo_16k(t: &Target) -> Outcome {
    let mut input = String::from_utf8(long_message()).expect("ASCII");
    input.push('\n');
    honest_session(t, &input)
}

/// Sends a bad M2; the client must stop without sending anything more.
fn aborts(t: &Target, how: Hello2, why: &str) -> Outcome {
    let (run, mut conn) = launch(t, "hello\n")?;
    let m1 = read_m1(t, &mut conn)?;
    send_m2(t, &mut conn, m1, how)?;
    conn.restart_clock();
    let expected = format!("the client to close the connection without message 3 ({why})");
    let expected = match t.p.lesson {
        Lesson::Eleven => expected,
        Lesson::Ten => expected.replace("without message 3", "without sending anything"),
    };
    let reaction = conn.reaction();
    let exit = after(t, &reaction, run);
    let got = match reaction {
        Reaction::Closed if exit.status.is_some_and(|s| !s.success()) => return Ok(()),
        Reaction::Closed => format!(
            "a close, but {}: a refused server is a failure",
            exit.describe_status()
        ),
        Reaction::Sent(bytes) if t.p.lesson == Lesson::Eleven && bytes.len() >= 96 => format!(
            "message 3 ({} bytes): the client signed for a server it had not authenticated",
            bytes.len()
        ),
        Reaction::Sent(bytes) => format!(
            "{} bytes: the client carried on after message 2",
            bytes.len()
        ),
        Reaction::Silent { secs } => {
            format!("no answer within {secs}s, and the connection stayed open")
        }
    };
    Err(fail(
        expected,
        format!("{got}{}", exit.said()),
        &section(t.p, Topic::Checks),
    ))
}

fn bad_server_signature(t: &Target) -> Outcome {
    aborts(
        t,
        Hello2::FlippedSignatureBit,
        "the server signature has one bit flipped",
    )
}

fn wrong_server_key(t: &Target) -> Outcome {
    aborts(
        t,
        Hello2::WrongKey,
        "a valid signature by a key other than the pinned one",
    )
}

fn strict_signature_small_order_r(t: &Target) -> Outcome {
    aborts(
        t,
        Hello2::SmallOrderR,
        "a server signature whose R has small order, which only lenient verification accepts",
    )
}

fn strict_signature_unreduced_s(t: &Target) -> Outcome {
    aborts(
        t,
        Hello2::UnreducedS,
        "a server signature whose S is not below the group order",
    )
}

/// The `index`-th low-order share in message 2, validly signed: the
/// client must stop at the all-zero shared secret.
fn low_order_server_share(t: &Target, index: usize) -> Outcome {
    let (name, share) = spec::LOW_ORDER_SHARES[index];
    aborts(
        t,
        Hello2::LowOrderShare(share),
        &format!("a validly signed server share of low order, {name}"),
    )
}

/// Answers the `at`-th line as `how` says; the client must refuse it:
/// close, exit with an error, and not print it.
fn refuses_record(t: &Target, input: &str, at: usize, how: Reply, why: &str) -> Outcome {
    let (run, conn) = launch(t, input)?;
    let mut est = handshake(t, conn)?;
    let lines = lines_of(input);
    serve_lines(t, &mut est, &lines, Some((at, how)))?;
    est.conn.restart_clock();
    let reaction = est.conn.reaction();
    let exit = after(t, &reaction, run);
    let printed = exit.stdout.iter().filter(|b| **b == b'\n').count();
    let expected = format!("the client to refuse the record and close ({why})");
    let got = match reaction {
        Reaction::Sent(_) => {
            "accepted what it should have refused: it went on and sent its next message".into()
        }
        Reaction::Silent { secs } => {
            format!("no close within {secs}s: it neither refused the record nor went on")
        }
        Reaction::Closed if printed > at => format!(
            "a close, but it printed {} lines, one for the record it should have refused",
            printed
        ),
        Reaction::Closed if exit.status.is_some_and(|s| s.success()) => format!(
            "a close, but {}: a record that does not open is a failure",
            exit.describe_status()
        ),
        Reaction::Closed => return Ok(()),
    };
    Err(fail(
        expected,
        format!("{got}{}", exit.said()),
        &section(t.p, Topic::Records),
    ))
}

fn record_flipped_bit(t: &Target) -> Outcome {
    refuses_record(
        t,
        "hello\nagain\n",
        0,
        Reply::FlippedBit,
        "the echo has one ciphertext bit flipped",
    )
}

fn record_replayed(t: &Target) -> Outcome {
    refuses_record(
        t,
        "one\ntwo\nthree\n",
        1,
        Reply::Replayed,
        "the second echo is the first one again",
    )
}

fn record_length_16401(t: &Target) -> Outcome {
    refuses_record(
        t,
        "hello\nagain\n",
        0,
        Reply::Length16401,
        "the echo's length field is 16401",
    )
}

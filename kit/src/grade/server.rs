//! Grading a server: the grader is the client, honest or not on purpose.

use std::time::Duration;

use learn_mtls::handshake::Binding;

use super::conn::{Conn, Reaction, Short};
use super::kem::{self, Secrets};
use super::report::{Failure, Outcome, diff, fail, hex, show};
use super::spec::{self, Direction, Keys, Lesson, Proto, Session, Side, Transcript};
use super::{Topic, section};

/// The server under test and the grader's client identity.
pub struct Target {
    pub addr: String,
    pub server_pub: [u8; 32],
    /// The client key the server trusts (Lesson 11).
    pub client_seed: [u8; 32],
    /// Whether that key was given with `--key`, or made up by the grader.
    pub key_given: bool,
    pub p: Proto,
    pub timeout: Duration,
}

type Check = (&'static str, fn(&Target) -> Outcome);

mod hybrid;
mod records;
use records::{record_flipped_bit, record_length_16401, record_reordered, record_replayed};

/// The checks that apply to this lesson and binding, in order.
pub fn checks(p: Proto) -> Vec<Check> {
    let mut list: Vec<Check> = vec![
        ("server-signature", server_signature),
        ("session-keys", session_keys),
        ("echo-sequence", echo_sequence),
        ("echo-empty", echo_empty),
        ("echo-16k", echo_16k),
        ("segments-split", segments_split),
        ("segments-merged", segments_merged),
        ("low-order-share-0", |t| low_order_share(t, 0)),
        ("low-order-share-1", |t| low_order_share(t, 1)),
        ("low-order-share-order-8", |t| low_order_share(t, 2)),
    ];
    if p.hybrid() {
        list.extend(hybrid::checks());
    }
    if p.lesson == Lesson::Eleven {
        list.extend([
            (
                "bad-client-signature",
                bad_client_signature as fn(&Target) -> Outcome,
            ),
            (
                "strict-signature-small-order-r",
                strict_signature_small_order_r,
            ),
            ("strict-signature-unreduced-s", strict_signature_unreduced_s),
            ("unknown-client-key", unknown_client_key),
            ("weak-client-key", weak_client_key),
        ]);
        if p.binding == Binding::Transcript {
            list.extend([
                (
                    "key-confirmation",
                    key_confirmation as fn(&Target) -> Outcome,
                ),
                ("replayed-handshake", replayed_handshake),
            ]);
        }
    }
    list.extend([
        (
            "record-flipped-bit",
            record_flipped_bit as fn(&Target) -> Outcome,
        ),
        ("record-replayed", record_replayed),
        ("record-reordered", record_reordered),
        ("record-length-16401", record_length_16401),
    ]);
    list
}

// ---- The handshake, step by step ---------------------------------------------

/// After M1 and M2.
pub(super) struct Hello {
    pub(super) conn: Conn,
    pub(super) m1: Vec<u8>,
    pub(super) m2: Vec<u8>,
    pub(super) secrets: Secrets,
}

/// After the whole handshake: the session, and what it was derived from.
pub(super) struct Est {
    pub(super) conn: Conn,
    pub(super) session: Session,
    m1: Vec<u8>,
    m2: Vec<u8>,
    m3: Option<[u8; 96]>,
    secrets: Secrets,
}

/// How the grader fills message 3.
#[derive(Clone, Copy)]
pub(super) enum Auth {
    Honest,
    FlippedSignatureBit,
    SmallOrderR,
    UnreducedS,
    Unknown([u8; 32]),
    WeakKey,
}

pub(super) fn connect(t: &Target) -> Result<Conn, Failure> {
    Conn::connect(&t.addr, t.timeout).map_err(|e| {
        fail(
            format!("a TCP connection to {}", t.addr),
            format!("{e} (is the server running there?)"),
            &section(t.p, Topic::Messages),
        )
    })
}

pub(super) fn hello(t: &Target, split: bool) -> Result<Hello, Failure> {
    hello_with(t, if split { Send::Split } else { Send::Whole })
}

/// How the grader sends an honest message 1.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Send {
    Whole,
    /// 5 bytes at a time.
    Split,
    /// With one byte too many after it, in the same write.
    OneByteMore,
}

pub(super) fn hello_with(t: &Target, how: Send) -> Result<Hello, Failure> {
    let mut conn = connect(t)?;
    let offer = kem::offer(t.p.kex);
    let m1 = offer.m1.clone();
    let sent = match how {
        Send::Whole => conn.send(&m1),
        Send::Split => conn.send_split(&m1, 5),
        Send::OneByteMore => conn.send(&[&m1[..], &[0x42]].concat()),
    };
    sent.map_err(|s| closed_early(t, "message 1", &s))?;
    let m2 = read_m2(t, &mut conn)?;
    check_server_signature(t, &m1, &m2)?;
    let secrets = offer.finish(&m2);
    if secrets.x25519 == [0; 32] {
        return Err(fail(
            "a server share of large order",
            format!("a low-order share {}", hex(&kem::server_share(&m2))),
            &section(t.p, Topic::Checks),
        ));
    }
    Ok(Hello {
        conn,
        m1,
        m2,
        secrets,
    })
}

/// Message 2, exactly as long as the key exchange says.
pub(super) fn read_m2(t: &Target, conn: &mut Conn) -> Result<Vec<u8>, Failure> {
    conn.read_exact(t.p.m2_len()).map_err(|s| {
        fail(
            format!("message 2 (ServerHello), {} bytes", t.p.m2_len()),
            s.describe(),
            &section(t.p, Topic::Messages),
        )
    })
}

pub(super) fn closed_early(t: &Target, what: &str, short: &Short) -> Failure {
    fail(
        format!("to send {what}"),
        short.describe(),
        &section(t.p, Topic::Messages),
    )
}

/// The server's signature must verify, under the pinned key, over the
/// grader's own computation of the signed content.
fn check_server_signature(t: &Target, m1: &[u8], m2: &[u8]) -> Outcome {
    let reply = kem::server_reply(m2);
    let signature = &m2[reply.len()..];
    let signed = spec::server_signed(t.p, m1, reply);
    if spec::verify_strict(&t.server_pub, &signed, signature) {
        return Ok(());
    }
    let other =
        t.p.variants()
            .into_iter()
            .chain([Proto {
                lesson: match t.p.lesson {
                    Lesson::Ten => Lesson::Eleven,
                    Lesson::Eleven => Lesson::Ten,
                },
                ..t.p
            }])
            .find(|q| {
                *q != t.p
                    && spec::verify_strict(
                        &t.server_pub,
                        &spec::server_signed(*q, m1, reply),
                        signature,
                    )
            });
    let got = match other {
        Some(q) if q.lesson != t.p.lesson => format!(
            "a signature over the {} content instead (the other lesson's context string)",
            q.lesson.name()
        ),
        Some(q) => format!(
            "a signature over the content of {} instead: the two ends disagree",
            q.flags()
        ),
        None => format!(
            "a signature (M2 bytes {}..{}) that does not verify over the {}-byte content \
             the grader computed, under the key in --server-pub",
            reply.len(),
            m2.len(),
            signed.len()
        ),
    };
    Err(fail(
        format!(
            "a server signature over the content {} specifies",
            t.p.flags()
        ),
        got,
        &section(t.p, Topic::Signed),
    ))
}

/// Message 3 as `auth` says, and the keys a server accepting it would use.
fn client_auth(t: &Target, h: &Hello, auth: Auth) -> [u8; 96] {
    let seed = match auth {
        Auth::Unknown(seed) => seed,
        _ => t.client_seed,
    };
    let mut key = spec::public_key(&seed);
    let signed = |key: &[u8; 32]| spec::client_signed(t.p, &h.m1, &h.m2, key);
    let signature = match auth {
        Auth::Honest | Auth::Unknown(_) => spec::sign(&seed, &signed(&key)),
        Auth::FlippedSignatureBit => {
            let mut signature = spec::sign(&seed, &signed(&key));
            signature[40] ^= 0x04;
            signature
        }
        Auth::SmallOrderR => spec::sign_small_order_r(&seed, &signed(&key)),
        Auth::UnreducedS => spec::unreduced_s(&spec::sign(&seed, &signed(&key))),
        Auth::WeakKey => {
            let (weak, signature) = spec::weak_key_forgery();
            key = weak;
            signature
        }
    };
    let mut m3 = [0u8; 96];
    m3[..64].copy_from_slice(&signature);
    m3[64..].copy_from_slice(&key);
    m3
}

fn keys(t: &Target, h: &Hello, m3: Option<&[u8; 96]>) -> Keys {
    spec::derive(
        t.p,
        &h.secrets.combined(),
        &Transcript {
            m1: &h.m1,
            m2: &h.m2,
            m3,
        },
    )
}

/// Message 3 (Lesson 11) and the session, without sending M3 yet.
pub(super) fn finish(t: &Target, h: Hello, auth: Auth) -> (Est, Option<[u8; 96]>) {
    let m3 = (t.p.lesson == Lesson::Eleven).then(|| client_auth(t, &h, auth));
    let session = Session::new(&keys(t, &h, m3.as_ref()), Side::Client);
    let est = Est {
        conn: h.conn,
        session,
        m1: h.m1,
        m2: h.m2,
        m3,
        secrets: h.secrets,
    };
    (est, m3)
}

pub(super) fn needs_confirmation(t: &Target) -> bool {
    t.p.lesson == Lesson::Eleven && t.p.binding == Binding::Transcript
}

/// The whole honest handshake, M3 sent; no record yet.
pub(super) fn establish(t: &Target) -> Result<Est, Failure> {
    let h = hello(t, false)?;
    let (mut est, m3) = finish(t, h, Auth::Honest);
    if let Some(m3) = m3 {
        est.conn
            .send(&m3)
            .map_err(|s| closed_early(t, "message 3", &s))?;
    }
    Ok(est)
}

/// The honest handshake and, under the transcript binding, the empty
/// key-confirmation record.
pub(super) fn established(t: &Target) -> Result<Est, Failure> {
    let mut est = establish(t)?;
    if needs_confirmation(t) {
        let record = est.session.send.seal(b"");
        est.conn
            .send(&record)
            .map_err(|s| closed_early(t, "the key-confirmation record", &s))?;
    }
    Ok(est)
}

// ---- Records ---------------------------------------------------------------

/// Why the server might close where an echo was due.
fn trust_hint(t: &Target) -> &'static str {
    match (t.p.lesson, t.key_given) {
        (Lesson::Ten, _) => {
            " (it could not open our record? Check the key schedule, the key order and the nonce)"
        }
        (Lesson::Eleven, true) => {
            " (it refused us or could not open our record: does it trust the --key client, run \
             with the same --binding and --schedule, and derive the keys as specified?)"
        }
        (Lesson::Eleven, false) => {
            " (does the server trust the client key printed above? Give --key FILE with a key it \
             trusts; or it could not open our record: check the key schedule)"
        }
    }
}

/// Sends `message` as one record and checks the echo.
pub(super) fn exchange(t: &Target, est: &mut Est, message: &[u8]) -> Outcome {
    let record = est.session.send.seal(message);
    est.conn.restart_clock();
    est.conn
        .send(&record)
        .map_err(|s| closed_early(t, "a record", &s))?;
    expect_echo(t, est, message)
}

/// Reads one record and checks that it opens, under the next counter, to `message`.
pub(super) fn expect_echo(t: &Target, est: &mut Est, message: &[u8]) -> Outcome {
    let counter = est.session.recv.counter;
    let expected = format!(
        "the echo of {} as the server's record number {counter}",
        show(message)
    );
    let reply = match est.conn.read_record() {
        Ok(reply) => reply,
        Err(Err(Short::Closed { after })) => {
            return Err(fail(
                expected,
                format!(
                    "the server closed the connection after {after} bytes{}",
                    trust_hint(t)
                ),
                &section(t.p, Topic::Records),
            ));
        }
        Err(Err(short)) => {
            return Err(fail(
                expected,
                short.describe(),
                &section(t.p, Topic::Records),
            ));
        }
        Err(Ok(len)) => {
            return Err(fail(
                expected,
                format!("a record header announcing {len} bytes (allowed: 16 to 16400)"),
                &section(t.p, Topic::Records),
            ));
        }
    };
    let Some(plaintext) = est.session.recv.open(&reply) else {
        return Err(fail(
            expected,
            explain_unopenable(t, est, &reply),
            &section(t.p, Topic::Schedule),
        ));
    };
    match diff(message, &plaintext) {
        None => Ok(()),
        Some(how) => Err(fail(
            format!("the echo of {}", show(message)),
            format!("{} ({how})", show(&plaintext)),
            &section(t.p, Topic::Echo),
        )),
    }
}

/// The likeliest reason a server record does not open.
fn explain_unopenable(t: &Target, est: &Est, record: &[u8]) -> String {
    let transcript = Transcript {
        m1: &est.m1,
        m2: &est.m2,
        m3: est.m3.as_ref(),
    };
    super::explain_unopenable(
        t.p,
        Side::Server,
        &est.session.recv,
        (&est.secrets, &transcript),
        record,
    )
}

/// The server should close the connection and send nothing.
pub(super) fn expect_close(
    t: &Target,
    conn: &mut Conn,
    session: Option<&Session>,
    why: &str,
) -> Outcome {
    conn.restart_clock();
    let expected = format!("the connection closed ({why})");
    match conn.reaction() {
        Reaction::Closed => Ok(()),
        Reaction::Sent(bytes) => {
            let opened = session.is_some_and(|s| {
                (0..4).any(|c| {
                    let len = bytes.len().min(
                        2 + usize::from(u16::from_be_bytes([
                            bytes[0],
                            *bytes.get(1).unwrap_or(&0),
                        ])),
                    );
                    s.recv.open_at(c, &bytes[..len]).is_some()
                })
            });
            let got = if opened {
                "accepted what it should have refused: it answered with a record that opens".into()
            } else {
                format!("{} bytes from the server instead", bytes.len())
            };
            Err(fail(expected, got, &section(t.p, Topic::Checks)))
        }
        Reaction::Silent { secs } => Err(fail(
            expected,
            format!("no answer within {secs}s, and the connection stayed open"),
            &section(t.p, Topic::Checks),
        )),
    }
}

// ---- The checks ----------------------------------------------------------------

fn server_signature(t: &Target) -> Outcome {
    hello(t, false).map(drop)
}

fn session_keys(t: &Target) -> Outcome {
    let mut est = establish(t)?;
    // Under the transcript binding this record is also the key confirmation.
    exchange(t, &mut est, b"hello")
}

fn echo_sequence(t: &Target) -> Outcome {
    let mut est = established(t)?;
    for message in ["one", "two", "three", "four", "five"] {
        exchange(t, &mut est, message.as_bytes())?;
    }
    Ok(())
}

fn echo_empty(t: &Target) -> Outcome {
    let mut est = established(t)?;
    exchange(t, &mut est, b"")
}

/// 16384 bytes, each different from its neighbours, so an offset means something.
pub fn long_message() -> Vec<u8> {
    (0..spec::MAX_PLAINTEXT)
        .map(|i| b'a' + (i % 26) as u8)
        .collect()
}

fn echo_16k(t: &Target) -> Outcome {
    let mut est = established(t)?;
    exchange(t, &mut est, &long_message())
}

fn segments_split(t: &Target) -> Outcome {
    let h = hello(t, true)?;
    let (mut est, m3) = finish(t, h, Auth::Honest);
    let mut bytes = m3.map(|m3| m3.to_vec()).unwrap_or_default();
    if needs_confirmation(t) {
        bytes.extend(est.session.send.seal(b""));
    }
    bytes.extend(est.session.send.seal(b"split"));
    est.conn
        .send_split(&bytes, 5)
        .map_err(|s| closed_early(t, "message 3 and a record, 5 bytes at a time", &s))?;
    expect_echo(t, &mut est, b"split")
}

fn segments_merged(t: &Target) -> Outcome {
    let h = hello(t, false)?;
    let (mut est, m3) = finish(t, h, Auth::Honest);
    let mut bytes = m3.map(|m3| m3.to_vec()).unwrap_or_default();
    if needs_confirmation(t) {
        bytes.extend(est.session.send.seal(b""));
    }
    bytes.extend(est.session.send.seal(b"first"));
    bytes.extend(est.session.send.seal(b"second"));
    est.conn
        .send(&bytes)
        .map_err(|s| closed_early(t, "message 3 and two records in one write", &s))?;
    expect_echo(t, &mut est, b"first")?;
    expect_echo(t, &mut est, b"second")
}

/// The `index`-th low-order share as message 1: the server must close
/// before it signs anything.
fn low_order_share(t: &Target, index: usize) -> Outcome {
    let (name, share) = spec::LOW_ORDER_SHARES[index];
    let mut conn = connect(t)?;
    // Under the hybrid key exchange, a valid encapsulation key before it.
    let m1 = kem::offer(t.p.kex).with_share(share).m1;
    conn.send(&m1)
        .map_err(|s| closed_early(t, "message 1", &s))?;
    let expected = format!("the connection closed before message 2 (client share: {name})");
    let got = match conn.reaction() {
        Reaction::Closed => return Ok(()),
        Reaction::Sent(bytes) => format!(
            "{} bytes of message 2: the server signed a handshake whose shared secret is all zeros",
            bytes.len()
        ),
        Reaction::Silent { secs } => {
            format!("no answer within {secs}s, and the connection stayed open")
        }
    };
    Err(fail(expected, got, &section(t.p, Topic::Checks)))
}

/// Sends message 3 as `auth` says, with the records an accepted client
/// would send, and expects the server to close.
fn refused(t: &Target, auth: Auth, why: &str) -> Outcome {
    refused_after(t, hello(t, false)?, auth, why)
}

/// [`refused`] after a given M1 and M2.
pub(super) fn refused_after(t: &Target, h: Hello, auth: Auth, why: &str) -> Outcome {
    let (mut est, m3) = finish(t, h, auth);
    let mut bytes = m3.expect("Lesson 11").to_vec();
    if needs_confirmation(t) {
        bytes.extend(est.session.send.seal(b""));
    }
    bytes.extend(est.session.send.seal(b"let me in"));
    // A server that closes at once may make this write fail: that is fine.
    let _ = est.conn.send(&bytes);
    expect_close(t, &mut est.conn, Some(&est.session), why)
}

fn bad_client_signature(t: &Target) -> Outcome {
    refused(
        t,
        Auth::FlippedSignatureBit,
        "the client signature has one bit flipped",
    )
}

fn strict_signature_small_order_r(t: &Target) -> Outcome {
    refused(
        t,
        Auth::SmallOrderR,
        "a client signature whose R has small order, which only lenient verification accepts",
    )
}

fn strict_signature_unreduced_s(t: &Target) -> Outcome {
    refused(
        t,
        Auth::UnreducedS,
        "a client signature whose S is not below the group order",
    )
}

fn unknown_client_key(t: &Target) -> Outcome {
    refused(
        t,
        Auth::Unknown(spec::random32()),
        "a valid signature by a key the server was never told about",
    )
}

fn weak_client_key(t: &Target) -> Outcome {
    refused(
        t,
        Auth::WeakKey,
        "a small-order identity key, with a signature that verifies under it leniently",
    )
}

fn key_confirmation(t: &Target) -> Outcome {
    // An empty first record is the confirmation, not a message: the first
    // echo must be that of the first real message.
    let mut est = established(t)?;
    exchange(t, &mut est, b"hello").map_err(|mut f| {
        if f.got.starts_with("\"\"") {
            f.got = "an empty message: the server echoed the empty key-confirmation record as \
                     if it were a message"
                .into();
            f.section = section(t.p, Topic::KeyConfirmation);
        }
        f
    })?;
    // A first record that does not open: the server must not accept.
    let mut est = establish(t)?;
    let forged = Direction::new(spec::random32(), [0; 12]).seal_at(0, b"");
    let _ = est.conn.send(&forged);
    expect_close(
        t,
        &mut est.conn,
        Some(&est.session),
        "the first record does not open, so the keys are not confirmed",
    )
    .map_err(|mut f| {
        f.section = section(t.p, Topic::KeyConfirmation);
        f
    })
}

fn replayed_handshake(t: &Target) -> Outcome {
    let mut est = established(t)?;
    let confirmation = est.session.send.seal_at(0, b"");
    let data = est.session.send.seal_at(1, b"hello");
    exchange(t, &mut est, b"hello")?;
    let (m1, m3) = (est.m1.clone(), est.m3.expect("Lesson 11"));
    drop(est);

    let mut conn = connect(t)?;
    conn.send(&m1)
        .map_err(|s| closed_early(t, "message 1", &s))?;
    read_m2(t, &mut conn)?;
    let _ = conn.send(&[&m3[..], &confirmation, &data].concat());
    expect_close(
        t,
        &mut conn,
        None,
        "messages 1 and 3 and the first records replayed from an earlier connection",
    )
}

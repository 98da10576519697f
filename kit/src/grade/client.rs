//! Grading a client: the grader is the server, honest or not on purpose,
//! and runs the client command once per check.

use std::net::TcpListener;
use std::time::Duration;

use learn_mtls::handshake::Binding;

use super::report::Outcome;
use super::spec::{Lesson, Proto};

mod checks;
mod hybrid;
mod run;
mod serve;

use checks::{
    bad_server_signature, client_signature, echo, echo_16k, echo_empty, key_confirmation_sent,
    low_order_server_share, record_flipped_bit, record_length_16401, record_replayed,
    segments_split, strict_signature_small_order_r, strict_signature_unreduced_s,
    waits_for_server_hello, wrong_server_key,
};

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
    if p.hybrid() {
        list.extend(hybrid::checks());
    }
    list
}

// ---- Running the command ---------------------------------------------------------

// ---- The grader's side of the handshake ---------------------------------------------

// ---- The checks ------------------------------------------------------------------

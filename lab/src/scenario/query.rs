//! The query string the page passes: the binding, the attack, the
//! reader's flips and the seed; with each message's length and fields,
//! which the flips are checked against and the map is drawn from.

use std::fmt;

use learn_mtls::handshake::Binding;
use learn_mtls::hex;
use learn_mtls::record::{HEADER_LEN, TAG_LEN};
use learn_mtls::wire::{self, layout};

use super::carry::ALICE_SAYS;
use super::input::{Attack, Edit, Message, Run, Seed};

/// A query string the lab cannot run, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadQuery(pub String);

impl fmt::Display for BadQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadQuery {}

/// The byte length of `message` in a run of `run` (the record's length
/// depends on the attack's plaintext, so it is that of an honest run's).
pub fn message_len(message: Message, attack: Option<Attack>) -> usize {
    match message {
        Message::M1 => wire::CLIENT_HELLO_LEN,
        Message::M2 => wire::SERVER_HELLO_LEN,
        Message::M3 => wire::CLIENT_AUTH_LEN,
        Message::Record => {
            let said: &[u8] = match attack {
                Some(Attack::Misbinding) => b"alice: please pay invoice 42",
                Some(Attack::Outsider) => b"hello, it's mallory",
                Some(Attack::RecordFlip) => b"pay bob 10",
                _ => ALICE_SAYS,
            };
            HEADER_LEN + said.len() + TAG_LEN
        }
    }
}

fn percent_decode(value: &str) -> Result<String, BadQuery> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let byte = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| {
                        BadQuery(format!("`{value}`: a % not followed by two hex digits"))
                    })?;
                out.push(byte);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| BadQuery(format!("`{value}` is not UTF-8")))
}

fn parse_edit(value: &str, attack: Option<Attack>) -> Result<Edit, BadQuery> {
    let bad = |why: &str| BadQuery(format!("flip={value}: {why}"));
    let mut parts = value.split(':');
    let message = match parts.next() {
        Some("m1") => Message::M1,
        Some("m2") => Message::M2,
        Some("m3") => Message::M3,
        Some("rec") => Message::Record,
        _ => {
            return Err(bad(
                "MESSAGE must be m1, m2, m3 or rec (flip=MESSAGE:OFFSET)",
            ));
        }
    };
    let offset: usize = parts
        .next()
        .and_then(|o| o.parse().ok())
        .ok_or_else(|| bad("OFFSET must be a byte offset, a decimal number"))?;
    let len = message_len(message, attack);
    if offset >= len {
        return Err(bad(&format!(
            "{} is {len} bytes long, so OFFSET must be below {len}",
            message.key()
        )));
    }
    let xor = match parts.next() {
        None => 0x01,
        Some(mask) => u8::from_str_radix(mask.trim_start_matches("0x"), 16)
            .ok()
            .filter(|m| *m != 0)
            .ok_or_else(|| bad("MASK must be a non-zero byte in hex, e.g. 80"))?,
    };
    if parts.next().is_some() {
        return Err(bad("expected MESSAGE:OFFSET or MESSAGE:OFFSET:MASK"));
    }
    Ok(Edit {
        message,
        offset,
        xor,
    })
}

/// Reads a query string (without its `?`): `binding=lesson11|transcript`,
/// `attack=replay|misbinding|low-order|record-flip|outsider`,
/// `flip=MESSAGE:OFFSET[:MASK]` (any number of them, or comma-separated;
/// MESSAGE `m1`, `m2`, `m3` or `rec`, MASK a hex byte XORed in, default
/// `01`), and `seed=` 64 hex digits. Other keys (mdBook's `highlight`, say)
/// are ignored. The binding defaults to `transcript`, the library's.
///
/// # Errors
/// A [`BadQuery`] naming the parameter and what is wrong with it.
pub fn parse_query(query: &str) -> Result<(Run, Option<Seed>), BadQuery> {
    let mut binding = Binding::Transcript;
    let mut attack = None;
    let mut flips = Vec::new();
    let mut seed = None;
    for pair in query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_decode(value)?;
        match key {
            "binding" => {
                binding = value
                    .parse()
                    .map_err(|e| BadQuery(format!("binding={value}: {e}")))?;
            }
            "attack" => {
                attack = match Attack::ALL.into_iter().find(|a| a.key() == value) {
                    Some(found) => Some(found),
                    None if value.is_empty() || value == "none" => None,
                    None => {
                        return Err(BadQuery(format!(
                            "attack={value}: expected one of replay, misbinding, low-order, \
                             record-flip, outsider"
                        )));
                    }
                };
            }
            "flip" => flips.extend(
                value
                    .split(',')
                    .filter(|f| !f.is_empty())
                    .map(str::to_owned),
            ),
            "seed" => {
                seed = Some(
                    hex::decode_array::<32>(&value)
                        .map_err(|e| BadQuery(format!("seed: {e} (expected 64 hex digits)")))?,
                );
            }
            _ => {}
        }
    }
    let edits = flips
        .iter()
        .map(|f| parse_edit(f, attack))
        .collect::<Result<_, _>>()?;
    Ok((
        Run {
            binding,
            attack,
            edits,
        },
        seed,
    ))
}

/// The fields of `message`'s row, from the core's own tables
/// (`wire::layout`); the record's from its framing constants.
pub fn fields(message: Message, len: usize) -> Vec<layout::Field> {
    let [(_, m1), (_, m2), (_, m3)] = layout::MUTUAL;
    match message {
        Message::M1 => m1.to_vec(),
        Message::M2 => m2.to_vec(),
        Message::M3 => m3.to_vec(),
        Message::Record => {
            let body = len.saturating_sub(HEADER_LEN + TAG_LEN);
            vec![
                layout::Field {
                    name: "length",
                    offset: 0,
                    len: HEADER_LEN,
                },
                layout::Field {
                    name: "ciphertext",
                    offset: HEADER_LEN,
                    len: body,
                },
                layout::Field {
                    name: "tag",
                    offset: HEADER_LEN + body,
                    len: TAG_LEN,
                },
            ]
        }
    }
}

//! The lesson programs' line loops over a [`Channel`]: a client sends
//! lines and prints the replies; a server echoes each message back.

use std::io::{self, Read, Write};
use std::vec::Vec;

use super::channel::{Channel, Error, Stage};
use crate::record::MAX_PLAINTEXT_LEN;

/// Sends each line of `input` as a message and writes each reply to
/// `output`, one per line: the lesson clients' loop.
///
/// A line is any bytes up to a `\n` (or the end of the input); the `\n`, and
/// a `\r` just before it, are not sent. Lines need not be UTF-8: bytes go
/// as they are. No line is read past what one record carries, so an input
/// without newlines (`/dev/zero`) costs one record's worth of memory.
///
/// # Errors
/// [`Error::Closed`] with [`Stage::FirstReply`] if the server closes before
/// its first reply (under the lesson11 binding, the only sign that it
/// refused this client), with [`Stage::Records`] if it closes later;
/// [`Error::TimedOut`] likewise, if a read timeout is set on the stream;
/// [`Error::Input`] or [`Error::InputLineTooLong`] for the input; any other
/// channel or I/O error.
pub fn echo_lines<S: Read + Write>(
    channel: &mut Channel<S>,
    mut input: impl io::BufRead,
    mut output: impl Write,
) -> Result<(), Error> {
    let mut replied = false;
    let mut line = Vec::with_capacity(MAX_PLAINTEXT_LEN + 2);
    let mut number = 0;
    while read_line(&mut input, &mut line)? {
        number += 1;
        if line.len() > MAX_PLAINTEXT_LEN {
            return Err(Error::InputLineTooLong { line: number });
        }
        let stage = if replied {
            Stage::Records
        } else {
            Stage::FirstReply
        };
        let reply = match channel.send(&line).and_then(|()| channel.recv()) {
            Ok(Some(reply)) => reply,
            Ok(None) | Err(Error::Closed(_)) => return Err(Error::Closed(stage)),
            Err(Error::TimedOut(_)) => return Err(Error::TimedOut(stage)),
            Err(e) => return Err(e),
        };
        replied = true;
        output
            .write_all(&reply)
            .and_then(|()| output.write_all(b"\n"))
            .and_then(|()| output.flush())
            .map_err(|e| Error::Io(Stage::Records, e))?;
    }
    Ok(())
}

/// Reads one line of `input` into `line` without its `\n` or `\r\n`;
/// `false` at the end of the input. Reads at most one byte more than a
/// record carries (plus the line ending), enough to tell a line that is
/// too long.
fn read_line(input: &mut impl io::BufRead, line: &mut Vec<u8>) -> Result<bool, Error> {
    use io::BufRead as _;
    line.clear();
    // A record's worth, one more byte to notice a longer line, and "\r\n".
    let limit = MAX_PLAINTEXT_LEN as u64 + 3;
    let read = input
        .take(limit)
        .read_until(b'\n', line)
        .map_err(Error::Input)?;
    if read == 0 {
        return Ok(false);
    }
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    }
    Ok(true)
}

/// Echoes every message back until the peer closes: the lesson servers' loop.
///
/// # Errors
/// Any channel error; a clean close is `Ok`.
pub fn echo_back<S: Read + Write>(channel: &mut Channel<S>) -> Result<u64, Error> {
    let mut echoed = 0;
    while let Some(message) = channel.recv()? {
        channel.send(&message)?;
        echoed += 1;
    }
    Ok(echoed)
}

//! Running one check: catching the learner's panics (a `todo!()` reads as
//! "not started"), and saying what disagreed in plain words.

use std::fmt::{self, Display, Write as _};
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Mutex, mpsc};
use std::time::Duration;

use learn_mtls::keys::{Fingerprint, IdentityKey};
use learn_mtls::net::os_rng;
use learn_mtls::trust::ClientName;

/// Why a check did not pass: a paragraph for the learner.
#[derive(Debug)]
pub struct Failure(pub String);

impl Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A check's result type.
pub type Result<T = ()> = std::result::Result<T, Failure>;

/// A failure with a plain message.
pub fn fail(message: impl Display) -> Failure {
    Failure(message.to_string())
}

/// Turns any error into a failure that says what was being done.
pub trait Context<T> {
    /// `what failed: error`.
    fn context(self, what: &str) -> Result<T>;
}

impl<T, E: Display> Context<T> for std::result::Result<T, E> {
    fn context(self, what: &str) -> Result<T> {
        self.map_err(|e| fail(format!("{what}: {e}")))
    }
}

/// The learner's error in plain words: a bare I/O error such as "failed to
/// fill whole buffer" or "Resource temporarily unavailable" says what the
/// socket did, not what it means for a handshake, so those get a sentence.
pub fn explain(e: &(dyn std::error::Error + 'static)) -> String {
    use std::io::ErrorKind;
    let mut source = Some(e);
    while let Some(error) = source {
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            match io.kind() {
                ErrorKind::WouldBlock | ErrorKind::TimedOut => {
                    return format!(
                        "{e} (nothing arrived for 10 s: your code waited for bytes the \
                         other side never sends; count what you read and what you write, \
                         and flush)"
                    );
                }
                ErrorKind::UnexpectedEof => {
                    return format!(
                        "{e} (the other side closed the connection: it refused what you \
                         sent, or waited for something else)"
                    );
                }
                _ => {}
            }
        }
        source = error.source();
    }
    e.to_string()
}

/// Lowercase hex (the library's one encoder).
pub fn hex(bytes: &[u8]) -> String {
    learn_mtls::hex::Hex(bytes).to_string()
}

/// Hex, shortened in the middle beyond 64 bytes.
fn hex_short(bytes: &[u8]) -> String {
    if bytes.len() <= 64 {
        hex(bytes)
    } else {
        format!(
            "{}..{} ({} bytes)",
            hex(&bytes[..24]),
            hex(&bytes[bytes.len() - 8..]),
            bytes.len()
        )
    }
}

/// Fails unless `got == expected`, showing both in hex and where they differ.
pub fn same_bytes(what: &str, input: &dyn Display, expected: &[u8], got: &[u8]) -> Result {
    if expected == got {
        return Ok(());
    }
    let mut message = format!(
        "{what} is wrong\n  input:    {input}\n  expected: {}\n  got:      {}\n",
        hex_short(expected),
        hex_short(got)
    );
    if expected.len() != got.len() {
        let _ = writeln!(
            message,
            "  lengths differ: expected {} bytes, got {}",
            expected.len(),
            got.len()
        );
    }
    let differ: Vec<usize> = (0..expected.len().min(got.len()))
        .filter(|&i| expected[i] != got[i])
        .collect();
    if !differ.is_empty() {
        let shown: Vec<String> = differ.iter().take(12).map(usize::to_string).collect();
        let more = if differ.len() > 12 {
            format!(" and {} more", differ.len() - 12)
        } else {
            String::new()
        };
        let _ = writeln!(
            message,
            "  bytes differ at offsets {}{more} ({} of {} bytes)",
            shown.join(", "),
            differ.len(),
            expected.len().min(got.len())
        );
    }
    // When the shortened forms above hide the first difference (it lies
    // in the elided middle), show the bytes around it.
    let first = differ
        .first()
        .copied()
        .or_else(|| (expected.len() != got.len()).then(|| expected.len().min(got.len())));
    if let Some(at) = first.filter(|_| expected.len() > 64 || got.len() > 64) {
        let from = at.saturating_sub(8);
        let window = |bytes: &[u8]| hex(&bytes[from.min(bytes.len())..(at + 8).min(bytes.len())]);
        let _ = writeln!(
            message,
            "  around offset {at} (bytes {from} onwards):\n    expected: {}\n    got:      {}",
            window(expected),
            window(got)
        );
    }
    Err(Failure(message.trim_end().to_owned()))
}

/// How a check message shows a public key (any 32 bytes): by its
/// fingerprint, `fingerprint 0123456789abcdef`. The library's refusals and
/// errors name keys by fingerprint only (`Refusal::UnknownKey`,
/// `CertError::UnknownIssuer`, ...), so this is the one form in which a key
/// can read the same in a message's input as in its expected and got lines.
pub fn key_shown(key: &[u8; 32]) -> String {
    format!("fingerprint {}", Fingerprint::of(key))
}

/// `{:?}` of `value`, each `PublicIdentity(64 hex digits)` in it shown by
/// its fingerprint ([`key_shown`]): `PublicIdentity(fingerprint ...)`.
pub fn debug_shown(value: &dyn fmt::Debug) -> String {
    const OPEN: &str = "PublicIdentity(";
    let text = format!("{value:?}");
    let mut shown = String::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find(OPEN) {
        let after = at + OPEN.len();
        shown.push_str(&rest[..after]);
        rest = &rest[after..];
        let key = rest
            .get(..64)
            .filter(|_| rest[64..].starts_with(')'))
            .and_then(|digits| learn_mtls::hex::decode_array::<32>(digits).ok());
        if let Some(key) = key {
            shown.push_str(&key_shown(&key));
            rest = &rest[64..];
        }
    }
    shown.push_str(rest);
    shown
}

/// Fails unless `got == expected`, showing both with `{:?}` (keys by
/// fingerprint: [`debug_shown`]).
pub fn same<T: PartialEq + fmt::Debug>(
    what: &str,
    input: &dyn Display,
    expected: &T,
    got: &T,
) -> Result {
    if expected == got {
        return Ok(());
    }
    Err(fail(format!(
        "{what} is wrong\n  input:    {input}\n  expected: {}\n  got:      {}",
        debug_shown(expected),
        debug_shown(got)
    )))
}

/// `n` random bytes from the operating system.
pub fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random number generator");
    bytes
}

/// A random number below `bound`.
pub fn below(bound: usize) -> usize {
    (u64::from_le_bytes(random()) % bound as u64) as usize
}

/// How one check ended.
pub enum Outcome {
    /// It passed.
    Done,
    /// The learner's code reached a `todo!()`, at this place.
    NotStarted(String),
    /// It failed: why, in words.
    Failed(String),
}

/// The last panic's message and location, recorded by the hook.
static LAST_PANIC: Mutex<Option<(String, String)>> = Mutex::new(None);

/// Replaces the default panic output (a learner's `todo!()` is not a crash)
/// with a record of the panic that [`run`] reports.
pub fn install_panic_hook() {
    panic::set_hook(Box::new(|info| {
        let message = if let Some(s) = info.payload().downcast_ref::<&str>() {
            (*s).to_owned()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "a panic".to_owned()
        };
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        if let Ok(mut last) = LAST_PANIC.lock() {
            // Keep the first panic: a todo!() in a helper thread is the cause.
            last.get_or_insert((message, location));
        }
    }));
}

/// How long one check may run: far more than any check needs, so a
/// learner's endless loop is reported instead of hanging the course.
/// `COURSE_CHECK_TIMEOUT` (seconds) overrides it.
fn time_limit() -> Duration {
    let seconds = std::env::var("COURSE_CHECK_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    Duration::from_secs(seconds)
}

/// Runs `check`, turning a panic into "not started" (a `todo!()`) or a
/// failure, and an endless loop into a failure after [`time_limit`].
pub fn run(check: fn() -> Result) -> Outcome {
    if let Ok(mut last) = LAST_PANIC.lock() {
        *last = None;
    }
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(panic::catch_unwind(AssertUnwindSafe(check)));
    });
    let limit = time_limit();
    let Ok(result) = receive.recv_timeout(limit) else {
        return Outcome::Failed(format!(
            "the check did not finish within {} s: does your code loop forever, \
             or wait for bytes that never come?",
            limit.as_secs()
        ));
    };
    let panicked = LAST_PANIC.lock().ok().and_then(|mut last| last.take());
    match (result, panicked) {
        (Ok(Ok(())), _) => Outcome::Done,
        (_, Some((message, location))) if message.starts_with("not yet implemented") => {
            Outcome::NotStarted(location)
        }
        (Ok(Err(failure)), None) => Outcome::Failed(failure.0),
        (Ok(Err(failure)), Some((message, location))) => Outcome::Failed(format!(
            "{}\n  (your code also panicked at {location}: {message})",
            failure.0
        )),
        (Err(_), Some((message, location))) => {
            Outcome::Failed(format!("your code panicked at {location}:\n  {message}"))
        }
        (Err(_), None) => Outcome::Failed("your code panicked".to_owned()),
    }
}

/// Fails when the learner's file (`source`, its text) answers exercise
/// `id` by calling the library's own version of it, `learn_mtls::raw::NAME`
/// (`raw` exists so that the checks can see inside a session; it is not a
/// way to skip the exercise). Comments are ignored; a `raw::*` glob counts,
/// since it brings the answer into reach.
pub fn not_the_library_itself(id: &str, file: &str, source: &str, name: &str) -> Result {
    let code: String = source
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    for (at, _) in code.match_indices("raw::") {
        let rest = code[at + "raw::".len()..].trim_start();
        let segment = if let Some(group) = rest.strip_prefix('{') {
            group.split('}').next().unwrap_or("")
        } else {
            let end = rest
                .find(|c: char| !is_word(c) && c != '*')
                .unwrap_or(rest.len());
            &rest[..end]
        };
        let named = segment
            .split(|c: char| !is_word(c) && c != '*')
            .any(|word| word == name || word == "*");
        if named {
            return Err(fail(format!(
                "{file} reaches for `learn_mtls::raw::{name}`, the library's own answer to \
                 exercise {id}: the check would only compare the library with itself. \
                 Write {name} from the lesson's formula instead (`raw` is there so that the \
                 checks can look inside a session)"
            )));
        }
    }
    Ok(())
}

/// A fresh random identity key, for the checks' servers and clients.
pub fn key() -> IdentityKey {
    IdentityKey::generate(&mut os_rng())
}

/// `text` as a client name (the checks' names are all valid).
pub fn name(text: &str) -> ClientName {
    ClientName::new(text).expect("a valid name")
}

#[cfg(test)]
mod tests {
    use super::not_the_library_itself as check;

    #[test]
    fn a_difference_hidden_in_the_elided_middle_is_shown() {
        let expected = vec![0u8; 200];
        let mut got = expected.clone();
        got[100] = 0xab;
        let message = super::same_bytes("x", &"input", &expected, &got)
            .unwrap_err()
            .0;
        assert!(message.contains("around offset 100"), "{message}");
        assert!(
            message.contains("got:      0000000000000000ab"),
            "{message}"
        );
    }

    #[test]
    fn keys_read_the_same_in_every_line_of_a_message() {
        let key = super::key().public();
        let fingerprint = key.fingerprint().to_string();
        let refusal = learn_mtls::trust::Refusal::UnknownKey {
            fingerprint: key.fingerprint(),
        };
        let accepted = learn_mtls::trust::AuthorizedKey::new(key, super::name("alice"));
        let input = format!("alice: {}", super::key_shown(key.as_bytes()));
        let message = super::same("x", &input, &Err(refusal), &Ok(accepted))
            .unwrap_err()
            .0;
        assert_eq!(message.matches(&fingerprint).count(), 3, "{message}");
        assert!(!message.contains(&key.to_string()), "{message}");
        assert!(
            message.contains(&format!("PublicIdentity(fingerprint {fingerprint})")),
            "{message}"
        );
        // Not a key: left as it is.
        let odd = "PublicIdentity(12) PublicIdentity(";
        assert_eq!(super::debug_shown(&format_args!("{odd}")), odd);
    }

    #[test]
    fn the_library_answering_itself_is_noticed() {
        let name = "shared_secret";
        for source in [
            "pub fn f() { learn_mtls::raw::shared_secret(a, b) }",
            "use learn_mtls::raw::shared_secret;",
            "use learn_mtls::raw::{TrafficKeys, shared_secret as s};",
            "use learn_mtls::raw::*;",
            "use learn_mtls::raw;\nfn f() { raw:: shared_secret(a, b) }",
        ] {
            assert!(check("10.1", "f.rs", source, name).is_err(), "{source}");
        }
        for source in [
            "use learn_mtls::raw::TrafficKeys;\nfn shared_secret() {}",
            "// learn_mtls::raw::shared_secret would be cheating\nfn f() {}",
            "use learn_mtls::raw::{TrafficKeys, record_nonce};",
            "fn f() { x25519_dalek::x25519(a, b) }",
        ] {
            assert!(check("10.1", "f.rs", source, name).is_ok(), "{source}");
        }
    }
}

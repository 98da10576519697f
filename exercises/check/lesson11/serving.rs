//! A learner's server, served: a connection in memory, and the real
//! `11-mtls-client` against it, for the finales of Lessons 11 and 13.

use std::io::{ErrorKind, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use learn_mtls::handshake::HandshakeError;
use learn_mtls::trust::ClientIdentity;
use learn_mtls_exercises::lesson10::records::RecordLayer;
use learn_mtls_exercises::support::read_record;

use crate::harness::{Context, Result, fail};
use crate::processes::example;

/// A connection in memory: the bytes a client sends, and what the server wrote.
pub struct Scripted {
    pub(super) input: std::io::Cursor<Vec<u8>>,
    pub(super) output: Vec<u8>,
}

impl std::io::Read for Scripted {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.input.read(buf)
    }
}

impl std::io::Write for Scripted {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.output.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Feeds a server `accept` a low-order share as message 1 (32 zero bytes):
/// it must refuse with `NonContributoryShare` before it sends (signs) message 2.
pub fn refuses_low_order_share<T>(
    accept: impl FnOnce(&mut Scripted) -> std::result::Result<T, Box<dyn std::error::Error>>,
) -> Result {
    let mut stream = Scripted {
        input: std::io::Cursor::new(vec![0u8; 32]),
        output: Vec::new(),
    };
    let input = "message 1 = 32 zero bytes (a low-order share), then nothing";
    match accept(&mut stream) {
        Ok(_) => Err(fail(format!(
            "your server accepted a low-order client share\n  input:    {input}"
        ))),
        Err(e) if !stream.output.is_empty() => {
            let refused = matches!(
                e.downcast_ref::<HandshakeError>(),
                Some(HandshakeError::NonContributoryShare)
            );
            Err(fail(format!(
                "your server sent {} bytes (message 2, signed) {} a low-order client share: \
                 compute the shared secret (your 10.1) right after message 1, before you \
                 sign\n  input:    {input}",
                stream.output.len(),
                if refused {
                    "before refusing"
                } else {
                    "and never refused"
                }
            )))
        }
        Err(e) => match e.downcast_ref::<HandshakeError>() {
            Some(HandshakeError::NonContributoryShare) => Ok(()),
            _ => Err(fail(format!(
                "your server refused a low-order client share, but not with \
                 NonContributoryShare\n  input:    {input}\n  got:      {}",
                crate::harness::explain(&*e)
            ))),
        },
    }
}

/// What a learner's server returns: the client, the sealer, the opener,
/// and the plaintext of a first record it already opened (if any).
pub type Served = (ClientIdentity, RecordLayer, RecordLayer, Vec<u8>);

/// Starts the real `11-mtls-client` with `key` and `binding`, accepts it
/// with `accept` (your server), echoes; returns what the client printed.
pub fn serve_real_client(
    dir: &std::path::Path,
    key: &str,
    binding: &str,
    should_accept: bool,
    accept: impl Fn(&mut TcpStream) -> std::result::Result<Served, Box<dyn std::error::Error>>,
) -> Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").context("listening on loopback")?;
    let address = listener
        .local_addr()
        .context("the listening address")?
        .to_string();
    let mut client = Command::new(example("11-mtls-client")?)
        .args([
            "--connect",
            &address,
            "--key",
            key,
            "--server-pub",
            "server.pub",
            "--binding",
            binding,
        ])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting 11-mtls-client")?;
    let mut stdin = client.stdin.take().expect("piped stdin");
    stdin
        .write_all(b"hello\nworld\n")
        .context("writing to 11-mtls-client")?;
    drop(stdin);
    let kill = KillOnDrop(Some(client));
    let (stream, _) = listener.accept().context("accepting the real client")?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .context("a timeout")?;
    let mut stream = stream;
    let accepted = accept(&mut stream);
    match (accepted, should_accept) {
        (Ok((client, mut sealer, mut opener, first)), true) => {
            if client.name.as_str() != "client" {
                return Err(fail(format!(
                    "your server named the client {:?}",
                    client.name.as_str()
                )));
            }
            if !first.is_empty() {
                stream
                    .write_all(&sealer.seal(&first).context("your seal")?)
                    .context("sending")?;
            }
            loop {
                let record = match read_record(&mut stream) {
                    Ok(record) => record,
                    Err(e) if e.kind() == ErrorKind::UnexpectedEof => break,
                    Err(e) => return Err(fail(format!("reading the real client's record: {e}"))),
                };
                let message = opener.open(&record).map_err(|e| {
                    fail(format!(
                        "your server could not open the real client's record: {e}"
                    ))
                })?;
                stream
                    .write_all(&sealer.seal(&message).context("your seal")?)
                    .context("sending")?;
            }
        }
        (Err(e), true) => {
            return Err(fail(format!(
                "your server refused the real 11-mtls-client: {}",
                crate::harness::explain(&*e)
            )));
        }
        (Ok(_), false) => {
            return Err(fail(
                "your server accepted a client whose key is not the pinned one",
            ));
        }
        (Err(_), false) => drop(stream),
    }
    let output = kill.wait(Duration::from_secs(15))?;
    let succeeded = output.0;
    if succeeded != should_accept {
        return Err(fail(format!(
            "the real 11-mtls-client {} (it said: {})",
            if should_accept {
                "failed"
            } else {
                "succeeded although your server refused it"
            },
            output.2.trim()
        )));
    }
    Ok(output.1)
}

/// A child process that is killed unless it finishes in time.
struct KillOnDrop(Option<std::process::Child>);

impl KillOnDrop {
    /// Waits for the child: (exited successfully, stdout, stderr).
    fn wait(mut self, timeout: Duration) -> Result<(bool, String, String)> {
        let mut child = self.0.take().expect("a child");
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().context("waiting for 11-mtls-client")? {
                let mut stdout = String::new();
                let mut stderr = String::new();
                if let Some(mut out) = child.stdout.take() {
                    let _ = out.read_to_string(&mut stdout);
                }
                if let Some(mut err) = child.stderr.take() {
                    let _ = err.read_to_string(&mut stderr);
                }
                return Ok((status.success(), stdout, stderr));
            }
            if started.elapsed() > timeout {
                let _ = child.kill();
                let _ = child.wait();
                return Err(fail("the real 11-mtls-client did not finish in time"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

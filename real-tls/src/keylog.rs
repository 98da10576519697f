//! The secrets of a session, in the key log format Wireshark, OpenSSL and
//! browsers write (`SSLKEYLOGFILE`): `LABEL <client_random hex> <secret hex>`.
//!
//! **A teaching aid.** Whoever holds these lines can decrypt every byte of
//! the sessions they describe, including the client's certificate and
//! everything sent afterwards. The file starts with a comment that says so.

use std::collections::HashMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::path::Path;
use std::sync::Mutex;

use zeroize::Zeroizing;

use crate::x509::hex;

/// The banner written at the top of a key log file and printed on stderr.
pub const BANNER: &str = "TEACHING AID: this key log holds the secrets of TLS sessions; \
     anyone with it can decrypt them. Never enable it for real traffic.";

/// Secrets by (label, client_random).
type Secrets = HashMap<(String, Vec<u8>), Zeroizing<Vec<u8>>>;

/// A [`rustls::KeyLog`] that appends to a file, keeps the secrets in
/// memory for the trace, or both.
pub struct KeyLogRecorder {
    file: Option<Mutex<File>>,
    keep: bool,
    /// (label, client_random) -> secret.
    secrets: Mutex<Secrets>,
}

impl fmt::Debug for KeyLogRecorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyLogRecorder")
            .field("file", &self.file.is_some())
            .field("secrets", &"<redacted>")
            .finish()
    }
}

impl KeyLogRecorder {
    /// A recorder writing to `path` (appending, created if missing) if
    /// given, and keeping secrets in memory if `keep` (for `--trace`).
    ///
    /// # Errors
    ///
    /// The file cannot be opened or written.
    pub fn new(path: Option<&Path>, keep: bool) -> io::Result<Self> {
        let file = match path {
            Some(path) => {
                let mut file = OpenOptions::new().create(true).append(true).open(path)?;
                writeln!(file, "# {BANNER}")?;
                Some(Mutex::new(file))
            }
            None => None,
        };
        Ok(Self {
            file,
            keep,
            secrets: Mutex::new(HashMap::new()),
        })
    }

    /// The secret logged under `label` for the session whose ClientHello
    /// carried `client_random`, if it has been logged yet.
    #[must_use]
    pub fn secret(&self, label: &str, client_random: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let secrets = self
            .secrets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        secrets
            .get(&(label.to_owned(), client_random.to_vec()))
            .cloned()
    }

    /// Forgets every secret of the session with `client_random`.
    pub fn forget(&self, client_random: &[u8]) {
        let mut secrets = self
            .secrets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        secrets.retain(|(_, random), _| random != client_random);
    }
}

impl rustls::KeyLog for KeyLogRecorder {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        if let Some(file) = &self.file {
            let mut file = file
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let line = Zeroizing::new(format!("{label} {} {}\n", hex(client_random), hex(secret)));
            // A failed write loses a teaching aid, not the connection.
            let _ = file.write_all(line.as_bytes());
        }
        if self.keep {
            let mut secrets = self
                .secrets
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            secrets.insert(
                (label.to_owned(), client_random.to_vec()),
                Zeroizing::new(secret.to_vec()),
            );
        }
    }

    fn will_log(&self, _label: &str) -> bool {
        self.file.is_some() || self.keep
    }
}

//! OCSP stapling for the lesson's server (Lesson 18): the server sends, in
//! its Certificate message, a DER OCSP response about its own certificate
//! that someone else fetched from the CA's responder (`openssl ocsp
//! -respout FILE`). The file is read again whenever it changes, so a fresh
//! response reaches the next handshake without a restart.
//!
//! The server does not look inside the response: it staples what it is
//! given, as nginx and rustls do; checking it is the client's job.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::{CertifiedKey, SigningKey};

use crate::files;
use crate::tls::{SetupError, provider};

/// Serves one certificate chain with the OCSP response in a file.
pub struct Stapler {
    chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    key: Arc<dyn SigningKey>,
    path: PathBuf,
    /// The file's modification time when last read, and what was built from it.
    current: Mutex<(Option<SystemTime>, Arc<CertifiedKey>)>,
}

impl fmt::Debug for Stapler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Stapler {{ response: {}, key: <redacted> }}",
            self.path.display()
        )
    }
}

impl Stapler {
    /// The certificate in `cert` (leaf first), its key, and the OCSP
    /// response to staple from `response`.
    ///
    /// # Errors
    ///
    /// A file is missing or malformed, or the key does not suit the certificate.
    pub fn new(cert: &Path, key: &Path, response: &Path) -> Result<Self, SetupError> {
        let chain = files::certificates(cert)?;
        let key = provider()
            .key_provider
            .load_private_key(files::private_key(key)?)
            .map_err(|e| SetupError::Rustls(format!("{}: {e}", key.display())))?;
        let (modified, ocsp) = read(response).map_err(SetupError::Rustls)?;
        let certified = Arc::new(CertifiedKey {
            cert: chain.clone(),
            key: key.clone(),
            ocsp: Some(ocsp),
        });
        Ok(Self {
            chain,
            key,
            path: response.to_owned(),
            current: Mutex::new((modified, certified)),
        })
    }
}

/// The response's bytes and the file's modification time.
fn read(path: &Path) -> Result<(Option<SystemTime>, Vec<u8>), String> {
    let modified = fs::metadata(path).and_then(|m| m.modified()).ok();
    let bytes = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    // An OCSPResponse is a DER SEQUENCE; anything else is not one.
    if bytes.first() != Some(&0x30) {
        return Err(format!(
            "{}: not a DER OCSP response (openssl ocsp -respout writes one)",
            path.display()
        ));
    }
    Ok((modified, bytes))
}

impl ResolvesServerCert for Stapler {
    fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let mut current = self.current.lock().ok()?;
        let modified = fs::metadata(&self.path).and_then(|m| m.modified()).ok();
        if modified != current.0 {
            // A response being rewritten may be read half-way: keep the
            // last good one until the file reads whole.
            match read(&self.path) {
                Ok((modified, ocsp)) => {
                    eprintln!("stapling the new OCSP response in {}", self.path.display());
                    *current = (
                        modified,
                        Arc::new(CertifiedKey {
                            cert: self.chain.clone(),
                            key: self.key.clone(),
                            ocsp: Some(ocsp),
                        }),
                    );
                }
                Err(e) => eprintln!("keeping the last OCSP response: {e}"),
            }
        }
        Some(current.1.clone())
    }
}

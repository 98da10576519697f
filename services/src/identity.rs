//! The verified client's identity, as the application sees it once the
//! TLS layer has checked the chain.
//!
//! Two names can stand for a workload. A DNS name (`dNSName`) says where a
//! host is reached, and is what a client compares with the host it dialled.
//! A SPIFFE ID (`spiffe://trust-domain/path`, a `uniformResourceIdentifier`
//! SAN) says what the workload *is*, wherever it runs; meshes put exactly
//! one in each workload's certificate. The peer name this crate reports is
//! the SPIFFE ID when there is one, else the subject's common name.

use learn_mtls_real_tls::x509::{self, San, X509Error};

/// What a service knows about the client it is talking to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The subject as `CN=alice, O=...`.
    pub subject: String,
    /// The subject's common name, if it has one.
    pub common_name: Option<String>,
    /// The first `spiffe://` URI SAN, if any.
    pub spiffe_id: Option<String>,
    /// The serial number in lowercase hex, as `openssl x509 -serial` shows it.
    pub serial: String,
    /// Every SAN as `DNS:...`, `URI:...`, `IP:...`.
    pub sans: Vec<String>,
}

impl Identity {
    /// Reads the identity out of a certificate's DER encoding. This checks
    /// nothing: call it only on a certificate the TLS layer has verified.
    ///
    /// # Errors
    ///
    /// The DER is not a certificate.
    pub fn from_der(der: &[u8]) -> Result<Self, X509Error> {
        let summary = x509::summarize(der)?;
        Ok(Self::from_summary(&summary))
    }

    /// As [`Identity::from_der`], from a certificate already read.
    #[must_use]
    pub fn from_summary(summary: &x509::Summary) -> Self {
        let spiffe_id = summary.sans.iter().find_map(|san| match san {
            San::Uri(uri) if uri.starts_with("spiffe://") => Some(uri.clone()),
            _ => None,
        });
        Self {
            subject: summary.subject.clone(),
            common_name: summary.common_name.clone(),
            spiffe_id,
            serial: summary.serial_hex(),
            sans: summary.sans.iter().map(ToString::to_string).collect(),
        }
    }

    /// The name the service reports the client by: its SPIFFE ID if its
    /// certificate has one, else its common name, else its whole subject.
    #[must_use]
    pub fn peer(&self) -> &str {
        self.spiffe_id
            .as_deref()
            .or(self.common_name.as_deref())
            .unwrap_or(&self.subject)
    }

    /// The JSON `GET /whoami` answers: `subject`, `spiffe_id` (or null),
    /// `serial`, `sans`.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "subject": self.subject,
            "spiffe_id": self.spiffe_id,
            "serial": self.serial,
            "sans": self.sans,
        })
    }
}

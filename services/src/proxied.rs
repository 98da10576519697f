//! The app behind a proxy that terminates mutual TLS (nginx, Envoy, a
//! mesh sidecar). The app speaks plain HTTP; the proxy has checked the
//! client's chain and passes the verified certificate in a header.
//!
//! What the app must then trust is the proxy, not the network: anyone who
//! can reach the app directly can write that header. So the app listens
//! where only the proxy can connect (loopback, a pod's shared network
//! namespace), and the proxy replaces the header on every request rather
//! than forwarding what the client sent.

use crate::identity::Identity;

/// The header nginx fills with `$ssl_client_verify`.
pub const VERIFY_HEADER: &str = "x-client-verify";
/// The header nginx fills with `$ssl_client_escaped_cert`: the PEM,
/// URL-encoded.
pub const CERT_HEADER: &str = "x-client-cert";

/// Why a request did not carry a usable identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Missing {
    /// No verdict header: the request did not come through the proxy.
    NoVerdict,
    /// The proxy did not verify the certificate (`NONE`, `FAILED:...`).
    NotVerified(String),
    /// A verdict but no certificate, or one that does not parse.
    BadCertificate(String),
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoVerdict => f.write_str(
                "no X-Client-Verify header: this request did not come through the mTLS proxy",
            ),
            Self::NotVerified(verdict) => {
                write!(
                    f,
                    "the proxy did not verify a client certificate ({verdict})"
                )
            }
            Self::BadCertificate(why) => write!(f, "X-Client-Cert unusable: {why}"),
        }
    }
}

/// Decodes `%XX` escapes (nginx's `$ssl_client_escaped_cert`).
///
/// # Errors
///
/// A `%` not followed by two hex digits, or text that is not UTF-8.
pub fn percent_decode(text: &str) -> Result<String, String> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let pair = [bytes.next(), bytes.next()];
            let [Some(hi), Some(lo)] = pair else {
                return Err("a % escape is cut short".to_owned());
            };
            let digits = [hi, lo];
            let digits = core::str::from_utf8(&digits).map_err(|_| "a % escape is not hex")?;
            out.push(u8::from_str_radix(digits, 16).map_err(|_| "a % escape is not hex")?);
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).map_err(|_| "the decoded certificate is not text".to_owned())
}

/// The identity the proxy vouches for, from the two header values.
///
/// # Errors
///
/// [`Missing`] saying what is wrong.
pub fn identity(verdict: Option<&str>, escaped_cert: Option<&str>) -> Result<Identity, Missing> {
    match verdict {
        None => return Err(Missing::NoVerdict),
        Some("SUCCESS") => {}
        Some(other) => return Err(Missing::NotVerified(other.to_owned())),
    }
    let escaped = escaped_cert
        .filter(|c| !c.is_empty())
        .ok_or_else(|| Missing::BadCertificate("absent".to_owned()))?;
    let pem = percent_decode(escaped).map_err(Missing::BadCertificate)?;
    use rustls::pki_types::pem::PemObject as _;
    let der = rustls::pki_types::CertificateDer::from_pem_slice(pem.as_bytes())
        .map_err(|e| Missing::BadCertificate(format!("not a PEM certificate ({e:?})")))?;
    Identity::from_der(&der).map_err(|e| Missing::BadCertificate(e.to_string()))
}

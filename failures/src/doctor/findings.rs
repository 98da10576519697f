//! The doctor's vocabulary: the fixed list of causes, the line it prints
//! for each finding, which side a certificate is for, and why it could not
//! look at all.

use std::fmt;

use learn_mtls_real_tls::files::FileError;

/// Why a connection fails: the fixed vocabulary of `problem CAUSE:` lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Cause {
    /// A certificate was sent without the intermediate that links it to the CA.
    IncompleteChain,
    /// The certificate's CA is not one the other side trusts.
    UnknownCa,
    /// Past its `notAfter`.
    Expired,
    /// Before its `notBefore` (often: a clock behind).
    NotYetValid,
    /// Its names do not cover the name dialled.
    NameMismatch,
    /// A name in the common name only, no subjectAltName.
    NoSan,
    /// Its extended key usage does not allow this role.
    WrongUsage,
    /// The server requires a client certificate and none was sent.
    NoClientCert,
    /// The server lets clients in without a certificate.
    ClientCertNotRequired,
    /// The private key is not the certificate's.
    KeyMismatch,
    /// A key type that some TLS stacks do not offer.
    UnsupportedKeyType,
    /// On its CA's revocation list.
    Revoked,
}

impl Cause {
    /// Every cause, in the order the lesson lists them.
    pub const ALL: [Self; 12] = [
        Self::IncompleteChain,
        Self::UnknownCa,
        Self::Expired,
        Self::NotYetValid,
        Self::NameMismatch,
        Self::NoSan,
        Self::WrongUsage,
        Self::NoClientCert,
        Self::ClientCertNotRequired,
        Self::KeyMismatch,
        Self::UnsupportedKeyType,
        Self::Revoked,
    ];

    /// The word printed after `problem`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::IncompleteChain => "incomplete-chain",
            Self::UnknownCa => "unknown-ca",
            Self::Expired => "expired",
            Self::NotYetValid => "not-yet-valid",
            Self::NameMismatch => "name-mismatch",
            Self::NoSan => "no-san",
            Self::WrongUsage => "wrong-usage",
            Self::NoClientCert => "no-client-cert",
            Self::ClientCertNotRequired => "client-cert-not-required",
            Self::KeyMismatch => "key-mismatch",
            Self::UnsupportedKeyType => "unsupported-key-type",
            Self::Revoked => "revoked",
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One line of the doctor's report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// `None`: an `ok` line.
    pub cause: Option<Cause>,
    /// What was found, naming the file and the certificate.
    pub what: String,
    /// What to do (empty on an `ok` line).
    pub fix: String,
}

impl Finding {
    pub(crate) fn ok(what: impl Into<String>) -> Self {
        Self {
            cause: None,
            what: what.into(),
            fix: String::new(),
        }
    }

    pub(crate) fn problem(cause: Cause, what: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            cause: Some(cause),
            what: what.into(),
            fix: fix.into(),
        }
    }

    /// The `--json` form: `{"status":"ok","what":...}` or
    /// `{"status":"problem","cause":...,"what":...,"fix":...}`.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        match self.cause {
            None => serde_json::json!({ "status": "ok", "what": self.what }),
            Some(cause) => serde_json::json!({
                "status": "problem",
                "cause": cause.name(),
                "what": self.what,
                "fix": self.fix,
            }),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.cause {
            None => write!(f, "ok {}", self.what),
            Some(cause) => write!(f, "problem {cause}: {}; fix: {}", self.what, self.fix),
        }
    }
}

/// Which side a certificate is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A TLS client's certificate (extended key usage `clientAuth`).
    Client,
    /// A TLS server's certificate (`serverAuth`, names checked).
    Server,
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "client" => Ok(Self::Client),
            "server" => Ok(Self::Server),
            other => Err(format!("role {other:?}: expected client or server")),
        }
    }
}

/// The doctor could not look at all (a file it cannot read, a server it
/// cannot reach): no finding, exit status 2.
#[derive(Debug)]
pub enum DoctorError {
    /// A file is missing or not PEM.
    File(FileError),
    /// A certificate is not DER the course's reader understands.
    X509(String),
    /// Something the doctor has no cause for.
    Other(String),
}

impl fmt::Display for DoctorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(e) => e.fmt(f),
            Self::X509(e) | Self::Other(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for DoctorError {}

impl From<FileError> for DoctorError {
    fn from(e: FileError) -> Self {
        Self::File(e)
    }
}

#[cfg(test)]
mod tests {
    use super::Cause;

    #[test]
    fn causes_have_their_fixed_names() {
        let names: Vec<_> = Cause::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(
            names,
            [
                "incomplete-chain",
                "unknown-ca",
                "expired",
                "not-yet-valid",
                "name-mismatch",
                "no-san",
                "wrong-usage",
                "no-client-cert",
                "client-cert-not-required",
                "key-mismatch",
                "unsupported-key-type",
                "revoked"
            ]
        );
    }
}

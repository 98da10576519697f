//! How the doctor reads one certificate: the cryptography it accepts, how
//! it names a certificate and a span of time, which key types some stacks
//! refuse, and which names a client compares with the one it dialled.

use std::sync::Arc;

use learn_mtls_real_tls::x509::{San, Summary};
use rustls::crypto::{CryptoProvider, ring};

/// The cryptography the doctor accepts: everything rustls with ring has
/// (both TLS versions, every group and suite), so that a failure it sees
/// is the peer's, not a narrow configuration of its own.
#[must_use]
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(ring::default_provider())
}

/// A certificate as the report names it: `CN=localhost (serial 18ab...)`.
pub(super) fn label(s: &Summary) -> String {
    format!("{} (serial {})", s.subject, s.serial_hex())
}

/// `2 days`, `5 hours`, `40 minutes`.
pub(super) fn span(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    let (n, unit) = if s >= 2 * 86_400 {
        (s / 86_400, "days")
    } else if s >= 2 * 3600 {
        (s / 3600, "hours")
    } else if s >= 120 {
        (s / 60, "minutes")
    } else {
        (s, "seconds")
    };
    format!("{n} {unit}")
}

/// What the doctor knows of the key types the lab's stacks accept.
pub(super) fn key_type_problem(s: &Summary) -> Option<&'static str> {
    match s.key_algorithm.as_str() {
        "Ed25519" | "ECDSA P-256" | "RSA" => None,
        // P-384
        "EC key on curve OID 2b81040022" => None,
        // 1.3.101.113
        "OID 2b6571" => Some(
            "an Ed448 key: OpenSSL (and Python and curl, which use it) accept it, but rustls and Go offer no signature scheme for Ed448, so their handshakes fail",
        ),
        // P-521
        "EC key on curve OID 2b81040023" => Some(
            "an ECDSA P-521 key: OpenSSL and Go accept it, but rustls built on ring does not verify P-521",
        ),
        // id-RSASSA-PSS
        "OID 2a864886f70d01010a" => Some(
            "an RSA-PSS-only key (id-RSASSA-PSS): OpenSSL accepts it, but rustls (webpki) and Go do not",
        ),
        _ => Some("a key type rustls does not know"),
    }
}

pub(super) const KEY_TYPE_FIX: &str = "reissue it with an ECDSA P-256 key, which every stack accepts (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256)";

/// The names a client compares with the one it dialled.
pub(super) fn host_names(s: &Summary) -> Vec<&San> {
    s.sans
        .iter()
        .filter(|san| matches!(san, San::Dns(_) | San::Ip(_)))
        .collect()
}

/// Whether `san` covers `name`: DNS names case-insensitively, `*.` for
/// exactly one leftmost label; IP addresses only as IP SANs.
pub(super) fn covers(san: &San, name: &str) -> bool {
    match san {
        San::Dns(pattern) => {
            let (pattern, name) = (pattern.to_ascii_lowercase(), name.to_ascii_lowercase());
            match pattern.strip_prefix("*.") {
                Some(rest) => name
                    .split_once('.')
                    .is_some_and(|(label, tail)| !label.is_empty() && tail == rest),
                None => pattern == name,
            }
        }
        San::Ip(ip) => name.parse::<std::net::IpAddr>().is_ok_and(|n| n == *ip),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::covers;
    use learn_mtls_real_tls::x509::San;

    #[test]
    fn names_cover_as_clients_match_them() {
        let dns = |n: &str| San::Dns(n.to_owned());
        assert!(covers(&dns("localhost"), "LOCALHOST"));
        assert!(covers(&dns("*.example.test"), "www.example.test"));
        assert!(!covers(&dns("*.example.test"), "a.b.example.test"));
        assert!(!covers(&dns("*.example.test"), "example.test"));
        assert!(!covers(&dns("localhost"), "127.0.0.1"));
        assert!(covers(&San::Ip([127, 0, 0, 1].into()), "127.0.0.1"));
    }
}

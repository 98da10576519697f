//! Just enough DER to read the fields of an X.509 certificate that Lessons
//! 16 and 17 talk about: serial, issuer, validity, subject, public key, and
//! two extensions: the subject's alternative names (DNS names, SPIFFE URIs)
//! and whether it is a CA.
//!
//! A certificate is nested TLV (tag, length, value) triples (RFC 5280 §4.1):
//!
//! ```text
//! Certificate  ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
//! TBSCertificate ::= SEQUENCE {
//!     [0] version, serialNumber INTEGER, signature AlgorithmIdentifier,
//!     issuer Name, validity SEQUENCE { notBefore, notAfter },
//!     subject Name, subjectPublicKeyInfo SEQUENCE { algorithm, BIT STRING },
//!     [3] extensions ... }
//! ```
//!
//! This reader checks nothing cryptographic: the TLS library verifies the
//! certificate; this module only names its parts for people.

use core::fmt;

/// The parts of a certificate the lesson prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// The serial number's bytes, big-endian, as the CA chose them.
    pub serial: Vec<u8>,
    /// Who issued it, as `CN=...` text.
    pub issuer: String,
    /// Who it names, as `CN=...` text.
    pub subject: String,
    /// Start of the validity window, as written in the certificate.
    pub not_before: String,
    /// End of the validity window, as written in the certificate.
    pub not_after: String,
    /// The public key's algorithm: `Ed25519`, `ECDSA P-256`, or an OID.
    pub key_algorithm: String,
    /// The public key itself (the BIT STRING's content after its unused-bits byte).
    pub public_key: Vec<u8>,
    /// Length of the DER encoding of the whole certificate.
    pub der_len: usize,
    /// The first common name (CN) in the subject, if it has one.
    pub common_name: Option<String>,
    /// The subject alternative names (RFC 5280 §4.2.1.6), in order.
    pub sans: Vec<San>,
    /// Whether basic constraints (§4.2.1.9) say this is a CA; no extension
    /// means not a CA.
    pub is_ca: bool,
    /// The extended key usages (§4.2.1.12) by name (`serverAuth`,
    /// `clientAuth`, or `OID ...`); empty when there is no such extension,
    /// which allows every use.
    pub extended_key_usages: Vec<String>,
}

/// One subject alternative name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum San {
    /// `dNSName`: a host name, what a client checks against the name it asked for.
    Dns(String),
    /// `uniformResourceIdentifier`: where SPIFFE puts a workload's ID.
    Uri(String),
    /// `iPAddress`.
    Ip(std::net::IpAddr),
    /// `rfc822Name`: an e-mail address.
    Email(String),
    /// Any other kind, by its context tag (0 otherName, 4 directoryName, ...).
    Other(u8),
}

impl fmt::Display for San {
    /// As OpenSSL prints them: `DNS:localhost`, `URI:spiffe://...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Dns(name) => write!(f, "DNS:{name}"),
            Self::Uri(uri) => write!(f, "URI:{uri}"),
            Self::Ip(ip) => write!(f, "IP:{ip}"),
            Self::Email(address) => write!(f, "email:{address}"),
            Self::Other(tag) => write!(f, "othername:[{tag}]"),
        }
    }
}

impl Summary {
    /// The serial number as lowercase hex, as `openssl x509 -serial` shows it.
    #[must_use]
    pub fn serial_hex(&self) -> String {
        hex(&self.serial)
    }
}

/// A certificate that is not the DER this module understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct X509Error(pub &'static str);

impl fmt::Display for X509Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a well-formed X.509 certificate: {}", self.0)
    }
}

impl std::error::Error for X509Error {}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OID: u8 = 0x06;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
const BOOLEAN: u8 = 0x01;
const OCTET_STRING: u8 = 0x04;
/// `[0] EXPLICIT Version`
const VERSION_TAG: u8 = 0xa0;
/// `[3] EXPLICIT Extensions`
const EXTENSIONS_TAG: u8 = 0xa3;
/// id-ce-subjectAltName, 2.5.29.17
const SUBJECT_ALT_NAME: [u8; 3] = [0x55, 0x1d, 0x11];
/// id-ce-basicConstraints, 2.5.29.19
const BASIC_CONSTRAINTS: [u8; 3] = [0x55, 0x1d, 0x13];
/// id-ce-extKeyUsage, 2.5.29.37
const EXTENDED_KEY_USAGE: [u8; 3] = [0x55, 0x1d, 0x25];

/// Reads a certificate's DER encoding.
///
/// # Errors
///
/// [`X509Error`] naming the field that did not parse.
pub fn summarize(der: &[u8]) -> Result<Summary, X509Error> {
    let mut outer = Reader(der);
    let cert = outer.expect(SEQUENCE, "Certificate")?;
    let mut cert = Reader(cert);
    let mut tbs = Reader(cert.expect(SEQUENCE, "tbsCertificate")?);
    if tbs.peek() == Some(VERSION_TAG) {
        tbs.any()?;
    }
    let serial = tbs.expect(INTEGER, "serialNumber")?;
    // A positive INTEGER whose top bit is set carries a leading zero byte.
    let serial = match serial {
        [0, rest @ ..] if !rest.is_empty() => rest,
        other => other,
    };
    tbs.expect(SEQUENCE, "signature")?;
    let (issuer, _) = name(tbs.expect(SEQUENCE, "issuer")?)?;
    let mut validity = Reader(tbs.expect(SEQUENCE, "validity")?);
    let not_before = time(&mut validity)?;
    let not_after = time(&mut validity)?;
    let (subject, common_name) = name(tbs.expect(SEQUENCE, "subject")?)?;
    let mut spki = Reader(tbs.expect(SEQUENCE, "subjectPublicKeyInfo")?);
    let mut algorithm = Reader(spki.expect(SEQUENCE, "algorithm")?);
    let key_algorithm = match algorithm.expect(OID, "algorithm OID")? {
        [0x2b, 0x65, 0x70] => "Ed25519".to_owned(),
        [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01] => match algorithm.expect(OID, "curve OID")? {
            [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07] => "ECDSA P-256".to_owned(),
            other => format!("EC key on curve OID {}", hex(other)),
        },
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01] => "RSA".to_owned(),
        other => format!("OID {}", hex(other)),
    };
    let public_key = match spki.expect(BIT_STRING, "subjectPublicKey")? {
        [0, key @ ..] => key.to_vec(),
        _ => return Err(X509Error("subjectPublicKey has unused bits")),
    };
    let (mut sans, mut is_ca, mut usages) = (Vec::new(), false, Vec::new());
    // After the key: [1] issuerUniqueID and [2] subjectUniqueID (skipped),
    // then [3] extensions.
    while !tbs.0.is_empty() {
        let (tag, value) = tbs.any()?;
        if tag == EXTENSIONS_TAG {
            extensions(value, &mut sans, &mut is_ca, &mut usages)?;
        }
    }
    Ok(Summary {
        serial: serial.to_vec(),
        issuer,
        subject,
        not_before,
        not_after,
        key_algorithm,
        public_key,
        der_len: der.len() - outer.0.len(),
        common_name,
        sans,
        is_ca,
        extended_key_usages: usages,
    })
}

/// `Extensions ::= SEQUENCE OF SEQUENCE { extnID, critical BOOLEAN DEFAULT
/// FALSE, extnValue OCTET STRING }`: reads the three this module knows.
fn extensions(
    der: &[u8],
    sans: &mut Vec<San>,
    is_ca: &mut bool,
    usages: &mut Vec<String>,
) -> Result<(), X509Error> {
    let mut list = Reader(Reader(der).expect(SEQUENCE, "extensions")?);
    while !list.0.is_empty() {
        let mut extension = Reader(list.expect(SEQUENCE, "Extension")?);
        let id = extension.expect(OID, "extnID")?;
        if extension.peek() == Some(BOOLEAN) {
            extension.any()?;
        }
        let value = extension.expect(OCTET_STRING, "extnValue")?;
        if id == SUBJECT_ALT_NAME {
            *sans = general_names(value)?;
        } else if id == BASIC_CONSTRAINTS {
            // SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }
            let mut constraints = Reader(Reader(value).expect(SEQUENCE, "basicConstraints")?);
            *is_ca =
                constraints.peek() == Some(BOOLEAN) && constraints.expect(BOOLEAN, "cA")? != [0];
        } else if id == EXTENDED_KEY_USAGE {
            // SEQUENCE OF KeyPurposeId (OIDs under id-kp, 1.3.6.1.5.5.7.3)
            let mut list = Reader(Reader(value).expect(SEQUENCE, "extKeyUsage")?);
            while !list.0.is_empty() {
                usages.push(match list.expect(OID, "KeyPurposeId")? {
                    [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01] => "serverAuth".to_owned(),
                    [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02] => "clientAuth".to_owned(),
                    other => format!("OID {}", hex(other)),
                });
            }
        }
    }
    Ok(())
}

/// `GeneralNames ::= SEQUENCE OF GeneralName`, each an IMPLICIT context tag.
fn general_names(der: &[u8]) -> Result<Vec<San>, X509Error> {
    let mut names = Reader(Reader(der).expect(SEQUENCE, "subjectAltName")?);
    let mut sans = Vec::new();
    while !names.0.is_empty() {
        let (tag, value) = names.any()?;
        let text = || {
            core::str::from_utf8(value)
                .map(str::to_owned)
                .map_err(|_| X509Error("a name in subjectAltName is not ASCII"))
        };
        sans.push(match tag {
            0x81 => San::Email(text()?),
            0x82 => San::Dns(text()?),
            0x86 => San::Uri(text()?),
            0x87 => {
                if let Ok(v4) = <[u8; 4]>::try_from(value) {
                    San::Ip(v4.into())
                } else if let Ok(v6) = <[u8; 16]>::try_from(value) {
                    San::Ip(v6.into())
                } else {
                    return Err(X509Error("an iPAddress is neither 4 nor 16 bytes"));
                }
            }
            other => San::Other(other & 0x1f),
        });
    }
    Ok(sans)
}

/// A `Name` as `CN=alice, O=...`, in the order the certificate lists it,
/// and the value of its first CN.
fn name(der: &[u8]) -> Result<(String, Option<String>), X509Error> {
    let mut parts = Vec::new();
    let mut common_name = None;
    let mut rdns = Reader(der);
    while !rdns.0.is_empty() {
        let mut set = Reader(rdns.expect(SET, "RelativeDistinguishedName")?);
        while !set.0.is_empty() {
            let mut pair = Reader(set.expect(SEQUENCE, "AttributeTypeAndValue")?);
            let kind = match pair.expect(OID, "attribute type")? {
                [0x55, 0x04, 0x03] => "CN".to_owned(),
                [0x55, 0x04, 0x06] => "C".to_owned(),
                [0x55, 0x04, 0x0a] => "O".to_owned(),
                [0x55, 0x04, 0x0b] => "OU".to_owned(),
                other => format!("OID {}", hex(other)),
            };
            let (_, value) = pair.any()?;
            let value = String::from_utf8_lossy(value);
            if kind == "CN" && common_name.is_none() {
                common_name = Some(value.clone().into_owned());
            }
            parts.push(format!("{kind}={value}"));
        }
    }
    Ok((parts.join(", "), common_name))
}

/// `UTCTime` or `GeneralizedTime` as `YYYY-MM-DD HH:MM:SS UTC`.
fn time(validity: &mut Reader<'_>) -> Result<String, X509Error> {
    let (tag, value) = validity.any()?;
    let text = core::str::from_utf8(value).map_err(|_| X509Error("time is not ASCII"))?;
    let full = match (tag, text.len()) {
        // RFC 5280 §4.1.2.5.1: YY >= 50 is 19YY, else 20YY.
        (UTC_TIME, 13) => {
            let century = if text[..2] >= *"50" { "19" } else { "20" };
            format!("{century}{text}")
        }
        (GENERALIZED_TIME, 15) => text.to_owned(),
        _ => {
            return Err(X509Error(
                "validity time is neither UTCTime nor GeneralizedTime",
            ));
        }
    };
    Ok(format!(
        "{}-{}-{} {}:{}:{} UTC",
        &full[0..4],
        &full[4..6],
        &full[6..8],
        &full[8..10],
        &full[10..12],
        &full[12..14]
    ))
}

/// Lowercase hex (the course's one encoder, `learn_mtls::hex::Hex`).
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    learn_mtls::hex::Hex(bytes).to_string()
}

/// A cursor over DER bytes.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.0.first().copied()
    }

    /// The next TLV, whatever its tag.
    fn any(&mut self) -> Result<(u8, &'a [u8]), X509Error> {
        let [tag, first, rest @ ..] = self.0 else {
            return Err(X509Error("truncated tag or length"));
        };
        let (len, rest) = match *first {
            short @ 0..=0x7f => (usize::from(short), rest),
            0x81..=0x83 => {
                let count = usize::from(first & 0x7f);
                if rest.len() < count {
                    return Err(X509Error("truncated length"));
                }
                let len = rest[..count]
                    .iter()
                    .fold(0usize, |len, b| (len << 8) | usize::from(*b));
                (len, &rest[count..])
            }
            _ => return Err(X509Error("unsupported length form")),
        };
        if rest.len() < len {
            return Err(X509Error("a value runs past the end"));
        }
        let (value, rest) = rest.split_at(len);
        self.0 = rest;
        Ok((*tag, value))
    }

    /// The next TLV, which must have tag `tag`; `what` names it in errors.
    fn expect(&mut self, tag: u8, what: &'static str) -> Result<&'a [u8], X509Error> {
        match self.any() {
            Ok((found, value)) if found == tag => Ok(value),
            Ok(_) => Err(X509Error(what)),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x05, 0x02],
            &[0x30, 0x84, 0, 0, 0, 1, 0],
            &[0x02, 0x01, 0x01],
        ] {
            assert!(summarize(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_certificate_from_the_lesson_ca_reads_back() {
        let issued =
            crate::certs::issue(crate::certs::Algorithm::Ed25519, "kata CA", 1).expect("issued");
        let der = rustls::pki_types::pem::PemObject::from_pem_slice(issued.client_pem.as_bytes())
            .map(|c: rustls::pki_types::CertificateDer<'_>| c.to_vec())
            .expect("PEM");
        let s = summarize(&der).expect("DER");
        assert_eq!(s.subject, "CN=alice");
        assert_eq!(s.issuer, "CN=kata CA");
        assert_eq!(s.key_algorithm, "Ed25519");
        assert_eq!(s.public_key.len(), 32);
        assert_eq!(s.serial.len(), 16);
        assert_eq!(s.der_len, der.len());
        assert_eq!(s.common_name.as_deref(), Some("alice"));
        assert_eq!(s.sans, [San::Dns("alice".to_owned())]);
        assert!(!s.is_ca);
        assert_eq!(s.extended_key_usages, ["clientAuth"]);
        let ca = rustls::pki_types::pem::PemObject::from_pem_slice(issued.ca_pem.as_bytes())
            .map(|c: rustls::pki_types::CertificateDer<'_>| c.to_vec())
            .expect("PEM");
        let ca = summarize(&ca).expect("DER");
        assert!(ca.is_ca);
        assert!(ca.sans.is_empty());
        // Every truncation fails cleanly.
        for cut in 0..der.len() {
            assert!(summarize(&der[..cut]).is_err(), "cut at {cut}");
        }
    }
}

//! Checking a stapled OCSP response (RFC 6960) by hand, for
//! `16-tls-client --require-ocsp` (Lesson 18).
//!
//! ```text
//! OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, responseBytes [0] EXPLICIT
//!                    SEQUENCE { responseType OID, response OCTET STRING } }
//! BasicOCSPResponse ::= SEQUENCE { tbsResponseData ResponseData,
//!                    signatureAlgorithm, signature BIT STRING, certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
//! ResponseData ::= SEQUENCE { version [0] DEFAULT v1, responderID, producedAt,
//!                    responses SEQUENCE OF SingleResponse, responseExtensions [1] OPTIONAL }
//! SingleResponse ::= SEQUENCE { certID SEQUENCE { hashAlgorithm, issuerNameHash OCTET STRING,
//!                    issuerKeyHash OCTET STRING, serialNumber INTEGER },
//!                    certStatus CHOICE { good [0], revoked [1], unknown [2] },
//!                    thisUpdate GeneralizedTime, nextUpdate [0] EXPLICIT GeneralizedTime OPTIONAL, ... }
//! ```
//!
//! A response is accepted only if it is signed by the certificate's issuer,
//! or by a responder certificate that the issuer signed for OCSP signing;
//! names this very certificate (issuer name and key hashes, serial); is
//! fresh (`thisUpdate` not in the future, `nextUpdate` not past, or, when a
//! responder leaves `nextUpdate` out, `thisUpdate` under a day old); and says
//! `good`.

use std::fmt;
use std::sync::Arc;

use ring::digest;
use ring::signature::{self, UnparsedPublicKey};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, Error, OtherError, SignatureScheme};

use crate::x509;

/// Why a stapled response was refused, and which kind of refusal it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OcspError(pub String, pub Fault);

/// The kinds of refusal a diagnosis tells apart (`18-mtls-doctor connect`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// A good signature on an answer about this certificate: `revoked`.
    Revoked,
    /// An answer past its nextUpdate (or, without one, over a day old).
    Stale,
    /// Anything else: missing, malformed, about another certificate,
    /// badly signed, `unknown`, from the future.
    Other,
}

impl fmt::Display for OcspError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OCSP staple refused: {}", self.0)
    }
}

impl std::error::Error for OcspError {}

fn bad(why: impl Into<String>) -> OcspError {
    OcspError(why.into(), Fault::Other)
}

fn stale(why: impl Into<String>) -> OcspError {
    OcspError(why.into(), Fault::Stale)
}

/// One DER TLV: its tag, its value, and the whole encoding.
struct Tlv<'a> {
    tag: u8,
    value: &'a [u8],
    whole: &'a [u8],
}

/// Reads the next TLV off `input`.
fn next<'a>(input: &mut &'a [u8]) -> Result<Tlv<'a>, OcspError> {
    let all = *input;
    let [tag, first, rest @ ..] = all else {
        return Err(bad("truncated DER"));
    };
    let (len, header) = match *first {
        short @ 0..=0x7f => (usize::from(short), 2),
        0x81..=0x83 => {
            let count = usize::from(first & 0x7f);
            let bytes = rest
                .get(..count)
                .ok_or_else(|| bad("truncated DER length"))?;
            (
                bytes.iter().fold(0usize, |n, b| (n << 8) | usize::from(*b)),
                2 + count,
            )
        }
        _ => return Err(bad("unsupported DER length")),
    };
    let end = header
        .checked_add(len)
        .filter(|end| *end <= all.len())
        .ok_or_else(|| bad("a DER value runs past the end"))?;
    *input = &all[end..];
    Ok(Tlv {
        tag: *tag,
        value: &all[header..end],
        whole: &all[..end],
    })
}

fn expect<'a>(input: &mut &'a [u8], tag: u8, what: &str) -> Result<Tlv<'a>, OcspError> {
    let tlv = next(input)?;
    if tlv.tag == tag {
        Ok(tlv)
    } else {
        Err(bad(format!("malformed response: expected {what}")))
    }
}

/// The parts of a certificate a response is checked against.
struct CertParts<'a> {
    tbs: &'a [u8],
    signature_algorithm: &'a [u8],
    signature: &'a [u8],
    serial: &'a [u8],
    subject: &'a [u8],
    /// The algorithm OID (and curve) and the key bits of subjectPublicKeyInfo.
    key_algorithm: Vec<u8>,
    key: &'a [u8],
}

fn cert_parts(der: &[u8]) -> Result<CertParts<'_>, OcspError> {
    let mut outer = der;
    let mut cert = expect(&mut outer, 0x30, "Certificate")?.value;
    let tbs_tlv = expect(&mut cert, 0x30, "tbsCertificate")?;
    let signature_algorithm = expect(&mut cert, 0x30, "signatureAlgorithm")?.value;
    let signature = bit_string(expect(&mut cert, 0x03, "signature")?.value)?;
    let mut tbs = tbs_tlv.value;
    if tbs.first() == Some(&0xa0) {
        next(&mut tbs)?;
    }
    let serial = expect(&mut tbs, 0x02, "serialNumber")?.value;
    next(&mut tbs)?; // signature
    next(&mut tbs)?; // issuer
    next(&mut tbs)?; // validity
    let subject = expect(&mut tbs, 0x30, "subject")?.whole;
    let mut spki = expect(&mut tbs, 0x30, "subjectPublicKeyInfo")?.value;
    let key_algorithm = expect(&mut spki, 0x30, "algorithm")?.value.to_vec();
    let key = bit_string(expect(&mut spki, 0x03, "subjectPublicKey")?.value)?;
    Ok(CertParts {
        tbs: tbs_tlv.whole,
        signature_algorithm,
        signature,
        serial: strip_sign(serial),
        subject,
        key_algorithm,
        key,
    })
}

fn bit_string(value: &[u8]) -> Result<&[u8], OcspError> {
    match value {
        [0, bits @ ..] => Ok(bits),
        _ => Err(bad("a BIT STRING with unused bits")),
    }
}

fn strip_sign(int: &[u8]) -> &[u8] {
    match int {
        [0, rest @ ..] if !rest.is_empty() => rest,
        other => other,
    }
}

/// Checks `signature` over `message` with the key `key` (of `key_algorithm`),
/// for the signature algorithm `algorithm` (an AlgorithmIdentifier's content).
fn verify(
    algorithm: &[u8],
    key_algorithm: &[u8],
    key: &[u8],
    message: &[u8],
    sig: &[u8],
) -> Result<(), OcspError> {
    let mut alg = algorithm;
    let oid = expect(&mut alg, 0x06, "signature algorithm")?.value;
    let mut kalg = key_algorithm;
    let key_oid = expect(&mut kalg, 0x06, "key algorithm")?.value;
    let curve = next(&mut kalg).ok().map(|t| t.value);
    const P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    const P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
    let scheme: &dyn signature::VerificationAlgorithm = match (oid, curve) {
        // ecdsa-with-SHA256 / SHA384
        ([0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02], Some(P256)) => {
            &signature::ECDSA_P256_SHA256_ASN1
        }
        ([0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03], Some(P384)) => {
            &signature::ECDSA_P384_SHA384_ASN1
        }
        ([0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02], Some(P384)) => {
            &signature::ECDSA_P384_SHA256_ASN1
        }
        ([0x2b, 0x65, 0x70], _) if key_oid == [0x2b, 0x65, 0x70] => &signature::ED25519,
        // sha256WithRSAEncryption (the key is the RSAPublicKey DER)
        ([0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b], _) => {
            &signature::RSA_PKCS1_2048_8192_SHA256
        }
        _ => {
            return Err(bad(format!(
                "signed with an algorithm this client does not check (OID {})",
                x509::hex(oid)
            )));
        }
    };
    UnparsedPublicKey::new(scheme, key)
        .verify(message, sig)
        .map_err(|_| bad("its signature does not verify with the signer's key"))
}

/// `YYYYMMDDHHMMSSZ` as Unix seconds.
fn generalized_time(value: &[u8]) -> Result<u64, OcspError> {
    let text = core::str::from_utf8(value).map_err(|_| bad("a time is not ASCII"))?;
    let n = |r: std::ops::Range<usize>| text.get(r).and_then(|s| s.parse::<i64>().ok());
    let (Some(y), Some(m), Some(d), Some(hh), Some(mm), Some(ss)) =
        (n(0..4), n(4..6), n(6..8), n(8..10), n(10..12), n(12..14))
    else {
        return Err(bad("a time is not GeneralizedTime"));
    };
    u64::try_from(crate::clock::civil_seconds(y, m, d, hh, mm, ss))
        .map_err(|_| bad("a time before 1970"))
}

/// How far a responder's clock may run ahead of ours.
const CLOCK_SKEW: u64 = 300;
/// How old a response without `nextUpdate` may be.
const MAX_AGE_WITHOUT_NEXT_UPDATE: u64 = 86_400;

/// Checks the DER OCSP response `response` about `leaf`, issued by `issuer`, at `now`.
///
/// # Errors
///
/// [`OcspError`] saying which check failed.
pub fn check(response: &[u8], leaf: &[u8], issuer: &[u8], now: UnixTime) -> Result<(), OcspError> {
    let leaf = cert_parts(leaf)?;
    let issuer = cert_parts(issuer)?;
    let mut input = response;
    let mut outer = expect(&mut input, 0x30, "OCSPResponse")?.value;
    let status = expect(&mut outer, 0x0a, "responseStatus")?.value;
    if status != [0] {
        return Err(bad(format!(
            "the responder answered with status {status:?}, not successful"
        )));
    }
    let mut bytes = expect(&mut outer, 0xa0, "responseBytes")?.value;
    let mut bytes = expect(&mut bytes, 0x30, "ResponseBytes")?.value;
    let kind = expect(&mut bytes, 0x06, "responseType")?.value;
    // id-pkix-ocsp-basic, 1.3.6.1.5.5.7.48.1.1
    if kind != [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01] {
        return Err(bad("not a basic OCSP response"));
    }
    let mut basic = expect(&mut bytes, 0x04, "response")?.value;
    let mut basic = expect(&mut basic, 0x30, "BasicOCSPResponse")?.value;
    let tbs = expect(&mut basic, 0x30, "tbsResponseData")?;
    let sig_alg = expect(&mut basic, 0x30, "signatureAlgorithm")?.value;
    let sig = bit_string(expect(&mut basic, 0x03, "signature")?.value)?;

    // Who signed it: the issuer itself, or a responder it delegated to.
    let mut signer = (issuer.key_algorithm.clone(), issuer.key);
    let mut via = "the issuing CA".to_owned();
    if let Ok(certs) = next(&mut basic) {
        let mut list = certs.value;
        let mut list = expect(&mut list, 0x30, "certs")?.value;
        if let Ok(first) = next(&mut list) {
            let responder = cert_parts(first.whole)?;
            if responder.key != issuer.key {
                verify(
                    responder.signature_algorithm,
                    &issuer.key_algorithm,
                    issuer.key,
                    responder.tbs,
                    responder.signature,
                )
                .map_err(|_| {
                    bad("it is signed by a responder certificate that the issuing CA did not sign")
                })?;
                let summary = x509::summarize(first.whole).map_err(|e| bad(e.to_string()))?;
                // id-kp-OCSPSigning, 1.3.6.1.5.5.7.3.9
                if !summary
                    .extended_key_usages
                    .iter()
                    .any(|u| u == "OID 2b06010505070309")
                {
                    return Err(bad(format!(
                        "its signer {} is not authorised for OCSP signing",
                        summary.subject
                    )));
                }
                signer = (responder.key_algorithm.clone(), responder.key);
                via = format!("the responder {}", summary.subject);
            }
        }
    }
    verify(sig_alg, &signer.0, signer.1, tbs.whole, sig)
        .map_err(|e| bad(format!("{} (the signer should be {via})", e.0)))?;

    // Find the answer about this certificate.
    let mut data = tbs.value;
    if data.first() == Some(&0xa0) {
        next(&mut data)?;
    }
    next(&mut data)?; // responderID
    next(&mut data)?; // producedAt
    let mut responses = expect(&mut data, 0x30, "responses")?.value;
    let serial_hex = x509::hex(leaf.serial);
    while !responses.is_empty() {
        let mut single = expect(&mut responses, 0x30, "SingleResponse")?.value;
        let mut id = expect(&mut single, 0x30, "certID")?.value;
        let mut hash_alg = expect(&mut id, 0x30, "hashAlgorithm")?.value;
        let hash = match expect(&mut hash_alg, 0x06, "hash OID")?.value {
            [0x2b, 0x0e, 0x03, 0x02, 0x1a] => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01] => &digest::SHA256,
            _ => return Err(bad("a certificate ID hashed with an unknown algorithm")),
        };
        let name_hash = expect(&mut id, 0x04, "issuerNameHash")?.value;
        let key_hash = expect(&mut id, 0x04, "issuerKeyHash")?.value;
        let serial = strip_sign(expect(&mut id, 0x02, "serialNumber")?.value);
        if serial != leaf.serial
            || digest::digest(hash, issuer.subject).as_ref() != name_hash
            || digest::digest(hash, issuer.key).as_ref() != key_hash
        {
            continue;
        }
        let status = next(&mut single)?;
        let this_update = generalized_time(expect(&mut single, 0x18, "thisUpdate")?.value)?;
        let next_update = match next(&mut single) {
            Ok(t) if t.tag == 0xa0 => {
                let mut inner = t.value;
                Some(generalized_time(
                    expect(&mut inner, 0x18, "nextUpdate")?.value,
                )?)
            }
            _ => None,
        };
        let now = now.as_secs();
        if this_update > now + CLOCK_SKEW {
            return Err(bad("its thisUpdate is in the future (a clock is wrong)"));
        }
        match next_update {
            Some(until) if now > until => {
                return Err(stale(format!(
                    "it is stale: its nextUpdate passed {} seconds ago",
                    now - until
                )));
            }
            None if now > this_update + MAX_AGE_WITHOUT_NEXT_UPDATE => {
                return Err(stale(
                    "it is stale: no nextUpdate, and thisUpdate is over a day old",
                ));
            }
            _ => {}
        }
        return match status.tag {
            0x80 => Ok(()),
            0xa1 => Err(OcspError(
                format!("the certificate (serial {serial_hex}) is revoked"),
                Fault::Revoked,
            )),
            _ => Err(bad(format!(
                "the responder does not know the certificate (serial {serial_hex}): status unknown"
            ))),
        };
    }
    Err(bad(format!(
        "it is about another certificate, not serial {serial_hex} from this issuer"
    )))
}

/// The certificate among `candidates` (the chain's others, the trusted CAs)
/// that issued `leaf`, found by name, which a response is checked against.
///
/// # Errors
///
/// The leaf does not read, or none of the candidates is its issuer.
pub fn issuer_of<'a>(
    leaf: &[u8],
    mut candidates: impl Iterator<Item = &'a [u8]>,
) -> Result<&'a [u8], OcspError> {
    let leaf = x509::summarize(leaf).map_err(|e| bad(e.to_string()))?;
    candidates
        .find(|c| x509::summarize(c).is_ok_and(|s| s.subject == leaf.issuer))
        .ok_or_else(|| bad("the certificate's issuer is not at hand"))
}

/// A server verifier that runs the usual checks and then requires a good,
/// fresh, correctly signed stapled OCSP response about the leaf.
#[derive(Debug)]
pub struct RequireOcsp {
    inner: Arc<WebPkiServerVerifier>,
    /// The CA certificates, for a leaf whose issuer is a root.
    roots: Vec<CertificateDer<'static>>,
}

impl RequireOcsp {
    /// Wraps `inner`; `roots` are the CA certificates it trusts.
    #[must_use]
    pub fn new(inner: Arc<WebPkiServerVerifier>, roots: Vec<CertificateDer<'static>>) -> Self {
        Self { inner, roots }
    }
}

fn refuse(e: OcspError) -> Error {
    Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(e))))
}

impl ServerCertVerifier for RequireOcsp {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let verified = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )?;
        if ocsp_response.is_empty() {
            return Err(refuse(bad(
                "the server stapled no OCSP response (--require-ocsp)",
            )));
        }
        let issuer = issuer_of(
            end_entity,
            intermediates
                .iter()
                .map(|c| c.as_ref())
                .chain(self.roots.iter().map(|c| c.as_ref())),
        )
        .map_err(refuse)?;
        check(ocsp_response, end_entity, issuer, now).map_err(refuse)?;
        Ok(verified)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Makes `config` (a client's) require a good stapled OCSP response about
/// the server's certificate, on top of the usual checks against `ca`.
///
/// # Errors
///
/// The CA file is missing or malformed.
pub fn require_ocsp(
    config: &mut rustls::ClientConfig,
    ca: &std::path::Path,
) -> Result<(), crate::tls::SetupError> {
    use crate::tls::SetupError;
    let cas = crate::files::certificates(ca)?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in &cas {
        roots.add(cert.clone()).map_err(|e| {
            SetupError::Rustls(format!(
                "{}: not a usable CA certificate: {e}",
                ca.display()
            ))
        })?;
    }
    let inner =
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), crate::tls::provider())
            .build()
            .map_err(|e| SetupError::Rustls(format!("server verifier: {e}")))?;
    config
        .dangerous()
        .set_certificate_verifier(Arc::new(RequireOcsp::new(inner, cas)));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_refused_not_a_panic() {
        let issued = crate::certs::issue(crate::certs::Algorithm::Ed25519, "ocsp kata CA", 1)
            .expect("issued");
        let der = |pem: &str| {
            rustls::pki_types::pem::PemObject::from_pem_slice(pem.as_bytes())
                .map(|c: CertificateDer<'_>| c.to_vec())
                .expect("PEM")
        };
        let (leaf, ca) = (der(&issued.server_pem), der(&issued.ca_pem));
        for response in [
            &[][..],
            &[0x30],
            &[0x30, 0x03, 0x0a, 0x01, 0x00],
            &[0x30, 0x03, 0x0a, 0x01, 0x06],
        ] {
            assert!(check(response, &leaf, &ca, UnixTime::now()).is_err());
        }
        assert_eq!(generalized_time(b"19700101000000Z"), Ok(0));
        assert_eq!(generalized_time(b"20261207120000Z"), Ok(1_796_644_800));
    }
}

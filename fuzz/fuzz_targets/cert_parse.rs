//! Parsing a certificate: never panics, and what parses re-encodes to the same bytes.
#![no_main]
use learn_mtls::cert::Certificate;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(cert) = Certificate::from_bytes(data) {
        assert_eq!(&cert.to_bytes()[..], data, "one encoding per certificate");
    }
});

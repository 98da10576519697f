//! Parsing certificate and revocation list files (the std layer).
#![no_main]
use std::path::Path;

use learn_mtls::cert::files::{Crls, parse_certificates};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_certificates(Path::new("fuzz.crt"), text);
    let _ = Crls::parse(Path::new("fuzz.crl"), text);
});

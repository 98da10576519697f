//! Parsing RFC 3339 times: never panics, and a parsed time formats and parses back.
#![no_main]
use learn_mtls::cert::time::{Rfc3339, parse_rfc3339};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(t) = parse_rfc3339(text) {
        assert_eq!(parse_rfc3339(&Rfc3339(t).to_string()), Ok(t));
    }
});

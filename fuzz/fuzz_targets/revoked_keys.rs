//! Parsing a revocation file.
#![no_main]
use learn_mtls::trust::RevokedKeys;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = RevokedKeys::parse("revoked_keys", data);
});

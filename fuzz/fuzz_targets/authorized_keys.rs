//! Parsing an authorized-keys file.
#![no_main]
use learn_mtls::trust::AuthorizedKeys;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = AuthorizedKeys::parse("authorized_keys", data);
});

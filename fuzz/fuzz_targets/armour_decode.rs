//! Finding and decoding armoured blocks in any text.
#![no_main]
use learn_mtls::cert::armour;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut buf = [0u8; 512];
    for block in armour::blocks(text).take(64) {
        match block {
            Ok(block) => {
                let _ = block.decode(&mut buf);
            }
            Err(_) => break,
        }
    }
});

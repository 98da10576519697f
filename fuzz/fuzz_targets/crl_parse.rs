//! Parsing a revocation list: never panics; `contains` (a binary search)
//! agrees with the serials it lists.
#![no_main]
use learn_mtls::cert::crl::RevocationList;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(list) = RevocationList::from_bytes(data) {
        let serials: Vec<u64> = list.serials().collect();
        for &serial in &serials {
            assert!(list.contains(serial));
            let next = serial.wrapping_add(1);
            assert_eq!(list.contains(next), serials.contains(&next));
        }
        let _ = list.signature_verifies();
    }
});

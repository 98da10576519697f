//! Project Wycheproof's test vectors run through `learn-mtls`: the tests are
//! in `tests/wycheproof.rs`; this library is empty.
//!
//! ```console
//! $ cargo test -p learn-mtls-conformance -- --nocapture
//! ```
#![forbid(unsafe_code)]

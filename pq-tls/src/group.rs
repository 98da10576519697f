//! OpenSSL's own word on the key exchange group it negotiated.
//!
//! The `openssl` crate wraps no call for it, so this is the crate's one
//! use of FFI: `SSL_get0_group_name` (OpenSSL 3.2 and newer), declared by
//! `openssl-sys`.
#![allow(
    unsafe_code,
    reason = "one FFI call the openssl crate does not wrap; its contract is stated at the call"
)]

use std::ffi::CStr;

use foreign_types::ForeignTypeRef as _;
use openssl::ssl::SslRef;

/// The name OpenSSL gives the group of `ssl`'s key exchange
/// (`X25519MLKEM768`, `x25519`, ...), or `None` before the handshake
/// has chosen one.
#[must_use]
pub fn negotiated_group(ssl: &SslRef) -> Option<String> {
    // SAFETY: `ssl.as_ptr()` is a valid `SSL *` for as long as the borrow
    // `ssl` lives, which covers this whole function. SSL_get0_group_name
    // (OpenSSL 3.2+, built in by `vendored`) only reads it and returns
    // NULL or a NUL-terminated string owned by OpenSSL that stays valid
    // while the SSL object does; it is copied out before we return.
    let name = unsafe { openssl_sys::SSL_get0_group_name(ssl.as_ptr()) };
    if name.is_null() {
        return None;
    }
    // SAFETY: non-NULL, NUL-terminated, alive for this borrow (above).
    let name = unsafe { CStr::from_ptr(name) };
    Some(name.to_string_lossy().into_owned())
}

//! The checks of Lesson 11's exercises.
//!
//! One file per exercise's check, named after it; `fixtures` and `serving`
//! are what the checks share (`serving` also serves Lesson 13's finale).

mod authorized_keys;
mod check_client_auth;
mod client_auth;
mod finale;
mod fixtures;
mod revocation;
mod serving;

pub use authorized_keys::authorized_keys;
pub use check_client_auth::check_client_auth;
pub use client_auth::client_auth;
pub use finale::finale;
pub use revocation::revocation;
pub use serving::{refuses_low_order_share, serve_real_client};

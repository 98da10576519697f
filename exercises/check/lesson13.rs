//! The checks of Lesson 13's exercises: the attackers against the real
//! `11-mtls-server`, then the fix, then your server against your attackers.
//!
//! One file per exercise's check, named after it; `fixtures` is what the
//! checks share.

mod finale;
mod fixtures;
mod key_confirmation;
mod misbinding;
mod replay;
mod signed_content;

pub use finale::finale;
pub use key_confirmation::key_confirmation;
pub use misbinding::misbinding;
pub use replay::replay;
pub use signed_content::signed_content;

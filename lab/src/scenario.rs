//! The lab's runs: one Lesson 11 handshake between alice and the server,
//! in memory, with the reader's changed bytes and Lesson 13's attacks
//! applied to the messages on their way.
//!
//! Every step is the library's own: `mutual::Client` and `mutual::Server`,
//! the server's `AuthorizedKeys` policy, key confirmation and the record
//! layer. Mallory is the code between the two state machines: she copies,
//! replaces and changes bytes, and nothing else. What refused, and with
//! which error, is whatever the library said.
//!
//! ```text
//! alice                      the wire (edits, attacks)                server
//!   m1  client_share            32 ------------------------------------>
//!       <------------------------------ server_share || server_sig  96  m2
//!   m3  client_sig || client_key 96 ----------------------------------->
//!   rec alice's first record   ------------------------------------->  (key confirmation
//!       <------------------------------------------- the server's echo   under transcript)
//! ```
//!
//! The parts, each after what it uses: `input` (what a run is), `cast`
//! (the demo keys), `outcome` (what a run found), `carry` (the wire),
//! `attacks` (the replay and the low-order share the other way round),
//! `runs` ([`run`] and the one handshake the other runs rewrite) and
//! `query` (the query string, and each message's length and fields).

mod attacks;
mod carry;
mod cast;
mod input;
mod outcome;
mod query;
mod runs;

pub use cast::Cast;
pub use input::{Attack, Edit, Message, Run, Seed};
pub use outcome::{LabError, Outcome, Shown, Step, Verdict};
pub use query::{BadQuery, fields, message_len, parse_query};
pub use runs::run;

//! The figures drawn from records (`lessons/figures/data/`): Lesson 14's
//! sweep, the device's memory, the benchmark's breakdown, and Lesson 16's
//! trace as a sequence diagram. Each parser names the line it cannot read.
//!
//! One module per chart family; `caption` holds what every chart says at
//! its foot and uses none of its siblings.

mod bench;
mod caption;
mod device;
mod siege;
mod tls13;

pub use bench::bench;
pub use device::device;
pub use siege::{siege, siege_compare};
pub use tls13::tls13_diagram;

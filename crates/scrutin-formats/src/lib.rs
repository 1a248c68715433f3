//! File formats.
pub mod blt;
pub mod rctab;
pub mod report;

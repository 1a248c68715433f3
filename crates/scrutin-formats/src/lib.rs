//! File formats.
pub mod blt;
pub mod report;

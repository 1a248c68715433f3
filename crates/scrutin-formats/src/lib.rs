//! File formats.
pub mod blt;
pub mod candidates;
pub mod rctab;
pub mod report;

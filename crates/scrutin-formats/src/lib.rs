//! File formats.
pub mod report;

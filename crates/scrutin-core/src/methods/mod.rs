//! The rule sets, one file each, each citing its source.

pub mod scottish_stv;

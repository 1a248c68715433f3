//! scrutin-core: the counting engine.
//!
//! Pure: no I/O, no async, no database, no terminal. Input is an [`Election`] (candidates and
//! an aggregated [`Profile`] of ballots); output is a [`Report`] with every stage of the count.
//! All arithmetic is exact ([`arith::Number`]); the same input always gives the same report.

pub mod arith;
pub mod colleges;
pub mod compare;
pub mod constraints;
pub mod methods;
pub mod model;
pub mod report;
pub(crate) mod stv;
pub mod tie;

pub use model::{Candidate, CandidateId, Election, Profile, ProfileBuilder, Rank, Weight};
pub use report::Report;

/// Why a count could not be made. Every variant is the caller's input, never a bug.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CountError {
    #[error("the election has no seats to fill")]
    NoSeats,
    #[error("this rule set counts whole ballot papers, but a ballot has weight {0}")]
    FractionalWeight(String),
    #[error("the vote totals are too large for this arithmetic")]
    Overflow,
    #[error("{0}")]
    Invalid(String),
}

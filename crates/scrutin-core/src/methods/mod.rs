//! The rule sets, one file each, each citing its source.
//!
//! [`Method`] names them as scripts do on the command line; [`count`] runs one.

pub mod scottish_stv;

use crate::model::Election;
use crate::report::Report;
use crate::tie::{LotOrder, PriorStageReading};
use crate::CountError;

/// A rule set, by the name scripts use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// [`scottish_stv`]
    ScottishStv,
}

impl Method {
    pub const ALL: [Method; 1] = [Method::ScottishStv];

    pub fn name(self) -> &'static str {
        match self {
            Method::ScottishStv => scottish_stv::METHOD,
        }
    }

    pub fn from_name(s: &str) -> Option<Method> {
        Self::ALL.into_iter().find(|m| m.name() == s)
    }
}

/// Options that every rule set understands; each uses those its rules leave open.
#[derive(Clone, Debug)]
pub struct CountOptions {
    pub reading: PriorStageReading,
    pub lot: LotOrder,
}

/// Counts `election` under `method`.
pub fn count(
    election: &Election,
    method: Method,
    options: &CountOptions,
) -> Result<Report, CountError> {
    match method {
        Method::ScottishStv => scottish_stv::count(
            election,
            &scottish_stv::Options {
                reading: options.reading,
                lot: options.lot.clone(),
            },
        ),
    }
}

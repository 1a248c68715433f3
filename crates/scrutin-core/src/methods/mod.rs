//! The rule sets, one file each, each citing its source.
//!
//! [`Method`] names them as scripts do on the command line; [`count`] runs one.

pub mod block;
pub mod ers97;
pub mod fptp;
pub mod irv;
pub mod meek;
pub mod scottish_stv;
pub mod wigm;

use crate::model::Election;
use crate::report::Report;
use crate::tie::{LotOrder, PriorStageReading, TiePolicy};
use crate::CountError;

/// A rule set, by the name scripts use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// [`scottish_stv`]
    ScottishStv,
    /// [`meek`]
    Meek,
    /// [`irv`]
    Irv,
    /// [`fptp`]
    Fptp,
    /// [`block`]
    Block,
    /// [`wigm`]
    Wigm,
    /// [`ers97`]
    Ers97,
}

impl Method {
    pub const ALL: &'static [Method] = &[
        Method::ScottishStv,
        Method::Meek,
        Method::Irv,
        Method::Fptp,
        Method::Block,
        Method::Wigm,
        Method::Ers97,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Method::ScottishStv => scottish_stv::METHOD,
            Method::Meek => meek::METHOD,
            Method::Irv => irv::METHOD,
            Method::Fptp => fptp::METHOD,
            Method::Block => block::METHOD,
            Method::Wigm => wigm::METHOD,
            Method::Ers97 => ers97::METHOD,
        }
    }

    pub fn from_name(s: &str) -> Option<Method> {
        Self::ALL.iter().copied().find(|m| m.name() == s)
    }

    /// As [`Self::from_name`], with the message a script or a constitution file shows.
    pub fn parse(s: &str) -> Result<Method, String> {
        Self::from_name(s).ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|m| m.name()).collect();
            format!("unknown method {s:?}; known: {}", names.join(", "))
        })
    }
}

/// Arithmetic a rule set may be asked to count in, where its rules leave the choice open
/// (Meek: `fixed9` by default, as OpenSTV, Droop and stv-rs do; `exact` rationals).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arithmetic {
    /// Fixed point with this many decimal places.
    Fixed(u32),
    /// Exact rationals.
    Exact,
}

impl Arithmetic {
    pub fn name(self) -> String {
        match self {
            Arithmetic::Fixed(p) => format!("fixed{p}"),
            Arithmetic::Exact => "exact".to_string(),
        }
    }
    /// `fixed9`, `fixed5`, …, `exact`.
    pub fn from_name(s: &str) -> Option<Self> {
        if s == "exact" {
            return Some(Arithmetic::Exact);
        }
        s.strip_prefix("fixed")
            .and_then(|p| p.parse().ok())
            .filter(|p| *p <= 12)
            .map(Arithmetic::Fixed)
    }

    /// As [`Self::from_name`], with the message a script or a constitution file shows.
    pub fn parse(s: &str) -> Result<Self, String> {
        Self::from_name(s)
            .ok_or_else(|| format!("unknown arithmetic {s:?}; known: fixed0 … fixed12, exact"))
    }
}

/// Options that every rule set understands; each uses those its rules leave open and refuses
/// (with [`CountError::Invalid`]) one it cannot honour.
#[derive(Clone, Debug)]
pub struct CountOptions {
    /// Which earlier stages break ties (default: the method's own rule).
    pub tie_policy: Option<TiePolicy>,
    /// How to read "most recent preceding stage" for three or more tied (backward policy).
    pub reading: PriorStageReading,
    /// The lot, drawn or given before the count.
    pub lot: LotOrder,
    /// Block vote: how many candidates each voter may mark (default: the seats).
    pub marks: Option<u32>,
    /// Arithmetic, for rule sets that let you choose (default: the method's own).
    pub arithmetic: Option<Arithmetic>,
    /// Category constraints (minimum or maximum seats per group) and how to meet them
    /// (`crate::constraints`); block vote and the STV rule sets honour them.
    pub constraints: Option<crate::constraints::Constraints>,
    /// Instant runoff's tabulation options (RCTab's configuration), default the plain rule.
    pub irv: Option<irv::IrvRules>,
    /// A named variant of the rule set, where it has several in use: Meek `stv-rs` (default)
    /// or `prf` (the PR Foundation reference rule); WIGM `reference` (default) or `batch`
    /// (rule B.2's defeat of sure losers).
    pub variant: Option<String>,
}

/// The variant a rule set was asked for, or its default; an unknown one is refused.
fn variant<'a>(
    options: &'a CountOptions,
    method: Method,
    known: &[&'a str],
) -> Result<&'a str, CountError> {
    match options.variant.as_deref() {
        None => Ok(known.first().copied().unwrap_or("")),
        Some(v) if known.contains(&v) => Ok(v),
        Some(v) if known.is_empty() => Err(CountError::Invalid(format!(
            "{} has no variants (asked for {v:?})",
            method.name()
        ))),
        Some(v) => Err(CountError::Invalid(format!(
            "{} has no variant {v:?}; known: {}",
            method.name(),
            known.join(", ")
        ))),
    }
}

impl CountOptions {
    /// Defaults with a lot drawn from `seed` for `n` candidates.
    pub fn with_seed(n: usize, seed: u64) -> Self {
        CountOptions {
            tie_policy: None,
            reading: PriorStageReading::default(),
            lot: LotOrder::from_seed(n, seed),
            marks: None,
            arithmetic: None,
            constraints: None,
            irv: None,
            variant: None,
        }
    }
}

/// Counts `election` under `method`.
pub fn count(
    election: &Election,
    method: Method,
    options: &CountOptions,
) -> Result<Report, CountError> {
    let constraints = options.constraints.as_ref();
    if constraints.is_some_and(|c| !c.rules.is_empty()) && method == Method::Irv {
        return Err(CountError::Invalid(
            "irv elects one candidate: category constraints (--min, --max) apply to the \
             multi-seat rule sets (block, fptp, scottish-stv, meek, wigm, ers97)"
                .to_string(),
        ));
    }
    let variants: &[&str] = match method {
        Method::Meek => &["stv-rs", "prf"],
        Method::Wigm => &["reference", "batch"],
        _ => &[],
    };
    let variant = variant(options, method, variants)?;
    match method {
        Method::Meek => {
            let arithmetic = match options.arithmetic {
                None | Some(Arithmetic::Fixed(9)) => meek::MeekArithmetic::Fixed9,
                Some(Arithmetic::Exact) => meek::MeekArithmetic::Exact,
                Some(a) => {
                    return Err(CountError::Invalid(format!(
                        "Meek counts in fixed9 (nine decimal places, the default) or exact; \
                         --arithmetic {} is not supported",
                        a.name()
                    )))
                }
            };
            meek::count_constrained(
                election,
                &meek::Options {
                    arithmetic,
                    tie_policy: options.tie_policy.unwrap_or(TiePolicy::Lot),
                    reading: options.reading,
                    ..if variant == "prf" {
                        meek::Options::prf_reference(options.lot.clone())
                    } else {
                        meek::Options::stv_rs(options.lot.clone())
                    }
                },
                constraints,
            )
        }
        Method::ScottishStv => {
            if options.tie_policy.is_some_and(|p| p != TiePolicy::Backward) {
                return Err(CountError::Invalid(
                    "Scottish STV breaks ties by the most recent preceding stage (rules 49, 51); \
                     --tie-break cannot change that"
                        .to_string(),
                ));
            }
            if options
                .arithmetic
                .is_some_and(|a| a != Arithmetic::Fixed(5))
            {
                return Err(CountError::Invalid(
                    "Scottish STV counts to five decimal places (rule 48(3)); --arithmetic cannot change that".to_string(),
                ));
            }
            scottish_stv::count_constrained(
                election,
                &scottish_stv::Options {
                    reading: options.reading,
                    lot: options.lot.clone(),
                },
                constraints,
            )
        }
        Method::Irv => irv::count(election, &options.irv.clone().unwrap_or_default(), options),
        Method::Fptp => fptp::count(election, options),
        Method::Block => block::count(election, options),
        Method::Wigm => wigm::count_constrained(
            election,
            &wigm::Options {
                arithmetic: options.arithmetic.unwrap_or(Arithmetic::Fixed(4)),
                tie_policy: options.tie_policy.unwrap_or(TiePolicy::Lot),
                reading: options.reading,
                lot: options.lot.clone(),
                defeat_sure_losers: variant == "batch",
            },
            constraints,
        ),
        Method::Ers97 => {
            if options
                .arithmetic
                .is_some_and(|a| a != Arithmetic::Fixed(2))
            {
                return Err(CountError::Invalid(
                    "ERS97 counts to two decimal places (5.1.6, 5.3.7); --arithmetic cannot change that".to_string(),
                ));
            }
            ers97::count_constrained(
                election,
                &ers97::Options {
                    tie_policy: options.tie_policy.unwrap_or(TiePolicy::Forward),
                    reading: options.reading,
                    lot: options.lot.clone(),
                },
                constraints,
            )
        }
    }
}

//! A contest as declared: its rules (method, seats, options, constraints, the lot's seed)
//! and its candidates in ballot-paper order. [`tally`] counts a contest's ballots with the
//! counting engine; the server counts with it and `scrutin verify` recounts with it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use scrutin_body::constitution::Section;
use scrutin_core::constraints::{Constraints, Rule, Strategy};
use scrutin_core::methods::{self, Arithmetic, CountOptions, Method};
use scrutin_core::model::{Candidate, CandidateId, Election, ProfileBuilder, Rank, Weight};
use scrutin_core::report::Report;
use scrutin_core::tie::{LotOrder, PriorStageReading, TiePolicy};

use crate::ballot::{Ballot, BallotKind};

/// A candidate on the ballot paper.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateSpec {
    pub name: String,
    /// Attributes for the contest's constraints (`gender = "woman"`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    /// Withdrew after the ballot paper was fixed: stays on the paper, preferences skip them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withdrawn: bool,
}

/// A contest's declared rules and candidates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContestSpec {
    /// The body's section id (`clp`).
    pub id: String,
    pub name: String,
    pub seats: u32,
    /// A rule set's name as `scrutin count --method` takes it.
    pub method: String,
    /// Block vote: marks per voter (default the seats).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marks: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arithmetic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tie_break: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tie_reading: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint_strategy: Option<String>,
    /// Constraints as `scrutin count --min` takes them: `gender=woman:4`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub min: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub max: Vec<String>,
    /// The seed of the lot (ties the rules leave to lot): `chain::seed_of` the closed box.
    pub seed: u64,
    pub candidates: Vec<CandidateSpec>,
}

/// Why a contest cannot be counted.
#[derive(Debug, thiserror::Error)]
pub enum TallyError {
    #[error("contest {contest}: {problem}")]
    Rules { contest: String, problem: String },
    #[error("contest {contest}: ballot {ballot}: {problem}")]
    Ballot {
        contest: String,
        ballot: String,
        problem: String,
    },
    #[error("contest {contest}: {source}")]
    Count {
        contest: String,
        #[source]
        source: scrutin_core::CountError,
    },
}

impl ContestSpec {
    /// A contest's rules as its section of the constitution declares them (method, seats,
    /// marks, options, constraints), with the ballot paper's candidates and the lot's seed.
    /// The store builds the spec it counts with here, and `verify` builds it again from the
    /// published constitution to check the manifest's.
    pub fn from_section(
        section: &Section,
        candidates: Vec<CandidateSpec>,
        seed: u64,
    ) -> ContestSpec {
        let opt = section.options.as_ref();
        let text = |o: Option<&toml::Spanned<String>>| o.map(|v| v.get_ref().clone());
        ContestSpec {
            id: section.id().to_string(),
            name: section.name.clone(),
            seats: section.seats(),
            method: section.method_name().unwrap_or("unknown").to_string(),
            marks: section.marks.as_ref().map(|m| *m.get_ref()),
            arithmetic: text(opt.and_then(|o| o.arithmetic.as_ref())),
            tie_break: text(opt.and_then(|o| o.tie_break.as_ref())),
            tie_reading: text(opt.and_then(|o| o.tie_reading.as_ref())),
            constraint_strategy: text(opt.and_then(|o| o.constraint_strategy.as_ref())),
            min: section.min.iter().map(|m| m.get_ref().clone()).collect(),
            max: section.max.iter().map(|m| m.get_ref().clone()).collect(),
            seed,
            candidates,
        }
    }

    /// The first rule in which `self` differs from `other` (`method: "ers97" ≠ "meek"`),
    /// candidates and seed aside; `None` if the rules are the same.
    pub fn rules_difference(&self, other: &ContestSpec) -> Option<String> {
        macro_rules! field {
            ($f:ident) => {
                if self.$f != other.$f {
                    return Some(format!(
                        "{}: {:?} ≠ {:?}",
                        stringify!($f),
                        self.$f,
                        other.$f
                    ));
                }
            };
        }
        field!(id);
        field!(name);
        field!(seats);
        field!(method);
        field!(marks);
        field!(arithmetic);
        field!(tie_break);
        field!(tie_reading);
        field!(constraint_strategy);
        field!(min);
        field!(max);
        None
    }

    /// The ballot paper this contest uses.
    pub fn ballot_kind(&self) -> BallotKind {
        BallotKind::for_method(&self.method, self.seats, self.marks)
    }

    fn rules_error(&self, problem: impl Into<String>) -> TallyError {
        TallyError::Rules {
            contest: self.id.clone(),
            problem: problem.into(),
        }
    }

    /// The counting engine's method and options for these rules.
    pub fn options(&self) -> Result<(Method, CountOptions), TallyError> {
        let method = Method::parse(&self.method).map_err(|e| self.rules_error(e))?;
        let n = self.candidates.len();
        let mut options = CountOptions::with_seed(n, self.seed);
        options.lot = LotOrder::from_seed(n, self.seed);
        options.marks = self.marks;
        if let Some(a) = &self.arithmetic {
            options.arithmetic = Some(Arithmetic::parse(a).map_err(|e| self.rules_error(e))?);
        }
        if let Some(t) = &self.tie_break {
            options.tie_policy = Some(TiePolicy::parse(t).map_err(|e| self.rules_error(e))?);
        }
        if let Some(r) = &self.tie_reading {
            options.reading = PriorStageReading::parse(r).map_err(|e| self.rules_error(e))?;
        }
        let mut rules = Vec::new();
        for (specs, min) in [(&self.min, true), (&self.max, false)] {
            for s in specs {
                rules.push(Rule::parse(s, min).map_err(|e| self.rules_error(e))?);
            }
        }
        if !rules.is_empty() {
            let strategy = match &self.constraint_strategy {
                Some(s) => Strategy::parse(s).map_err(|e| self.rules_error(e))?,
                None => Strategy::default(),
            };
            options.constraints = Some(Constraints {
                rules,
                strategy,
                attributes: self
                    .candidates
                    .iter()
                    .map(|c| c.attributes.clone())
                    .collect(),
            });
        }
        Ok((method, options))
    }

    /// The contest's ballots as the counting engine's election. Each ballot is checked
    /// against the ballot paper; one that does not fit is an error naming it.
    pub fn election<'a>(
        &self,
        title: &str,
        ballots: impl IntoIterator<Item = &'a Ballot>,
    ) -> Result<Election, TallyError> {
        let candidates = self
            .candidates
            .iter()
            .map(|c| Candidate {
                name: c.name.clone(),
            })
            .collect();
        let mut builder =
            ProfileBuilder::new(candidates).map_err(|e| self.rules_error(e.to_string()))?;
        let n = self.candidates.len() as u32;
        let kind = self.ballot_kind();
        let mut ranks = Vec::new();
        for b in ballots {
            let b = b.clone().checked(n, kind).map_err(|e| TallyError::Ballot {
                contest: self.id.clone(),
                ballot: b.to_string(),
                problem: e.to_string(),
            })?;
            ranks.clear();
            ranks.extend(b.0.iter().map(|&c| Rank::One(CandidateId(c - 1))));
            builder
                .push(Weight::ONE, &ranks)
                .map_err(|e| TallyError::Ballot {
                    contest: self.id.clone(),
                    ballot: b.to_string(),
                    problem: e.to_string(),
                })?;
        }
        Ok(Election {
            title: title.to_string(),
            seats: self.seats,
            profile: builder.build(),
            withdrawn: self
                .candidates
                .iter()
                .enumerate()
                .filter(|(_, c)| c.withdrawn)
                .map(|(i, _)| CandidateId(i as u32))
                .collect(),
        })
    }
}

/// Counts a contest's ballots under its declared rules: the full stage-by-stage report.
pub fn tally<'a>(
    spec: &ContestSpec,
    title: &str,
    ballots: impl IntoIterator<Item = &'a Ballot>,
) -> Result<Report, TallyError> {
    let election = spec.election(title, ballots)?;
    let (method, options) = spec.options()?;
    methods::count(&election, method, &options).map_err(|source| TallyError::Count {
        contest: spec.id.clone(),
        source,
    })
}

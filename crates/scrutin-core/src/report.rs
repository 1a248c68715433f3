//! The stage-by-stage report of a count: what every rule set returns.
//!
//! It is a presentation of the count, exact to the arithmetic used: every value is the
//! decimal string of an exact [`Number`](crate::arith::Number), so JSON consumers never see a
//! binary float. The JSON shape is documented in `docs/report-schema.md`; it is a public
//! interface that later tools (record, verify, compare) rely on.
//!
//! Stages are numbered as official result sheets number them: stage 1 is the first-preference
//! count, then one stage per surplus transfer or exclusion. Elections are marked within the
//! stage at which they happen, never as stages of their own.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::model::{CandidateId, Election, Profile};
use crate::tie::{LotOrder, PriorStageReading};

/// A stage's tables, in ballot order: every candidate's votes and state, and the signed
/// change since the previous stage (`+2.40863`, `-682.00000`) for those whose votes changed.
#[allow(clippy::type_complexity)]
pub(crate) fn stage_tables<N: crate::arith::Number>(
    profile: &Profile,
    votes: &[N],
    previous: Option<&[N]>,
    states: &[CandidateState],
) -> (
    IndexMap<String, String>,
    IndexMap<String, CandidateState>,
    IndexMap<String, String>,
) {
    let mut shown = IndexMap::new();
    let mut state_of = IndexMap::new();
    let mut transfers = IndexMap::new();
    for c in profile.candidate_ids() {
        let name = profile.name(c).to_string();
        let v = &votes[c.index()];
        if let Some(prev) = previous {
            let d = v.clone() - prev[c.index()].clone();
            if !d.is_zero() {
                let s = if d > N::zero() {
                    format!("+{d}")
                } else {
                    d.to_string()
                };
                transfers.insert(name.clone(), s);
            }
        }
        shown.insert(name.clone(), v.to_string());
        state_of.insert(name, states[c.index()]);
    }
    (shown, state_of, transfers)
}

/// The names of `ids`, in order.
pub fn names(profile: &Profile, ids: &[CandidateId]) -> Vec<String> {
    ids.iter().map(|&c| profile.name(c).to_string()).collect()
}

/// A candidate's state at the end of a stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidateState {
    /// Still in the count, neither elected nor excluded.
    Continuing,
    Elected,
    Excluded,
    Withdrawn,
}

impl CandidateState {
    pub fn letter(self) -> &'static str {
        match self {
            Self::Continuing => "",
            Self::Elected => "E",
            Self::Excluded => "X",
            Self::Withdrawn => "W",
        }
    }
}

/// What a stage did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Counting first preferences (or, for block votes, all marks).
    FirstCount,
    /// Transferring an elected candidate's surplus.
    Surplus,
    /// Excluding one or more candidates and transferring their papers (or, in rules that
    /// move them in batches, one batch of them).
    Exclusion,
}

/// A tie that had to be broken at a stage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TieBreak {
    /// What the tie was about: `exclusion` or `surplus_order`.
    pub about: String,
    /// The tied candidates.
    pub tied: Vec<String>,
    /// Who was picked (excluded, or whose surplus went first).
    pub chosen: String,
    /// `prior_stage` or `lot`.
    pub by: String,
    /// For `prior_stage`: the stage whose votes decided it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<u32>,
}

/// One stage of the count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    /// 1-based, as on official result sheets.
    pub number: u32,
    pub action: Action,
    /// The candidate whose surplus moved or who was excluded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidate: Option<String>,
    /// For a surplus: its size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub surplus: Option<String>,
    /// Each candidate's votes at the end of the stage, in ballot order.
    pub votes: IndexMap<String, String>,
    /// The quota in force at the end of this stage, where a rule set recomputes it (Meek).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub quota: Option<String>,
    /// Keep factors at the end of the stage (Meek), candidate → value.
    #[serde(skip_serializing_if = "IndexMap::is_empty", default)]
    pub keep_factors: IndexMap<String, String>,
    /// Each candidate's state at the end of the stage.
    pub states: IndexMap<String, CandidateState>,
    /// What this stage moved: candidate → signed change, for candidates whose votes changed.
    pub transfers: IndexMap<String, String>,
    /// Votes on papers that had no further usable preference, cumulative to this stage.
    pub non_transferable: String,
    /// Value lost by truncating transfer values, cumulative to this stage.
    pub loss_to_truncation: String,
    /// Candidates elected at this stage, in order of election.
    pub elected: Vec<String>,
    /// Candidates excluded at this stage.
    pub excluded: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub ties: Vec<TieBreak>,
    /// Anything else a reader of the sheet should know (e.g. "remaining candidates elected
    /// under rule 52(1)").
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub notes: Vec<String>,
    /// What category constraints did at this stage (candidates guarded, doomed, excluded or
    /// replaced because of a minimum or maximum).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub constraint_actions: Vec<ConstraintAction>,
    /// For a count across electoral colleges: each candidate's votes as a percentage of the
    /// whole (the colleges' shares add up to 100), as Labour publishes such results.
    #[serde(skip_serializing_if = "IndexMap::is_empty", default)]
    pub percentages: IndexMap<String, String>,
}

/// A constraint acting on a candidate at a stage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConstraintAction {
    pub candidate: String,
    /// `guarded` (may not be excluded), `doomed` (excluded because a maximum is reached or a
    /// minimum needs the seat), `excluded`, `elected` or `replaced`.
    pub action: String,
    /// The constraint, as written: e.g. `gender=woman min 4`.
    pub constraint: String,
}

/// The category constraints a count honoured.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConstraintsSummary {
    /// Each constraint as written, e.g. `gender=woman min 4`.
    pub rules: Vec<String>,
    /// The strategy used to meet them.
    pub strategy: String,
    /// Seats won per constrained category value, e.g. `gender=woman` → 4.
    pub seats: IndexMap<String, u32>,
}

/// A count across electoral colleges.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollegesSummary {
    pub colleges: Vec<CollegeSummary>,
}

/// One electoral college's part in the count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollegeSummary {
    pub name: String,
    /// Its share of the result, in percent (exact decimal).
    pub share: String,
    /// Valid ballots (sum of weights) cast in it.
    pub valid_ballots: String,
    /// The weight each of its ballots carries in the combined count, per unit of weight.
    pub scale: String,
    /// First preferences per candidate within the college (sum of weights).
    pub first_preferences: IndexMap<String, String>,
}

/// The result of a count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Version of this JSON shape.
    pub format: String,
    pub title: String,
    /// Method name as given on the command line, e.g. `scottish-stv`.
    pub method: String,
    /// The rule text the method follows.
    pub rules: String,
    /// Arithmetic, e.g. `fixed-5`.
    pub arithmetic: String,
    pub seats: u32,
    /// The quota (or threshold) at the start of the count; `None` for methods without one
    /// (first past the post, block vote).
    pub quota: Option<String>,
    /// Candidates in ballot-paper order.
    pub candidates: Vec<String>,
    pub withdrawn: Vec<String>,
    /// Valid ballot papers (a sum of weights).
    pub valid_ballots: String,
    /// Papers set aside as invalid by the rule set (e.g. no single first preference).
    pub invalid_ballots: String,
    /// Elected candidates in order of election.
    pub elected: Vec<String>,
    pub stages: Vec<Stage>,
    /// Options that shaped the count: tie-break reading, lot seed and order, …
    pub options: IndexMap<String, String>,
    /// Category constraints, where the count had any.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub constraints: Option<ConstraintsSummary>,
    /// Electoral colleges, where the count was across several.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub colleges: Option<CollegesSummary>,
}

impl Report {
    pub const FORMAT: &'static str = "scrutin-report/1";

    /// The report of a count of `election` under `method`, with the election's own facts
    /// (title, seats, candidates, withdrawn) filled in. The rule set fills in the count: quota,
    /// valid and invalid ballots, elected, stages and its options.
    pub fn new(election: &Election, method: &str, rules: &str, arithmetic: String) -> Report {
        let profile = &election.profile;
        Report {
            format: Self::FORMAT.to_string(),
            title: election.title.clone(),
            method: method.to_string(),
            rules: rules.to_string(),
            arithmetic,
            seats: election.seats,
            quota: None,
            candidates: profile
                .candidates()
                .iter()
                .map(|c| c.name.clone())
                .collect(),
            withdrawn: names(profile, &election.withdrawn),
            valid_ballots: String::new(),
            invalid_ballots: String::new(),
            elected: Vec::new(),
            stages: Vec::new(),
            options: IndexMap::new(),
            constraints: None,
            colleges: None,
        }
    }

    /// Records how ties were broken: `tie_break` (the policy, as the rule set words it), the
    /// prior-stage reading where one was used, and the lot: its seed if drawn, and the whole
    /// draw order, so that anyone can check every lot.
    pub fn record_ties(
        &mut self,
        tie_break: String,
        reading: Option<PriorStageReading>,
        lot: &LotOrder,
        profile: &Profile,
    ) {
        self.options.insert("tie_break".to_string(), tie_break);
        if let Some(r) = reading {
            self.options
                .insert("prior_stage_reading".to_string(), r.name().to_string());
        }
        if let Some(seed) = lot.seed {
            self.options
                .insert("lot_seed".to_string(), seed.to_string());
        }
        let n = profile.candidates().len();
        let order: Vec<&str> = lot
            .order
            .iter()
            .filter(|c| c.index() < n)
            .map(|&c| profile.name(c))
            .collect();
        self.options
            .insert("lot_order".to_string(), order.join(", "));
    }

    /// The stage totals as a table: one row per stage, one column per candidate.
    pub fn totals(&self) -> Vec<Vec<&str>> {
        self.stages
            .iter()
            .map(|s| s.votes.values().map(String::as_str).collect())
            .collect()
    }
}

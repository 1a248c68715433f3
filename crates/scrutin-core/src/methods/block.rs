//! Block vote: each voter marks up to `k` candidates, one vote each; the `seats` highest win.
//!
//! Source: the plurality block vote used for the constituency (CLP) and trade-union sections
//! of the Labour Party's National Executive Committee until 2020 (Labour Party Rule Book,
//! Chapter 4, Clause II: "each member may vote for up to [the number of places] candidates";
//! the highest-polling candidates are elected), and, for ranked ballots, the "simulated
//! plurality block voting" of stv-rs (github.com/gendx/stv-rs, `src/pbv.rs`).
//!
//! The rule:
//!
//! - **(1) Marks.** A voter may mark up to `k` candidates (`--marks K`; by default `k` is the
//!   number of seats). Each mark is one vote, of the ballot's weight, for the marked candidate.
//! - **(2) Ranked ballots.** A ranked paper is read as marking its first `k` preferences:
//!   blank ranks and withdrawn candidates are passed over (they use no mark). If a rank names
//!   several candidates equally and fewer marks are left than candidates at that rank, the
//!   marks left are shared equally among them — `(k − used) ÷ (candidates at the rank)` each,
//!   to the precision of the arithmetic, truncated (stv-rs `pbv.rs`: "the remaining N − X votes
//!   are split equally among the K candidates ranked equally").
//! - **(3) Result.** The `seats` candidates with the most votes are elected, highest first.
//!   Candidates with equal votes are ordered by lot (one stage: there is no earlier stage to
//!   look back to): the one who comes first in the lot takes the higher place; a tie across
//!   the last seat is recorded.
//!
//! - **(4) Constraints.** With category constraints (`--min gender=woman:4`), the lowest-placed
//!   elected of an over-represented group are then replaced by the best-placed unelected of
//!   the under-represented one until every rule holds: Labour's block-vote practice for the
//!   NEC's constituency section (its minimum of women), and the German Greens' minimum of
//!   women's places. The rule and its sources are in [`crate::constraints`]; each replacement
//!   is a constraint action and a note of the stage.
//!
//! The report has one stage (the count of all marks) and no quota. Arithmetic: whole votes
//! when every mark is a whole vote; otherwise `fixed9` by default (as stv-rs), or
//! `--arithmetic exact` / `fixedN`.

use indexmap::IndexMap;

use super::{Arithmetic, CountOptions};
use crate::arith::{Fixed, Number, Rational};
use crate::constraints::Tracker;
use crate::model::{CandidateId, Election, RankView};
use crate::report::{names, Action, CandidateState, Report, Stage, TieBreak};
use crate::CountError;

pub const METHOD: &str = "block";
pub const RULES: &str =
    "Block vote (Labour Party Rule Book ch. 4 cl. II, NEC sections until 2020); \
                         from ranked ballots, the first k preferences as marks (stv-rs pbv.rs)";

/// Counts `election` by block vote with `options.marks` marks per voter (default: the seats).
pub fn count(election: &Election, options: &CountOptions) -> Result<Report, CountError> {
    let seats = election.seats;
    if seats == 0 {
        return Err(CountError::NoSeats);
    }
    let marks = options.marks.unwrap_or(seats);
    if marks == 0 {
        return Err(CountError::Invalid(
            "block vote: each voter needs at least one mark".into(),
        ));
    }
    match options.arithmetic {
        None => match tally::<Fixed<0>>(election, marks, true) {
            Some(v) => report(election, options, v, marks),
            None => run::<Fixed<9>>(election, options, marks),
        },
        Some(Arithmetic::Exact) => run::<Rational>(election, options, marks),
        Some(Arithmetic::Fixed(p)) => {
            macro_rules! fixed {
                ($($p:literal)*) => {
                    match p {
                        $($p => run::<Fixed<$p>>(election, options, marks),)*
                        _ => Err(CountError::Invalid(format!("unsupported arithmetic fixed{p}"))),
                    }
                };
            }
            fixed!(0 1 2 3 4 5 6 7 8 9 10 11 12)
        }
    }
}

fn run<N: Number>(
    election: &Election,
    options: &CountOptions,
    marks: u32,
) -> Result<Report, CountError> {
    match tally::<N>(election, marks, false) {
        Some(v) => report(election, options, v, marks),
        None => Err(CountError::Invalid(format!(
            "block vote: a share of a mark or a ballot weight cannot be held in {} arithmetic",
            N::arithmetic_name()
        ))),
    }
}

fn report<N: Number>(
    election: &Election,
    options: &CountOptions,
    votes: Vec<N>,
    marks: u32,
) -> Result<Report, CountError> {
    declare(election, options, votes, METHOD, RULES, Some(marks), None)
}

/// Rules (1)–(2): each candidate's votes, or `None` if a ballot weight cannot be held in `N`,
/// or (with `exact`) if a shared mark would be truncated.
fn tally<N: Number>(election: &Election, marks: u32, exact: bool) -> Option<Vec<N>> {
    let n = election.candidates().len();
    let mut votes = vec![N::zero(); n];
    let one = N::from_int(1);
    for b in election.profile.ballots() {
        let w = N::from_weight(b.weight)?;
        let mut used: u32 = 0;
        for rank in b.ranks() {
            if used >= marks {
                break;
            }
            let group: Vec<CandidateId> = match rank {
                RankView::Skipped => continue,
                RankView::One(c) => vec![c],
                RankView::Equal(g) => g.iter().collect(),
            };
            let group: Vec<CandidateId> = group
                .into_iter()
                .filter(|&c| !election.is_withdrawn(c))
                .collect();
            if group.is_empty() {
                continue;
            }
            let k = group.len() as u32;
            let share = if used + k <= marks {
                one.clone()
            } else {
                let s = N::from_ratio((marks - used) as i64, k as i64);
                if exact && s.mul_int(k as u64) != N::from_int((marks - used) as i64) {
                    return None;
                }
                s
            };
            let v = if share == one {
                w.clone()
            } else {
                let v = share.mul_trunc(&w);
                if exact && v.clone() != share.mul_ceil(&w) {
                    return None;
                }
                v
            };
            for c in group {
                votes[c.index()] += v.clone();
            }
            used += k.min(marks - used);
        }
    }
    Some(votes)
}

/// Rule (3): the `seats` highest, ties in order of the lot; then rule (4); one stage. Shared
/// with [`super::fptp`], which passes the weight of papers it set aside as `invalid`.
pub(crate) fn declare<N: Number>(
    election: &Election,
    options: &CountOptions,
    votes: Vec<N>,
    method: &str,
    rules: &str,
    marks: Option<u32>,
    invalid: Option<N>,
) -> Result<Report, CountError> {
    let cx = Tracker::new(options.constraints.as_ref(), election)?;
    let profile = &election.profile;
    let seats = election.seats as usize;
    let lot_rank = |c: CandidateId| {
        options
            .lot
            .order
            .iter()
            .position(|&x| x == c)
            .unwrap_or(usize::MAX)
    };
    let mut order: Vec<CandidateId> = profile
        .candidate_ids()
        .filter(|&c| !election.is_withdrawn(c))
        .collect();
    order.sort_by(|&a, &b| {
        votes[b.index()]
            .cmp(&votes[a.index()])
            .then(lot_rank(a).cmp(&lot_rank(b)))
    });
    let winners: Vec<CandidateId> = order.iter().copied().take(seats).collect();
    let mut ties = Vec::new();
    if order.len() > seats && seats > 0 {
        let last = &votes[order[seats - 1].index()];
        if &votes[order[seats].index()] == last {
            let tied: Vec<CandidateId> = order
                .iter()
                .copied()
                .filter(|c| &votes[c.index()] == last)
                .collect();
            let in_: Vec<String> = tied
                .iter()
                .filter(|c| winners.contains(c))
                .map(|&c| profile.name(c).to_string())
                .collect();
            ties.push(TieBreak {
                about: "election".to_string(),
                tied: tied.iter().map(|&c| profile.name(c).to_string()).collect(),
                chosen: in_.join(", "),
                by: "lot".to_string(),
                stage: None,
            });
        }
    }
    // Rule (4): constraints replace the lowest-placed of a group over its share.
    let (winners, constraint_actions, constraint_notes) = cx.block_replace(&order, seats);
    let losers: Vec<CandidateId> = order
        .iter()
        .copied()
        .filter(|c| !winners.contains(c))
        .collect();
    let mut states = IndexMap::new();
    let mut vote_map = IndexMap::new();
    for c in profile.candidate_ids() {
        let name = profile.name(c).to_string();
        let s = if election.is_withdrawn(c) {
            CandidateState::Withdrawn
        } else if winners.contains(&c) {
            CandidateState::Elected
        } else {
            CandidateState::Excluded
        };
        vote_map.insert(name.clone(), votes[c.index()].to_string());
        states.insert(name, s);
    }
    let name = |c: &CandidateId| profile.name(*c).to_string();
    let mut notes = Vec::new();
    if winners.len() < seats {
        notes.push(format!(
            "only {} candidate(s) stood for {} seat(s)",
            winners.len(),
            seats
        ));
    }
    notes.extend(constraint_notes);
    let invalid = invalid.unwrap_or_else(N::zero);
    let valid: N = profile
        .ballots()
        .filter_map(|b| N::from_weight(b.weight))
        .sum::<N>()
        - invalid.clone();
    let stage = Stage {
        number: 1,
        action: Action::FirstCount,
        candidate: None,
        surplus: None,
        votes: vote_map,
        quota: None,
        keep_factors: IndexMap::new(),
        states,
        transfers: IndexMap::new(),
        non_transferable: N::zero().to_string(),
        loss_to_truncation: N::zero().to_string(),
        elected: winners.iter().map(name).collect(),
        excluded: losers.iter().map(name).collect(),
        ties,
        notes,
        constraint_actions,
        percentages: IndexMap::new(),
    };
    let mut report = Report::new(election, method, rules, N::arithmetic_name());
    if let Some(k) = marks {
        report.options.insert("marks".to_string(), k.to_string());
    }
    report.record_ties("lot".to_string(), None, &options.lot, profile);
    report.valid_ballots = valid.to_string();
    report.invalid_ballots = invalid.to_string();
    report.elected = names(profile, &winners);
    report.stages = vec![stage];
    report.constraints = cx.summary(&winners);
    Ok(report)
}

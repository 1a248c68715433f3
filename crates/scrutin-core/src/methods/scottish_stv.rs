//! Scottish STV: the count at Scottish local government elections.
//!
//! Source: The Scottish Local Government Elections Order 2007 (SSI 2007/42), Schedule 1,
//! rules 45–52 — renumbered 46–53 in the 2011 Order (SSI 2011/399), with rule 53(2) amended by
//! SSI 2021/437 art. 2(4) so that, once the last vacancies are filled under rule 53(1), no
//! further transfer is *required* (we make none). Rule numbers below are the 2007 ones; add one
//! for the 2011 Order.
//!
//! In short: quota ⌊valid ÷ (seats + 1)⌋ + 1; elected on reaching it; one surplus per stage,
//! largest first, all the candidate's papers move at surplus × value ÷ total, truncated to
//! five decimal places per paper; otherwise the lowest candidate is excluded and all their
//! papers move at their current values in one stage; ties by the most recent preceding stage
//! at which the tied candidates had unequal votes, then by lot.

use crate::arith::{Fixed, Number};
use crate::constraints::{Constraints, Tracker};
use crate::model::{CandidateId, Election};
use crate::report::{names, Action, CandidateState, Report};
use crate::stv::{whole_papers, Count, Parcel};
use crate::tie::{LotOrder, PriorStageReading, Want};
use crate::CountError;

/// Rule 48(3): "calculated to five decimal places (any remainder being ignored)".
pub type Value = Fixed<5>;

pub const METHOD: &str = "scottish-stv";
pub const RULES: &str =
    "Scottish Local Government Elections Order 2007 (SSI 2007/42) Sch. 1 rr. 45-52; \
                         2011 Order (SSI 2011/399) rr. 46-53; SSI 2021/437 art. 2(4)";

/// Choices the statute leaves open.
#[derive(Clone, Debug)]
pub struct Options {
    /// How to read rules 49(2) and 51(2) when three or more are tied.
    pub reading: PriorStageReading,
    /// The lot of rules 49(3) and 51(2)(b).
    pub lot: LotOrder,
}

/// Counts `election` under the Scottish rules.
pub fn count(election: &Election, options: &Options) -> Result<Report, CountError> {
    count_constrained(election, options, None)
}

/// Counts `election` under the Scottish rules, honouring category `constraints` (minimum or
/// maximum seats per group, [`crate::constraints`]). The statute has no such rules; the hooks,
/// marked "Constraints:", only decide who may be elected under rule 47 and who is excluded
/// under rule 50, and everything else is as the rules say.
pub fn count_constrained(
    election: &Election,
    options: &Options,
    constraints: Option<&Constraints>,
) -> Result<Report, CountError> {
    let seats = election.seats;
    if seats == 0 {
        return Err(CountError::NoSeats);
    }
    let mut cx = Tracker::new(constraints, election)?;
    let mut count: Count<'_, Value> = Count::new(election, options.reading, options.lot.clone());

    // Rule 45: first stage. Sort the valid papers by first preference and credit each
    // candidate one vote per paper. A paper without a single first preference for a candidate
    // (rule 44(1)(b)/(c): no "1", or "1" against more than one candidate) is rejected.
    let one = Value::from_int(1);
    let mut valid: u64 = 0;
    let mut invalid: u64 = 0;
    for i in 0..election.profile.len() {
        let b = election.profile.ballot(i);
        let papers = whole_papers(b.weight)?;
        match count.next_preference(i as u32, 0) {
            Some((c, next)) => {
                valid = valid.checked_add(papers).ok_or(CountError::Overflow)?;
                count.votes[c.index()] += one.mul_int(papers);
                count.piles[c.index()].push(Parcel {
                    ballot: i as u32,
                    pos: next as u32,
                    papers,
                    value: one,
                });
            }
            None => invalid += papers,
        }
    }
    if valid > (i64::MAX / Value::SCALE / 4) as u64 {
        return Err(CountError::Overflow);
    }

    // Rule 46: the quota.
    let quota = Value::from_int((valid / (seats as u64 + 1) + 1) as i64);

    let mut surplus_pending: Vec<CandidateId> = Vec::new();
    let elected_now = elect_reaching_quota(&mut count, quota, &mut surplus_pending, &mut cx);
    count.close_stage(
        Action::FirstCount,
        None,
        None,
        elected_now,
        vec![],
        vec![],
        vec![],
    );
    cx.close_stage(&count.state, &mut count.stages);

    loop {
        let vacancies = seats as usize - count.elected.len().min(seats as usize);
        if vacancies == 0 {
            break;
        }
        // Constraints: a doomed candidate (or, under the `exclude` strategy, one whose group
        // is full) is excluded before anything else, the lowest first (ties as rule 51), and
        // their papers move as under rule 50.
        let doomed = cx.must_exclude(&count.state);
        if !doomed.is_empty() {
            let mut ties = Vec::new();
            let c = lowest(&count, &doomed, &mut ties);
            cx.note_excluded(&count.state, c);
            exclude(&mut count, c, quota, &mut surplus_pending, ties, &mut cx);
            continue;
        }
        // Rule 52(1): as many continuing candidates as vacancies: all deemed elected.
        // Rule 52(2) (2011: 53(2) as amended in 2021): no further transfer is made.
        let continuing = count.continuing();
        if continuing.len() <= vacancies {
            let mut by_votes = continuing.clone();
            by_votes.sort_by(|a, b| {
                count.votes[b.index()]
                    .cmp(&count.votes[a.index()])
                    .then(a.cmp(b))
            });
            for &c in &by_votes {
                count.elect(c);
            }
            let note = if continuing.len() < vacancies {
                format!(
                    "rule 52(1): the {} continuing candidate(s) are deemed elected; {} seat(s) remain unfilled",
                    continuing.len(),
                    vacancies - continuing.len()
                )
            } else {
                "rule 52(1): continuing candidates equal the vacancies and are deemed elected"
                    .to_string()
            };
            count.amend_last_stage(&by_votes, Some(note));
            break;
        }

        let mut ties = Vec::new();
        if !surplus_pending.is_empty() {
            // Rule 49(1): the largest surplus first; 49(2)-(3) on equal surpluses.
            let top = surplus_pending
                .iter()
                .map(|c| count.votes[c.index()])
                .max()
                .expect("non-empty");
            let tied: Vec<CandidateId> = surplus_pending
                .iter()
                .copied()
                .filter(|c| count.votes[c.index()] == top)
                .collect();
            let c = count.break_tie(&tied, Want::Highest, "surplus_order", &mut ties);
            surplus_pending.retain(|&x| x != c);

            // Rule 48(1)-(4): all the candidate's papers move to their next available
            // preference; each at surplus × its value ÷ the candidate's total, to five places,
            // remainder ignored. The candidate keeps the quota.
            let total = count.votes[c.index()];
            let surplus = total - quota;
            let parcels = std::mem::take(&mut count.piles[c.index()]);
            let before: Value = count.votes.iter().copied().sum::<Value>() + count.non_transferable;
            count.votes[c.index()] = quota;
            count.transfer(parcels, |p| p.value.mul_div_trunc(&surplus, &total));
            let after: Value = count.votes.iter().copied().sum::<Value>() + count.non_transferable;
            count.loss += before - after;

            let elected_now =
                elect_reaching_quota(&mut count, quota, &mut surplus_pending, &mut cx);
            count.close_stage(
                Action::Surplus,
                Some(c),
                Some(surplus),
                elected_now,
                vec![],
                ties,
                vec![],
            );
            cx.close_stage(&count.state, &mut count.stages);
        } else {
            // Rule 50(1): no surplus to transfer: exclude the lowest continuing candidate;
            // rule 51 on equal lowest. Constraints: a guarded candidate is passed over (the
            // next lowest is excluded).
            let excludable = cx.excludable(&count.state, &continuing);
            let c = lowest(&count, &excludable, &mut ties);
            exclude(&mut count, c, quota, &mut surplus_pending, ties, &mut cx);
        }
        debug_assert_eq!(count.conserved_total(), Value::from_int(valid as i64));
    }
    let summary = cx.finish(&count.elected, &mut count.stages);

    let mut report = Report::new(election, METHOD, RULES, Value::arithmetic_name());
    report.quota = Some(quota.to_string());
    report.valid_ballots = valid.to_string();
    report.invalid_ballots = invalid.to_string();
    report.elected = names(&election.profile, &count.elected);
    report.stages = count.stages;
    report.constraints = summary;
    report.record_ties(
        "backward (rules 49(2), 51(2)), then lot".to_string(),
        Some(options.reading),
        &options.lot,
        &election.profile,
    );
    Ok(report)
}

/// Rule 50(1) with rule 51: the lowest of `among` (ties by the most recent preceding stage at
/// which they had unequal votes, then by lot).
fn lowest(
    count: &Count<'_, Value>,
    among: &[CandidateId],
    ties: &mut Vec<crate::report::TieBreak>,
) -> CandidateId {
    let low = among
        .iter()
        .map(|c| count.votes[c.index()])
        .min()
        .expect("non-empty");
    let tied: Vec<CandidateId> = among
        .iter()
        .copied()
        .filter(|c| count.votes[c.index()] == low)
        .collect();
    count.break_tie(&tied, Want::Lowest, "exclusion", ties)
}

/// Rule 50(2)-(4): excludes `c`; all their papers move at the value at which they were
/// received, in one stage; then rule 47.
fn exclude(
    count: &mut Count<'_, Value>,
    c: CandidateId,
    quota: Value,
    pending: &mut Vec<CandidateId>,
    ties: Vec<crate::report::TieBreak>,
    cx: &mut Tracker,
) {
    count.state[c.index()] = CandidateState::Excluded;
    let parcels = std::mem::take(&mut count.piles[c.index()]);
    count.votes[c.index()] = Value::zero();
    count.transfer(parcels, |p| p.value);

    let elected_now = elect_reaching_quota(count, quota, pending, cx);
    count.close_stage(
        Action::Exclusion,
        Some(c),
        None,
        elected_now,
        vec![c],
        ties,
        vec![],
    );
    cx.close_stage(&count.state, &mut count.stages);
}

/// Rule 47(1): a continuing candidate whose votes equal or exceed the quota is elected. Those
/// elected at one stage are listed highest first; any surplus joins the pending ones (rule 48
/// transfers only a surplus that *exceeds* the quota, so a candidate with exactly the quota
/// has none).
fn elect_reaching_quota(
    count: &mut Count<'_, Value>,
    quota: Value,
    pending: &mut Vec<CandidateId>,
    cx: &mut Tracker,
) -> Vec<CandidateId> {
    let elected = count.elect_reaching(|v| *v >= quota, cx);
    pending.extend(elected.iter().filter(|c| count.votes[c.index()] > quota));
    elected
}

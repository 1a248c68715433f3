//! WIGM: the Weighted Inclusive Gregory Method, as the Proportional Representation
//! Foundation's reference rule defines it.
//!
//! Source: Proportional Representation Foundation, "Reference WIGM STV" rules (sections A–D),
//! as quoted in full in Droop 0.11 (`droop/rules/wigm_prf.py`, rule `wigm-prf`, by Jonathan
//! Lundell, who also drafted the rules). Section numbers below are the rule's own.
//!
//! In short: quota = valid ballots ÷ (seats + 1), truncated, plus the smallest unit (A.1, D.4);
//! a hopeful candidate whose vote reaches it is elected (B.1); the largest surplus is
//! transferred first, *all* the candidate's ballots moving at weight × surplus ÷ vote (B.3,
//! each multiplication and division truncated, D.4); if there is no surplus the lowest hopeful
//! candidate is defeated (B.4); ties go to a predetermined random order (D.1, our lot); the
//! count stops as soon as the seats are filled or the hopeful candidates just fill them (D.3).
//! B.2, the optional defeat of "sure losers" in a batch, is [`Options::defeat_sure_losers`].
//!
//! Arithmetic (D.4): four decimal places by default; `--arithmetic fixedN` counts with N
//! places (the quota's added unit is then 10^-N), `--arithmetic exact` with exact rationals.
//! With exact arithmetic there is no smallest unit to add, so the quota is exactly
//! valid ÷ (seats + 1) and a candidate is elected on *exceeding* it (as Droop's generic WIGM
//! does with rational arithmetic): the same rule without the rounding allowance.

use crate::arith::{Fixed, Number, Rational};
use crate::constraints::{Constraints, Tracker};
use crate::methods::Arithmetic;
use crate::model::{CandidateId, Election};
use crate::report::{names, Action, CandidateState, Report};
use crate::stv::{Count, Parcel};
use crate::tie::{LotOrder, PriorStageReading, TiePolicy, Want};
use crate::CountError;

pub const METHOD: &str = "wigm";
pub const RULES: &str = "Proportional Representation Foundation, Reference WIGM STV, rules A-D";

/// The choices the rule leaves open, and ours.
#[derive(Clone, Debug)]
pub struct Options {
    /// D.4: four places by default.
    pub arithmetic: Arithmetic,
    /// D.1 breaks ties by a predetermined random order (the lot); `Backward` or `Forward`
    /// look at earlier stages first (not the reference rule; recorded in the report).
    pub tie_policy: TiePolicy,
    pub reading: PriorStageReading,
    /// D.1's "predetermined random tiebreaking order".
    pub lot: LotOrder,
    /// B.2 (optional in the rule): defeat all sure losers at once (Droop's `wigm-prf-batch`).
    pub defeat_sure_losers: bool,
}

impl Options {
    /// The reference rule: four places, ties by lot, single defeats.
    pub fn reference(lot: LotOrder) -> Self {
        Options {
            arithmetic: Arithmetic::Fixed(4),
            tie_policy: TiePolicy::Lot,
            reading: PriorStageReading::default(),
            lot,
            defeat_sure_losers: false,
        }
    }
}

/// Counts `election` under the reference WIGM rule.
pub fn count(election: &Election, options: &Options) -> Result<Report, CountError> {
    count_constrained(election, options, None)
}

/// Counts `election` under the reference WIGM rule, honouring category `constraints`
/// ([`crate::constraints`]). The rule has none; the hooks, marked "Constraints:", only decide
/// who may be elected under B.1 and who is defeated under B.4.
pub fn count_constrained(
    election: &Election,
    options: &Options,
    constraints: Option<&Constraints>,
) -> Result<Report, CountError> {
    let cx = Tracker::new(constraints, election)?;
    macro_rules! fixed {
        ($($p:literal)*) => {
            match options.arithmetic {
                Arithmetic::Exact => count_in::<Rational>(election, options, cx, None),
                $(Arithmetic::Fixed($p) => count_in::<Fixed<$p>>(
                    election,
                    options,
                    cx,
                    Some((
                        Fixed::<$p>::from_units(1),
                        (i64::MAX / 4 / Fixed::<$p>::SCALE) as u64,
                    )),
                ),)*
                Arithmetic::Fixed(p) => Err(CountError::Invalid(format!(
                    "WIGM counts with 0 to 12 decimal places, not {p}"
                ))),
            }
        };
    }
    fixed!(0 1 2 3 4 5 6 7 8 9 10 11 12)
}

/// The count in arithmetic `N`; `fixed` is, for a fixed-point arithmetic, its smallest unit
/// and the most votes it can count without overflow (`None` for exact rationals).
fn count_in<N: Number>(
    election: &Election,
    options: &Options,
    mut cx: Tracker,
    fixed: Option<(N, u64)>,
) -> Result<Report, CountError> {
    let seats = election.seats;
    if seats == 0 {
        return Err(CountError::NoSeats);
    }
    let unit = match fixed {
        Some((unit, max_votes)) => {
            let total = election.profile.total_weight();
            if total.micro() / crate::model::Weight::SCALE >= max_votes {
                return Err(CountError::Overflow);
            }
            Some(unit)
        }
        None => None,
    };
    let mut count: Count<'_, N> = Count::new(election, options.reading, options.lot.clone());

    // A.4, A.5: each ballot at weight one goes to its top-ranked hopeful candidate. A ballot
    // with no first preference for a candidate (an equal ranking or a gap at the top, or only
    // withdrawn candidates) is not a valid ballot and is left out of the quota.
    let mut valid = N::zero();
    let mut invalid = N::zero();
    let one = N::from_int(1);
    for i in 0..election.profile.len() {
        let b = election.profile.ballot(i);
        let (papers, value) = match b.weight.as_integer() {
            Some(n) => (n, one.clone()),
            None => (
                1,
                N::from_weight(b.weight)
                    .ok_or_else(|| CountError::FractionalWeight(b.weight.to_string()))?,
            ),
        };
        let amount = value.mul_int(papers);
        match count.next_preference(i as u32, 0) {
            Some((c, next)) => {
                valid += amount.clone();
                count.votes[c.index()] += amount;
                count.piles[c.index()].push(Parcel {
                    ballot: i as u32,
                    pos: next as u32,
                    papers,
                    value,
                });
            }
            None => invalid += amount,
        }
    }

    // A.1 (with D.4): valid ÷ (seats + 1), truncated, plus the smallest unit.
    let share = valid.div_trunc(&N::from_int(seats as i64 + 1));
    let quota = match &unit {
        Some(u) => share + u.clone(),
        None => share,
    };
    let reaches = |v: &N| match unit {
        Some(_) => *v >= quota,
        None => *v > quota,
    };

    // B.1: elect winners (pending their surplus transfer).
    let mut pending: Vec<CandidateId> = Vec::new();
    let elected_now = elect_winners(&mut count, &reaches, &mut pending, &mut cx);
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
        let mut ties = Vec::new();
        // Constraints: once the seats are not all filled, a doomed candidate (or, under the
        // `exclude` strategy, one whose group is full) is defeated before anything else, the
        // lowest first (ties by D.1), as B.4 defeats.
        let doomed = if count.elected.len() < seats as usize {
            cx.must_exclude(&count.state)
        } else {
            vec![]
        };
        if !doomed.is_empty() {
            let c = lowest(&count, options.tie_policy, &doomed, &mut ties);
            cx.note_excluded(&count.state, c);
            if defeat(&mut count, c, ties, seats, &reaches, &mut pending, &mut cx) {
                break;
            }
            continue;
        }
        // D.3: test count complete.
        if complete(&count, seats) {
            break;
        }

        // B.2: defeat sure losers (optional; not with constraints, which defeat one at a
        // time so that no guarded candidate goes in a batch).
        if options.defeat_sure_losers && !cx.is_active() {
            let losers = sure_losers(&count, seats, &pending, &quota);
            if !losers.is_empty() {
                for &c in &losers {
                    count.state[c.index()] = CandidateState::Excluded;
                }
                // "defeat each candidate in the set and test count complete (D.3)".
                if complete(&count, seats) {
                    count.close_stage(
                        Action::Exclusion,
                        None,
                        None,
                        vec![],
                        losers,
                        ties,
                        vec![
                            "B.2: sure losers defeated; D.3: the count is complete, their ballots are not transferred".to_string(),
                        ],
                    );
                    break;
                }
                let mut parcels = Vec::new();
                for &c in &losers {
                    parcels.extend(std::mem::take(&mut count.piles[c.index()]));
                    count.votes[c.index()] = N::zero();
                }
                count.transfer(parcels, |p| p.value.clone());
                let elected_now = elect_winners(&mut count, &reaches, &mut pending, &mut cx);
                count.close_stage(
                    Action::Exclusion,
                    None,
                    None,
                    elected_now,
                    losers,
                    ties,
                    vec!["B.2: sure losers defeated together".to_string()],
                );
                continue;
            }
        }

        if !pending.is_empty() {
            // B.3: the largest surplus first; ties by D.1.
            let top = pending
                .iter()
                .map(|c| count.votes[c.index()].clone())
                .max()
                .expect("non-empty");
            let tied: Vec<CandidateId> = pending
                .iter()
                .copied()
                .filter(|c| count.votes[c.index()] == top)
                .collect();
            let (c, _) = count.break_tie_with(
                options.tie_policy,
                &tied,
                Want::Highest,
                "surplus_order",
                &mut ties,
            );
            pending.retain(|&x| x != c);

            // B.3: every ballot assigned to the candidate gets weight × surplus ÷ vote, each
            // operation truncated (D.4), and is transferred (D.2). The candidate keeps the
            // quota; what truncation drops is the loss.
            let total = count.votes[c.index()].clone();
            let surplus = total.clone() - quota.clone();
            let parcels = std::mem::take(&mut count.piles[c.index()]);
            let before = count.conserved_total();
            count.votes[c.index()] = quota.clone();
            count.transfer(parcels, |p| p.value.mul_trunc(&surplus).div_trunc(&total));
            let after = count.conserved_total();
            count.loss += before - after;

            let elected_now = elect_winners(&mut count, &reaches, &mut pending, &mut cx);
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
            // B.4: defeat the hopeful candidate with the lowest vote; ties by D.1.
            // Constraints: a guarded candidate is passed over (the next lowest is defeated).
            let hopeful = cx.excludable(&count.state, &count.continuing());
            let c = lowest(&count, options.tie_policy, &hopeful, &mut ties);
            if defeat(&mut count, c, ties, seats, &reaches, &mut pending, &mut cx) {
                break;
            }
        }
        debug_assert!(count.conserved_total() == valid);
    }

    // C: pending candidates are elected (they already are, in order of election). If all
    // seats are filled, the hopeful candidates are defeated; otherwise they are all elected.
    let hopeful = count.continuing();
    if count.elected.len() < seats as usize {
        let mut by_votes = hopeful.clone();
        by_votes.sort_by(|a, b| {
            count.votes[b.index()]
                .cmp(&count.votes[a.index()])
                .then(a.cmp(b))
        });
        for &c in &by_votes {
            count.elect(c);
        }
        if !by_votes.is_empty() {
            count.amend_last_stage(
                &by_votes,
                Some("C: the remaining hopeful candidates are elected".to_string()),
            );
        }
    } else if !hopeful.is_empty() {
        for &c in &hopeful {
            count.state[c.index()] = CandidateState::Excluded;
        }
        count.amend_last_stage(
            &[],
            Some(
                "C: all seats are filled; the remaining hopeful candidates are defeated"
                    .to_string(),
            ),
        );
    }
    let summary = cx.finish(&count.elected, &mut count.stages);

    let mut report = Report::new(election, METHOD, RULES, N::arithmetic_name());
    report.quota = Some(quota.to_string());
    report.valid_ballots = valid.to_string();
    report.invalid_ballots = invalid.to_string();
    report.elected = names(&election.profile, &count.elected);
    report.stages = count.stages;
    report.constraints = summary;
    report.record_ties(
        match options.tie_policy {
            TiePolicy::Lot => "lot (rule D.1)".to_string(),
            p => format!("{} prior stage, then lot (not rule D.1)", p.name()),
        },
        (options.tie_policy == TiePolicy::Backward).then_some(options.reading),
        &options.lot,
        &election.profile,
    );
    report.options.insert(
        "elected_on".to_string(),
        if unit.is_some() {
            "votes >= quota (B.1)".to_string()
        } else {
            "votes > quota (exact arithmetic: no unit is added to the quota)".to_string()
        },
    );
    report.options.insert(
        "defeat_sure_losers".to_string(),
        if options.defeat_sure_losers {
            "yes (B.2)"
        } else {
            "no"
        }
        .to_string(),
    );
    Ok(report)
}

/// B.4: the hopeful candidate of `among` with the lowest vote; ties by D.1 (or the policy).
fn lowest<N: Number>(
    count: &Count<'_, N>,
    policy: TiePolicy,
    among: &[CandidateId],
    ties: &mut Vec<crate::report::TieBreak>,
) -> CandidateId {
    let low = among
        .iter()
        .map(|c| count.votes[c.index()].clone())
        .min()
        .expect("D.3 leaves a hopeful candidate");
    let tied: Vec<CandidateId> = among
        .iter()
        .copied()
        .filter(|c| count.votes[c.index()] == low)
        .collect();
    count
        .break_tie_with(policy, &tied, Want::Lowest, "exclusion", ties)
        .0
}

/// B.4: defeats `c`, tests count complete (D.3) and, if it is not, transfers their ballots at
/// their current weights and elects winners (B.1). Returns whether the count is complete.
#[allow(clippy::too_many_arguments)]
fn defeat<N: Number>(
    count: &mut Count<'_, N>,
    c: CandidateId,
    ties: Vec<crate::report::TieBreak>,
    seats: u32,
    reaches: &impl Fn(&N) -> bool,
    pending: &mut Vec<CandidateId>,
    cx: &mut Tracker,
) -> bool {
    count.state[c.index()] = CandidateState::Excluded;

    // B.4: "Test count complete (D.3)" comes before the transfer: if the count is now
    // complete, finish at C without transferring the defeated candidate's ballots.
    if complete(count, seats) {
        count.close_stage(
            Action::Exclusion,
            Some(c),
            None,
            vec![],
            vec![c],
            ties,
            vec!["B.4: D.3 finds the count complete; the defeated candidate's ballots are not transferred".to_string()],
        );
        cx.close_stage(&count.state, &mut count.stages);
        return true;
    }
    let parcels = std::mem::take(&mut count.piles[c.index()]);
    count.votes[c.index()] = N::zero();
    count.transfer(parcels, |p| p.value.clone());

    let elected_now = elect_winners(count, reaches, pending, cx);
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
    false
}

/// D.3: complete when elected (with pending) fill the seats, or elected + hopeful do not
/// exceed them.
fn complete<N: Number>(count: &Count<'_, N>, seats: u32) -> bool {
    let elected = count.elected.len();
    elected >= seats as usize || elected + count.continuing().len() <= seats as usize
}

/// B.1: each hopeful candidate whose vote reaches the quota becomes pending (elected with a
/// surplus transfer pending), highest vote first.
fn elect_winners<N: Number>(
    count: &mut Count<'_, N>,
    reaches: &impl Fn(&N) -> bool,
    pending: &mut Vec<CandidateId>,
    cx: &mut Tracker,
) -> Vec<CandidateId> {
    let elected = count.elect_reaching(reaches, cx);
    pending.extend(&elected);
    elected
}

/// B.2: the largest set of hopeful candidates such that (a) enough hopeful candidates remain
/// for the seats still to fill, (b) every hopeful candidate with the same vote or lower than
/// one in the set is in it, and (c) the set's votes plus all current surpluses are less than
/// the lowest vote outside it.
fn sure_losers<N: Number>(
    count: &Count<'_, N>,
    seats: u32,
    pending: &[CandidateId],
    quota: &N,
) -> Vec<CandidateId> {
    let surplus: N = pending
        .iter()
        .map(|c| count.votes[c.index()].clone() - quota.clone())
        .sum();
    let mut hopeful = count.continuing();
    hopeful.sort_by(|a, b| {
        count.votes[a.index()]
            .cmp(&count.votes[b.index()])
            .then(a.cmp(b))
    });
    let left = (seats as usize).saturating_sub(count.elected.len());
    let mut best = 0;
    let mut sum = N::zero();
    for k in 1..hopeful.len() {
        sum += count.votes[hopeful[k - 1].index()].clone();
        if hopeful.len() - k < left {
            break; // (a)
        }
        let next = &count.votes[hopeful[k].index()];
        if count.votes[hopeful[k - 1].index()] == *next {
            continue; // (b): would split candidates with the same vote
        }
        if sum.clone() + surplus.clone() < *next {
            best = k; // (c)
        }
    }
    hopeful.truncate(best);
    hopeful.sort();
    hopeful
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Labour's 2020 NEC count (CLP section, 9 seats) published a quota of 12,954.9
    /// (`shared/data/labour-nec/README.md` §4.2, citing LabourList, Nov 2020). No valid-vote
    /// total was published: 129,549 is derived there from the quota itself, so this only
    /// checks that rule A.1 is consistent with the published figure (12,954.9001 is 12,954.9
    /// to one decimal), not which rule set Labour used (which is unknown).
    #[test]
    fn labour_nec_2020_quota_is_consistent_with_a1() {
        let valid = Fixed::<4>::from_int(129_549);
        let quota = valid.div_trunc(&Fixed::from_int(10)) + Fixed::from_units(1);
        assert_eq!(quota.to_string(), "12954.9001");
        assert_eq!(quota.to_decimal(1), "12954.9");
    }
}

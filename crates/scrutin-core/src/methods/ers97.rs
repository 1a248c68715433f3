//! ERS97: the Electoral Reform Society's rules for counting by the single transferable vote.
//!
//! Source: Electoral Reform Society, "How to conduct an election by the Single Transferable
//! Vote", 3rd edition, 1997 (R. A. Newland and F. S. Britton), section 5 "Detailed
//! instructions for the count" and section 6 "Glossary". Paragraph numbers below are the
//! rules' own (5.1.6, 5.3.2, …).
//!
//! In short: quota = valid ÷ (seats + 1) to two places, plus 0.01 unless exact (5.1.6);
//! elected on reaching the quota, or the total active vote ÷ (vacancies + 1) where that is
//! lower (5.1.7); surpluses are transferred largest first (5.2.3) but deferred while they
//! could not change the order at the bottom (5.2.2); a surplus arising from a transfer moves
//! only the last batch received (5.3.2), at surplus ÷ transferable papers truncated to two
//! places (5.3.7), the neglected remainder recorded (6.11); otherwise the lowest candidates
//! are excluded, several together where that cannot change the result (5.2.5), their papers
//! moved in batches of one value, highest value first, each batch a stage of the report
//! (5.4.1–5.4.11); ties by the earliest stage at which the tied candidates differed, then by
//! lot (5.2.3, 5.2.5, 5.6.2). The count ends when the seats are filled (5.5.2) or the
//! continuing candidates just fill them (4.3, 5.5.1).
//!
//! On our report: the ERS result sheet's "non-transferable" row includes the
//! non-transferable difference (5.3.9–5.3.10); we show it apart as `loss_to_truncation`, so
//! the sheet's figure is `non_transferable + loss_to_truncation`.

use crate::arith::{Fixed, Number};
use crate::constraints::{Constraints, Tracker};
use crate::model::{CandidateId, Election};
use crate::report::{names, Action, CandidateState, Report, TieBreak};
use crate::stv::{whole_papers, Count, Parcel};
use crate::tie::{LotOrder, PriorStageReading, TiePolicy, Want};
use crate::CountError;

/// Votes and transfer values to two decimal places (5.1.6, 5.3.7).
pub type Value = Fixed<2>;

pub const METHOD: &str = "ers97";
pub const RULES: &str = "Electoral Reform Society, How to conduct an election by the Single \
                         Transferable Vote, 3rd ed. (1997), sections 5-6";

/// The choices the rules leave open.
#[derive(Clone, Debug)]
pub struct Options {
    /// 5.2.3, 5.2.5, 5.6.2: forward ("at the first stage or at the earliest point in the
    /// count"). `Backward` or `Lot` depart from the rules and are recorded in the report.
    pub tie_policy: TiePolicy,
    /// Only used by `TiePolicy::Backward`.
    pub reading: PriorStageReading,
    /// The Returning Officer's lot.
    pub lot: LotOrder,
}

impl Options {
    /// The rules' own tie-break, with `lot` as the Returning Officer's lot.
    pub fn rules(lot: LotOrder) -> Self {
        Options {
            tie_policy: TiePolicy::Forward,
            reading: PriorStageReading::default(),
            lot,
        }
    }
}

/// 5.1.6: divide by one more than the places, to two decimal places; if not exact, ignore
/// the remainder and add 0.01 (that is, round up to the next 0.01).
pub fn quota(total: Value, places: u32) -> Value {
    total.div_ceil(&Value::from_int(places as i64 + 1))
}

/// Counts `election` under the ERS97 rules.
pub fn count(election: &Election, options: &Options) -> Result<Report, CountError> {
    count_constrained(election, options, None)
}

/// Counts `election` under the ERS97 rules, honouring category `constraints`
/// ([`crate::constraints`]). The rules have none; the hooks, marked "Constraints:", only
/// decide who may be deemed elected (5.1.7) and who is excluded (5.2.5). With constraints,
/// candidates are excluded one at a time (5.2.5's bulk exclusion could take a guarded
/// candidate with the rest), and a deferral (5.2.2) looks at the candidates who may be
/// excluded.
pub fn count_constrained(
    election: &Election,
    options: &Options,
    constraints: Option<&Constraints>,
) -> Result<Report, CountError> {
    let seats = election.seats;
    if seats == 0 {
        return Err(CountError::NoSeats);
    }
    let cx = Tracker::new(constraints, election)?;
    let mut count: Count<'_, Value> = Count::new(election, options.reading, options.lot.clone());

    // 5.1.1–5.1.2: sort the papers by first preference, setting aside invalid papers (6.9:
    // no first preference, or one void for uncertainty — an equal ranking at the top).
    let one = Value::from_int(1);
    let mut valid: u64 = 0;
    let mut invalid: u64 = 0;
    for i in 0..election.profile.len() {
        let b = election.profile.ballot(i);
        let papers = whole_papers(b.weight)?;
        if papers > (i64::MAX / Value::SCALE / 4) as u64 {
            return Err(CountError::Overflow);
        }
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
    let total_valid = Value::from_int(valid as i64);

    // 5.1.6: the quota.
    let initial_quota = quota(total_valid, seats);
    let mut state = State {
        quota: initial_quota,
        pending: Vec::new(),
        seats,
        policy: options.tie_policy,
        cx,
    };

    // 5.1.7: deem elected.
    let mut ties = Vec::new();
    let mut notes = Vec::new();
    let elected_now = state.deem_elected(&mut count, &mut ties, &mut notes);
    count.close_stage(
        Action::FirstCount,
        None,
        None,
        elected_now,
        vec![],
        ties,
        notes,
    );
    state.cx.close_stage(&count.state, &mut count.stages);

    loop {
        let vacancies = (seats as usize).saturating_sub(count.elected.len());
        let continuing = count.continuing();
        // Constraints: while places are unfilled, a doomed candidate (or, under the
        // `exclude` strategy, one whose group is full) is excluded before anything else, the
        // lowest first (ties as 5.2.5), their papers moved as 5.4 moves them.
        let doomed = if vacancies > 0 {
            state.cx.must_exclude(&count.state)
        } else {
            vec![]
        };
        if !doomed.is_empty() {
            let mut ties = Vec::new();
            let c = exclusion_group(
                &count,
                &doomed,
                0,
                Value::zero(),
                state.policy,
                &mut ties,
                false,
            )[0];
            state.cx.note_excluded(&count.state, c);
            state.exclude(&mut count, vec![c], ties, vec![], total_valid);
            continue;
        }
        if vacancies == 0 {
            // 5.5.2: all places filled: no further transfers; the rest formally excluded.
            if !continuing.is_empty() {
                for &c in &continuing {
                    count.state[c.index()] = CandidateState::Excluded;
                }
                count.amend_last_stage(
                    &[],
                    Some("5.5.2: all places are filled; the continuing candidates are formally excluded".to_string()),
                );
            }
            break;
        }
        if continuing.len() <= vacancies {
            // 4.3: as many candidates left as places unfilled: they are elected.
            let by_votes = by_votes_desc(&count, &continuing);
            for &c in &by_votes {
                count.elect(c);
            }
            count.amend_last_stage(
                &by_votes,
                Some(format!(
                    "4.3: {} continuing candidate(s) for {} place(s): deemed elected",
                    continuing.len(),
                    vacancies
                )),
            );
            break;
        }

        let mut ties = Vec::new();
        let mut notes = Vec::new();
        let surpluses: Value = state
            .pending
            .iter()
            .map(|c| count.votes[c.index()] - state.quota)
            .sum();
        // Constraints: guarded candidates may not be excluded; the others are excluded one
        // at a time.
        let excludable = state.cx.excludable(&count.state, &continuing);
        let bulk = !state.cx.is_active();
        if !state.pending.is_empty() {
            if deferrable(&count, &excludable, surpluses, vacancies, bulk) {
                // 5.2.2: the surpluses could not change the order at the bottom.
                notes.push(format!(
                    "5.2.2: transfer of surplus(es) totalling {surpluses} deferred"
                ));
            } else {
                state.transfer_surplus(&mut count, ties);
                continue;
            }
        }

        // 5.2.5: exclude the candidate(s) with the fewest votes, as many together as
        // possible; the deferred surpluses count against the candidate next above.
        let deferred = if state.pending.is_empty() {
            Value::zero()
        } else {
            surpluses
        };
        let group = exclusion_group(
            &count,
            &excludable,
            vacancies,
            deferred,
            state.policy,
            &mut ties,
            bulk,
        );

        // 5.5.1: an exclusion that would leave as many continuing candidates as places
        // unfilled elects them instead.
        if continuing.len() - group.len() == vacancies {
            let rest: Vec<CandidateId> = continuing
                .iter()
                .copied()
                .filter(|c| !group.contains(c))
                .collect();
            let rest = by_votes_desc(&count, &rest);
            for &c in &group {
                count.state[c.index()] = CandidateState::Excluded;
            }
            for &c in &rest {
                count.elect(c);
            }
            let names: Vec<&str> = group.iter().map(|&c| count.name(c)).collect();
            let mut note = format!(
                "5.5.1: excluding {} would leave {} continuing candidate(s) for {} place(s): they are deemed elected",
                names.join(", "),
                rest.len(),
                vacancies
            );
            for t in &ties {
                note.push_str(&format!(" (tie {:?} -> {} by {})", t.tied, t.chosen, t.by));
            }
            count.amend_last_stage(&rest, Some(note));
            break;
        }
        state.exclude(&mut count, group, ties, notes, total_valid);
    }

    let summary = state.cx.finish(&count.elected, &mut count.stages);

    let mut report = Report::new(election, METHOD, RULES, Value::arithmetic_name());
    report.quota = Some(initial_quota.to_string());
    report.valid_ballots = valid.to_string();
    report.invalid_ballots = invalid.to_string();
    report.elected = names(&election.profile, &count.elected);
    report.stages = count.stages;
    report.constraints = summary;
    report.record_ties(
        match options.tie_policy {
            TiePolicy::Forward => {
                "forward: earliest stage where unequal, then lot (5.2.3, 5.2.5, 5.6.2)".to_string()
            }
            p => format!("{} (not the ERS97 rule), then lot", p.name()),
        },
        (options.tie_policy == TiePolicy::Backward).then_some(options.reading),
        &options.lot,
        &election.profile,
    );
    Ok(report)
}

/// What the rules keep track of between stages.
struct State {
    quota: Value,
    /// Candidates deemed elected whose surplus is not yet transferred.
    pending: Vec<CandidateId>,
    seats: u32,
    policy: TiePolicy,
    /// Category constraints, if any.
    cx: Tracker,
}

impl State {
    /// 5.1.7, 5.3.13, 5.4.9: considering continuing candidates in descending order of votes,
    /// deem elected any whose vote equals or exceeds (a) the quota or (b) the total active
    /// vote ÷ (places not yet filled + 1), up to the places left, subject to 5.6.2.
    fn deem_elected(
        &mut self,
        count: &mut Count<'_, Value>,
        ties: &mut Vec<TieBreak>,
        notes: &mut Vec<String>,
    ) -> Vec<CandidateId> {
        let mut elected = Vec::new();
        loop {
            let vacancies = (self.seats as usize).saturating_sub(count.elected.len());
            if vacancies == 0 {
                break;
            }
            // 6.20: the total active vote: continuing candidates' votes plus votes awaiting
            // transfer (untransferred surpluses, papers of excluded candidates not yet moved).
            let continuing = count.continuing();
            let mut active: Value = continuing.iter().map(|c| count.votes[c.index()]).sum();
            for &c in &self.pending {
                active += count.votes[c.index()] - self.quota;
            }
            for (i, s) in count.state.iter().enumerate() {
                if *s == CandidateState::Excluded {
                    active += count.votes[i];
                }
            }
            // (b), taken to two places and rounded up as the quota is (5.1.6).
            let dynamic = active.div_ceil(&Value::from_int(vacancies as i64 + 1));
            let threshold = self.quota.min(dynamic);
            // Constraints: a candidate whose election would make the rules impossible to
            // meet is not deemed elected (they are doomed, and excluded next).
            let reached: Vec<CandidateId> = by_votes_desc(
                count,
                &continuing
                    .iter()
                    .copied()
                    .filter(|c| {
                        let v = count.votes[c.index()];
                        v >= threshold && v > Value::zero()
                    })
                    .filter(|&c| self.cx.may_elect(&count.state, c))
                    .collect::<Vec<_>>(),
            );
            if reached.is_empty() {
                break;
            }
            let chosen = if reached.len() <= vacancies {
                reached
            } else {
                self.select_5_6_2(count, &reached, vacancies, ties, notes)
            };
            let mut deemed = Vec::with_capacity(chosen.len());
            for c in chosen {
                // Constraints: electing one of them may rule out another chosen with them.
                if self.cx.may_elect(&count.state, c) {
                    count.elect(c);
                    deemed.push(c);
                }
            }
            let chosen = deemed;
            if chosen.is_empty() {
                break;
            }
            for &c in &chosen {
                if count.votes[c.index()] > self.quota {
                    self.pending.push(c);
                }
                if count.votes[c.index()] < self.quota {
                    notes.push(format!(
                        "5.1.7(b): {} deemed elected on {} (total active vote {} ÷ {})",
                        count.name(c),
                        count.votes[c.index()],
                        active,
                        vacancies + 1
                    ));
                }
            }
            elected.extend(chosen);
        }
        elected
    }

    /// 5.6.2: more candidates reach the threshold than places left: take them in order of
    /// votes; among equal votes at the boundary, by the votes at the first stage or earliest
    /// point where they were unequal; if they were equal at all such points, none of them
    /// is deemed elected at this stage.
    fn select_5_6_2(
        &self,
        count: &Count<'_, Value>,
        reached: &[CandidateId],
        places: usize,
        ties: &mut Vec<TieBreak>,
        notes: &mut Vec<String>,
    ) -> Vec<CandidateId> {
        let boundary = count.votes[reached[places - 1].index()];
        let mut chosen: Vec<CandidateId> = reached
            .iter()
            .copied()
            .filter(|c| count.votes[c.index()] > boundary)
            .collect();
        let mut tied: Vec<CandidateId> = reached
            .iter()
            .copied()
            .filter(|c| count.votes[c.index()] == boundary)
            .collect();
        let policy = if self.policy == TiePolicy::Lot {
            TiePolicy::Forward
        } else {
            self.policy
        };
        while chosen.len() < places {
            let (c, by_lot) = count.break_tie_with(policy, &tied, Want::Highest, "election", ties);
            if by_lot {
                ties.pop();
                let names: Vec<&str> = tied.iter().map(|&c| count.name(c)).collect();
                notes.push(format!(
                    "5.6.2: {} equal at every stage; none of them deemed elected at this stage",
                    names.join(", ")
                ));
                break;
            }
            chosen.push(c);
            tied.retain(|&x| x != c);
        }
        chosen
    }

    /// 5.2.3 and 5.3: transfer the largest surplus.
    fn transfer_surplus(&mut self, count: &mut Count<'_, Value>, mut ties: Vec<TieBreak>) {
        // 5.2.3: the largest; if equal, the candidate with the greater vote at the first
        // stage or earliest point where unequal; else by lot.
        let top = self
            .pending
            .iter()
            .map(|c| count.votes[c.index()])
            .max()
            .expect("non-empty");
        let tied: Vec<CandidateId> = self
            .pending
            .iter()
            .copied()
            .filter(|c| count.votes[c.index()] == top)
            .collect();
        let (c, _) = count.break_tie_with(
            self.policy,
            &tied,
            Want::Highest,
            "surplus_order",
            &mut ties,
        );
        self.pending.retain(|&x| x != c);
        let surplus = count.votes[c.index()] - self.quota;

        // 5.3.1: a surplus at the first stage: all the candidate's papers. 5.3.2: a surplus
        // arising later: only the last received batch, which gave rise to it.
        let batch: Vec<Parcel<Value>> = count.last_batch(c).to_vec();
        count.piles[c.index()].clear();
        // 5.3.3: sort by next available preference; non-transferable papers set aside.
        let transferable: Vec<Parcel<Value>> = batch
            .into_iter()
            .filter(|p| count.next_preference(p.ballot, p.pos as usize).is_some())
            .collect();
        let papers: u64 = transferable.iter().map(|p| p.papers).sum();
        let value: Value = transferable.iter().map(|p| p.value.mul_int(p.papers)).sum();
        count.votes[c.index()] = self.quota;
        let mut notes = Vec::new();
        if value > surplus {
            // 5.3.7: transfer value = surplus ÷ transferable papers, to two places,
            // remainder ignored. 6.11: the non-transferable difference.
            let tv = surplus.div_trunc(&Value::from_int(papers as i64));
            count.transfer(transferable, |_| tv);
            let moved = tv.mul_int(papers);
            count.loss += surplus - moved;
            notes.push(format!(
                "5.3.7: {papers} transferable paper(s) worth {value}; transfer value {surplus} ÷ {papers} = {tv}; non-transferable difference {}",
                surplus - moved
            ));
        } else {
            // 5.3.7: the transferable papers are worth no more than the surplus: each goes
            // at its present value; the rest of the surplus is not transferable.
            count.transfer(transferable, |p| p.value);
            count.non_transferable += surplus - value;
            notes.push(format!(
                "5.3.7: {papers} transferable paper(s) worth {value}, not more than the surplus: transferred at their present value"
            ));
        }
        // 5.3.13: deem elected.
        let elected_now = self.deem_elected(count, &mut ties, &mut notes);
        count.close_stage(
            Action::Surplus,
            Some(c),
            Some(surplus),
            elected_now,
            vec![],
            ties,
            notes,
        );
        self.cx.close_stage(&count.state, &mut count.stages);
    }

    /// 5.4: exclude `group`: their papers in batches of one transfer value, highest first,
    /// each batch a stage.
    fn exclude(
        &mut self,
        count: &mut Count<'_, Value>,
        group: Vec<CandidateId>,
        mut ties: Vec<TieBreak>,
        mut notes: Vec<String>,
        total_valid: Value,
    ) {
        for &c in &group {
            count.state[c.index()] = CandidateState::Excluded;
        }
        let candidate = (group.len() == 1).then(|| group[0]);
        // 5.4.1: all the bundles of the excluded candidates, arranged in batches in
        // descending order of transfer value.
        let mut papers: Vec<(CandidateId, Parcel<Value>)> = Vec::new();
        for &c in &group {
            papers.extend(
                std::mem::take(&mut count.piles[c.index()])
                    .into_iter()
                    .map(|p| (c, p)),
            );
        }
        papers.sort_by_key(|p| std::cmp::Reverse(p.1.value));
        let mut batches: Vec<Vec<(CandidateId, Parcel<Value>)>> = Vec::new();
        for p in papers {
            match batches.last_mut() {
                Some(b) if b[0].1.value == p.1.value => b.push(p),
                _ => batches.push(vec![p]),
            }
        }
        if batches.is_empty() {
            // No papers to move (every excluded candidate has no votes): one stage.
            for &c in &group {
                count.votes[c.index()] = Value::zero();
            }
            let elected_now = self.deem_elected(count, &mut ties, &mut notes);
            count.close_stage(
                Action::Exclusion,
                candidate,
                None,
                elected_now,
                group,
                ties,
                notes,
            );
            self.cx.close_stage(&count.state, &mut count.stages);
            return;
        }
        let n = batches.len();
        let mut excluded_now = group;
        for (i, batch) in batches.into_iter().enumerate() {
            let value = batch[0].1.value;
            // 5.4.2–5.4.7: sort the batch by next available preference (5.4.10: skipping
            // candidates deemed elected meanwhile), non-transferable papers aside.
            let mut parcels = Vec::with_capacity(batch.len());
            for (from, p) in batch {
                count.votes[from.index()] -= p.value.mul_int(p.papers);
                parcels.push(p);
            }
            count.transfer(parcels, |p| p.value);
            if n > 1 {
                notes.push(format!(
                    "5.4.11: batch {} of {n}, papers of transfer value {value}",
                    i + 1
                ));
            }
            // 5.4.8: papers non-transferable before anyone is deemed elected: the quota is
            // recalculated ignoring the non-transferable vote.
            let mut new_quota = None;
            if count.elected.is_empty() && count.non_transferable > Value::zero() {
                let q = quota(total_valid - count.non_transferable, self.seats);
                if q != self.quota {
                    notes.push(format!("5.4.8: quota recalculated: {} -> {q}", self.quota));
                    self.quota = q;
                    new_quota = Some(q);
                }
            }
            // 5.4.9: deem elected.
            let elected_now = self.deem_elected(count, &mut ties, &mut notes);
            count.close_stage(
                Action::Exclusion,
                candidate,
                None,
                elected_now,
                std::mem::take(&mut excluded_now),
                std::mem::take(&mut ties),
                std::mem::take(&mut notes),
            );
            self.cx.close_stage(&count.state, &mut count.stages);
            if let Some(q) = new_quota {
                if let Some(s) = count.stages.last_mut() {
                    s.quota = Some(q.to_string());
                }
            }
            // 5.5.2: once all places are filled no further transfers are made.
            if count.elected.len() >= self.seats as usize {
                break;
            }
        }
    }
}

/// Candidates by votes, highest first (ballot order among equals).
fn by_votes_desc(count: &Count<'_, Value>, cands: &[CandidateId]) -> Vec<CandidateId> {
    let mut v = cands.to_vec();
    v.sort_by(|a, b| {
        count.votes[b.index()]
            .cmp(&count.votes[a.index()])
            .then(a.cmp(b))
    });
    v
}

/// Continuing candidates' votes, lowest first.
fn votes_asc(count: &Count<'_, Value>, continuing: &[CandidateId]) -> Vec<Value> {
    let mut v: Vec<Value> = continuing.iter().map(|c| count.votes[c.index()]).collect();
    v.sort();
    v
}

/// The largest number `k ≥ 2` of lowest candidates that 5.2.5 lets be excluded together:
/// (a) enough candidates remain for the places, (b) their votes plus `deferred` do not exceed
/// the vote of the candidate next above. `None` if there is no such group.
fn bulk_size(votes: &[Value], vacancies: usize, deferred: Value) -> Option<usize> {
    let mut best = None;
    let mut sum = votes.first().copied().unwrap_or_default();
    for k in 2..votes.len() {
        sum += votes[k - 1];
        if votes.len() - k >= vacancies && sum + deferred <= votes[k] {
            best = Some(k);
        }
    }
    best
}

/// 5.2.2: are the surpluses (total `surpluses`) deferred? Yes if they do not exceed (a) the
/// difference between the two lowest candidates' votes, or (b) the difference between the
/// total votes of two or more lowest candidates who could be excluded together under 5.2.5
/// and the vote of the candidate next above.
fn deferrable(
    count: &Count<'_, Value>,
    continuing: &[CandidateId],
    surpluses: Value,
    vacancies: usize,
    bulk: bool,
) -> bool {
    let v = votes_asc(count, continuing);
    if v.len() >= 2 && surpluses <= v[1] - v[0] {
        return true;
    }
    bulk && bulk_size(&v, vacancies, surpluses).is_some()
}

/// 5.2.5: the candidates to exclude: as many of the lowest as (a) and (b) allow, at least
/// one; candidates with equal votes at the edge of the group are chosen by the fewest votes
/// at the first stage or earliest point where they were unequal, then by lot.
fn exclusion_group(
    count: &Count<'_, Value>,
    continuing: &[CandidateId],
    vacancies: usize,
    deferred: Value,
    policy: TiePolicy,
    ties: &mut Vec<TieBreak>,
    bulk: bool,
) -> Vec<CandidateId> {
    let v = votes_asc(count, continuing);
    let k = if bulk {
        bulk_size(&v, vacancies, deferred).unwrap_or(1)
    } else {
        1
    };
    let edge = v[k - 1];
    let mut group: Vec<CandidateId> = continuing
        .iter()
        .copied()
        .filter(|c| count.votes[c.index()] < edge)
        .collect();
    let mut tied: Vec<CandidateId> = continuing
        .iter()
        .copied()
        .filter(|c| count.votes[c.index()] == edge)
        .collect();
    while group.len() < k {
        let (c, _) = count.break_tie_with(policy, &tied, Want::Lowest, "exclusion", ties);
        group.push(c);
        tied.retain(|&x| x != c);
    }
    group.sort();
    group
}

//! ERS97 on hand-worked elections.
//!
//! There is no ERS97 reference transcript in `shared/`, so each election below is worked out
//! by hand from the rule text (Electoral Reform Society, "How to conduct an election by the
//! Single Transferable Vote", 3rd ed., 1997, section 5), step by step in the comments, and
//! the count must reproduce every figure. Candidates are A, B, C, … in ballot order.

use scrutin_core::arith::{Fixed, Number};
use scrutin_core::methods::ers97::{count, quota, Options};
use scrutin_core::methods::{self, CountOptions, Method};
use scrutin_core::report::{Action, CandidateState, Report};
use scrutin_core::tie::{LotOrder, PriorStageReading, TiePolicy};
use scrutin_core::{CandidateId, Election};

mod common;
use common::election;

type V = Fixed<2>;

fn rules(n: usize) -> Options {
    Options::rules(LotOrder::from_seed(n, 0))
}

/// Totals of one stage, in ballot order.
fn totals(r: &Report, stage: usize) -> Vec<&str> {
    r.stages[stage - 1]
        .votes
        .values()
        .map(String::as_str)
        .collect()
}

/// 5.3.11, 5.4.15: at every stage the votes, the non-transferable votes and the
/// non-transferable difference add up to the total valid vote.
fn assert_conserved(r: &Report) {
    let valid = V::parse(&r.valid_ballots).unwrap();
    for s in &r.stages {
        let sum: V = s.votes.values().map(|v| V::parse(v).unwrap()).sum::<V>()
            + V::parse(&s.non_transferable).unwrap()
            + V::parse(&s.loss_to_truncation).unwrap();
        assert_eq!(sum, valid, "stage {}", s.number);
    }
}

#[test]
fn quota_is_taken_to_two_places_and_raised_by_001_unless_exact() {
    // 5.1.6. 30 ÷ 3 = 10 exactly: 10.00. 46 ÷ 3 = 15.333…: 15.33 + 0.01 = 15.34.
    assert_eq!(quota(V::from_int(30), 2).to_string(), "10.00");
    assert_eq!(quota(V::from_int(46), 2).to_string(), "15.34");
    // 100 ÷ 7 = 14.2857…: 14.28 + 0.01.
    assert_eq!(quota(V::from_int(100), 6).to_string(), "14.29");
    // Labour NEC 2020 (shared/data/labour-nec/README.md §4.2): the published quota 12,954.9
    // for 9 seats; 129,549 valid votes is derived from it there (no total was published), so
    // this only shows ERS97's 5.1.6 is consistent with it: 129,549 ÷ 10 is exact.
    assert_eq!(quota(V::from_int(129_549), 9).to_string(), "12954.90");
}

#[test]
fn surplus_from_a_transfer_moves_only_the_last_batch_with_truncated_values() {
    // 3 seats. 16 A>B>D, 8 B>C, 7 C, 5 D, 4 E>C. Total valid vote 40.
    let e = election(
        &["A", "B", "C", "D", "E"],
        3,
        &[
            (16, &[0, 1, 3]),
            (8, &[1, 2]),
            (7, &[2]),
            (5, &[3]),
            (4, &[4, 2]),
        ],
    );
    let r = count(&e, &rules(5)).unwrap();
    assert_conserved(&r);
    // 5.1.6: 40 ÷ 4 = 10 exactly: quota 10.00.
    assert_eq!(r.quota.as_deref(), Some("10.00"));
    // Stage 1: A 16, B 8, C 7, D 5, E 4. A is deemed elected (5.1.7), surplus 6.
    assert_eq!(totals(&r, 1), ["16.00", "8.00", "7.00", "5.00", "4.00"]);
    assert_eq!(r.stages[0].elected, ["A"]);
    // Stage 2. 5.2.2: not deferred: 6 > 5 − 4 = 1 (a); the only group 5.2.5 allows (D, E,
    // leaving two for two places) has 9 + 6 > 7, C's vote (b). 5.3.1: a first-stage surplus:
    // all 16 of A's papers, all transferable to B, worth 16 > 6. 5.3.7: transfer value
    // 6 ÷ 16 = 0.375, to two places 0.37. B + 16 × 0.37 = 5.92 → 13.92, deemed elected.
    // Non-transferable difference 6 − 5.92 = 0.08.
    let s2 = &r.stages[1];
    assert_eq!(
        (s2.action, s2.candidate.as_deref()),
        (Action::Surplus, Some("A"))
    );
    assert_eq!(s2.surplus.as_deref(), Some("6.00"));
    assert_eq!(totals(&r, 2), ["10.00", "13.92", "7.00", "5.00", "4.00"]);
    assert_eq!(s2.loss_to_truncation, "0.08");
    assert_eq!(s2.elected, ["B"]);
    // Stage 3. B's surplus 3.92 (5.2.2: 3.92 > 1 and 9 + 3.92 > 7: not deferred). 5.3.2:
    // it arose from a transfer, so only the last batch B received is examined: the 16 papers
    // from A at 0.37 (next preference D), not B's own 8 first preferences (which would go to
    // C). 16 × 0.37 = 5.92 > 3.92: transfer value 3.92 ÷ 16 = 0.245 → 0.24. D + 3.84 → 8.84.
    // Difference 3.92 − 3.84 = 0.08; 0.16 in all. C gets nothing.
    let s3 = &r.stages[2];
    assert_eq!(
        (s3.action, s3.candidate.as_deref()),
        (Action::Surplus, Some("B"))
    );
    assert_eq!(s3.surplus.as_deref(), Some("3.92"));
    assert_eq!(totals(&r, 3), ["10.00", "10.00", "7.00", "8.84", "4.00"]);
    assert_eq!(s3.transfers.get("C"), None);
    assert_eq!(s3.transfers["D"], "+3.84");
    assert_eq!(s3.loss_to_truncation, "0.16");
    assert_eq!(s3.non_transferable, "0.00");
    // 5.3.13(b): total active vote 7 + 8.84 + 4 = 19.84, ÷ (1 + 1) = 9.92 > 8.84: no one.
    assert!(s3.elected.is_empty());
    // Stage 4. No surplus: exclude E (4; E + C = 11 > D's 8.84, so E alone, 5.2.5). E's 4
    // papers go to C: 11.00 ≥ 10, deemed elected. Places filled: D formally excluded (5.5.2).
    let s4 = &r.stages[3];
    assert_eq!(
        (s4.action, s4.candidate.as_deref()),
        (Action::Exclusion, Some("E"))
    );
    assert_eq!(totals(&r, 4), ["10.00", "10.00", "11.00", "8.84", "0.00"]);
    assert_eq!(s4.elected, ["C"]);
    assert_eq!(s4.states["D"], CandidateState::Excluded);
    assert_eq!(r.stages.len(), 4);
    assert_eq!(r.elected, ["A", "B", "C"]);
}

#[test]
fn surplus_deferred_and_lowest_candidates_excluded_together() {
    // 2 seats. 11 A>C, 9 B, 6 C, 2 D>B, 2 E>B. Total 30, quota 30 ÷ 3 = 10.00.
    let e = election(
        &["A", "B", "C", "D", "E"],
        2,
        &[
            (11, &[0, 2]),
            (9, &[1]),
            (6, &[2]),
            (2, &[3, 1]),
            (2, &[4, 1]),
        ],
    );
    let r = count(&e, &rules(5)).unwrap();
    assert_conserved(&r);
    assert_eq!(r.quota.as_deref(), Some("10.00"));
    // Stage 1: A 11 (deemed elected, surplus 1), B 9, C 6, D 2, E 2.
    assert_eq!(totals(&r, 1), ["11.00", "9.00", "6.00", "2.00", "2.00"]);
    assert_eq!(r.stages[0].elected, ["A"]);
    // 5.2.2: the surplus 1 exceeds (a) E − D = 0, but not (b): D and E could be excluded
    // together under 5.2.5 (two remain for one place; 2 + 2 + 1 = 5 ≤ C's 6), and C's 6
    // minus their 4 is 2 ≥ 1. So A's surplus is deferred.
    // 5.2.5: exclude as many as possible: D + E with the deferred 1 is 5 ≤ 6 (C); D + E + C
    // would be 11 > 9 (B) and leave only B. So D and E are excluded together at stage 2:
    // all their papers (one batch, value 1.00) go to B: 9 + 4 = 13 ≥ 10, deemed elected.
    let s2 = &r.stages[1];
    assert_eq!(s2.action, Action::Exclusion);
    assert_eq!(s2.candidate, None);
    assert_eq!(s2.excluded, ["D", "E"]);
    assert!(
        s2.notes.iter().any(|n| n.starts_with("5.2.2")),
        "{:?}",
        s2.notes
    );
    assert_eq!(totals(&r, 2), ["11.00", "13.00", "6.00", "0.00", "0.00"]);
    assert_eq!(s2.elected, ["B"]);
    // Both places are filled: 5.5.2, no further transfer (A's deferred surplus never moves),
    // C formally excluded.
    assert_eq!(r.stages.len(), 2);
    assert_eq!(s2.states["C"], CandidateState::Excluded);
    assert_eq!(r.elected, ["A", "B"]);
}

/// 2 seats. 8 A>D>C, 12 A>C, 10 B, 6 C, 3 D>C, 4 E>C, 1 F>E, 1 F. Total 45.
fn batches_election() -> Election {
    election(
        &["A", "B", "C", "D", "E", "F"],
        2,
        &[
            (8, &[0, 3, 2]),
            (12, &[0, 2]),
            (10, &[1]),
            (6, &[2]),
            (3, &[3, 2]),
            (4, &[4, 2]),
            (1, &[5, 4]),
            (1, &[5]),
        ],
    )
}

#[test]
fn forward_tie_break_and_exclusion_in_batches_by_value() {
    let r = count(&batches_election(), &rules(6)).unwrap();
    assert_conserved(&r);
    // 5.1.6: 45 ÷ 3 = 15 exactly: quota 15.00.
    assert_eq!(r.quota.as_deref(), Some("15.00"));
    // Stage 1: A 20 (deemed elected, surplus 5), B 10, C 6, D 3, E 4, F 2.
    assert_eq!(
        totals(&r, 1),
        ["20.00", "10.00", "6.00", "3.00", "4.00", "2.00"]
    );
    // Stage 2: 5.2.2: 5 > D − F = 1; every group 5.2.5 allows has too many votes (F + D + 5
    // = 10 > E's 4, …): not deferred. All 20 papers transferable: 5 ÷ 20 = 0.25 exactly.
    // D + 8 × 0.25 = 2 → 5; C + 12 × 0.25 = 3 → 9. No loss.
    assert_eq!(
        totals(&r, 2),
        ["15.00", "10.00", "9.00", "5.00", "4.00", "2.00"]
    );
    assert_eq!(r.stages[1].loss_to_truncation, "0.00");
    // Stage 3: exclude F (F + E = 6 > D's 5: F alone). One paper to E (5), one
    // non-transferable. (5.4.8 does not apply: A is already deemed elected.)
    let s3 = &r.stages[2];
    assert_eq!(s3.candidate.as_deref(), Some("F"));
    assert_eq!(
        totals(&r, 3),
        ["15.00", "10.00", "9.00", "5.00", "5.00", "0.00"]
    );
    assert_eq!(s3.non_transferable, "1.00");
    // Stage 4: D and E tie on 5 (D + E = 10 > C's 9: one exclusion). 5.2.5: the one with
    // fewer votes at the first stage or the earliest point where they differed: stage 1,
    // D 3 < E 4: D is excluded. (The most recent difference, stage 2, would say E.)
    let s4 = &r.stages[3];
    assert_eq!(s4.candidate.as_deref(), Some("D"));
    assert_eq!(s4.ties.len(), 1);
    assert_eq!(
        (
            s4.ties[0].chosen.as_str(),
            s4.ties[0].by.as_str(),
            s4.ties[0].stage
        ),
        ("D", "prior_stage", Some(1))
    );
    // 5.4.1–5.4.11: D's papers in batches by value, highest first, each a stage.
    // Batch 1 (stage 4): D's 3 first preferences at 1.00 → C 12. D keeps 2.00 (8 × 0.25).
    assert_eq!(
        totals(&r, 4),
        ["15.00", "10.00", "12.00", "2.00", "5.00", "0.00"]
    );
    assert_eq!(s4.excluded, ["D"]);
    // 5.4.9(b): active vote 10 + 12 + 5 + 2 awaiting = 29, ÷ 2 = 14.50 > 12: no one.
    assert!(s4.elected.is_empty());
    // Batch 2 (stage 5): the 8 papers from A at 0.25 → C + 2.00 = 14.
    let s5 = &r.stages[4];
    assert_eq!(
        (s5.action, s5.candidate.as_deref()),
        (Action::Exclusion, Some("D"))
    );
    assert_eq!(
        totals(&r, 5),
        ["15.00", "10.00", "14.00", "0.00", "5.00", "0.00"]
    );
    assert_eq!(s5.transfers["C"], "+2.00");
    assert_eq!(s5.transfers["D"], "-2.00");
    assert!(s5.elected.is_empty());
    // Stage 6: exclude E (E + B = 15 > C's 14). E's 4 E>C papers → C 18, deemed elected; the
    // F>E paper has no further preference: non-transferable 2. B formally excluded (5.5.2).
    let s6 = &r.stages[5];
    assert_eq!(s6.candidate.as_deref(), Some("E"));
    assert_eq!(
        totals(&r, 6),
        ["15.00", "10.00", "18.00", "0.00", "0.00", "0.00"]
    );
    assert_eq!(s6.non_transferable, "2.00");
    assert_eq!(s6.elected, ["C"]);
    assert_eq!(r.stages.len(), 6);
    assert_eq!(r.elected, ["A", "C"]);
}

#[test]
fn backward_tie_break_is_a_recorded_departure_and_changes_the_exclusion() {
    // The same election with --tie-break backward: at stage 4 D and E are tied, and the most
    // recent stage where they differed (stage 3 is equal; stage 2: D 5, E 4) puts E lowest.
    let mut o = rules(6);
    o.tie_policy = TiePolicy::Backward;
    o.reading = PriorStageReading::Narrowing;
    let r = count(&batches_election(), &o).unwrap();
    assert_conserved(&r);
    let s4 = &r.stages[3];
    assert_eq!(s4.candidate.as_deref(), Some("E"));
    assert_eq!(s4.ties[0].stage, Some(2));
    assert!(r.options["tie_break"].contains("not the ERS97 rule"));
}

#[test]
fn dispatch_by_name_and_arithmetic_is_fixed_at_two_places() {
    let e = batches_election();
    let mut o = CountOptions::with_seed(6, 0);
    let r = methods::count(&e, Method::from_name("ers97").unwrap(), &o).unwrap();
    assert_eq!(r.method, "ers97");
    assert_eq!(r.arithmetic, "fixed-2");
    assert_eq!(r.elected, ["A", "C"]);
    o.arithmetic = Some(methods::Arithmetic::Exact);
    assert!(methods::count(&e, Method::Ers97, &o).is_err());
}

#[test]
fn surplus_without_transferable_papers_and_election_on_the_total_active_vote() {
    // 2 seats. 12 A, 7 B, 5 C, 3 D>C. Total 27, quota 27 ÷ 3 = 9.00.
    // Stage 1: A 12 (deemed elected, surplus 3), B 7, C 5, D 3.
    // Stage 2: 5.2.2: 3 > C − D = 2 (a); D and C together would leave B for the one place,
    // but 3 + 5 + 3 = 11 > B's 7 (b): not deferred. A's 12 papers have no next preference:
    // the transferable papers are worth 0, not more than 3, so 5.3.7 moves them at their
    // present value (none) and the surplus 3 is non-transferable. A keeps the quota, 9.
    // Stage 3: exclude D (D + C = 8 > B's 7: D alone; B and C would remain for one place, so
    // 5.5.1 does not apply). D's 3 papers go to C: 8 < 9. 5.4.9(b): the total active vote
    // 7 + 8 = 15, ÷ (1 + 1) = 7.50 ≤ 8: C is deemed elected below the quota. Places filled:
    // B formally excluded (5.5.2).
    let e = election(
        &["A", "B", "C", "D"],
        2,
        &[(12, &[0]), (7, &[1]), (5, &[2]), (3, &[3, 2])],
    );
    let r = count(&e, &rules(4)).unwrap();
    assert_conserved(&r);
    assert_eq!(totals(&r, 2), ["9.00", "7.00", "5.00", "3.00"]);
    assert_eq!(r.stages[1].non_transferable, "3.00");
    assert_eq!(totals(&r, 3), ["9.00", "7.00", "8.00", "0.00"]);
    assert_eq!(r.stages[2].elected, ["C"]);
    assert!(r.stages[2].notes.iter().any(|n| n.starts_with("5.1.7(b)")));
    assert_eq!(r.stages.len(), 3);
    assert_eq!(r.elected, ["A", "C"]);
    assert_eq!(r.stages[2].states["B"], CandidateState::Excluded);
}

#[test]
fn election_on_the_total_active_vote_after_surpluses_without_papers() {
    // 3 seats. 10 A, 6 B, 5 C, 9 D. Total 30, quota 30 ÷ 4 = 7.50 exactly.
    // Stage 1: A 10 and D 9 deemed elected, in descending order (5.1.7), surpluses 2.50 and
    // 1.50. (b): active vote 6 + 5 + 2.50 + 1.50 = 15, ÷ 2 = 7.50: no one else.
    // Stage 2: 5.2.2: 4.00 > B − C = 1: not deferred; the largest, A's 2.50, first: A's
    // papers have no next preference, so 2.50 is non-transferable. (b): 6 + 5 + 1.50 = 12.50,
    // ÷ 2 = 6.25 > 6: no one.
    // Stage 3: 1.50 > 1: D's surplus, also non-transferable (4.00 in all). (b): 6 + 5 = 11,
    // ÷ 2 = 5.50 ≤ 6: B is deemed elected below the quota; C formally excluded (5.5.2).
    let e = election(
        &["A", "B", "C", "D"],
        3,
        &[(10, &[0]), (6, &[1]), (5, &[2]), (9, &[3])],
    );
    let r = count(&e, &rules(4)).unwrap();
    assert_conserved(&r);
    assert_eq!(r.quota.as_deref(), Some("7.50"));
    assert_eq!(r.stages[0].elected, ["A", "D"]);
    assert_eq!(
        (
            r.stages[1].candidate.as_deref(),
            r.stages[1].surplus.as_deref()
        ),
        (Some("A"), Some("2.50"))
    );
    assert_eq!(r.stages[1].non_transferable, "2.50");
    assert!(r.stages[1].elected.is_empty());
    assert_eq!(r.stages[2].non_transferable, "4.00");
    assert_eq!(r.stages[2].elected, ["B"]);
    assert_eq!(r.stages.len(), 3);
    assert_eq!(r.elected, ["A", "D", "B"]);
    assert_eq!(r.stages[2].states["C"], CandidateState::Excluded);
}

#[test]
fn equal_at_every_stage_none_elected_then_lot_and_five_five_one() {
    // 2 seats. 10 A, 5 B, 5 C. Total 20: 20 ÷ 3 = 6.666…: quota 6.66 + 0.01 = 6.67.
    // Stage 1: A deemed elected, surplus 3.33. (b): 5 + 5 + 3.33 = 13.33, ÷ 2 = 6.665 → 6.67
    // (rounded up as the quota is): no one.
    // Stage 2: 5.2.2: 3.33 > C − B = 0: A's surplus, no next preferences: non-transferable.
    // (b): 10 ÷ 2 = 5.00: B and C both reach it for one place; they have been equal at every
    // stage, so 5.6.2: neither is deemed elected at this stage.
    // Then one of them must be excluded (5.2.5): equal at all points, so by lot; the lot
    // order here is C first. Excluding C would leave B alone for the one place: 5.5.1, B is
    // deemed elected, with no further stage.
    let e = election(&["A", "B", "C"], 2, &[(10, &[0]), (5, &[1]), (5, &[2])]);
    let lot = LotOrder::given(&[CandidateId(2)], 3);
    let r = count(&e, &Options::rules(lot)).unwrap();
    assert_conserved(&r);
    assert_eq!(r.quota.as_deref(), Some("6.67"));
    assert_eq!(r.stages.len(), 2);
    assert_eq!(r.stages[1].non_transferable, "3.33");
    assert!(
        r.stages[1].notes.iter().any(|n| n.starts_with("5.6.2")),
        "{:?}",
        r.stages[1].notes
    );
    let last = r.stages[1].notes.last().unwrap();
    assert!(
        last.starts_with("5.5.1") && last.contains("by lot"),
        "{last}"
    );
    assert_eq!(r.stages[1].states["C"], CandidateState::Excluded);
    assert_eq!(r.elected, ["A", "B"]);
}

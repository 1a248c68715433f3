//! Scottish STV on hand-worked elections, and properties that must hold for any profile.

use proptest::prelude::*;
use scrutin_core::arith::{Fixed, Number};
use scrutin_core::methods::scottish_stv::{count, Options};
use scrutin_core::report::{Action, CandidateState, Report};
use scrutin_core::tie::{LotOrder, PriorStageReading};
use scrutin_core::{Candidate, CandidateId, Election, ProfileBuilder, Rank, Weight};

mod common;
use common::election;

fn opts(n: usize) -> Options {
    Options {
        reading: PriorStageReading::Narrowing,
        lot: LotOrder::from_seed(n, 0),
    }
}

#[test]
fn surplus_transfer_truncates_each_paper_to_five_places() {
    // A 9 (7 A>B, 2 A>C), B 3, C 3; 2 seats; quota ⌊15/3⌋+1 = 6.
    let e = election(
        &["A", "B", "C"],
        2,
        &[(7, &[0, 1]), (2, &[0, 2]), (3, &[1]), (3, &[2])],
    );
    let r = count(&e, &opts(3)).unwrap();
    assert_eq!(r.quota.as_deref(), Some("6.00000"));
    let s2 = &r.stages[1];
    assert_eq!(s2.action, Action::Surplus);
    assert_eq!(s2.surplus.as_deref(), Some("3.00000"));
    // Each paper: 3 × 1 ÷ 9 = 0.33333 (remainder ignored). B +7×0.33333, C +2×0.33333.
    assert_eq!(s2.votes["A"], "6.00000");
    assert_eq!(s2.votes["B"], "5.33331");
    assert_eq!(s2.votes["C"], "3.66666");
    assert_eq!(s2.transfers["B"], "+2.33331");
    assert_eq!(s2.loss_to_truncation, "0.00003");
    // Stage 3: C (lowest) excluded; all C's papers end there.
    let s3 = &r.stages[2];
    assert_eq!(
        (s3.action, s3.candidate.as_deref()),
        (Action::Exclusion, Some("C"))
    );
    assert_eq!(s3.non_transferable, "3.66666");
    // One continuing candidate for one vacancy: B deemed elected (rule 52(1)), no transfer.
    assert_eq!(r.elected, vec!["A", "B"]);
    assert_eq!(r.stages.len(), 3);
    assert_eq!(s3.states["B"], CandidateState::Elected);
    assert!(s3.notes[0].contains("52(1)"));
}

#[test]
fn largest_surplus_goes_first_and_transfers_skip_elected_candidates() {
    // Quota ⌊22/3⌋+1 = 8. A 10, B 9: both elected at stage 1. A's surplus (2) first.
    let e = election(
        &["A", "B", "C", "D"],
        2,
        &[(10, &[0, 1, 2]), (9, &[1, 3]), (2, &[2]), (1, &[3])],
    );
    let r = count(&e, &opts(4)).unwrap();
    assert_eq!(r.stages[0].elected, vec!["A", "B"]);
    assert_eq!(r.elected, vec!["A", "B"]);
    // Both seats are filled at stage 1: no surplus is transferred (rule 48(1)).
    assert_eq!(r.stages.len(), 1);

    let e = election(
        &["A", "B", "C", "D"],
        3,
        &[(10, &[0, 1, 2]), (9, &[1, 3]), (2, &[2]), (1, &[3])],
    );
    let r = count(&e, &opts(4)).unwrap();
    // quota ⌊22/4⌋+1 = 6: A 10 (surplus 4), B 9 (surplus 3).
    assert_eq!(r.stages[1].candidate.as_deref(), Some("A"));
    // A's papers skip B (elected) and go to C at 4×1÷10 = 0.4 each.
    assert_eq!(r.stages[1].votes["C"], "6.00000");
    assert_eq!(r.stages[1].votes["B"], "9.00000");
    assert_eq!(r.elected, vec!["A", "B", "C"]);
}

#[test]
fn equal_rankings_and_gaps_end_a_paper_and_bad_first_preferences_are_invalid() {
    let cands = ["A", "B", "C"]
        .iter()
        .map(|n| Candidate {
            name: n.to_string(),
        })
        .collect();
    let mut b = ProfileBuilder::new(cands).unwrap();
    let one = Weight::ONE;
    b.push(Weight::from_int(5).unwrap(), &[Rank::One(CandidateId(0))])
        .unwrap();
    b.push(
        one,
        &[
            Rank::One(CandidateId(2)),
            Rank::Equal(vec![CandidateId(0), CandidateId(1)]),
        ],
    )
    .unwrap();
    b.push(
        one,
        &[
            Rank::One(CandidateId(2)),
            Rank::Skipped,
            Rank::One(CandidateId(1)),
        ],
    )
    .unwrap();
    b.push(Weight::from_int(3).unwrap(), &[Rank::One(CandidateId(1))])
        .unwrap();
    b.push(one, &[Rank::Equal(vec![CandidateId(0), CandidateId(1)])])
        .unwrap();
    b.push(one, &[Rank::Skipped, Rank::One(CandidateId(0))])
        .unwrap();
    let e = Election {
        title: "t".into(),
        seats: 1,
        profile: b.build(),
        withdrawn: vec![],
    };
    let r = count(&e, &opts(3)).unwrap();
    assert_eq!(r.invalid_ballots, "2");
    assert_eq!(r.valid_ballots, "10");
    // C (2) excluded; both of C's papers are non-transferable.
    let s2 = &r.stages[1];
    assert_eq!(s2.candidate.as_deref(), Some("C"));
    assert_eq!(s2.non_transferable, "2.00000");
}

#[test]
fn withdrawn_candidates_are_skipped() {
    let mut e = election(&["A", "B", "C"], 1, &[(4, &[1, 0]), (3, &[0]), (2, &[2])]);
    e.withdrawn = vec![CandidateId(1)];
    let r = count(&e, &opts(3)).unwrap();
    assert_eq!(r.stages[0].votes["A"], "7.00000");
    assert_eq!(r.stages[0].states["B"], CandidateState::Withdrawn);
    assert_eq!(r.elected, vec!["A"]);
}

#[test]
fn fractional_weights_are_refused() {
    let cands = vec![Candidate { name: "A".into() }];
    let mut b = ProfileBuilder::new(cands).unwrap();
    b.push(Weight::parse("1.5").unwrap(), &[Rank::One(CandidateId(0))])
        .unwrap();
    let e = Election {
        title: "t".into(),
        seats: 1,
        profile: b.build(),
        withdrawn: vec![],
    };
    assert!(count(&e, &opts(1)).unwrap_err().to_string().contains("1.5"));
}

fn conserved(r: &Report) -> bool {
    let valid = Fixed::<5>::from_int(r.valid_ballots.parse::<i64>().unwrap());
    r.stages.iter().all(|s| {
        let sum: Fixed<5> = s
            .votes
            .values()
            .chain([&s.non_transferable, &s.loss_to_truncation])
            .map(|v| Fixed::<5>::parse(v).unwrap())
            .sum();
        sum == valid
    })
}

proptest! {
    #[test]
    fn any_profile_counts_conserving_votes(
        n in 1usize..9,
        seats in 1u32..5,
        ballots in proptest::collection::vec((1u64..20, proptest::collection::vec(0u32..9, 0..9)), 0..40),
        seed in any::<u64>(),
        reading in 0usize..3,
    ) {
        let names: Vec<String> = (0..n).map(|i| format!("C{i}")).collect();
        let cands = names.iter().map(|n| Candidate { name: n.clone() }).collect();
        let mut b = ProfileBuilder::new(cands).unwrap();
        for (w, prefs) in &ballots {
            let mut seen = Vec::new();
            let ranks: Vec<Rank> = prefs.iter().filter(|&&p| (p as usize) < n && !seen.contains(&p) && { seen.push(p); true })
                .map(|&p| Rank::One(CandidateId(p))).collect();
            b.push(Weight::from_int(*w).unwrap(), &ranks).unwrap();
        }
        let e = Election { title: "p".into(), seats, profile: b.build(), withdrawn: vec![] };
        let options = Options { reading: PriorStageReading::ALL[reading], lot: LotOrder::from_seed(n, seed) };
        let r = count(&e, &options).unwrap();
        prop_assert!(conserved(&r));
        // Never more elected than seats, never more than candidates; all seats filled when
        // there are enough candidates.
        prop_assert!(r.elected.len() <= seats as usize);
        prop_assert_eq!(r.elected.len(), (seats as usize).min(n));
        // Everyone elected is distinct, and marked elected in the last stage.
        let last = r.stages.last().unwrap();
        for name in &r.elected {
            prop_assert_eq!(last.states[name], CandidateState::Elected);
        }
        // Deterministic: the same input gives the same report.
        prop_assert_eq!(&count(&e, &options).unwrap(), &r);
        // Stage numbers run 1, 2, …; only stage 1 is a first count.
        for (i, s) in r.stages.iter().enumerate() {
            prop_assert_eq!(s.number as usize, i + 1);
            prop_assert_eq!(s.action == Action::FirstCount, i == 0);
        }
    }
}

//! First past the post, block vote and instant-runoff on small elections worked by hand, and
//! the block vote on stv-rs's own unit-test election (github.com/gendx/stv-rs `src/pbv.rs`,
//! `mod test`, Apache-2.0), whose expected totals stv-rs publishes.

use scrutin_core::methods::irv::{self, IrvRules, OvervoteRule};
use scrutin_core::methods::{self, Arithmetic, CountOptions, Method};
use scrutin_core::tie::{LotOrder, TiePolicy};
use scrutin_core::{Candidate, CandidateId, Election, ProfileBuilder, Rank, Weight};

fn election(names: &[&str], seats: u32, ballots: &[(&str, Vec<Rank>)]) -> Election {
    let mut b = ProfileBuilder::new(
        names
            .iter()
            .map(|n| Candidate {
                name: n.to_string(),
            })
            .collect(),
    )
    .unwrap();
    for (w, ranks) in ballots {
        b.push(Weight::parse(w).unwrap(), ranks).unwrap();
    }
    Election {
        title: "test".into(),
        seats,
        profile: b.build(),
        withdrawn: vec![],
    }
}

fn one(i: u32) -> Rank {
    Rank::One(CandidateId(i))
}
fn eq(is: &[u32]) -> Rank {
    Rank::Equal(is.iter().map(|&i| CandidateId(i)).collect())
}

fn opts(n: usize, lot: &[u32]) -> CountOptions {
    let mut o = CountOptions::with_seed(n, 0);
    o.lot = LotOrder::given(&lot.iter().map(|&i| CandidateId(i)).collect::<Vec<_>>(), n);
    o
}

fn votes(r: &scrutin_core::Report, stage: usize) -> Vec<String> {
    r.stages[stage].votes.values().cloned().collect()
}

// ---------------------------------------------------------------- FPTP

#[test]
fn fptp_most_first_preferences_win() {
    // A 4, B 3 (+ a paper whose first mark is blank, then B), C 2; an equal first mark is void.
    let e = election(
        &["A", "B", "C"],
        1,
        &[
            ("4", vec![one(0), one(1)]),
            ("2", vec![one(1)]),
            ("1", vec![Rank::Skipped, one(1)]),
            ("2", vec![one(2), one(0)]),
            ("1", vec![eq(&[0, 2])]),
        ],
    );
    let r = methods::count(&e, Method::Fptp, &opts(3, &[])).unwrap();
    assert_eq!(r.elected, ["A"]);
    assert_eq!(votes(&r, 0), ["4", "3", "2"]);
    assert_eq!(r.invalid_ballots, "1");
    assert_eq!(r.valid_ballots, "9");
    assert_eq!(r.quota, None);
    assert_eq!(r.stages.len(), 1);
}

#[test]
fn fptp_withdrawn_first_preference_passes_to_the_next_and_weights_count() {
    let mut e = election(
        &["A", "B", "C"],
        2,
        &[
            ("2.5", vec![one(0), one(2)]),
            ("1", vec![one(1)]),
            ("1.25", vec![one(2)]),
        ],
    );
    e.withdrawn = vec![CandidateId(0)];
    let r = methods::count(&e, Method::Fptp, &opts(3, &[])).unwrap();
    // A withdrawn: the 2.5 go to C (3.75); B 1.
    assert_eq!(r.elected, ["C", "B"]);
    assert_eq!(votes(&r, 0), ["0.000000", "1.000000", "3.750000"]);
}

#[test]
fn fptp_tie_for_the_last_seat_goes_to_the_lot() {
    let e = election(
        &["A", "B", "C"],
        1,
        &[
            ("3", vec![one(0)]),
            ("3", vec![one(1)]),
            ("1", vec![one(2)]),
        ],
    );
    let r = methods::count(&e, Method::Fptp, &opts(3, &[1, 0, 2])).unwrap();
    assert_eq!(r.elected, ["B"]);
    let tie = &r.stages[0].ties[0];
    assert_eq!(tie.by, "lot");
    assert_eq!(tie.tied, ["B", "A"]);
    let r = methods::count(&e, Method::Fptp, &opts(3, &[0, 1, 2])).unwrap();
    assert_eq!(r.elected, ["A"]);
}

// ---------------------------------------------------------------- block vote

/// stv-rs `pbv.rs` test election: 9 candidates, banana and fig withdrawn, 9 ballot lines.
fn stvrs_vegetables() -> Election {
    let b = |n: &str, groups: &[&[u32]]| {
        (
            n.to_string(),
            groups
                .iter()
                .map(|g| if g.len() == 1 { one(g[0]) } else { eq(g) })
                .collect::<Vec<_>>(),
        )
    };
    let lines = [
        b("1", &[&[0], &[2, 3, 4], &[6]]),
        b("2", &[&[2], &[3, 4], &[6, 7]]),
        b("3", &[&[2, 3], &[4, 6], &[7, 8]]),
        b("4", &[&[3, 4], &[6, 7], &[8, 0]]),
        b("5", &[&[4], &[6, 7, 8], &[0]]),
        b("6", &[&[6], &[7, 8, 0], &[2]]),
        b("7", &[&[6, 7], &[8, 0], &[2, 3]]),
        b("8", &[&[7, 8], &[0, 2], &[3, 4]]),
        b("9", &[&[8, 0], &[2, 3], &[4]]),
    ];
    let names = [
        "Apple", "Banana", "Cherry", "Date", "Eggplant", "Fig", "Grape", "Hazelnut", "Jalapeno",
    ];
    let ballots: Vec<(&str, Vec<Rank>)> =
        lines.iter().map(|(w, r)| (w.as_str(), r.clone())).collect();
    let mut e = election(&names, 5, &ballots);
    e.withdrawn = vec![CandidateId(1), CandidateId(5)];
    e
}

#[test]
fn block_matches_stvrs_unit_tests_for_every_number_of_marks() {
    // (marks, elected in order with totals, defeated with totals) from stv-rs pbv.rs tests.
    type Totals<'a> = &'a [(&'a str, &'a str)];
    let cases: [(u32, Totals, Totals); 6] = [
        (
            1,
            &[
                ("Grape", "9.500000000"),
                ("Jalapeno", "8.500000000"),
                ("Hazelnut", "7.500000000"),
                ("Eggplant", "7.000000000"),
                ("Apple", "5.500000000"),
            ],
            &[("Cherry", "3.500000000"), ("Date", "3.500000000")],
        ),
        (
            2,
            &[
                ("Jalapeno", "20.666666663"),
                ("Hazelnut", "18.666666663"),
                ("Grape", "14.666666665"),
                ("Apple", "11.999999998"),
                ("Eggplant", "10.333333333"),
            ],
            &[("Date", "8.333333333"), ("Cherry", "5.333333333")],
        ),
        (
            3,
            &[
                ("Jalapeno", "27.833333326"),
                ("Hazelnut", "24.333333326"),
                ("Apple", "21.499999996"),
                ("Grape", "19.833333330"),
                ("Cherry", "14.166666666"),
            ],
            &[("Date", "14.166666666"), ("Eggplant", "13.166666666")],
        ),
        (
            4,
            &[
                ("Jalapeno", "35.000000000"),
                ("Apple", "31.000000000"),
                ("Hazelnut", "31.000000000"),
                ("Grape", "26.000000000"),
                ("Cherry", "23.000000000"),
            ],
            &[("Date", "19.000000000"), ("Eggplant", "15.000000000")],
        ),
        (
            5,
            &[
                ("Jalapeno", "38.500000000"),
                ("Apple", "38.000000000"),
                ("Hazelnut", "33.500000000"),
                ("Cherry", "32.500000000"),
                ("Eggplant", "28.000000000"),
            ],
            &[("Grape", "28.000000000"), ("Date", "26.500000000")],
        ),
        (
            6,
            &[
                ("Jalapeno", "42.000000000"),
                ("Apple", "40.000000000"),
                ("Cherry", "36.000000000"),
                ("Hazelnut", "35.000000000"),
                ("Date", "34.000000000"),
            ],
            &[("Eggplant", "32.000000000"), ("Grape", "28.000000000")],
        ),
    ];
    let e = stvrs_vegetables();
    for (marks, elected, defeated) in cases {
        // stv-rs breaks equal totals by candidate order: the lot in ballot order.
        let mut o = opts(9, &[0, 1, 2, 3, 4, 5, 6, 7, 8]);
        o.marks = Some(marks);
        o.arithmetic = Some(Arithmetic::Fixed(9));
        let r = methods::count(&e, Method::Block, &o).unwrap();
        let want: Vec<&str> = elected.iter().map(|x| x.0).collect();
        assert_eq!(r.elected, want, "marks {marks}");
        for (name, total) in elected.iter().chain(defeated) {
            assert_eq!(&r.stages[0].votes[*name], total, "marks {marks}: {name}");
        }
        assert_eq!(r.withdrawn, ["Banana", "Fig"]);
    }
    // Marks 5 = the seats: the default. The tie Eggplant/Grape at 28 for the last seat is
    // recorded as drawn by lot.
    let r = methods::count(&e, Method::Block, &{
        let mut o = opts(9, &[0, 1, 2, 3, 4, 5, 6, 7, 8]);
        o.arithmetic = Some(Arithmetic::Fixed(9));
        o
    })
    .unwrap();
    assert_eq!(r.options["marks"], "5");
    assert_eq!(r.stages[0].ties[0].tied, ["Eggplant", "Grape"]);
    assert_eq!(r.stages[0].ties[0].chosen, "Eggplant");
    // The other lot gives the seat to Grape.
    let mut o = opts(9, &[6, 4]);
    o.arithmetic = Some(Arithmetic::Fixed(9));
    let r = methods::count(&e, Method::Block, &o).unwrap();
    assert!(r.elected.contains(&"Grape".to_string()));
    assert!(!r.elected.contains(&"Eggplant".to_string()));
}

#[test]
fn block_weights_and_fewer_marks_than_seats() {
    // 3 seats, 2 marks. Card votes: weight 10 and 2.5.
    let e = election(
        &["A", "B", "C", "D"],
        3,
        &[
            ("10", vec![one(0), one(1), one(2)]),
            ("2.5", vec![one(3), one(2), one(0)]),
            ("4", vec![one(2)]),
        ],
    );
    let mut o = opts(4, &[]);
    o.marks = Some(2);
    let r = methods::count(&e, Method::Block, &o).unwrap();
    // A 10, B 10, C 2.5 + 4 = 6.5, D 2.5 — only the first two marks count.
    assert_eq!(
        votes(&r, 0),
        ["10.000000000", "10.000000000", "6.500000000", "2.500000000"]
    );
    assert_eq!(r.elected, ["A", "B", "C"]);
    assert_eq!(r.quota, None);
    // Whole weights without shared marks count in whole votes.
    let e = election(
        &["A", "B"],
        1,
        &[("3", vec![one(0), one(1)]), ("2", vec![one(1)])],
    );
    let r = methods::count(&e, Method::Block, &opts(2, &[])).unwrap();
    assert_eq!(r.arithmetic, "fixed-0");
    assert_eq!(votes(&r, 0), ["3", "2"]);
}

#[test]
fn block_exact_arithmetic_shares_marks_exactly() {
    let e = election(&["A", "B", "C"], 1, &[("1", vec![eq(&[0, 1, 2])])]);
    let mut o = opts(3, &[]);
    o.arithmetic = Some(Arithmetic::Exact);
    let r = methods::count(&e, Method::Block, &o).unwrap();
    assert_eq!(r.stages[0].votes["A"], "0.333333333333");
    let mut o = opts(3, &[]);
    o.marks = Some(0);
    assert!(methods::count(&e, Method::Block, &o).is_err());
}

// ---------------------------------------------------------------- IRV

#[test]
fn irv_majority_in_the_first_round() {
    let e = election(
        &["A", "B", "C"],
        1,
        &[
            ("6", vec![one(0)]),
            ("3", vec![one(1), one(0)]),
            ("2", vec![one(2)]),
        ],
    );
    let r = methods::count(&e, Method::Irv, &opts(3, &[])).unwrap();
    assert_eq!(r.elected, ["A"]);
    assert_eq!(r.stages.len(), 1);
    // 11 continuing votes: threshold ⌊11/2⌋ + 1 = 6.
    assert_eq!(r.quota.as_deref(), Some("6"));
    assert_eq!(r.stages[0].elected, ["A"]);
}

#[test]
fn irv_transfers_exhaustion_and_a_shrinking_threshold() {
    // A 5, B 4, C 3 (2 of them → B, 1 exhausted), D 1 (→ C).
    let e = election(
        &["A", "B", "C", "D"],
        1,
        &[
            ("5", vec![one(0)]),
            ("4", vec![one(1)]),
            ("2", vec![one(2), one(1)]),
            ("1", vec![one(2)]),
            ("1", vec![one(3), one(2)]),
        ],
    );
    let r = methods::count(&e, Method::Irv, &opts(4, &[])).unwrap();
    // Round 1: 13 votes, threshold 7; D out. Round 2: C 4; threshold 7; C out.
    // Round 3: A 5, B 6, exhausted 2: 11 continuing, threshold 6: B elected.
    assert_eq!(votes(&r, 0), ["5", "4", "3", "1"]);
    assert_eq!(votes(&r, 1), ["5", "4", "4", "0"]);
    assert_eq!(votes(&r, 2), ["5", "6", "0", "0"]);
    assert_eq!(r.stages[1].excluded, ["D"]);
    assert_eq!(r.stages[2].excluded, ["C"]);
    assert_eq!(r.stages[2].non_transferable, "2");
    assert_eq!(r.stages[2].quota.as_deref(), Some("6"));
    assert_eq!(r.elected, ["B"]);
}

#[test]
fn irv_ties_by_the_previous_round_then_by_lot() {
    // Round 1: A 4, B 3, C 3, D 2. D → B. Round 2: B 5 ... no tie; build one instead:
    // Round 1: A 5, B 2, C 3, D 1 (→ B). Round 2: B 3 = C 3: B was lower in round 1: B out.
    let e = election(
        &["A", "B", "C", "D"],
        1,
        &[
            ("5", vec![one(0)]),
            ("2", vec![one(1), one(0)]),
            ("3", vec![one(2)]),
            ("1", vec![one(3), one(1)]),
        ],
    );
    let r = methods::count(&e, Method::Irv, &opts(4, &[2, 1])).unwrap();
    assert_eq!(r.stages[2].excluded, ["B"]);
    assert_eq!(r.stages[2].ties[0].by, "prior_stage");
    assert_eq!(r.stages[2].ties[0].stage, Some(1));
    assert_eq!(r.elected, ["A"]);
    // Straight to the lot: the lot picks C (first in the lot) for exclusion.
    let mut o = opts(4, &[2, 1]);
    o.tie_policy = Some(TiePolicy::Lot);
    let r = methods::count(&e, Method::Irv, &o).unwrap();
    assert_eq!(r.stages[2].excluded, ["C"]);
    assert_eq!(r.stages[2].ties[0].by, "lot");
}

#[test]
fn irv_overvotes_and_skipped_ranks_follow_the_rules() {
    // A paper with A=B then C; one with a blank rank then C.
    let e = election(
        &["A", "B", "C"],
        1,
        &[
            ("1", vec![eq(&[0, 1]), one(2)]),
            ("1", vec![Rank::Skipped, Rank::Skipped, one(2)]),
            ("1", vec![one(0)]),
        ],
    );
    let o = opts(3, &[]);
    // Default: an overvote exhausts; blank ranks are passed over. C 1, A 1, B 0.
    let r = irv::count(&e, &IrvRules::default(), &o).unwrap();
    assert_eq!(votes(&r, 0), ["1", "0", "1"]);
    assert_eq!(r.stages[0].non_transferable, "1");
    // alwaysSkipToNextRank and at most one blank rank in a row: the overvote passes to C, the
    // paper with two blanks is exhausted.
    let rules = IrvRules {
        overvote: OvervoteRule::AlwaysSkipToNextRank,
        max_skipped_ranks: Some(1),
        ..IrvRules::default()
    };
    let r = irv::count(&e, &rules, &o).unwrap();
    assert_eq!(votes(&r, 0), ["1", "0", "1"]);
    assert!(r.stages[0].notes[0].contains("skipped rankings 1"));
    let rules = IrvRules {
        overvote: OvervoteRule::AlwaysSkipToNextRank,
        ..IrvRules::default()
    };
    let r = irv::count(&e, &rules, &o).unwrap();
    assert_eq!(votes(&r, 0), ["1", "0", "2"]);
    assert_eq!(r.elected, ["C"]);
}

#[test]
fn irv_batch_elimination_and_several_seats_refused() {
    // D 1, C 2 together 3 < B 4: both go at once.
    let e = election(
        &["A", "B", "C", "D"],
        1,
        &[
            ("5", vec![one(0)]),
            ("4", vec![one(1)]),
            ("2", vec![one(2), one(1)]),
            ("1", vec![one(3), one(1)]),
        ],
    );
    let rules = IrvRules {
        batch_elimination: true,
        ..IrvRules::default()
    };
    let r = irv::count(&e, &rules, &opts(4, &[])).unwrap();
    assert_eq!(r.stages[1].excluded, ["D", "C"]); // lowest first
    assert_eq!(votes(&r, 1), ["5", "7", "0", "0"]);
    assert_eq!(r.elected, ["B"]);
    let mut e2 = e.clone();
    e2.seats = 2;
    assert!(methods::count(&e2, Method::Irv, &opts(4, &[])).is_err());
}

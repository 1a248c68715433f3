//! Category constraints ("at least four women among the nine"): hand-worked counts under
//! every STV rule set and both strategies, block vote, and refusals of impossible rules.

use std::collections::BTreeMap;

use scrutin_core::constraints::{Constraints, Rule, Strategy};
use scrutin_core::methods::{self, CountOptions, Method};
use scrutin_core::report::{Action, Report};
use scrutin_core::{CountError, Election};

mod common;
use common::election;

/// Attributes from `(column, value)` pairs per candidate.
fn attrs(rows: &[&[(&str, &str)]]) -> Vec<BTreeMap<String, String>> {
    rows.iter()
        .map(|r| {
            r.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Genders from names: a name starting with `W` is a woman's.
fn genders(names: &[&str]) -> Vec<BTreeMap<String, String>> {
    names
        .iter()
        .map(|n| {
            let g = if n.starts_with('W') { "woman" } else { "man" };
            [("gender".to_string(), g.to_string())]
                .into_iter()
                .collect()
        })
        .collect()
}

fn rules(specs: &[(&str, bool)]) -> Vec<Rule> {
    specs
        .iter()
        .map(|(s, min)| Rule::parse(s, *min).unwrap())
        .collect()
}

fn count(
    e: &Election,
    method: Method,
    rules: Vec<Rule>,
    strategy: Strategy,
    attributes: Vec<BTreeMap<String, String>>,
) -> Result<Report, CountError> {
    let mut o = CountOptions::with_seed(e.candidates().len(), 0);
    if !rules.is_empty() {
        o.constraints = Some(Constraints {
            rules,
            strategy,
            attributes,
        });
    }
    methods::count(e, method, &o)
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v
}

/// Exact sum of decimal strings, in units of 10^-12.
fn units(s: &str) -> i128 {
    let (neg, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
    let (i, f) = s.split_once('.').unwrap_or((s, ""));
    let v =
        i.parse::<i128>().unwrap() * 10i128.pow(12) + format!("{f:0<12}").parse::<i128>().unwrap();
    if neg {
        -v
    } else {
        v
    }
}

/// Σ votes + non-transferable + loss = valid ballots at every stage.
fn conserved(r: &Report) {
    for s in &r.stages {
        let total: i128 = s.votes.values().map(|v| units(v)).sum::<i128>()
            + units(&s.non_transferable)
            + units(&s.loss_to_truncation);
        assert_eq!(total, units(&r.valid_ballots), "stage {}", s.number);
    }
}

// The nine-seat case, worked by hand (Scottish STV, 2007 Order Sch. 1):
//
//   men:   M1 90, M2 88, M3 86, M4 84, M5 82, M6 60, M7 40 (30 of them M7 > M6, 10 M7 only)
//   women: W1 85, W2 78, W3 70, W4 52, W5 48, W6 36, W7 34 (24 of them W7 > W4, 10 W7 only)
//
// Every other paper gives one preference. 933 valid papers, 9 seats: quota ⌊933/10⌋ + 1 = 94;
// nobody reaches it, so the count is a run of exclusions (rule 50) until as many candidates
// are left as seats (rule 52(1)).
//
// Without constraints:
//   stage 2: W7 (34) out: 24 to W4 (52 → 76), 10 non-transferable
//   stage 3: W6 (36) out: 36 non-transferable
//   stage 4: M7 (40) out: 30 to M6 (60 → 90), 10 non-transferable
//   stage 5: W5 (48) out: 48 non-transferable
//   stage 6: W3 (70) out, the lowest of the ten left: 70 non-transferable (174 in all)
//   nine left: M1 90, M6 90, M2 88, M3 86, M4 84, M5 82, W1 85, W2 78, W4 76 — six men and
//   three women.
//
// With at least four women (guard-doom): stages 2-5 as above (seven women stand, then six,
// then five: excluding one still leaves four for the four places). After stage 5 four women
// are left (W1, W2, W3, W4) for four women's places: all four are guarded. Stage 6 excludes
// the lowest candidate who is not guarded: M5 (82), not W3 (70); 82 non-transferable (186 in
// all). Nine left, elected under rule 52(1): M1, M6, M2, M3, M4, W1, W2, W4, W3 — five men and
// four women. Nobody is doomed: men never take five seats before the end.
const NINE: [&str; 14] = [
    "M1", "M2", "M3", "M4", "M5", "M6", "M7", "W1", "W2", "W3", "W4", "W5", "W6", "W7",
];

fn nine() -> Election {
    election(
        &NINE,
        9,
        &[
            (90, &[0]),
            (88, &[1]),
            (86, &[2]),
            (84, &[3]),
            (82, &[4]),
            (60, &[5]),
            (30, &[6, 5]),
            (10, &[6]),
            (85, &[7]),
            (78, &[8]),
            (70, &[9]),
            (52, &[10]),
            (48, &[11]),
            (36, &[12]),
            (24, &[13, 10]),
            (10, &[13]),
        ],
    )
}

fn names(v: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

const PLAIN: [&str; 9] = ["M1", "M2", "M3", "M4", "M5", "M6", "W1", "W2", "W4"];
const FOUR_WOMEN: [&str; 9] = ["M1", "M2", "M3", "M4", "M6", "W1", "W2", "W3", "W4"];

#[test]
fn nine_seats_four_women_scottish_stv_by_hand() {
    let e = nine();
    let plain = count(&e, Method::ScottishStv, vec![], Strategy::GuardDoom, vec![]).unwrap();
    assert_eq!(plain.quota.as_deref(), Some("94.00000"));
    assert_eq!(sorted(&plain.elected), names(&PLAIN));
    let out: Vec<&str> = plain.stages[1..]
        .iter()
        .map(|s| s.candidate.as_deref().unwrap())
        .collect();
    assert_eq!(out, ["W7", "W6", "M7", "W5", "W3"]);
    assert_eq!(plain.stages[5].non_transferable, "174.00000");
    assert!(plain.constraints.is_none());

    let r = count(
        &e,
        Method::ScottishStv,
        rules(&[("gender=woman:4", true)]),
        Strategy::GuardDoom,
        genders(&NINE),
    )
    .unwrap();
    assert_eq!(sorted(&r.elected), names(&FOUR_WOMEN));
    let out: Vec<&str> = r.stages[1..]
        .iter()
        .map(|s| s.candidate.as_deref().unwrap())
        .collect();
    assert_eq!(out, ["W7", "W6", "M7", "W5", "M5"]);
    assert_eq!(r.stages[1].votes["W4"], "76.00000");
    assert_eq!(r.stages[3].votes["M6"], "90.00000");
    assert_eq!(r.stages[5].action, Action::Exclusion);
    assert_eq!(r.stages[5].non_transferable, "186.00000");
    // The four women are guarded at stage 5, when W5 goes.
    let guarded: Vec<(&str, &str, &str)> = r.stages[4]
        .constraint_actions
        .iter()
        .map(|a| {
            (
                a.candidate.as_str(),
                a.action.as_str(),
                a.constraint.as_str(),
            )
        })
        .collect();
    assert_eq!(
        guarded,
        [
            ("W1", "guarded", "gender=woman min 4"),
            ("W2", "guarded", "gender=woman min 4"),
            ("W3", "guarded", "gender=woman min 4"),
            ("W4", "guarded", "gender=woman min 4"),
        ]
    );
    assert!(r
        .stages
        .iter()
        .enumerate()
        .all(|(i, s)| i == 4 || s.constraint_actions.is_empty()));
    let c = r.constraints.as_ref().unwrap();
    assert_eq!(c.rules, ["gender=woman min 4"]);
    assert_eq!(c.strategy, "guard-doom");
    assert_eq!(c.seats["gender=woman"], 4);
    conserved(&r);
}

#[test]
fn the_strategies_agree_on_one_rule_and_a_maximum_for_men_is_the_same_rule() {
    // With one rule the two strategies guard and exclude the same candidates; "at most five
    // men" leaves at least four seats to women, so it binds exactly as "at least four women".
    let e = nine();
    for strategy in Strategy::ALL {
        for spec in [("gender=woman:4", true), ("gender=man:5", false)] {
            let r = count(
                &e,
                Method::ScottishStv,
                rules(&[spec]),
                strategy,
                genders(&NINE),
            )
            .unwrap();
            assert_eq!(
                sorted(&r.elected),
                names(&FOUR_WOMEN),
                "{spec:?} {strategy:?}"
            );
            assert!(r
                .stages
                .iter()
                .all(|s| s.notes.iter().all(|n| !n.contains("not met"))));
        }
    }
}

#[test]
fn every_stv_rule_set_and_strategy_meets_the_minimum() {
    // WIGM, ERS97 and Meek go through the same exclusions (ERS97 elects M1 early on the
    // total active vote, 5.1.7(b), which changes nothing here): without the rule each elects
    // three women, with it four, in place of M5.
    let e = nine();
    for method in [
        Method::ScottishStv,
        Method::Wigm,
        Method::Ers97,
        Method::Meek,
    ] {
        let plain = count(&e, method, vec![], Strategy::GuardDoom, vec![]).unwrap();
        assert_eq!(sorted(&plain.elected), names(&PLAIN), "{method:?}");
        for strategy in Strategy::ALL {
            let r = count(
                &e,
                method,
                rules(&[("gender=woman:4", true)]),
                strategy,
                genders(&NINE),
            )
            .unwrap();
            assert_eq!(
                sorted(&r.elected),
                names(&FOUR_WOMEN),
                "{method:?} {strategy:?}"
            );
            let c = r.constraints.as_ref().unwrap();
            assert_eq!(c.strategy, strategy.name());
            assert_eq!(c.seats["gender=woman"], 4);
            assert!(r
                .stages
                .iter()
                .flat_map(|s| &s.constraint_actions)
                .any(|a| a.candidate == "W3" && a.action == "guarded"));
            conserved(&r);
        }
    }
}

#[test]
fn a_minimum_already_met_changes_nothing() {
    // Three women are elected anyway: "at least three" changes no stage.
    let e = nine();
    for method in [
        Method::ScottishStv,
        Method::Wigm,
        Method::Ers97,
        Method::Meek,
        Method::Block,
    ] {
        let plain = count(&e, method, vec![], Strategy::GuardDoom, vec![]).unwrap();
        for strategy in Strategy::ALL {
            let r = count(
                &e,
                method,
                rules(&[("gender=woman:3", true), ("gender=man:7", false)]),
                strategy,
                genders(&NINE),
            )
            .unwrap();
            assert_eq!(r.elected, plain.elected, "{method:?}");
            assert_eq!(r.stages.len(), plain.stages.len());
            for (a, b) in r.stages.iter().zip(&plain.stages) {
                assert_eq!(a.votes, b.votes);
                assert_eq!(a.excluded, b.excluded);
            }
            assert_eq!(r.constraints.as_ref().unwrap().seats["gender=woman"], 3);
        }
    }
}

// Labour's PLP section: three seats, at least one woman. Ballots: 150 M1 > M2, 110 M2 > M3,
// 90 M3, 40 W1, 20 W2 > W1; 410 papers, quota ⌊410/4⌋ + 1 = 103 (Scottish STV).
//
// Without the rule: stage 1 elects M1 (150) and M2 (110). Stage 2: M1's surplus 47 (all of
// M1's papers go next to M2, elected: non-transferable). Stage 3: M2's surplus 7, 110 papers
// at 7 × 1 ÷ 110 = 0.06363 each to M3: +6.99930, M3 96.99930. Stage 4: W2 (20) out, to W1
// (60). Stage 5: one seat, M3 and W1 left: W1 (60) out, M3 deemed elected. Three men.
//
// With it: after stage 1 two men hold two of the three seats, so the third must be a woman:
// M3 is doomed, and stage 2 excludes him before any surplus moves (90 papers,
// non-transferable). Stage 3: M1's surplus 47, non-transferable. Stage 4: M2's surplus 7:
// 110 papers whose next preference, M3, is out: non-transferable. Stage 5: W2 (20) out, to W1
// (60); one seat, one candidate left: W1 deemed elected (rule 52(1)).
fn plp() -> Election {
    election(
        &["M1", "M2", "M3", "W1", "W2"],
        3,
        &[
            (150, &[0, 1]),
            (110, &[1, 2]),
            (90, &[2]),
            (40, &[3]),
            (20, &[4, 3]),
        ],
    )
}

#[test]
fn plp_three_seats_one_woman_dooms_the_third_man() {
    let e = plp();
    let g = genders(&["M1", "M2", "M3", "W1", "W2"]);
    let plain = count(&e, Method::ScottishStv, vec![], Strategy::GuardDoom, vec![]).unwrap();
    assert_eq!(plain.elected, ["M1", "M2", "M3"]);
    assert_eq!(plain.stages[2].votes["M3"], "96.99930");

    let r = count(
        &e,
        Method::ScottishStv,
        rules(&[("gender=woman:1", true)]),
        Strategy::GuardDoom,
        g.clone(),
    )
    .unwrap();
    assert_eq!(r.elected, ["M1", "M2", "W1"]);
    let a = &r.stages[0].constraint_actions;
    assert_eq!(a.len(), 1);
    assert_eq!(
        (a[0].candidate.as_str(), a[0].action.as_str()),
        ("M3", "doomed")
    );
    let s2 = &r.stages[1];
    assert_eq!(
        (s2.action, s2.candidate.as_deref()),
        (Action::Exclusion, Some("M3"))
    );
    assert_eq!(s2.non_transferable, "90.00000");
    assert_eq!(s2.constraint_actions[0].action, "excluded");
    assert_eq!(s2.constraint_actions[0].constraint, "gender=woman min 1");
    assert_eq!(r.stages[2].candidate.as_deref(), Some("M1"));
    assert_eq!(r.stages[3].candidate.as_deref(), Some("M2"));
    assert_eq!(r.stages[4].votes["W1"], "60.00000");
    conserved(&r);

    for method in [Method::Wigm, Method::Ers97, Method::Meek] {
        for strategy in Strategy::ALL {
            let r = count(
                &e,
                method,
                rules(&[("gender=woman:1", true)]),
                strategy,
                g.clone(),
            )
            .unwrap();
            assert_eq!(sorted(&r.elected), ["M1", "M2", "W1"], "{method:?}");
            conserved(&r);
        }
    }
}

// Two men cross the quota together when only one more man may be elected. Ballots: 100
// M1 > M2, 100 M1 > M3, 80 M2, 80 M3, 60 W1, 30 W2 > W1; 450 papers, 3 seats, quota 113.
// Stage 1: M1 (200) elected. Stage 2: M1's surplus 87, each paper 87 ÷ 200 = 0.435: M2 and
// M3 both 80 + 43.5 = 123.5. M2 is elected first (equal votes: ballot order, rule 47); then a
// third man would leave no seat for a woman, so M3 is not elected but doomed, and stage 3
// excludes him. Stage 4: M2's surplus (non-transferable). Stage 5: W2 out, to W1 (90);
// W1 deemed elected.
#[test]
fn an_election_that_would_break_the_rule_is_not_made() {
    let e = election(
        &["M1", "M2", "M3", "W1", "W2"],
        3,
        &[
            (100, &[0, 1]),
            (100, &[0, 2]),
            (80, &[1]),
            (80, &[2]),
            (60, &[3]),
            (30, &[4, 3]),
        ],
    );
    let g = genders(&["M1", "M2", "M3", "W1", "W2"]);
    let plain = count(&e, Method::ScottishStv, vec![], Strategy::GuardDoom, vec![]).unwrap();
    assert_eq!(plain.elected, ["M1", "M2", "M3"]);
    for strategy in Strategy::ALL {
        let r = count(
            &e,
            Method::ScottishStv,
            rules(&[("gender=woman:1", true)]),
            strategy,
            g.clone(),
        )
        .unwrap();
        assert_eq!(r.elected, ["M1", "M2", "W1"]);
        let s2 = &r.stages[1];
        assert_eq!(s2.votes["M3"], "123.50000");
        assert_eq!(s2.elected, ["M2"]);
        assert!(s2
            .constraint_actions
            .iter()
            .any(|a| a.candidate == "M3" && a.action == "doomed"));
        assert_eq!(r.stages[2].candidate.as_deref(), Some("M3"));
        assert_eq!(r.stages[2].excluded, ["M3"]);
        conserved(&r);
    }
    for method in [Method::Wigm, Method::Ers97, Method::Meek] {
        let r = count(
            &e,
            method,
            rules(&[("gender=woman:1", true)]),
            Strategy::GuardDoom,
            g.clone(),
        )
        .unwrap();
        assert_eq!(sorted(&r.elected), ["M1", "M2", "W1"], "{method:?}");
    }
}

#[test]
fn a_maximum_per_region_and_a_minimum_of_women_together() {
    // The nine-seat case with London = M1, M2, W1, W2, at least four women and at most two
    // Londoners. The rules interact: a London woman counts for both. After stage 4 (M7 out)
    // seven non-Londoners are left (M3-M6, W3-W5) for the seven seats London cannot have:
    // all are guarded (Scottish STV, WIGM). Under ERS97, M1 is elected at stage 3 on the
    // total active vote (5.1.7(b)); a second London man would then leave only W3, W4, W5 for
    // four women's places, so guard-doom dooms M2 although neither rule alone does ("gender
    // min 4; region max 2" together), and meets both rules under every rule set. The exclude
    // strategy looks at each rule alone: under ERS97 and Meek it lets M2 in, then must
    // exclude the London women, and the minimum of women is not met (the report says so).
    let e = nine();
    let london = ["M1", "M2", "W1", "W2"];
    let a: Vec<BTreeMap<String, String>> = genders(&NINE)
        .into_iter()
        .zip(NINE)
        .map(|(mut m, n)| {
            let region = if london.contains(&n) {
                "london"
            } else {
                "north"
            };
            m.insert("region".to_string(), region.to_string());
            m
        })
        .collect();
    let both = || rules(&[("gender=woman:4", true), ("region=london:2", false)]);
    for method in [
        Method::ScottishStv,
        Method::Wigm,
        Method::Ers97,
        Method::Meek,
    ] {
        let r = count(&e, method, both(), Strategy::GuardDoom, a.clone()).unwrap();
        assert_eq!(r.elected.len(), 9);
        let c = r.constraints.as_ref().unwrap();
        assert_eq!(c.seats["gender=woman"], 4, "{method:?} {:?}", r.elected);
        assert_eq!(c.seats["region=london"], 2, "{method:?} {:?}", r.elected);
        conserved(&r);
    }
    let ers = count(&e, Method::Ers97, both(), Strategy::GuardDoom, a.clone()).unwrap();
    let m2: Vec<(&str, &str)> = ers
        .stages
        .iter()
        .flat_map(|s| &s.constraint_actions)
        .filter(|x| x.candidate == "M2")
        .map(|x| (x.action.as_str(), x.constraint.as_str()))
        .collect();
    assert_eq!(
        m2,
        [
            ("doomed", "gender=woman min 4; region=london max 2"),
            ("excluded", "gender=woman min 4; region=london max 2")
        ]
    );
    for method in [Method::Ers97, Method::Meek] {
        let r = count(&e, method, both(), Strategy::Exclude, a.clone()).unwrap();
        let c = r.constraints.as_ref().unwrap();
        assert_eq!(c.seats["gender=woman"], 3, "{method:?}");
        assert!(r.elected.contains(&"M2".to_string()));
        let last = r.stages.last().unwrap();
        assert!(last
            .notes
            .iter()
            .any(|n| n == "constraint gender=woman min 4 not met: 3 elected with gender=woman"));
    }
}

#[test]
fn block_vote_replaces_the_lowest_men_by_the_best_women() {
    // Block vote, nine marks: every preference is a mark, so W4 has 52 + 24 = 76 and M6
    // 60 + 30 = 90. Placed: M1 90, M6 90, M2 88, M3 86, W1 85, M4 84, M5 82, W2 78, W4 76 |
    // W3 70, W5 48, M7 40, W6 36, W7 34. Six men and three women; with at least four women,
    // the lowest-placed man elected (M5, 7th) gives way to the best-placed woman not elected
    // (W3, 10th). "At most five men" does the same.
    let e = nine();
    for spec in [("gender=woman:4", true), ("gender=man:5", false)] {
        let r = count(
            &e,
            Method::Block,
            rules(&[spec]),
            Strategy::GuardDoom,
            genders(&NINE),
        )
        .unwrap();
        assert_eq!(sorted(&r.elected), names(&FOUR_WOMEN));
        let s = &r.stages[0];
        let acts: Vec<(&str, &str)> = s
            .constraint_actions
            .iter()
            .map(|a| (a.candidate.as_str(), a.action.as_str()))
            .collect();
        assert_eq!(acts, [("M5", "replaced"), ("W3", "elected")]);
        assert!(s.excluded.contains(&"M5".to_string()));
        assert!(s
            .notes
            .iter()
            .any(|n| n.contains("W3 (placed 10) takes the seat of M5 (placed 7)")));
        let group = spec.0.split(':').next().unwrap();
        let want = if spec.1 { 4 } else { 5 };
        assert_eq!(r.constraints.as_ref().unwrap().seats[group], want);
        assert_eq!(r.constraints.as_ref().unwrap().strategy, "replace");
    }
}

#[test]
fn block_vote_region_maximum() {
    // At most one Londoner of the nine: the London men M2 (3rd) and M1 or M6 (tied on 90,
    // the lot orders them) are over; the lowest-placed Londoners give way to the best-placed
    // others not elected: W3 (10th), then W5 (11th).
    let e = nine();
    let a: Vec<BTreeMap<String, String>> = NINE
        .iter()
        .map(|n| {
            let r = if ["M1", "M2", "M3"].contains(n) {
                "london"
            } else {
                "north"
            };
            [("region".to_string(), r.to_string())]
                .into_iter()
                .collect()
        })
        .collect();
    let r = count(
        &e,
        Method::Block,
        rules(&[("region=london:1", false)]),
        Strategy::GuardDoom,
        a,
    )
    .unwrap();
    let london = r
        .elected
        .iter()
        .filter(|n| ["M1", "M2", "M3"].contains(&n.as_str()));
    assert_eq!(london.collect::<Vec<_>>(), ["M1"]);
    assert!(r.elected.contains(&"W3".to_string()) && r.elected.contains(&"W5".to_string()));
    let replaced: Vec<&str> = r.stages[0]
        .constraint_actions
        .iter()
        .filter(|a| a.action == "replaced")
        .map(|a| a.candidate.as_str())
        .collect();
    assert_eq!(replaced, ["M3", "M2"]);
}

#[test]
fn impossible_rules_are_refused_before_counting() {
    let e = nine();
    let refuse = |specs: &[(&str, bool)], want: &str| {
        for method in [Method::ScottishStv, Method::Meek, Method::Block] {
            match count(
                &e,
                method,
                rules(specs),
                Strategy::GuardDoom,
                genders(&NINE),
            ) {
                Err(CountError::Invalid(m)) => assert!(m.contains(want), "{m}"),
                other => panic!("{specs:?}: expected a refusal, got {other:?}"),
            }
        }
    };
    refuse(
        &[("gender=woman:8", true)],
        "gender=woman min 8, but only 7 candidate(s) with gender=woman stand (W1, W2, W3, W4, W5, W6, W7)",
    );
    refuse(
        &[("gender=woman:5", true), ("gender=man:5", true)],
        "the minimums for gender (gender=woman min 5, gender=man min 5) add up to 10, more than the 9 seat(s)",
    );
    refuse(
        &[("gender=woman:4", true), ("gender=woman:3", false)],
        "gender=woman min 4 is above gender=woman max 3",
    );
    refuse(&[("gender=woman:10", true)], "but there are only 9 seat(s)");
    refuse(
        &[("gender=man:2", false), ("gender=woman:6", false)],
        "no choice of 9 candidate(s) meets all of",
    );
    refuse(
        &[("region=london:2", false)],
        "no candidate has an attribute \"region\" (known: gender)",
    );
    let irv = count(
        &e,
        Method::Irv,
        rules(&[("gender=woman:1", true)]),
        Strategy::GuardDoom,
        genders(&NINE),
    );
    assert!(matches!(irv, Err(CountError::Invalid(m)) if m.contains("irv elects one")));
}

#[test]
fn attributes_match_without_case_or_spaces() {
    let e = nine();
    let a = attrs(
        &NINE
            .iter()
            .map(|n| -> &[(&str, &str)] {
                if n.starts_with('W') {
                    &[("gender", " Woman ")]
                } else {
                    &[("gender", "MAN")]
                }
            })
            .collect::<Vec<_>>(),
    );
    let r = count(
        &e,
        Method::ScottishStv,
        rules(&[("gender=woman:4", true)]),
        Strategy::GuardDoom,
        a,
    )
    .unwrap();
    assert_eq!(sorted(&r.elected), names(&FOUR_WOMEN));
}

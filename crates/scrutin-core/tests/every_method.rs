//! Every rule set, on arbitrary profiles (equal rankings, skipped ranks, decimal weights,
//! withdrawn candidates, any seats): never a panic; at most `seats` elected, each once;
//! the same report twice.

use proptest::prelude::*;
use scrutin_core::methods::{count, Arithmetic, CountOptions, Method};
use scrutin_core::{Candidate, CandidateId, Election, ProfileBuilder, Rank, Weight};

fn rank_strategy(n: u32) -> impl Strategy<Value = Vec<Rank>> {
    proptest::collection::vec(
        prop_oneof![
            6 => (0..n).prop_map(|c| Rank::One(CandidateId(c))),
            1 => proptest::collection::vec(0..n, 2..4).prop_map(|v| Rank::Equal(v.into_iter().map(CandidateId).collect())),
            1 => Just(Rank::Skipped),
        ],
        0..8,
    )
}

fn build(n: u32, ballots: &[(u64, Vec<Rank>)]) -> ProfileBuilder {
    let cands = (0..n)
        .map(|i| Candidate {
            name: format!("C{i}"),
        })
        .collect();
    let mut b = ProfileBuilder::new(cands).unwrap();
    for (w, ranks) in ballots {
        // Keep only ballots that name each candidate once (the model refuses the rest).
        let _ = b.push(Weight::from_micro(*w), ranks);
    }
    b
}

proptest! {
    // 24 cases by default (each counts every rule set twice); PROPTEST_CASES=… for more.
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(24), ..ProptestConfig::default() })]
    #[test]
    fn every_method_counts_any_profile_without_panicking(
        n in 1u32..8,
        seats in 0u32..5,
        ballots in proptest::collection::vec((1u64..5_000_000, rank_strategy(8)), 0..30),
        fractional in any::<bool>(),
        withdraw in proptest::option::of(0u32..8),
        seed in any::<u64>(),
        arith in 0usize..3,
    ) {
        // Whole weights in half the cases (rule sets that count papers refuse fractions).
        let ballots: Vec<(u64, Vec<Rank>)> = ballots
            .into_iter()
            .map(|(w, r)| (if fractional { w } else { (w / 1_000_000 + 1) * 1_000_000 }, r))
            .collect();
        let profile = build(n, &ballots).build();
        let withdrawn = withdraw.filter(|&w| w < n).map(CandidateId).into_iter().collect();
        let e = Election { title: "p".into(), seats, profile, withdrawn };
        for &m in Method::ALL {
            let mut o = CountOptions::with_seed(n as usize, seed);
            o.arithmetic = [None, Some(Arithmetic::Exact), Some(Arithmetic::Fixed(9))][arith];
            // A rule set that fixes its arithmetic refuses another: count it in its own.
            if matches!(count(&e, m, &o), Err(scrutin_core::CountError::Invalid(ref s)) if s.contains("arithmetic")) {
                o.arithmetic = None;
            }
            let first = count(&e, m, &o);
            if let Ok(r) = &first {
                prop_assert!(r.elected.len() <= seats as usize, "{}: {} elected for {} seats", m.name(), r.elected.len(), seats);
                let mut names = r.elected.clone();
                names.sort();
                names.dedup();
                prop_assert_eq!(names.len(), r.elected.len(), "{}: someone elected twice", m.name());
            }
            prop_assert_eq!(format!("{first:?}"), format!("{:?}", count(&e, m, &o)), "{} is not deterministic", m.name());
        }
    }
}

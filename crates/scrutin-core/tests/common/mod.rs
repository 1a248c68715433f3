//! What the core's tests share.

use scrutin_core::{Candidate, CandidateId, Election, ProfileBuilder, Rank, Weight};

/// An election of `names` for `seats`, from `(papers, preferences)` pairs (0-based candidate
/// numbers, one candidate per rank).
pub fn election(names: &[&str], seats: u32, ballots: &[(u64, &[u32])]) -> Election {
    let cands = names
        .iter()
        .map(|n| Candidate {
            name: n.to_string(),
        })
        .collect();
    let mut b = ProfileBuilder::new(cands).unwrap();
    for (w, prefs) in ballots {
        let ranks: Vec<Rank> = prefs.iter().map(|&p| Rank::One(CandidateId(p))).collect();
        b.push(Weight::from_int(*w).unwrap(), &ranks).unwrap();
    }
    Election {
        title: "test".into(),
        seats,
        profile: b.build(),
        withdrawn: vec![],
    }
}

//! Breaking ties: by earlier stages, then by lot.
//!
//! The Scottish rules (2007 Order Sch. 1 r. 49(2)–(3) and r. 51(2)) break a tie by "the most
//! recent preceding stage at which they had unequal numbers of votes", and failing that by lot.
//! With three or more tied candidates the words admit more than one reading, so the reading is
//! a named option ([`PriorStageReading`]); every reading is recorded in the report.
//!
//! A lot is drawn once, before counting, as a random order of all candidates from a seeded
//! ChaCha20 stream ([`LotOrder::from_seed`]), or is given explicitly (a returning officer's
//! physical draw, or a BLT `[tie …]` line). When a lot is needed, the tied candidate who comes
//! first in that order is the one the lot picks: for an exclusion, the one excluded; for a
//! surplus, the one whose surplus goes first. The order and the seed are in the report, so
//! anyone can check the draw.

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Serialize};

use crate::arith::Number;
use crate::model::CandidateId;

/// How to read "the most recent preceding stage at which they had unequal numbers of votes"
/// when three or more candidates are tied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PriorStageReading {
    /// (Default.) Go back to the most recent stage at which the tied candidates did not all
    /// have the same votes; keep those who were lowest (for an exclusion) or highest (for a
    /// surplus) there; if more than one is kept, apply the rule again to them from the stage
    /// before. Each step uses the statute's test on a smaller set of tied candidates, and a
    /// candidate who was ahead at the most recent differing stage is never excluded.
    #[default]
    Narrowing,
    /// The most recent stage at which one candidate alone was lowest (highest) among all the
    /// tied candidates. This is what Droop 0.11 does.
    UniqueExtreme,
    /// The most recent stage at which every tied candidate had a different number of votes
    /// ("unequal" read as pairwise unequal); if there is none, lot.
    AllDistinct,
}

impl PriorStageReading {
    pub const ALL: [PriorStageReading; 3] =
        [Self::Narrowing, Self::UniqueExtreme, Self::AllDistinct];
    pub fn name(self) -> &'static str {
        match self {
            Self::Narrowing => "narrowing",
            Self::UniqueExtreme => "unique-extreme",
            Self::AllDistinct => "all-distinct",
        }
    }
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.name() == s)
    }

    /// As [`Self::from_name`], with the message a script or a constitution file shows.
    pub fn parse(s: &str) -> Result<Self, String> {
        Self::from_name(s).ok_or_else(|| {
            format!("unknown tie reading {s:?}; known: narrowing, unique-extreme, all-distinct")
        })
    }
}

/// Which earlier stages break a tie before the lot is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TiePolicy {
    /// (Default.) The most recent preceding stage at which the tied candidates differed
    /// (Scottish rules 49(2), 51(2); Meek/NZ rules), read as [`PriorStageReading`] says; then lot.
    #[default]
    Backward,
    /// The earliest stage at which they differed (ERS97 5.2.5, 5.6.2); then lot.
    Forward,
    /// Straight to the lot.
    Lot,
}

impl TiePolicy {
    pub const ALL: [TiePolicy; 3] = [Self::Backward, Self::Forward, Self::Lot];
    pub fn name(self) -> &'static str {
        match self {
            Self::Backward => "backward",
            Self::Forward => "forward",
            Self::Lot => "lot",
        }
    }
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.name() == s)
    }

    /// As [`Self::from_name`], with the message a script or a constitution file shows.
    pub fn parse(s: &str) -> Result<Self, String> {
        Self::from_name(s)
            .ok_or_else(|| format!("unknown tie-break {s:?}; known: backward, forward, lot"))
    }
}

/// Breaks a tie under `policy`: [`break_tie`] for `Backward`; for `Forward` the earliest
/// stage at which the tied candidates did not all have the same votes, keeping the extreme
/// ones and going on forward among them; for `Lot` the lot alone.
pub fn break_tie_by<N: Number>(
    policy: TiePolicy,
    tied: &[CandidateId],
    history: &[Vec<N>],
    want: Want,
    reading: PriorStageReading,
    lot: &LotOrder,
) -> (CandidateId, Resolution) {
    match policy {
        TiePolicy::Backward => break_tie(tied, history, want, reading, lot),
        TiePolicy::Lot => (lot.pick(tied), Resolution::Lot),
        TiePolicy::Forward => {
            let mut set = tied.to_vec();
            for (s, stage) in history.iter().enumerate() {
                let first = &stage[set[0].index()];
                if set.iter().all(|c| &stage[c.index()] == first) {
                    continue;
                }
                let vals = set.iter().map(|c| &stage[c.index()]);
                let best = match want {
                    Want::Lowest => vals.min(),
                    Want::Highest => vals.max(),
                }
                .expect("non-empty")
                .clone();
                set.retain(|c| stage[c.index()] == best);
                if set.len() == 1 {
                    return (set[0], Resolution::PriorStage(s as u32 + 1));
                }
            }
            (lot.pick(&set), Resolution::Lot)
        }
    }
}

/// Which end of the tie is wanted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    /// The lowest (an exclusion).
    Lowest,
    /// The highest (which surplus goes first).
    Highest,
}

/// A random or given order of all candidates, used when a tie cannot be broken otherwise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LotOrder {
    /// Candidates in draw order: earlier is picked first.
    pub order: Vec<CandidateId>,
    /// The seed it was drawn from, if drawn.
    pub seed: Option<u64>,
}

impl LotOrder {
    /// A uniformly random order of `n` candidates from ChaCha20 seeded with `seed`
    /// (the 64-bit seed in little-endian in the first 8 bytes of the 32-byte key, rest zero).
    /// Fisher–Yates, drawing each index from the raw u32 stream by rejection, so the order
    /// depends only on the seed and on ChaCha20, never on a library's sampling algorithm.
    pub fn from_seed(n: usize, seed: u64) -> Self {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        let mut rng = ChaCha20Rng::from_seed(key);
        let mut order: Vec<CandidateId> = (0..n as u32).map(CandidateId).collect();
        for i in (1..n).rev() {
            let bound = (i + 1) as u32;
            let zone = u32::MAX - (u32::MAX % bound);
            let j = loop {
                let x = rng.next_u32();
                if x < zone {
                    break (x % bound) as usize;
                }
            };
            order.swap(i, j);
        }
        LotOrder {
            order,
            seed: Some(seed),
        }
    }

    /// An order given explicitly; candidates not listed follow in ballot order.
    pub fn given(listed: &[CandidateId], n: usize) -> Self {
        let mut order: Vec<CandidateId> = Vec::with_capacity(n);
        for &c in listed {
            if c.index() < n && !order.contains(&c) {
                order.push(c);
            }
        }
        for c in (0..n as u32).map(CandidateId) {
            if !order.contains(&c) {
                order.push(c);
            }
        }
        LotOrder { order, seed: None }
    }

    /// The candidate among `tied` who comes first in the draw.
    pub fn pick(&self, tied: &[CandidateId]) -> CandidateId {
        *self
            .order
            .iter()
            .find(|c| tied.contains(c))
            .or(tied.first())
            .expect("pick from an empty tie")
    }
}

/// How a tie was broken, for the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// By the votes at this earlier stage (1-based stage number).
    PriorStage(u32),
    /// By lot.
    Lot,
}

/// Breaks a tie among `tied` (two or more) by earlier stages and then by lot.
///
/// `history[s][c]` is candidate `c`'s votes at the end of stage `s + 1`; the search runs from
/// the last entry backwards, so pass only the stages that precede the tie.
pub fn break_tie<N: Number>(
    tied: &[CandidateId],
    history: &[Vec<N>],
    want: Want,
    reading: PriorStageReading,
    lot: &LotOrder,
) -> (CandidateId, Resolution) {
    debug_assert!(tied.len() >= 2);
    let extreme = |set: &[CandidateId], stage: &[N]| -> Vec<CandidateId> {
        let vals = set.iter().map(|c| &stage[c.index()]);
        let best = match want {
            Want::Lowest => vals.min(),
            Want::Highest => vals.max(),
        }
        .expect("non-empty");
        set.iter()
            .copied()
            .filter(|c| &stage[c.index()] == best)
            .collect()
    };
    match reading {
        PriorStageReading::Narrowing => {
            let mut set = tied.to_vec();
            for (s, stage) in history.iter().enumerate().rev() {
                let first = &stage[set[0].index()];
                if set.iter().all(|c| &stage[c.index()] == first) {
                    continue;
                }
                set = extreme(&set, stage);
                if set.len() == 1 {
                    return (set[0], Resolution::PriorStage(s as u32 + 1));
                }
            }
            (lot.pick(&set), Resolution::Lot)
        }
        PriorStageReading::UniqueExtreme => {
            for (s, stage) in history.iter().enumerate().rev() {
                let ext = extreme(tied, stage);
                if ext.len() == 1 {
                    return (ext[0], Resolution::PriorStage(s as u32 + 1));
                }
            }
            (lot.pick(tied), Resolution::Lot)
        }
        PriorStageReading::AllDistinct => {
            for (s, stage) in history.iter().enumerate().rev() {
                let mut vals: Vec<&N> = tied.iter().map(|c| &stage[c.index()]).collect();
                vals.sort();
                if vals.windows(2).all(|w| w[0] != w[1]) {
                    let ext = extreme(tied, stage);
                    return (ext[0], Resolution::PriorStage(s as u32 + 1));
                }
            }
            (lot.pick(tied), Resolution::Lot)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arith::Fixed;
    type F = Fixed<5>;

    fn h(rows: &[&[i64]]) -> Vec<Vec<F>> {
        rows.iter()
            .map(|r| r.iter().map(|&v| F::from_int(v)).collect())
            .collect()
    }
    const A: CandidateId = CandidateId(0);
    const B: CandidateId = CandidateId(1);
    const C: CandidateId = CandidateId(2);

    #[test]
    fn lot_order_is_a_stable_permutation_of_the_seed() {
        let a = LotOrder::from_seed(10, 42);
        let b = LotOrder::from_seed(10, 42);
        assert_eq!(a, b);
        let mut sorted = a.order.clone();
        sorted.sort();
        assert_eq!(sorted, (0..10).map(CandidateId).collect::<Vec<_>>());
        // Golden: ChaCha20's stream is fixed by its specification, so this order must never
        // change between versions of scrutin or of rand_chacha.
        let golden: Vec<u32> = LotOrder::from_seed(10, 1)
            .order
            .iter()
            .map(|c| c.0)
            .collect();
        assert_eq!(golden, GOLDEN_SEED_1);
        assert_ne!(
            LotOrder::from_seed(10, 2).order,
            LotOrder::from_seed(10, 1).order
        );
    }
    // Computed independently with Python's `cryptography` ChaCha20 (key = seed as u64 LE padded
    // with zeros, 16-byte zero counter+nonce, keystream read as little-endian u32 words) and the
    // same Fisher–Yates-with-rejection: see docs/tie-breaking.md.
    const GOLDEN_SEED_1: [u32; 10] = [3, 6, 5, 9, 1, 2, 8, 0, 4, 7];

    #[test]
    fn two_way_tie_uses_most_recent_difference() {
        // A and B tied now; at stage 2 equal; at stage 1 A had fewer.
        let hist = h(&[&[2, 3, 9], &[3, 3, 9]]);
        let lot = LotOrder::given(&[B, A], 3);
        for r in PriorStageReading::ALL {
            assert_eq!(
                break_tie(&[A, B], &hist, Want::Lowest, r, &lot),
                (A, Resolution::PriorStage(1))
            );
            assert_eq!(
                break_tie(&[A, B], &hist, Want::Highest, r, &lot),
                (B, Resolution::PriorStage(1))
            );
        }
    }

    #[test]
    fn three_way_readings_differ() {
        // Tied now: A, B, C. Stage 2: A=5 B=5 C=7. Stage 1: A=3 B=4 C=2.
        let hist = h(&[&[3, 4, 2], &[5, 5, 7]]);
        let lot = LotOrder::given(&[C, B, A], 3);
        let t = [A, B, C];
        // Narrowing: stage 2 keeps {A,B} as lowest; stage 1 then puts A lowest.
        assert_eq!(
            break_tie(&t, &hist, Want::Lowest, PriorStageReading::Narrowing, &lot),
            (A, Resolution::PriorStage(1))
        );
        // Unique extreme: stage 2 has no unique lowest; at stage 1 C alone is lowest.
        assert_eq!(
            break_tie(
                &t,
                &hist,
                Want::Lowest,
                PriorStageReading::UniqueExtreme,
                &lot
            ),
            (C, Resolution::PriorStage(1))
        );
        // All distinct: stage 2 has A=B; stage 1 has 3,4,2 all different: C lowest.
        assert_eq!(
            break_tie(
                &t,
                &hist,
                Want::Lowest,
                PriorStageReading::AllDistinct,
                &lot
            ),
            (C, Resolution::PriorStage(1))
        );
        // Highest: narrowing and unique both find C alone highest at stage 2.
        assert_eq!(
            break_tie(&t, &hist, Want::Highest, PriorStageReading::Narrowing, &lot),
            (C, Resolution::PriorStage(2))
        );
        // All-distinct skips stage 2 and finds B highest at stage 1.
        assert_eq!(
            break_tie(
                &t,
                &hist,
                Want::Highest,
                PriorStageReading::AllDistinct,
                &lot
            ),
            (B, Resolution::PriorStage(1))
        );
    }

    #[test]
    fn forward_uses_the_earliest_difference_and_lot_skips_history() {
        // Stage 1: A=2 B=3; stage 2: A=4 B=3. Backward says B lowest, forward says A.
        let hist = h(&[&[2, 3, 9], &[4, 3, 9]]);
        let lot = LotOrder::given(&[C, B, A], 3);
        let r = PriorStageReading::Narrowing;
        assert_eq!(
            break_tie_by(TiePolicy::Backward, &[A, B], &hist, Want::Lowest, r, &lot),
            (B, Resolution::PriorStage(2))
        );
        assert_eq!(
            break_tie_by(TiePolicy::Forward, &[A, B], &hist, Want::Lowest, r, &lot),
            (A, Resolution::PriorStage(1))
        );
        assert_eq!(
            break_tie_by(TiePolicy::Lot, &[A, B], &hist, Want::Lowest, r, &lot),
            (B, Resolution::Lot)
        );
    }

    #[test]
    fn equal_at_every_stage_goes_to_lot() {
        let hist = h(&[&[3, 3, 1], &[4, 4, 1]]);
        let lot = LotOrder::given(&[B], 3);
        for r in PriorStageReading::ALL {
            assert_eq!(
                break_tie(&[A, B], &hist, Want::Lowest, r, &lot),
                (B, Resolution::Lot)
            );
        }
        // Narrowing that leaves two still tied goes to lot among those two only.
        let hist = h(&[&[3, 3, 5]]);
        let lot = LotOrder::given(&[C, B, A], 3);
        assert_eq!(
            break_tie(
                &[A, B, C],
                &hist,
                Want::Lowest,
                PriorStageReading::Narrowing,
                &lot
            ),
            (B, Resolution::Lot)
        );
    }
}

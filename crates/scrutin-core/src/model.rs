//! Candidates, ballots and the aggregated profile.
//!
//! A ballot is a ranking: a sequence of ranks, each rank naming one candidate, several
//! candidates ranked equally, or nothing (a skipped rank). The model holds all of these even
//! where a rule set rejects them; each rule set decides what an equal ranking or a gap means
//! (Scottish STV, for instance, ends the paper there: 2007 Order Sch. 1 r. 2 "non-transferable
//! paper").
//!
//! Identical rankings are merged as the profile is built, in one pass, and their weights are
//! added. Weights are exact decimals ([`Weight`]) so that card votes can be carried later.

use std::fmt;
use std::hash::BuildHasher;

use serde::{Deserialize, Serialize};

/// Index of a candidate in ballot-paper order, starting at 0.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct CandidateId(pub u32);

impl CandidateId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A candidate as they appear on the ballot paper.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub name: String,
}

/// An exact, non-negative ballot weight in millionths (so `123456.5` is exact).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Weight(u64);

impl Weight {
    pub const SCALE: u64 = 1_000_000;
    pub const ONE: Weight = Weight(Self::SCALE);

    pub const fn from_micro(micro: u64) -> Self {
        Weight(micro)
    }
    pub fn from_int(n: u64) -> Option<Self> {
        n.checked_mul(Self::SCALE).map(Weight)
    }
    pub const fn micro(self) -> u64 {
        self.0
    }
    pub fn is_integer(self) -> bool {
        self.0 % Self::SCALE == 0
    }
    /// The whole number of papers, if the weight is whole.
    pub fn as_integer(self) -> Option<u64> {
        self.is_integer().then_some(self.0 / Self::SCALE)
    }
    pub fn checked_add(self, o: Weight) -> Option<Weight> {
        self.0.checked_add(o.0).map(Weight)
    }
    /// Parses `12`, `12.5`, `0.000001`. More than six places, a sign or an exponent is `None`.
    pub fn parse(s: &str) -> Option<Self> {
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int.is_empty() || frac.len() > 6 {
            return None;
        }
        if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let int: u64 = int.parse().ok()?;
        let mut f: u64 = if frac.is_empty() {
            0
        } else {
            frac.parse().ok()?
        };
        for _ in frac.len()..6 {
            f *= 10;
        }
        int.checked_mul(Self::SCALE)?.checked_add(f).map(Weight)
    }
}

impl fmt::Display for Weight {
    /// Shortest exact decimal: `12`, `12.5`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let int = self.0 / Self::SCALE;
        let frac = self.0 % Self::SCALE;
        if frac == 0 {
            write!(f, "{int}")
        } else {
            let s = format!("{frac:06}");
            write!(f, "{int}.{}", s.trim_end_matches('0'))
        }
    }
}

/// One rank on a ballot, as given to [`ProfileBuilder::push`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rank {
    /// One candidate at this rank.
    One(CandidateId),
    /// Several candidates ranked equally (two or more).
    Equal(Vec<CandidateId>),
    /// A rank the voter skipped (no candidate has this number).
    Skipped,
}

/// A rank as read back from the profile, borrowing nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RankView<'a> {
    One(CandidateId),
    /// Two or more candidates ranked equally, in the order they were written.
    Equal(EqualGroup<'a>),
    Skipped,
}

/// Candidates ranked equally at one rank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EqualGroup<'a>(&'a [u32]);

impl<'a> EqualGroup<'a> {
    pub fn iter(&self) -> impl Iterator<Item = CandidateId> + 'a {
        self.0.iter().map(|t| CandidateId(t & !EQUAL_FLAG))
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

// Token encoding in the profile arena: a candidate index; with EQUAL_FLAG set, the candidate is
// ranked equal to the one before it; SKIP is a skipped rank.
const EQUAL_FLAG: u32 = 1 << 31;
const SKIP: u32 = u32::MAX;
/// Most candidates a profile can hold (indices must stay clear of the flag bits).
pub const MAX_CANDIDATES: usize = (EQUAL_FLAG - 1) as usize;

/// One distinct ranking in a profile and the total weight of the ballots that gave it.
#[derive(Clone, Copy, Debug)]
pub struct BallotView<'a> {
    pub weight: Weight,
    tokens: &'a [u32],
}

impl<'a> BallotView<'a> {
    /// Number of ranks (a group of equals is one rank; a skipped rank is one rank).
    pub fn rank_count(&self) -> usize {
        self.tokens
            .iter()
            .filter(|t| *t & EQUAL_FLAG == 0 || **t == SKIP)
            .count()
    }
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
    /// The rank that starts at token position `pos`, and the position after it.
    /// `None` at the end of the ballot.
    #[inline]
    pub fn rank_at(&self, pos: usize) -> Option<(RankView<'a>, usize)> {
        let t = *self.tokens.get(pos)?;
        if t == SKIP {
            return Some((RankView::Skipped, pos + 1));
        }
        let mut end = pos + 1;
        while end < self.tokens.len()
            && self.tokens[end] != SKIP
            && self.tokens[end] & EQUAL_FLAG != 0
        {
            end += 1;
        }
        if end == pos + 1 {
            Some((RankView::One(CandidateId(t)), end))
        } else {
            Some((RankView::Equal(EqualGroup(&self.tokens[pos..end])), end))
        }
    }
    /// The ranks in order.
    pub fn ranks(&self) -> impl Iterator<Item = RankView<'a>> + 'a {
        let this = *self;
        let mut pos = 0;
        std::iter::from_fn(move || {
            let (r, next) = this.rank_at(pos)?;
            pos = next;
            Some(r)
        })
    }
    /// True if no rank is skipped and no two candidates are ranked equally.
    pub fn is_strict(&self) -> bool {
        self.tokens.iter().all(|t| t & EQUAL_FLAG == 0)
    }
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    weight: Weight,
    start: u32,
    end: u32,
}

/// Errors in building a profile: the caller's input, never a panic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    #[error("candidate number {0} is out of range (there are {1} candidates)")]
    UnknownCandidate(u32, usize),
    #[error("candidate {0} is ranked more than once on one ballot")]
    RepeatedCandidate(u32),
    #[error("an equal ranking needs at least two candidates")]
    ShortEqualGroup,
    #[error("the total weight of the ballots overflows")]
    WeightOverflow,
    #[error("too many candidates (at most {MAX_CANDIDATES})")]
    TooManyCandidates,
    #[error("{0} names given for {1} candidates")]
    NameCount(usize, usize),
    #[error("too many preferences in the election for one profile")]
    TooLarge,
}

/// An election's ballots with identical rankings merged.
#[derive(Clone, Debug, Default)]
pub struct Profile {
    candidates: Vec<Candidate>,
    entries: Vec<Entry>,
    arena: Vec<u32>,
    total_weight: Weight,
    ballots_pushed: u64,
}

impl Profile {
    pub fn candidates(&self) -> &[Candidate] {
        &self.candidates
    }
    pub fn candidate_ids(&self) -> impl Iterator<Item = CandidateId> {
        (0..self.candidates.len() as u32).map(CandidateId)
    }
    pub fn name(&self, c: CandidateId) -> &str {
        &self.candidates[c.index()].name
    }
    /// Distinct rankings.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    pub fn ballot(&self, i: usize) -> BallotView<'_> {
        let e = self.entries[i];
        BallotView {
            weight: e.weight,
            tokens: &self.arena[e.start as usize..e.end as usize],
        }
    }
    pub fn ballots(&self) -> impl Iterator<Item = BallotView<'_>> + '_ {
        (0..self.entries.len()).map(move |i| self.ballot(i))
    }
    /// Sum of all ballot weights.
    pub fn total_weight(&self) -> Weight {
        self.total_weight
    }
    /// Replaces the candidates' names (BLT files give names after the ballots). The count must
    /// not change.
    pub fn set_names(&mut self, names: Vec<String>) -> Result<(), ProfileError> {
        if names.len() != self.candidates.len() {
            return Err(ProfileError::NameCount(names.len(), self.candidates.len()));
        }
        self.candidates = names.into_iter().map(|name| Candidate { name }).collect();
        Ok(())
    }
    /// How many ballot lines were pushed (before merging).
    pub fn ballots_pushed(&self) -> u64 {
        self.ballots_pushed
    }
}

/// Builds a [`Profile`] in one pass, merging identical rankings as they arrive.
pub struct ProfileBuilder {
    profile: Profile,
    /// Entry index and the ranking's hash, kept so that growing the table and most
    /// mismatches need not read the ranking again.
    index: hashbrown::HashTable<(u32, u32)>,
    /// The hash of the ranking in `scratch`, token by token from a per-builder seed.
    hash: u32,
    seed: u32,
    scratch: Vec<u32>,
    seen: Vec<u32>,
    stamp: u32,
}

/// Adds a token to a ranking's hash.
#[inline(always)]
fn mix(hash: u32, token: u32) -> u32 {
    (hash.rotate_left(5) ^ token).wrapping_mul(0x9E37_79B1)
}

/// Spreads a ranking's 32-bit hash over the 64 bits the table uses (its top bits too).
#[inline(always)]
fn spread(hash: u32) -> u64 {
    u64::from(hash ^ (hash >> 15)).wrapping_mul(0xA24B_AED4_963E_E407)
}

impl ProfileBuilder {
    pub fn new(candidates: Vec<Candidate>) -> Result<Self, ProfileError> {
        if candidates.len() > MAX_CANDIDATES {
            return Err(ProfileError::TooManyCandidates);
        }
        let n = candidates.len();
        Ok(ProfileBuilder {
            profile: Profile {
                candidates,
                ..Profile::default()
            },
            index: hashbrown::HashTable::new(),
            hash: 0,
            // Random per builder (as the standard hash maps), so no file can be made to
            // collide on purpose; the profile does not depend on it.
            seed: hashbrown::DefaultHashBuilder::default().hash_one(n) as u32,
            scratch: Vec::new(),
            seen: vec![0; n],
            stamp: 0,
        })
    }

    pub fn candidate_count(&self) -> usize {
        self.profile.candidates.len()
    }

    /// Adds one ballot (or `weight` identical ballots). Checks that each candidate exists and
    /// appears at most once.
    pub fn push(&mut self, weight: Weight, ranks: &[Rank]) -> Result<(), ProfileError> {
        self.begin();
        for r in ranks {
            match r {
                Rank::One(c) => self.push_one(*c, false)?,
                Rank::Equal(cs) => {
                    if cs.len() < 2 {
                        return Err(ProfileError::ShortEqualGroup);
                    }
                    for (i, c) in cs.iter().enumerate() {
                        self.push_one(*c, i > 0)?;
                    }
                }
                Rank::Skipped => self.skip(),
            }
        }
        self.finish(weight)
    }

    /// Starts a ballot for the streaming interface ([`Self::rank`], [`Self::skip`],
    /// [`Self::finish`]) used by readers that avoid building a `Vec<Rank>`.
    #[inline]
    pub fn begin(&mut self) {
        self.scratch.clear();
        self.hash = self.seed;
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.seen.iter_mut().for_each(|s| *s = 0);
            self.stamp = 1;
        }
    }

    /// Next candidate on the current ballot; `equal_to_previous` joins the previous rank.
    #[inline]
    pub fn rank(&mut self, c: CandidateId, equal_to_previous: bool) -> Result<(), ProfileError> {
        if equal_to_previous && matches!(self.scratch.last(), None | Some(&SKIP)) {
            return Err(ProfileError::ShortEqualGroup);
        }
        self.push_one(c, equal_to_previous)
    }

    /// A skipped rank on the current ballot.
    #[inline]
    pub fn skip(&mut self) {
        self.scratch.push(SKIP);
        self.hash = mix(self.hash, SKIP);
    }

    #[inline]
    fn push_one(&mut self, c: CandidateId, equal: bool) -> Result<(), ProfileError> {
        let n = self.profile.candidates.len();
        if c.index() >= n {
            return Err(ProfileError::UnknownCandidate(c.0 + 1, n));
        }
        if self.seen[c.index()] == self.stamp {
            return Err(ProfileError::RepeatedCandidate(c.0 + 1));
        }
        self.seen[c.index()] = self.stamp;
        let token = if equal { c.0 | EQUAL_FLAG } else { c.0 };
        self.scratch.push(token);
        self.hash = mix(self.hash, token);
        Ok(())
    }

    /// Ends the current ballot and merges it.
    pub fn finish(&mut self, weight: Weight) -> Result<(), ProfileError> {
        let p = &mut self.profile;
        p.total_weight = p
            .total_weight
            .checked_add(weight)
            .ok_or(ProfileError::WeightOverflow)?;
        p.ballots_pushed += 1;
        let h = mix(self.hash, self.scratch.len() as u32);
        let arena = &p.arena;
        let entries = &p.entries;
        let key = &self.scratch;
        if let Some(&(i, _)) = self.index.find(spread(h), |&(i, hi)| {
            hi == h && {
                let e = entries[i as usize];
                &arena[e.start as usize..e.end as usize] == key.as_slice()
            }
        }) {
            let e = &mut p.entries[i as usize];
            e.weight = e
                .weight
                .checked_add(weight)
                .ok_or(ProfileError::WeightOverflow)?;
            return Ok(());
        }
        let start = u32::try_from(p.arena.len()).map_err(|_| ProfileError::TooLarge)?;
        let end = u32::try_from(p.arena.len() + key.len()).map_err(|_| ProfileError::TooLarge)?;
        let idx = u32::try_from(p.entries.len()).map_err(|_| ProfileError::TooLarge)?;
        p.arena.extend_from_slice(key);
        p.entries.push(Entry { weight, start, end });
        self.index
            .insert_unique(spread(h), (idx, h), |&(_, hi)| spread(hi));
        Ok(())
    }

    pub fn build(self) -> Profile {
        self.profile
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cands(n: usize) -> Vec<Candidate> {
        (0..n)
            .map(|i| Candidate {
                name: format!("C{i}"),
            })
            .collect()
    }

    #[test]
    fn identical_rankings_merge() {
        let mut b = ProfileBuilder::new(cands(3)).unwrap();
        let a = [Rank::One(CandidateId(0)), Rank::One(CandidateId(2))];
        b.push(Weight::ONE, &a).unwrap();
        b.push(Weight::from_int(4).unwrap(), &[Rank::One(CandidateId(1))])
            .unwrap();
        b.push(Weight::parse("2.5").unwrap(), &a).unwrap();
        let p = b.build();
        assert_eq!(p.len(), 2);
        assert_eq!(p.ballot(0).weight.to_string(), "3.5");
        assert_eq!(p.total_weight().to_string(), "7.5");
        assert_eq!(p.ballots_pushed(), 3);
    }

    #[test]
    fn equal_and_skipped_ranks_survive() {
        let mut b = ProfileBuilder::new(cands(4)).unwrap();
        let ranks = [
            Rank::Equal(vec![CandidateId(1), CandidateId(3)]),
            Rank::Skipped,
            Rank::One(CandidateId(0)),
        ];
        b.push(Weight::ONE, &ranks).unwrap();
        let p = b.build();
        let v = p.ballot(0);
        assert!(!v.is_strict());
        assert_eq!(v.rank_count(), 3);
        let got: Vec<_> = v.ranks().collect();
        match got[0] {
            RankView::Equal(g) => assert_eq!(
                g.iter().collect::<Vec<_>>(),
                vec![CandidateId(1), CandidateId(3)]
            ),
            _ => panic!("expected equal group"),
        }
        assert_eq!(got[1], RankView::Skipped);
        assert_eq!(got[2], RankView::One(CandidateId(0)));
    }

    #[test]
    fn bad_ballots_are_errors() {
        let mut b = ProfileBuilder::new(cands(2)).unwrap();
        assert_eq!(
            b.push(Weight::ONE, &[Rank::One(CandidateId(5))]),
            Err(ProfileError::UnknownCandidate(6, 2))
        );
        assert_eq!(
            b.push(
                Weight::ONE,
                &[Rank::One(CandidateId(1)), Rank::One(CandidateId(1))]
            ),
            Err(ProfileError::RepeatedCandidate(2))
        );
    }

    #[test]
    fn weights_parse_and_print() {
        assert_eq!(Weight::parse("123456.5").unwrap().to_string(), "123456.5");
        assert_eq!(Weight::parse("7").unwrap().as_integer(), Some(7));
        assert!(Weight::parse("-1").is_none());
        assert!(Weight::parse("1.0000001").is_none());
        assert!(Weight::parse("99999999999999999999").is_none());
    }
}

/// What a rule set counts: the ballots and the facts about the contest.
#[derive(Clone, Debug)]
pub struct Election {
    pub title: String,
    pub seats: u32,
    pub profile: Profile,
    /// Candidates who withdrew: their names stay in the report, preferences for them are skipped.
    pub withdrawn: Vec<CandidateId>,
}

impl Election {
    pub fn candidates(&self) -> &[Candidate] {
        self.profile.candidates()
    }
    pub fn is_withdrawn(&self, c: CandidateId) -> bool {
        self.withdrawn.contains(&c)
    }
}

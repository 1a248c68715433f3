//! Meek STV: keep factors, iterated to convergence.
//!
//! Sources:
//! - I. D. Hill, B. A. Wichmann and D. R. Woodall, "Algorithm 123 — Single Transferable Vote
//!   by Meek's method", *The Computer Journal* 30(3), 1987, pp. 277–281 (cited "A123").
//! - I. D. Hill, "Implementing STV by Meek's method", *Voting Matters* 22 (2006), and the New
//!   Zealand STV calculation rules, Local Electoral Regulations 2001 Sch. 1A (cited "NZ 1A").
//! - The PR Foundation's "Reference Meek Rule" (steps A, B.1–B.4, C, T; cited "PRF"), which
//!   fixes the arithmetic of the two above at nine decimal places. Droop (`meek-prf`) and
//!   stv-rs (`meek`) implement it; stv-rs and Droop's parametric `meek` round a paper's
//!   split as OpenSTV does (both parts truncated), the PRF text rounds the kept part up.
//!
//! In short (PRF numbering): every hopeful candidate has keep factor 1, every other 0 (A).
//! Each round (B) iterates: every paper, of value 1, passes down its ranking; each candidate
//! keeps `value × keep factor` and passes the rest on (B.2.a). The quota is the votes that
//! reached a candidate ÷ (seats + 1), truncated, plus 10^-9 (B.2.b). A hopeful candidate with
//! at least the quota is elected, and the round ends (B.2.c, B.2.e). Otherwise, if the total
//! surplus of the elected is at most omega = 10^-6, or stopped falling, the iteration has
//! converged and the lowest hopeful candidate is defeated (B.3); candidates within the total
//! surplus of the lowest count as tied with it (T). Otherwise each elected candidate's keep
//! factor becomes `keep factor × quota ÷ votes`, each step rounded up, and the iteration goes
//! on (B.2.f). When hopeful candidates no more than fill the seats left, they are all elected;
//! when the seats are filled, the rest are defeated (B.1, C).
//!
//! # Arithmetic
//!
//! - `fixed9` (default): nine decimal places, as PRF, Droop and stv-rs. A paper's value and a
//!   keep factor are `i64` counts of 10^-9, vote totals `i128`, so counts up to 10^19
//!   ballots (the largest [`Weight`]) never overflow. Rounding, as stv-rs 0.5.1 (the
//!   default, [`Rounding::Parametric`]): kept = ⌊value × kf⌋, passed on = ⌊value × (1 − kf)⌋;
//!   quota = ⌊votes ÷ (seats + 1)⌋ + 10^-9; new kf = ⌈⌈kf × quota⌉ ÷ votes⌉; a paper's
//!   share of an equal ranking is ⌊value ÷ n⌋. The PRF text ([`Rounding::KeepUp`], also
//!   Hill 2006 and NZ 1A): kept = ⌈value × kf⌉, passed on = value − kept. A whole-number
//!   count of papers multiplies exactly; a fractional weight (in millionths) multiplies
//!   exactly too and each candidate's total is truncated to nine places once per iteration.
//!   Omega is 10^-6, and the iteration stops when the surplus is ≤ omega (stv-rs; PRF says
//!   < omega, an option).
//! - `exact`: rationals; nothing is rounded, the quota has no 10^-9 added and a candidate is
//!   elected only with *more* than the quota (stv-rs and Droop with exact arithmetic).
//!   Omega is 10^-6 by default (stv-rs); Droop's `meek` uses 10^-10 (an option).
//!
//! # The report
//!
//! Stage *k* is round *k* of the algorithm (stage 1 is the first count: with every keep
//! factor 1 the first iteration of round 1 is the first-preference count). Its totals,
//! quota and keep factors are those of the last iteration of the round, the one on which the
//! round's decision was taken; the candidates elected or defeated in that round are marked
//! in it; the effect of a defeat shows in the next stage. The candidates elected or defeated
//! at the end of the count (PRF C) are marked in the last stage. `surplus` is the total
//! surplus of the elected candidates at that iteration; a note gives the number of
//! iterations and why the iteration stopped.
//!
//! Σ votes + `non_transferable` + `loss_to_truncation` = valid ballots at every stage,
//! exactly, where:
//! - `non_transferable` is the value left on papers after their last usable preference
//!   (the papers' "exhausted" value: no further hopeful or elected candidate, or in an equal
//!   ranking a rank whose candidates are all defeated), summed over papers;
//! - `loss_to_truncation` is the rest of what Hill calls the *excess*: the value lost by
//!   rounding papers' splits down (fixed9; with [`Rounding::KeepUp`] it can be slightly
//!   negative, kept parts being rounded up) and by truncating fractional-weight totals.
//!   Always zero with `exact`.
//!
//! Together they are stv-rs's and Droop's "Residual". The quota is computed from Σ votes,
//! i.e. valid ballots minus that residual.
//!
//! # Ballots
//!
//! Withdrawn candidates are removed from the ballots, and skipped ranks passed over; a
//! ballot with no candidate left is not counted (is not valid), as stv-rs and Droop do.
//! Equal rankings ([`EqualRanks::Recursive`], the default of stv-rs and Droop): the value
//! reaching a rank of equals still in the count is split evenly between them; each keeps its
//! share × its keep factor and the rest of *that* share goes on to the next rank; a rank
//! whose candidates are all defeated ends the paper there. [`EqualRanks::Refuse`] makes an
//! equal ranking an error.
//!
//! # Ties
//!
//! T: the candidate to defeat is chosen among those with at most the lowest vote plus the
//! total surplus, by lot (the given or seeded order; a BLT `[tie …]` line is such an order),
//! as PRF, Droop and stv-rs do; `--tie-break backward|forward` first looks at the stages
//! before. If more hopeful candidates reach the quota than there are seats left (possible
//! only when an elected candidate has fallen below the quota), the highest are elected
//! (stv-rs and Droop stop with an assertion there).

use std::fmt;
use std::ops::{Add, Sub};

use indexmap::IndexMap;

use crate::arith::Rational;
use crate::constraints::{Constraints, Tracker};
use crate::model::{CandidateId, Election, RankView, Weight};
use crate::report::{names, Action, CandidateState, Report, Stage, TieBreak};
use crate::tie::{break_tie_by, LotOrder, PriorStageReading, Resolution, TiePolicy, Want};
use crate::CountError;

pub const METHOD: &str = "meek";
pub const RULES: &str =
    "Meek STV: Hill, Wichmann & Woodall, Algorithm 123, Computer Journal 30(3) 1987; \
     Hill, Voting Matters 22 (2006); NZ Local Electoral Regulations 2001 Sch. 1A; \
     PR Foundation Reference Meek Rule (9 places, omega 10^-6)";

/// How a paper's value is split between a candidate and the next preference (fixed point).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Rounding {
    /// (Default.) Kept ⌊v × kf⌋, passed on ⌊v × (1 − kf)⌋: stv-rs, OpenSTV, Droop `meek`.
    #[default]
    Parametric,
    /// Kept ⌈v × kf⌉, passed on v − kept: PRF B.2.a, Hill 2006, Droop `meek-prf`.
    KeepUp,
}

/// What an equal ranking means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum EqualRanks {
    /// (Default.) Split evenly, each share going on separately (Droop, stv-rs default).
    #[default]
    Recursive,
    /// An equal ranking is an error.
    Refuse,
}

/// Which arithmetic to count in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MeekArithmetic {
    /// Nine decimal places.
    #[default]
    Fixed9,
    /// Exact rationals.
    Exact,
}

/// The choices the sources leave open, with the defaults of stv-rs 0.5.1.
#[derive(Clone, Debug)]
pub struct Options {
    pub arithmetic: MeekArithmetic,
    /// Omega = 10^-`omega_exponent`.
    pub omega_exponent: u32,
    pub rounding: Rounding,
    /// Stop iterating when the surplus is *below* omega (PRF B.2.e) rather than at or below
    /// it (stv-rs, Droop `meek`).
    pub omega_strict: bool,
    /// Count a negative total surplus as zero (PRF B.2.d).
    pub clamp_surplus: bool,
    /// Sum only the positive surpluses, so that an elected candidate below the quota
    /// counts 0 rather than a negative surplus (stv-rs `--force-positive-surplus`).
    pub positive_surplus: bool,
    /// Defeat a batch of sure losers when possible (Droop `meek`, `defeat_batch=safe`).
    pub defeat_batch: bool,
    pub equal_ranks: EqualRanks,
    /// Tie policy for defeats (default: straight to the lot, rule T).
    pub tie_policy: TiePolicy,
    pub reading: PriorStageReading,
    pub lot: LotOrder,
}

impl Options {
    /// stv-rs 0.5.1 `meek` (and Droop's parametric `meek` without batch defeats).
    pub fn stv_rs(lot: LotOrder) -> Self {
        Options {
            arithmetic: MeekArithmetic::Fixed9,
            omega_exponent: 6,
            rounding: Rounding::Parametric,
            omega_strict: false,
            clamp_surplus: true,
            positive_surplus: false,
            defeat_batch: false,
            equal_ranks: EqualRanks::Recursive,
            tie_policy: TiePolicy::Lot,
            reading: PriorStageReading::default(),
            lot,
        }
    }
    /// The PR Foundation Reference Meek Rule, as Droop's `meek-prf`.
    pub fn prf_reference(lot: LotOrder) -> Self {
        Options {
            rounding: Rounding::KeepUp,
            omega_strict: true,
            clamp_surplus: true,
            ..Self::stv_rs(lot)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Arithmetic
// ---------------------------------------------------------------------------------------

/// The operations the count needs, for fixed point and for rationals. `V` is a paper's value
/// or a keep factor, `T` a vote total, `M` a ballot's multiplier, `Acc` a sum of `V × M`.
/// Largest keep factor (bits of numerator and denominator) exact Meek works with. Exact keep
/// factors roughly double in size at every iteration, so exact Meek suits small elections
/// (Droop's rational test cases); past this size it stops with an error, in about a second
/// for a small election, rather than run for hours.
const MAX_EXACT_BITS: u64 = 1 << 16;

trait Arith {
    type V: Clone + PartialEq;
    type T: Clone + Ord + Add<Output = Self::T> + Sub<Output = Self::T> + fmt::Display;
    type M: Clone;
    type Acc: Clone;
    const EXACT: bool;
    /// The size of a value in bits (numerator and denominator for rationals; 0 for fixed
    /// point, whose size never grows).
    fn v_bits(_v: &Self::V) -> u64 {
        0
    }
    fn name() -> String;
    fn v_one() -> Self::V;
    fn v_zero() -> Self::V;
    fn v_is_zero(v: &Self::V) -> bool;
    fn v_is_one(v: &Self::V) -> bool;
    /// (kept, passed on).
    fn split(w: &Self::V, kf: &Self::V, rounding: Rounding) -> (Self::V, Self::V);
    fn v_div_int(w: &Self::V, n: usize) -> Self::V;
    fn v_show(v: &Self::V) -> String;
    fn multiplier(w: Weight) -> Self::M;
    fn m_zero() -> Self::M;
    fn m_is_zero(m: &Self::M) -> bool;
    fn m_add(m: &mut Self::M, o: &Self::M);
    fn acc_zero() -> Self::Acc;
    fn acc_add(acc: &mut Self::Acc, v: &Self::V, m: &Self::M);
    fn acc_total(acc: &Self::Acc) -> Self::T;
    fn t_zero() -> Self::T;
    fn t_from_weight(w: Weight) -> Self::T;
    fn t_omega(exp: u32) -> Self::T;
    /// PRF B.2.b.
    fn quota(votes: &Self::T, seats: u32) -> Self::T;
    /// PRF B.2.f.
    fn new_keep_factor(
        kf: &Self::V,
        quota: &Self::T,
        votes: &Self::T,
    ) -> Result<Self::V, CountError>;
    fn t_exact(t: &Self::T) -> Rational;
}

/// Nine decimal places: values in `i64` units of 10^-9, totals in `i128`.
struct F9;

const S9: i64 = 1_000_000_000;

/// A total in units of 10^-9.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
struct T9(i128);

impl Add for T9 {
    type Output = T9;
    fn add(self, o: T9) -> T9 {
        T9(self.0 + o.0)
    }
}
impl Sub for T9 {
    type Output = T9;
    fn sub(self, o: T9) -> T9 {
        T9(self.0 - o.0)
    }
}
impl fmt::Display for T9 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:09}", a / S9 as u128, a % S9 as u128)
    }
}

#[inline(always)]
fn mul9_trunc(a: i64, b: i64) -> i64 {
    match a.checked_mul(b) {
        Some(p) => p / S9,
        None => ((a as i128 * b as i128) / S9 as i128) as i64,
    }
}

#[inline(always)]
fn mul9_ceil(a: i64, b: i64) -> i64 {
    let p = a as i128 * b as i128;
    div_ceil_i128(p, S9 as i128) as i64
}

fn div_ceil_i128(a: i128, b: i128) -> i128 {
    let q = a / b;
    if a % b != 0 && ((a > 0) == (b > 0)) {
        q + 1
    } else {
        q
    }
}

impl Arith for F9 {
    type V = i64;
    type T = T9;
    /// Millionths of a ballot.
    type M = u64;
    /// Units of 10^-15.
    type Acc = i128;
    const EXACT: bool = false;
    fn name() -> String {
        "fixed-9".to_string()
    }
    fn v_one() -> i64 {
        S9
    }
    fn v_zero() -> i64 {
        0
    }
    #[inline(always)]
    fn v_is_zero(v: &i64) -> bool {
        *v == 0
    }
    #[inline(always)]
    fn v_is_one(v: &i64) -> bool {
        *v == S9
    }
    #[inline(always)]
    fn split(w: &i64, kf: &i64, rounding: Rounding) -> (i64, i64) {
        match rounding {
            Rounding::Parametric => (mul9_trunc(*w, *kf), mul9_trunc(*w, S9 - *kf)),
            Rounding::KeepUp => {
                let keep = mul9_ceil(*w, *kf);
                (keep, *w - keep)
            }
        }
    }
    fn v_div_int(w: &i64, n: usize) -> i64 {
        *w / n as i64
    }
    fn v_show(v: &i64) -> String {
        T9(*v as i128).to_string()
    }
    fn multiplier(w: Weight) -> u64 {
        w.micro()
    }
    fn m_zero() -> u64 {
        0
    }
    #[inline(always)]
    fn m_is_zero(m: &u64) -> bool {
        *m == 0
    }
    fn m_add(m: &mut u64, o: &u64) {
        // The profile's total weight fits a u64 of millionths, so any part of it does.
        *m += *o;
    }
    fn acc_zero() -> i128 {
        0
    }
    #[inline(always)]
    fn acc_add(acc: &mut i128, v: &i64, m: &u64) {
        *acc += *v as i128 * *m as i128;
    }
    fn acc_total(acc: &i128) -> T9 {
        T9(*acc / Weight::SCALE as i128)
    }
    fn t_zero() -> T9 {
        T9(0)
    }
    fn t_from_weight(w: Weight) -> T9 {
        T9(w.micro() as i128 * (S9 as i128 / Weight::SCALE as i128))
    }
    fn t_omega(exp: u32) -> T9 {
        T9(if exp > 9 { 0 } else { 10i128.pow(9 - exp) })
    }
    fn quota(votes: &T9, seats: u32) -> T9 {
        T9(votes.0 / (seats as i128 + 1) + 1)
    }
    fn new_keep_factor(kf: &i64, quota: &T9, votes: &T9) -> Result<i64, CountError> {
        if votes.0 <= 0 {
            return Err(CountError::Invalid(
                "an elected candidate has no votes left: keep factor undefined".to_string(),
            ));
        }
        let kq = (*kf as i128)
            .checked_mul(quota.0)
            .ok_or(CountError::Overflow)?;
        let kq = div_ceil_i128(kq, S9 as i128);
        let num = kq.checked_mul(S9 as i128).ok_or(CountError::Overflow)?;
        i64::try_from(div_ceil_i128(num, votes.0)).map_err(|_| CountError::Overflow)
    }
    fn t_exact(t: &T9) -> Rational {
        Rational(num_rational::BigRational::new(t.0.into(), S9.into()))
    }
}

/// Exact rationals.
struct Ex;

impl Arith for Ex {
    type V = Rational;
    type T = Rational;
    type M = Rational;
    type Acc = Rational;
    const EXACT: bool = true;
    fn v_bits(v: &Rational) -> u64 {
        v.0.numer().bits() + v.0.denom().bits()
    }
    fn name() -> String {
        "rational".to_string()
    }
    fn v_one() -> Rational {
        <Rational as crate::arith::Number>::from_int(1)
    }
    fn v_zero() -> Rational {
        <Rational as crate::arith::Number>::zero()
    }
    fn v_is_zero(v: &Rational) -> bool {
        num_traits::Zero::is_zero(&v.0)
    }
    fn v_is_one(v: &Rational) -> bool {
        num_traits::One::is_one(&v.0)
    }
    fn split(w: &Rational, kf: &Rational, _: Rounding) -> (Rational, Rational) {
        let keep = Rational(&w.0 * &kf.0);
        let rest = Rational(&w.0 - &keep.0);
        (keep, rest)
    }
    fn v_div_int(w: &Rational, n: usize) -> Rational {
        Rational(&w.0 / num_rational::BigRational::from_integer(n.into()))
    }
    fn v_show(v: &Rational) -> String {
        v.to_string()
    }
    fn multiplier(w: Weight) -> Rational {
        Self::t_from_weight(w)
    }
    fn m_zero() -> Rational {
        Self::v_zero()
    }
    fn m_is_zero(m: &Rational) -> bool {
        Self::v_is_zero(m)
    }
    fn m_add(m: &mut Rational, o: &Rational) {
        m.0 += &o.0;
    }
    fn acc_zero() -> Rational {
        Self::v_zero()
    }
    fn acc_add(acc: &mut Rational, v: &Rational, m: &Rational) {
        acc.0 += &v.0 * &m.0;
    }
    fn acc_total(acc: &Rational) -> Rational {
        acc.clone()
    }
    fn t_zero() -> Rational {
        Self::v_zero()
    }
    fn t_from_weight(w: Weight) -> Rational {
        Rational(num_rational::BigRational::new(
            w.micro().into(),
            Weight::SCALE.into(),
        ))
    }
    fn t_omega(exp: u32) -> Rational {
        Rational(num_rational::BigRational::new(
            1.into(),
            num_bigint::BigInt::from(10u32).pow(exp),
        ))
    }
    fn quota(votes: &Rational, seats: u32) -> Rational {
        Rational(&votes.0 / num_rational::BigRational::from_integer((seats as u64 + 1).into()))
    }
    fn new_keep_factor(
        kf: &Rational,
        quota: &Rational,
        votes: &Rational,
    ) -> Result<Rational, CountError> {
        if votes.0 <= num_rational::BigRational::from_integer(0.into()) {
            return Err(CountError::Invalid(
                "an elected candidate has no votes left: keep factor undefined".to_string(),
            ));
        }
        Ok(Rational(&kf.0 * &quota.0 / &votes.0))
    }
    fn t_exact(t: &Rational) -> Rational {
        t.clone()
    }
}

// ---------------------------------------------------------------------------------------
// Ballots: a prefix tree of the strict rankings, and the rankings with equal ranks
// ---------------------------------------------------------------------------------------

/// The valid ballots. Strict rankings (one candidate per rank) are merged into a prefix
/// tree: every paper that starts with the same candidates has the same value at each of them
/// (the split depends only on the value arriving and the keep factor), so the tree node for
/// a prefix carries the summed multiplier of the papers through it, and one visit does the
/// work of all of them, exactly. A pass stops descending at a hopeful candidate (who keeps
/// everything), so it visits only the prefixes of elected and defeated candidates.
struct Ballots<M> {
    /// Nodes in depth-first preorder.
    cand: Vec<u32>,
    depth: Vec<u32>,
    /// Index just past the node's subtree.
    skip: Vec<u32>,
    /// Summed multiplier of the papers through the node, and of those ending at it.
    through: Vec<M>,
    ends: Vec<M>,
    max_depth: usize,
    /// Rankings with equal ranks: candidates, where each rank ends, multiplier.
    equal: Vec<(Vec<u32>, Vec<u32>, M)>,
}

const NONE: u32 = u32::MAX;

fn build_ballots<A: Arith>(
    election: &Election,
    equal: EqualRanks,
) -> Result<(Ballots<A::M>, Weight, Weight), CountError> {
    let profile = &election.profile;
    let n = profile.candidates().len();
    let mut withdrawn = vec![false; n];
    for w in &election.withdrawn {
        if w.index() < n {
            withdrawn[w.index()] = true;
        }
    }
    let mut eq: Vec<(Vec<u32>, Vec<u32>, A::M)> = Vec::new();
    let mut valid = Weight::default();
    let mut invalid = Weight::default();
    // The strict rankings, one after another: candidates, where each starts, multiplier.
    let mut flat: Vec<u32> = Vec::new();
    let mut starts: Vec<u32> = vec![0];
    let mut mults: Vec<A::M> = Vec::new();
    let mut ranks: Vec<u32> = Vec::new();
    let mut rank_ends: Vec<u32> = Vec::new();
    for b in profile.ballots() {
        ranks.clear();
        rank_ends.clear();
        for r in b.ranks() {
            match r {
                RankView::One(c) if !withdrawn[c.index()] => {
                    ranks.push(c.0);
                    rank_ends.push(ranks.len() as u32);
                }
                RankView::Equal(g) => {
                    for c in g.iter().filter(|c| !withdrawn[c.index()]) {
                        ranks.push(c.0);
                    }
                    if rank_ends.last().copied().unwrap_or(0) != ranks.len() as u32 {
                        rank_ends.push(ranks.len() as u32);
                    }
                }
                RankView::One(_) | RankView::Skipped => {}
            }
        }
        if ranks.is_empty() {
            invalid = invalid.checked_add(b.weight).ok_or(CountError::Overflow)?;
            continue;
        }
        valid = valid.checked_add(b.weight).ok_or(CountError::Overflow)?;
        let m = A::multiplier(b.weight);
        if rank_ends.len() != ranks.len() {
            if equal == EqualRanks::Refuse {
                return Err(CountError::Invalid(
                    "a ballot ranks candidates equally; this Meek count was asked to refuse \
                     equal rankings"
                        .to_string(),
                ));
            }
            eq.push((ranks.clone(), rank_ends.clone(), m));
            continue;
        }
        flat.extend_from_slice(&ranks);
        starts.push(u32::try_from(flat.len()).map_err(|_| CountError::Overflow)?);
        mults.push(m);
    }
    let ranking = |j: usize| &flat[starts[j] as usize..starts[j + 1] as usize];
    let sorted = sort_rankings(n, &flat, &starts);

    // In lexicographic order (a ranking before those it begins), the tree comes out in
    // preorder: each ranking opens nodes past the prefix it shares with the one before, and
    // closes the nodes of the previous one beyond that prefix.
    let size = flat.len();
    let mut out = Ballots::<A::M> {
        cand: Vec::with_capacity(size),
        depth: Vec::with_capacity(size),
        skip: Vec::with_capacity(size),
        through: Vec::with_capacity(size),
        ends: Vec::with_capacity(size),
        max_depth: 0,
        equal: eq,
    };
    // The open nodes, one per depth.
    let mut open: Vec<u32> = Vec::new();
    let close = |out: &mut Ballots<A::M>, open: &mut Vec<u32>| {
        if let Some(pos) = open.pop() {
            let pos = pos as usize;
            out.skip[pos] = out.cand.len() as u32;
            // A node's papers: those ending at it and those through its children.
            if let Some(&parent) = open.last() {
                let t = out.through[pos].clone();
                A::m_add(&mut out.through[parent as usize], &t);
            }
        }
    };
    let mut prev: Vec<u32> = Vec::new();
    let mut prev_key = 0u128;
    let mut r: Vec<u32> = Vec::new();
    for at in 0..starts.len() - 1 {
        let (j, shared) = match &sorted {
            Sorted::Packed { keys, bits, slots } => {
                let (key, bits) = (keys[at], *bits);
                let j = (key & ((1u128 << (128 - bits * slots)) - 1)) as usize;
                r.clear();
                for d in 0..*slots {
                    let c = (key >> (128 - bits * (d + 1))) as u32 & ((1u32 << bits) - 1);
                    if c == 0 {
                        break;
                    }
                    r.push(c - 1);
                }
                let same = ((key ^ prev_key).leading_zeros() as usize) / bits;
                prev_key = key;
                (j, same.min(r.len()).min(prev.len()))
            }
            Sorted::Order(order) => {
                let j = order[at] as usize;
                r.clear();
                r.extend_from_slice(ranking(j));
                let same = prev.iter().zip(&r).take_while(|(a, b)| a == b).count();
                (j, same)
            }
        };
        while open.len() > shared {
            close(&mut out, &mut open);
        }
        for (d, &c) in r.iter().enumerate().skip(shared) {
            open.push(u32::try_from(out.cand.len()).map_err(|_| CountError::Overflow)?);
            out.cand.push(c);
            out.depth.push(d as u32);
            out.skip.push(NONE);
            out.through.push(A::m_zero());
            out.ends.push(A::m_zero());
        }
        out.max_depth = out.max_depth.max(r.len());
        let last = *open.last().expect("a ranking is never empty") as usize;
        A::m_add(&mut out.ends[last], &mults[j]);
        A::m_add(&mut out.through[last], &mults[j]);
        std::mem::swap(&mut prev, &mut r);
    }
    while !open.is_empty() {
        close(&mut out, &mut open);
    }
    Ok((out, valid, invalid))
}

/// The strict rankings in lexicographic order.
enum Sorted {
    /// Each ranking packed into a `u128`: candidate + 1 in `bits` bits, first rank highest,
    /// in `slots` places, then its index in the low bits.
    Packed {
        keys: Vec<u128>,
        bits: usize,
        slots: usize,
    },
    /// Indices, for rankings too long or candidates too many to pack.
    Order(Vec<u32>),
}

/// Sorts the rankings `flat[starts[j]..starts[j + 1]]`: packed and sorted as integers
/// (bucketed by first candidate, each bucket sorted on its own) when they fit, otherwise as
/// slices.
fn sort_rankings(n: usize, flat: &[u32], starts: &[u32]) -> Sorted {
    let count = starts.len() - 1;
    let ranking = |j: usize| &flat[starts[j] as usize..starts[j + 1] as usize];
    let bits = (usize::BITS - n.leading_zeros()).max(1) as usize;
    let index_bits = (usize::BITS - count.leading_zeros()) as usize;
    let longest = (0..count).map(|j| ranking(j).len()).max().unwrap_or(0);
    let slots = 128usize.saturating_sub(index_bits) / bits;
    if longest > slots {
        let mut order: Vec<u32> = (0..count as u32).collect();
        order.sort_unstable_by(|&a, &b| ranking(a as usize).cmp(ranking(b as usize)));
        return Sorted::Order(order);
    }
    let key = |j: usize| {
        let mut key = j as u128;
        for (d, &c) in ranking(j).iter().enumerate() {
            key |= u128::from(c + 1) << (128 - bits * (d + 1));
        }
        key
    };
    // Counting sort by the first candidate.
    let mut bucket = vec![0usize; n + 2];
    for j in 0..count {
        bucket[ranking(j)[0] as usize + 2] += 1;
    }
    for c in 1..bucket.len() {
        bucket[c] += bucket[c - 1];
    }
    let mut keys = vec![0u128; count];
    for j in 0..count {
        let slot = &mut bucket[ranking(j)[0] as usize + 1];
        keys[*slot] = key(j);
        *slot += 1;
    }
    let mut from = 0;
    for &to in &bucket[..=n] {
        keys[from..to].sort_unstable();
        from = to;
    }
    Sorted::Packed { keys, bits, slots }
}

// ---------------------------------------------------------------------------------------
// PRF B.2.a: distributing the votes
// ---------------------------------------------------------------------------------------

/// One distribution: each candidate's sum and the value left on papers after their last
/// usable preference (both as `V × M` sums).
struct Tally<A: Arith> {
    sums: Vec<A::Acc>,
    exhausted: A::Acc,
}

/// What a pass does with the tree while each candidate's keep factor stays 1, 0 or strictly
/// between them (the kind changes once or twice a round). A paper keeps value 1 until it
/// meets a candidate whose keep factor is strictly between 0 and 1, so everything before
/// that is the same at each iteration and is summed once, when the tree is cut (`sums`,
/// `exhausted`). The rest, the subtrees of those candidates, are copied out: a pass stops at
/// a candidate of keep factor 1, so such a node is kept as a leaf of its parent, and each
/// node's leaves are put together. Small enough to stay in cache for the round.
struct Reach<A: Arith> {
    /// Each candidate's kind of keep factor at the cut (empty before the first).
    kinds: Vec<u8>,
    sums: Vec<A::Acc>,
    exhausted: A::Acc,
    /// The other nodes of the copied subtrees in preorder, each subtree from depth 0 (where
    /// the value is 1); `skip` is the index past a node's subtree.
    cand: Vec<u32>,
    depth: Vec<u32>,
    skip: Vec<u32>,
    through: Vec<A::M>,
    ends: Vec<A::M>,
    /// Node `i`'s leaves are `leaf_start[i]..leaf_end[i]` in `leaf_cand`, `leaf_through`.
    leaf_start: Vec<u32>,
    leaf_end: Vec<u32>,
    leaf_cand: Vec<u32>,
    leaf_through: Vec<A::M>,
    max_depth: usize,
}

impl<A: Arith> Reach<A> {
    fn new() -> Self {
        Reach {
            kinds: Vec::new(),
            sums: Vec::new(),
            exhausted: A::acc_zero(),
            cand: Vec::new(),
            depth: Vec::new(),
            skip: Vec::new(),
            through: Vec::new(),
            ends: Vec::new(),
            leaf_start: Vec::new(),
            leaf_end: Vec::new(),
            leaf_cand: Vec::new(),
            leaf_through: Vec::new(),
            max_depth: 0,
        }
    }

    fn kind(v: &A::V) -> u8 {
        if A::v_is_one(v) {
            1
        } else if A::v_is_zero(v) {
            0
        } else {
            2
        }
    }

    /// Cuts `full` anew unless every keep factor is of the kind it was at the last cut.
    fn update(&mut self, full: &Ballots<A::M>, kf: &[A::V]) {
        if self.kinds.len() == kf.len()
            && self.kinds.iter().zip(kf).all(|(&k, v)| k == Self::kind(v))
        {
            return;
        }
        self.kinds = kf.iter().map(Self::kind).collect();
        self.sums = vec![A::acc_zero(); kf.len()];
        self.exhausted = A::acc_zero();
        self.cand.clear();
        self.depth.clear();
        self.skip.clear();
        self.through.clear();
        self.ends.clear();
        self.leaf_start.clear();
        self.leaf_end.clear();
        self.leaf_cand.clear();
        self.leaf_through.clear();
        self.max_depth = 0;
        let one = A::v_one();
        // Leaves of the open nodes, by depth, until the node is closed.
        let mut pending: Vec<Vec<(u32, A::M)>> = Vec::new();
        // The open nodes: their place in the copy and the end of their subtree in `full`.
        let mut open: Vec<(u32, u32)> = Vec::new();
        let len = full.cand.len();
        let mut i = 0usize;
        while i < len {
            let c = full.cand[i] as usize;
            match self.kinds[c] {
                1 => {
                    A::acc_add(&mut self.sums[c], &one, &full.through[i]);
                    i = full.skip[i] as usize;
                }
                0 => {
                    A::acc_add(&mut self.exhausted, &one, &full.ends[i]);
                    i += 1;
                }
                _ => {
                    let end = full.skip[i] as usize;
                    let base = full.depth[i];
                    while i < end || !open.is_empty() {
                        if let Some(&(pos, e)) = open.last() {
                            if e as usize <= i {
                                open.pop();
                                let pos = pos as usize;
                                self.skip[pos] = self.cand.len() as u32;
                                self.leaf_start[pos] = self.leaf_cand.len() as u32;
                                for (c, m) in pending[open.len()].drain(..) {
                                    self.leaf_cand.push(c);
                                    self.leaf_through.push(m);
                                }
                                self.leaf_end[pos] = self.leaf_cand.len() as u32;
                                continue;
                            }
                        }
                        let c = full.cand[i];
                        if self.kinds[c as usize] == 1 {
                            // The subtree root is not of this kind, so a node is open.
                            let at = open.len() - 1;
                            pending[at].push((c, full.through[i].clone()));
                            i = full.skip[i] as usize;
                            continue;
                        }
                        let d = full.depth[i] - base;
                        self.max_depth = self.max_depth.max(d as usize + 1);
                        open.push((self.cand.len() as u32, full.skip[i]));
                        if pending.len() < open.len() {
                            pending.push(Vec::new());
                        }
                        self.cand.push(c);
                        self.depth.push(d);
                        self.skip.push(NONE);
                        self.through.push(full.through[i].clone());
                        self.ends.push(full.ends[i].clone());
                        self.leaf_start.push(0);
                        self.leaf_end.push(0);
                        i += 1;
                    }
                }
            }
        }
    }
}

/// PRF B.2.a: each paper starts at value 1; each candidate in rank order keeps value × keep
/// factor and passes the rest on, until the value is 0 or the ranking ends. A defeated
/// candidate (kf 0) keeps nothing and passes everything on; a hopeful one (kf 1) keeps
/// everything. Integer and rational sums are exact, so the order of the papers (and their
/// merging in the tree) changes nothing, bit for bit.
fn count_votes<A: Arith>(
    ballots: &Ballots<A::M>,
    kf: &[A::V],
    rounding: Rounding,
    n: usize,
    reach: &mut Reach<A>,
) -> Tally<A> {
    reach.update(ballots, kf);
    debug_assert_eq!(reach.sums.len(), n);
    let mut tally = Tally::<A> {
        sums: reach.sums.clone(),
        exhausted: reach.exhausted.clone(),
    };
    let r = &*reach;
    let mut values = vec![A::v_one(); r.max_depth + 1];
    let len = r.cand.len();
    let mut i = 0usize;
    while i < len {
        let c = r.cand[i] as usize;
        let d = r.depth[i] as usize;
        let k = &kf[c];
        // In fixed point, splitting by a keep factor of 0 keeps 0 and passes the value on
        // exactly, so only rationals take the shortcut.
        let rest = if A::EXACT && A::v_is_zero(k) {
            values[d].clone()
        } else {
            let (keep, rest) = A::split(&values[d], k, rounding);
            A::acc_add(&mut tally.sums[c], &keep, &r.through[i]);
            rest
        };
        if A::v_is_zero(&rest) {
            i = r.skip[i] as usize;
            continue;
        }
        if !(A::EXACT && A::m_is_zero(&r.ends[i])) {
            A::acc_add(&mut tally.exhausted, &rest, &r.ends[i]);
        }
        for l in r.leaf_start[i] as usize..r.leaf_end[i] as usize {
            A::acc_add(
                &mut tally.sums[r.leaf_cand[l] as usize],
                &rest,
                &r.leaf_through[l],
            );
        }
        values[d + 1] = rest;
        i += 1;
    }
    for (ranking, ends, m) in &ballots.equal {
        descend::<A>(ranking, ends, 0, 0, A::v_one(), kf, rounding, m, &mut tally);
    }
    tally
}

/// Equal rankings by recursive descent (Droop `meek`, stv-rs default): the value reaching
/// rank `i` is split evenly between its candidates still in the count (hopeful or elected);
/// each keeps its share × kf and sends the rest of that share to rank `i + 1`. A rank whose
/// candidates are all defeated ends the paper.
#[allow(clippy::too_many_arguments)]
fn descend<A: Arith>(
    ranking: &[u32],
    ends: &[u32],
    i: usize,
    start: usize,
    w: A::V,
    kf: &[A::V],
    rounding: Rounding,
    m: &A::M,
    tally: &mut Tally<A>,
) {
    if i == ends.len() {
        A::acc_add(&mut tally.exhausted, &w, m);
        return;
    }
    let end = ends[i] as usize;
    let rank = &ranking[start..end];
    let live = rank
        .iter()
        .filter(|&&c| !A::v_is_zero(&kf[c as usize]))
        .count();
    if live == 0 {
        A::acc_add(&mut tally.exhausted, &w, m);
        return;
    }
    let share = A::v_div_int(&w, live);
    for &c in rank {
        let k = &kf[c as usize];
        if A::v_is_zero(k) {
            continue;
        }
        let (keep, rest) = A::split(&share, k, rounding);
        A::acc_add(&mut tally.sums[c as usize], &keep, m);
        if !A::v_is_zero(&rest) {
            descend::<A>(ranking, ends, i + 1, end, rest, kf, rounding, m, tally);
        }
    }
}
// ---------------------------------------------------------------------------------------
// The count
// ---------------------------------------------------------------------------------------

/// Counts `election` by Meek's method.
pub fn count(election: &Election, options: &Options) -> Result<Report, CountError> {
    count_constrained(election, options, None)
}

/// Counts `election` by Meek's method, honouring category `constraints`
/// ([`crate::constraints`]). The sources have none; the hooks, marked "Constraints:", only
/// decide who may be elected (B.2.c) and who is defeated (B.3): candidates the constraints
/// rule out are defeated together at the end of the round, before any other defeat, and
/// batch defeats are not used.
pub fn count_constrained(
    election: &Election,
    options: &Options,
    constraints: Option<&Constraints>,
) -> Result<Report, CountError> {
    let cx = Tracker::new(constraints, election)?;
    match options.arithmetic {
        MeekArithmetic::Fixed9 => run::<F9>(election, options, cx),
        MeekArithmetic::Exact => run::<Ex>(election, options, cx),
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Stop {
    Elected,
    Omega,
    Stable,
    Batch,
}

/// The count at the last iteration of a round.
struct Snapshot<A: Arith> {
    votes: Vec<A::T>,
    exhausted: A::T,
    loss: A::T,
    quota: A::T,
    surplus: A::T,
}

struct State<'e, A: Arith> {
    election: &'e Election,
    options: &'e Options,
    n: usize,
    state: Vec<CandidateState>,
    kf: Vec<A::V>,
    elected: Vec<CandidateId>,
    stages: Vec<Stage>,
    /// Votes at each finished stage, exactly, for tie-breaking by earlier stages.
    history: Vec<Vec<Rational>>,
    valid: A::T,
}

fn run<A: Arith>(
    election: &Election,
    options: &Options,
    mut cx: Tracker,
) -> Result<Report, CountError> {
    let seats = election.seats;
    if seats == 0 {
        return Err(CountError::NoSeats);
    }
    let profile = &election.profile;
    let n = profile.candidates().len();
    let (ballots, valid_w, invalid_w) = build_ballots::<A>(election, options.equal_ranks)?;
    let has_equal = !ballots.equal.is_empty();
    let mut reach = Reach::<A>::new();

    // A: hopeful candidates keep factor 1, withdrawn 0.
    let mut st = State::<A> {
        election,
        options,
        n,
        state: vec![CandidateState::Continuing; n],
        kf: vec![A::v_one(); n],
        elected: Vec::new(),
        stages: Vec::new(),
        history: Vec::new(),
        valid: A::t_from_weight(valid_w),
    };
    for &w in &election.withdrawn {
        if w.index() < n {
            st.state[w.index()] = CandidateState::Withdrawn;
            st.kf[w.index()] = A::v_zero();
        }
    }
    let omega = A::t_omega(options.omega_exponent);
    let initial_quota = A::quota(&st.valid, seats);

    let mut to_elect = seats as usize;
    let mut round = 0u32;
    loop {
        // B.1: the count is complete when the seats are filled or the hopeful candidates no
        // more than fill them.
        let hopeful = st.hopeful();
        if to_elect == 0 || hopeful.len() <= to_elect {
            break;
        }
        round += 1;

        // B.2: iterate.
        let mut last_surplus = st.valid.clone();
        let mut iterations = 0u32;
        let (snap, stop, newly, batch) = loop {
            iterations += 1;
            // B.2.a: distribute the votes.
            let tally = count_votes::<A>(&ballots, &st.kf, options.rounding, n, &mut reach);
            let votes: Vec<A::T> = tally.sums.iter().map(A::acc_total).collect();
            let exhausted = A::acc_total(&tally.exhausted);
            let total = votes.iter().cloned().fold(A::t_zero(), |a, b| a + b);
            let loss = st.valid.clone() - total.clone() - exhausted.clone();
            // B.2.b: the quota, from the votes that reached a candidate.
            let quota = A::quota(&total, seats);
            // B.2.c: elect every hopeful candidate with at least the quota (exact: more).
            let reaching: Vec<usize> = (0..n)
                .filter(|&c| st.state[c] == CandidateState::Continuing)
                .filter(|&c| {
                    if A::EXACT {
                        votes[c] > quota
                    } else {
                        votes[c] >= quota
                    }
                })
                .collect();
            let mut newly = Vec::new();
            for c in st.choose_winners(reaching, to_elect, &votes) {
                // Constraints: an election that would make the rules impossible to meet is
                // not made (the candidate is doomed, and defeated at the end of the round).
                if !cx.may_elect(&st.state, CandidateId(c as u32)) {
                    continue;
                }
                st.state[c] = CandidateState::Elected;
                st.elected.push(CandidateId(c as u32));
                newly.push(c);
            }
            to_elect -= newly.len();
            // B.2.d: the total surplus.
            let mut surplus = (0..n)
                .filter(|&c| st.state[c] == CandidateState::Elected)
                .fold(A::t_zero(), |s, c| {
                    if options.positive_surplus && votes[c] < quota {
                        s
                    } else {
                        s + votes[c].clone() - quota.clone()
                    }
                });
            if options.clamp_surplus && surplus < A::t_zero() {
                surplus = A::t_zero();
            }
            let snap = Snapshot::<A> {
                votes,
                exhausted,
                loss,
                quota,
                surplus,
            };
            // B.2.e: has the iteration finished?
            if !newly.is_empty() {
                break (snap, Stop::Elected, newly, vec![]);
            }
            let converged = if options.omega_strict {
                snap.surplus < omega
            } else {
                snap.surplus <= omega
            };
            if converged {
                break (snap, Stop::Omega, newly, vec![]);
            }
            if snap.surplus >= last_surplus {
                break (snap, Stop::Stable, newly, vec![]);
            }
            if options.defeat_batch && !cx.is_active() {
                let batch = st.batch_defeat(&snap, to_elect);
                if !batch.is_empty() {
                    break (snap, Stop::Batch, newly, batch);
                }
            }
            last_surplus = snap.surplus.clone();
            // B.2.f: new keep factors for the elected.
            for c in 0..n {
                if st.state[c] == CandidateState::Elected {
                    st.kf[c] = A::new_keep_factor(&st.kf[c], &snap.quota, &snap.votes[c])?;
                    // Exact keep factors' numerators and denominators can grow at every
                    // iteration until each pass takes minutes: stop with a clear error
                    // rather than run for hours.
                    if A::v_bits(&st.kf[c]) > MAX_EXACT_BITS {
                        return Err(CountError::Invalid(format!(
                            "Meek in exact arithmetic: a keep factor needs over {MAX_EXACT_BITS} bits \
                             at round {round}, iteration {iterations}; count in fixed9 (the default)"
                        )));
                    }
                }
            }
        };

        let mut ties = Vec::new();
        let mut excluded = Vec::new();
        let mut notes = vec![format!(
            "{iterations} iteration(s); {}",
            match stop {
                Stop::Elected => "a candidate reached the quota (B.2.c)".to_string(),
                Stop::Omega => format!(
                    "surplus {} {} omega 10^-{} (B.2.e)",
                    snap.surplus,
                    if options.omega_strict { "<" } else { "<=" },
                    options.omega_exponent
                ),
                Stop::Stable => format!("surplus {} stopped falling (B.2.e)", snap.surplus),
                Stop::Batch =>
                    "sure losers can be defeated together (Droop defeat_batch)".to_string(),
            }
        )];
        // Constraints: doomed candidates (or, under the `exclude` strategy, those of a full
        // group) are defeated together at the end of the round, before any other defeat.
        cx.review(&st.state);
        let doomed = if to_elect > 0 {
            cx.must_exclude(&st.state)
        } else {
            vec![]
        };
        match stop {
            _ if !doomed.is_empty() => {
                for &c in &doomed {
                    cx.note_excluded(&st.state, c);
                    excluded.push(c);
                }
            }
            Stop::Elected => {}
            Stop::Batch => {
                for &c in &batch {
                    excluded.push(CandidateId(c as u32));
                }
                notes.push("defeated as a batch of sure losers".to_string());
            }
            Stop::Omega | Stop::Stable => {
                // B.3 and T: defeat the lowest hopeful candidate; those within the total
                // surplus of the lowest are tied with it. Constraints: a guarded candidate
                // is passed over.
                let hopeful: Vec<CandidateId> = st
                    .hopeful()
                    .iter()
                    .map(|&c| CandidateId(c as u32))
                    .collect();
                let hopeful: Vec<usize> = cx
                    .excludable(&st.state, &hopeful)
                    .iter()
                    .map(|c| c.index())
                    .collect();
                let low = hopeful
                    .iter()
                    .map(|&c| snap.votes[c].clone())
                    .min()
                    .expect("more hopeful candidates than seats left");
                // A negative surplus (an elected candidate below the quota) ties nobody.
                let limit = if snap.surplus > A::t_zero() {
                    low + snap.surplus.clone()
                } else {
                    low
                };
                let tied: Vec<CandidateId> = hopeful
                    .iter()
                    .filter(|&&c| snap.votes[c] <= limit)
                    .map(|&c| CandidateId(c as u32))
                    .collect();
                let c = st.break_tie(&tied, &snap, &mut ties);
                excluded.push(c);
            }
        }
        for &c in &excluded {
            st.state[c.index()] = CandidateState::Excluded;
            st.kf[c.index()] = A::v_zero();
        }
        let action = if round == 1 {
            Action::FirstCount
        } else if stop == Stop::Elected {
            Action::Surplus
        } else {
            Action::Exclusion
        };
        let newly_ids: Vec<CandidateId> = newly.iter().map(|&c| CandidateId(c as u32)).collect();
        // Whose surpluses moved: those elected before this round.
        let earlier: Vec<&str> = st
            .elected
            .iter()
            .filter(|c| !newly_ids.contains(c))
            .map(|&c| profile.name(c))
            .collect();
        let about = match excluded.first() {
            Some(&c) => Some(profile.name(c).to_string()),
            None if action == Action::Surplus => Some(earlier.join(", ")),
            None => None,
        };
        st.close_stage(action, about, &snap, newly_ids, excluded, ties, notes);
        cx.close_stage(&st.state, &mut st.stages);
    }

    // C: elect the remaining hopeful candidates if seats are unfilled (C.1), otherwise
    // defeat them (C.2), in ballot order.
    let remaining = st.hopeful();
    if !remaining.is_empty() {
        if st.stages.is_empty() {
            // Nothing was iterated (as many hopefuls as seats): show the first count.
            let tally = count_votes::<A>(&ballots, &st.kf, options.rounding, n, &mut reach);
            let votes: Vec<A::T> = tally.sums.iter().map(A::acc_total).collect();
            let exhausted = A::acc_total(&tally.exhausted);
            let total = votes.iter().cloned().fold(A::t_zero(), |a, b| a + b);
            let snap = Snapshot::<A> {
                loss: st.valid.clone() - total.clone() - exhausted.clone(),
                quota: A::quota(&total, seats),
                votes,
                exhausted,
                surplus: A::t_zero(),
            };
            st.close_stage(
                Action::FirstCount,
                None,
                &snap,
                vec![],
                vec![],
                vec![],
                vec![],
            );
        }
        let mut elected_now = Vec::new();
        let mut defeated_now = Vec::new();
        for c in remaining {
            // Constraints: one the rules rule out is defeated rather than elected.
            if st.elected.len() < seats as usize && cx.may_elect(&st.state, CandidateId(c as u32)) {
                st.state[c] = CandidateState::Elected;
                st.elected.push(CandidateId(c as u32));
                elected_now.push(CandidateId(c as u32));
            } else {
                st.state[c] = CandidateState::Excluded;
                st.kf[c] = A::v_zero();
                defeated_now.push(CandidateId(c as u32));
            }
        }
        let last = st.stages.last_mut().expect("a stage");
        for c in &elected_now {
            last.elected.push(profile.name(*c).to_string());
        }
        for c in &defeated_now {
            last.excluded.push(profile.name(*c).to_string());
        }
        for c in profile.candidate_ids() {
            last.states
                .insert(profile.name(c).to_string(), st.state[c.index()]);
        }
        if !elected_now.is_empty() {
            last.notes.push(format!(
                "C.1: {} remaining hopeful candidate(s) elected{}",
                elected_now.len(),
                if st.elected.len() < seats as usize {
                    format!("; {} seat(s) unfilled", seats as usize - st.elected.len())
                } else {
                    String::new()
                }
            ));
        }
        if !defeated_now.is_empty() {
            last.notes.push(format!(
                "C.2: all seats filled; {} remaining hopeful candidate(s) defeated",
                defeated_now.len()
            ));
        }
    }

    let mut options_out = IndexMap::new();
    options_out.insert(
        "omega".to_string(),
        format!("10^-{}", options.omega_exponent),
    );
    options_out.insert(
        "rounding".to_string(),
        match options.rounding {
            Rounding::Parametric => "parametric (kept and passed on both truncated)",
            Rounding::KeepUp => "keep-up (kept rounded up, PRF B.2.a)",
        }
        .to_string(),
    );
    options_out.insert(
        "omega_test".to_string(),
        if options.omega_strict {
            "surplus < omega"
        } else {
            "surplus <= omega"
        }
        .to_string(),
    );
    if options.defeat_batch {
        options_out.insert("defeat_batch".to_string(), "safe".to_string());
    }
    if has_equal {
        options_out.insert(
            "equal_rankings".to_string(),
            "recursive descent (Droop, stv-rs default)".to_string(),
        );
    }
    let summary = cx.finish(&st.elected, &mut st.stages);
    let mut report = Report::new(election, METHOD, RULES, A::name());
    report.quota = Some(initial_quota.to_string());
    report.valid_ballots = valid_w.to_string();
    report.invalid_ballots = invalid_w.to_string();
    report.elected = names(profile, &st.elected);
    report.stages = st.stages;
    report.constraints = summary;
    report.options = options_out;
    report.record_ties(
        options.tie_policy.name().to_string(),
        (options.tie_policy == TiePolicy::Backward).then_some(options.reading),
        &options.lot,
        profile,
    );
    Ok(report)
}

impl<A: Arith> State<'_, A> {
    fn hopeful(&self) -> Vec<usize> {
        (0..self.n)
            .filter(|&c| self.state[c] == CandidateState::Continuing)
            .collect()
    }

    /// B.2.c: those reaching the quota, in ballot order (as stv-rs and Droop elect them). If
    /// more reach it than there are seats left, the highest are taken (ties by lot).
    fn choose_winners(
        &self,
        mut reaching: Vec<usize>,
        seats_left: usize,
        votes: &[A::T],
    ) -> Vec<usize> {
        if reaching.len() <= seats_left {
            return reaching;
        }
        let mut by_votes = reaching.clone();
        by_votes.sort_by(|&a, &b| {
            votes[b].cmp(&votes[a]).then_with(|| {
                let pa = self.options.lot.order.iter().position(|c| c.index() == a);
                let pb = self.options.lot.order.iter().position(|c| c.index() == b);
                pa.cmp(&pb)
            })
        });
        by_votes.truncate(seats_left);
        reaching.retain(|c| by_votes.contains(c));
        reaching
    }

    /// Droop `meek` `batchDefeat`: the largest group of lowest candidates whose votes plus
    /// the surplus are below the next candidate, leaving enough to fill the seats, never
    /// splitting candidates within the surplus of each other.
    fn batch_defeat(&self, snap: &Snapshot<A>, seats_left: usize) -> Vec<usize> {
        let mut sorted = self.hopeful();
        sorted.sort_by(|&a, &b| snap.votes[a].cmp(&snap.votes[b]).then(a.cmp(&b)));
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let mut group: Vec<usize> = Vec::new();
        let mut vote = A::t_zero();
        for &c in &sorted {
            if vote.clone() + snap.surplus.clone() >= snap.votes[c] {
                group.push(c);
            } else {
                if !group.is_empty() {
                    groups.push(std::mem::take(&mut group));
                }
                group = vec![c];
                vote = snap.votes[c].clone();
            }
        }
        if !group.is_empty() {
            groups.push(group);
        }
        let max_defeat = sorted.len().saturating_sub(seats_left);
        let mut total = A::t_zero();
        let mut ncand = 0;
        let mut maxg = None;
        for g in 0..groups.len().saturating_sub(1) {
            ncand += groups[g].len();
            if ncand > max_defeat {
                break;
            }
            for &c in &groups[g] {
                total = total + snap.votes[c].clone();
            }
            if total.clone() + snap.surplus.clone() < snap.votes[groups[g + 1][0]] {
                maxg = Some(g);
            }
        }
        let mut batch: Vec<usize> = match maxg {
            Some(g) => groups[..=g].concat(),
            None => vec![],
        };
        batch.sort_unstable();
        batch
    }

    /// T: breaks a tie for defeat (lot by default; earlier stages first if asked).
    fn break_tie(
        &self,
        tied: &[CandidateId],
        snap: &Snapshot<A>,
        ties: &mut Vec<TieBreak>,
    ) -> CandidateId {
        if tied.len() == 1 {
            return tied[0];
        }
        let mut history = self.history.clone();
        history.push(snap.votes.iter().map(A::t_exact).collect());
        let preceding = &history[..history.len() - 1];
        let (chosen, how) = break_tie_by(
            self.options.tie_policy,
            tied,
            preceding,
            Want::Lowest,
            self.options.reading,
            &self.options.lot,
        );
        let profile = &self.election.profile;
        let (by, stage) = match how {
            Resolution::PriorStage(s) => ("prior_stage", Some(s)),
            Resolution::Lot => ("lot", None),
        };
        ties.push(TieBreak {
            about: "exclusion".to_string(),
            tied: tied.iter().map(|&c| profile.name(c).to_string()).collect(),
            chosen: profile.name(chosen).to_string(),
            by: by.to_string(),
            stage,
        });
        chosen
    }

    #[allow(clippy::too_many_arguments)]
    fn close_stage(
        &mut self,
        action: Action,
        about: Option<String>,
        snap: &Snapshot<A>,
        elected: Vec<CandidateId>,
        excluded: Vec<CandidateId>,
        ties: Vec<TieBreak>,
        notes: Vec<String>,
    ) {
        let profile = &self.election.profile;
        let prev = self.history.last();
        let mut votes = IndexMap::new();
        let mut states = IndexMap::new();
        let mut transfers = IndexMap::new();
        let mut keep_factors = IndexMap::new();
        let exact: Vec<Rational> = snap.votes.iter().map(A::t_exact).collect();
        for c in profile.candidate_ids() {
            let name = profile.name(c).to_string();
            let v = &snap.votes[c.index()];
            if let Some(prev) = prev {
                let d = Rational(&exact[c.index()].0 - &prev[c.index()].0);
                if !num_traits::Zero::is_zero(&d.0) {
                    let before = &prev[c.index()];
                    // Show the change in this arithmetic's own places.
                    let shown = if A::EXACT {
                        d.to_string()
                    } else {
                        let units = |r: &Rational| -> i128 {
                            use num_traits::ToPrimitive;
                            (&r.0 * num_rational::BigRational::from_integer(S9.into()))
                                .to_integer()
                                .to_i128()
                                .unwrap_or(0)
                        };
                        T9(units(&exact[c.index()]) - units(before)).to_string()
                    };
                    let s = if d.0 > num_rational::BigRational::from_integer(0.into()) {
                        format!("+{shown}")
                    } else {
                        shown
                    };
                    transfers.insert(name.clone(), s);
                }
            }
            votes.insert(name.clone(), v.to_string());
            states.insert(name.clone(), self.state[c.index()]);
            if self.state[c.index()] != CandidateState::Withdrawn {
                keep_factors.insert(name, A::v_show(&self.kf_at_snapshot(c.index(), &excluded)));
            }
        }
        self.stages.push(Stage {
            number: self.stages.len() as u32 + 1,
            action,
            candidate: about,
            surplus: Some(snap.surplus.to_string()),
            votes,
            quota: Some(snap.quota.to_string()),
            keep_factors,
            states,
            transfers,
            non_transferable: snap.exhausted.to_string(),
            loss_to_truncation: snap.loss.to_string(),
            elected: elected
                .iter()
                .map(|&c| profile.name(c).to_string())
                .collect(),
            excluded: excluded
                .iter()
                .map(|&c| profile.name(c).to_string())
                .collect(),
            ties,
            notes,
            constraint_actions: Vec::new(),
            percentages: IndexMap::new(),
        });
        self.history.push(exact);
    }

    /// The keep factor in force at the stage's count: a candidate defeated at this stage
    /// still had the factor it was counted with (1).
    fn kf_at_snapshot(&self, c: usize, excluded: &[CandidateId]) -> A::V {
        if excluded.iter().any(|e| e.index() == c) {
            A::v_one()
        } else {
            self.kf[c].clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Candidate, ProfileBuilder, Rank};

    fn election(seats: u32, names: &[&str], ballots: &[(u64, &[u32])]) -> Election {
        let mut b = ProfileBuilder::new(
            names
                .iter()
                .map(|n| Candidate {
                    name: n.to_string(),
                })
                .collect(),
        )
        .unwrap();
        for (w, r) in ballots {
            let ranks: Vec<Rank> = r.iter().map(|&c| Rank::One(CandidateId(c))).collect();
            b.push(Weight::from_int(*w).unwrap(), &ranks).unwrap();
        }
        Election {
            title: "t".to_string(),
            seats,
            profile: b.build(),
            withdrawn: vec![],
        }
    }

    fn conserved(r: &Report) {
        for s in &r.stages {
            let mut sum = Rational::from_ratio_str("0");
            for v in s.votes.values() {
                sum += Rational::from_ratio_str(v);
            }
            sum = sum
                + Rational::from_ratio_str(&s.non_transferable)
                + Rational::from_ratio_str(&s.loss_to_truncation);
            assert_eq!(
                sum,
                Rational::from_ratio_str(&r.valid_ballots),
                "stage {}",
                s.number
            );
        }
    }

    impl Rational {
        fn from_ratio_str(s: &str) -> Rational {
            let (neg, s) = match s.strip_prefix('-') {
                Some(r) => (true, r),
                None => (false, s),
            };
            let (i, f) = s.split_once('.').unwrap_or((s, ""));
            let num: num_bigint::BigInt = format!("{i}{f}").parse().unwrap();
            let den = num_bigint::BigInt::from(10u32).pow(f.len() as u32);
            let r = num_rational::BigRational::new(num, den);
            Rational(if neg { -r } else { r })
        }
    }

    #[test]
    fn surplus_moves_by_keep_factor() {
        // 10 A>B, 2 B, 3 C; 1 seat... 2 seats: quota 5.000000001.
        let e = election(2, &["A", "B", "C"], &[(10, &[0, 1]), (2, &[1]), (3, &[2])]);
        let r = count(&e, &Options::stv_rs(LotOrder::given(&[], 3))).unwrap();
        assert_eq!(r.elected, vec!["A", "B"]);
        conserved(&r);
        let ex = count(
            &e,
            &Options {
                arithmetic: MeekArithmetic::Exact,
                ..Options::stv_rs(LotOrder::given(&[], 3))
            },
        )
        .unwrap();
        assert_eq!(ex.elected, vec!["A", "B"]);
        conserved(&ex);
    }

    #[test]
    fn no_seats_is_an_error() {
        let e = election(0, &["A"], &[(1, &[0])]);
        assert_eq!(
            count(&e, &Options::stv_rs(LotOrder::given(&[], 1))).unwrap_err(),
            CountError::NoSeats
        );
    }

    #[test]
    fn equal_rankings_can_be_refused() {
        let mut b = ProfileBuilder::new(vec![
            Candidate { name: "A".into() },
            Candidate { name: "B".into() },
        ])
        .unwrap();
        b.push(
            Weight::ONE,
            &[Rank::Equal(vec![CandidateId(0), CandidateId(1)])],
        )
        .unwrap();
        let e = Election {
            title: "t".into(),
            seats: 1,
            profile: b.build(),
            withdrawn: vec![],
        };
        let o = Options {
            equal_ranks: EqualRanks::Refuse,
            ..Options::stv_rs(LotOrder::given(&[], 2))
        };
        assert!(matches!(count(&e, &o), Err(CountError::Invalid(_))));
        let r = count(&e, &Options::stv_rs(LotOrder::given(&[], 2))).unwrap();
        assert_eq!(r.elected.len(), 1);
        conserved(&r);
    }
}

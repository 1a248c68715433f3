//! First past the post: the candidate(s) with the most first preferences win.
//!
//! Source: the simple-plurality rule of UK parliamentary elections — Representation of the
//! People Act 1983, Sch. 1 (Parliamentary Elections Rules): r. 47 (void papers), r. 49
//! (equality of votes decided by lot), r. 50 (the candidate to whom the majority — the most —
//! of the votes has been given is declared elected). For several seats, the `seats` highest
//! (single non-transferable vote).
//!
//! The rule:
//!
//! - **(1) Votes.** Each valid paper is one vote, of its weight, for the candidate it marks
//!   first. Blank ranks and withdrawn candidates before the first mark are passed over. A paper
//!   whose first mark names several candidates (an equal ranking: votes given for more than one
//!   candidate, r. 47(1)(b)) or that names none is void, and counted as invalid.
//! - **(2) Result.** The `seats` candidates with the most votes are elected, highest first;
//!   equal votes are ordered by lot (the candidate first in the lot takes the higher place), and
//!   a tie across the last seat is recorded (r. 49: decided by lot).
//! - **(3) Constraints** (not in the Act): with several seats, category constraints are met
//!   by replacement as in block vote ([`super::block`], rule (4)).
//!
//! One stage; no quota. Whole votes (`fixed-0`), or millionths for fractional ballot weights.

use super::{Arithmetic, CountOptions};
use crate::arith::{Fixed, Number};
use crate::model::{CandidateId, Election, RankView};
use crate::report::Report;
use crate::CountError;

pub const METHOD: &str = "fptp";
pub const RULES: &str = "First past the post (simple plurality; RPA 1983 Sch. 1 rr. 47, 49, 50); \
                         several seats: the highest polls";

/// Counts `election` by first past the post.
pub fn count(election: &Election, options: &CountOptions) -> Result<Report, CountError> {
    if election.seats == 0 {
        return Err(CountError::NoSeats);
    }
    let whole = election.profile.ballots().all(|b| b.weight.is_integer());
    match options.arithmetic {
        None | Some(Arithmetic::Fixed(0)) if whole => run::<0>(election, options),
        None | Some(Arithmetic::Fixed(6)) => run::<6>(election, options),
        Some(a) => Err(CountError::Invalid(format!(
            "first past the post counts whole papers exactly (fixed0, or fixed6 for fractional \
             weights); --arithmetic {} is not offered",
            a.name()
        ))),
    }
}

/// Rule (1): the first mark of a paper, if it names exactly one candidate.
fn first_mark(election: &Election, ballot: usize) -> Option<CandidateId> {
    for rank in election.profile.ballot(ballot).ranks() {
        match rank {
            RankView::Skipped => continue,
            RankView::One(c) if election.is_withdrawn(c) => continue,
            RankView::One(c) => return Some(c),
            RankView::Equal(g) => {
                let mut live = g.iter().filter(|&c| !election.is_withdrawn(c));
                let first = live.next();
                return match (first, live.next()) {
                    (Some(c), None) => Some(c),
                    (None, _) => continue,
                    _ => None,
                };
            }
        }
    }
    None
}

fn run<const P: u32>(election: &Election, options: &CountOptions) -> Result<Report, CountError> {
    let n = election.candidates().len();
    let mut votes = vec![Fixed::<P>::zero(); n];
    let mut invalid = Fixed::<P>::zero();
    let mut total: i64 = 0;
    for i in 0..election.profile.len() {
        let w = election.profile.ballot(i).weight;
        let v = Fixed::<P>::from_weight(w)
            .ok_or_else(|| CountError::FractionalWeight(w.to_string()))?;
        total = total.checked_add(v.units()).ok_or(CountError::Overflow)?;
        match first_mark(election, i) {
            Some(c) => votes[c.index()] += v,
            None => invalid += v,
        }
    }
    super::block::declare(election, options, votes, METHOD, RULES, None, Some(invalid))
}

//! The machinery shared by the Gregory-family STV rule sets: piles of papers per candidate,
//! finding a paper's next usable preference, transfers, and writing stages into the report.
//!
//! A rule set (e.g. [`crate::methods::scottish_stv`]) drives a [`Count`] and decides *what*
//! happens at each stage; this module only does *how* papers move, exactly.
//!
//! Invariant, checked by the tests of every rule set: at the end of every stage,
//! Σ votes of all candidates + non-transferable + loss to truncation = valid papers.

use indexmap::IndexMap;

use crate::arith::Number;
use crate::constraints::Tracker;
use crate::model::{CandidateId, Election, RankView};
use crate::report::{stage_tables, Action, CandidateState, Stage, TieBreak};
use crate::tie::{
    break_tie, break_tie_by, LotOrder, PriorStageReading, Resolution, TiePolicy, Want,
};
use crate::CountError;

/// Papers that share a ranking and a current value, sitting with one candidate.
#[derive(Clone, Debug)]
pub(crate) struct Parcel<N> {
    /// Index of the ranking in the profile.
    pub ballot: u32,
    /// Token position just after the preference that brought the papers here.
    pub pos: u32,
    /// Number of papers.
    pub papers: u64,
    /// Value of each paper.
    pub value: N,
}

/// The state of a count in progress.
pub(crate) struct Count<'e, N: Number> {
    pub election: &'e Election,
    pub votes: Vec<N>,
    pub state: Vec<CandidateState>,
    pub piles: Vec<Vec<Parcel<N>>>,
    pub non_transferable: N,
    pub loss: N,
    /// Votes at the end of each finished stage.
    pub history: Vec<Vec<N>>,
    pub stages: Vec<Stage>,
    pub elected: Vec<CandidateId>,
    pub reading: PriorStageReading,
    pub lot: LotOrder,
    /// Where the last batch each candidate received starts in their pile (for rule sets that
    /// transfer only the last parcel of a surplus, such as ERS97 5.3.2). Papers placed in a
    /// pile directly (the first count) are not a batch: the start stays 0, the whole pile.
    pub last_batch_start: Vec<usize>,
    /// Which call of [`Count::transfer`] each candidate last received papers from.
    last_batch_seq: Vec<u64>,
    /// Calls of [`Count::transfer`] so far.
    transfer_seq: u64,
}

impl<'e, N: Number> Count<'e, N> {
    pub fn new(election: &'e Election, reading: PriorStageReading, lot: LotOrder) -> Self {
        let n = election.candidates().len();
        let mut state = vec![CandidateState::Continuing; n];
        for &w in &election.withdrawn {
            if w.index() < n {
                state[w.index()] = CandidateState::Withdrawn;
            }
        }
        Count {
            election,
            votes: vec![N::zero(); n],
            state,
            piles: vec![Vec::new(); n],
            non_transferable: N::zero(),
            loss: N::zero(),
            history: Vec::new(),
            stages: Vec::new(),
            elected: Vec::new(),
            reading,
            lot,
            last_batch_start: vec![0; n],
            last_batch_seq: vec![0; n],
            transfer_seq: 0,
        }
    }

    /// The parcels of the last batch `c` received (all of the pile if `c` never received a
    /// transfer).
    pub fn last_batch(&self, c: CandidateId) -> &[Parcel<N>] {
        let pile = &self.piles[c.index()];
        &pile[self.last_batch_start[c.index()].min(pile.len())..]
    }

    pub fn name(&self, c: CandidateId) -> &'e str {
        self.election.profile.name(c)
    }

    pub fn continuing(&self) -> Vec<CandidateId> {
        self.election
            .profile
            .candidate_ids()
            .filter(|c| self.state[c.index()] == CandidateState::Continuing)
            .collect()
    }

    /// The next preference on a paper, from token position `pos`, for a continuing candidate.
    /// A skipped rank or an equal ranking ends the paper: it is non-transferable from there
    /// (Scottish Order 2007 Sch. 1 r. 2, "non-transferable paper" (b) and (c)).
    #[inline]
    pub fn next_preference(&self, ballot: u32, mut pos: usize) -> Option<(CandidateId, usize)> {
        let b = self.election.profile.ballot(ballot as usize);
        while let Some((rank, next)) = b.rank_at(pos) {
            match rank {
                RankView::One(c) if self.state[c.index()] == CandidateState::Continuing => {
                    return Some((c, next))
                }
                RankView::One(_) => pos = next,
                RankView::Equal(_) | RankView::Skipped => return None,
            }
        }
        None
    }

    /// Moves `parcels` on to their next preferences, each paper now worth `value_of(parcel)`.
    /// Returns the total value that became non-transferable.
    pub fn transfer(&mut self, parcels: Vec<Parcel<N>>, value_of: impl Fn(&Parcel<N>) -> N) -> N {
        let mut nt = N::zero();
        self.transfer_seq += 1;
        for p in parcels {
            let v = value_of(&p);
            let amount = v.mul_int(p.papers);
            match self.next_preference(p.ballot, p.pos as usize) {
                Some((c, next)) => {
                    if self.last_batch_seq[c.index()] != self.transfer_seq {
                        self.last_batch_seq[c.index()] = self.transfer_seq;
                        self.last_batch_start[c.index()] = self.piles[c.index()].len();
                    }
                    self.votes[c.index()] += amount;
                    self.piles[c.index()].push(Parcel {
                        ballot: p.ballot,
                        pos: next as u32,
                        papers: p.papers,
                        value: v,
                    });
                }
                None => nt += amount,
            }
        }
        self.non_transferable += nt.clone();
        nt
    }

    /// Breaks a tie among `tied` by the stages before the current one, then by lot, and
    /// records how in `ties`.
    pub fn break_tie(
        &self,
        tied: &[CandidateId],
        want: Want,
        about: &str,
        ties: &mut Vec<TieBreak>,
    ) -> CandidateId {
        if tied.len() == 1 {
            return tied[0];
        }
        let preceding = &self.history[..self.history.len().saturating_sub(1)];
        let (chosen, how) = break_tie(tied, preceding, want, self.reading, &self.lot);
        let (by, stage) = match how {
            Resolution::PriorStage(s) => ("prior_stage", Some(s)),
            Resolution::Lot => ("lot", None),
        };
        ties.push(TieBreak {
            about: about.to_string(),
            tied: tied.iter().map(|&c| self.name(c).to_string()).collect(),
            chosen: self.name(chosen).to_string(),
            by: by.to_string(),
            stage,
        });
        chosen
    }

    /// Breaks a tie among `tied` under `policy` (backward as [`Count::break_tie`], forward
    /// from the first stage, or straight to the lot), looking only at the stages before the
    /// current one, and records how in `ties`. Returns the one chosen and whether the lot
    /// chose it.
    pub fn break_tie_with(
        &self,
        policy: TiePolicy,
        tied: &[CandidateId],
        want: Want,
        about: &str,
        ties: &mut Vec<TieBreak>,
    ) -> (CandidateId, bool) {
        if tied.len() == 1 {
            return (tied[0], false);
        }
        let preceding = &self.history[..self.history.len().saturating_sub(1)];
        let (chosen, how) = break_tie_by(policy, tied, preceding, want, self.reading, &self.lot);
        let (by, stage) = match how {
            Resolution::PriorStage(s) => ("prior_stage", Some(s)),
            Resolution::Lot => ("lot", None),
        };
        ties.push(TieBreak {
            about: about.to_string(),
            tied: tied.iter().map(|&c| self.name(c).to_string()).collect(),
            chosen: self.name(chosen).to_string(),
            by: by.to_string(),
            stage,
        });
        (chosen, stage.is_none())
    }

    /// Closes a stage: snapshots the votes and writes the stage into the report.
    #[allow(clippy::too_many_arguments)]
    pub fn close_stage(
        &mut self,
        action: Action,
        candidate: Option<CandidateId>,
        surplus: Option<N>,
        elected: Vec<CandidateId>,
        excluded: Vec<CandidateId>,
        ties: Vec<TieBreak>,
        notes: Vec<String>,
    ) {
        let (votes, states, transfers) = stage_tables(
            &self.election.profile,
            &self.votes,
            self.history.last().map(Vec::as_slice),
            &self.state,
        );
        self.stages.push(Stage {
            number: self.stages.len() as u32 + 1,
            action,
            candidate: candidate.map(|c| self.name(c).to_string()),
            surplus: surplus.map(|s| s.to_string()),
            votes,
            quota: None,
            keep_factors: IndexMap::new(),
            states,
            transfers,
            non_transferable: self.non_transferable.to_string(),
            loss_to_truncation: self.loss.to_string(),
            elected: elected.iter().map(|&c| self.name(c).to_string()).collect(),
            excluded: excluded.iter().map(|&c| self.name(c).to_string()).collect(),
            ties,
            notes,
            constraint_actions: Vec::new(),
            percentages: IndexMap::new(),
        });
        self.history.push(self.votes.clone());
    }

    /// Elects every continuing candidate whose votes `reach` the threshold, highest first
    /// (equal votes in ballot order), and returns them in that order. An election that the
    /// category constraints forbid is not made: the candidate is doomed, and the rule set
    /// excludes them next.
    pub fn elect_reaching(
        &mut self,
        reaches: impl Fn(&N) -> bool,
        cx: &mut Tracker,
    ) -> Vec<CandidateId> {
        let mut reached: Vec<CandidateId> = self
            .continuing()
            .into_iter()
            .filter(|c| reaches(&self.votes[c.index()]))
            .collect();
        reached.sort_by(|a, b| {
            self.votes[b.index()]
                .cmp(&self.votes[a.index()])
                .then(a.cmp(b))
        });
        reached.retain(|&c| {
            let may = cx.may_elect(&self.state, c);
            if may {
                self.elect(c);
            }
            may
        });
        reached
    }

    /// Marks `c` elected (in order of election).
    pub fn elect(&mut self, c: CandidateId) {
        self.state[c.index()] = CandidateState::Elected;
        self.elected.push(c);
    }

    /// Candidates' states and order of election amended in the last stage (for elections that
    /// happen without a transfer, such as rule 52(1)).
    pub fn amend_last_stage(&mut self, elected: &[CandidateId], note: Option<String>) {
        let names: Vec<String> = elected.iter().map(|&c| self.name(c).to_string()).collect();
        let states: Vec<(String, CandidateState)> = self
            .election
            .profile
            .candidate_ids()
            .map(|c| (self.name(c).to_string(), self.state[c.index()]))
            .collect();
        if let Some(stage) = self.stages.last_mut() {
            stage.elected.extend(names);
            for (n, s) in states {
                stage.states.insert(n, s);
            }
            stage.notes.extend(note);
        }
    }

    /// Sum over all candidates, plus non-transferable and loss: must equal the valid papers.
    pub fn conserved_total(&self) -> N {
        self.votes.iter().cloned().sum::<N>() + self.non_transferable.clone() + self.loss.clone()
    }
}

/// Whole papers from a weight, for rule sets that count physical ballot papers.
pub(crate) fn whole_papers(w: crate::model::Weight) -> Result<u64, CountError> {
    w.as_integer()
        .ok_or(CountError::FractionalWeight(w.to_string()))
}

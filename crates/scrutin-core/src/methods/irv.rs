//! Instant-runoff voting (IRV): one seat, transfers at full value, lowest excluded each round.
//!
//! Source: the instant-runoff rule as RCTab applies it — RCTab (Ranked Choice Voting Tabulator,
//! Bright Spots, github.com/BrightSpots/rcv) `Tabulator.java` and its configuration reference
//! (`config_file_documentation.txt`, "rules" section). The options below carry RCTab's
//! configuration names so that a contest configured there can be counted here
//! (`scrutin_formats::rctab` maps a `<case>_config.json` onto [`IrvRules`]).
//!
//! The rule, in rounds (round 1 is the first count; each later round is one exclusion — one
//! stage of the report each, as a result sheet numbers them):
//!
//! - **(1) Count.** Each paper counts, at its full weight, for its highest-ranked continuing
//!   candidate. How a paper is read rank by rank is step (5).
//! - **(2) Threshold.** `⌊continuing votes ÷ 2⌋ + 1` in whole votes (RCTab `winningThreshold`
//!   with `numberOfWinners = 1`; with fractional weights `⌊T/2⌋` to six places plus 0.000001):
//!   exactly "more than half of the votes for continuing candidates". Recomputed every round,
//!   unless `doesFirstRoundDetermineThreshold` fixes it at round 1. Never below
//!   `minimumVoteThreshold`.
//! - **(3) Election.** A candidate with at least the threshold is elected. No one is elected
//!   while undeclared write-ins hold votes. If one candidate is left, they are elected; if two
//!   are left and neither reaches the threshold (possible only with a fixed threshold or a tie),
//!   the one with more votes is elected, a tie being broken as for an exclusion.
//! - **(4) Exclusion.** Otherwise one round excludes, in this order of precedence: the undeclared
//!   write-ins if they hold votes; every candidate below `minimumVoteThreshold`; a *batch* of
//!   the lowest candidates whose combined votes are fewer than the next-lowest candidate's
//!   (`batchElimination`: they cannot overtake anyone even with all of each other's votes);
//!   else the single lowest candidate, a tie broken by the tie policy (default: the most recent
//!   preceding round at which they differed, then the lot). Their papers move at full value to
//!   the next usable rank (step 5) in the next round.
//! - **(5) Reading a paper.** From the top, rank by rank:
//!   - more than `maxSkippedRanksAllowed` blank ranks in a row before a marked rank: the paper
//!     is exhausted there ("skipped rankings");
//!   - several candidates at one rank (an overvote, in the model an equal ranking):
//!     `exhaustImmediately` ends the paper; `alwaysSkipToNextRank` passes over the rank;
//!     `exhaustIfMultipleContinuing` ends the paper only if two or more of them are continuing,
//!     and otherwise reads the rank as naming the continuing one;
//!   - the first continuing candidate found gets the paper; withdrawn (RCTab: `excluded`) and
//!     excluded candidates are passed over; a paper with no continuing candidate left is
//!     exhausted;
//!   - a candidate ranked twice cannot be held in a profile: `scrutin_formats::rctab` resolves
//!     RCTab's `exhaustOnDuplicateCandidate` when it reads the records.
//! - **(6) End.** The count stops once the seat is filled, unless
//!   `continueUntilTwoCandidatesRemain` asks for exclusions to go on (the winner staying in the
//!   count) until two candidates remain; or after `stopTabulationEarlyAfterRound` rounds.
//!
//! The defaults ([`IrvRules::default`]) are the plain rule: an overvote exhausts the paper,
//! blank ranks are passed over, one exclusion per round, no minimum.
//!
//! Votes are exact: whole ballots count in whole numbers, fractional ballot weights in
//! millionths (`Fixed<6>`), with no rounding anywhere (transfers are at full value).

use indexmap::IndexMap;

use super::{Arithmetic, CountOptions};
use crate::arith::{Fixed, Number};
use crate::model::{CandidateId, Election, RankView, Weight};
use crate::report::{names, stage_tables, Action, CandidateState, Report, Stage, TieBreak};
use crate::tie::{break_tie_by, Resolution, TiePolicy, Want};
use crate::CountError;

pub const METHOD: &str = "irv";
pub const RULES: &str = "Instant-runoff voting as tabulated by RCTab (BrightSpots/rcv Tabulator; \
                         configuration names as in RCTab's config_file_documentation)";

/// RCTab `overvoteRule`: what a rank naming several candidates does to a paper.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OvervoteRule {
    /// `exhaustImmediately` (default): the paper is exhausted at the overvoted rank.
    #[default]
    ExhaustImmediately,
    /// `alwaysSkipToNextRank`: the overvoted rank is passed over.
    AlwaysSkipToNextRank,
    /// `exhaustIfMultipleContinuing`: exhausted only if two or more of the candidates at that
    /// rank are continuing; otherwise the paper counts for the continuing one.
    ExhaustIfMultipleContinuing,
}

impl OvervoteRule {
    /// From RCTab's configuration value.
    pub fn from_rctab(s: &str) -> Option<Self> {
        match s {
            "exhaustImmediately" => Some(Self::ExhaustImmediately),
            "alwaysSkipToNextRank" => Some(Self::AlwaysSkipToNextRank),
            "exhaustIfMultipleContinuing" => Some(Self::ExhaustIfMultipleContinuing),
            _ => None,
        }
    }
}

/// The options of the rule, each named as in RCTab's configuration file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IrvRules {
    /// `overvoteRule`.
    pub overvote: OvervoteRule,
    /// `maxSkippedRanksAllowed`: blank ranks allowed in a row before a marked one; `None`
    /// (RCTab "unlimited") passes over any number.
    pub max_skipped_ranks: Option<u32>,
    /// `batchElimination`.
    pub batch_elimination: bool,
    /// `continueUntilTwoCandidatesRemain`.
    pub continue_until_two: bool,
    /// `doesFirstRoundDetermineThreshold`.
    pub first_round_determines_threshold: bool,
    /// `minimumVoteThreshold` (`None` or zero: none).
    pub minimum_vote_threshold: Option<Weight>,
    /// `stopTabulationEarlyAfterRound`.
    pub stop_after_round: Option<u32>,
    /// The candidate standing for undeclared write-ins (RCTab "Undeclared Write-ins"): it cannot
    /// win, and it is excluded first whenever it holds votes.
    pub undeclared_write_in: Option<CandidateId>,
}

/// Why a paper stopped counting (RCTab's inactive-ballot categories).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Exhausted {
    /// No ranks at all (RCTab: undervote).
    Undervote,
    Overvote,
    SkippedRankings,
    /// No continuing candidate left on it.
    Choices,
}

/// Counts `election` under instant-runoff with `rules`. Ties: `options.tie_policy` (default
/// backward, i.e. the most recent preceding round at which the tied candidates differed, read
/// as `options.reading`), then `options.lot` — the tied candidate first in the lot is the one
/// excluded (or, for the last two, the one not elected).
pub fn count(
    election: &Election,
    rules: &IrvRules,
    options: &CountOptions,
) -> Result<Report, CountError> {
    if election.seats != 1 {
        return Err(CountError::Invalid(format!(
            "instant-runoff fills one seat, but the election has {} (use a multi-seat method)",
            election.seats
        )));
    }
    let whole = election.profile.ballots().all(|b| b.weight.is_integer());
    match options.arithmetic {
        None if whole => run::<0>(election, rules, options),
        None | Some(Arithmetic::Fixed(6)) => run::<6>(election, rules, options),
        Some(Arithmetic::Fixed(0)) if whole => run::<0>(election, rules, options),
        Some(a) => Err(CountError::Invalid(format!(
            "instant-runoff moves whole papers at full value and counts exactly in whole votes \
             (fixed0) or millionths for fractional weights (fixed6); --arithmetic {} is not offered",
            a.name()
        ))),
    }
}

struct Irv<'e, const P: u32> {
    election: &'e Election,
    rules: &'e IrvRules,
    state: Vec<CandidateState>,
    votes: Vec<Fixed<P>>,
    /// Papers (profile indices) counting for each candidate.
    piles: Vec<Vec<u32>>,
    weights: Vec<Fixed<P>>,
    /// Value of exhausted papers by category: undervote, overvote, skipped, choices.
    exhausted: [Fixed<P>; 4],
    history: Vec<Vec<Fixed<P>>>,
    stages: Vec<Stage>,
    elected: Vec<CandidateId>,
}

impl<const P: u32> Irv<'_, P> {
    fn name(&self, c: CandidateId) -> String {
        self.election.profile.name(c).to_string()
    }

    /// In the tally: continuing, or (with `continueUntilTwoCandidatesRemain`) already elected.
    fn active(&self, c: CandidateId) -> bool {
        match self.state[c.index()] {
            CandidateState::Continuing => true,
            CandidateState::Elected => self.rules.continue_until_two,
            _ => false,
        }
    }

    fn active_list(&self) -> Vec<CandidateId> {
        self.election
            .profile
            .candidate_ids()
            .filter(|&c| self.active(c))
            .collect()
    }

    /// Step (5): the candidate a paper now counts for, read from its top.
    fn read_paper(&self, ballot: u32) -> Result<CandidateId, Exhausted> {
        let b = self.election.profile.ballot(ballot as usize);
        if b.ranks().all(|r| r == RankView::Skipped) {
            return Err(Exhausted::Undervote);
        }
        let mut rank_no: u32 = 0;
        let mut last_marked: u32 = 0;
        for rank in b.ranks() {
            rank_no += 1;
            let group: Vec<CandidateId> = match rank {
                RankView::Skipped => continue,
                RankView::One(c) => vec![c],
                RankView::Equal(g) => g.iter().collect(),
            };
            if let Some(max) = self.rules.max_skipped_ranks {
                if rank_no - last_marked > max.saturating_add(1) {
                    return Err(Exhausted::SkippedRankings);
                }
            }
            last_marked = rank_no;
            if group.len() > 1 {
                match self.rules.overvote {
                    OvervoteRule::ExhaustImmediately => return Err(Exhausted::Overvote),
                    OvervoteRule::AlwaysSkipToNextRank => continue,
                    OvervoteRule::ExhaustIfMultipleContinuing => {
                        if group.iter().filter(|&&c| self.active(c)).count() > 1 {
                            return Err(Exhausted::Overvote);
                        }
                    }
                }
            }
            if let Some(&c) = group.iter().find(|&&c| self.active(c)) {
                return Ok(c);
            }
        }
        Err(Exhausted::Choices)
    }

    fn place(&mut self, ballot: u32) {
        let w = self.weights[ballot as usize];
        match self.read_paper(ballot) {
            Ok(c) => {
                self.votes[c.index()] += w;
                self.piles[c.index()].push(ballot);
            }
            Err(why) => {
                let i = match why {
                    Exhausted::Undervote => 0,
                    Exhausted::Overvote => 1,
                    Exhausted::SkippedRankings => 2,
                    Exhausted::Choices => 3,
                };
                self.exhausted[i] += w;
            }
        }
    }

    /// Breaks a tie for exclusion (the lot's pick is excluded) and records it.
    fn exclude_one_of(
        &self,
        tied: &[CandidateId],
        about: &str,
        options: &CountOptions,
        ties: &mut Vec<TieBreak>,
    ) -> CandidateId {
        if tied.len() == 1 {
            return tied[0];
        }
        let preceding = &self.history[..self.history.len().saturating_sub(1)];
        let policy = options.tie_policy.unwrap_or(TiePolicy::Backward);
        let (chosen, how) = break_tie_by(
            policy,
            tied,
            preceding,
            Want::Lowest,
            options.reading,
            &options.lot,
        );
        let (by, stage) = match how {
            Resolution::PriorStage(s) => ("prior_stage", Some(s)),
            Resolution::Lot => ("lot", None),
        };
        ties.push(TieBreak {
            about: about.to_string(),
            tied: tied.iter().map(|&c| self.name(c)).collect(),
            chosen: self.name(chosen),
            by: by.to_string(),
            stage,
        });
        chosen
    }

    fn threshold(&self, total: Fixed<P>) -> Fixed<P> {
        // ⌊T/2⌋ at this precision plus one unit: "more than half".
        let half = Fixed::<P>::from_units(total.units() / 2);
        let t = half + Fixed::<P>::from_units(1);
        match self
            .rules
            .minimum_vote_threshold
            .and_then(Fixed::<P>::from_weight)
        {
            Some(m) if m > t => m,
            _ => t,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn close_stage(
        &mut self,
        action: Action,
        candidate: Option<CandidateId>,
        threshold: Fixed<P>,
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
        let nt: Fixed<P> = self.exhausted.iter().copied().sum();
        let mut notes = notes;
        let [u, o, s, ch] = self.exhausted;
        if !nt.is_zero() {
            notes.push(format!(
                "inactive papers: no rankings {u}, overvote {o}, skipped rankings {s}, \
                 no continuing candidate {ch}"
            ));
        }
        self.stages.push(Stage {
            number: self.stages.len() as u32 + 1,
            action,
            candidate: candidate.map(|c| self.name(c)),
            surplus: None,
            votes,
            quota: Some(threshold.to_string()),
            keep_factors: IndexMap::new(),
            states,
            transfers,
            non_transferable: nt.to_string(),
            loss_to_truncation: Fixed::<P>::zero().to_string(),
            elected: elected.iter().map(|&c| self.name(c)).collect(),
            excluded: excluded.iter().map(|&c| self.name(c)).collect(),
            ties,
            notes,
            constraint_actions: Vec::new(),
            percentages: IndexMap::new(),
        });
        self.history.push(self.votes.clone());
    }
}

fn run<const P: u32>(
    election: &Election,
    rules: &IrvRules,
    options: &CountOptions,
) -> Result<Report, CountError> {
    let profile = &election.profile;
    let n = profile.candidates().len();
    if n == 0 {
        return Err(CountError::Invalid("the election has no candidates".into()));
    }
    let mut weights = Vec::with_capacity(profile.len());
    let mut total = Fixed::<P>::zero();
    for b in profile.ballots() {
        let w = Fixed::<P>::from_weight(b.weight)
            .ok_or_else(|| CountError::FractionalWeight(b.weight.to_string()))?;
        if w.units() > i64::MAX / 4 - total.units() {
            return Err(CountError::Overflow);
        }
        total += w;
        weights.push(w);
    }
    let mut state = vec![CandidateState::Continuing; n];
    for &w in &election.withdrawn {
        if w.index() < n {
            state[w.index()] = CandidateState::Withdrawn;
        }
    }
    let uwi = rules.undeclared_write_in.filter(|c| c.index() < n);
    let mut irv = Irv::<P> {
        election,
        rules,
        state,
        votes: vec![Fixed::zero(); n],
        piles: vec![Vec::new(); n],
        weights,
        exhausted: [Fixed::zero(); 4],
        history: Vec::new(),
        stages: Vec::new(),
        elected: Vec::new(),
    };

    // (1) Round 1: every paper to its first usable rank.
    for i in 0..profile.len() {
        irv.place(i as u32);
    }
    let mut action = Action::FirstCount;
    let mut moved_from: Option<CandidateId> = None;
    let mut excluded_now: Vec<CandidateId> = Vec::new();
    let mut ties: Vec<TieBreak> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut first_threshold: Option<Fixed<P>> = None;
    let mut round: u32 = 0;
    loop {
        round += 1;
        let active = irv.active_list();
        let continuing_votes: Fixed<P> = active.iter().map(|c| irv.votes[c.index()]).sum();
        // (2) The threshold.
        let threshold = match first_threshold {
            Some(t) if rules.first_round_determines_threshold => t,
            _ => irv.threshold(continuing_votes),
        };
        first_threshold.get_or_insert(threshold);

        // (3) Election.
        let mut elected_now = Vec::new();
        let uwi_holds = uwi.is_some_and(|u| irv.active(u) && !irv.votes[u.index()].is_zero());
        if irv.elected.is_empty() && !uwi_holds {
            let hopefuls: Vec<CandidateId> =
                active.iter().copied().filter(|&c| Some(c) != uwi).collect();
            let mut reaching: Vec<CandidateId> = hopefuls
                .iter()
                .copied()
                .filter(|c| irv.votes[c.index()] >= threshold)
                .collect();
            let last_two = active.len() == 2
                && reaching.is_empty()
                && rules
                    .minimum_vote_threshold
                    .and_then(Fixed::<P>::from_weight)
                    .is_none_or(|m| active.iter().all(|c| irv.votes[c.index()] >= m));
            if active.len() == 1 {
                reaching = active.clone();
            } else if reaching.len() > 1 || last_two {
                // Only a fixed threshold (or two left, neither reaching it) gets here: the
                // most votes win; a tie is broken as for an exclusion, against the loser.
                let pool = if reaching.is_empty() {
                    hopefuls.clone()
                } else {
                    reaching.clone()
                };
                let top = pool.iter().map(|c| irv.votes[c.index()]).max();
                let mut tied: Vec<CandidateId> = pool
                    .iter()
                    .copied()
                    .filter(|c| Some(irv.votes[c.index()]) == top)
                    .collect();
                while tied.len() > 1 {
                    let loser = irv.exclude_one_of(&tied, "election", options, &mut ties);
                    tied.retain(|&c| c != loser);
                }
                reaching = tied;
            }
            for c in reaching.into_iter().take(1) {
                irv.state[c.index()] = CandidateState::Elected;
                irv.elected.push(c);
                elected_now.push(c);
            }
        }
        irv.close_stage(
            action,
            moved_from,
            threshold,
            elected_now,
            std::mem::take(&mut excluded_now),
            std::mem::take(&mut ties),
            std::mem::take(&mut notes),
        );

        // (6) The end.
        let active = irv.active_list();
        if rules.stop_after_round.is_some_and(|s| round >= s) {
            if irv.elected.is_empty() {
                if let Some(stage) = irv.stages.last_mut() {
                    stage.notes.push(format!(
                        "stopTabulationEarlyAfterRound: the count stops after round {round}"
                    ));
                }
            }
            break;
        }
        let go_on = if irv.elected.is_empty() {
            !active.is_empty()
        } else {
            rules.continue_until_two && active.len() > 2
        };
        if !go_on {
            break;
        }

        // (4) Exclusion.
        let tally = |c: &CandidateId| irv.votes[c.index()];
        let mut out: Vec<CandidateId> = Vec::new();
        if let Some(u) = uwi.filter(|&u| irv.active(u) && !irv.votes[u.index()].is_zero()) {
            out.push(u);
            notes.push("undeclared write-ins are excluded first".to_string());
        }
        if out.is_empty() {
            if let Some(m) = rules
                .minimum_vote_threshold
                .and_then(Fixed::<P>::from_weight)
                .filter(|m| !m.is_zero())
            {
                out = active
                    .iter()
                    .copied()
                    .filter(|c| irv.state[c.index()] == CandidateState::Continuing)
                    .filter(|c| tally(c) < m)
                    .collect();
                if out.len() >= active.len() {
                    return Err(CountError::Invalid(
                        "every candidate is below the minimumVoteThreshold".into(),
                    ));
                }
                if !out.is_empty() {
                    notes.push(format!("below the minimum vote threshold of {m}"));
                }
            }
        }
        if out.is_empty() && rules.batch_elimination {
            out = batch(&active, &tally, rules.continue_until_two);
            if out.len() > 1 {
                notes.push(
                    "batch elimination: together they have fewer votes than the next-lowest"
                        .to_string(),
                );
            } else {
                out.clear();
            }
        }
        if out.is_empty() {
            let pool: Vec<CandidateId> = active
                .iter()
                .copied()
                .filter(|c| irv.state[c.index()] == CandidateState::Continuing)
                .collect();
            let low = pool.iter().map(tally).min();
            let tied: Vec<CandidateId> = pool
                .iter()
                .copied()
                .filter(|c| Some(tally(c)) == low)
                .collect();
            if tied.is_empty() {
                break;
            }
            out.push(irv.exclude_one_of(&tied, "exclusion", options, &mut ties));
        }
        for &c in &out {
            irv.state[c.index()] = CandidateState::Excluded;
        }
        let mut papers = Vec::new();
        for &c in &out {
            papers.append(&mut irv.piles[c.index()]);
            irv.votes[c.index()] = Fixed::zero();
        }
        papers.sort_unstable();
        for p in papers {
            irv.place(p);
        }
        action = Action::Exclusion;
        moved_from = (out.len() == 1).then(|| out[0]);
        excluded_now = out;
        debug_assert_eq!(
            irv.votes.iter().copied().sum::<Fixed<P>>()
                + irv.exhausted.iter().copied().sum::<Fixed<P>>(),
            total
        );
    }

    let mut report = Report::new(election, METHOD, RULES, Fixed::<P>::arithmetic_name());
    let policy = options.tie_policy.unwrap_or(TiePolicy::Backward);
    report.record_ties(
        format!("{}, then lot", policy.name()),
        (policy == TiePolicy::Backward).then_some(options.reading),
        &options.lot,
        profile,
    );
    let describe = |k: &str, v: String| (k.to_string(), v);
    for (k, v) in [
        describe(
            "overvote_rule",
            match rules.overvote {
                OvervoteRule::ExhaustImmediately => "exhaustImmediately",
                OvervoteRule::AlwaysSkipToNextRank => "alwaysSkipToNextRank",
                OvervoteRule::ExhaustIfMultipleContinuing => "exhaustIfMultipleContinuing",
            }
            .to_string(),
        ),
        describe(
            "max_skipped_ranks",
            rules
                .max_skipped_ranks
                .map_or("unlimited".to_string(), |m| m.to_string()),
        ),
        describe("batch_elimination", rules.batch_elimination.to_string()),
        describe(
            "continue_until_two_remain",
            rules.continue_until_two.to_string(),
        ),
        describe(
            "first_round_determines_threshold",
            rules.first_round_determines_threshold.to_string(),
        ),
    ] {
        report.options.insert(k, v);
    }

    report.seats = 1;
    report.quota = first_threshold.map(|t| t.to_string());
    report.valid_ballots = total.to_string();
    report.invalid_ballots = Fixed::<P>::zero().to_string();
    report.elected = names(profile, &irv.elected);
    report.stages = irv.stages;
    Ok(report)
}

/// RCTab batch elimination: going up from the lowest, the largest group of lowest candidates
/// whose combined votes are fewer than the votes of the next candidate above them. With
/// `continueUntilTwoCandidatesRemain`, a batch that would leave only one candidate is cut back
/// to the previous, smaller batch.
fn batch<N: Number>(
    active: &[CandidateId],
    tally: &impl Fn(&CandidateId) -> N,
    until_two: bool,
) -> Vec<CandidateId> {
    let mut by_votes: Vec<CandidateId> = active.to_vec();
    by_votes.sort_by(|a, b| tally(a).cmp(&tally(b)).then(a.cmp(b)));
    let mut running = N::zero();
    let mut seen: Vec<CandidateId> = Vec::new();
    let mut batch: Vec<CandidateId> = Vec::new();
    let mut previous: Vec<CandidateId> = Vec::new();
    let mut i = 0;
    while i < by_votes.len() {
        let v = tally(&by_votes[i]);
        if running < v && seen.len() > batch.len() {
            previous = std::mem::replace(&mut batch, seen.clone());
        }
        while i < by_votes.len() && tally(&by_votes[i]) == v {
            running += v.clone();
            seen.push(by_votes[i]);
            i += 1;
        }
    }
    if until_two && batch.len() + 1 == active.len() {
        batch = previous;
    }
    batch
}

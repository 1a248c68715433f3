//! Category constraints: "at least four women among the nine", "at most two from London".
//!
//! Real governing bodies are rarely elected by plain STV or block vote. Labour's NEC calls for
//! nine members' (CLP) representatives "including at least four women" and three PLP
//! representatives "including at least one woman" (`shared/data/labour-nec/README.md`, 2024
//! call). This module holds everything about such rules, in one place:
//!
//! - the model: a [`Rule`] is a minimum or maximum number of seats for the candidates whose
//!   attribute (a column of the candidates file: gender, region, slate, …) has a value;
//!   [`Constraints`] are the rules, the [`Strategy`] that meets them and the candidates'
//!   attributes; [`Rule::parse`] reads `attr=value:n`;
//! - the feasibility check, made before counting ([`Tracker::new`]): a minimum no group can
//!   meet, minimums of one attribute that sum past the seats, a minimum above a maximum, or
//!   rules that no choice of candidates meets together, is refused with a message;
//! - the hooks each STV rule set calls where *it* decides whom to elect or exclude
//!   ([`Tracker::may_elect`], [`Tracker::must_exclude`], [`Tracker::excludable`]), and the
//!   record of what the constraints did at each stage;
//! - the block-vote replacement ([`Tracker::block_replace`]).
//!
//! # Strategies for STV
//!
//! Both keep each rule set's own structure (its quota, transfers, order of surpluses and
//! exclusions, tie-breaks and last-vacancies rule); the hooks only answer "may this candidate
//! be elected now?", "must someone be excluded now?" and "may this candidate be excluded?".
//!
//! **`guard-doom`** (default): the Grey–Fitzgerald method, as OpenTally applies it (OpenTally
//! `docs/options.md`, "Constraint method: Guard/doom"; its author's note "Multiple
//! constraints in STV elections", yingtongli.me, 1 July 2021). Whenever a candidate is
//! elected or excluded, a continuing candidate who must be elected for a conformant result is
//! *guarded*: they may not be excluded (the next lowest is excluded instead). One who must
//! not be elected is *doomed*: they are excluded at the next opportunity, before anything else
//! happens (before any surplus moves; several doomed, the lowest first, one stage each as the
//! rule set excludes). An election that would make a conformant result impossible (breaking a
//! maximum, or taking a seat a minimum needs) is not made: the candidate is doomed instead.
//! With one constraint this is: a group's continuing candidates are guarded once they are no
//! more than the seats the group still needs; the other candidates are doomed once the group
//! needs every remaining seat, and a group's candidates are doomed once it has its maximum.
//! When the remaining seats must all go to one group, the others are doomed and excluded,
//! and the group's continuing candidates are then elected by the rule set's own
//! last-vacancies rule. Several constraints interact (a London woman counts for both); Hill
//! (*Voting Matters* 9, 1998) and Otten (*Voting Matters* 13, 2001) give tables for that. We
//! decide from the definition itself: a candidate is guarded (doomed) exactly when no choice
//! of continuing candidates to fill the remaining seats meets every rule without them (with
//! them), found by an exhaustive search over the kinds of candidate (which rules' groups each
//! belongs to), which is small for the handful of rules a body has.
//!
//! **`exclude`**: exclusion once the cap is full, the plain rule written into many standing
//! orders ("once five men are elected, the remaining men are excluded"). We know of no
//! published specification; Labour's own wording for the NEC could not be read (README
//! above), so this is the rule as the issue states it. Each rule caps a group: a maximum caps
//! its own group, a minimum caps everyone else at seats − minimum. When a group's elected
//! reach its cap, its continuing candidates are excluded, lowest first, each exclusion a stage
//! whose papers move at their current value as the rule set moves excluded papers; a
//! candidate who would take a group past its cap is not elected (and is excluded). A candidate
//! whose exclusion would make a minimum unreachable (their group's elected and continuing
//! would fall below it) is not excluded: the next lowest is; symmetrically, a maximum leaves
//! at least seats − maximum to the others, and one of them is not excluded when that many
//! are left. Each rule is looked at alone: with
//! interacting rules this can fail where guard-doom would not (the report then says which
//! rule was not met). With a single constraint the two strategies give the same result.
//!
//! # Block vote
//!
//! After the count, while a minimum is not met, the lowest-placed elected candidate outside
//! the group is replaced by the best-placed unelected candidate in it; while a maximum is
//! exceeded, the lowest-placed elected candidate in the group is replaced by the best-placed
//! unelected candidate outside it; a replacement that would break another rule already met is
//! passed over for the next. This is how Labour's block-vote elections to the NEC's
//! constituency section applied the gender rule (the highest-placed women take the places of
//! the lowest-placed men until the minimum of women is met; README §1, "Gender quotas"), and
//! how the German Greens' women's statute (Frauenstatut) secures its minimum of women's places
//! in a block vote. Each replacement is recorded as a constraint action (`replaced`, and
//! `elected` for the one who takes the place); the report names the strategy `replace`.
//! First past the post with several seats (single non-transferable vote) does the same.

use std::collections::BTreeMap;
use std::fmt;

use indexmap::IndexMap;

use crate::model::{CandidateId, Election};
use crate::report::{CandidateState, ConstraintAction, ConstraintsSummary, Stage};
use crate::CountError;

/// A minimum or a maximum number of seats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    Min(u32),
    Max(u32),
}

/// One rule: seats for the candidates whose `attribute` is `value`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub attribute: String,
    pub value: String,
    pub bound: Bound,
}

impl Rule {
    /// Parses `attr=value:n`, e.g. `gender=woman:4`, as a minimum (`min`) or a maximum.
    pub fn parse(s: &str, min: bool) -> Result<Rule, String> {
        let flag = if min { "--min" } else { "--max" };
        let (group, n) = s
            .rsplit_once(':')
            .ok_or_else(|| format!("{flag} {s:?}: expected attribute=value:number"))?;
        let (attribute, value) = group
            .split_once('=')
            .ok_or_else(|| format!("{flag} {s:?}: expected attribute=value:number"))?;
        let (attribute, value) = (attribute.trim(), value.trim());
        if attribute.is_empty() || value.is_empty() {
            return Err(format!(
                "{flag} {s:?}: the attribute and the value must not be empty"
            ));
        }
        let n: u32 = n
            .trim()
            .parse()
            .map_err(|_| format!("{flag} {s:?}: {:?} is not a whole number of seats", n))?;
        Ok(Rule {
            attribute: attribute.to_string(),
            value: value.to_string(),
            bound: if min { Bound::Min(n) } else { Bound::Max(n) },
        })
    }

    /// `gender=woman`.
    pub fn group(&self) -> String {
        format!("{}={}", self.attribute, self.value)
    }

    /// Whether a candidate with these attributes is in the rule's group (values compared
    /// without surrounding spaces and without regard to ASCII case).
    pub fn includes(&self, attributes: &BTreeMap<String, String>) -> bool {
        attributes
            .get(&self.attribute)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case(&self.value))
    }
}

impl fmt::Display for Rule {
    /// `gender=woman min 4`, as in reports.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.bound {
            Bound::Min(n) => write!(f, "{} min {n}", self.group()),
            Bound::Max(n) => write!(f, "{} max {n}", self.group()),
        }
    }
}

/// How an STV count meets the rules (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Exclusion once a group's cap is full.
    Exclude,
    /// Grey–Fitzgerald guarding and dooming (OpenTally's default).
    #[default]
    GuardDoom,
}

impl Strategy {
    pub const ALL: [Strategy; 2] = [Strategy::Exclude, Strategy::GuardDoom];
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Exclude => "exclude",
            Strategy::GuardDoom => "guard-doom",
        }
    }
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.name() == s)
    }

    /// As [`Self::from_name`], with the message a script or a constitution file shows.
    pub fn parse(s: &str) -> Result<Self, String> {
        Self::from_name(s)
            .ok_or_else(|| format!("unknown constraint strategy {s:?}; known: guard-doom, exclude"))
    }
}

/// The rules a count must honour, how, and the candidates' attributes.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Constraints {
    pub rules: Vec<Rule>,
    pub strategy: Strategy,
    /// Each candidate's attributes (column → value), in ballot-paper order.
    pub attributes: Vec<BTreeMap<String, String>>,
}

/// Most rules a count can hold (one bit each per candidate).
const MAX_RULES: usize = 64;

/// A count's constraints at work: the hooks the rule sets call, and what they did. Without
/// constraints every hook allows everything and records nothing.
pub(crate) struct Tracker {
    active: Option<Active>,
}

struct Active {
    rules: Vec<Rule>,
    strategy: Strategy,
    seats: usize,
    /// For each candidate, a bit per rule whose group they are in.
    member: Vec<u64>,
    names: Vec<String>,
    guarded: Vec<bool>,
    doomed: Vec<bool>,
    actions: Vec<ConstraintAction>,
}

impl Tracker {
    /// Checks `constraints` against `election` and refuses infeasible ones before counting.
    pub fn new(constraints: Option<&Constraints>, election: &Election) -> Result<Self, CountError> {
        let Some(cx) = constraints.filter(|c| !c.rules.is_empty()) else {
            return Ok(Tracker { active: None });
        };
        let bad = |m: String| Err(CountError::Invalid(format!("infeasible constraints: {m}")));
        let n = election.candidates().len();
        let seats = election.seats as usize;
        if cx.rules.len() > MAX_RULES {
            return Err(CountError::Invalid(format!(
                "at most {MAX_RULES} constraints, not {}",
                cx.rules.len()
            )));
        }
        if cx.attributes.len() != n {
            return Err(CountError::Invalid(format!(
                "the candidates' attributes name {} candidate(s), the ballots {n}",
                cx.attributes.len()
            )));
        }
        let names: Vec<String> = election
            .candidates()
            .iter()
            .map(|c| c.name.clone())
            .collect();
        let mut member = vec![0u64; n];
        for (r, rule) in cx.rules.iter().enumerate() {
            if !cx
                .attributes
                .iter()
                .any(|a| a.contains_key(&rule.attribute))
            {
                let mut known: Vec<&str> = cx
                    .attributes
                    .iter()
                    .flat_map(|a| a.keys().map(String::as_str))
                    .collect();
                known.sort_unstable();
                known.dedup();
                return Err(CountError::Invalid(format!(
                    "constraint {rule}: no candidate has an attribute {:?} (known: {})",
                    rule.attribute,
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )));
            }
            for (c, a) in cx.attributes.iter().enumerate() {
                if rule.includes(a) {
                    member[c] |= 1 << r;
                }
            }
        }
        // The plain impossibilities first, each with its own message.
        for (r, rule) in cx.rules.iter().enumerate() {
            let standing: Vec<&str> = (0..n)
                .filter(|&c| {
                    member[c] & (1 << r) != 0 && !election.is_withdrawn(CandidateId(c as u32))
                })
                .map(|c| names[c].as_str())
                .collect();
            match rule.bound {
                Bound::Min(m) if m as usize > seats => {
                    return bad(format!("{rule}, but there are only {seats} seat(s)"));
                }
                Bound::Min(m) if m as usize > standing.len() => {
                    return bad(format!(
                        "{rule}, but only {} candidate(s) with {} stand{}",
                        standing.len(),
                        rule.group(),
                        if standing.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", standing.join(", "))
                        }
                    ));
                }
                Bound::Min(m) => {
                    for other in &cx.rules {
                        if let Bound::Max(x) = other.bound {
                            if other.group() == rule.group() && x < m {
                                return bad(format!("{rule} is above {other}"));
                            }
                        }
                    }
                }
                Bound::Max(_) => {}
            }
        }
        let mut sums: IndexMap<&str, (u64, Vec<String>)> = IndexMap::new();
        let mut seen: Vec<String> = Vec::new();
        for rule in &cx.rules {
            if let Bound::Min(m) = rule.bound {
                // Minimums for distinct values of one attribute are for disjoint groups.
                let key = rule.group().to_ascii_lowercase();
                if seen.contains(&key) {
                    continue;
                }
                seen.push(key);
                let e = sums.entry(rule.attribute.as_str()).or_default();
                e.0 += m as u64;
                e.1.push(rule.to_string());
            }
        }
        for (attr, (sum, rules)) in &sums {
            if *sum > seats as u64 {
                return bad(format!(
                    "the minimums for {attr} ({}) add up to {sum}, more than the {seats} seat(s)",
                    rules.join(", ")
                ));
            }
        }
        let active = Active {
            rules: cx.rules.clone(),
            strategy: cx.strategy,
            seats,
            member,
            names,
            guarded: vec![false; n],
            doomed: vec![false; n],
            actions: Vec::new(),
        };
        let start: Vec<CandidateState> = (0..n)
            .map(|c| {
                if election.is_withdrawn(CandidateId(c as u32)) {
                    CandidateState::Withdrawn
                } else {
                    CandidateState::Continuing
                }
            })
            .collect();
        if !active.feasible(&start, None, u64::MAX) {
            let rules: Vec<String> = cx.rules.iter().map(Rule::to_string).collect();
            return bad(format!(
                "no choice of {seats} candidate(s) meets all of {} together",
                rules.join("; ")
            ));
        }
        Ok(Tracker {
            active: Some(active),
        })
    }

    pub fn is_active(&self) -> bool {
        self.active.is_some()
    }

    /// Hook: may `c` be elected now (the candidates already elected marked in `state`)? If
    /// not, the refusal is recorded (`doomed`).
    pub fn may_elect(&mut self, state: &[CandidateState], c: CandidateId) -> bool {
        let Some(a) = &mut self.active else {
            return true;
        };
        let blocker = match a.strategy {
            Strategy::GuardDoom => {
                if a.feasible(state, Some((c.index(), CandidateState::Elected)), u64::MAX)
                    || !a.feasible(state, None, u64::MAX)
                {
                    None
                } else {
                    Some(a.reason(state, c.index(), CandidateState::Elected))
                }
            }
            Strategy::Exclude => a
                .cap_broken_by(state, c.index())
                .map(|r| a.rules[r].to_string()),
        };
        match blocker {
            None => true,
            Some(why) => {
                if !a.doomed[c.index()] {
                    a.doomed[c.index()] = true;
                    a.push(c.index(), "doomed", why);
                }
                false
            }
        }
    }

    /// Hook: the continuing candidates the constraints require to be excluded now (doomed, or
    /// in a group whose cap is full), in ballot order. The rule set excludes the lowest of
    /// them first, before any other exclusion or surplus.
    pub fn must_exclude(&self, state: &[CandidateState]) -> Vec<CandidateId> {
        let Some(a) = &self.active else {
            return Vec::new();
        };
        (0..state.len())
            .filter(|&c| state[c] == CandidateState::Continuing && a.is_doomed(state, c))
            .map(|c| CandidateId(c as u32))
            .collect()
    }

    /// Hook: the candidates of `among` who may be excluded (not guarded). If the constraints
    /// would guard all of them (only possible when the rules cannot all be met), all of them.
    pub fn excludable(&self, state: &[CandidateState], among: &[CandidateId]) -> Vec<CandidateId> {
        let Some(a) = &self.active else {
            return among.to_vec();
        };
        let free: Vec<CandidateId> = among
            .iter()
            .copied()
            .filter(|c| !a.is_guarded(state, c.index()))
            .collect();
        if free.is_empty() {
            among.to_vec()
        } else {
            free
        }
    }

    /// Records that `c` is being excluded because the constraints require it.
    pub fn note_excluded(&mut self, state: &[CandidateState], c: CandidateId) {
        if let Some(a) = &mut self.active {
            let why = a.doom_reason(state, c.index());
            a.push(c.index(), "excluded", why);
        }
    }

    /// Looks at the count after a stage: records candidates newly guarded or doomed.
    pub fn review(&mut self, state: &[CandidateState]) {
        let Some(a) = &mut self.active else {
            return;
        };
        for c in 0..state.len() {
            if state[c] != CandidateState::Continuing {
                continue;
            }
            if !a.guarded[c] && a.is_guarded(state, c) {
                a.guarded[c] = true;
                let why = a.guard_reason(state, c);
                a.push(c, "guarded", why);
            }
            if !a.doomed[c] && a.is_doomed(state, c) {
                a.doomed[c] = true;
                let why = a.doom_reason(state, c);
                a.push(c, "doomed", why);
            }
        }
    }

    /// [`Self::review`], then the actions recorded so far go into the last stage.
    pub fn close_stage(&mut self, state: &[CandidateState], stages: &mut [Stage]) {
        self.review(state);
        if let (Some(a), Some(last)) = (&mut self.active, stages.last_mut()) {
            last.constraint_actions.append(&mut a.actions);
        }
    }

    /// At the end of the count: a note on the last stage for any rule the result does not
    /// meet (possible only with the `exclude` strategy or with seats left unfilled), and the
    /// report's summary.
    pub fn finish(
        &mut self,
        elected: &[CandidateId],
        stages: &mut [Stage],
    ) -> Option<ConstraintsSummary> {
        let a = self.active.as_mut()?;
        if let Some(last) = stages.last_mut() {
            last.constraint_actions.append(&mut a.actions);
            for (r, rule) in a.rules.iter().enumerate() {
                let k = elected
                    .iter()
                    .filter(|c| a.member[c.index()] & (1 << r) != 0)
                    .count() as u32;
                let met = match rule.bound {
                    Bound::Min(m) => k >= m,
                    Bound::Max(m) => k <= m,
                };
                if !met {
                    last.notes.push(format!(
                        "constraint {rule} not met: {k} elected with {}",
                        rule.group()
                    ));
                }
            }
        }
        Some(a.summary(elected))
    }

    /// Block vote: `order` is every candidate who stood, best placed first; the first `seats`
    /// are elected. Replaces as the module documentation says; returns the elected (in order
    /// of placing), the actions and notes.
    pub fn block_replace(
        &self,
        order: &[CandidateId],
        seats: usize,
    ) -> (Vec<CandidateId>, Vec<ConstraintAction>, Vec<String>) {
        let take = seats.min(order.len());
        let mut winners: Vec<CandidateId> = order[..take].to_vec();
        let Some(a) = &self.active else {
            return (winners, Vec::new(), Vec::new());
        };
        let mut actions = Vec::new();
        let mut notes = Vec::new();
        let place = |c: &CandidateId| order.iter().position(|x| x == c).unwrap_or(usize::MAX);
        let count = |w: &[CandidateId], r: usize| {
            w.iter()
                .filter(|c| a.member[c.index()] & (1 << r) != 0)
                .count() as u32
        };
        let met = |w: &[CandidateId], r: usize| match a.rules[r].bound {
            Bound::Min(m) => count(w, r) >= m,
            Bound::Max(m) => count(w, r) <= m,
        };
        // Each replacement brings one group one nearer its bound and breaks no rule already
        // met, so there are at most seats × rules of them; the limit only guards the loop.
        for _ in 0..=(order.len() * a.rules.len().max(1)) {
            let Some(r) = (0..a.rules.len()).find(|&r| !met(&winners, r)) else {
                break;
            };
            let inside = |c: &CandidateId| a.member[c.index()] & (1 << r) != 0;
            let wants_in = matches!(a.rules[r].bound, Bound::Min(_));
            // Lowest placed first among those who could give up their seat.
            let mut outs: Vec<CandidateId> = winners
                .iter()
                .copied()
                .filter(|c| inside(c) != wants_in)
                .collect();
            outs.sort_by_key(|c| std::cmp::Reverse(place(c)));
            let ins: Vec<CandidateId> = order
                .iter()
                .copied()
                .filter(|c| !winners.contains(c) && inside(c) == wants_in)
                .collect();
            let satisfied: Vec<usize> = (0..a.rules.len()).filter(|&q| met(&winners, q)).collect();
            let mut done = false;
            'search: for &out in &outs {
                for &inn in &ins {
                    let mut trial: Vec<CandidateId> =
                        winners.iter().copied().filter(|&c| c != out).collect();
                    trial.push(inn);
                    if satisfied.iter().all(|&q| met(&trial, q)) {
                        let why = a.rules[r].to_string();
                        actions.push(ConstraintAction {
                            candidate: a.names[out.index()].clone(),
                            action: "replaced".to_string(),
                            constraint: why.clone(),
                        });
                        actions.push(ConstraintAction {
                            candidate: a.names[inn.index()].clone(),
                            action: "elected".to_string(),
                            constraint: why.clone(),
                        });
                        notes.push(format!(
                            "constraint {why}: {} (placed {}) takes the seat of {} (placed {})",
                            a.names[inn.index()],
                            place(&inn) + 1,
                            a.names[out.index()],
                            place(&out) + 1
                        ));
                        winners = trial;
                        done = true;
                        break 'search;
                    }
                }
            }
            if !done {
                notes.push(format!(
                    "constraint {} could not be met by replacing candidates",
                    a.rules[r]
                ));
                break;
            }
        }
        winners.sort_by_key(place);
        (winners, actions, notes)
    }

    /// The summary for a count by replacement (block vote, first past the post), whose
    /// strategy is `replace` whatever an STV count would have used.
    pub fn summary(&self, elected: &[CandidateId]) -> Option<ConstraintsSummary> {
        self.active.as_ref().map(|a| ConstraintsSummary {
            strategy: "replace".to_string(),
            ..a.summary(elected)
        })
    }
}

impl Active {
    fn push(&mut self, c: usize, action: &str, constraint: String) {
        self.actions.push(ConstraintAction {
            candidate: self.names[c].clone(),
            action: action.to_string(),
            constraint,
        });
    }

    fn summary(&self, elected: &[CandidateId]) -> ConstraintsSummary {
        let mut seats = IndexMap::new();
        for (r, rule) in self.rules.iter().enumerate() {
            let k = elected
                .iter()
                .filter(|c| self.member[c.index()] & (1 << r) != 0)
                .count() as u32;
            seats.insert(rule.group(), k);
        }
        ConstraintsSummary {
            rules: self.rules.iter().map(Rule::to_string).collect(),
            strategy: self.strategy.name().to_string(),
            seats,
        }
    }

    fn in_group(&self, c: usize, r: usize) -> bool {
        self.member[c] & (1 << r) != 0
    }

    /// Elected candidates in rule `r`'s group, and all elected.
    fn elected_in(&self, state: &[CandidateState], r: usize) -> (usize, usize) {
        let mut k = 0;
        let mut all = 0;
        for (c, s) in state.iter().enumerate() {
            if *s == CandidateState::Elected {
                all += 1;
                if self.in_group(c, r) {
                    k += 1;
                }
            }
        }
        (k, all)
    }

    /// `exclude` strategy: the rule whose cap electing `c` would break.
    fn cap_broken_by(&self, state: &[CandidateState], c: usize) -> Option<usize> {
        (0..self.rules.len()).find(|&r| {
            let (k, all) = self.elected_in(state, r);
            match self.rules[r].bound {
                Bound::Max(m) => self.in_group(c, r) && k + 1 > m as usize,
                Bound::Min(m) => {
                    !self.in_group(c, r) && all - k + 1 > self.seats.saturating_sub(m as usize)
                }
            }
        })
    }

    /// `exclude` strategy: the rule whose cap is full for `c`'s group.
    fn cap_full_for(&self, state: &[CandidateState], c: usize) -> Option<usize> {
        (0..self.rules.len()).find(|&r| {
            let (k, all) = self.elected_in(state, r);
            match self.rules[r].bound {
                Bound::Max(m) => self.in_group(c, r) && k >= m as usize,
                Bound::Min(m) => {
                    !self.in_group(c, r) && all - k >= self.seats.saturating_sub(m as usize)
                }
            }
        })
    }

    /// `exclude` strategy: the rule that excluding `c` would make impossible to meet: a
    /// minimum for `c`'s group, or a maximum for another group (which its complement must
    /// then fill: at least seats − maximum), once elected and continuing are no more than it
    /// needs.
    fn protecting(&self, state: &[CandidateState], c: usize) -> Option<usize> {
        (0..self.rules.len()).find(|&r| {
            let (inside, floor) = match self.rules[r].bound {
                Bound::Min(m) => (true, m as usize),
                Bound::Max(m) => (false, self.seats.saturating_sub(m as usize)),
            };
            if self.in_group(c, r) != inside {
                return false;
            }
            let alive = (0..state.len())
                .filter(|&x| {
                    self.in_group(x, r) == inside
                        && matches!(
                            state[x],
                            CandidateState::Elected | CandidateState::Continuing
                        )
                })
                .count();
            alive <= floor
        })
    }

    fn is_doomed(&self, state: &[CandidateState], c: usize) -> bool {
        match self.strategy {
            Strategy::Exclude => self.cap_full_for(state, c).is_some(),
            Strategy::GuardDoom => {
                self.feasible(state, None, u64::MAX)
                    && !self.feasible(state, Some((c, CandidateState::Elected)), u64::MAX)
            }
        }
    }

    fn is_guarded(&self, state: &[CandidateState], c: usize) -> bool {
        match self.strategy {
            Strategy::Exclude => self.protecting(state, c).is_some(),
            Strategy::GuardDoom => {
                self.feasible(state, None, u64::MAX)
                    && !self.feasible(state, Some((c, CandidateState::Excluded)), u64::MAX)
            }
        }
    }

    fn doom_reason(&self, state: &[CandidateState], c: usize) -> String {
        match self.strategy {
            Strategy::Exclude => self
                .cap_full_for(state, c)
                .map(|r| self.rules[r].to_string())
                .unwrap_or_default(),
            Strategy::GuardDoom => self.reason(state, c, CandidateState::Elected),
        }
    }

    fn guard_reason(&self, state: &[CandidateState], c: usize) -> String {
        match self.strategy {
            Strategy::Exclude => self
                .protecting(state, c)
                .map(|r| self.rules[r].to_string())
                .unwrap_or_default(),
            Strategy::GuardDoom => self.reason(state, c, CandidateState::Excluded),
        }
    }

    /// Which rule makes `c` becoming `to` infeasible: the first that does so alone, else all
    /// of them together.
    fn reason(&self, state: &[CandidateState], c: usize, to: CandidateState) -> String {
        for (r, rule) in self.rules.iter().enumerate() {
            if !self.feasible(state, Some((c, to)), 1 << r) {
                return rule.to_string();
            }
        }
        self.rules
            .iter()
            .map(Rule::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Can the remaining seats be filled from the continuing candidates so that every rule
    /// in `mask` is met, with candidate `change.0` taken as `change.1`? (With fewer
    /// continuing candidates than seats, all of them are taken and seats stay empty.)
    fn feasible(
        &self,
        state: &[CandidateState],
        change: Option<(usize, CandidateState)>,
        mask: u64,
    ) -> bool {
        let nr = self.rules.len();
        let mut base = vec![0u32; nr];
        let mut elected = 0usize;
        // Kinds of continuing candidate: (membership bits, how many).
        let mut kinds: Vec<(u64, u32)> = Vec::new();
        for (c, &s) in state.iter().enumerate() {
            let s = match change {
                Some((x, to)) if x == c => to,
                _ => s,
            };
            let bits = self.member[c] & mask;
            match s {
                CandidateState::Elected => {
                    elected += 1;
                    for (r, b) in base.iter_mut().enumerate() {
                        if bits & (1 << r) != 0 {
                            *b += 1;
                        }
                    }
                }
                CandidateState::Continuing => match kinds.iter_mut().find(|k| k.0 == bits) {
                    Some(k) => k.1 += 1,
                    None => kinds.push((bits, 1)),
                },
                _ => {}
            }
        }
        let continuing: u32 = kinds.iter().map(|k| k.1).sum();
        let need = (self.seats.saturating_sub(elected) as u32).min(continuing);
        // Per kind, how many of the rest could still join each rule's group.
        let mut rest = vec![vec![0u32; nr]; kinds.len() + 1];
        let mut rest_total = vec![0u32; kinds.len() + 1];
        for i in (0..kinds.len()).rev() {
            rest_total[i] = rest_total[i + 1] + kinds[i].1;
            let (bits, avail) = kinds[i];
            let below = rest[i + 1].clone();
            for (r, (slot, after)) in rest[i].iter_mut().zip(below).enumerate() {
                *slot = after + if bits & (1 << r) != 0 { avail } else { 0 };
            }
        }
        let search = Search {
            rules: &self.rules,
            mask,
            kinds: &kinds,
            rest: &rest,
            rest_total: &rest_total,
        };
        search.go(0, need, &mut base)
    }
}

/// The exhaustive search behind [`Active::feasible`].
struct Search<'a> {
    rules: &'a [Rule],
    mask: u64,
    kinds: &'a [(u64, u32)],
    rest: &'a [Vec<u32>],
    rest_total: &'a [u32],
}

impl Search<'_> {
    fn go(&self, i: usize, need: u32, counts: &mut [u32]) -> bool {
        // Prune: a maximum already passed, a minimum out of reach, too few left.
        for (r, rule) in self.rules.iter().enumerate() {
            if self.mask & (1 << r) == 0 {
                continue;
            }
            match rule.bound {
                Bound::Max(m) if counts[r] > m => return false,
                Bound::Min(m) if counts[r] + self.rest[i][r].min(need) < m => return false,
                _ => {}
            }
        }
        if need > self.rest_total[i] {
            return false;
        }
        if i == self.kinds.len() {
            return need == 0;
        }
        let (bits, avail) = self.kinds[i];
        for x in (0..=avail.min(need)).rev() {
            for (r, c) in counts.iter_mut().enumerate() {
                if bits & (1 << r) != 0 {
                    *c += x;
                }
            }
            let ok = self.go(i + 1, need - x, counts);
            for (r, c) in counts.iter_mut().enumerate() {
                if bits & (1 << r) != 0 {
                    *c -= x;
                }
            }
            if ok {
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_and_print() {
        let r = Rule::parse("gender=woman:4", true).unwrap();
        assert_eq!(r.to_string(), "gender=woman min 4");
        assert_eq!(
            Rule::parse(" region = london : 2", false)
                .unwrap()
                .to_string(),
            "region=london max 2"
        );
        assert!(Rule::parse("gender:4", true)
            .unwrap_err()
            .contains("attribute=value"));
        assert!(Rule::parse("gender=woman", true).is_err());
        assert!(Rule::parse("gender=woman:four", true)
            .unwrap_err()
            .contains("not a whole number"));
        assert!(Rule::parse("=woman:4", false).is_err());
    }

    #[test]
    fn strategies_by_name() {
        assert_eq!(Strategy::from_name("exclude"), Some(Strategy::Exclude));
        assert_eq!(Strategy::from_name("guard-doom"), Some(Strategy::GuardDoom));
        assert_eq!(Strategy::default(), Strategy::GuardDoom);
        assert_eq!(Strategy::from_name("x"), None);
    }
}

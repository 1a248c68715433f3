//! What an election applies, derived from the body's constitution and the election's dates:
//! for each contested section, who may vote (the voter rules), who may stand and how a
//! candidate gets onto the ballot. Pure.

use scrutin_body::constitution::{ElectorateKind, FilledBy, Section};
use scrutin_body::Constitution;

use crate::date::Date;
use crate::StoreError;

/// The dates of one election, as `scrutin election create` takes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElectionDates {
    pub nominations_open: Date,
    pub nominations_close: Date,
    /// Members who joined after this day may not vote (and the roll is frozen on it).
    pub freeze_date: Date,
    /// Members must be paid up to at least this day (not in arrears on it).
    pub paid_up_date: Date,
    pub voting_open: Date,
    pub voting_close: Date,
}

impl ElectionDates {
    /// The dates must come in order: nominations open ≤ close; freeze and paid-up dates no
    /// later than voting opens; voting open ≤ close.
    pub fn check(&self) -> Result<(), StoreError> {
        let mut problems = Vec::new();
        if self.nominations_open > self.nominations_close {
            problems.push("nominations open after they close");
        }
        if self.voting_open > self.voting_close {
            problems.push("voting opens after it closes");
        }
        if self.nominations_close > self.voting_open {
            problems.push("nominations close after voting opens");
        }
        if self.freeze_date > self.voting_open {
            problems.push("the freeze date is after voting opens");
        }
        if self.paid_up_date > self.voting_open {
            problems.push("the paid-up date is after voting opens");
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Invalid(format!(
                "the election's dates are out of order: {}",
                problems.join("; ")
            )))
        }
    }
}

/// Who may vote in one contest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoterRule {
    pub joined_by: Date,
    pub paid_up_by: Date,
    /// Under this age on the day given (Young Labour: under 27).
    pub age_under: Option<(u32, Date)>,
    /// A self-declared attribute the voter must have (`disabled`, `bame`).
    pub self_declared: Option<String>,
}

/// One way onto the ballot: every requirement must be met (`5 CLPs`, or `2 affiliates and
/// 1 CLP`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route(pub Vec<(String, u32)>);

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(by, n)| format!("{n} {by}")).collect();
        f.write_str(&parts.join(" and "))
    }
}

/// How candidates get onto a contest's ballot.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct NominationRule {
    /// How many candidates each nominating body may nominate in the section.
    pub per_nominator: Option<u32>,
    /// Any one route suffices. Empty: no threshold (any nomination will do).
    pub routes: Vec<Route>,
    /// Months of membership a candidate needs on `at` (the close of nominations).
    pub membership_months: Option<(u32, Date)>,
}

impl NominationRule {
    /// The kinds of nominating body the routes name (`CLPs`, `affiliates`).
    pub fn kinds(&self) -> Vec<&str> {
        let mut v: Vec<&str> = Vec::new();
        for r in &self.routes {
            for (by, _) in &r.0 {
                if !v.contains(&by.as_str()) {
                    v.push(by);
                }
            }
        }
        v
    }

    /// The first route met by these counts of distinct nominators per kind, if any.
    pub fn route_met(&self, count: impl Fn(&str) -> u32) -> Option<&Route> {
        self.routes
            .iter()
            .find(|r| r.0.iter().all(|(by, n)| count(by) >= *n))
    }

    /// `5 CLPs, or 2 affiliates` (the threshold in words).
    pub fn threshold(&self) -> String {
        if self.routes.is_empty() {
            return "one nomination".into();
        }
        self.routes
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", or ")
    }
}

/// One contested section of the body, as this election runs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contest {
    pub section_id: String,
    pub name: String,
    pub seats: u32,
    pub method: String,
    pub voters: VoterRule,
    pub nomination: NominationRule,
    /// What the election does not run itself (a trade-union college, counted elsewhere).
    pub note: Option<String>,
}

fn date_of(d: &toml::value::Datetime) -> Option<Date> {
    Date::parse(&d.to_string()).ok()
}

/// The freeze and paid-up dates the constitution gives an election on `sections`: the first
/// contested section's `[section.voters]` `joined_by` and `paid_up_by`, where it has them.
/// (An election given no paid-up date takes its freeze date.)
pub fn voter_dates(body: &Constitution, sections: &[String]) -> (Option<Date>, Option<Date>) {
    let voters = sections
        .iter()
        .filter_map(|s| body.section(s))
        .find_map(|s| s.voters.as_ref());
    (
        voters.and_then(|v| v.joined_by.as_ref()).and_then(date_of),
        voters.and_then(|v| v.paid_up_by.as_ref()).and_then(date_of),
    )
}

/// The contests of an election on the sections `ids` of `body`. Refused: a section that is
/// not in the body, not elected, or not elected by (a college of) individual members —
/// scrutin runs member ballots; caucus and delegation votes are counted from their returns.
pub fn contests(
    body: &Constitution,
    ids: &[String],
    dates: &ElectionDates,
) -> Result<Vec<Contest>, StoreError> {
    if ids.is_empty() {
        return Err(StoreError::Invalid(
            "no section is contested: name at least one (--sections clp)".into(),
        ));
    }
    let mut out = Vec::new();
    for id in ids {
        let Some(s) = body.section(id) else {
            let known: Vec<&str> = body.sections.iter().map(Section::id).collect();
            return Err(StoreError::Invalid(format!(
                "the body has no section {id:?}; its sections are {}",
                known.join(", ")
            )));
        };
        if out.iter().any(|c: &Contest| &c.section_id == id) {
            return Err(StoreError::Invalid(format!(
                "section {id:?} is named twice"
            )));
        }
        out.push(contest(s, dates)?);
    }
    Ok(out)
}

fn contest(s: &Section, dates: &ElectionDates) -> Result<Contest, StoreError> {
    let id = s.id();
    if s.filled_by != FilledBy::Elected {
        return Err(StoreError::Invalid(format!(
            "section {id:?} is {}, not elected: there is nothing to contest",
            s.filled_by.name()
        )));
    }
    let e = s.electorate.as_ref().ok_or_else(|| {
        StoreError::Invalid(format!(
            "section {id:?} has no electorate in the constitution"
        ))
    })?;
    let (age_under, age_at, self_declared, note) = match e.kind {
        ElectorateKind::Members => (
            e.age_under,
            e.age_at.as_ref(),
            e.self_declared.clone(),
            None,
        ),
        ElectorateKind::Colleges => {
            let Some(c) = e.colleges.iter().find(|c| c.who.contains("members")) else {
                return Err(StoreError::Invalid(format!(
                    "section {id:?} is elected by colleges none of which is of members; \
                     scrutin runs member ballots only"
                )));
            };
            let others: Vec<&str> = e
                .colleges
                .iter()
                .filter(|o| o.name != c.name)
                .map(|o| o.name.as_str())
                .collect();
            (
                c.age_under,
                c.age_at.as_ref(),
                c.self_declared.clone(),
                Some(format!(
                    "this election runs the college \"{}\"; {} counted from their own returns",
                    c.name,
                    others.join(", ")
                )),
            )
        }
        other => {
            return Err(StoreError::Invalid(format!(
                "section {id:?} is elected by a {} electorate{}; scrutin runs ballots of \
                 individual members only",
                other.name(),
                e.who
                    .as_ref()
                    .map(|w| format!(" ({})", w.get_ref()))
                    .unwrap_or_default()
            )))
        }
    };
    let age_at = age_at.and_then(date_of).unwrap_or(dates.voting_close);
    let mut nomination = NominationRule::default();
    if let Some(n) = &s.nomination {
        nomination.per_nominator = n.per_nominator;
        nomination.routes = n
            .routes
            .iter()
            .map(|r| {
                let mut req = vec![(r.by.clone(), *r.at_least.get_ref())];
                req.extend(r.and.iter().map(|a| (a.by.clone(), *a.at_least.get_ref())));
                Route(req)
            })
            .collect();
    }
    if let Some(c) = &s.candidates {
        if let Some(m) = c.membership_months {
            let at =
                c.at.as_ref()
                    .and_then(date_of)
                    .unwrap_or(dates.nominations_close);
            nomination.membership_months = Some((m, at));
        }
    }
    Ok(Contest {
        section_id: id.to_string(),
        name: s.name.clone(),
        seats: s.seats(),
        method: s.method_name().unwrap_or("unknown").to_string(),
        voters: VoterRule {
            joined_by: dates.freeze_date,
            paid_up_by: dates.paid_up_date,
            age_under: age_under.map(|a| (a, age_at)),
            self_declared,
        },
        nomination,
        note,
    })
}

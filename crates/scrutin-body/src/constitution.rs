//! The constitution of a body: its sections, how each is filled, by whom, under which rules.
//! The file format is documented in docs/constitution.md.
//!
//! [`Constitution::parse`] reads the TOML text and validates it; every problem found is
//! reported with the file, the line and the TOML key path, never as a panic.

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;
use scrutin_core::constraints::{Bound, Rule, Strategy};
use scrutin_core::methods::{Arithmetic, Method};
use scrutin_core::tie::{PriorStageReading, TiePolicy};
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use toml::value::Datetime;
use toml::Spanned;

use crate::{line_of, BodyError, Certainty, Issue};

/// A whole number that the sources may not give: `share = 50` or `share = "unknown"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Known<T> {
    Known(T),
    Unknown,
}

impl<T: Copy> Known<T> {
    pub fn value(self) -> Option<T> {
        match self {
            Known::Known(v) => Some(v),
            Known::Unknown => None,
        }
    }
}

impl<'de> Deserialize<'de> for Known<u64> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Known<u64>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a whole number or \"unknown\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                u64::try_from(v)
                    .map(Known::Known)
                    .map_err(|_| E::custom(format!("{v} is negative")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Known::Known(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v == "unknown" {
                    Ok(Known::Unknown)
                } else {
                    Err(E::custom(format!(
                        "expected a whole number or \"unknown\", found {v:?}"
                    )))
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// The whole constitution file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constitution {
    pub body: BodyInfo,
    /// Source keys (cited as `sources = ["dr"]`) → URL or reference.
    #[serde(default)]
    pub sources: IndexMap<String, String>,
    #[serde(default, rename = "slate")]
    pub slates: Vec<Slate>,
    #[serde(default, rename = "section")]
    pub sections: Vec<Section>,
    /// Things that happened to the body (vacancies filled), as recorded by the sources.
    #[serde(default, rename = "event")]
    pub events: Vec<Event>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BodyInfo {
    pub name: String,
    pub short_name: Option<String>,
    /// Voting seats in all.
    pub seats: Spanned<u32>,
    /// The moment the composition describes (`2018-01`, `2018-01-23`).
    pub as_of: Option<String>,
    /// The term of office, in words.
    pub term: Option<String>,
    #[serde(default)]
    pub non_voting: Vec<String>,
    #[serde(default)]
    pub certainty: Certainty,
    #[serde(default)]
    pub sources: Vec<Spanned<String>>,
    pub notes: Option<String>,
    /// Counts of seats stated by a source for the whole body ("20 out of 39 were women").
    #[serde(default, rename = "tally")]
    pub tallies: Vec<Tally>,
}

/// A source's count of seats held by a group: `attribute = "gender"`, `value = "woman"`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tally {
    pub attribute: String,
    pub value: String,
    pub seats: Spanned<u32>,
    pub as_of: Option<String>,
    #[serde(default)]
    pub certainty: Certainty,
    #[serde(default)]
    pub sources: Vec<Spanned<String>>,
    pub notes: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slate {
    pub id: Spanned<String>,
    pub name: String,
    pub colour: Option<Spanned<String>>,
    pub notes: Option<String>,
}

/// How a section's seats are filled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FilledBy {
    /// By holding a named office.
    ExOfficio,
    /// Appointed by a named body or person.
    Appointed,
    /// Elected by an electorate under a rule set.
    Elected,
}

impl FilledBy {
    pub fn name(self) -> &'static str {
        match self {
            FilledBy::ExOfficio => "ex officio",
            FilledBy::Appointed => "appointed",
            FilledBy::Elected => "elected",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: Spanned<String>,
    pub name: String,
    pub seats: Spanned<u32>,
    pub filled_by: FilledBy,
    /// Ex officio: the office whose holder sits.
    pub office: Option<String>,
    /// Appointed: who appoints.
    pub appointed_by: Option<String>,
    pub electorate: Option<Electorate>,
    /// A scrutin rule set (`scottish-stv`, `meek`, `wigm`, `ers97`, `irv`, `fptp`, `block`)
    /// or `unknown`.
    pub method: Option<Spanned<String>>,
    /// Block vote: marks per voter.
    pub marks: Option<Spanned<u32>>,
    pub options: Option<MethodOptions>,
    /// Category constraints, as `scrutin count --min`: `gender=woman:4`.
    #[serde(default)]
    pub min: Vec<Spanned<String>>,
    #[serde(default)]
    pub max: Vec<Spanned<String>>,
    pub nomination: Option<Nomination>,
    /// Who may stand.
    pub candidates: Option<CandidateRules>,
    /// Who may vote.
    pub voters: Option<VoterRules>,
    pub vacancy: Option<Vacancy>,
    pub term: Option<String>,
    /// Seat-chart colour, `#rrggbb`.
    pub colour: Option<Spanned<String>>,
    #[serde(default)]
    pub certainty: Certainty,
    /// Fields of this section (`method`, `electorate`, `min`, …) that are uncertain.
    #[serde(default)]
    pub uncertain: Vec<Spanned<String>>,
    /// Fields of this section that rest on a single secondary source.
    #[serde(default)]
    pub secondary: Vec<Spanned<String>>,
    pub notes: Option<String>,
    #[serde(default)]
    pub sources: Vec<Spanned<String>>,
    #[serde(default, rename = "member")]
    pub members: Vec<Member>,
    #[serde(default, rename = "result")]
    pub results: Vec<ResultRef>,
}

/// Section fields that `uncertain` and `secondary` may name.
pub const SECTION_FIELDS: &[&str] = &[
    "seats",
    "filled_by",
    "office",
    "appointed_by",
    "electorate",
    "method",
    "marks",
    "options",
    "min",
    "max",
    "nomination",
    "candidates",
    "voters",
    "vacancy",
    "term",
    "members",
];

/// Result fields that `uncertain` may name.
pub const RESULT_FIELDS: &[&str] = &[
    "seats",
    "method",
    "marks",
    "min",
    "max",
    "total_votes",
    "date",
    "elected",
];

impl Section {
    /// How sure the section's `field` is.
    pub fn certainty_of(&self, field: &str) -> Certainty {
        if self.uncertain.iter().any(|f| f.get_ref() == field) {
            Certainty::Uncertain
        } else if self.secondary.iter().any(|f| f.get_ref() == field) {
            Certainty::Secondary
        } else {
            self.certainty
        }
    }

    pub fn id(&self) -> &str {
        self.id.get_ref()
    }

    pub fn seats(&self) -> u32 {
        *self.seats.get_ref()
    }

    /// The method's name as written (`block`, `unknown`), for elected sections.
    pub fn method_name(&self) -> Option<&str> {
        self.method.as_ref().map(|m| m.get_ref().as_str())
    }

    /// Who fills the section, for the share report: `members`, `ex officio`, `appointed by
    /// …`, or a college's make-up (`college: members 50% + trade unions 50%`).
    pub fn who(&self) -> String {
        match self.filled_by {
            FilledBy::ExOfficio => "ex officio".to_string(),
            FilledBy::Appointed => match &self.appointed_by {
                Some(b) => format!("appointed by {b}"),
                None => "appointed".to_string(),
            },
            FilledBy::Elected => match &self.electorate {
                None => "unknown".to_string(),
                Some(e) if e.kind == ElectorateKind::Colleges => {
                    let parts: Vec<String> = e
                        .colleges
                        .iter()
                        .map(|c| match c.share.value() {
                            Some(s) => format!("{} {s}%", c.who),
                            None => format!("{} (share unknown)", c.who),
                        })
                        .collect();
                    format!("college: {}", parts.join(" + "))
                }
                Some(e) => e
                    .who
                    .as_ref()
                    .map(|w| w.get_ref().clone())
                    .unwrap_or_else(|| "unknown".to_string()),
            },
        }
    }

    /// The section's constraints, parsed (validation has refused any that do not parse).
    pub fn rules(&self) -> Vec<Rule> {
        parse_rules(&self.min, &self.max)
    }

    /// The result the vacancy rule calls "the last count": the latest dated one, else the last
    /// listed.
    pub fn last_result(&self) -> Option<&ResultRef> {
        let mut best: Option<&ResultRef> = None;
        for r in &self.results {
            best = match best {
                None => Some(r),
                Some(b) => match (&b.date, &r.date) {
                    (Some(bd), Some(rd)) if bd.to_string() > rd.to_string() => Some(b),
                    _ => Some(r),
                },
            };
        }
        best
    }
}

pub(crate) fn parse_rules(min: &[Spanned<String>], max: &[Spanned<String>]) -> Vec<Rule> {
    min.iter()
        .filter_map(|s| Rule::parse(s.get_ref(), true).ok())
        .chain(
            max.iter()
                .filter_map(|s| Rule::parse(s.get_ref(), false).ok()),
        )
        .collect()
}

/// Kinds of electorate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ElectorateKind {
    /// All members, or a subset by rule (`age_under`, `self_declared`).
    Members,
    /// A closed caucus: MPs and MEPs, councillors (`of`).
    Caucus,
    /// Delegations casting card votes (`weights`, `[[…delegation]]`).
    Delegations,
    /// Electoral colleges, each with a share (`[[…college]]`).
    Colleges,
    /// Not known.
    Unknown,
}

impl ElectorateKind {
    pub fn name(self) -> &'static str {
        match self {
            ElectorateKind::Members => "members",
            ElectorateKind::Caucus => "caucus",
            ElectorateKind::Delegations => "delegations",
            ElectorateKind::Colleges => "colleges",
            ElectorateKind::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Electorate {
    pub kind: ElectorateKind,
    /// The group that votes, as the share report names it (`members`, `trade unions`).
    pub who: Option<Spanned<String>>,
    pub description: Option<String>,
    /// A subset of members: younger than this many years …
    pub age_under: Option<u32>,
    /// … on this date.
    pub age_at: Option<Datetime>,
    /// A subset of members who declare themselves so (`disabled`, `BAME`).
    pub self_declared: Option<String>,
    /// A caucus: who is in it (`["MPs", "MEPs"]`).
    #[serde(default)]
    pub of: Vec<String>,
    /// Delegations: how votes are weighted (`card`: by affiliated membership).
    pub weights: Option<String>,
    #[serde(default, rename = "delegation")]
    pub delegations: Vec<Delegation>,
    #[serde(default, rename = "college")]
    pub colleges: Vec<College>,
    #[serde(default)]
    pub certainty: Certainty,
    #[serde(default)]
    pub sources: Vec<Spanned<String>>,
    pub notes: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delegation {
    pub name: String,
    /// Card weight (affiliated members), or `"unknown"`.
    pub card_weight: Known<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct College {
    pub name: String,
    pub who: String,
    /// Percent of the whole, or `"unknown"`.
    pub share: Known<u64>,
    pub age_under: Option<u32>,
    pub age_at: Option<Datetime>,
    pub self_declared: Option<String>,
    #[serde(default)]
    pub certainty: Certainty,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MethodOptions {
    pub arithmetic: Option<Spanned<String>>,
    pub tie_break: Option<Spanned<String>>,
    pub tie_reading: Option<Spanned<String>>,
    pub constraint_strategy: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nomination {
    /// How many candidates each nominator may nominate.
    pub per_nominator: Option<u32>,
    /// Whether the candidate's own branch must nominate them.
    pub own_branch_required: Option<bool>,
    /// Any one route puts a candidate on the ballot (`5 CLPs`, or `2 trade unions`).
    #[serde(default, rename = "route")]
    pub routes: Vec<Route>,
    #[serde(default)]
    pub certainty: Certainty,
    #[serde(default)]
    pub sources: Vec<Spanned<String>>,
    pub notes: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// Who nominates (`CLPs`, `trade unions`).
    pub by: String,
    pub at_least: Spanned<u32>,
    /// Further requirements all needed on this route.
    #[serde(default)]
    pub and: Vec<Requirement>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub by: String,
    pub at_least: Spanned<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CandidateRules {
    /// Months of membership a candidate needs …
    pub membership_months: Option<u32>,
    /// … at this date (the close of nominations).
    pub at: Option<Datetime>,
    #[serde(default)]
    pub certainty: Certainty,
    #[serde(default)]
    pub sources: Vec<Spanned<String>>,
    pub notes: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoterRules {
    /// Joined on or before this date.
    pub joined_by: Option<Datetime>,
    /// Paid up (not in arrears) by this date.
    pub paid_up_by: Option<Datetime>,
    #[serde(default)]
    pub certainty: Certainty,
    #[serde(default)]
    pub sources: Vec<Spanned<String>>,
    pub notes: Option<String>,
}

/// What happens when a member leaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VacancyRule {
    /// The best-placed unelected candidate of the section's last count takes the seat.
    RunnerUp,
    /// A new election for the seat.
    ByElection,
    /// The office's next holder sits (ex officio).
    NextHolder,
    /// The appointing body names someone.
    Appointment,
    Unknown,
}

impl VacancyRule {
    pub fn name(self) -> &'static str {
        match self {
            VacancyRule::RunnerUp => "runner-up",
            VacancyRule::ByElection => "by-election",
            VacancyRule::NextHolder => "next-holder",
            VacancyRule::Appointment => "appointment",
            VacancyRule::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vacancy {
    pub rule: VacancyRule,
    /// Runner-up: pass over candidates who would break the section's constraints.
    #[serde(default = "yes")]
    pub respect_constraints: bool,
    #[serde(default)]
    pub certainty: Certainty,
    #[serde(default)]
    pub sources: Vec<Spanned<String>>,
    pub notes: Option<String>,
}

fn yes() -> bool {
    true
}

/// Who holds a seat.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub name: Spanned<String>,
    pub gender: Option<String>,
    /// A slate id (`[[slate]]`).
    pub slate: Option<Spanned<String>>,
    /// Other attributes, for constraints (`region = "london"`).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    pub office: Option<String>,
    pub since: Option<String>,
    /// The id of the section's result that elected them.
    pub elected_in: Option<Spanned<String>>,
    #[serde(default)]
    pub certainty: Certainty,
    /// How sure the gender is, when it is given.
    #[serde(default)]
    pub gender_certainty: Certainty,
    /// How sure the slate is, when it is given.
    #[serde(default)]
    pub slate_certainty: Certainty,
    #[serde(default)]
    pub sources: Vec<Spanned<String>>,
    pub notes: Option<String>,
}

impl Member {
    pub fn name(&self) -> &str {
        self.name.get_ref()
    }
    /// Attributes for constraints: `gender`, `slate` and the others.
    pub fn attribute_map(&self) -> BTreeMap<String, String> {
        let mut m = self.attributes.clone();
        if let Some(g) = &self.gender {
            m.insert("gender".into(), g.clone());
        }
        if let Some(s) = &self.slate {
            m.insert("slate".into(), s.get_ref().clone());
        }
        m
    }
}

/// A contest counted elsewhere, imported from a CSV of totals.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultRef {
    pub id: Spanned<String>,
    pub title: Option<String>,
    pub date: Option<Datetime>,
    /// CSV file, relative to the constitution.
    pub file: Spanned<String>,
    pub seats: Spanned<u32>,
    /// Rule set, or `unknown`.
    pub method: Spanned<String>,
    pub marks: Option<u32>,
    #[serde(default)]
    pub min: Vec<Spanned<String>>,
    #[serde(default)]
    pub max: Vec<Spanned<String>>,
    /// The sum of `votes` a source states, checked against the file.
    pub total_votes: Option<Spanned<u64>>,
    #[serde(default)]
    pub certainty: Certainty,
    #[serde(default)]
    pub uncertain: Vec<Spanned<String>>,
    #[serde(default)]
    pub sources: Vec<Spanned<String>>,
    pub notes: Option<String>,
}

impl ResultRef {
    pub fn id(&self) -> &str {
        self.id.get_ref()
    }
    pub fn certainty_of(&self, field: &str) -> Certainty {
        if self.uncertain.iter().any(|f| f.get_ref() == field) {
            Certainty::Uncertain
        } else {
            self.certainty
        }
    }
    pub fn rules(&self) -> Vec<Rule> {
        parse_rules(&self.min, &self.max)
    }
}

/// A recorded change to the body (a vacancy and who filled it).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub when: String,
    pub section: Spanned<String>,
    pub leaving: String,
    pub joining: Option<String>,
    pub rule: Option<VacancyRule>,
    #[serde(default)]
    pub certainty: Certainty,
    #[serde(default)]
    pub sources: Vec<Spanned<String>>,
    pub notes: Option<String>,
}

/// Collects located issues.
pub(crate) struct Ctx<'a> {
    pub file: &'a str,
    pub src: &'a str,
    pub issues: Vec<Issue>,
}

impl Ctx<'_> {
    pub fn at(&mut self, span: std::ops::Range<usize>, path: impl Into<String>, problem: String) {
        self.issues.push(Issue {
            file: self.file.to_string(),
            line: Some(line_of(self.src, span.start)),
            path: path.into(),
            problem,
        });
    }
    pub fn nowhere(&mut self, path: impl Into<String>, problem: String) {
        self.issues.push(Issue {
            file: self.file.to_string(),
            line: None,
            path: path.into(),
            problem,
        });
    }
}

impl Constitution {
    /// Parses and validates a constitution; `file` names it in errors.
    pub fn parse(src: &str, file: &str) -> Result<Constitution, BodyError> {
        let c: Constitution = toml::from_str(src).map_err(|e| {
            let span = e.span();
            let (line, path) = match &span {
                Some(s) => (Some(line_of(src, s.start)), key_path_at(src, s.start)),
                None => (None, String::new()),
            };
            BodyError::Invalid(vec![Issue {
                file: file.to_string(),
                line,
                path,
                problem: e.message().trim().to_string(),
            }])
        })?;
        let mut ctx = Ctx {
            file,
            src,
            issues: Vec::new(),
        };
        c.validate(&mut ctx);
        if ctx.issues.is_empty() {
            Ok(c)
        } else {
            Err(BodyError::Invalid(ctx.issues))
        }
    }

    pub fn section(&self, id: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.id() == id)
    }

    pub fn seats(&self) -> u32 {
        *self.body.seats.get_ref()
    }

    /// Every named seat holder, with their section.
    pub fn members(&self) -> impl Iterator<Item = (&Section, &Member)> {
        self.sections
            .iter()
            .flat_map(|s| s.members.iter().map(move |m| (s, m)))
    }

    fn validate(&self, cx: &mut Ctx) {
        // Every source cited, with its key path, checked against [sources] at the end.
        let mut all_refs: Vec<(&Spanned<String>, String)> = Vec::new();
        fn cite<'a>(
            list: &'a [Spanned<String>],
            path: &str,
            refs: &mut Vec<(&'a Spanned<String>, String)>,
        ) {
            for (i, s) in list.iter().enumerate() {
                refs.push((s, format!("{path}.sources[{i}]")));
            }
        }
        cite(&self.body.sources, "body", &mut all_refs);

        // The body.
        if self.seats() == 0 {
            cx.at(
                self.body.seats.span(),
                "body.seats",
                "a body needs at least one seat".into(),
            );
        }
        for (i, t) in self.body.tallies.iter().enumerate() {
            let p = format!("body.tally[{i}]");
            if *t.seats.get_ref() > self.seats() {
                cx.at(
                    t.seats.span(),
                    format!("{p}.seats"),
                    format!(
                        "{} seats for {}={}, but the body has {}",
                        t.seats.get_ref(),
                        t.attribute,
                        t.value,
                        self.seats()
                    ),
                );
            }
            cite(&t.sources, &p, &mut all_refs);
        }

        // Slates.
        let mut slate_ids = BTreeSet::new();
        for (i, s) in self.slates.iter().enumerate() {
            let p = format!("slate[{i}]");
            if !slate_ids.insert(s.id.get_ref().as_str()) {
                cx.at(
                    s.id.span(),
                    format!("{p}.id"),
                    format!("slate {:?} is defined twice", s.id.get_ref()),
                );
            }
            if let Some(c) = &s.colour {
                check_colour(cx, c, &format!("{p}.colour"));
            }
        }

        // Sections.
        if self.sections.is_empty() {
            cx.nowhere(
                "section",
                "the body has no sections ([[section]] tables)".into(),
            );
        }
        let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
        let mut result_ids: BTreeMap<&str, usize> = BTreeMap::new();
        let mut holders: BTreeMap<&str, String> = BTreeMap::new();
        for (i, s) in self.sections.iter().enumerate() {
            let p = format!("section[{i}]");
            let id = s.id();
            if id.is_empty()
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                cx.at(
                    s.id.span(),
                    format!("{p}.id"),
                    format!("section id {id:?} must be non-empty letters, digits, '-' or '_'"),
                );
            }
            if let Some(first) = ids.insert(id, i) {
                cx.at(
                    s.id.span(),
                    format!("{p}.id"),
                    format!("section id {id:?} is used twice (first by section[{first}])"),
                );
            }
            self.validate_section(cx, s, &p, &slate_ids);
            cite(&s.sources, &p, &mut all_refs);
            if let Some(e) = &s.electorate {
                cite(&e.sources, &format!("{p}.electorate"), &mut all_refs);
            }
            if let Some(n) = &s.nomination {
                cite(&n.sources, &format!("{p}.nomination"), &mut all_refs);
            }
            if let Some(c) = &s.candidates {
                cite(&c.sources, &format!("{p}.candidates"), &mut all_refs);
            }
            if let Some(v) = &s.voters {
                cite(&v.sources, &format!("{p}.voters"), &mut all_refs);
            }
            if let Some(v) = &s.vacancy {
                cite(&v.sources, &format!("{p}.vacancy"), &mut all_refs);
            }
            for (j, m) in s.members.iter().enumerate() {
                let mp = format!("{p}.member[{j}]");
                cite(&m.sources, &mp, &mut all_refs);
                if let Some(prev) = holders.insert(m.name().trim(), mp.clone()) {
                    cx.at(
                        m.name.span(),
                        format!("{mp}.name"),
                        format!("{:?} already holds a seat ({prev})", m.name()),
                    );
                }
            }
            for (j, r) in s.results.iter().enumerate() {
                let rp = format!("{p}.result[{j}]");
                cite(&r.sources, &rp, &mut all_refs);
                if let Some(first) = result_ids.insert(r.id(), i) {
                    cx.at(
                        r.id.span(),
                        format!("{rp}.id"),
                        format!(
                            "result id {:?} is used twice (first in section[{first}])",
                            r.id()
                        ),
                    );
                }
            }
        }
        let sum: u32 = self.sections.iter().map(|s| s.seats()).sum();
        if !self.sections.is_empty() && sum != self.seats() {
            let parts: Vec<String> = self
                .sections
                .iter()
                .map(|s| format!("{} {}", s.id(), s.seats()))
                .collect();
            cx.at(
                self.body.seats.span(),
                "body.seats",
                format!(
                    "the body has {} seats but its sections' seats add up to {sum} ({})",
                    self.seats(),
                    parts.join(" + ")
                ),
            );
        }

        // Events.
        for (i, e) in self.events.iter().enumerate() {
            let p = format!("event[{i}]");
            cite(&e.sources, &p, &mut all_refs);
            if !ids.contains_key(e.section.get_ref().as_str()) {
                cx.at(
                    e.section.span(),
                    format!("{p}.section"),
                    format!(
                        "no section {:?} (known: {})",
                        e.section.get_ref(),
                        self.ids()
                    ),
                );
            }
        }

        // Sources cited must be listed.
        for (s, path) in all_refs {
            if !self.sources.contains_key(s.get_ref()) {
                cx.at(
                    s.span(),
                    path,
                    format!("source {:?} is not in the [sources] table", s.get_ref()),
                );
            }
        }
    }

    fn ids(&self) -> String {
        self.sections
            .iter()
            .map(|s| s.id())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn validate_section(&self, cx: &mut Ctx, s: &Section, p: &str, slates: &BTreeSet<&str>) {
        let id = s.id();
        if s.seats() == 0 {
            cx.at(
                s.seats.span(),
                format!("{p}.seats"),
                format!("section {id:?} has no seats"),
            );
        }
        for (list, what) in [(&s.uncertain, "uncertain"), (&s.secondary, "secondary")] {
            for (j, f) in list.iter().enumerate() {
                if !SECTION_FIELDS.contains(&f.get_ref().as_str()) {
                    cx.at(
                        f.span(),
                        format!("{p}.{what}[{j}]"),
                        format!(
                            "{:?} is not a section field (one of: {})",
                            f.get_ref(),
                            SECTION_FIELDS.join(", ")
                        ),
                    );
                }
            }
        }
        if let Some(c) = &s.colour {
            check_colour(cx, c, &format!("{p}.colour"));
        }
        match s.filled_by {
            FilledBy::ExOfficio => {
                if s.office.is_none() {
                    cx.nowhere(
                        p.to_string(),
                        format!(
                            "section {id:?} is filled ex officio: name the office (office = \"…\")"
                        ),
                    );
                }
            }
            FilledBy::Appointed => {
                if s.appointed_by.is_none() {
                    cx.nowhere(
                        p.to_string(),
                        format!("section {id:?} is appointed: say by whom (appointed_by = \"…\")"),
                    );
                }
            }
            FilledBy::Elected => {}
        }
        let elected = s.filled_by == FilledBy::Elected;
        if !elected {
            let only = |what: &str| {
                format!(
                    "section {id:?} is filled {}: {what} applies only to elected sections",
                    s.filled_by.name()
                )
            };
            if let Some(m) = &s.method {
                cx.at(m.span(), format!("{p}.method"), only("a method"));
            }
            if let Some(m) = &s.marks {
                cx.at(m.span(), format!("{p}.marks"), only("marks"));
            }
            for (present, what) in [
                (s.electorate.is_some(), "electorate"),
                (s.options.is_some(), "options"),
                (s.nomination.is_some(), "nomination"),
                (s.candidates.is_some(), "candidates"),
                (s.voters.is_some(), "voters"),
                (!s.results.is_empty(), "result"),
            ] {
                if present {
                    cx.nowhere(format!("{p}.{what}"), only(&format!("[{what}]")));
                }
            }
        }
        let mut method = None;
        if elected {
            match &s.method {
                None => cx.nowhere(
                    p.to_string(),
                    format!(
                        "section {id:?} is elected: give its method (one of {}, or \"unknown\")",
                        method_names()
                    ),
                ),
                Some(m) => {
                    method = check_method(cx, m, &format!("{p}.method"), s.seats());
                }
            }
            match &s.electorate {
                None => cx.nowhere(
                    p.to_string(),
                    format!("section {id:?} is elected: describe its [electorate] (kind = \"unknown\" if it is not known)"),
                ),
                Some(e) => check_electorate(cx, e, &format!("{p}.electorate")),
            }
        }
        if let Some(m) = &s.marks {
            if *m.get_ref() == 0 {
                cx.at(
                    m.span(),
                    format!("{p}.marks"),
                    "marks must be at least 1".into(),
                );
            }
            if elected && method.is_some() && method != Some(Method::Block) {
                cx.at(
                    m.span(),
                    format!("{p}.marks"),
                    format!(
                        "marks apply to the block vote, not {}",
                        s.method_name().unwrap_or("")
                    ),
                );
            }
        }
        if let Some(o) = &s.options {
            check_options(cx, o, &format!("{p}.options"));
        }
        check_rules(
            cx,
            &s.min,
            &s.max,
            s.seats(),
            p,
            &format!("section {id:?}"),
            method,
        );
        if let Some(n) = &s.nomination {
            for (j, r) in n.routes.iter().enumerate() {
                if *r.at_least.get_ref() == 0 {
                    cx.at(
                        r.at_least.span(),
                        format!("{p}.nomination.route[{j}].at_least"),
                        "a nomination route needs at least 1 nominator".into(),
                    );
                }
                for (k, q) in r.and.iter().enumerate() {
                    if *q.at_least.get_ref() == 0 {
                        cx.at(
                            q.at_least.span(),
                            format!("{p}.nomination.route[{j}].and[{k}].at_least"),
                            "a nomination requirement needs at least 1 nominator".into(),
                        );
                    }
                }
            }
        }
        if let Some(v) = &s.vacancy {
            if v.rule == VacancyRule::RunnerUp && !elected {
                cx.nowhere(
                    format!("{p}.vacancy.rule"),
                    format!("section {id:?} is not elected: there is no runner-up to take a seat"),
                );
            }
        }
        if s.members.len() > s.seats() as usize {
            cx.at(
                s.members[s.seats() as usize].name.span(),
                format!("{p}.member[{}]", s.seats()),
                format!(
                    "section {id:?} has {} seats but {} members are listed",
                    s.seats(),
                    s.members.len()
                ),
            );
        }
        let result_ids: BTreeSet<&str> = s.results.iter().map(|r| r.id()).collect();
        for (j, m) in s.members.iter().enumerate() {
            let mp = format!("{p}.member[{j}]");
            if m.name().trim().is_empty() {
                cx.at(
                    m.name.span(),
                    format!("{mp}.name"),
                    "the name is empty".into(),
                );
            }
            if let Some(sl) = &m.slate {
                if !slates.contains(sl.get_ref().as_str()) {
                    cx.at(
                        sl.span(),
                        format!("{mp}.slate"),
                        format!(
                            "no slate {:?} (known: {})",
                            sl.get_ref(),
                            slates.iter().copied().collect::<Vec<_>>().join(", ")
                        ),
                    );
                }
            }
            if let Some(e) = &m.elected_in {
                if !result_ids.contains(e.get_ref().as_str()) {
                    cx.at(
                        e.span(),
                        format!("{mp}.elected_in"),
                        format!(
                            "section {id:?} has no result {:?} (its results: {})",
                            e.get_ref(),
                            if result_ids.is_empty() {
                                "none".to_string()
                            } else {
                                result_ids.iter().copied().collect::<Vec<_>>().join(", ")
                            }
                        ),
                    );
                }
            }
        }
        for (j, r) in s.results.iter().enumerate() {
            let rp = format!("{p}.result[{j}]");
            if *r.seats.get_ref() == 0 || *r.seats.get_ref() > s.seats() {
                cx.at(
                    r.seats.span(),
                    format!("{rp}.seats"),
                    format!(
                        "a contest for section {id:?} fills 1 to {} seats, not {}",
                        s.seats(),
                        r.seats.get_ref()
                    ),
                );
            }
            let m = check_method(cx, &r.method, &format!("{rp}.method"), *r.seats.get_ref());
            check_rules(
                cx,
                &r.min,
                &r.max,
                *r.seats.get_ref(),
                &rp,
                &format!("result {:?}", r.id()),
                m,
            );
            for (k, f) in r.uncertain.iter().enumerate() {
                if !RESULT_FIELDS.contains(&f.get_ref().as_str()) {
                    cx.at(
                        f.span(),
                        format!("{rp}.uncertain[{k}]"),
                        format!(
                            "{:?} is not a result field (one of: {})",
                            f.get_ref(),
                            RESULT_FIELDS.join(", ")
                        ),
                    );
                }
            }
            if r.file.get_ref().trim().is_empty() {
                cx.at(
                    r.file.span(),
                    format!("{rp}.file"),
                    "the file name is empty".into(),
                );
            }
        }
    }
}

pub(crate) fn method_names() -> String {
    Method::ALL
        .iter()
        .map(|m| m.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A method name: a scrutin rule set or `unknown` (None).
fn check_method(cx: &mut Ctx, m: &Spanned<String>, path: &str, seats: u32) -> Option<Method> {
    let name = m.get_ref().as_str();
    if name == "unknown" {
        return None;
    }
    match Method::from_name(name) {
        None => {
            cx.at(
                m.span(),
                path,
                format!(
                    "unknown method {name:?}; known: {}, or \"unknown\"",
                    method_names()
                ),
            );
            None
        }
        Some(Method::Irv) if seats != 1 => {
            cx.at(
                m.span(),
                path,
                format!("irv elects one candidate, but {seats} seats are to be filled"),
            );
            Some(Method::Irv)
        }
        Some(m) => Some(m),
    }
}

fn check_electorate(cx: &mut Ctx, e: &Electorate, p: &str) {
    match e.kind {
        ElectorateKind::Colleges => {
            if e.colleges.len() < 2 {
                cx.nowhere(
                    format!("{p}.college"),
                    format!(
                        "an electorate of colleges needs at least two [[{p}.college]] tables, found {}",
                        e.colleges.len()
                    ),
                );
            }
            let shares: Vec<Option<u64>> = e.colleges.iter().map(|c| c.share.value()).collect();
            if shares.iter().all(Option::is_some) && !shares.is_empty() {
                let sum: u64 = shares.iter().flatten().sum();
                if sum != 100 {
                    cx.nowhere(
                        format!("{p}.college"),
                        format!("the colleges' shares add up to {sum}%, not 100%"),
                    );
                }
            }
        }
        kind => {
            if !e.colleges.is_empty() {
                cx.nowhere(
                    format!("{p}.college"),
                    format!(
                        "colleges belong to kind = \"colleges\", not {:?}",
                        kind.name()
                    ),
                );
            }
            if kind != ElectorateKind::Unknown && e.who.is_none() {
                cx.nowhere(
                    p.to_string(),
                    "name the group that votes (who = \"members\", \"trade unions\", …): the share report counts seats by it".into(),
                );
            }
            if kind == ElectorateKind::Caucus && e.of.is_empty() {
                cx.nowhere(
                    p.to_string(),
                    "a caucus needs `of`, who is in it (of = [\"MPs\", \"MEPs\"])".into(),
                );
            }
        }
    }
    if e.age_at.is_some() && e.age_under.is_none() {
        cx.nowhere(p.to_string(), "age_at without age_under".into());
    }
    if let Some(w) = &e.who {
        if w.get_ref().trim().is_empty() {
            cx.at(w.span(), format!("{p}.who"), "who is empty".into());
        }
    }
}

fn check_options(cx: &mut Ctx, o: &MethodOptions, p: &str) {
    if let Some(a) = &o.arithmetic {
        if let Err(m) = Arithmetic::parse(a.get_ref()) {
            cx.at(a.span(), format!("{p}.arithmetic"), m);
        }
    }
    if let Some(t) = &o.tie_break {
        if let Err(m) = TiePolicy::parse(t.get_ref()) {
            cx.at(t.span(), format!("{p}.tie_break"), m);
        }
    }
    if let Some(t) = &o.tie_reading {
        if let Err(m) = PriorStageReading::parse(t.get_ref()) {
            cx.at(t.span(), format!("{p}.tie_reading"), m);
        }
    }
    if let Some(t) = &o.constraint_strategy {
        if let Err(m) = Strategy::parse(t.get_ref()) {
            cx.at(t.span(), format!("{p}.constraint_strategy"), m);
        }
    }
}

/// Parses `min`/`max` and refuses constraints that no choice of candidates could meet.
fn check_rules(
    cx: &mut Ctx,
    min: &[Spanned<String>],
    max: &[Spanned<String>],
    seats: u32,
    p: &str,
    what: &str,
    method: Option<Method>,
) {
    let mut parsed: Vec<(Rule, &Spanned<String>, String)> = Vec::new();
    for (list, is_min, key) in [(min, true, "min"), (max, false, "max")] {
        for (j, s) in list.iter().enumerate() {
            let path = format!("{p}.{key}[{j}]");
            match Rule::parse(s.get_ref(), is_min) {
                Ok(r) => parsed.push((r, s, path)),
                Err(e) => {
                    let e = e
                        .strip_prefix("--min ")
                        .or_else(|| e.strip_prefix("--max "))
                        .unwrap_or(&e)
                        .to_string();
                    cx.at(s.span(), path, e)
                }
            }
        }
    }
    if method == Some(Method::Irv) && !parsed.is_empty() {
        cx.at(
            parsed[0].1.span(),
            parsed[0].2.clone(),
            "irv elects one candidate: category constraints apply to the multi-seat rule sets"
                .into(),
        );
    }
    for (r, s, path) in &parsed {
        if let Bound::Min(n) = r.bound {
            if n > seats {
                cx.at(
                    s.span(),
                    path.clone(),
                    format!(
                        "at least {n} seats for {} cannot be met: {what} has only {seats} seat(s)",
                        r.group()
                    ),
                );
            }
            for (q, _, _) in &parsed {
                if q.group().eq_ignore_ascii_case(&r.group()) {
                    if let Bound::Max(m) = q.bound {
                        if m < n {
                            cx.at(
                                s.span(),
                                path.clone(),
                                format!(
                                    "at least {n} but at most {m} seats for {}: no result meets both",
                                    r.group()
                                ),
                            );
                        }
                    }
                }
            }
        }
    }
    // Minimums of one attribute's different values share the seats.
    let mut by_attr: BTreeMap<String, (u32, Vec<String>)> = BTreeMap::new();
    for (r, _, _) in &parsed {
        if let Bound::Min(n) = r.bound {
            let e = by_attr.entry(r.attribute.to_ascii_lowercase()).or_default();
            e.0 += n;
            e.1.push(format!("{} {n}", r.group()));
        }
    }
    for (attr, (sum, parts)) in by_attr {
        if sum > seats && parts.len() > 1 {
            let first = parsed
                .iter()
                .find(|(r, _, _)| r.attribute.eq_ignore_ascii_case(&attr))
                .map(|(_, s, path)| (s.span(), path.clone()));
            let msg = format!(
                "the minimums for {attr} ({}) add up to {sum}, more than the {seats} seat(s) of {what}",
                parts.join(", ")
            );
            match first {
                Some((span, path)) => cx.at(span, path, msg),
                None => cx.nowhere(p.to_string(), msg),
            }
        }
    }
}

fn check_colour(cx: &mut Ctx, c: &Spanned<String>, path: &str) {
    let v = c.get_ref();
    let ok = v.len() == 7 && v.starts_with('#') && v[1..].chars().all(|ch| ch.is_ascii_hexdigit());
    if !ok {
        cx.at(
            c.span(),
            path,
            format!("colour {v:?} must be #rrggbb (six hex digits)"),
        );
    }
}

/// The TOML key path at byte `offset`: the table or array-of-tables headers before it
/// (`[[section]]` counted, so `section[6]`), then the key on the offset's line, if any.
pub(crate) fn key_path_at(src: &str, offset: usize) -> String {
    let before = &src[..offset.min(src.len())];
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut current: Vec<(String, bool)> = Vec::new(); // (dotted name, array?)
    for line in before.lines() {
        let t = line.trim();
        let (name, array) = if let Some(r) = t.strip_prefix("[[") {
            match r.split_once("]]") {
                Some((n, _)) => (n.trim().to_string(), true),
                None => continue,
            }
        } else if let Some(r) = t.strip_prefix('[') {
            match r.split_once(']') {
                Some((n, _)) => (n.trim().to_string(), false),
                None => continue,
            }
        } else {
            continue;
        };
        if array {
            *counts.entry(name.clone()).or_insert(0) += 1;
            let prefix = format!("{name}.");
            for (k, v) in counts.iter_mut() {
                if k.starts_with(&prefix) {
                    *v = 0;
                }
            }
        }
        current = vec![(name, array)];
    }
    let mut path = String::new();
    if let Some((name, _)) = current.first() {
        let parts: Vec<&str> = name.split('.').collect();
        for i in 0..parts.len() {
            let dotted = parts[..=i].join(".");
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(parts[i]);
            if let Some(n) = counts.get(&dotted).filter(|n| **n > 0) {
                path.push_str(&format!("[{}]", n - 1));
            }
        }
    }
    // The key on the error's line.
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line_end = src[line_start..]
        .find('\n')
        .map(|i| line_start + i)
        .unwrap_or(src.len());
    let line = src[line_start..line_end].trim();
    if !line.starts_with('[') {
        if let Some((k, _)) = line.split_once('=') {
            let k = k.trim();
            if !k.is_empty() && !k.starts_with('#') {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
            }
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::key_path_at;

    #[test]
    fn key_path_counts_array_tables() {
        let src = "[body]\nname = \"x\"\n[[section]]\nid = \"a\"\n[[section]]\nid = \"b\"\n[[section.member]]\nname = 3\n";
        let off = src.find("name = 3").unwrap() + 7;
        assert_eq!(key_path_at(src, off), "section[1].member[0].name");
        let off = src.find("id = \"b\"").unwrap();
        assert_eq!(key_path_at(src, off), "section[1].id");
        assert_eq!(key_path_at(src, 8), "body.name");
    }
}

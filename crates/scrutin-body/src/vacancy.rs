//! Vacancies: a member leaves; the section's rule says who takes the seat, and why.
//!
//! `runner-up`: the best-placed candidate not elected at the section's last count (its latest
//! declared result) takes the seat, passing over anyone who already sits on the body and,
//! when the rule respects constraints, anyone whose arrival would break the section's
//! constraints (a minimum of women the departure leaves unmet, a maximum) where the
//! attributes are known. The other rules (by-election, next holder of the office,
//! appointment) say what happens without naming anyone.

use std::collections::BTreeMap;

use scrutin_core::constraints::Bound;
use serde::Serialize;

use crate::constitution::{Section, VacancyRule};
use crate::dossier::Dossier;
use crate::results::Row;
use crate::Certainty;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VacancyError {
    #[error("no section {id:?} (known: {known})")]
    NoSection { id: String, known: String },
    #[error("{name:?} does not hold a seat in section {section:?} (its named holders: {holders})")]
    NotAMember {
        name: String,
        section: String,
        holders: String,
    },
    #[error("section {0:?} has no [vacancy] rule in the constitution")]
    NoRule(String),
    #[error("section {0:?} fills vacancies by the runner-up from its last count, but the constitution names no declared result for it")]
    NoCount(String),
}

/// Who fills the seat and why.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub section: String,
    pub leaving: String,
    pub rule: String,
    pub rule_certainty: Certainty,
    /// Who takes the seat, when the rule names someone.
    pub successor: Option<String>,
    /// The reasoning, one step a line.
    pub steps: Vec<String>,
    /// What the sources record happened, and whether it agrees.
    pub record: Option<String>,
}

impl Outcome {
    pub fn to_text(&self) -> String {
        let mut o = String::new();
        for s in &self.steps {
            o += s;
            o += "\n";
        }
        if let Some(r) = &self.record {
            o += r;
            o += "\n";
        }
        o
    }
}

/// Applies section `section`'s vacancy rule to `leaving`'s departure.
pub fn fill(d: &Dossier, section: &str, leaving: &str) -> Result<Outcome, VacancyError> {
    let c = &d.constitution;
    let s = c.section(section).ok_or_else(|| VacancyError::NoSection {
        id: section.to_string(),
        known: c
            .sections
            .iter()
            .map(|s| s.id())
            .collect::<Vec<_>>()
            .join(", "),
    })?;
    let leaving = leaving.trim();
    if !s.members.iter().any(|m| m.name() == leaving) {
        return Err(VacancyError::NotAMember {
            name: leaving.to_string(),
            section: s.id().to_string(),
            holders: if s.members.is_empty() {
                "none".to_string()
            } else {
                s.members
                    .iter()
                    .map(|m| m.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        });
    }
    let v = s
        .vacancy
        .as_ref()
        .ok_or_else(|| VacancyError::NoRule(s.id().to_string()))?;
    let cite = |list: &[toml::Spanned<String>]| {
        if list.is_empty() {
            String::new()
        } else {
            format!(
                " [{}]",
                list.iter()
                    .map(|x| x.get_ref().as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    };
    let mut steps = vec![
        format!(
            "Vacancy in {} [{}], {} seat(s): {leaving} leaves.",
            s.name,
            s.id(),
            s.seats()
        ),
        format!(
            "Rule: {} ({}){}.",
            match v.rule {
                VacancyRule::RunnerUp =>
                    "the runner-up from the section's last count takes the seat",
                VacancyRule::ByElection => "a by-election fills the seat",
                VacancyRule::NextHolder => "the seat passes with the office to its next holder",
                VacancyRule::Appointment => "the appointing body names a successor",
                VacancyRule::Unknown => "not known",
            },
            v.certainty.name(),
            cite(&v.sources)
        ),
    ];
    let mut successor = None;
    match v.rule {
        VacancyRule::RunnerUp => {
            successor = runner_up(d, s, leaving, v.respect_constraints, &mut steps)?;
        }
        VacancyRule::ByElection => steps.push(format!(
            "A new count fills 1 seat{}{}; nobody takes the seat until it is declared.",
            s.method_name()
                .map(|m| format!(" under {m}"))
                .unwrap_or_default(),
            s.electorate
                .as_ref()
                .and_then(|e| e.who.as_ref())
                .map(|w| format!(", electorate: {}", w.get_ref()))
                .unwrap_or_default()
        )),
        VacancyRule::NextHolder => steps.push(format!(
            "Whoever next holds the office ({}) takes the seat.",
            s.office.as_deref().unwrap_or("the office")
        )),
        VacancyRule::Appointment => steps.push(format!(
            "{} names the successor.",
            s.appointed_by.as_deref().unwrap_or("The appointing body")
        )),
        VacancyRule::Unknown => {
            steps.push("The constitution does not say who takes the seat.".into())
        }
    }
    if let Some(n) = &v.notes {
        steps.push(format!("Note: {n}"));
    }
    let record = c
        .events
        .iter()
        .find(|e| e.section.get_ref() == s.id() && e.leaving.trim() == leaving)
        .map(|e| {
            let agrees = match (&e.joining, &successor) {
                (Some(j), Some(x)) if j.trim() == x => ": the rule gives the same successor",
                (Some(_), Some(_)) => ": the rule gives a different successor",
                _ => "",
            };
            format!(
                "Recorded ({}): {}{} ({}){}{agrees}.",
                e.when,
                match &e.joining {
                    Some(j) => format!("{j} replaced {leaving}"),
                    None => format!("{leaving} left"),
                },
                e.rule
                    .map(|r| format!(" by the {} rule", r.name()))
                    .unwrap_or_default(),
                e.certainty.name(),
                cite(&e.sources)
            )
        });
    Ok(Outcome {
        section: s.id().to_string(),
        leaving: leaving.to_string(),
        rule: v.rule.name().to_string(),
        rule_certainty: v.certainty,
        successor,
        steps,
        record,
    })
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn runner_up(
    d: &Dossier,
    s: &Section,
    leaving: &str,
    respect: bool,
    steps: &mut Vec<String>,
) -> Result<Option<String>, VacancyError> {
    let c = &d.constitution;
    let last = s
        .last_result()
        .ok_or_else(|| VacancyError::NoCount(s.id().to_string()))?;
    let Some(loaded) = d.results.get(last.id()) else {
        return Err(VacancyError::NoCount(s.id().to_string()));
    };
    let res = &loaded.result;
    steps.push(format!(
        "Last count: {}{}{}, {} seat(s) by {}, from {}.",
        last.id(),
        last.date
            .as_ref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default(),
        last.title
            .as_ref()
            .map(|t| format!(" \"{t}\""))
            .unwrap_or_default(),
        last.seats.get_ref(),
        last.method.get_ref(),
        loaded.file
    ));
    let ranked = res.ranked();
    let holders: BTreeMap<&str, &str> = c.members().map(|(sec, m)| (m.name(), sec.id())).collect();
    let remaining: Vec<BTreeMap<String, String>> = s
        .members
        .iter()
        .filter(|m| m.name() != leaving)
        .map(|m| m.attribute_map())
        .collect();
    let rules = if respect { s.rules() } else { Vec::new() };
    if rules.is_empty() {
        steps.push(if respect {
            format!(
                "Constraints: none in force for the section{}.",
                if s.certainty_of("min") != Certainty::Confirmed {
                    format!(" (whether any applied is {})", s.certainty_of("min").name())
                } else {
                    String::new()
                }
            )
        } else {
            "Constraints: the rule does not look at them.".to_string()
        });
    }
    let attrs = |r: &Row| r.attributes.clone();
    let mut chosen = None;
    for (place, r) in ranked.iter().enumerate() {
        if r.elected {
            continue;
        }
        let who = format!(
            "{} ({}, {})",
            r.candidate,
            ordinal(place + 1),
            res.show(r.figure)
        );
        if r.figure.is_none() {
            steps.push(format!(
                "Passed over: {who}: no figure, their place is not known."
            ));
            continue;
        }
        if let Some(sec) = holders.get(r.candidate.as_str()) {
            steps.push(format!(
                "Passed over: {who}: already holds a seat (section {sec})."
            ));
            continue;
        }
        let a = attrs(r);
        let mut breaks = None;
        let mut unsure = Vec::new();
        for rule in &rules {
            let known = a.contains_key(&rule.attribute)
                && remaining.iter().all(|m| m.contains_key(&rule.attribute));
            let inside = remaining.iter().filter(|m| rule.includes(m)).count() as u32
                + rule.includes(&a) as u32;
            let ok = match rule.bound {
                Bound::Min(n) => inside >= n || rule.includes(&a),
                Bound::Max(n) => inside <= n || !rule.includes(&a),
            };
            if !known {
                unsure.push(rule.to_string());
            } else if !ok {
                breaks = Some(rule.to_string());
                break;
            }
        }
        if let Some(rule) = breaks {
            steps.push(format!("Passed over: {who}: would break {rule}."));
            continue;
        }
        for u in unsure {
            steps.push(format!(
                "Constraint {u}: cannot be checked, the attribute is not known for everyone concerned."
            ));
        }
        steps.push(format!(
            "Successor: {}, {} with {}{}, the best-placed candidate not elected at the last count.",
            r.candidate,
            ordinal(place + 1),
            res.show(r.figure),
            if res.figures == crate::results::Figures::Votes {
                " votes"
            } else {
                ""
            }
        ));
        chosen = Some(r.candidate.clone());
        break;
    }
    if chosen.is_none() {
        steps.push("Nobody from the last count can take the seat: a by-election is needed.".into());
    }
    Ok(chosen)
}

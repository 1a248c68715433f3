//! The composition report: who elects what share of the body, women and men, seats per slate,
//! the sections and their holders, the declared results, and what is uncertain.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::constitution::{ElectorateKind, FilledBy, Section};
use crate::dossier::Dossier;
use crate::results::thousands;
use crate::{percent1, Certainty};

#[derive(Debug, Serialize)]
pub struct Composition {
    pub body: String,
    pub short_name: Option<String>,
    pub as_of: Option<String>,
    pub seats: u32,
    pub sections: Vec<SectionRow>,
    /// Seats by who fills them (the electorate, ex officio, appointed), most first.
    pub who_elects: Vec<ShareRow>,
    /// As `who_elects`, with each college seat shared out by the colleges' shares.
    pub who_elects_weighted: Vec<WeightedRow>,
    pub gender: Gender,
    pub slates: Vec<SlateRow>,
    pub results: Vec<ResultRow>,
    /// Every fact marked secondary or uncertain, as `section: field (S)`.
    pub uncertain: Vec<String>,
    pub non_voting: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct SectionRow {
    pub id: String,
    pub name: String,
    pub seats: u32,
    pub filled_by: String,
    pub who: String,
    pub who_certainty: Certainty,
    pub method: Option<String>,
    pub method_certainty: Certainty,
    pub marks: Option<u32>,
    pub constraints: Vec<String>,
    pub holders: Vec<Holder>,
    /// Seats whose holder the constitution does not name.
    pub unnamed: u32,
    pub certainty: Certainty,
}

#[derive(Debug, Serialize)]
pub struct Holder {
    pub name: String,
    pub gender: Option<String>,
    pub slate: Option<String>,
    pub slate_certainty: Certainty,
    pub elected_in: Option<String>,
    pub certainty: Certainty,
}

#[derive(Debug, Serialize)]
pub struct ShareRow {
    pub who: String,
    pub seats: u32,
    pub percent: String,
    pub sections: Vec<String>,
    /// The least sure of the sections' electorate and way of filling.
    pub certainty: Certainty,
}

#[derive(Debug, Serialize)]
pub struct WeightedRow {
    pub who: String,
    /// Seats, to two decimals (`9.50`).
    pub seats: String,
    pub percent: String,
}

#[derive(Debug, Serialize)]
pub struct Gender {
    /// Stated by sources for the whole body.
    pub stated: Vec<Stated>,
    /// Counted from the named holders: value → seats.
    pub named: BTreeMap<String, u32>,
    /// Of the named holders' genders, how many are not confirmed by a source.
    pub named_not_confirmed: u32,
    /// Seats with no holder named or no gender given.
    pub not_known: u32,
}

#[derive(Debug, Serialize)]
pub struct Stated {
    pub attribute: String,
    pub value: String,
    pub seats: u32,
    pub of: u32,
    pub percent: String,
    pub as_of: Option<String>,
    pub certainty: Certainty,
    pub sources: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct SlateRow {
    pub slate: String,
    pub seats: u32,
    /// Of which the slate is marked secondary or uncertain.
    pub not_confirmed: u32,
}

#[derive(Debug, Serialize)]
pub struct ResultRow {
    pub id: String,
    pub section: String,
    pub title: Option<String>,
    pub date: Option<String>,
    pub file: String,
    pub seats: u32,
    pub method: String,
    pub candidates: usize,
    pub total: String,
    pub elected: Vec<(String, String)>,
    pub notes: Vec<String>,
    pub certainty: Certainty,
}

/// `women` for `woman`, `men` for `man`; other values as they are.
fn plural(v: &str) -> String {
    match v {
        "woman" => "women".to_string(),
        "man" => "men".to_string(),
        v => v.to_string(),
    }
}

fn electorate_certainty(s: &Section) -> Certainty {
    let mut c = s
        .certainty_of("filled_by")
        .max(s.certainty_of("electorate"));
    if let Some(e) = &s.electorate {
        c = c.max(e.certainty);
        if e.kind == ElectorateKind::Unknown {
            c = Certainty::Uncertain;
        }
    }
    c
}

impl Composition {
    pub fn of(d: &Dossier) -> Composition {
        let c = &d.constitution;
        let total = c.seats();
        let slate_name = |id: &str| {
            c.slates
                .iter()
                .find(|s| s.id.get_ref() == id)
                .map(|s| s.name.clone())
                .unwrap_or_else(|| id.to_string())
        };

        let sections: Vec<SectionRow> = c
            .sections
            .iter()
            .map(|s| SectionRow {
                id: s.id().to_string(),
                name: s.name.clone(),
                seats: s.seats(),
                filled_by: s.filled_by.name().to_string(),
                who: match s.filled_by {
                    FilledBy::ExOfficio => {
                        format!("ex officio: {}", s.office.clone().unwrap_or_default())
                    }
                    _ => s.who(),
                },
                who_certainty: electorate_certainty(s),
                method: s.method_name().map(str::to_string),
                method_certainty: s.certainty_of("method"),
                marks: s.marks.as_ref().map(|m| *m.get_ref()),
                constraints: s.rules().iter().map(ToString::to_string).collect(),
                holders: s
                    .members
                    .iter()
                    .map(|m| Holder {
                        name: m.name().to_string(),
                        gender: m.gender.clone(),
                        slate: m.slate.as_ref().map(|x| slate_name(x.get_ref())),
                        slate_certainty: m.slate_certainty,
                        elected_in: m.elected_in.as_ref().map(|e| e.get_ref().clone()),
                        certainty: m.certainty,
                    })
                    .collect(),
                unnamed: s.seats() - s.members.len() as u32,
                certainty: s.certainty,
            })
            .collect();

        // Who elects.
        let mut who: Vec<ShareRow> = Vec::new();
        let mut weighted: Vec<(String, u64)> = Vec::new(); // hundredths of a seat
        let mut add_w = |k: String, h: u64| match weighted.iter_mut().find(|(w, _)| *w == k) {
            Some(x) => x.1 += h,
            None => weighted.push((k, h)),
        };
        for s in &c.sections {
            let key = s.who();
            let cert = electorate_certainty(s);
            match who.iter_mut().find(|r| r.who == key) {
                Some(r) => {
                    r.seats += s.seats();
                    r.sections.push(s.id().to_string());
                    r.certainty = r.certainty.max(cert);
                }
                None => who.push(ShareRow {
                    who: key.clone(),
                    seats: s.seats(),
                    percent: String::new(),
                    sections: vec![s.id().to_string()],
                    certainty: cert,
                }),
            }
            match &s.electorate {
                Some(e)
                    if e.kind == ElectorateKind::Colleges
                        && e.colleges.iter().all(|c| c.share.value().is_some()) =>
                {
                    for col in &e.colleges {
                        add_w(
                            col.who.clone(),
                            s.seats() as u64 * col.share.value().unwrap_or(0),
                        );
                    }
                }
                _ => add_w(key, s.seats() as u64 * 100),
            }
        }
        for r in &mut who {
            r.percent = percent1(r.seats as u64, total as u64);
        }
        who.sort_by_key(|r| std::cmp::Reverse(r.seats));
        weighted.sort_by_key(|w| std::cmp::Reverse(w.1));
        let who_elects_weighted = weighted
            .into_iter()
            .map(|(w, h)| WeightedRow {
                who: w,
                seats: format!("{}.{:02}", h / 100, h % 100),
                percent: percent1(h, total as u64 * 100),
            })
            .collect();

        // Women and men.
        let mut named: BTreeMap<String, u32> = BTreeMap::new();
        let mut known = 0;
        let mut named_not_confirmed = 0;
        for (_, m) in c.members() {
            if let Some(g) = &m.gender {
                *named.entry(g.clone()).or_default() += 1;
                known += 1;
                named_not_confirmed += (m.gender_certainty != Certainty::Confirmed) as u32;
            }
        }
        let stated = c
            .body
            .tallies
            .iter()
            .map(|t| Stated {
                attribute: t.attribute.clone(),
                value: t.value.clone(),
                seats: *t.seats.get_ref(),
                of: total,
                percent: percent1(*t.seats.get_ref() as u64, total as u64),
                as_of: t.as_of.clone(),
                certainty: t.certainty,
                sources: t.sources.iter().map(|s| s.get_ref().clone()).collect(),
            })
            .collect();

        // Slates.
        let mut slates: Vec<SlateRow> = Vec::new();
        for (_, m) in c.members() {
            let name = match &m.slate {
                Some(s) => slate_name(s.get_ref()),
                None => "no slate given".to_string(),
            };
            let nc = m.slate.is_some() && m.slate_certainty != Certainty::Confirmed;
            match slates.iter_mut().find(|r| r.slate == name) {
                Some(r) => {
                    r.seats += 1;
                    r.not_confirmed += nc as u32;
                }
                None => slates.push(SlateRow {
                    slate: name,
                    seats: 1,
                    not_confirmed: nc as u32,
                }),
            }
        }
        let unnamed: u32 = total - c.members().count() as u32;
        if unnamed > 0 {
            slates.push(SlateRow {
                slate: "holder not named".to_string(),
                seats: unnamed,
                not_confirmed: 0,
            });
        }
        slates.sort_by_key(|r| {
            (
                r.slate == "no slate given" || r.slate == "holder not named",
                std::cmp::Reverse(r.seats),
            )
        });

        // Results.
        let mut results = Vec::new();
        for s in &c.sections {
            for r in &s.results {
                let Some(l) = d.results.get(r.id()) else {
                    continue;
                };
                let res = &l.result;
                results.push(ResultRow {
                    id: r.id().to_string(),
                    section: s.id().to_string(),
                    title: r.title.clone(),
                    date: r.date.as_ref().map(ToString::to_string),
                    file: l.file.clone(),
                    seats: *r.seats.get_ref(),
                    method: r.method.get_ref().clone(),
                    candidates: l.checked.candidates,
                    total: match res.figures {
                        crate::results::Figures::Votes => {
                            format!("{} votes", thousands(l.checked.sum))
                        }
                        crate::results::Figures::SharePercent => {
                            format!("{} in shares", res.show(Some(l.checked.sum)))
                        }
                    },
                    elected: res
                        .ranked()
                        .into_iter()
                        .filter(|x| x.elected)
                        .map(|x| (x.candidate.clone(), res.show(x.figure)))
                        .collect(),
                    notes: l.checked.notes.clone(),
                    certainty: r.certainty,
                });
            }
        }

        // What is not confirmed.
        let mut uncertain = Vec::new();
        for s in &c.sections {
            if s.certainty != Certainty::Confirmed {
                uncertain.push(format!("{}: the section{}", s.id(), s.certainty.mark()));
            }
            for f in s.uncertain.iter().chain(&s.secondary) {
                uncertain.push(format!(
                    "{}: {}{}",
                    s.id(),
                    f.get_ref(),
                    s.certainty_of(f.get_ref()).mark()
                ));
            }
            for (what, cert) in [
                ("electorate", s.electorate.as_ref().map(|e| e.certainty)),
                ("nomination", s.nomination.as_ref().map(|e| e.certainty)),
                ("candidates", s.candidates.as_ref().map(|e| e.certainty)),
                ("voters", s.voters.as_ref().map(|e| e.certainty)),
                ("vacancy", s.vacancy.as_ref().map(|e| e.certainty)),
            ] {
                let listed = s
                    .uncertain
                    .iter()
                    .chain(&s.secondary)
                    .any(|f| f.get_ref() == what);
                if let Some(cert) = cert.filter(|c| *c != Certainty::Confirmed && !listed) {
                    uncertain.push(format!("{}: [{what}]{}", s.id(), cert.mark()));
                }
            }
            for m in &s.members {
                if m.certainty != Certainty::Confirmed {
                    uncertain.push(format!(
                        "{}: holder {}{}",
                        s.id(),
                        m.name(),
                        m.certainty.mark()
                    ));
                }
            }
            for r in &s.results {
                for f in &r.uncertain {
                    uncertain.push(format!(
                        "{}: result {} {}{}",
                        s.id(),
                        r.id(),
                        f.get_ref(),
                        r.certainty_of(f.get_ref()).mark()
                    ));
                }
            }
        }
        uncertain.dedup();

        Composition {
            body: c.body.name.clone(),
            short_name: c.body.short_name.clone(),
            as_of: c.body.as_of.clone(),
            seats: total,
            sections,
            who_elects: who,
            who_elects_weighted,
            gender: Gender {
                stated,
                named,
                named_not_confirmed,
                not_known: total - known,
            },
            slates,
            results,
            uncertain,
            non_voting: c.body.non_voting.clone(),
        }
    }

    /// The report as text.
    pub fn to_text(&self) -> String {
        let mut o = String::new();
        let name = match &self.short_name {
            Some(s) => format!("{} ({s})", self.body),
            None => self.body.clone(),
        };
        o += &format!(
            "{name}{}: {} seats in {} sections\n",
            self.as_of
                .as_ref()
                .map(|a| format!(", as of {a}"))
                .unwrap_or_default(),
            self.seats,
            self.sections.len()
        );
        o += "(C) confirmed, (S) single secondary source, (U) uncertain: no source states it\n\n";

        o += "Who elects what share\n";
        let w = self
            .who_elects
            .iter()
            .map(|r| r.who.chars().count() + r.certainty.mark().len())
            .max()
            .unwrap_or(0);
        for r in &self.who_elects {
            let label = format!("{}{}", r.who, r.certainty.mark());
            o += &format!(
                "  {label:<w$}  {:>3} of {}  {:>5}%   {}\n",
                r.seats,
                self.seats,
                r.percent,
                r.sections.join(", ")
            );
        }
        if self.who_elects_weighted.len() != self.who_elects.len()
            || self
                .who_elects_weighted
                .iter()
                .zip(&self.who_elects)
                .any(|(a, b)| a.who != b.who)
        {
            o += "  college seats shared out by the colleges' shares:\n";
            let w = self
                .who_elects_weighted
                .iter()
                .map(|r| r.who.chars().count())
                .max()
                .unwrap_or(0);
            for r in &self.who_elects_weighted {
                o += &format!(
                    "    {:<w$}  {:>6} of {}  {:>5}%\n",
                    r.who, r.seats, self.seats, r.percent
                );
            }
        }

        o += "\nWomen and men\n";
        for s in &self.gender.stated {
            o += &format!(
                "  stated: {} {} of {} ({}%){}{}{}\n",
                s.seats,
                if s.attribute == "gender" {
                    plural(&s.value)
                } else {
                    format!("with {}={}", s.attribute, s.value)
                },
                s.of,
                s.percent,
                s.as_of
                    .as_ref()
                    .map(|a| format!(", as of {a}"))
                    .unwrap_or_default(),
                s.certainty.mark(),
                if s.sources.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", s.sources.join(", "))
                }
            );
        }
        let mut named: Vec<String> = self
            .gender
            .named
            .iter()
            .map(|(g, n)| format!("{n} {}", plural(g)))
            .collect();
        named.sort_by_key(|x| !x.ends_with(" women"));
        o += &format!(
            "  named holders: {}{}{} not known{}\n",
            named.join(", "),
            if named.is_empty() { "" } else { ", " },
            self.gender.not_known,
            if self.gender.named_not_confirmed > 0 {
                format!(
                    " ({} of the genders given are not confirmed by a source)",
                    self.gender.named_not_confirmed
                )
            } else {
                String::new()
            }
        );

        o += "\nSeats per slate (named holders)\n";
        let w = self
            .slates
            .iter()
            .map(|r| r.slate.chars().count())
            .max()
            .unwrap_or(0);
        for r in &self.slates {
            o += &format!(
                "  {:<w$}  {:>3}{}\n",
                r.slate,
                r.seats,
                if r.not_confirmed > 0 {
                    format!("  ({} of them not confirmed)", r.not_confirmed)
                } else {
                    String::new()
                }
            );
        }

        o += "\nSections\n";
        for s in &self.sections {
            let method = match &s.method {
                Some(m) => format!(
                    "; method {m}{}{}",
                    s.marks.map(|k| format!(" ({k} marks)")).unwrap_or_default(),
                    s.method_certainty.mark()
                ),
                None => String::new(),
            };
            let cons = if s.constraints.is_empty() {
                String::new()
            } else {
                format!(", {}", s.constraints.join(", "))
            };
            o += &format!(
                "  {:<2} {} [{}]{}: {}{}{}{}\n",
                s.seats,
                s.name,
                s.id,
                s.certainty.mark(),
                if s.filled_by == "elected" {
                    format!("elected by {}", s.who)
                } else {
                    s.who.clone()
                },
                s.who_certainty.mark(),
                method,
                cons
            );
            let mut names: Vec<String> = s
                .holders
                .iter()
                .map(|h| {
                    let mut t = h.name.clone();
                    if let Some(sl) = &h.slate {
                        t += &format!(" ({sl}{})", h.slate_certainty.mark());
                    }
                    t + h.certainty.mark()
                })
                .collect();
            if s.unnamed > 0 {
                names.push(format!("{} not named", s.unnamed));
            }
            o += &format!("       {}\n", names.join("; "));
        }
        if !self.non_voting.is_empty() {
            o += &format!("  non-voting: {}\n", self.non_voting.join("; "));
        }

        if !self.results.is_empty() {
            o += "\nDeclared results (checked)\n";
            for r in &self.results {
                o += &format!(
                    "  {} [{}]{}: {}, {} seat(s), {}, {} candidates, {}{}\n",
                    r.id,
                    r.section,
                    r.date.as_ref().map(|d| format!(" {d}")).unwrap_or_default(),
                    r.title.clone().unwrap_or_else(|| r.file.clone()),
                    r.seats,
                    r.method,
                    r.candidates,
                    r.total,
                    r.certainty.mark()
                );
                let el: Vec<String> = r.elected.iter().map(|(n, v)| format!("{n} {v}")).collect();
                o += &format!("       elected: {}\n", el.join(", "));
                for n in &r.notes {
                    o += &format!("       note: {n}\n");
                }
            }
        }

        if !self.uncertain.is_empty() {
            o += "\nNot confirmed\n";
            for u in &self.uncertain {
                o += &format!("  {u}\n");
            }
        }
        o
    }
}

/// The constitution in words, section by section: `scrutin body show`.
pub fn describe(c: &crate::Constitution) -> String {
    use crate::constitution::Known;
    let mut o = String::new();
    let name = match &c.body.short_name {
        Some(s) => format!("{} ({s})", c.body.name),
        None => c.body.name.clone(),
    };
    o += &format!(
        "{name}{}: {} seats in {} sections\n",
        c.body
            .as_of
            .as_ref()
            .map(|a| format!(", as of {a}"))
            .unwrap_or_default(),
        c.seats(),
        c.sections.len()
    );
    if let Some(t) = &c.body.term {
        o += &format!("term: {t}\n");
    }
    for n in &c.body.non_voting {
        o += &format!("non-voting: {n}\n");
    }
    for s in &c.sections {
        o += &format!(
            "\n[{}] {}: {} seat(s), {}{}\n",
            s.id(),
            s.name,
            s.seats(),
            s.filled_by.name(),
            s.certainty.mark()
        );
        if let Some(of) = &s.office {
            o += &format!("  office: {of}{}\n", s.certainty_of("office").mark());
        }
        if let Some(by) = &s.appointed_by {
            o += &format!(
                "  appointed by: {by}{}\n",
                s.certainty_of("appointed_by").mark()
            );
        }
        if let Some(e) = &s.electorate {
            let cert = e.certainty.max(s.certainty_of("electorate"));
            let mut what = match e.kind {
                ElectorateKind::Colleges => s.who(),
                ElectorateKind::Caucus => format!("caucus of {}", e.of.join(", ")),
                ElectorateKind::Delegations => format!(
                    "delegations of {}{}",
                    e.who.as_ref().map(|w| w.get_ref().as_str()).unwrap_or("?"),
                    e.weights
                        .as_ref()
                        .map(|w| format!(", {w} weights"))
                        .unwrap_or_default()
                ),
                ElectorateKind::Members => {
                    let mut t = e
                        .who
                        .as_ref()
                        .map(|w| w.get_ref().clone())
                        .unwrap_or_else(|| "members".into());
                    if let Some(a) = e.age_under {
                        t += &format!(" under {a}");
                        if let Some(at) = &e.age_at {
                            t += &format!(" on {at}");
                        }
                    }
                    if let Some(d) = &e.self_declared {
                        t += &format!(" who declare themselves {d}");
                    }
                    t
                }
                ElectorateKind::Unknown => "not known".to_string(),
            };
            if let Some(d) = &e.description {
                what += &format!(" ({d})");
            }
            o += &format!("  electorate: {what}{}\n", cert.mark());
            for col in &e.colleges {
                o += &format!(
                    "    college {}: {}, {}{}{}\n",
                    col.name,
                    col.who,
                    match col.share {
                        Known::Known(v) => format!("{v}%"),
                        Known::Unknown => "share unknown".into(),
                    },
                    col.age_under
                        .map(|a| format!(", under {a}"))
                        .unwrap_or_default(),
                    col.certainty.mark()
                );
            }
            for d in &e.delegations {
                o += &format!(
                    "    delegation {}: card weight {}\n",
                    d.name,
                    match d.card_weight {
                        Known::Known(v) => thousands(v),
                        Known::Unknown => "unknown".into(),
                    }
                );
            }
        }
        if let Some(m) = s.method_name() {
            o += &format!(
                "  method: {m}{}{}\n",
                s.marks
                    .as_ref()
                    .map(|k| format!(", {} marks per voter", k.get_ref()))
                    .unwrap_or_default(),
                s.certainty_of("method").mark()
            );
        }
        if let Some(opt) = &s.options {
            let parts: Vec<String> = [
                ("arithmetic", &opt.arithmetic),
                ("tie-break", &opt.tie_break),
                ("tie-reading", &opt.tie_reading),
                ("constraint strategy", &opt.constraint_strategy),
            ]
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {}", v.get_ref())))
            .collect();
            if !parts.is_empty() {
                o += &format!("  options: {}\n", parts.join(", "));
            }
        }
        let rules = s.rules();
        if !rules.is_empty() || s.certainty_of("min") != Certainty::Confirmed {
            o += &format!(
                "  constraints: {}{}\n",
                if rules.is_empty() {
                    "none given".to_string()
                } else {
                    rules
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                },
                s.certainty_of("min").mark()
            );
        }
        if let Some(n) = &s.nomination {
            let routes: Vec<String> = n
                .routes
                .iter()
                .map(|r| {
                    let mut t = format!("{} {}", r.at_least.get_ref(), r.by);
                    for q in &r.and {
                        t += &format!(" and {} {}", q.at_least.get_ref(), q.by);
                    }
                    t
                })
                .collect();
            o += &format!(
                "  nomination: {}{}{}{}\n",
                if routes.is_empty() {
                    "routes not given".to_string()
                } else {
                    routes.join(", or ")
                },
                n.per_nominator
                    .map(|k| format!("; each nominates up to {k}"))
                    .unwrap_or_default(),
                match n.own_branch_required {
                    Some(true) => "; own branch's nomination required",
                    Some(false) => "; own branch's nomination not required",
                    None => "",
                },
                n.certainty.mark()
            );
        }
        if let Some(k) = &s.candidates {
            o += &format!(
                "  candidates: {}{}{}\n",
                k.membership_months
                    .map(|m| format!("{m} months' membership"))
                    .unwrap_or_else(|| "no membership test given".into()),
                k.at.as_ref()
                    .map(|d| format!(" at {d}"))
                    .unwrap_or_default(),
                k.certainty.mark()
            );
        }
        if let Some(v) = &s.voters {
            let mut parts = Vec::new();
            if let Some(d) = &v.joined_by {
                parts.push(format!("joined by {d}"));
            }
            if let Some(d) = &v.paid_up_by {
                parts.push(format!("paid up by {d}"));
            }
            o += &format!("  voters: {}{}\n", parts.join(", "), v.certainty.mark());
        }
        if let Some(v) = &s.vacancy {
            o += &format!(
                "  vacancy: {}{}{}\n",
                v.rule.name(),
                if v.rule == crate::constitution::VacancyRule::RunnerUp && v.respect_constraints {
                    " (respecting the constraints)"
                } else {
                    ""
                },
                v.certainty.mark()
            );
        }
        for m in &s.members {
            o += &format!(
                "  holder: {}{}{}{}\n",
                m.name(),
                m.gender
                    .as_ref()
                    .map(|g| format!(", {g}{}", m.gender_certainty.mark()))
                    .unwrap_or_default(),
                m.elected_in
                    .as_ref()
                    .map(|e| format!(", elected in {}", e.get_ref()))
                    .unwrap_or_default(),
                m.certainty.mark()
            );
        }
        let unnamed = s.seats() as usize - s.members.len();
        if unnamed > 0 {
            o += &format!("  holder not named: {unnamed} seat(s)\n");
        }
        for r in &s.results {
            o += &format!(
                "  declared result: {} ({}), {} seat(s), {}{}\n",
                r.id(),
                r.file.get_ref(),
                r.seats.get_ref(),
                r.method.get_ref(),
                r.certainty.mark()
            );
        }
    }
    o
}

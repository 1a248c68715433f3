//! A ballot paper as an HTML form, and what a voter filled in read back into a ballot.
//!
//! Every candidate has a field `c{position}` (1-based ballot-paper position): on a ranked
//! ballot a `<select>` of blank, 1 … n; on a block-vote ballot a checkbox. What the voter
//! chose travels between the form, the review page and the cast as those same fields, so a
//! form shown again keeps every choice.

use std::collections::{BTreeMap, BTreeSet};

use maud::{html, Markup};
use scrutin_record::ballot::{Ballot, BallotKind};
use scrutin_store::BallotPaper;

use crate::page::{and_list, Problem};

/// The field of the candidate at ballot-paper position `pos`.
pub(crate) fn field_id(pos: u32) -> String {
    format!("c{pos}")
}

/// What a voter entered: ballot-paper position → the field's value (a number, or a mark).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Choices {
    values: BTreeMap<u32, String>,
    /// A field that names no position (`cX`, `c0`): the form was not ours.
    malformed: bool,
}

impl Choices {
    /// The `c{n}` fields of a form; other fields are ignored. Empty values are dropped.
    pub fn from_form(pairs: &[(String, String)]) -> Choices {
        let mut c = Choices::default();
        for (k, v) in pairs {
            let Some(n) = k.strip_prefix('c') else {
                continue;
            };
            if !n.starts_with(|ch: char| ch.is_ascii_digit()) {
                continue;
            }
            match n.parse::<u32>() {
                Ok(pos) if pos > 0 && n.chars().all(|ch| ch.is_ascii_digit()) => {
                    let v = v.trim();
                    if !v.is_empty() {
                        c.values.insert(pos, v.chars().take(16).collect());
                    }
                }
                _ => c.malformed = true,
            }
        }
        c
    }

    /// The value entered for `pos` (empty if none).
    pub fn get(&self, pos: u32) -> &str {
        self.values.get(&pos).map_or("", String::as_str)
    }

    /// Hidden inputs carrying these choices to the next page.
    pub fn hidden(&self) -> Markup {
        html! {
            @for (pos, v) in &self.values {
                input type="hidden" name=(field_id(*pos)) value=(v);
            }
        }
    }

    /// The choices that a ballot makes (to show a cast ballot again, or to pre-fill).
    #[cfg(test)]
    pub fn of_ballot(ballot: &Ballot, kind: BallotKind) -> Choices {
        let mut c = Choices::default();
        for (k, &pos) in ballot.0.iter().enumerate() {
            let v = match kind {
                BallotKind::Ranked => (k + 1).to_string(),
                BallotKind::Marks(_) => "x".to_string(),
            };
            c.values.insert(pos, v);
        }
        c
    }
}

/// What is wrong with a filled-in ballot paper: the summary (top of the page) and a message
/// beside each field concerned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FormErrors {
    pub summary: Vec<Problem>,
    pub fields: BTreeMap<u32, String>,
}

impl FormErrors {
    fn add(&mut self, positions: &[u32], message: String) {
        let field = positions.first().map(|&p| field_id(p));
        for &p in positions {
            self.fields.entry(p).or_insert_with(|| message.clone());
        }
        self.summary.push(Problem { field, message });
    }
}

/// How many candidates a voter may number on a ranked paper: those still standing.
fn standing(paper: &BallotPaper) -> u32 {
    paper.candidates.iter().filter(|(_, w)| !w).count() as u32
}

/// The first candidate's field who can be chosen: where "nothing chosen" points.
fn first_field(paper: &BallotPaper) -> Option<u32> {
    paper
        .candidates
        .iter()
        .position(|(_, w)| !w)
        .map(|i| i as u32 + 1)
}

/// Reads a filled-in ballot paper: the ballot (positions in preference order, or the marked
/// positions ascending), or every problem found, each said plainly.
pub(crate) fn read(paper: &BallotPaper, choices: &Choices) -> Result<Ballot, FormErrors> {
    let mut errors = FormErrors::default();
    if choices.malformed {
        errors.summary.push(Problem::general(
            "The form sent a field this ballot paper does not have. Please fill the ballot in again.",
        ));
    }
    let n = paper.candidates.len() as u32;
    let name = |pos: u32| {
        paper
            .candidates
            .get(pos as usize - 1)
            .map_or("?", |(n, _)| n.as_str())
            .to_string()
    };
    let mut chosen: Vec<(u32, &str)> = Vec::new();
    for (&pos, v) in &choices.values {
        if pos > n {
            if !errors.summary.iter().any(|p| p.field.is_none()) {
                errors.summary.push(Problem::general(
                    "The form named a candidate who is not on this ballot paper. Please fill the ballot in again.",
                ));
            }
            continue;
        }
        if paper.candidates[pos as usize - 1].1 {
            errors.add(
                &[pos],
                format!("{} has withdrawn and cannot be chosen.", name(pos)),
            );
            continue;
        }
        chosen.push((pos, v.as_str()));
    }
    let ballot = match paper.kind {
        BallotKind::Ranked => read_ranked(paper, &chosen, &name, &mut errors),
        BallotKind::Marks(k) => read_marks(paper, k, &chosen, &mut errors),
    };
    if !errors.summary.is_empty() {
        return Err(errors);
    }
    let Some(ballot) = ballot else {
        return Err(errors);
    };
    // The store checks again; this catches anything the messages above did not.
    ballot.checked(n, paper.kind).map_err(|e| {
        let mut errors = FormErrors::default();
        errors.summary.push(Problem::general(e.to_string()));
        errors
    })
}

fn read_ranked(
    paper: &BallotPaper,
    chosen: &[(u32, &str)],
    name: &dyn Fn(u32) -> String,
    errors: &mut FormErrors,
) -> Option<Ballot> {
    let m = standing(paper);
    let mut by_number: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for &(pos, v) in chosen {
        match v.parse::<u32>() {
            Ok(k) if (1..=m).contains(&k) => by_number.entry(k).or_default().push(pos),
            _ => errors.add(
                &[pos],
                format!(
                    "{}: choose a number from 1 to {m}, or leave it blank.",
                    name(pos)
                ),
            ),
        }
    }
    for (k, positions) in &by_number {
        if positions.len() > 1 {
            let names: Vec<String> = positions.iter().map(|&p| name(p)).collect();
            let both = if names.len() == 2 { "both " } else { "" };
            errors.add(
                positions,
                format!(
                    "You gave the number {k} to {both}{}. Give each number to one candidate only.",
                    and_list(&names)
                ),
            );
        }
    }
    if by_number.is_empty() {
        if errors.summary.is_empty() {
            errors.summary.push(Problem {
                field: first_field(paper).map(field_id),
                message: "Number at least one candidate: put 1 beside your first choice.".into(),
            });
        }
        return None;
    }
    let used: BTreeSet<u32> = by_number.keys().copied().collect();
    let max = used.iter().next_back().copied().unwrap_or(0);
    if let Some(missing) = (1..=max).find(|k| !used.contains(k)) {
        let after = by_number
            .range(missing + 1..)
            .next()
            .map(|(_, p)| p.clone())
            .unwrap_or_default();
        let message = if missing == 1 {
            "No candidate has the number 1: number your first choice 1, then 2, 3 … in order, without gaps."
                .to_string()
        } else {
            let used_text: Vec<String> = used.iter().map(u32::to_string).collect();
            format!(
                "You used the numbers {} but not {missing}. Number your choices 1, 2, 3 … in order, without gaps.",
                and_list(&used_text)
            )
        };
        errors.add(&after[..after.len().min(1)], message);
    }
    Some(Ballot(
        by_number
            .values()
            .filter_map(|p| p.first().copied())
            .collect(),
    ))
}

fn read_marks(
    paper: &BallotPaper,
    k: u32,
    chosen: &[(u32, &str)],
    errors: &mut FormErrors,
) -> Option<Ballot> {
    let marked: Vec<u32> = chosen.iter().map(|&(p, _)| p).collect();
    let got = marked.len() as u32;
    if got == 0 {
        if errors.summary.is_empty() {
            let message = if k == 1 {
                "Mark one candidate.".to_string()
            } else {
                format!("Mark at least one candidate (up to {k}).")
            };
            errors.summary.push(Problem {
                field: first_field(paper).map(field_id),
                message,
            });
        }
        return None;
    }
    if got > k {
        let over = got - k;
        let message = format!(
            "You marked {got} candidates, but you may mark no more than {k}. Remove {over} {}.",
            if over == 1 { "mark" } else { "marks" }
        );
        errors.summary.push(Problem {
            field: marked.first().map(|&p| field_id(p)),
            message,
        });
    }
    Some(Ballot(marked))
}

/// The ballot paper as a form's fields: a fieldset with a legend, a label for every control,
/// the choices kept and each field's error beside it.
pub(crate) fn fields(paper: &BallotPaper, choices: &Choices, errors: &FormErrors) -> Markup {
    let m = standing(paper);
    html! {
        fieldset #ballot aria-describedby="ballot-hint" {
            // The contest's name is the page's heading too (the GOV.UK pattern: a heading
            // inside the legend), so screen readers' heading navigation finds it.
            legend { h1 .legend-heading { (paper.name) } }
            @match paper.kind {
                BallotKind::Ranked => {
                    p #ballot-hint .hint {
                        "Number the candidates in order of preference: 1 beside your first choice, "
                        "2 beside your second, and so on. Number as many or as few as you like, "
                        "without gaps and without using a number twice."
                        @if paper.seats > 1 { " " (paper.seats) " seats are to be filled." }
                    }
                    ol.candidates {
                        @for (i, (name, withdrawn)) in paper.candidates.iter().enumerate() {
                            @let pos = i as u32 + 1;
                            @let id = field_id(pos);
                            @let err = errors.fields.get(&pos);
                            li class=[err.map(|_| "has-error")] {
                                @if *withdrawn {
                                    span.withdrawn { (name) }
                                    span.hint { " (withdrawn)" }
                                } @else {
                                    label for=(id) { (name) }
                                    select id=(id) name=(id)
                                        aria-describedby=[err.map(|_| format!("{id}-error"))]
                                        aria-invalid=[err.map(|_| "true")] {
                                        option value="" selected[choices.get(pos).is_empty()] { "–" }
                                        @for k in 1..=m {
                                            @let v = k.to_string();
                                            option value=(v) selected[choices.get(pos) == v] { (k) }
                                        }
                                    }
                                }
                                @if let Some(e) = err {
                                    p.field-error id={ (id) "-error" } { span.visually-hidden { "Error: " } (e) }
                                }
                            }
                        }
                    }
                }
                BallotKind::Marks(k) => {
                    p #ballot-hint .hint {
                        @if k == 1 { "Mark one candidate." }
                        @else { "Mark up to " (k) " candidates." }
                        @if paper.seats > 1 { " " (paper.seats) " seats are to be filled." }
                    }
                    ul.candidates {
                        @for (i, (name, withdrawn)) in paper.candidates.iter().enumerate() {
                            @let pos = i as u32 + 1;
                            @let id = field_id(pos);
                            @let err = errors.fields.get(&pos);
                            li class=[err.map(|_| "has-error")] {
                                @if *withdrawn {
                                    span.withdrawn { (name) }
                                    span.hint { " (withdrawn)" }
                                } @else {
                                    input type="checkbox" id=(id) name=(id) value="x"
                                        checked[!choices.get(pos).is_empty()]
                                        aria-describedby=[err.map(|_| format!("{id}-error"))];
                                    label for=(id) { (name) }
                                }
                                @if let Some(e) = err {
                                    p.field-error id={ (id) "-error" } { span.visually-hidden { "Error: " } (e) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The ballot as it will be (or was) cast: names in preference order, or the marked names.
pub(crate) fn describe(paper: &BallotPaper, ballot: &Ballot) -> Markup {
    let name = |pos: u32| {
        paper
            .candidates
            .get((pos as usize).wrapping_sub(1))
            .map_or_else(|| format!("candidate {pos}"), |(n, _)| n.clone())
    };
    html! {
        @match paper.kind {
            BallotKind::Ranked => {
                ol {
                    @for &pos in &ballot.0 { li { (name(pos)) } }
                }
            }
            BallotKind::Marks(_) => {
                ul {
                    @for &pos in &ballot.0 { li { span aria-hidden="true" { "✗ " } (name(pos)) } }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paper(kind: BallotKind) -> BallotPaper {
        BallotPaper {
            section_id: "s".into(),
            name: "Contest".into(),
            seats: 2,
            method: "ers97".into(),
            kind,
            candidates: vec![
                ("Ann".into(), false),
                ("Bob".into(), false),
                ("Cat".into(), true),
                ("Dan".into(), false),
            ],
        }
    }

    fn form(pairs: &[(&str, &str)]) -> Choices {
        Choices::from_form(
            &pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn ranked_ballots_read_in_preference_order() {
        let p = paper(BallotKind::Ranked);
        let b = read(
            &p,
            &form(&[("code", "X"), ("c1", "2"), ("c4", "1"), ("c2", "")]),
        )
        .unwrap();
        assert_eq!(b.0, vec![4, 1]);
    }

    #[test]
    fn ranked_problems_are_named() {
        let p = paper(BallotKind::Ranked);
        let e = read(&p, &form(&[("c1", "1"), ("c2", "1")])).unwrap_err();
        assert_eq!(
            e.summary[0].message,
            "You gave the number 1 to both Ann and Bob. Give each number to one candidate only."
        );
        assert_eq!(e.summary[0].field.as_deref(), Some("c1"));
        assert!(e.fields.contains_key(&1) && e.fields.contains_key(&2));

        let e = read(
            &p,
            &form(&[("c1", "1"), ("c2", "2"), ("c4", "3"), ("c3", "")]),
        )
        .unwrap();
        assert_eq!(e.0, vec![1, 2, 4]);
        // Only three standing: 4 is out of range.
        let e = read(&p, &form(&[("c1", "1"), ("c2", "4")])).unwrap_err();
        assert!(e.summary[0].message.contains("from 1 to 3"), "{e:?}");

        let e = read(&p, &form(&[("c1", "1"), ("c2", "3")])).unwrap_err();
        assert_eq!(
            e.summary[0].message,
            "You used the numbers 1 and 3 but not 2. Number your choices 1, 2, 3 … in order, without gaps."
        );
        assert_eq!(e.summary[0].field.as_deref(), Some("c2"));

        let e = read(&p, &form(&[("c2", "2")])).unwrap_err();
        assert!(e.summary[0]
            .message
            .starts_with("No candidate has the number 1"));

        let e = read(&p, &form(&[])).unwrap_err();
        assert_eq!(e.summary[0].field.as_deref(), Some("c1"));
        assert!(e.summary[0].message.contains("at least one"));

        let e = read(&p, &form(&[("c3", "1")])).unwrap_err();
        assert!(e.summary[0].message.contains("Cat has withdrawn"));
        let e = read(&p, &form(&[("c9", "1")])).unwrap_err();
        assert!(e.summary[0].message.contains("not on this ballot paper"));
        let e = read(&p, &form(&[("c0", "1"), ("c1", "1")])).unwrap_err();
        assert!(e.summary[0].message.contains("does not have"));
        let e = read(&p, &form(&[("c1", "one")])).unwrap_err();
        assert!(e.summary[0].message.contains("choose a number"));
    }

    #[test]
    fn marks_are_counted_against_the_limit() {
        let p = paper(BallotKind::Marks(2));
        assert_eq!(
            read(&p, &form(&[("c4", "x"), ("c1", "x")])).unwrap().0,
            vec![1, 4]
        );
        let e = read(&p, &form(&[("c1", "x"), ("c2", "x"), ("c4", "x")])).unwrap_err();
        assert_eq!(
            e.summary[0].message,
            "You marked 3 candidates, but you may mark no more than 2. Remove 1 mark."
        );
        let e = read(&p, &form(&[])).unwrap_err();
        assert_eq!(
            e.summary[0].message,
            "Mark at least one candidate (up to 2)."
        );
    }

    #[test]
    fn the_form_keeps_choices_and_labels_every_control() {
        let p = paper(BallotKind::Ranked);
        let c = form(&[("c1", "2"), ("c2", "2")]);
        let e = read(&p, &c).unwrap_err();
        let html = fields(&p, &c, &e).into_string();
        assert!(html.contains("<legend><h1 class=\"legend-heading\">Contest</h1></legend>"));
        assert_eq!(html.matches("<label for=\"c").count(), 3);
        assert!(html.contains("aria-invalid=\"true\""));
        assert!(html.contains("<option value=\"2\" selected>2</option>"));
        let round = Choices::of_ballot(&Ballot(vec![4, 1]), BallotKind::Ranked);
        assert_eq!(round.get(4), "1");
        assert_eq!(read(&p, &round).unwrap().0, vec![4, 1]);
        let hidden = round.hidden().into_string();
        assert!(hidden.contains("name=\"c4\" value=\"1\""));
    }
}

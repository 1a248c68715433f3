//! Reports for people (an aligned text sheet) and programs (JSON, `docs/report-schema.md`).

use scrutin_core::report::{Action, CandidateState, Report, Stage};

/// The report as pretty JSON (schema `scrutin-report/1`).
pub fn to_json(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("a report always serialises")
}

/// Reads a report back from JSON.
pub fn from_json(text: &str) -> Result<Report, serde_json::Error> {
    serde_json::from_str(text)
}

/// Stages per printed block, so that the sheet stays readable on a terminal.
const STAGES_PER_BLOCK: usize = 4;

/// The report as a result sheet: a header, then the stages in blocks of columns (transfer and
/// total for each stage, as on Scottish result sheets), then the order of election, ties and
/// notes.
pub fn to_text(report: &Report) -> String {
    let mut out = String::new();
    let title = if report.title.is_empty() {
        "(untitled)"
    } else {
        &report.title
    };
    out.push_str(&format!("{title}\n{}\n", "=".repeat(title.chars().count())));
    out.push_str(&format!(
        "Method:        {} ({})\n",
        report.method, report.rules
    ));
    out.push_str(&format!("Arithmetic:    {}\n", report.arithmetic));
    out.push_str(&format!(
        "Seats: {}   Valid ballots: {}   Invalid: {}   Quota: {}\n",
        report.seats,
        report.valid_ballots,
        report.invalid_ballots,
        report.quota.as_deref().unwrap_or("none")
    ));
    if !report.withdrawn.is_empty() {
        out.push_str(&format!("Withdrawn:     {}\n", report.withdrawn.join(", ")));
    }
    for (k, v) in &report.options {
        out.push_str(&format!(
            "{:<14} {}\n",
            format!("{}:", k.replace('_', " ")),
            v
        ));
    }
    out.push('\n');

    for block in report.stages.chunks(STAGES_PER_BLOCK) {
        out.push_str(&stage_block(report, block));
        out.push('\n');
    }

    if let Some(colleges) = &report.colleges {
        out.push_str(&colleges_text(report, colleges));
        out.push('\n');
    }
    out.push_str("Elected, in order of election:\n");
    for (i, name) in report.elected.iter().enumerate() {
        let stage = report
            .stages
            .iter()
            .find(|s| s.elected.contains(name))
            .map(|s| s.number)
            .unwrap_or(0);
        out.push_str(&format!("  {}. {}  (stage {})\n", i + 1, name, stage));
    }
    if report.elected.len() < report.seats as usize {
        out.push_str(&format!(
            "  {} seat(s) not filled\n",
            report.seats as usize - report.elected.len()
        ));
    }
    let mut extra = String::new();
    for s in &report.stages {
        for t in &s.ties {
            let how = match t.stage {
                Some(st) => format!("by the votes at stage {st}"),
                None => "by lot".to_string(),
            };
            let about = match t.about.as_str() {
                "surplus_order" => "order of surpluses",
                "election" => "the last seat",
                other => other,
            };
            extra.push_str(&format!(
                "  Stage {}: tie for {} between {}: {} chosen {}\n",
                s.number,
                about,
                t.tied.join(", "),
                t.chosen,
                how
            ));
        }
        for n in &s.notes {
            extra.push_str(&format!("  Stage {}: {}\n", s.number, n));
        }
    }
    if !extra.is_empty() {
        out.push_str("\nNotes:\n");
        out.push_str(&extra);
    }
    if let Some(c) = &report.constraints {
        out.push_str(&format!("\nConstraints ({}):\n", c.strategy));
        for rule in &c.rules {
            // `gender=woman min 4`: the group is all but the last two words.
            let group = rule.rsplitn(3, ' ').nth(2).unwrap_or(rule);
            let won = c.seats.get(group).copied().unwrap_or(0);
            out.push_str(&format!("  {rule}: {won} elected\n"));
        }
        for s in &report.stages {
            for a in &s.constraint_actions {
                out.push_str(&format!(
                    "  Stage {}: {} {} ({})\n",
                    s.number, a.candidate, a.action, a.constraint
                ));
            }
        }
    }
    out
}

/// The colleges, then every stage's totals as percentages of the whole.
fn colleges_text(report: &Report, colleges: &scrutin_core::report::CollegesSummary) -> String {
    let mut out = String::from("Electoral colleges:\n");
    for c in &colleges.colleges {
        out.push_str(&format!(
            "  {}: {}% of the result; valid ballots {}; each ballot counts {} × its weight\n",
            c.name, c.share, c.valid_ballots, c.scale
        ));
    }
    out.push_str("\nPercentages:\n");
    let name_w = report
        .candidates
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .max(9);
    let mut head = format!("{:<name_w$}", "");
    for s in &report.stages {
        head.push_str(&format!(" | {:>8}", format!("Stage {}", s.number)));
    }
    out.push_str(head.trim_end());
    out.push('\n');
    for name in &report.candidates {
        let pad = name_w.saturating_sub(name.chars().count());
        let mut line = format!("{name}{}", " ".repeat(pad));
        for s in &report.stages {
            let p = s
                .percentages
                .get(name)
                .map(|p| format!("{p}%"))
                .unwrap_or_default();
            line.push_str(&format!(" | {p:>8}"));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn stage_heading(s: &Stage) -> String {
    match s.action {
        Action::FirstCount => "First count".to_string(),
        Action::Surplus => format!("Surplus of {}", s.candidate.as_deref().unwrap_or("?")),
        Action::Exclusion => format!("Exclusion of {}", s.candidate.as_deref().unwrap_or("?")),
    }
}

fn stage_block(report: &Report, stages: &[Stage]) -> String {
    // Each stage gives two cells per row: the change at this stage and the total after it.
    let mut rows: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for name in &report.candidates {
        let cells = stages
            .iter()
            .map(|s| {
                let change = s.transfers.get(name).cloned().unwrap_or_default();
                let total = s.votes.get(name).cloned().unwrap_or_default();
                let mark = match s.states.get(name) {
                    Some(CandidateState::Elected) => " E",
                    Some(CandidateState::Excluded) => " X",
                    Some(CandidateState::Withdrawn) => " W",
                    _ => "  ",
                };
                (change, format!("{total}{mark}"))
            })
            .collect();
        rows.push((name.clone(), cells));
    }
    let mut prev_nt: Option<&str> = None;
    let mut prev_loss: Option<&str> = None;
    let mut nt = Vec::new();
    let mut loss = Vec::new();
    let mut total = Vec::new();
    for s in stages {
        let p_nt = prev_nt.or_else(|| previous(report, s).map(|p| p.non_transferable.as_str()));
        let p_loss =
            prev_loss.or_else(|| previous(report, s).map(|p| p.loss_to_truncation.as_str()));
        nt.push((
            signed_diff(p_nt, &s.non_transferable),
            format!("{}  ", s.non_transferable),
        ));
        loss.push((
            signed_diff(p_loss, &s.loss_to_truncation),
            format!("{}  ", s.loss_to_truncation),
        ));
        let sum = s
            .votes
            .values()
            .chain([&s.non_transferable, &s.loss_to_truncation])
            .try_fold(Dec::default(), |acc, v| Dec::parse(v).map(|d| acc.add(d)));
        total.push((
            String::new(),
            sum.map(|d| format!("{}  ", d)).unwrap_or_default(),
        ));
        prev_nt = Some(&s.non_transferable);
        prev_loss = Some(&s.loss_to_truncation);
    }
    rows.push(("Non-transferable".to_string(), nt));
    rows.push(("Loss to truncation".to_string(), loss));
    rows.push(("Total".to_string(), total));

    let name_w = rows
        .iter()
        .map(|r| r.0.chars().count())
        .max()
        .unwrap_or(0)
        .max(9);
    let mut widths: Vec<(usize, usize)> = Vec::new();
    for i in 0..stages.len() {
        let cw = rows.iter().map(|r| r.1[i].0.len()).max().unwrap_or(0);
        let tw = rows.iter().map(|r| r.1[i].1.len()).max().unwrap_or(0);
        let tw = tw.max(8);
        widths.push((cw, tw));
    }
    let mut out = String::new();
    for s in stages {
        out.push_str(&format!("Stage {}: {}\n", s.number, stage_heading(s)));
    }
    out.push('\n');
    let mut line1 = format!("{:<name_w$}", "");
    for (i, s) in stages.iter().enumerate() {
        let (cw, tw) = widths[i];
        let w = if cw > 0 { cw + 1 + tw } else { tw };
        line1.push_str(&format!(" | {:>w$}", format!("Stage {}", s.number)));
    }
    out.push_str(line1.trim_end());
    out.push('\n');
    out.push_str(&"-".repeat(line1.trim_end().chars().count()));
    out.push('\n');
    for (name, cells) in &rows {
        let pad = name_w.saturating_sub(name.chars().count());
        let mut line = format!("{name}{}", " ".repeat(pad));
        for (i, (change, total)) in cells.iter().enumerate() {
            let (cw, tw) = widths[i];
            if cw > 0 {
                line.push_str(&format!(" | {change:>cw$} {total:>tw$}"));
            } else {
                line.push_str(&format!(" | {total:>tw$}"));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn previous<'a>(report: &'a Report, s: &Stage) -> Option<&'a Stage> {
    let n = s.number as usize;
    if n >= 2 {
        report.stages.get(n - 2)
    } else {
        None
    }
}

fn signed_diff(prev: Option<&str>, now: &str) -> String {
    let (Some(p), Some(n)) = (prev.and_then(Dec::parse), Dec::parse(now)) else {
        return String::new();
    };
    let d = n.sub(p);
    if d.units == 0 {
        String::new()
    } else if d.units > 0 {
        format!("+{d}")
    } else {
        d.to_string()
    }
}

/// Just enough decimal arithmetic to add up a printed column exactly.
#[derive(Clone, Copy, Default, Debug, PartialEq)]
struct Dec {
    units: i128,
    places: u32,
}

impl Dec {
    fn parse(s: &str) -> Option<Dec> {
        let (neg, body) = s
            .strip_prefix('-')
            .map(|b| (true, b))
            .unwrap_or((false, s.strip_prefix('+').unwrap_or(s)));
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        let digits = format!("{int}{frac}");
        let u: i128 = digits.parse().ok()?;
        Some(Dec {
            units: if neg { -u } else { u },
            places: frac.len() as u32,
        })
    }
    fn rescale(self, places: u32) -> i128 {
        self.units * 10i128.pow(places - self.places)
    }
    fn add(self, o: Dec) -> Dec {
        let p = self.places.max(o.places);
        Dec {
            units: self.rescale(p) + o.rescale(p),
            places: p,
        }
    }
    fn sub(self, o: Dec) -> Dec {
        self.add(Dec {
            units: -o.units,
            places: o.places,
        })
    }
}

impl std::fmt::Display for Dec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.units < 0 { "-" } else { "" };
        let a = self.units.unsigned_abs();
        if self.places == 0 {
            return write!(f, "{sign}{a}");
        }
        let scale = 10u128.pow(self.places);
        write!(
            f,
            "{sign}{}.{:0w$}",
            a / scale,
            a % scale,
            w = self.places as usize
        )
    }
}

/// A comparison of rule sets as text: first preferences and seats per group, then the
/// elected candidates under each rule set.
pub fn comparison_to_text(c: &scrutin_core::compare::Comparison) -> String {
    let mut out = String::new();
    let title = if c.title.is_empty() {
        "(untitled)"
    } else {
        &c.title
    };
    out.push_str(&format!("{title} — {} seat(s)\n\n", c.seats));
    let total = c
        .first_preferences_by_group
        .values()
        .filter_map(|v| Dec::parse(v))
        .fold(Dec::default(), Dec::add);
    let label = |g: &str| {
        if g.is_empty() {
            "(no group)".to_string()
        } else {
            g.to_string()
        }
    };
    let name_w = c
        .groups
        .iter()
        .map(|g| label(g).chars().count())
        .max()
        .unwrap_or(0)
        .max(18);
    let mut head = format!("{:<name_w$} | {:>22}", "Group", "first preferences");
    for o in &c.outcomes {
        head.push_str(&format!(" | {:>w$}", o.method, w = o.method.len().max(5)));
    }
    out.push_str(&head);
    out.push('\n');
    out.push_str(&"-".repeat(head.chars().count()));
    out.push('\n');
    for g in &c.groups {
        let fp = c
            .first_preferences_by_group
            .get(g)
            .cloned()
            .unwrap_or_default();
        let pct = Dec::parse(&fp)
            .map(|d| percent(d, total))
            .unwrap_or_default();
        let l = label(g);
        let pad = name_w.saturating_sub(l.chars().count());
        let mut line = format!("{l}{} | {:>22}", " ".repeat(pad), format!("{fp} ({pct}%)"));
        for o in &c.outcomes {
            let seats = o.seats_by_group.get(g).copied().unwrap_or(0);
            let w = o.method.len().max(5);
            line.push_str(&format!(" | {:>w$}", seats));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.push('\n');
    let mw = c.outcomes.iter().map(|o| o.method.len()).max().unwrap_or(0);
    for o in &c.outcomes {
        out.push_str(&format!("{:<mw$}  {}\n", o.method, o.elected.join("; ")));
    }
    out
}

/// `part / whole` as a percentage to one decimal place, rounded half up.
fn percent(part: Dec, whole: Dec) -> String {
    if whole.units == 0 {
        return "0.0".to_string();
    }
    let p = part.places.max(whole.places);
    let (a, b) = (part.rescale(p), whole.rescale(p));
    // tenths of a percent, rounded half up
    let tenths = (a * 2000 + b) / (2 * b);
    format!("{}.{}", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::Dec;

    #[test]
    fn dec_adds_exactly() {
        let a = Dec::parse("130.40863").unwrap();
        let b = Dec::parse("-0.00001").unwrap();
        assert_eq!(a.add(b).to_string(), "130.40862");
        assert_eq!(
            Dec::parse("5")
                .unwrap()
                .add(Dec::parse("0.5").unwrap())
                .to_string(),
            "5.5"
        );
        assert!(Dec::parse("x").is_none());
    }
}

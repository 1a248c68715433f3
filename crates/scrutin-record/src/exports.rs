//! The exports beside the record, one of each per contest, derived from the counted ballots
//! and the count: a BLT ballot file, RCTab's summary JSON shape, and a CSV of the ballots.
//! `verify` regenerates them and compares them byte for byte.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use scrutin_core::report::{Action, CandidateState, Report};
use scrutin_core::tie::LotOrder;

use crate::chain::Entry;
use crate::contest::ContestSpec;

/// A BLT ballot file of the counted ballots (docs/blt.md): identical ballots aggregated, in
/// order of first appearance; marks written as a ranking in ballot-paper order; the contest's
/// lot as a `[tie …]` line.
pub fn blt<'a>(
    spec: &ContestSpec,
    title: &str,
    counted: impl IntoIterator<Item = &'a Entry>,
) -> String {
    let mut groups: Vec<(&[u32], u64)> = Vec::new();
    let mut index: HashMap<&[u32], usize> = HashMap::new();
    for e in counted {
        let key = e.ballot.0.as_slice();
        match index.get(key) {
            Some(&i) => groups[i].1 += 1,
            None => {
                index.insert(key, groups.len());
                groups.push((key, 1));
            }
        }
    }
    let mut out = format!("{} {}\n", spec.candidates.len(), spec.seats);
    let withdrawn: Vec<String> = spec
        .candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| c.withdrawn)
        .map(|(i, _)| format!("-{}", i + 1))
        .collect();
    if !withdrawn.is_empty() {
        out.push_str(&withdrawn.join(" "));
        out.push('\n');
    }
    // The contest's lot (drawn from its seed) as Droop's tie-break order, so that a recount
    // of this file breaks ties that reach the lot exactly as the declared count did.
    let lot = LotOrder::from_seed(spec.candidates.len(), spec.seed);
    out.push_str("[tie");
    for c in &lot.order {
        out.push_str(&format!(" {}", c.0 + 1));
    }
    out.push_str("]\n");
    for (ranking, n) in groups {
        out.push_str(&n.to_string());
        for c in ranking {
            out.push(' ');
            out.push_str(&c.to_string());
        }
        out.push_str(" 0\n");
    }
    out.push_str("0\n");
    for c in &spec.candidates {
        out.push_str(&blt_quote(&c.name));
        out.push('\n');
    }
    out.push_str(&blt_quote(title));
    out.push('\n');
    out
}

fn blt_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A CSV of the counted ballots in record order: `tracker,channel,rank1,…` with candidates'
/// names (as many rank columns as a paper can hold: the candidates, or the marks).
pub fn csv<'a>(spec: &ContestSpec, counted: impl IntoIterator<Item = &'a Entry>) -> String {
    let n = spec.candidates.len();
    let columns = match spec.ballot_kind() {
        crate::ballot::BallotKind::Ranked => n,
        crate::ballot::BallotKind::Marks(m) => (m as usize).min(n),
    };
    let mut out = String::from("tracker,channel");
    for i in 1..=columns {
        out.push_str(&format!(",rank{i}"));
    }
    out.push_str("\r\n");
    for e in counted {
        out.push_str(&csv_field(&e.tracker));
        out.push(',');
        out.push_str(e.channel.name());
        for i in 0..columns {
            out.push(',');
            if let Some(&c) = e.ballot.0.get(i) {
                let cand = (c as usize)
                    .checked_sub(1)
                    .and_then(|i| spec.candidates.get(i));
                if let Some(cand) = cand {
                    out.push_str(&csv_field(&cand.name));
                }
            }
        }
        out.push_str("\r\n");
    }
    out
}

/// RFC 4180 quoting where needed.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// What the RCTab summary says about the election beside the count.
pub struct SummaryContext<'a> {
    /// The election's title.
    pub title: &'a str,
    /// The organisation (RCTab's `jurisdiction`).
    pub body: &'a str,
    /// When polling closed (RCTab's `date`), if declared.
    pub date: Option<&'a str>,
    /// Ballots counted in the contest.
    pub ballots: u64,
}

/// The count in the shape of RCTab's summary JSON (`config`, `results` round by round with
/// `tally` and `tallyResults`, `summary`), pretty-printed with a final line feed.
///
/// Round `r` is stage `r`; its `tally` holds the candidates not excluded or withdrawn at the
/// end of the stage. Its `tallyResults` list each candidate elected at that stage (with the
/// transfers of their surplus, at whatever stage it moved) and, as RCTab does, the candidates
/// excluded at the next stage with the transfers of their papers (and any excluded at this
/// stage not listed yet, as block vote's losers); `exhausted` is the growth of the
/// non-transferable papers. Values are the report's decimals without sign.
pub fn rctab_summary(context: &SummaryContext<'_>, spec: &ContestSpec, report: &Report) -> String {
    let mut results = Vec::new();
    let mut listed: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for (i, stage) in report.stages.iter().enumerate() {
        let mut tally = Map::new();
        for (name, votes) in &stage.votes {
            let out = matches!(
                stage.states.get(name),
                Some(CandidateState::Excluded | CandidateState::Withdrawn)
            );
            if !out {
                tally.insert(name.clone(), Value::String(votes.clone()));
            }
        }
        let mut tally_results = Vec::new();
        for name in &stage.elected {
            let surplus =
                report.stages.iter().enumerate().find(|(_, s)| {
                    s.action == Action::Surplus && s.candidate.as_ref() == Some(name)
                });
            let transfers = match surplus {
                Some((j, s)) => transfers(report, j, s.transfers.iter(), &[name.as_str()]),
                None => Map::new(),
            };
            tally_results.push(json!({"elected": name, "transfers": transfers}));
        }
        // Excluded at this stage without a stage of their own (block vote's losers, …).
        for name in &stage.excluded {
            if listed.insert(name.as_str()) {
                tally_results.push(json!({"eliminated": name, "transfers": {}}));
            }
        }
        if let Some(next) = report.stages.get(i + 1) {
            if next.action == Action::Exclusion {
                let mut out: Vec<&str> = next.excluded.iter().map(String::as_str).collect();
                if out.is_empty() {
                    out.extend(next.candidate.as_deref());
                }
                for (k, name) in out.iter().enumerate() {
                    let moved = if k == 0 {
                        transfers(report, i + 1, next.transfers.iter(), &out)
                    } else {
                        Map::new()
                    };
                    listed.insert(name);
                    tally_results.push(json!({"eliminated": name, "transfers": moved}));
                }
            }
        }
        let mut round = Map::new();
        round.insert("round".into(), json!(i + 1));
        round.insert("tally".into(), Value::Object(tally));
        round.insert("tallyResults".into(), Value::Array(tally_results));
        if let Some(q) = stage.quota.as_ref().or(report.quota.as_ref()) {
            round.insert("threshold".into(), json!(q));
        }
        results.push(Value::Object(round));
    }
    let final_threshold = report
        .stages
        .last()
        .and_then(|s| s.quota.clone())
        .or_else(|| report.quota.clone())
        .unwrap_or_default();
    let value = json!({
        "config": {
            "contest": format!("{}: {}", context.title, spec.name),
            "date": context.date.unwrap_or(""),
            "generatedBy": crate::manifest::FORMAT,
            "jurisdiction": context.body,
            "office": spec.name,
            "threshold": report.quota.clone().unwrap_or_default(),
        },
        "jsonFormatVersion": "1",
        "results": results,
        "summary": {
            "finalThreshold": final_threshold,
            "numCandidates": spec.candidates.len(),
            "numWinners": spec.seats,
            "totalNumBallots": context.ballots.to_string(),
            "undervotes": 0,
        },
    });
    let mut text = serde_json::to_string_pretty(&value).expect("JSON values always serialise");
    text.push('\n');
    text
}

/// A stage's transfers as RCTab shows them: what the receiving candidates gained (without the
/// sign), and `exhausted`, the growth of the non-transferable papers at the stage.
fn transfers<'a>(
    report: &Report,
    stage: usize,
    moved: impl Iterator<Item = (&'a String, &'a String)>,
    from: &[&str],
) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, change) in moved {
        if from.contains(&name.as_str()) || change.starts_with('-') {
            continue;
        }
        out.insert(
            name.clone(),
            Value::String(change.trim_start_matches('+').to_string()),
        );
    }
    let before = stage
        .checked_sub(1)
        .and_then(|p| report.stages.get(p))
        .map(|s| s.non_transferable.as_str());
    if let (Some(before), Some(after)) = (before, report.stages.get(stage)) {
        if let Some(d) = decimal_sub(&after.non_transferable, before) {
            if !d.trim_start_matches(['0', '.']).is_empty() {
                out.insert("exhausted".into(), Value::String(d));
            }
        }
    }
    out
}

/// `a − b` for non-negative decimal strings with `a ≥ b` (`"158.62549" − "0.00000"`); `None`
/// for anything else (a fraction, a negative difference).
fn decimal_sub(a: &str, b: &str) -> Option<String> {
    fn parse(s: &str) -> Option<(u128, usize)> {
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int.is_empty() || !int.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        if !frac.bytes().all(|c| c.is_ascii_digit()) || frac.len() > 18 || int.len() > 18 {
            return None;
        }
        let v: u128 = format!("{int}{frac}").parse().ok()?;
        Some((v, frac.len()))
    }
    let (va, pa) = parse(a)?;
    let (vb, pb) = parse(b)?;
    let places = pa.max(pb);
    let scale = |v: u128, p: usize| v.checked_mul(10u128.checked_pow((places - p) as u32)?);
    let d = scale(va, pa)?.checked_sub(scale(vb, pb)?)?;
    if places == 0 {
        return Some(d.to_string());
    }
    let digits = format!("{d:0>width$}", width = places + 1);
    let (int, frac) = digits.split_at(digits.len() - places);
    Some(format!("{int}.{frac}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_subtract_exactly() {
        assert_eq!(
            decimal_sub("158.62549", "0.00000").as_deref(),
            Some("158.62549")
        );
        assert_eq!(decimal_sub("1.5", "0.25").as_deref(), Some("1.25"));
        assert_eq!(decimal_sub("0.00001", "0").as_deref(), Some("0.00001"));
        assert_eq!(decimal_sub("12", "3").as_deref(), Some("9"));
        assert_eq!(decimal_sub("1", "2"), None);
        assert_eq!(decimal_sub("1/3", "0"), None);
    }

    #[test]
    fn csv_quotes_where_needed() {
        assert_eq!(csv_field("Smith, Jo"), "\"Smith, Jo\"");
        assert_eq!(csv_field("Jo \"JJ\" Smith"), "\"Jo \"\"JJ\"\" Smith\"");
        assert_eq!(csv_field("Jo Smith"), "Jo Smith");
        assert_eq!(blt_quote("Jo \"JJ\""), "\"Jo \"\"JJ\"\"\"");
    }
}

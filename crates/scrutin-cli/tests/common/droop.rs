//! Reading Droop 0.11's `dump` files and comparing a scrutin report with them: shared by the
//! Droop conformance tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use scrutin_core::report::{Action, Report};

/// `../shared/conformance/droop`, or `None` (with a visible SKIPPED line naming `suite`) when
/// the shared folder is absent.
pub fn droop_dir(suite: &str) -> Option<PathBuf> {
    let d = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/conformance/droop"
    ))
    .to_path_buf();
    if d.is_dir() {
        Some(d)
    } else {
        eprintln!("SKIPPED: {} not found; {suite} was not run", d.display());
        None
    }
}

/// One round of Droop's dump.
#[derive(Debug, Default)]
pub struct Round {
    /// `begin`, `unpend` (surplus) or `defeat`.
    pub kind: String,
    /// Whose surplus, or who was defeated (several in a batch).
    pub cands: Vec<String>,
    pub nt: String,
    pub votes: Vec<(String, String)>,
    /// Totals at the `defeat` row, before the defeated candidates' transfer.
    pub before_transfer: Option<(String, Vec<(String, String)>)>,
    /// A `transfer` row was seen (later `defeat` rows are "defeat remaining", not a stage).
    pub transferred: bool,
}

/// Reads a WIGM or Scottish dump: rounds in order, the quota, the elected set.
pub fn read_dump(text: &str) -> (String, Vec<Round>, Vec<String>) {
    let mut rounds: Vec<Round> = Vec::new();
    let mut quota = String::new();
    let mut elected = Vec::new();
    let mut current: Option<String> = None;
    let mut prev_states: BTreeMap<String, String> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 4 || f[1] == "log" || f[1] == "round" {
            continue;
        }
        quota = f[2].to_string();
        let nt = f[3].to_string();
        let triples: Vec<(String, String, String)> = f[4..]
            .chunks(3)
            .filter(|c| c.len() == 3)
            .map(|c| (c[0].to_string(), c[1].to_string(), c[2].to_string()))
            .collect();
        let votes: Vec<(String, String)> = triples
            .iter()
            .map(|(n, _, v)| (n.clone(), v.clone()))
            .collect();
        let action = f[1];
        let changed_to = |s: &str| -> Vec<String> {
            triples
                .iter()
                .filter(|t| t.1 == s && prev_states.get(&t.0).map(String::as_str) != Some(s))
                .map(|t| t.0.clone())
                .collect()
        };
        if action == "end" {
            elected = triples
                .iter()
                .filter(|t| t.1 == "E")
                .map(|t| t.0.clone())
                .collect();
            break;
        }
        if current.as_deref() != Some(f[0]) {
            rounds.push(Round::default());
            current = Some(f[0].to_string());
        }
        let round = rounds.last_mut().unwrap();
        match action {
            "begin" => {
                round.kind = "begin".into();
                round.nt = nt;
                round.votes = votes;
            }
            "unpend" => {
                if round.kind.is_empty() {
                    round.kind = "unpend".into();
                    round.cands = changed_to("E");
                }
                round.nt = nt;
                round.votes = votes;
            }
            "defeat" if !round.transferred => {
                if round.kind.is_empty() {
                    round.kind = "defeat".into();
                }
                round.cands.extend(changed_to("D"));
                round.before_transfer = Some((nt.clone(), votes.clone()));
                round.nt = nt;
                round.votes = votes;
            }
            "transfer" => {
                round.transferred = true;
                round.nt = nt;
                round.votes = votes;
            }
            _ => {}
        }
        prev_states = triples.into_iter().map(|t| (t.0, t.1)).collect();
    }
    (quota, rounds, elected)
}

/// Droop prints names with runs of spaces collapsed to one (a trailing space stays).
pub fn collapse(s: &str) -> String {
    let mut out = String::new();
    for ch in s.chars() {
        if !(ch == ' ' && out.ends_with(' ')) {
            out.push(ch);
        }
    }
    out
}

/// A decimal as an integer count of 10^-18.
pub fn units18(s: &str) -> Option<i128> {
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > 18 {
        return None;
    }
    let v = int.parse::<i128>().ok()? * 10i128.pow(18)
        + if frac.is_empty() {
            0
        } else {
            frac.parse::<i128>().ok()? * 10i128.pow(18 - frac.len() as u32)
        };
    Some(if neg { -v } else { v })
}

pub fn same(ours: &str, theirs: &str, tolerant: bool) -> bool {
    if !tolerant {
        return ours == theirs;
    }
    match (units18(ours), units18(theirs)) {
        (Some(a), Some(b)) => (a - b).abs() < 1_500_000,
        _ => false,
    }
}

/// Compares our report with Droop's rounds. Returns the exceptions that applied.
pub fn compare(
    report: &Report,
    quota: &str,
    rounds: &[Round],
    droop_elected: &[String],
    tolerant: bool,
) -> Result<Vec<String>, String> {
    let mut exceptions = Vec::new();
    let our_quota = report.quota.clone().unwrap_or_default();
    if !same(&our_quota, quota, tolerant) {
        return Err(format!("quota {our_quota} != Droop {quota}"));
    }
    // Droop's zero-surplus rounds (totals equal to the round before): no stage in the rules.
    let mut kept: Vec<&Round> = Vec::new();
    for r in rounds {
        if let Some(prev) = kept.last() {
            if r.kind == "unpend" && r.votes == prev.votes && r.nt == prev.nt {
                exceptions.push("zero-surplus round skipped".to_string());
                continue;
            }
        }
        kept.push(r);
    }
    if kept.len() != report.stages.len() {
        return Err(format!(
            "{} stages, Droop has {} rounds",
            report.stages.len(),
            kept.len()
        ));
    }
    for (s, r) in report.stages.iter().zip(&kept) {
        let want = match s.action {
            Action::FirstCount => "begin",
            Action::Surplus => "unpend",
            Action::Exclusion => "defeat",
        };
        if want != r.kind {
            return Err(format!(
                "stage {}: {:?}, Droop {}",
                s.number, s.action, r.kind
            ));
        }
        let mut ours_c: Vec<String> = match s.action {
            Action::Exclusion => s.excluded.iter().map(|n| collapse(n)).collect(),
            _ => s.candidate.iter().map(|n| collapse(n)).collect(),
        };
        let mut theirs_c = r.cands.clone();
        ours_c.sort();
        theirs_c.sort();
        if ours_c != theirs_c {
            return Err(format!(
                "stage {}: about {ours_c:?}, Droop {theirs_c:?}",
                s.number
            ));
        }
        // D.3 before the transfer (WIGM B.4, B.2): no transfer on our side.
        let no_transfer = s.notes.iter().any(|n| n.contains("D.3"));
        let (nt, votes) = if no_transfer {
            let Some((nt, votes)) = &r.before_transfer else {
                return Err(format!(
                    "stage {}: D.3 stop but Droop has no defeat row",
                    s.number
                ));
            };
            if r.transferred {
                exceptions.push(format!(
                    "stage {}: D.3 ends the count before the transfer; Droop transfers",
                    s.number
                ));
            }
            (nt, votes)
        } else {
            (&r.nt, &r.votes)
        };
        // Droop leaves withdrawn candidates out of its dump.
        let ours: Vec<(String, String)> = s
            .votes
            .iter()
            .filter(|(k, _)| !report.withdrawn.contains(k))
            .map(|(k, v)| (collapse(k), v.clone()))
            .collect();
        let ok = ours.len() == votes.len()
            && ours
                .iter()
                .zip(votes)
                .all(|(a, b)| a.0 == b.0 && same(&a.1, &b.1, tolerant));
        if !ok {
            return Err(format!(
                "stage {}: totals differ\n ours:  {:?}\n droop: {:?}",
                s.number, ours, votes
            ));
        }
        if !same(&s.non_transferable, nt, tolerant) {
            return Err(format!(
                "stage {}: non-transferable {} != Droop {}",
                s.number, s.non_transferable, nt
            ));
        }
    }
    let mut ours: Vec<String> = report.elected.iter().map(|n| collapse(n)).collect();
    let mut theirs = droop_elected.to_vec();
    ours.sort();
    theirs.sort();
    if ours != theirs {
        return Err(format!("elected {ours:?} != Droop {theirs:?}"));
    }
    exceptions.dedup();
    Ok(exceptions)
}

//! Declared results: a contest counted elsewhere, imported from a CSV of totals.
//!
//! ```text
//! candidate,votes,elected[,other columns…]
//! Yasmine Dar,68388,yes,Momentum / CLGA
//! ```
//!
//! `votes` is a whole number (no separators; empty when the figure is not known), or
//! `share_percent` a percentage with at most two decimals for results published only as
//! shares; `elected` is `yes` or `no`. Any other column (`slate`, `gender`, …) is kept as the
//! candidate's attribute. [`check`] then tests the result against what the constitution says
//! of the contest: seats filled, the elected the top by votes under plurality rules (unless
//! constraints explain the difference), the stated total, the shares adding to 100, and the
//! constraints where the candidates' attributes are known.

use std::collections::{BTreeMap, BTreeSet};

use scrutin_core::constraints::{Bound, Rule};
use scrutin_core::methods::Method;
use serde::Serialize;

use crate::Issue;

/// What the figures are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Figures {
    /// Votes (for a block vote: marks).
    Votes,
    /// Percent of the vote, in hundredths of a percent.
    SharePercent,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Row {
    /// 1-based line in the file.
    pub line: u64,
    pub candidate: String,
    /// Votes, or a share in hundredths of a percent; `None` when not published.
    pub figure: Option<u64>,
    pub elected: bool,
    pub attributes: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeclaredResult {
    pub figures: Figures,
    pub rows: Vec<Row>,
}

impl DeclaredResult {
    pub fn elected(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|r| r.elected)
    }
    pub fn row(&self, name: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.candidate == name.trim())
    }
    /// Rows best placed first (by figure, unknown figures after the known, elected first among
    /// them; stable otherwise).
    pub fn ranked(&self) -> Vec<&Row> {
        let mut v: Vec<&Row> = self.rows.iter().collect();
        v.sort_by_key(|r| match r.figure {
            Some(f) => (0, std::cmp::Reverse(f), !r.elected),
            None => (1, std::cmp::Reverse(0), !r.elected),
        });
        v
    }
    /// Sum of the known figures.
    pub fn sum(&self) -> u64 {
        self.rows.iter().filter_map(|r| r.figure).sum()
    }
    /// A figure as published: `68,388` or `39.76%`.
    pub fn show(&self, figure: Option<u64>) -> String {
        match (figure, self.figures) {
            (None, _) => "not published".to_string(),
            (Some(v), Figures::Votes) => thousands(v),
            (Some(v), Figures::SharePercent) => format!("{}.{:02}%", v / 100, v % 100),
        }
    }
}

/// `1,000,421`.
pub fn thousands(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Reads a results CSV; `source` names it in errors.
pub fn parse(text: &str, source: &str) -> Result<DeclaredResult, Vec<Issue>> {
    let issue = |line: Option<u64>, problem: String| Issue {
        file: source.to_string(),
        line: line.map(|l| l as usize),
        path: String::new(),
        problem,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(str::to_string).collect(),
        Err(e) => return Err(vec![issue(Some(1), e.to_string())]),
    };
    let col = |name: &str| headers.iter().position(|h| h == name);
    let mut issues = Vec::new();
    let Some(c_name) = col("candidate") else {
        return Err(vec![issue(
            Some(1),
            format!(
                "no column \"candidate\" (the header has {})",
                headers.join(", ")
            ),
        )]);
    };
    let Some(c_elected) = col("elected") else {
        return Err(vec![issue(
            Some(1),
            "no column \"elected\" (yes/no)".into(),
        )]);
    };
    let (c_fig, figures) = match (col("votes"), col("share_percent")) {
        (Some(v), None) => (v, Figures::Votes),
        (None, Some(s)) => (s, Figures::SharePercent),
        (Some(_), Some(_)) => {
            return Err(vec![issue(
                Some(1),
                "both \"votes\" and \"share_percent\": give one".into(),
            )])
        }
        (None, None) => {
            return Err(vec![issue(
                Some(1),
                "no column \"votes\" or \"share_percent\"".into(),
            )])
        }
    };
    for (i, h) in headers.iter().enumerate() {
        if h.is_empty() {
            issues.push(issue(Some(1), format!("column {} has no name", i + 1)));
        } else if headers[..i].contains(h) {
            issues.push(issue(Some(1), format!("column {h:?} appears twice")));
        }
    }
    let mut rows: Vec<Row> = Vec::new();
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line());
                let problem = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => format!("{len} field(s) where the header has {expected_len}"),
                    csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_string(),
                    _ => e.to_string(),
                };
                issues.push(issue(line, problem));
                continue;
            }
        };
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let name = rec.get(c_name).unwrap_or("").to_string();
        if name.is_empty() {
            issues.push(issue(Some(line), "the candidate's name is empty".into()));
            continue;
        }
        if let Some(first) = seen.insert(name.clone(), line) {
            issues.push(issue(
                Some(line),
                format!("{name:?} is listed twice (first on line {first})"),
            ));
        }
        let elected = match rec.get(c_elected).unwrap_or("") {
            "yes" => true,
            "no" => false,
            other => {
                issues.push(issue(
                    Some(line),
                    format!("elected must be yes or no, not {other:?}"),
                ));
                false
            }
        };
        let raw = rec.get(c_fig).unwrap_or("");
        let figure = if raw.is_empty() {
            None
        } else {
            let parsed = match figures {
                Figures::Votes => raw.parse::<u64>().ok(),
                Figures::SharePercent => parse_hundredths(raw).filter(|&v| v <= 10_000),
            };
            if parsed.is_none() {
                issues.push(issue(
                    Some(line),
                    match figures {
                        Figures::Votes => format!(
                            "votes {raw:?} is not a whole number (write 68388, without separators)"
                        ),
                        Figures::SharePercent => format!(
                            "share_percent {raw:?} is not a percentage with at most two decimals"
                        ),
                    },
                ));
            }
            parsed
        };
        let attributes = headers
            .iter()
            .zip(rec.iter())
            .enumerate()
            .filter(|(i, (_, v))| ![c_name, c_elected, c_fig].contains(i) && !v.is_empty())
            .map(|(_, (h, v))| (h.clone(), v.to_string()))
            .collect();
        rows.push(Row {
            line,
            candidate: name,
            figure,
            elected,
            attributes,
        });
    }
    if rows.is_empty() && issues.is_empty() {
        issues.push(issue(None, "no candidates".into()));
    }
    if issues.is_empty() {
        Ok(DeclaredResult { figures, rows })
    } else {
        Err(issues)
    }
}

/// `39.76` → 3976.
fn parse_hundredths(s: &str) -> Option<u64> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let f: u64 = format!("{frac:0<2}").parse().ok()?;
    int.parse::<u64>().ok()?.checked_mul(100)?.checked_add(f)
}

/// What the constitution says of a contest, to check a declared result against.
#[derive(Clone, Debug, Default)]
pub struct Contest {
    pub seats: u32,
    /// `None`: the rule set is not known.
    pub method: Option<Method>,
    pub rules: Vec<Rule>,
    /// The sum of votes a source states.
    pub total_votes: Option<u64>,
    /// Attributes known from elsewhere (the body's members), by name; the file's own columns
    /// come first.
    pub attributes: BTreeMap<String, BTreeMap<String, String>>,
}

/// What checking found: the facts, and notes on what could not be checked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Checked {
    pub candidates: usize,
    pub elected: usize,
    /// Sum of the known figures (votes, or hundredths of a percent).
    pub sum: u64,
    pub notes: Vec<String>,
}

/// Checks `result` (read from `source`) against `contest`.
pub fn check(
    result: &DeclaredResult,
    contest: &Contest,
    source: &str,
) -> Result<Checked, Vec<Issue>> {
    let issue = |line: Option<u64>, problem: String| Issue {
        file: source.to_string(),
        line: line.map(|l| l as usize),
        path: String::new(),
        problem,
    };
    let mut issues = Vec::new();
    let mut notes = Vec::new();
    let elected: Vec<&Row> = result.elected().collect();
    if elected.len() != contest.seats as usize {
        issues.push(issue(
            None,
            format!(
                "{} candidate(s) marked elected ({}), but the contest fills {} seat(s)",
                elected.len(),
                elected
                    .iter()
                    .map(|r| r.candidate.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                contest.seats
            ),
        ));
    }
    let sum = result.sum();
    match result.figures {
        Figures::Votes => {
            if let Some(t) = contest.total_votes {
                let complete = result.rows.iter().all(|r| r.figure.is_some());
                if complete && t != sum {
                    issues.push(issue(
                        None,
                        format!(
                            "the votes add up to {}, but the stated total is {}",
                            thousands(sum),
                            thousands(t)
                        ),
                    ));
                } else if !complete && sum > t {
                    issues.push(issue(
                        None,
                        format!(
                            "the known votes already add up to {}, more than the stated total {}",
                            thousands(sum),
                            thousands(t)
                        ),
                    ));
                }
            }
        }
        Figures::SharePercent => {
            // Each share rounded to 0.01: the sum may be off by half a hundredth per row.
            let n = result.rows.iter().filter(|r| r.figure.is_some()).count() as u64;
            let slack = n.div_ceil(2);
            if result.rows.iter().all(|r| r.figure.is_some()) && sum.abs_diff(10_000) > slack {
                issues.push(issue(
                    None,
                    format!(
                        "the shares add up to {}, not 100% (more than rounding to 0.01 explains)",
                        result.show(Some(sum))
                    ),
                ));
            }
            if sum > 10_000 + slack {
                issues.push(issue(
                    None,
                    format!("the shares add up to {}, over 100%", result.show(Some(sum))),
                ));
            }
        }
    }
    let unknown: Vec<&str> = result
        .rows
        .iter()
        .filter(|r| r.figure.is_none())
        .map(|r| r.candidate.as_str())
        .collect();
    if !unknown.is_empty() {
        notes.push(format!(
            "{} figure(s) not published: {}",
            unknown.len(),
            unknown.join(", ")
        ));
        for r in result
            .rows
            .iter()
            .filter(|r| r.figure.is_none() && !r.elected)
        {
            notes.push(format!(
                "{} (line {}) is not elected and has no figure: their place cannot be checked",
                r.candidate, r.line
            ));
        }
    }

    // Attributes: the file's columns, then what the body knows.
    let attrs = |r: &Row| -> BTreeMap<String, String> {
        let mut a = contest
            .attributes
            .get(&r.candidate)
            .cloned()
            .unwrap_or_default();
        a.extend(r.attributes.clone());
        a
    };
    // Constraints, where the elected's attributes are known.
    let mut rules_met = true;
    for rule in &contest.rules {
        let unknown: Vec<&str> = elected
            .iter()
            .filter(|r| !attrs(r).contains_key(&rule.attribute))
            .map(|r| r.candidate.as_str())
            .collect();
        let inside = elected.iter().filter(|r| rule.includes(&attrs(r))).count() as u32;
        let (ok, could) = match rule.bound {
            Bound::Min(n) => (inside >= n, inside + unknown.len() as u32 >= n),
            Bound::Max(n) => (inside <= n, inside <= n),
        };
        if ok {
            notes.push(format!("constraint {rule}: met ({inside} elected)"));
        } else if could && !unknown.is_empty() {
            rules_met = false;
            notes.push(format!(
                "constraint {rule}: cannot tell, {:?} not known for {}",
                rule.attribute,
                unknown.join(", ")
            ));
        } else {
            rules_met = false;
            issues.push(issue(
                None,
                format!("constraint {rule} is not met: {inside} elected in the group"),
            ));
        }
    }

    // Plurality rules elect the top by votes.
    if matches!(contest.method, Some(Method::Block) | Some(Method::Fptp)) {
        let known_elected: Vec<&&Row> = elected.iter().filter(|r| r.figure.is_some()).collect();
        let lowest_elected = known_elected.iter().min_by_key(|r| r.figure);
        let highest_out = result
            .rows
            .iter()
            .filter(|r| !r.elected && r.figure.is_some())
            .max_by_key(|r| r.figure);
        if let (Some(low), Some(high)) = (lowest_elected, highest_out) {
            if high.figure > low.figure {
                let top: BTreeSet<&str> = {
                    let ranked = result.ranked();
                    ranked
                        .iter()
                        .take(contest.seats as usize)
                        .map(|r| r.candidate.as_str())
                        .collect()
                };
                let top_meets = contest.rules.iter().all(|rule| {
                    let inside = result
                        .rows
                        .iter()
                        .filter(|r| top.contains(r.candidate.as_str()) && rule.includes(&attrs(r)))
                        .count() as u32;
                    match rule.bound {
                        Bound::Min(n) => inside >= n,
                        Bound::Max(n) => inside <= n,
                    }
                });
                if !contest.rules.is_empty() && rules_met && !top_meets {
                    notes.push(format!(
                        "{} (not elected) has more votes than {} (elected): the constraints replaced them",
                        high.candidate, low.candidate
                    ));
                } else {
                    issues.push(issue(
                        Some(high.line),
                        format!(
                            "{} has {} votes and is not elected, but {} (line {}) is elected with {}: \
                             a block vote or first past the post elects the top {} by votes",
                            high.candidate,
                            result.show(high.figure),
                            low.candidate,
                            low.line,
                            result.show(low.figure),
                            contest.seats
                        ),
                    ));
                }
            } else if high.figure == low.figure {
                notes.push(format!(
                    "{} (not elected) and {} (elected) are tied on {}: decided by lot or a rule not in the file",
                    high.candidate,
                    low.candidate,
                    result.show(low.figure)
                ));
            }
        }
    }
    if issues.is_empty() {
        Ok(Checked {
            candidates: result.rows.len(),
            elected: elected.len(),
            sum,
            notes,
        })
    } else {
        Err(issues)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hundredths() {
        assert_eq!(parse_hundredths("39.76"), Some(3976));
        assert_eq!(parse_hundredths("0.5"), Some(50));
        assert_eq!(parse_hundredths("12"), Some(1200));
        assert_eq!(parse_hundredths("1.234"), None);
        assert_eq!(parse_hundredths("-1"), None);
        assert_eq!(parse_hundredths(".5"), None);
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(1_000_421), "1,000,421");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(68_388), "68,388");
    }
}

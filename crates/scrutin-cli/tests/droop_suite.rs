//! Conformance: the whole Droop 0.11 reference suite (`../shared/conformance/droop`), every
//! expected-output file enumerated.
//!
//! Each `ref/dump/**/<case>-<rule>-<arithmetic>.txt` is mapped from its rule tag to a scrutin
//! rule set where we implement that exact rule:
//!
//! | Droop rule | scrutin |
//! |---|---|
//! | `scotland` (fixed-p5) | `scottish-stv` |
//! | `wigm-prf` (fixed-p4) | `wigm` (default: four places) |
//! | `wigm-prf-batch` (fixed-p4) | `wigm` with rule B.2 (`wigm::Options::defeat_sure_losers`) |
//! | `wigm` (rational-d12) | `wigm --arithmetic exact` |
//! | `wigm` (guarded-p18-g9: 27-digit fixed point, equal within 5·10⁻¹⁹) | `wigm --arithmetic exact` |
//! | `meek`, `meek-prf`, `warren` | another engineer's: see docs/conformance/meek.md (not run here) |
//! | `mpls`, `cfer`, `cfer-batch`, `qpq` | not implemented (n/a) |
//!
//! A comparable case passes when every stage's candidate totals and non-transferable total,
//! the candidate(s) each stage is about, and the elected set equal Droop's. Rational and
//! guarded totals are compared to within 1.5·10⁻¹²: we print exact rationals truncated to 12
//! places, Droop rounds them (to 12 places for rational, 18 for guarded).
//!
//! Documented exceptions, each checked precisely (docs/conformance/droop.md):
//! - Scottish: Droop makes a round for a zero surplus (rule 48 has no such stage): such rounds,
//!   whose totals equal the round before, are skipped (as in `droop_scotland.rs`).
//! - WIGM: PRF rule B.4 says "Defeat … Test count complete (D.3). Transfer each ballot …": when
//!   the defeat completes the count we do not transfer; Droop 0.11 transfers anyway. That last
//!   stage is compared with Droop's totals *before* its transfer (its `defeat` row).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use scrutin_core::methods::{scottish_stv, wigm, Arithmetic};
use scrutin_core::report::{Action, Report};
use scrutin_core::tie::{LotOrder, PriorStageReading, TiePolicy};
use scrutin_formats::blt;

fn droop_dir() -> Option<PathBuf> {
    let d = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/conformance/droop"
    ))
    .to_path_buf();
    if d.is_dir() {
        Some(d)
    } else {
        eprintln!(
            "SKIPPED: {} not found; the Droop suite was not run",
            d.display()
        );
        None
    }
}

/// Droop rule tags, longest first so that `wigm-prf-batch` is not read as `wigm`.
const RULE_TAGS: &[&str] = &[
    "wigm-prf-batch",
    "cfer-batch",
    "wigm-prf",
    "meek-prf",
    "scotland",
    "warren",
    "wigm",
    "meek",
    "mpls",
    "cfer",
    "qpq",
];

/// What we do with a Droop rule.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Plan {
    Scottish,
    Wigm {
        exact: bool,
        batch: bool,
    },
    /// Another engineer's rule set (Meek family).
    SeeMeek,
    /// A rule we do not implement.
    NotApplicable(&'static str),
}

fn plan(rule: &str, arith: &str) -> Plan {
    match rule {
        "scotland" => Plan::Scottish,
        "wigm-prf" => Plan::Wigm {
            exact: false,
            batch: false,
        },
        "wigm-prf-batch" => Plan::Wigm {
            exact: false,
            batch: true,
        },
        "wigm" if arith.starts_with("rational") || arith.starts_with("guarded") => Plan::Wigm {
            exact: true,
            batch: false,
        },
        "meek" | "meek-prf" | "warren" => Plan::SeeMeek,
        "mpls" => Plan::NotApplicable("Minneapolis STV (city ordinance 167): not implemented"),
        "cfer" => Plan::NotApplicable("CFER STV (Citizens for Election Reform): not implemented"),
        "cfer-batch" => Plan::NotApplicable("CFER STV with batch defeats: not implemented"),
        "qpq" => Plan::NotApplicable("Woodall's Quota Preferential by Quotient: not implemented"),
        _ => Plan::NotApplicable("unknown rule"),
    }
}

struct Case {
    name: String,
    rule: &'static str,
    arith: String,
    blt: PathBuf,
    dump: PathBuf,
}

fn cases(dir: &Path) -> Vec<Case> {
    let mut out = Vec::new();
    let mut stack = vec![dir.join("ref/dump")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let file = p.file_stem().unwrap().to_string_lossy().to_string();
            let sub = p
                .parent()
                .unwrap()
                .strip_prefix(dir.join("ref/dump"))
                .unwrap()
                .to_path_buf();
            let (rule, at) = RULE_TAGS
                .iter()
                .find_map(|t| file.find(&format!("-{t}-")).map(|i| (*t, i)))
                .unwrap_or_else(|| panic!("no rule tag in {file}"));
            let stem = &file[..at];
            let arith = file[at + rule.len() + 2..].to_string();
            out.push(Case {
                name: format!("{}{stem}", sub_prefix(&sub)),
                rule,
                arith,
                blt: dir.join("blt").join(&sub).join(format!("{stem}.blt")),
                dump: p,
            });
        }
    }
    out.sort_by(|a, b| (&a.name, a.rule, &a.arith).cmp(&(&b.name, b.rule, &b.arith)));
    out
}

fn sub_prefix(sub: &Path) -> String {
    let s = sub.to_string_lossy();
    if s.is_empty() {
        String::new()
    } else {
        format!("{s}/")
    }
}

/// One round of Droop's dump.
#[derive(Debug, Default)]
struct Round {
    /// `begin`, `unpend` (surplus) or `defeat`.
    kind: String,
    /// Whose surplus, or who was defeated (several in a batch).
    cands: Vec<String>,
    nt: String,
    votes: Vec<(String, String)>,
    /// Totals at the `defeat` row, before the defeated candidates' transfer.
    before_transfer: Option<(String, Vec<(String, String)>)>,
    /// A `transfer` row was seen (later `defeat` rows are "defeat remaining", not a stage).
    transferred: bool,
}

/// Reads a WIGM or Scottish dump: rounds in order, the quota, the elected set.
fn read_dump(text: &str) -> (String, Vec<Round>, Vec<String>) {
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
fn collapse(s: &str) -> String {
    let mut out = String::new();
    for ch in s.chars() {
        if !(ch == ' ' && out.ends_with(' ')) {
            out.push(ch);
        }
    }
    out
}

/// A decimal as an integer count of 10^-18.
fn units18(s: &str) -> Option<i128> {
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

fn same(ours: &str, theirs: &str, tolerant: bool) -> bool {
    if !tolerant {
        return ours == theirs;
    }
    match (units18(ours), units18(theirs)) {
        (Some(a), Some(b)) => (a - b).abs() < 1_500_000,
        _ => false,
    }
}

/// Compares our report with Droop's rounds. Returns the exceptions that applied.
fn compare(
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

fn run_case(case: &Case, plan: Plan) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(&case.blt).map_err(|e| e.to_string())?;
    let file = blt::read_str(&text, &case.blt.display().to_string()).map_err(|e| e.to_string())?;
    let n = file.candidates.len();
    // Droop breaks ties by lot in its tie order: the `[tie]` line, or ballot order.
    let lot = LotOrder::given(file.tie_order.as_deref().unwrap_or(&[]), n);
    let election = file.into_election();
    let (report, tolerant) = match plan {
        Plan::Scottish => (
            scottish_stv::count(
                &election,
                &scottish_stv::Options {
                    // Droop's reading of "most recent preceding stage" (docs/tie-breaking.md).
                    reading: PriorStageReading::UniqueExtreme,
                    lot,
                },
            ),
            false,
        ),
        Plan::Wigm { exact, batch } => (
            wigm::count(
                &election,
                &wigm::Options {
                    arithmetic: if exact {
                        Arithmetic::Exact
                    } else {
                        Arithmetic::Fixed(4)
                    },
                    tie_policy: TiePolicy::Lot,
                    reading: PriorStageReading::default(),
                    lot,
                    defeat_sure_losers: batch,
                },
            ),
            exact,
        ),
        _ => unreachable!(),
    };
    let report = report.map_err(|e| e.to_string())?;
    let dump = std::fs::read_to_string(&case.dump).map_err(|e| e.to_string())?;
    let (quota, rounds, elected) = read_dump(&dump);
    compare(&report, &quota, &rounds, &elected, tolerant)
}

#[test]
fn whole_droop_suite() {
    let Some(dir) = droop_dir() else { return };
    let cases = cases(&dir);
    assert_eq!(cases.len(), 152, "Droop 0.11 ships 152 expected outputs");

    let mut table = vec![
        "| case | Droop rule | arithmetic | scrutin | result |".to_string(),
        "|---|---|---|---|---|".to_string(),
    ];
    let mut failures = Vec::new();
    let mut na_rules = std::collections::BTreeSet::new();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for case in &cases {
        let p = plan(case.rule, &case.arith);
        let (method, result) = match p {
            Plan::SeeMeek => {
                *counts.entry("meek (elsewhere)").or_default() += 1;
                ("meek", "see docs/conformance/meek.md".to_string())
            }
            Plan::NotApplicable(why) => {
                na_rules.insert(case.rule);
                *counts.entry("n/a").or_default() += 1;
                ("-", format!("n/a: {why}"))
            }
            Plan::Scottish | Plan::Wigm { .. } => {
                let method = match p {
                    Plan::Scottish => "scottish-stv",
                    Plan::Wigm { exact: true, .. } => "wigm --arithmetic exact",
                    Plan::Wigm { batch: true, .. } => "wigm + B.2",
                    _ => "wigm",
                };
                match run_case(case, p) {
                    Ok(exc) if exc.is_empty() => {
                        *counts.entry("pass").or_default() += 1;
                        (method, "pass".to_string())
                    }
                    Ok(exc) => {
                        *counts.entry("pass (documented exception)").or_default() += 1;
                        (method, format!("pass; exception: {}", exc.join("; ")))
                    }
                    Err(e) => {
                        *counts.entry("FAIL").or_default() += 1;
                        failures.push(format!("{} {} {}: {e}", case.name, case.rule, case.arith));
                        (method, format!("FAIL: {}", e.lines().next().unwrap_or("")))
                    }
                }
            }
        };
        table.push(format!(
            "| {} | {} | {} | {} | {} |",
            case.name, case.rule, case.arith, method, result
        ));
    }
    println!("{}", table.join("\n"));
    println!("\n{counts:?}");

    assert!(
        failures.is_empty(),
        "cases differing from Droop:\n{}",
        failures.join("\n")
    );
    let expected_na: std::collections::BTreeSet<&str> =
        ["cfer", "cfer-batch", "mpls", "qpq"].into_iter().collect();
    assert_eq!(
        na_rules, expected_na,
        "n/a must be exactly the rules we do not implement"
    );
}

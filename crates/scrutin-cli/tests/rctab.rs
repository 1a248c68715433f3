//! Conformance: RCTab's own test cases (`../shared/conformance/rctab/<case>/`, from
//! github.com/BrightSpots/rcv `src/test/resources/.../test_data`).
//!
//! Every case folder is listed. A case runs when its cast-vote records are in a format scrutin
//! reads (RCTab generic CSV, NIST CDF JSON) and its `winnerElectionMode` is single-winner IRV
//! (`singleWinnerMajority`); it is then counted with the configuration's rules mapped onto
//! `scrutin_core::methods::irv::IrvRules` and compared with RCTab's
//! `<case>_expected_detailed_report.json`, round by round: every candidate's tally, the
//! threshold, the inactive papers (RCTab's four categories plus undervotes against our
//! non-transferable total), who was eliminated and who elected in which round, and the number
//! of rounds. The other cases are listed as not applicable with the reason. The table is
//! printed (`cargo test --test rctab -- --nocapture`) and written up in
//! docs/conformance/rctab.md.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use scrutin_core::methods::irv;
use scrutin_core::methods::CountOptions;
use scrutin_core::report::{CandidateState, Report};
use scrutin_core::tie::{LotOrder, PriorStageReading};
use scrutin_formats::rctab;
use serde_json::Value;

fn suite() -> Option<PathBuf> {
    let d = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/conformance/rctab"
    ))
    .to_path_buf();
    if d.is_dir() {
        Some(d)
    } else {
        println!(
            "SKIPPED: {} not found; the RCTab conformance suite was not run",
            d.display()
        );
        None
    }
}

enum Outcome {
    Pass(String),
    Fail(String),
    NotApplicable(String),
}

/// A decimal string without trailing zeros, for comparing `8` with `8.0000`.
fn norm(s: &str) -> String {
    let s = s.trim();
    if s.contains('.') {
        let t = s.trim_end_matches('0').trim_end_matches('.');
        t.to_string()
    } else {
        s.to_string()
    }
}

fn add_decimals(a: &str, b: &str) -> String {
    // Exact sum of two non-negative decimals with at most 9 places.
    let parse = |s: &str| -> i128 {
        let (i, f) = s.split_once('.').unwrap_or((s, ""));
        let mut f = f.to_string();
        while f.len() < 9 {
            f.push('0');
        }
        i.parse::<i128>().unwrap_or(0) * 1_000_000_000 + f[..9].parse::<i128>().unwrap_or(0)
    };
    let v = parse(a) + parse(b);
    norm(&format!("{}.{:09}", v / 1_000_000_000, v % 1_000_000_000))
}

fn providers(config: &Value) -> Vec<(String, String)> {
    config["cvrFileSources"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            (
                s["provider"].as_str().unwrap_or("").to_string(),
                s["filePath"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn run_case(dir: &Path, name: &str) -> Outcome {
    let configs: Vec<PathBuf> = fs::read_dir(dir)
        .map(|it| {
            it.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|f| f.to_str())
                        .is_some_and(|f| f.ends_with("config.json"))
                })
                .collect()
        })
        .unwrap_or_default();
    let Some(config_path) = configs
        .iter()
        .find(|p| {
            p.file_name()
                .is_some_and(|f| f == format!("{name}_config.json").as_str())
        })
        .or(configs.first())
        .cloned()
    else {
        return Outcome::NotApplicable(if name == "_shared" || name == "unisyn_cvrs" {
            "input folder shared by other cases, not a case".into()
        } else {
            "no tabulation configuration (signature validation of XML files)".into()
        });
    };
    let config: Value = match fs::read_to_string(&config_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
    {
        Some(v) => v,
        None => return Outcome::Fail(format!("cannot read {}", config_path.display())),
    };
    let provs = providers(&config);
    if provs.is_empty() {
        return Outcome::NotApplicable(
            "configuration without CVR sources (RCTab's invalid-configuration test)".into(),
        );
    }
    for (p, f) in &provs {
        let readable = p == "genericCsv" || (p == "cdf" && f.ends_with(".json"));
        if !readable {
            let what = match p.as_str() {
                "ess" => "ES&S xlsx",
                "dominion" => "Dominion JSON export",
                "hart" => "Hart XML",
                "clearBallot" => "Clear Ballot CSV",
                "cdf" => "NIST CDF XML",
                _ => "unknown",
            };
            return Outcome::NotApplicable(format!("format not read: {what} CVRs"));
        }
    }
    let mode = config["rules"]["winnerElectionMode"]
        .as_str()
        .unwrap_or("")
        .to_string();
    if mode != "singleWinnerMajority" {
        return Outcome::NotApplicable(format!(
            "rule not implemented: RCTab {mode} (multi-seat with RCTab's own surplus arithmetic)"
        ));
    }
    let expected_path = dir.join(format!("{name}_expected_detailed_report.json"));
    let contest = rctab::read_contest(&config_path);
    if !expected_path.exists() {
        if name.starts_with("conversions_from") {
            return Outcome::NotApplicable(
                "CVR conversion test (RCTab writes a CVR file; no tabulation expected)".into(),
            );
        }
        return match contest {
            Err(e) => Outcome::Pass(format!("rejected as RCTab rejects it: {e}")),
            Ok(_) => {
                Outcome::Fail("RCTab rejects this input (no expected report); we read it".into())
            }
        };
    }
    let contest = match contest {
        Ok(c) => c,
        Err(e) => return Outcome::Fail(format!("read error: {e}")),
    };
    let n = contest.election.candidates().len();
    let lot = match &contest.lot_order {
        Some(order) => LotOrder::given(order, n),
        None => LotOrder::from_seed(n, contest.random_seed.unwrap_or(0) as u64),
    };
    let options = CountOptions {
        tie_policy: Some(contest.tie_policy),
        reading: PriorStageReading::Narrowing,
        lot,
        marks: None,
        arithmetic: None,
        constraints: None,
        irv: None,
        variant: None,
    };
    let report = match irv::count(&contest.election, &contest.rules, &options) {
        Ok(r) => r,
        Err(e) => return Outcome::Fail(format!("count error: {e}")),
    };
    let expected: Value = match fs::read_to_string(&expected_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
    {
        Some(v) => v,
        None => return Outcome::Fail("cannot read the expected report".into()),
    };
    match compare(&report, &expected, &contest) {
        Ok(summary) => Outcome::Pass(summary),
        Err(why) => {
            let lot_tie = report
                .stages
                .iter()
                .flat_map(|s| &s.ties)
                .any(|t| t.by == "lot");
            if lot_tie && contest.lot_order.is_none() {
                Outcome::Fail(format!(
                    "{why} (a tie was drawn by lot; RCTab draws with java.util.Random)"
                ))
            } else {
                Outcome::Fail(why)
            }
        }
    }
}

fn compare(
    report: &Report,
    expected: &Value,
    contest: &rctab::RctabContest,
) -> Result<String, String> {
    let rounds = expected["results"].as_array().ok_or("no results")?;
    if rounds.len() != report.stages.len() {
        return Err(format!(
            "{} rounds expected, we have {} stages",
            rounds.len(),
            report.stages.len()
        ));
    }
    let undervotes = contest.undervotes.to_string();
    for (i, round) in rounds.iter().enumerate() {
        let stage = &report.stages[i];
        let r = i + 1;
        let tally = round["tally"].as_object().ok_or("no tally")?;
        for (cand, v) in tally {
            let want = norm(v.as_str().unwrap_or(""));
            let got = stage.votes.get(cand).map(|s| norm(s));
            if got.as_deref() != Some(want.as_str()) {
                return Err(format!("round {r}: {cand} has {got:?}, RCTab {want}"));
            }
        }
        for (cand, v) in &stage.votes {
            if !tally.contains_key(cand) {
                let st = stage.states[cand];
                let inactive = matches!(st, CandidateState::Excluded | CandidateState::Withdrawn);
                if !inactive || norm(v) != "0" {
                    return Err(format!(
                        "round {r}: {cand} ({st:?}, {v}) is not in RCTab's tally"
                    ));
                }
            }
        }
        if !contest.non_integer_threshold {
            let want = norm(round["threshold"].as_str().unwrap_or(""));
            let got = stage.quota.as_deref().map(norm);
            if got.as_deref() != Some(want.as_str()) {
                return Err(format!("round {r}: threshold {got:?}, RCTab {want}"));
            }
        }
        let mut inactive = undervotes.clone();
        if let Some(ib) = round["inactiveBallots"].as_object() {
            for (k, v) in ib {
                if k != "finalRoundSurplus" {
                    inactive = add_decimals(&inactive, v.as_str().unwrap_or("0"));
                }
            }
        }
        if norm(&stage.non_transferable) != inactive {
            return Err(format!(
                "round {r}: inactive papers {}, RCTab {inactive} (incl. {undervotes} undervotes)",
                stage.non_transferable
            ));
        }
        let mut elected = BTreeSet::new();
        let mut eliminated = BTreeSet::new();
        for tr in round["tallyResults"].as_array().into_iter().flatten() {
            if let Some(e) = tr["elected"].as_str() {
                elected.insert(e.to_string());
            }
            if let Some(e) = tr["eliminated"].as_str() {
                eliminated.insert(e.to_string());
            }
        }
        let ours: BTreeSet<String> = stage.elected.iter().cloned().collect();
        if ours != elected {
            return Err(format!("round {r}: elected {ours:?}, RCTab {elected:?}"));
        }
        let next: BTreeSet<String> = report
            .stages
            .get(i + 1)
            .map(|s| s.excluded.iter().cloned().collect())
            .unwrap_or_default();
        if next != eliminated {
            return Err(format!(
                "round {r}: eliminated {eliminated:?} by RCTab, we excluded {next:?} next"
            ));
        }
    }
    Ok(format!(
        "{} rounds; winner {}",
        rounds.len(),
        report.elected.join(", ")
    ))
}

#[test]
fn rctab_cases() {
    let Some(root) = suite() else { return };
    let mut dirs: Vec<PathBuf> = fs::read_dir(&root)
        .expect("suite folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let (mut pass, mut fail, mut na) = (0, 0, 0);
    let mut failures = Vec::new();
    println!("| case | result | detail |");
    println!("|---|---|---|");
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let (tag, detail) = match run_case(dir, &name) {
            Outcome::Pass(d) => {
                pass += 1;
                ("pass", d)
            }
            Outcome::Fail(d) => {
                fail += 1;
                failures.push(format!("{name}: {d}"));
                ("FAIL", d)
            }
            Outcome::NotApplicable(d) => {
                na += 1;
                ("n/a", d)
            }
        };
        println!("| {name} | {tag} | {} |", detail.replace('|', "/"));
    }
    println!(
        "RCTab: {} folders: {pass} pass, {fail} fail, {na} not applicable",
        dirs.len()
    );
    assert!(pass > 0, "no RCTab case ran");
    assert!(
        failures.is_empty(),
        "RCTab cases failed:\n{}",
        failures.join("\n")
    );
}

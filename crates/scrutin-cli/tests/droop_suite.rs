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
use scrutin_core::tie::{LotOrder, PriorStageReading, TiePolicy};
use scrutin_formats::blt;

mod common;
use common::droop::{compare, droop_dir, read_dump};

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
    let Some(dir) = droop_dir("the Droop suite") else {
        return;
    };
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

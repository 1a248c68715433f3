//! Conformance: Meek STV against the transcripts of stv-rs 0.5.1
//! (`../shared/conformance/stv-rs/meek/**.log`, inputs in `ballots/**.blt`).
//!
//! For every transcript whose arithmetic we have (`fixed9` and `bigfixed9` ⇔ our fixed9,
//! which holds totals in i128; `exact` ⇔ rationals), the count must elect the same
//! candidates in the same order, and at every round give the same quota, residual and
//! per-candidate votes (to the last of nine places) as the first decision of that round.
//! `equalize` transcripts (stv-rs's other equal-ranking mode) are checked only where the
//! ballots have no equal ranking (the mode is then irrelevant); `approx` (rationals with
//! keep factors rounded to six places) is not implemented. `.err` files are expected
//! failures: stv-rs crashed; each is classified in the printed table.

use std::path::{Path, PathBuf};

use scrutin_core::methods::meek::{self, MeekArithmetic, Options};
use scrutin_core::report::Report;
use scrutin_core::tie::LotOrder;
use scrutin_formats::blt;

fn suite_dir() -> Option<PathBuf> {
    let d = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/conformance/stv-rs"
    ))
    .to_path_buf();
    if d.is_dir() {
        Some(d)
    } else {
        eprintln!(
            "SKIPPED: {} not found; the stv-rs Meek conformance suite was not run",
            d.display()
        );
        None
    }
}

/// One round of a transcript: the first full count of a decision (Elect / Defeat).
#[derive(Debug, Default, Clone)]
struct Round {
    votes: Vec<(String, String)>,
    quota: String,
    residual: String,
}

#[derive(Debug, Default)]
struct Transcript {
    arithmetic: String,
    equalized: bool,
    has_header: bool,
    initial_quota: String,
    elected: Vec<String>,
    rounds: Vec<Round>,
}

fn parse_log(text: &str) -> Transcript {
    let mut t = Transcript::default();
    let mut round: usize = 0;
    let mut current: Option<Round> = None;
    let mut have_round = false;
    let flush = |cur: &mut Option<Round>, t: &mut Transcript, have: &mut bool| {
        if let Some(r) = cur.take() {
            if !*have {
                t.rounds.push(r);
                *have = true;
            }
        }
    };
    for line in text.lines() {
        let l = line.trim_start_matches('\t');
        if let Some(a) = l.strip_prefix("Arithmetic: ") {
            t.arithmetic = a.to_string();
        } else if let Some(i) = l.strip_prefix("Implementation: ") {
            t.has_header = true;
            t.equalized = i.starts_with("STV-rs (equalized");
        } else if let Some(q) = l.strip_prefix("Quota: ") {
            if t.initial_quota.is_empty() {
                t.initial_quota = q.to_string();
            }
            if let Some(r) = current.as_mut() {
                r.quota = q.to_string();
            }
        } else if let Some(rest) = l.strip_prefix("Round ") {
            flush(&mut current, &mut t, &mut have_round);
            round = rest.trim_end_matches(':').parse().unwrap();
            have_round = false;
        } else if let Some(a) = l.strip_prefix("Action: ") {
            flush(&mut current, &mut t, &mut have_round);
            if let Some(name) = a.strip_prefix("Elect: ") {
                t.elected.push(name.to_string());
            } else if let Some(name) = a.strip_prefix("Elect remaining: ") {
                t.elected.push(name.to_string());
            }
            let in_decision =
                round > 0 && !have_round && (a.starts_with("Elect: ") || a.starts_with("Defeat ("));
            if in_decision {
                current = Some(Round::default());
            }
        } else if let Some(r) = current.as_mut() {
            if let Some(v) = l.strip_prefix("Residual: ") {
                r.residual = v.to_string();
            } else if let Some(rest) = l
                .strip_prefix("Elected:  ")
                .or_else(|| l.strip_prefix("Hopeful:  "))
                .or_else(|| l.strip_prefix("Defeated: "))
            {
                let open = rest.rfind(" (").unwrap();
                let vote = rest[open + 2..rest.len() - 1].to_string();
                for name in rest[..open].split(", ") {
                    r.votes.push((name.trim().to_string(), vote.clone()));
                }
            }
        }
    }
    flush(&mut current, &mut t, &mut have_round);
    t
}

/// Exact sum of two decimal strings with the same number of places.
fn add_dec(a: &str, b: &str) -> String {
    let parse = |s: &str| -> (i128, usize) {
        let (neg, s) = match s.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, s),
        };
        let (i, f) = s.split_once('.').unwrap_or((s, ""));
        let v: i128 = format!("{i}{f}").parse().unwrap();
        (if neg { -v } else { v }, f.len())
    };
    let (x, p) = parse(a);
    let (y, q) = parse(b);
    assert_eq!(p, q);
    let v = x + y;
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    let s = 10u128.pow(p as u32);
    format!("{sign}{}.{:0w$}", a / s, a % s, w = p)
}

/// Transcripts that differ from us for a reason written up in docs/conformance/meek.md.
const KNOWN: &[&str] = &[
    "crashes/rand_geometric.fixed9",
    "crashes/rand_geometric.equalize.fixed9",
];

enum Outcome {
    Pass(String),
    Known(String),
    Fail(String),
    NotApplicable(String),
}

fn compare(report: &Report, t: &Transcript) -> Result<String, String> {
    if report.elected != t.elected {
        return Err(format!(
            "elected {:?}, transcript {:?}",
            report.elected, t.elected
        ));
    }
    if report.quota.as_deref() != Some(t.initial_quota.as_str()) {
        return Err(format!(
            "initial quota {:?}, transcript {}",
            report.quota, t.initial_quota
        ));
    }
    if report.stages.len() != t.rounds.len() {
        return Err(format!(
            "{} stages, transcript {} rounds",
            report.stages.len(),
            t.rounds.len()
        ));
    }
    for (s, r) in report.stages.iter().zip(&t.rounds) {
        let q = s.quota.clone().unwrap_or_default();
        if q != r.quota {
            return Err(format!(
                "round {}: quota {q}, transcript {}",
                s.number, r.quota
            ));
        }
        let residual = add_dec(&s.non_transferable, &s.loss_to_truncation);
        if residual != r.residual {
            return Err(format!(
                "round {}: residual {residual}, transcript {}",
                s.number, r.residual
            ));
        }
        for (name, v) in &r.votes {
            let ours = s.votes.get(name).map(String::as_str).unwrap_or("?");
            if ours != v {
                return Err(format!(
                    "round {}: {name} has {ours}, transcript {v}",
                    s.number
                ));
            }
        }
    }
    Ok(format!(
        "{} rounds, {} elected",
        t.rounds.len(),
        t.elected.len()
    ))
}

fn has_equal_rankings(file: &blt::BltFile) -> bool {
    file.profile.ballots().any(|b| !b.is_strict())
}

fn logs(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            logs(&p, out);
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("log") | Some("err")
        ) {
            out.push(p);
        }
    }
}

/// `meek/ties/tie_break_explicit.equalize.fixed9.log` → (`ties/tie_break_explicit`,
/// `equalize.fixed9`, `log`).
fn split_name(root: &Path, p: &Path) -> (String, String, String) {
    let rel = p.strip_prefix(root.join("meek")).unwrap();
    let s = rel.to_str().unwrap();
    let (stem, ext) = s.rsplit_once('.').unwrap();
    let (dir, file) = stem.rsplit_once('/').unwrap_or(("", stem));
    let (base, mode) = file.split_once('.').unwrap();
    let base = if dir.is_empty() {
        base.to_string()
    } else {
        format!("{dir}/{base}")
    };
    (base, mode.to_string(), ext.to_string())
}

fn ballots_for(root: &Path, base: &str) -> PathBuf {
    // The force-positive-surplus transcript counts below_quota.blt with that option.
    let base = base.replace("force_positive_surplus", "below_quota");
    root.join("ballots").join(format!("{base}.blt"))
}

fn count_file(
    path: &Path,
    arithmetic: MeekArithmetic,
    positive_surplus: bool,
) -> Result<(blt::BltFile, Report), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let file = blt::read_str(&text, &path.display().to_string()).map_err(|e| e.to_string())?;
    let n = file.candidates.len();
    let lot = LotOrder::given(file.tie_order.as_deref().unwrap_or(&[]), n);
    let options = Options {
        arithmetic,
        positive_surplus,
        ..Options::stv_rs(lot)
    };
    let report = meek::count(&file.election(), &options).map_err(|e| e.to_string())?;
    Ok((file, report))
}

fn run_case(root: &Path, p: &Path) -> (String, Outcome) {
    let (base, mode, ext) = split_name(root, p);
    let label = format!("{base}.{mode}.{ext}");
    let ballots = ballots_for(root, &base);
    let positive = base.ends_with("force_positive_surplus");
    let equalize = mode.starts_with("equalize");
    let arith = mode.trim_start_matches("equalize.");
    if ext == "err" {
        let text = std::fs::read_to_string(p).unwrap();
        if arith == "droop" {
            return (
                label,
                Outcome::NotApplicable(
                    "Droop.py 0.14 crashed; stv-rs's transcripts of the same file are checked"
                        .into(),
                ),
            );
        }
        if text.trim().is_empty() {
            return (
                label,
                Outcome::Pass("empty: stv-rs did not fail; its transcript is checked".into()),
            );
        }
        // stv-rs panicked. Do we fail with a clear error, or count it (with wider integers)?
        return match count_file(&ballots, MeekArithmetic::Fixed9, positive) {
            Err(e) => (label, Outcome::Pass(format!("we fail too: {e}"))),
            Ok(_) if arith.starts_with("fixed9") => (
                label,
                Outcome::Pass(
                    "stv-rs's i64 fixed9 overflows; our fixed9 totals are i128 and count it \
                     (checked against the bigfixed9 transcript)"
                        .into(),
                ),
            ),
            Ok((_, r)) => (
                label,
                Outcome::Fail(format!(
                    "stv-rs failed ({}), we elected {:?}",
                    text.lines()
                        .find(|l| l.contains("panicked"))
                        .map_or("", |_| "")
                        .to_string()
                        + text.lines().nth(2).unwrap_or("").trim(),
                    r.elected
                )),
            ),
        };
    }
    let arithmetic = match arith {
        "fixed9" | "bigfixed9" => MeekArithmetic::Fixed9,
        "exact" => MeekArithmetic::Exact,
        "approx" => return (
            label,
            Outcome::NotApplicable(
                "approx arithmetic (rationals, keep factors rounded to 6 places) not implemented"
                    .into(),
            ),
        ),
        other => {
            return (
                label,
                Outcome::NotApplicable(format!("unknown mode {other}")),
            )
        }
    };
    if !ballots.exists() {
        return (
            label,
            Outcome::NotApplicable(format!(
                "input {} is not in the suite",
                ballots.strip_prefix(root).unwrap_or(&ballots).display()
            )),
        );
    }
    let text = std::fs::read_to_string(p).unwrap();
    let t = parse_log(&text);
    if t.has_header {
        assert_eq!(
            t.equalized, equalize,
            "{label}: header and file name disagree"
        );
    }
    let err_file = p.with_extension("err");
    let stv_rs_crashed = err_file.exists()
        && !std::fs::read_to_string(&err_file)
            .unwrap()
            .trim()
            .is_empty();
    match count_file(&ballots, arithmetic, positive) {
        Err(e) if stv_rs_crashed => (
            label,
            Outcome::Pass(format!(
                "partial transcript (stv-rs crashed); we fail clearly: {e}"
            )),
        ),
        Err(e) => (label, Outcome::Fail(format!("count failed: {e}"))),
        Ok((file, report)) => {
            if equalize && has_equal_rankings(&file) {
                return (
                    label,
                    Outcome::NotApplicable(
                        "equalized counting of equal rankings (stv-rs --equalize) not implemented"
                            .into(),
                    ),
                );
            }
            if stv_rs_crashed {
                // The transcript stops where stv-rs panicked: check what it has.
                let ok = t.rounds.iter().zip(&report.stages).all(|(r, s)| {
                    r.votes
                        .iter()
                        .all(|(n, v)| s.votes.get(n).map(String::as_str) == Some(v.as_str()))
                });
                return if ok && report.elected.starts_with(&t.elected) {
                    (
                        label,
                        Outcome::Pass(format!(
                            "stv-rs crashed after {} round(s); we agree up to there and go on \
                             (elected {:?})",
                            t.rounds.len(),
                            report.elected
                        )),
                    )
                } else {
                    (label, Outcome::Fail("differs before stv-rs's crash".into()))
                };
            }
            match compare(&report, &t) {
                Ok(s) => (label, Outcome::Pass(s)),
                Err(e) if KNOWN.iter().any(|k| label.starts_with(k)) => (
                    label,
                    Outcome::Known(format!(
                        "{e}; this transcript was made by an stv-rs later than 0.5.1 \
                         (0.5.1 itself panics on this file); see docs/conformance/meek.md"
                    )),
                ),
                Err(e) => (label, Outcome::Fail(e)),
            }
        }
    }
}

#[test]
fn stv_rs_meek_transcripts() {
    let Some(root) = suite_dir() else { return };
    let mut files = Vec::new();
    logs(&root.join("meek"), &mut files);
    assert!(
        files.len() > 60,
        "expected the whole suite, found {}",
        files.len()
    );
    let (mut pass, mut fail, mut na, mut known) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    println!("| case | result | detail |");
    println!("|---|---|---|");
    for p in &files {
        let (label, outcome) = run_case(&root, p);
        let (tag, detail) = match outcome {
            Outcome::Pass(d) => {
                pass += 1;
                ("pass", d)
            }
            Outcome::Fail(d) => {
                fail += 1;
                failures.push(format!("{label}: {d}"));
                ("FAIL", d)
            }
            Outcome::NotApplicable(d) => {
                na += 1;
                ("n/a", d)
            }
            Outcome::Known(d) => {
                known += 1;
                ("differs (known)", d)
            }
        };
        println!("| {label} | {tag} | {detail} |");
    }
    println!(
        "\n{pass} pass, {known} known difference(s), {fail} fail, {na} not applicable ({} files)",
        files.len()
    );
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
}

#[test]
fn vegetables_by_hand() {
    // The suite's example, checked by its printed totals (stv-rs's README walks through it).
    let Some(root) = suite_dir() else { return };
    let (_, r) = count_file(
        &root.join("ballots/vegetables.blt"),
        MeekArithmetic::Fixed9,
        false,
    )
    .unwrap();
    assert_eq!(r.elected, ["Grape", "Hazelnut", "Jalapeno", "Eggplant"]);
    assert_eq!(r.stages[2].quota.as_deref(), Some("8.416270386"));
    assert_eq!(r.stages[2].excluded, ["Apple"]);
}

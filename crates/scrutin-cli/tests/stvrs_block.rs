//! Conformance: stv-rs's simulated plurality block voting transcripts
//! (`../shared/conformance/stv-rs/plurality_block_voting/**.log`, inputs in `ballots/`).
//!
//! Each transcript gives the seats, the votes per ballot, and every candidate's total (9
//! decimal places) in the order stv-rs ranks them, elected first. The block-vote rule set,
//! counting in `fixed9` as stv-rs does, must elect the same candidates in the same order with
//! the same totals for everyone. Transcripts whose ballot file is not in the suite are listed
//! as not applicable. Written up in docs/conformance/block.md.

use std::fs;
use std::path::{Path, PathBuf};

use scrutin_core::methods::{self, Arithmetic, CountOptions, Method};
use scrutin_core::tie::{LotOrder, PriorStageReading};
use scrutin_core::CandidateId;
use scrutin_formats::blt;

fn suite() -> Option<PathBuf> {
    let d = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/conformance/stv-rs"
    ))
    .to_path_buf();
    if d.is_dir() {
        Some(d)
    } else {
        println!(
            "SKIPPED: {} not found; the stv-rs block-vote suite was not run",
            d.display()
        );
        None
    }
}

fn logs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            logs(&p, out);
        } else if p.extension().is_some_and(|x| x == "log") {
            out.push(p);
        }
    }
}

struct Transcript {
    seats: u32,
    marks: u32,
    /// (name, total, elected?) in stv-rs's order.
    rows: Vec<(String, String, bool)>,
}

fn parse(text: &str) -> Transcript {
    let field = |key: &str| -> u32 {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(key))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("transcript has no {key}"))
    };
    let mut rows = Vec::new();
    for l in text.lines() {
        let l = l.trim();
        let (elected, rest) = if let Some(r) = l.strip_prefix("Elected:") {
            (true, r)
        } else if let Some(r) = l.strip_prefix("Defeated:") {
            (false, r)
        } else {
            continue;
        };
        let rest = rest.trim();
        let open = rest.rfind(" (").expect("total in brackets");
        let name = rest[..open].to_string();
        let total = rest[open + 2..].trim_end_matches(')').to_string();
        rows.push((name, total, elected));
    }
    Transcript {
        seats: field("Seats:"),
        marks: field("Votes per ballot:"),
        rows,
    }
}

#[test]
fn stvrs_plurality_block_voting() {
    let Some(root) = suite() else { return };
    let mut files = Vec::new();
    logs(&root.join("plurality_block_voting"), &mut files);
    files.sort();
    assert!(!files.is_empty(), "no transcripts found");
    let (mut pass, mut na) = (0, 0);
    let mut failures = Vec::new();
    println!("| transcript | result | detail |");
    println!("|---|---|---|");
    for log in &files {
        let rel = log
            .strip_prefix(root.join("plurality_block_voting"))
            .unwrap()
            .to_string_lossy()
            .to_string();
        let stem = rel.trim_end_matches(".log");
        let stem = stem.rsplit_once('.').map_or(stem, |(s, _)| s); // drop ".fixed9"
        let ballots = root.join("ballots").join(format!("{stem}.blt"));
        if !ballots.exists() {
            na += 1;
            println!("| {rel} | n/a | ballot file ballots/{stem}.blt is not in the suite |");
            continue;
        }
        let t = parse(&fs::read_to_string(log).unwrap());
        let file = blt::read_str(&fs::read_to_string(&ballots).unwrap(), stem).unwrap();
        let n = file.candidates.len();
        let order: Vec<CandidateId> = file
            .tie_order
            .clone()
            .unwrap_or_else(|| (0..n as u32).map(CandidateId).collect());
        let mut election = file.into_election();
        election.seats = t.seats;
        let options = CountOptions {
            tie_policy: None,
            reading: PriorStageReading::Narrowing,
            lot: LotOrder::given(&order, n),
            marks: Some(t.marks),
            arithmetic: Some(Arithmetic::Fixed(9)),
            constraints: None,
            irv: None,
            variant: None,
        };
        let report = methods::count(&election, Method::Block, &options).unwrap();
        let stage = &report.stages[0];
        let mut problems = Vec::new();
        let want_elected: Vec<&str> = t
            .rows
            .iter()
            .filter(|r| r.2)
            .map(|r| r.0.as_str())
            .collect();
        if report.elected != want_elected {
            problems.push(format!(
                "elected {:?}, stv-rs {:?}",
                report.elected, want_elected
            ));
        }
        for (name, total, _) in &t.rows {
            if stage.votes.get(name) != Some(total) {
                problems.push(format!(
                    "{name}: {:?}, stv-rs {total}",
                    stage.votes.get(name)
                ));
            }
        }
        if problems.is_empty() {
            pass += 1;
            println!(
                "| {rel} | pass | {} seats, {} marks, {} candidates |",
                t.seats,
                t.marks,
                t.rows.len()
            );
        } else {
            println!("| {rel} | FAIL | {} |", problems.join("; "));
            failures.push(format!("{rel}: {}", problems.join("; ")));
        }
    }
    println!(
        "stv-rs block: {pass} pass, {} fail, {na} not applicable",
        failures.len()
    );
    assert!(pass > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

//! Every one of the 749 real Scottish elections in `../shared/data/scot-elex` parses and
//! counts under the Scottish rules, conserving votes at every stage; the elected sets are kept
//! in a golden file (`tests/golden/scot-elex-elected.tsv`) so that any change shows in review.
//!
//! To accept a deliberate change: `UPDATE_GOLDEN=1 cargo test -p scrutin --test scot_elex`,
//! then review the diff of the golden file.

use std::fmt::Write as _;
use std::path::Path;

use scrutin_core::arith::Fixed;
use scrutin_core::methods::scottish_stv::{count, Options};
use scrutin_core::tie::{LotOrder, PriorStageReading};
use scrutin_formats::blt;

const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/scot-elex-elected.tsv"
);

#[test]
fn all_749_scottish_elections_count_and_match_the_golden_file() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/scot-elex");
    if !dir.is_dir() {
        eprintln!(
            "SKIPPED: {} not found; the scot-elex golden test was not run",
            dir.display()
        );
        return;
    }
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "blt"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 749);

    let mut out = String::from(
        "# file\tseats\tquota\tstages\telected in order (Scottish STV, seed 0, narrowing)\n",
    );
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy();
        let text = std::fs::read_to_string(path).unwrap();
        let file = blt::read_str(&text, &name).unwrap_or_else(|e| panic!("{e}"));
        let n = file.candidates.len();
        let election = file.into_election();
        let report = count(
            &election,
            &Options {
                reading: PriorStageReading::Narrowing,
                lot: LotOrder::from_seed(n, 0),
            },
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            report.elected.len(),
            election.seats as usize,
            "{name}: seats not all filled"
        );
        let valid = Fixed::<5>::parse(&report.valid_ballots).unwrap();
        for s in &report.stages {
            let sum: Fixed<5> = s
                .votes
                .values()
                .chain([&s.non_transferable, &s.loss_to_truncation])
                .map(|v| Fixed::<5>::parse(v).unwrap())
                .sum();
            assert_eq!(sum, valid, "{name} stage {}: votes not conserved", s.number);
        }
        writeln!(
            out,
            "{name}\t{}\t{}\t{}\t{}",
            report.seats,
            report.quota.as_deref().unwrap_or("-"),
            report.stages.len(),
            report.elected.join("; ")
        )
        .unwrap();
    }

    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(GOLDEN, &out).unwrap();
        eprintln!("wrote {GOLDEN}");
        return;
    }
    let golden =
        std::fs::read_to_string(GOLDEN).expect("golden file missing: run with UPDATE_GOLDEN=1");
    if golden != out {
        let diffs: Vec<String> = golden
            .lines()
            .zip(out.lines())
            .filter(|(a, b)| a != b)
            .take(10)
            .map(|(a, b)| format!("- {a}\n+ {b}"))
            .collect();
        panic!(
            "elected sets changed (first differences):\n{}",
            diffs.join("\n")
        );
    }
}

//! The `scrutin` binary as a user meets it.

use std::io::Write;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_scrutin");
const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/edinburgh-2022-city-centre.blt"
);

fn run(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn counts_the_bundled_example_as_the_council_declared() {
    let (code, out, err) = run(
        &[
            "count",
            EXAMPLE,
            "--method",
            "scottish-stv",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    // City of Edinburgh Council declared these four for Ward 11 (City Centre) on 6 May 2022.
    let elected: Vec<&str> = r["elected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        elected,
        [
            "Jo MOWAT \"Scottish Conservative and Unionist\"",
            "Claire MILLER \"Scottish Green Party\"",
            "Finlay MCFARLANE \"Scottish National Party (SNP)\"",
            "Margaret Arma GRAHAM \"Labour and Co-operative Party\""
        ]
    );
    // The documented shape (docs/report-schema.md).
    assert_eq!(r["format"], "scrutin-report/1");
    assert_eq!(r["method"], "scottish-stv");
    assert_eq!(r["seats"], 4);
    assert_eq!(r["quota"], "1772.00000");
    assert_eq!(r["title"], "Ward 11 - City Centre");
    assert_eq!(r["candidates"].as_array().unwrap().len(), 13);
    let stages = r["stages"].as_array().unwrap();
    assert_eq!(stages[0]["action"], "first_count");
    assert_eq!(
        stages[0]["votes"]["Jo MOWAT \"Scottish Conservative and Unionist\""],
        "1896.00000"
    );
    assert_eq!(stages[1]["action"], "surplus");
    assert_eq!(
        stages[1]["candidate"],
        "Jo MOWAT \"Scottish Conservative and Unionist\""
    );
    for s in stages {
        assert!(s["non_transferable"].is_string());
        assert_eq!(s["votes"].as_object().unwrap().len(), 13);
    }
}

#[test]
fn text_sheet_reads_stdin() {
    let blt = "3 1\n4 1 0\n3 2 1 0\n2 3 2 0\n0\n\"Ann\"\n\"Bob\"\n\"Cat\"\n\"Tiny\"\n";
    let (code, out, err) = run(&["count", "-"], Some(blt));
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("Tiny\n===="), "{out}");
    assert!(out.contains("Quota: 5.00000"), "{out}");
    // Cat (2) excluded at stage 2 → Bob 5 → elected.
    assert!(out.contains("Stage 2: Exclusion of Cat"), "{out}");
    assert!(out.contains("1. Bob  (stage 2)"), "{out}");
}

#[test]
fn bad_input_names_file_line_and_column() {
    let blt = "3 1\n1 1 2 0\n1 4 0\n0\n";
    let (code, out, err) = run(&["count", "-"], Some(blt));
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.starts_with("scrutin: <stdin>:3:3: "), "{err}");
    assert!(err.contains("between 1 and 3"), "{err}");

    let (code, _, err) = run(&["count", "/nonexistent/x.blt"], None);
    assert_eq!(code, 1);
    assert!(err.contains("cannot open /nonexistent/x.blt"), "{err}");

    let (code, _, err) = run(&["count", EXAMPLE, "--method", "borda"], None);
    assert_eq!(code, 1);
    assert!(
        err.contains("unknown method \"borda\"") && err.contains("scottish-stv"),
        "{err}"
    );
}

#[test]
fn seed_and_lot_order_decide_a_lot_and_are_recorded() {
    // B and C tie on 2 at every stage: the lot decides who is excluded.
    let blt = "3 1\n4 1 0\n2 2 1 0\n2 3 1 0\n0\n\"A\"\n\"B\"\n\"C\"\n\"t\"\n";
    let (_, out, _) = run(
        &["count", "-", "--format", "json", "--lot-order", "C,B"],
        Some(blt),
    );
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["stages"][1]["candidate"], "C");
    assert_eq!(r["stages"][1]["ties"][0]["by"], "lot");
    assert_eq!(r["options"]["lot_order"], "C, B, A");
    let (_, out, _) = run(
        &["count", "-", "--format", "json", "--lot-order", "2"],
        Some(blt),
    );
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["stages"][1]["candidate"], "B");
    let (_, out, _) = run(
        &["count", "-", "--format", "json", "--seed", "99"],
        Some(blt),
    );
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["options"]["lot_seed"], "99");
    let (code, _, err) = run(&["count", "-", "--lot-order", "Zed"], Some(blt));
    assert_eq!(code, 1);
    assert!(err.contains("\"Zed\" is neither"), "{err}");
}

#[test]
fn several_files_give_a_json_array() {
    let (code, out, err) = run(
        &[
            "count", EXAMPLE, EXAMPLE, "--format", "json", "--seats", "3",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    let arr = r.as_array().unwrap();
    assert_eq!(arr.len(), 2);
    assert_eq!(arr[0]["seats"], 3);
    assert_eq!(arr[0], arr[1]);
    // 3 seats: quota ⌊8857/4⌋+1.
    assert_eq!(arr[0]["quota"], "2215.00000");
}

#[test]
fn compare_shows_seats_and_first_preferences_by_group() {
    let (code, out, err) = run(
        &[
            "compare",
            EXAMPLE,
            "--methods",
            "scottish-stv",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let c: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(c["seats"], 4);
    let fp = c["first_preferences_by_group"].as_object().unwrap();
    // SNP had two candidates: 1182 + 984 first preferences.
    assert_eq!(fp["Scottish National Party (SNP)"], "2166");
    let total: u64 = fp
        .values()
        .map(|v| v.as_str().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, 8857);
    let o = &c["outcomes"][0];
    assert_eq!(o["method"], "scottish-stv");
    assert_eq!(o["seats_by_group"]["Scottish Green Party"], 1);
    assert_eq!(o["seats_by_group"]["Independent"], 0);
    let seats: u64 = o["seats_by_group"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(seats, 4);

    let (code, out, _) = run(&["compare", EXAMPLE, "--methods", "scottish-stv"], None);
    assert_eq!(code, 0);
    assert!(
        out.contains("Scottish National Party (SNP)      |           2166 (24.5%) |            1"),
        "{out}"
    );
    let (code, _, err) = run(&["compare", EXAMPLE, "--methods", "nope"], None);
    assert_eq!(code, 1);
    assert!(err.contains("unknown method \"nope\""), "{err}");
}

#[test]
fn an_rctab_configuration_brings_its_rules_to_the_count() {
    let case = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/conformance/rctab/test_set_3_skipped_choice_exhaust"
    );
    if !std::path::Path::new(case).is_dir() {
        eprintln!("SKIPPED: {case} not found");
        return;
    }
    let config = format!("{case}/test_set_3_skipped_choice_exhaust_config.json");
    let (code, out, err) = run(
        &["count", &config, "--method", "irv", "--format", "json"],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    // The configuration allows no skipped rank (maxSkippedRanksAllowed 0): the default rule
    // would allow any number.
    assert_eq!(r["options"]["max_skipped_ranks"], "0");
    // Every round's tally as RCTab's expected report has it.
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{case}/test_set_3_skipped_choice_exhaust_expected_detailed_report.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let rounds = expected["results"].as_array().unwrap();
    assert_eq!(rounds.len(), r["stages"].as_array().unwrap().len());
    for (round, stage) in rounds.iter().zip(r["stages"].as_array().unwrap()) {
        for (name, votes) in round["tally"].as_object().unwrap() {
            assert_eq!(stage["votes"][name], *votes, "round {}", round["round"]);
        }
    }
    let winner = rounds.last().unwrap()["tallyResults"][0]["elected"].clone();
    assert_eq!(r["elected"][0], winner);
}

#[test]
fn rule_set_variants_are_named_options() {
    let (code, out, err) = run(
        &[
            "count",
            EXAMPLE,
            "--method",
            "meek",
            "--variant",
            "prf",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        r["options"]["rounding"],
        "keep-up (kept rounded up, PRF B.2.a)"
    );
    assert_eq!(r["options"]["omega_test"], "surplus < omega");
    let (_, out, _) = run(
        &["count", EXAMPLE, "--method", "meek", "--format", "json"],
        None,
    );
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        r["options"]["rounding"],
        "parametric (kept and passed on both truncated)"
    );

    let (code, out, err) = run(
        &[
            "count",
            EXAMPLE,
            "--method",
            "wigm",
            "--variant",
            "batch",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["options"]["defeat_sure_losers"], "yes (B.2)");

    let (code, _, err) = run(
        &["count", EXAMPLE, "--method", "meek", "--variant", "nz"],
        None,
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("meek has no variant \"nz\"; known: stv-rs, prf"),
        "{err}"
    );
    let (code, _, err) = run(
        &[
            "count",
            EXAMPLE,
            "--method",
            "scottish-stv",
            "--variant",
            "prf",
        ],
        None,
    );
    assert_eq!(code, 1);
    assert!(err.contains("scottish-stv has no variants"), "{err}");
}

#[test]
fn overlong_numbers_are_errors_not_panics() {
    // Found by the property test: the fast path for plain ballot lines once overflowed on a
    // ten-digit candidate number.
    let (code, _, err) = run(
        &["count", "-"],
        Some("3 2\n1 99999999999 0\n0\n\"A\"\n\"B\"\n\"C\"\n"),
    );
    assert_eq!(code, 1);
    assert_eq!(
        err.trim(),
        "scrutin: <stdin>:2:3: expected a candidate number between 1 and 3, found \"99999999999\""
    );
    let (code, _, err) = run(
        &["count", "-"],
        Some("3 2\n1234567890123456789012 1 0\n0\n\"A\"\n\"B\"\n\"C\"\n"),
    );
    assert_eq!(code, 1);
    assert_eq!(
        err.trim(),
        "scrutin: <stdin>:2:1: ballot weight \"1234567890123456789012\" is too large"
    );
}

#[test]
fn exact_meek_stops_with_a_clear_error_before_its_numbers_explode() {
    // stv-rs's "vegetables" election: exact keep factors double in size at each iteration.
    let blt = "9 4\n[nick apple banana cherry date eggplant fig grape hazelnut jalapeno]\n\
               [withdrawn banana fig]\n1 apple banana 0\n2 banana cherry 0\n3 cherry date 0\n\
               4 date eggplant 0\n5 eggplant fig 0\n6 fig grape 0\n7 grape hazelnut 0\n\
               8 hazelnut jalapeno 0\n9 jalapeno apple 0\n0\n\"Apple\"\n\"Banana\"\n\"Cherry\"\n\
               \"Date\"\n\"Eggplant\"\n\"Fig\"\n\"Grape\"\n\"Hazelnut\"\n\"Jalapeno\"\n\"Vegetables\"\n";
    let (code, _, err) = run(
        &["count", "-", "--method", "meek", "--arithmetic", "exact"],
        Some(blt),
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("Meek in exact arithmetic: a keep factor needs over 65536 bits"),
        "{err}"
    );
    assert!(err.contains("count in fixed9"), "{err}");
    // The default arithmetic counts it.
    let (code, out, err) = run(
        &["count", "-", "--method", "meek", "--format", "json"],
        Some(blt),
    );
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["elected"].as_array().unwrap().len(), 4);
}

//! `scrutin count --candidates FILE.csv --min … --max …`: category constraints as a user
//! meets them. The nine-seat election is the one worked by hand in
//! `crates/scrutin-core/tests/constraints.rs`: plain STV elects six men and three women; with
//! at least four women, M5 (82) is excluded in place of W3 (70).

use std::path::PathBuf;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_scrutin");

const NINE_BLT: &str = "14 9
90 1 0
88 2 0
86 3 0
84 4 0
82 5 0
60 6 0
30 7 6 0
10 7 0
85 8 0
78 9 0
70 10 0
52 11 0
48 12 0
36 13 0
24 14 11 0
10 14 0
0
\"M1\"
\"M2\"
\"M3\"
\"M4\"
\"M5\"
\"M6\"
\"M7\"
\"W1\"
\"W2\"
\"W3\"
\"W4\"
\"W5\"
\"W6\"
\"W7\"
\"Nine seats\"
";

const NINE_CSV: &str = "name,gender,region
M1,man,london
M2,man,london
M3,man,north
M4,man,north
M5,man,north
M6,man,north
M7,man,north
W1,woman,london
W2,woman,london
W3,woman,north
W4,woman,north
W5,woman,north
W6,woman,north
W7,woman,north
";

/// A directory of its own for each test, with the two files written into it.
fn files(test: &str, csv: &str) -> (PathBuf, String, String) {
    let dir = std::env::temp_dir().join(format!("scrutin-cx-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let blt = dir.join("nine.blt");
    let cands = dir.join("nine.csv");
    std::fs::write(&blt, NINE_BLT).unwrap();
    std::fs::write(&cands, csv).unwrap();
    (dir, blt.display().to_string(), cands.display().to_string())
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn elected(json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let mut e: Vec<String> = v["elected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect();
    e.sort();
    e
}

const PLAIN: [&str; 9] = ["M1", "M2", "M3", "M4", "M5", "M6", "W1", "W2", "W4"];
const FOUR_WOMEN: [&str; 9] = ["M1", "M2", "M3", "M4", "M6", "W1", "W2", "W3", "W4"];

#[test]
fn a_minimum_of_women_binds_under_every_rule_set_and_strategy() {
    let (dir, blt, csv) = files("binds", NINE_CSV);
    let (code, out, err) = run(&["count", &blt, "-f", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(elected(&out), PLAIN);
    for method in ["scottish-stv", "wigm", "ers97", "meek", "block"] {
        for strategy in ["guard-doom", "exclude"] {
            let (code, out, err) = run(&[
                "count",
                &blt,
                "-m",
                method,
                "-f",
                "json",
                "--candidates",
                &csv,
                "--min",
                "gender=woman:4",
                "--constraint-strategy",
                strategy,
            ]);
            assert_eq!(code, 0, "{method} {strategy}: {err}");
            assert_eq!(elected(&out), FOUR_WOMEN, "{method} {strategy}");
            let v: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert_eq!(v["constraints"]["rules"][0], "gender=woman min 4");
            let want = if method == "block" {
                "replace"
            } else {
                strategy
            };
            assert_eq!(v["constraints"]["strategy"], want);
            assert_eq!(v["constraints"]["seats"]["gender=woman"], 4);
        }
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn the_text_sheet_shows_the_constraints_and_what_they_did() {
    let (dir, blt, csv) = files("text", NINE_CSV);
    let (code, out, err) = run(&[
        "count",
        &blt,
        "--candidates",
        &csv,
        "--min",
        "gender=woman:4",
        "--max",
        "region=london:4",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Stage 6: Exclusion of M5"), "{out}");
    assert!(out.contains(
        "\nConstraints (guard-doom):\n  gender=woman min 4: 4 elected\n  region=london max 4: 4 elected\n  Stage 5: W1 guarded (gender=woman min 4)\n"
    ), "{out}");
    assert!(out.contains("  Stage 5: W3 guarded (gender=woman min 4)\n"));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_maximum_and_a_rule_already_met() {
    let (dir, blt, csv) = files("max", NINE_CSV);
    // At most five men: the same as at least four women.
    let (code, out, err) = run(&[
        "count",
        &blt,
        "-f",
        "json",
        "--candidates",
        &csv,
        "--max",
        "gender=man:5",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(elected(&out), FOUR_WOMEN);
    // At least three women: already so; the result is the plain one.
    let (code, out, _) = run(&[
        "count",
        &blt,
        "-f",
        "json",
        "--candidates",
        &csv,
        "--min",
        "gender=woman:3",
    ]);
    assert_eq!(code, 0);
    assert_eq!(elected(&out), PLAIN);
    // A candidates file alone changes nothing.
    let (code, out, _) = run(&["count", &blt, "-f", "json", "--candidates", &csv]);
    assert_eq!(code, 0);
    assert_eq!(elected(&out), PLAIN);
    assert!(!out.contains("\"constraints\""));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn impossible_rules_are_refused_with_a_clear_message() {
    let (dir, blt, csv) = files("infeasible", NINE_CSV);
    let cases: [(&[&str], &str); 4] = [
        (
            &["--min", "gender=woman:8"],
            "infeasible constraints: gender=woman min 8, but only 7 candidate(s) with gender=woman stand",
        ),
        (
            &["--min", "gender=woman:5", "--min", "gender=man:5"],
            "infeasible constraints: the minimums for gender (gender=woman min 5, gender=man min 5) add up to 10, more than the 9 seat(s)",
        ),
        (
            &["--min", "gender=woman:4", "--max", "gender=woman:3"],
            "infeasible constraints: gender=woman min 4 is above gender=woman max 3",
        ),
        (
            &["--min", "slate=left:1"],
            "constraint slate=left min 1: no candidate has an attribute \"slate\" (known: gender, region)",
        ),
    ];
    for (extra, want) in cases {
        let mut args = vec!["count", &blt, "--candidates", &csv];
        args.extend_from_slice(extra);
        let (code, out, err) = run(&args);
        assert_eq!(code, 1, "{extra:?}");
        assert!(out.is_empty());
        assert!(err.contains(want), "{extra:?}: {err}");
    }
    let (code, _, err) = run(&["count", &blt, "--min", "gender=woman:4"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("--min and --max need --candidates FILE.csv"),
        "{err}"
    );
    let (_, _, err) = run(&["count", &blt, "--candidates", &csv, "--min", "gender:4"]);
    assert!(
        err.contains("--min \"gender:4\": expected attribute=value:number"),
        "{err}"
    );
    let (_, _, err) = run(&[
        "count",
        &blt,
        "--candidates",
        &csv,
        "--min",
        "gender=woman:4",
        "--constraint-strategy",
        "zip",
    ]);
    assert!(err.contains("unknown constraint strategy \"zip\""), "{err}");
    let (_, _, err) = run(&[
        "count",
        &blt,
        "-m",
        "irv",
        "--seats",
        "1",
        "--candidates",
        &csv,
        "--min",
        "gender=woman:1",
    ]);
    assert!(err.contains("irv elects one candidate"), "{err}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_bad_candidates_file_names_the_file_line_and_problem() {
    let cases = [
        (
            NINE_CSV.replace("M3,man,north", "Zed,man,north"),
            ":4: \"Zed\" is not a candidate of the ballot file",
        ),
        (
            NINE_CSV.replace("M3,man,north\n", ""),
            ": no row for 1 of the ballot file's candidates: M3",
        ),
        (
            NINE_CSV.replace("M3,man,north", "M1,man,north"),
            ":4: \"M1\" is listed twice (first on line 2)",
        ),
        (
            NINE_CSV.replace("name,gender", "who,gender"),
            ":1: no column \"name\" (the header has who, gender, region)",
        ),
    ];
    for (i, (csv_text, want)) in cases.iter().enumerate() {
        let (dir, blt, csv) = files(&format!("badcsv{i}"), csv_text);
        let (code, _, err) = run(&[
            "count",
            &blt,
            "--candidates",
            &csv,
            "--min",
            "gender=woman:4",
        ]);
        assert_eq!(code, 1);
        assert!(err.contains(&format!("{csv}{want}")), "{err}");
        std::fs::remove_dir_all(dir).ok();
    }
}

//! Electoral colleges (Labour's 50/50 colleges of members and affiliated unions): each
//! college's votes scaled exactly to its share; results as percentages.

use std::path::PathBuf;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_scrutin");

fn dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("scrutin-colleges-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    // Members (one member one vote): Ann 40, Bob 35, Cat 25 (Cat's voters put Ann second).
    std::fs::write(
        d.join("members.blt"),
        "3 1\n40 1 0\n35 2 0\n25 3 1 0\n0\n\"Ann\"\n\"Bob\"\n\"Cat\"\n\"Youth rep\"\n",
    )
    .unwrap();
    // Unions (card votes, exact decimals): Ann 120000.5, Bob 300000, Cat 79999.5 → 500000.
    std::fs::write(
        d.join("unions.blt"),
        "3 1\n120000.5 1 0\n300000 2 0\n79999.5 3 1 0\n0\n\"Ann\"\n\"Bob\"\n\"Cat\"\n\"Youth rep\"\n",
    )
    .unwrap();
    d
}

fn run(args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let v = serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null);
    (
        out.status.code().unwrap_or(-1),
        v,
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn fptp_across_two_colleges_gives_exact_percentages() {
    let d = dir("fptp");
    let m = format!("members=50:{}", d.join("members.blt").display());
    let u = format!("unions=50:{}", d.join("unions.blt").display());
    let (code, r, err) = run(&[
        "count",
        "--college",
        &m,
        "--college",
        &u,
        "--method",
        "fptp",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    // Ann: 50×40/100 + 50×120000.5/500000 = 20 + 12.00005 = 32.00005%
    // Bob: 17.5 + 30 = 47.5%; Cat: 12.5 + 7.99995 = 20.49995%.
    let p = &r["stages"][0]["percentages"];
    assert_eq!(p["Ann"], "32.00");
    assert_eq!(p["Bob"], "47.50");
    assert_eq!(p["Cat"], "20.50");
    // Shares add up to 100% within the published rounding (as Labour's 2020 BAME result,
    // published to two places, adds up to 99.99%).
    let sum: f64 = ["Ann", "Bob", "Cat"]
        .iter()
        .map(|c| p[c].as_str().unwrap().parse::<f64>().unwrap())
        .sum();
    assert!((sum - 100.0).abs() <= 0.015, "{sum}");
    assert_eq!(r["elected"][0], "Bob");
    let colleges = r["colleges"]["colleges"].as_array().unwrap();
    assert_eq!(colleges[0]["name"], "members");
    assert_eq!(colleges[0]["share"], "50");
    assert_eq!(colleges[0]["valid_ballots"], "100");
    assert_eq!(colleges[1]["valid_ballots"], "500000");
    assert_eq!(colleges[1]["first_preferences"]["Ann"], "120000.5");
    // Exact: Ann's raw total is 32.00005% of the whole, to the last unit.
    let ann = &r["stages"][0]["votes"]["Ann"];
    let total: u128 = r["stages"][0]["votes"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| {
            v.as_str()
                .unwrap()
                .replace('.', "")
                .parse::<u128>()
                .unwrap()
        })
        .sum();
    // (every total has the same number of places, so compare digits)
    let ann: u128 = ann.as_str().unwrap().replace('.', "").parse().unwrap();
    assert_eq!(ann * 10_000_000, total * 3_200_005);
}

#[test]
fn irv_across_colleges_transfers_scaled_papers() {
    let d = dir("irv");
    std::fs::write(
        d.join("colleges.toml"),
        "title = \"Young Labour rep (college)\"\n[[college]]\nname = \"members\"\nshare = 50\nballots = \"members.blt\"\n\
         [[college]]\nname = \"unions\"\nshare = \"50\"\nballots = \"unions.blt\"\n",
    )
    .unwrap();
    let toml = d.join("colleges.toml").display().to_string();
    let (code, r, err) = run(&[
        "count",
        "--colleges",
        &toml,
        "--method",
        "irv",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(r["title"], "Young Labour rep (college)");
    // No majority at round 1 (Bob 47.5%); Cat (20.49995%) excluded; her papers go to Ann:
    // Ann 32.00005 + 20.49995 = 52.5% > 50%.
    assert_eq!(r["stages"][1]["candidate"], "Cat");
    assert_eq!(r["stages"][1]["percentages"]["Ann"], "52.50");
    assert_eq!(r["elected"][0], "Ann");
}

#[test]
fn bad_college_specs_are_clear_errors() {
    let d = dir("bad");
    let m = format!("members=60:{}", d.join("members.blt").display());
    let u = format!("unions=50:{}", d.join("unions.blt").display());
    let (code, _, err) = run(&["count", "--college", &m, "--college", &u]);
    assert_eq!(code, 1);
    assert!(err.contains("add up to 110%"), "{err}");
    let (code, _, err) = run(&["count", "--college", "members"]);
    assert_eq!(code, 1);
    assert!(err.contains("expected NAME=SHARE:FILE"), "{err}");
}

#[test]
fn text_report_shows_colleges_and_percentages() {
    let d = dir("text");
    let m = format!("members=50:{}", d.join("members.blt").display());
    let u = format!("unions=50:{}", d.join("unions.blt").display());
    let out = Command::new(BIN)
        .args([
            "count",
            "--college",
            &m,
            "--college",
            &u,
            "--method",
            "fptp",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "members: 50% of the result; valid ballots 100; each ballot counts 1/2 × its weight"
        ),
        "{text}"
    );
    assert!(text.contains("Percentages:"), "{text}");
    assert!(text.contains("Ann       |   32.00%"), "{text}");
}

#[test]
fn stv_across_colleges_counts_the_scaled_ballots_exactly() {
    let d = dir("stv");
    let m = format!("members=50:{}", d.join("members.blt").display());
    let u = format!("unions=50:{}", d.join("unions.blt").display());
    // WIGM in exact rationals: the quota is half the whole (100% / (1 + 1)); no one has it at
    // the first count (Bob 47.5%), Cat is excluded, and Ann reaches 52.5%.
    let (code, r, err) = run(&[
        "count",
        "--college",
        &m,
        "--college",
        &u,
        "--method",
        "wigm",
        "--arithmetic",
        "exact",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(r["stages"][0]["percentages"]["Bob"], "47.50");
    assert_eq!(r["elected"][0], "Ann");
    let last = r["stages"].as_array().unwrap().last().unwrap();
    assert_eq!(last["percentages"]["Ann"], "52.50");
    // Scottish STV counts whole ballot papers (rule 45): scaled college weights are refused.
    let (code, _, err) = run(&[
        "count",
        "--college",
        &m,
        "--college",
        &u,
        "--method",
        "scottish-stv",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("whole ballot papers"), "{err}");
}

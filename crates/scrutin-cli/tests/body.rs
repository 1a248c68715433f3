//! `scrutin body check|show|report|vacancy` on the bundled Labour NEC example
//! (examples/labour-nec-2018) and on broken constitutions.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_scrutin");

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/labour-nec-2018")
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("scrutin-body-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn body_check_accepts_the_nec_example() {
    let ex = example();
    let out = run(&["body", "check", ex.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert_eq!(s.lines().count(), 1, "{s}");
    assert!(
        s.starts_with("ok: Labour Party National Executive Committee: 39 seats in 14 sections, 13 holders named, 8 declared result(s) checked"),
        "{s}"
    );
    // The file itself works as well as its directory.
    let out = run(&["body", "check", ex.join("body.toml").to_str().unwrap()]);
    assert!(out.status.success());
}

#[test]
fn body_report_gives_shares_text_and_json() {
    let ex = example();
    let out = run(&["body", "report", ex.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.contains("39 seats in 14 sections"), "{s}");
    assert!(
        s.contains("members                                          9 of 39   23.1%   clp"),
        "{s}"
    );
    assert!(
        s.contains(
            "trade unions (S)                                13 of 39   33.3%   trade-unions"
        ),
        "{s}"
    );
    assert!(
        s.contains("stated: 20 women of 39 (51.3%), as of 2018-01-23 [black-2018-01]"),
        "{s}"
    );
    assert!(
        s.contains("elected: Yasmine Dar 68,388, Jon Lansman 65,163, Rachel Garnham 62,982"),
        "{s}"
    );

    let out = run(&["body", "report", ex.to_str().unwrap(), "--format", "json"]);
    assert!(out.status.success());
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["seats"], 39);
    let members = j["who_elects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["who"] == "members")
        .unwrap();
    assert_eq!(members["seats"], 9);
    assert_eq!(members["percent"], "23.1");
    let slates = j["slates"].as_array().unwrap();
    assert_eq!(slates[0]["slate"], "Momentum / CLGA");
    assert_eq!(slates[0]["seats"], 9);
    let bame = j["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "bame")
        .unwrap();
    assert_eq!(bame["method"], "unknown");
    assert_eq!(bame["method_certainty"], "uncertain");
}

#[test]
fn body_report_writes_the_seat_chart() {
    let ex = example();
    let dir = tmp("svg");
    for (by, colour, n) in [("section", "#dc2626", 9), ("slate", "#c8102e", 9)] {
        let svg = dir.join(format!("nec-{by}.svg"));
        let out = run(&[
            "body",
            "report",
            ex.to_str().unwrap(),
            "--svg",
            svg.to_str().unwrap(),
            "--by",
            by,
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let s = std::fs::read_to_string(&svg).unwrap();
        assert!(s.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        // 39 seats, and the legend's open circle.
        assert_eq!(s.matches("<circle").count(), 40, "{by}");
        // The CLP seats, plus the legend swatch.
        assert_eq!(
            s.matches(&format!("fill=\"{colour}\"")).count(),
            n + 1,
            "{by}"
        );
        assert!(!s.contains("<script") && !s.contains("href"));
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn body_vacancy_shawcroft_izzard() {
    let ex = example();
    let out = run(&[
        "body",
        "vacancy",
        ex.to_str().unwrap(),
        "--section",
        "clp",
        "--leaving",
        "Christine Shawcroft",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.contains("Rule: the runner-up from the section's last count takes the seat (confirmed) [ll-2018-09]."), "{s}");
    assert!(
        s.contains("Successor: Eddie Izzard, 4th with 39,508 votes"),
        "{s}"
    );
    assert!(s.contains("Recorded (2018): Eddie Izzard replaced Christine Shawcroft by the runner-up rule (confirmed) [ll-2018-09]: the rule gives the same successor."), "{s}");

    let out = run(&[
        "body",
        "vacancy",
        ex.to_str().unwrap(),
        "--section",
        "clp",
        "--leaving",
        "Nobody",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("\"Nobody\" does not hold a seat in section \"clp\""));
}

#[test]
fn body_show_lists_every_section_with_its_rules() {
    let out = run(&["body", "show", example().to_str().unwrap()]);
    assert!(out.status.success());
    let s = text(&out.stdout);
    assert_eq!(s.matches("\n[").count(), 14, "{s}");
    assert!(
        s.contains(
            "  nomination: 5 CLPs; each nominates up to 3; own branch's nomination not required"
        ),
        "{s}"
    );
    assert!(
        s.contains("  candidates: 12 months' membership at 2017-11-19"),
        "{s}"
    );
    assert!(
        s.contains("  voters: joined by 2017-11-19, paid up by 2017-11-19"),
        "{s}"
    );
    assert!(
        s.contains("  vacancy: runner-up (respecting the constraints)"),
        "{s}"
    );
}

#[test]
fn body_check_reports_located_errors() {
    let dir = tmp("broken");
    let src = std::fs::read_to_string(example().join("body.toml"))
        .unwrap()
        .replacen("seats = 39", "seats = 40", 1)
        .replacen("marks = 9\n", "marks = 9\nmin = [\"gender=woman:12\"]\n", 1)
        .replacen(
            "method = \"unknown\"\nsecondary",
            "method = \"card-vote\"\nsecondary",
            1,
        );
    std::fs::write(dir.join("body.toml"), src).unwrap();
    // The results it names are missing too.
    let out = run(&["body", "check", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let e = text(&out.stderr);
    assert!(e.contains("body.toml is not valid (3 problems):"), "{e}");
    assert!(
        e.contains(
            "body.toml:17: body.seats: the body has 40 seats but its sections' seats add up to 39"
        ),
        "{e}"
    );
    assert!(e.contains("body.toml:163: section[6].min[0]: at least 12 seats for gender=woman cannot be met: section \"clp\" has only 9 seat(s)"), "{e}");
    assert!(
        e.contains(
            "body.toml:360: section[7].method: unknown method \"card-vote\"; known: scottish-stv"
        ),
        "{e}"
    );

    // A valid constitution whose result file is missing: the error names the key.
    let src = std::fs::read_to_string(example().join("body.toml")).unwrap();
    std::fs::write(dir.join("body.toml"), src).unwrap();
    let out = run(&["body", "check", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let e = text(&out.stderr);
    assert!(e.contains("section[6].result[0].file: cannot read "), "{e}");
    let _ = std::fs::remove_dir_all(dir);
}

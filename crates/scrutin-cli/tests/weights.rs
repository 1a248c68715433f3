//! Card votes: decimal ballot weights are counted exactly, to the last digit.

use std::io::Write;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_scrutin");

fn count(blt: &str, args: &[&str]) -> (i32, serde_json::Value, String) {
    let mut child = Command::new(BIN)
        .args(["count", "-", "--format", "json"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(blt.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (
        out.status.code().unwrap_or(-1),
        v,
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Four union delegations cast card votes for the trade-union section (2 seats, 2 marks each).
/// By hand: Ann = 123456.5 + 0.25 = 123456.75; Bob = 123456.5 + 987654.321 = 1111110.821;
/// Cat = 987654.321 + 55555.555555 = 1043209.876555; Dan = 55555.555555 + 0.25 = 55555.805555.
const CARDS: &str = "4 2\n123456.5 1 2 0\n987654.321 2 3 0\n55555.555555 3 4 0\n0.25 4 1 0\n0\n\
                     \"Ann\"\n\"Bob\"\n\"Cat\"\n\"Dan\"\n\"TU section\"\n";

#[test]
fn block_vote_card_totals_are_exact_to_the_last_digit() {
    let (code, r, err) = count(CARDS, &["--method", "block", "--arithmetic", "exact"]);
    assert_eq!(code, 0, "{err}");
    let v = &r["stages"][0]["votes"];
    let digits = |s: &serde_json::Value| {
        s.as_str()
            .unwrap()
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    };
    assert_eq!(digits(&v["Ann"]), "123456.75");
    assert_eq!(digits(&v["Bob"]), "1111110.821");
    assert_eq!(digits(&v["Cat"]), "1043209.876555");
    assert_eq!(digits(&v["Dan"]), "55555.805555");
    assert_eq!(r["elected"], serde_json::json!(["Bob", "Cat"]));
    assert_eq!(
        r["valid_ballots"]
            .as_str()
            .unwrap()
            .trim_end_matches('0')
            .trim_end_matches('.'),
        "1166666.626555"
    );
}

#[test]
fn fptp_card_totals_are_exact() {
    let (code, r, err) = count(CARDS, &["--method", "fptp", "--seats", "1"]);
    assert_eq!(code, 0, "{err}");
    let v = &r["stages"][0]["votes"];
    // First marks only: Ann 123456.5, Bob 987654.321, Cat 55555.555555, Dan 0.25.
    assert_eq!(v["Ann"], "123456.500000");
    assert_eq!(v["Bob"], "987654.321000");
    assert_eq!(v["Cat"], "55555.555555");
    assert_eq!(v["Dan"], "0.250000");
    assert_eq!(r["elected"], serde_json::json!(["Bob"]));
}

#[test]
fn rules_that_count_whole_papers_refuse_card_votes() {
    let (code, _, err) = count(CARDS, &["--method", "scottish-stv"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("whole ballot papers") && err.contains("123456.5"),
        "{err}"
    );
}

#[test]
fn wigm_counts_card_votes_exactly_in_rationals() {
    let (code, r, err) = count(CARDS, &["--method", "wigm", "--arithmetic", "exact"]);
    assert_eq!(code, 0, "{err}");
    // Quota = 1166666.626555 / 3 exactly = 388888.875518333…; Bob's first preferences
    // (987654.321) exceed it at stage 1.
    assert_eq!(
        r["stages"][0]["votes"]["Bob"].as_str().unwrap(),
        "987654.321000000000"
    );
    assert!(r["quota"]
        .as_str()
        .unwrap()
        .starts_with("388888.875518333333"));
    assert_eq!(r["elected"][0], "Bob");
}

//! The poll from the command line, end to end, on SQLite and (when configured) PostgreSQL:
//! keygen, set-key, open, postal statements and papers in batches (typed lines, CSV
//! transcriptions, refusals and totals), close, count with the section's constraint, publish,
//! and `scrutin verify` — passing on the record as published, failing on a tampered copy,
//! looking up trackers — and the exported BLT recounted by `scrutin count`.

use std::path::Path;

use scrutin_store::Date;

mod common;
use common::env::envs;

const BODY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/demo/body.toml");

/// 24 members reached by post; odd numbers are women; M21..M24 are under 27.
fn roll(today: Date) -> String {
    let mut s = String::from(
        "id,name,email,address,joined,paid_up_to,date_of_birth,self_declared,branch\n",
    );
    for k in 1..=24 {
        s.push_str(&format!(
            "M{k:02},Member {k:02},,{k} High St;Hull,2020-01-01,{},{},gender={},Branch {k}\n",
            today.plus_days(365),
            if k > 20 {
                today.plus_days(-365 * 20)
            } else {
                today.plus_days(-365 * 50)
            },
            if k % 2 == 1 { "woman" } else { "man" },
        ));
    }
    s
}

#[test]
fn a_postal_poll_counted_published_and_verified() {
    let today = Date::today();
    let d = |n: i64| today.plus_days(n).to_string();
    for (name, env) in envs("poll", None) {
        let roll = env.write("roll.csv", &roll(today));
        env.ok(&[
            "election",
            "create",
            "--id",
            "nec",
            "--title",
            "NEC demo",
            "--body",
            BODY,
            "--sections",
            "clp,youth",
            "--nominations-open",
            &d(-60),
            "--nominations-close",
            &d(-30),
            "--freeze-date",
            &d(-30),
            "--paid-up-date",
            &d(-30),
            "--voting-open",
            &d(0),
            "--voting-close",
            &d(10),
        ]);
        env.ok(&[
            "election",
            "--today",
            &d(-45),
            "import-roll",
            "--election",
            "nec",
            &roll,
        ]);
        // Ten CLP candidates (M01..M10: five women) and two youth candidates.
        for k in 1..=10 {
            let m = format!("M{k:02}");
            let by = format!("Branch {k} CLP");
            env.ok(&[
                "election",
                "nominate",
                "--election",
                "nec",
                "--section",
                "clp",
                "--candidate",
                &m,
                "--by",
                &by,
                "--kind",
                "CLPs",
                "--on",
                &d(-40),
            ]);
        }
        for m in ["M21", "M22"] {
            env.ok(&[
                "election",
                "nominate",
                "--election",
                "nec",
                "--section",
                "youth",
                "--candidate",
                m,
                "--by",
                "Branch 1 CLP",
                "--kind",
                "CLPs",
                "--on",
                &d(-40),
            ]);
        }
        for s in ["clp", "youth"] {
            env.ok(&[
                "election",
                "close-nominations",
                "--election",
                "nec",
                "--section",
                s,
            ]);
            env.ok(&[
                "election",
                "ballot-order",
                "--election",
                "nec",
                "--section",
                s,
            ]);
        }
        env.ok(&["election", "freeze-roll", "--election", "nec"]);
        let keygen = env.ok(&["keygen", "ro.key"]);
        let public = keygen
            .lines()
            .find_map(|l| l.strip_prefix("Public key: "))
            .unwrap()
            .to_string();
        assert!(env
            .fails(&["keygen", "ro.key"])
            .contains("never overwritten"));
        env.ok(&[
            "election",
            "set-key",
            "--election",
            "nec",
            "--public-key",
            &public,
        ]);
        let issued = env.ok(&[
            "election",
            "issue-credentials",
            "--election",
            "nec",
            "--postal-dir",
            "packs",
        ]);
        assert!(issued.contains("24"), "{name}: {issued}");
        let opened = env.ok(&["election", "open", "--election", "nec", "--seal-every", "5"]);
        assert!(opened.contains("sealed 5 at a time"), "{name}: {opened}");

        // Batch B1: twelve statements and a stranger; B2: M03 again.
        let statements: String =
            (1..=12).map(|k| format!("M{k:02}\n")).collect::<String>() + "X99\n";
        env.write("b1.txt", &statements);
        let out = env.ok(&[
            "election",
            "postal-receive",
            "--election",
            "nec",
            "--batch",
            "B1",
            "b1.txt",
        ]);
        assert!(out.contains("clp: 12 accepted"), "{name}: {out}");
        assert!(out.contains("X99 is not on the roll"), "{name}: {out}");
        env.write("b2.txt", "M03\n");
        let out = env.ok(&[
            "election",
            "postal-receive",
            "--election",
            "nec",
            "--batch",
            "B2",
            "b2.txt",
        ]);
        assert!(
            out.contains("M03 has already voted in CLP representatives (members' section) by post"),
            "{name}: {out}"
        );

        // The CLP papers of B1 as a CSV transcription (what each voter wrote beside each
        // name, in the paper's order); one paper is unmarked, one numbers two candidates 1.
        let paper = env.ok(&[
            "election",
            "candidates",
            "--election",
            "nec",
            "--section",
            "clp",
        ]);
        let names: Vec<String> = paper
            .lines()
            .filter(|l| l.contains("on-ballot"))
            .map(|l| {
                l.split_once(". ")
                    .unwrap()
                    .1
                    .split(" (")
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(names.len(), 10, "{name}: {paper}");
        let mut csv = names.join(",") + "\n";
        for r in 0..10 {
            let row: Vec<String> = (0..10)
                .map(|c| ((c + 10 - r) % 10 + 1).to_string())
                .collect();
            csv.push_str(&row.join(","));
            csv.push('\n');
        }
        csv.push_str(&",".repeat(9));
        csv.push('\n');
        csv.push_str(&format!("1,1{}\n", ",".repeat(8)));
        env.write("b1-clp.csv", &csv);
        // A wrong total changes nothing.
        env.write("short.txt", "1 2 3\n");
        let err = env.fails(&[
            "election",
            "postal-enter",
            "--election",
            "nec",
            "--batch",
            "B1",
            "--section",
            "clp",
            "short.txt",
        ]);
        assert!(
            err.contains("12 statements were accepted but 1 ballots were given"),
            "{name}: {err}"
        );
        let out = env.ok(&[
            "election",
            "postal-enter",
            "--election",
            "nec",
            "--batch",
            "B1",
            "--section",
            "clp",
            "b1-clp.csv",
        ]);
        assert!(
            out.contains("10 ballots entered, 2 papers rejected"),
            "{name}: {out}"
        );
        assert!(
            out.contains("b1-clp.csv:12: unmarked")
                && out.contains("b1-clp.csv:13: more than one first preference"),
            "{name}: {out}"
        );
        // Closing waits for the youth papers: none were accepted in B1 (M01..M12 are over 27).
        let closed = env.ok(&["election", "close", "--election", "nec"]);
        assert!(closed.contains("10 ballots in the box"), "{name}: {closed}");
        let head = closed
            .rsplit("final head ")
            .next()
            .unwrap()
            .trim()
            .to_string();
        let counted = env.ok(&["election", "count", "--election", "nec"]);
        let elected_line = counted
            .lines()
            .find(|l| l.starts_with("CLP representatives (members' section): elected "))
            .unwrap();
        let elected: Vec<&str> = elected_line
            .split(": elected ")
            .nth(1)
            .unwrap()
            .split(", ")
            .collect();
        assert_eq!(elected.len(), 9, "{name}: {counted}");
        let women = elected
            .iter()
            .filter(|n| n.trim_start_matches("Member ").parse::<u32>().unwrap() % 2 == 1)
            .count();
        assert!(women >= 4, "{name}: {women} women among {elected:?}");
        let out = env.ok(&[
            "election",
            "publish",
            "--election",
            "nec",
            "--signing-key",
            "ro.key",
            "--records",
            "records",
        ]);
        assert!(out.contains(&format!("box head: {head}")), "{name}: {out}");

        // verify: the record as published, with the key published beforehand and the head
        // shown at the close.
        let ok = env.ok(&[
            "verify",
            "records/nec.tar",
            "--public-key",
            &public,
            "--head",
            &head,
        ]);
        assert!(ok.contains("The record of nec verifies."), "{name}: {ok}");
        assert!(
            ok.contains("clp: 10 ballots = turnout 0 online + 10 postal"),
            "{name}: {ok}"
        );
        // A tracker from the published ballots, and one that is not there.
        let ballots = std::fs::read_to_string(env.dir.join("records/nec/ballots.jsonl")).unwrap();
        let first: serde_json::Value =
            serde_json::from_str(ballots.lines().next().unwrap()).unwrap();
        let tracker = first["tracker"].as_str().unwrap().to_string();
        let found = env.ok(&[
            "verify",
            "records/nec",
            "--tracker",
            &tracker.to_lowercase(),
        ]);
        assert!(
            found.contains("inclusion proof") && found.contains(": valid"),
            "{name}: {found}"
        );
        let missing = env.fails(&["verify", "records/nec", "--tracker", "0000-0000-0000-0000"]);
        assert!(
            missing.contains("no ballot in records/nec has the tracker 0000-0000-0000-0000"),
            "{name}: {missing}"
        );
        // A tampered copy: one ballot changed. verify exits non-zero naming the file.
        let copy = env.dir.join("tampered");
        copy_dir(&env.dir.join("records/nec"), &copy);
        let line = ballots.lines().next().unwrap();
        let b = first["ballot"].as_str().unwrap();
        let changed = line.replace(&format!("\"ballot\":\"{b}\""), "\"ballot\":\"1\"");
        assert_ne!(changed, line);
        std::fs::write(
            copy.join("ballots.jsonl"),
            ballots.replacen(line, &changed, 1),
        )
        .unwrap();
        let err = env.fails(&["verify", "tampered"]);
        assert!(err.contains("ballots.jsonl"), "{name}: {err}");
        // With the wrong public key, the published record itself is refused.
        let (_, other) = scrutin_record::keys::generate().unwrap();
        let err = env.fails(&["verify", "records/nec", "--public-key", &other]);
        assert!(err.contains("signature"), "{name}: {err}");

        // The exported BLT, counted by `scrutin count` with the section's rules, elects the
        // same nine.
        let mut cands = String::from("name,gender\n");
        for n in &names {
            let k: u32 = n.trim_start_matches("Member ").parse().unwrap();
            cands.push_str(&format!(
                "{n},{}\n",
                if k % 2 == 1 { "woman" } else { "man" }
            ));
        }
        env.write("cands.csv", &cands);
        let recount = env.ok(&[
            "count",
            "records/nec/exports/clp.blt",
            "--method",
            "ers97",
            "--candidates",
            "cands.csv",
            "--min",
            "gender=woman:4",
            "--format",
            "json",
        ]);
        let report: serde_json::Value = serde_json::from_str(&recount).unwrap();
        let again: Vec<&str> = report["elected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(again, elected, "{name}");
        env.finish();
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

//! `scrutin election …` end to end, on SQLite always and on PostgreSQL when
//! SCRUTIN_TEST_POSTGRES_URL is set (each run in its own schema): roll import with every
//! validation class, a bad roll that changes nothing, nominations, credentials emailed through
//! a real SMTP server on loopback (aiosmtpd) and checked, re-issue, postal packs, reminders,
//! status.

mod common;
use common::env::{envs, Env};

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const ROLL: &str = "\
id,name,email,address,joined,paid_up_to,date_of_birth,self_declared,branch
A1,Ann Able,ann@example.org,,2010-01-01,2018-12-31,1990-05-01,,Brighton Pavilion
A2,Bob Baker,bob@example.org,1 High St;Leeds LS1 1AA,2016-06-01,2018-12-31,1995-02-01,,Leeds Central
A3,Cat Cole,,3 Low Rd;York,2017-12-01,2018-12-31,,,York Central
A4,Dan Dee,dan@example.org,,2012-01-01,2017-06-30,,,Hull North
A5,Eve Eng,shared@example.org,5 Mill Ln;Bath BA1 1AA,2015-01-01,2018-12-31,,,Bath
A6,Fay Fox,shared@example.org,,2015-01-01,2018-12-31,,,Bath
A7,Gus Gray,,,2015-01-01,2018-12-31,,,Derby North
";

/// Voters reached only by post (no email, or a shared one), and one nothing can reach.
const POSTAL_ROLL: &str = "\
id,name,email,address,joined,paid_up_to,date_of_birth,self_declared,branch
P1,Pam Post,,1 Elm St;Hull HU1 1AA,2010-01-01,2018-12-31,,,Hull North
P2,Quin Quill,,2 Oak Rd;Hull HU2 2BB,2011-01-01,2018-12-31,,,Hull North
P3,Rae Rook,same@example.org,3 Ash Ave;York YO1 1AA,2012-01-01,2018-12-31,,,York Central
P4,Sid Shaw,same@example.org,4 Fir Ct;Bath BA1 1AA,2012-01-01,2018-12-31,,,Bath
P5,Uma Unwin,,,2012-01-01,2018-12-31,,,Bath
";

/// Every class of error: unknown column refused separately below; here a duplicate id, bad
/// dates, a missing name, a bad email, a missing branch, a row with too few fields.
const BAD_ROLL: &str = "\
id,name,email,address,joined,paid_up_to,date_of_birth,self_declared,branch
A1,Ann Able,ann@example.org,,2010-01-01,2018-12-31,1990-05-01,,Brighton Pavilion
A1,Ann Again,ann2@example.org,,2010-01-01,2018-12-31,,,Brighton Pavilion
A2,Bob Baker,bob@example.org,,2016-02-30,2018-12-31,,,Leeds Central
A3,,cat@example.org,,2016-01-01,31/12/2018,,,York Central
A4,Dan Dee,dan-at-example.org,,2012-01-01,2018-12-31,,,Hull North
A5,Eve Eng,eve@example.org,,2015-01-01,2018-12-31,,,
A6,Fay Fox
";

/// The tests' clock: the election's dates are in 2017–18, so every `election` command runs
/// on this day (before the freeze date, 2017-11-19) unless it passes its own `--today`.
const TODAY: &str = "2017-11-15";

impl Env {
    fn create(&self) {
        let body = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/labour-nec-2018"
        );
        let out = self.ok(&[
            "election",
            "create",
            "--id",
            "nec",
            "--title",
            "NEC CLP by-election 2018",
            "--body",
            body,
            "--sections",
            "clp,young-labour",
            "--nominations-open",
            "2017-10-01",
            "--nominations-close",
            "2017-11-19",
            "--voting-open",
            "2017-12-05",
            "--voting-close",
            "2018-01-12",
        ]);
        assert!(
            out.contains("freeze date 2017-11-19; paid up by 2017-11-19"),
            "{out}"
        );
        assert!(
            out.contains("nominations: 5 CLPs; up to 3 per nominating body"),
            "{out}"
        );
    }
}

#[test]
fn a_bad_roll_changes_nothing_and_says_which_rows_and_why() {
    for (name, env) in envs_on("badroll") {
        env.create();
        let bad = env.write("bad.csv", BAD_ROLL);
        // Before any roll.
        let err = env.fails(&["election", "import-roll", "--election", "nec", &bad]);
        for expect in [
            "bad.csv:3: member A1 appears twice: also on line 2",
            "bad.csv:4: member A2: joined: \"2016-02-30\": there is no day 30 in that month",
            "bad.csv:5: member A3 has no name",
            "bad.csv:5: member A3: paid_up_to: \"31/12/2018\" is not a date in the form YYYY-MM-DD",
            "bad.csv:6: member A4: \"dan-at-example.org\" is not an email address",
            "bad.csv:7: member A5 has no branch (CLP)",
            "bad.csv:8: cannot read this row",
            "the roll was not imported and nothing was changed",
        ] {
            assert!(err.contains(expect), "{name}: missing {expect:?} in\n{err}");
        }
        let st = env.ok(&["election", "status", "--election", "nec"]);
        assert!(st.contains("roll: 0 members, not frozen"), "{st}");
        // After a good roll: a bad one leaves it exactly as it was.
        let good = env.write("roll.csv", ROLL);
        env.ok(&["election", "import-roll", "--election", "nec", &good]);
        let before = env.ok(&["election", "status", "--election", "nec"]);
        env.fails(&["election", "import-roll", "--election", "nec", &bad]);
        let cols = env.write(
            "cols.csv",
            "id,name,joined,paid_up_to,branch,phone\nA1,Ann,2010-01-01,2018-12-31,X,1\n",
        );
        let err = env.fails(&["election", "import-roll", "--election", "nec", &cols]);
        assert!(
            err.contains("cols.csv:1: unknown column \"phone\""),
            "{err}"
        );
        let nohdr = env.write("nohdr.csv", "id,name,joined,branch\n");
        let err = env.fails(&["election", "import-roll", "--election", "nec", &nohdr]);
        assert!(
            err.contains("nohdr.csv:1: the header has no \"paid_up_to\" column"),
            "{err}"
        );
        let err = env.fails(&[
            "election",
            "import-roll",
            "--election",
            "nec",
            "missing.csv",
        ]);
        assert!(err.contains("cannot read missing.csv"), "{err}");
        assert_eq!(env.ok(&["election", "status", "--election", "nec"]), before);
        let fp1 = env.ok(&["election", "freeze-roll", "--election", "nec"]);
        // The fingerprint is the same on every backend for the same roll.
        assert!(fp1.contains("SHA-256 "), "{fp1}");
        let err = env.fails(&["election", "import-roll", "--election", "nec", &good]);
        assert!(err.contains("frozen"), "{err}");
        env.finish();
    }
}

#[test]
fn roll_report_names_warnings_ineligibility_and_differences() {
    for (name, env) in envs_on("rollreport") {
        env.create();
        let good = env.write("roll.csv", ROLL);
        let out = env.ok(&["election", "import-roll", "--election", "nec", &good]);
        for expect in [
            "roll.csv: 7 members read",
            "warning: roll.csv:6: members A5, A6 share the email address shared@example.org: each will be sent a postal pack",
            "warning: roll.csv:8: member A7 has no email address and no postal address",
            "Roll version 1: 7 members; 7 added, 0 removed, 0 changed",
            "clp: 5 may vote, 2 may not",
            "1 joined after the freeze date",
            "1 in arrears",
            "A3 Cat Cole: joined 2017-12-01, after the freeze date 2017-11-19",
            "A4 Dan Dee: in arrears: paid up to 2017-06-30, needed 2017-11-19",
            "young-labour: 1 may vote, 6 may not",
            "A1 Ann Able: aged 27 on 2018-01-12, not under 27",
        ] {
            assert!(out.contains(expect), "{name}: missing {expect:?} in\n{out}");
        }
        let second = env.write(
            "roll2.csv",
            &(ROLL
                .replace("A7,Gus Gray,,,2015-01-01,2018-12-31,,,Derby North\n", "")
                .replace("2017-06-30", "2018-06-30")
                + "A8,Hal Hunt,hal@example.org,,2016-01-01,2018-12-31,,,Derby North\n"),
        );
        let out = env.ok(&["election", "import-roll", "--election", "nec", &second]);
        assert!(
            out.contains("Roll version 2: 7 members; 1 added, 1 removed, 1 changed"),
            "{out}"
        );
        assert!(
            out.contains("added: A8") && out.contains("removed: A7") && out.contains("changed: A4"),
            "{out}"
        );
        assert!(
            out.contains("clp: 6 may vote, 1 may not"),
            "{name}: A4 paid up now\n{out}"
        );
        env.finish();
    }
}

struct Smtp {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Smtp {
    fn start(dir: &Path) -> Option<Smtp> {
        let ok = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !ok {
            println!("SKIPPED: python3 with aiosmtpd is not available (pip install aiosmtpd); no SMTP test");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mail = dir.join("mail");
        std::fs::create_dir_all(&mail).unwrap();
        let mut child = Command::new("python3")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_sink.py"))
            .arg(port.to_string())
            .arg(&mail)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "READY");
        Some(Smtp {
            child,
            port,
            dir: mail,
        })
    }
    /// Messages received so far, in order: (recipients, whole message).
    fn messages(&self) -> Vec<(String, String)> {
        common::mail::messages(&self.dir)
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// The code in a message or page: the 29-character XXXXX-XXXXX-… group.
fn code_in(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c == '<' || c == '>')
        .find(|w| w.len() == 29 && w.split('-').count() == 5 && w.split('-').all(|g| g.len() == 5))
        .unwrap_or_else(|| panic!("no code in\n{text}"))
        .to_string()
}

#[test]
fn credentials_by_email_and_post_reissue_and_remind() {
    for (name, env) in envs_on("credentials") {
        let Some(smtp) = Smtp::start(&env.dir) else {
            env.finish();
            return;
        };
        env.create();
        let good = env.write("roll.csv", ROLL);
        env.ok(&["election", "import-roll", "--election", "nec", &good]);
        let port = smtp.port.to_string();
        let mail = [
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            &port,
            "--from",
            "ro@example.org",
        ];
        let issue = |extra: &[&str]| {
            let mut a = vec![
                "election",
                "issue-credentials",
                "--election",
                "nec",
                "--postal-dir",
                "packs",
            ];
            a.extend_from_slice(&mail);
            a.extend_from_slice(extra);
            a.iter().map(|s| s.to_string()).collect::<Vec<_>>()
        };
        let args = issue(&[]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let err = env.fails(&args);
        assert!(err.contains("not frozen"), "{err}");
        env.ok(&["election", "freeze-roll", "--election", "nec"]);
        let out = env.ok(&args);
        assert!(
            out.contains("2 by email, 1 postal packs in packs"),
            "{name}: {out}"
        );
        assert!(
            out.contains(
                "2 voter(s) with no unique email address and no postal address, not issued: A6, A7"
            ),
            "{out}"
        );
        // Issuing again sends nothing new.
        let again = env.ok(&args);
        assert!(again.contains("0 by email, 0 postal packs"), "{again}");

        let msgs = smtp.messages();
        assert_eq!(msgs.len(), 2, "{name}");
        let (rcpt, ann) = msgs
            .iter()
            .find(|(r, _)| r == "ann@example.org")
            .unwrap()
            .clone();
        assert_eq!(rcpt, "ann@example.org");
        assert!(
            ann.contains("Subject: Your voting code: NEC CLP by-election 2018"),
            "{ann}"
        );
        assert!(ann.contains("From: ro@example.org"), "{ann}");
        let code = code_in(&ann);
        let ok = env.ok(&["election", "check-code", "--election", "nec", &code]);
        assert_eq!(ok.trim(), "valid: member A1");
        let bob = &msgs.iter().find(|(r, _)| r == "bob@example.org").unwrap().1;
        assert!(
            bob.contains("Constituency Labour Party (members') section, Young Labour"),
            "{bob}"
        );
        let bob_code = code_in(bob);
        assert_ne!(bob_code, code);

        // The postal pack: one HTML page for A5 (shared email, has an address), printable.
        let pack = std::fs::read_to_string(env.dir.join("packs/nec-A5.html")).unwrap();
        assert!(
            pack.contains("@media print") && pack.contains("size: A4"),
            "{pack}"
        );
        assert!(
            pack.contains("Eve Eng<br>5 Mill Ln<br>Bath BA1 1AA"),
            "{pack}"
        );
        let postal_code = code_in(&pack);
        assert_eq!(
            env.ok(&["election", "check-code", "--election", "nec", &postal_code])
                .trim(),
            "valid: member A5"
        );

        // Re-issue: the old code stops working; the new one arrives and works; logged.
        let mut re = vec![
            "election",
            "reissue",
            "--election",
            "nec",
            "--member",
            "A1",
            "--reason",
            "lost",
        ];
        re.extend_from_slice(&mail);
        let out = env.ok(&re);
        assert!(out.contains("New credential for A1 sent by email"), "{out}");
        let err = env.fails(&["election", "check-code", "--election", "nec", &code]);
        assert!(err.contains("not a live credential"), "{err}");
        let msgs = smtp.messages();
        assert_eq!(msgs.len(), 3);
        let new_code = code_in(&msgs[2].1);
        assert_ne!(new_code, code);
        assert_eq!(
            env.ok(&["election", "check-code", "--election", "nec", &new_code])
                .trim(),
            "valid: member A1"
        );
        let err = env.fails(&[
            "election",
            "check-code",
            "--election",
            "nec",
            "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA",
        ]);
        assert!(err.contains("not a live credential"), "{err}");

        // Reminders: to the email voters (nobody has voted), with no code in them.
        let mut rm = vec![
            "election",
            "remind",
            "--election",
            "nec",
            "--postal-dir",
            "packs",
        ];
        rm.extend_from_slice(&mail);
        let out = env.ok(&rm);
        assert!(
            out.contains("Reminders sent by email: 2; reminder letters written: 1 in packs"),
            "{out}"
        );
        let msgs = smtp.messages();
        assert_eq!(msgs.len(), 5);
        for (_, m) in &msgs[3..] {
            assert!(
                m.contains("Subject: Reminder: NEC CLP by-election 2018 closes on 2018-01-12"),
                "{m}"
            );
            assert!(
                !m.contains(&new_code) && !m.contains(&bob_code),
                "a reminder reveals a code"
            );
            assert!(!m
                .split_whitespace()
                .any(|w| w.len() == 29 && w.matches('-').count() == 4));
        }

        let st = env.ok(&["election", "status", "--election", "nec"]);
        assert!(
            st.contains("credentials by email: 2 live, 2 delivered"),
            "{st}"
        );
        assert!(
            st.contains("credentials by postal: 1 live, 1 delivered"),
            "{st}"
        );
        assert!(
            st.contains("clp                      5         0         0      0.0%"),
            "{st}"
        );
        drop(smtp);
        env.finish();
    }
}

#[test]
fn nominations_from_the_command_line() {
    for (name, env) in envs_on("nominate") {
        env.create();
        let good = env.write("roll.csv", ROLL);
        env.ok(&["election", "import-roll", "--election", "nec", &good]);
        let nominate = |cand: &str, by: &str| {
            env.run(&[
                "election",
                "nominate",
                "--election",
                "nec",
                "--section",
                "clp",
                "--candidate",
                cand,
                "--by",
                by,
                "--kind",
                "CLPs",
                "--on",
                "2017-11-01",
            ])
        };
        for clp in ["Bath", "Derby", "Hull", "Leeds", "York"] {
            assert!(nominate("A1", clp).status.success());
        }
        for clp in ["Bath", "Derby"] {
            assert!(nominate("A2", clp).status.success());
        }
        let o = nominate("A3", "Bath");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("cannot stand in clp"),
            "{name}"
        );
        let out = env.ok(&[
            "election",
            "close-nominations",
            "--election",
            "nec",
            "--section",
            "clp",
        ]);
        assert!(out.contains("Ann Able (A1): valid; 5 CLPs"), "{out}");
        assert!(out.contains("Bob Baker (A2): removed; 2 CLPs — did not reach the threshold (5 CLPs): has 2 CLPs"), "{out}");
        let out = env.ok(&[
            "election",
            "ballot-order",
            "--election",
            "nec",
            "--section",
            "clp",
            "--lot",
            "--seed",
            "7",
        ]);
        assert!(
            out.contains("drawn by lot with seed 7")
                && out.contains("  1. Ann Able (A1): on-ballot"),
            "{out}"
        );
        env.finish();
    }
}

#[test]
fn the_freeze_date_ends_imports_and_freezes_the_roll() {
    for (name, env) in envs_on("freezedate") {
        env.create();
        let good = env.write("roll.csv", POSTAL_ROLL);
        env.ok(&["election", "import-roll", "--election", "nec", &good]);
        // A re-import on the freeze date itself is accepted (a per-command --today).
        let second = env.write("roll2.csv", &POSTAL_ROLL.replace("Pam Post", "Pamela Post"));
        let out = env.ok(&[
            "election",
            "import-roll",
            "--election",
            "nec",
            &second,
            "--today",
            "2017-11-19",
        ]);
        assert!(out.contains("Roll version 2"), "{name}: {out}");
        // The day after, it is refused though freeze-roll was never run, and changes nothing
        // (a global --today, before the command).
        let before = env.ok(&["election", "status", "--election", "nec"]);
        assert!(before.contains("not frozen"), "{before}");
        let err = env.fails(&[
            "election",
            "--today",
            "2017-11-20",
            "import-roll",
            "--election",
            "nec",
            &good,
        ]);
        assert!(
            err.contains("today, 2017-11-20, is after its freeze date 2017-11-19")
                && err.contains("nothing was changed"),
            "{name}: {err}"
        );
        assert_eq!(env.ok(&["election", "status", "--election", "nec"]), before);
        let err = env.fails(&[
            "election",
            "import-roll",
            "--election",
            "nec",
            &good,
            "--today",
            "yesterday",
        ]);
        assert!(err.contains("--today"), "{err}");
        // The first command after the freeze date that needs the frozen roll freezes it.
        let out = env.ok(&[
            "election",
            "issue-credentials",
            "--election",
            "nec",
            "--postal-dir",
            "packs",
            "--today",
            "2017-11-20",
        ]);
        assert!(
            out.contains("Roll of nec frozen: its freeze date 2017-11-19 has passed (today is 2017-11-20); SHA-256 "),
            "{name}: {out}"
        );
        let st = env.ok(&["election", "status", "--election", "nec"]);
        assert!(st.contains("frozen, SHA-256 "), "{st}");
        assert!(out.contains("0 by email, 4 postal packs in packs"), "{out}");
        env.finish();
    }
}

#[test]
fn postal_reminders_are_letters_without_codes_for_those_who_have_not_voted() {
    for (name, env) in envs_on("postalremind") {
        env.create();
        let roll = env.write("roll.csv", POSTAL_ROLL);
        env.ok(&["election", "import-roll", "--election", "nec", &roll]);
        env.ok(&["election", "freeze-roll", "--election", "nec"]);
        let out = env.ok(&[
            "election",
            "issue-credentials",
            "--election",
            "nec",
            "--postal-dir",
            "packs",
        ]);
        assert!(out.contains("0 by email, 4 postal packs"), "{name}: {out}");
        let codes: Vec<(&str, String)> = ["P1", "P2", "P3", "P4"]
            .iter()
            .map(|m| {
                let pack =
                    std::fs::read_to_string(env.dir.join(format!("packs/nec-{m}.html"))).unwrap();
                (*m, code_in(&pack))
            })
            .collect();
        // P2 has voted (in every contest open to them: clp).
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let s = scrutin_store::Store::open(&env.url).await.unwrap();
            s.record_turnout("nec", "clp", "P2", scrutin_store::Channel::Postal)
                .await
                .unwrap();
            s.close().await;
        });
        // Without --postal-dir: refused, nothing written.
        let err = env.fails(&["election", "remind", "--election", "nec"]);
        assert!(
            err.contains("3 postal voter(s) have not voted (P1, P3, P4): give --postal-dir DIR"),
            "{name}: {err}"
        );
        assert!(!env.dir.join("letters").exists());
        let out = env.ok(&[
            "election",
            "remind",
            "--election",
            "nec",
            "--postal-dir",
            "letters",
        ]);
        assert!(
            out.contains("Reminders sent by email: 0; reminder letters written: 3 in letters"),
            "{name}: {out}"
        );
        let mut files: Vec<String> = std::fs::read_dir(env.dir.join("letters"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        assert_eq!(
            files,
            [
                "nec-P1-reminder.html",
                "nec-P3-reminder.html",
                "nec-P4-reminder.html"
            ]
        );
        let names = [
            "Pam Post",
            "Quin Quill",
            "Rae Rook",
            "Sid Shaw",
            "Uma Unwin",
        ];
        for (m, own) in [("P1", 0), ("P3", 2), ("P4", 3)] {
            let letter =
                std::fs::read_to_string(env.dir.join(format!("letters/nec-{m}-reminder.html")))
                    .unwrap();
            assert!(
                letter.contains("@media print") && letter.contains("size: A4"),
                "{letter}"
            );
            assert!(
                letter.contains(&format!("Dear {},", names[own]))
                    && letter.contains("is open until the end of 2018-01-12")
                    && letter.contains("ask the returning\nofficer for a new one"),
                "{letter}"
            );
            for (i, other) in names.iter().enumerate() {
                if i != own {
                    assert!(!letter.contains(other), "{m}'s letter names {other}");
                }
            }
            for (_, code) in &codes {
                assert!(!letter.contains(code.as_str()), "{m}'s letter holds a code");
            }
            assert!(!letter
                .split(|c: char| c.is_whitespace() || c == '<' || c == '>')
                .any(|w| w.len() == 29 && w.matches('-').count() == 4));
        }
        env.finish();
    }
}

fn envs_on(test: &str) -> Vec<(&'static str, Env)> {
    envs(test, Some(TODAY))
}

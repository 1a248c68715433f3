//! The store against real databases: SQLite always (a temporary file), PostgreSQL when
//! SCRUTIN_TEST_POSTGRES_URL is set (each test in its own schema, dropped afterwards).

use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use scrutin_store::roll;
use scrutin_store::rules::{contests, ElectionDates};
use scrutin_store::{BallotOrder, CandidateState, Channel, Date, NewElection, Store, StoreError};

mod common;
use common::{backends, unique};

const BODY: &str = include_str!("../../../examples/labour-nec-2018/body.toml");

pub const ROLL: &str = "\
id,name,email,address,joined,paid_up_to,date_of_birth,self_declared,branch
A1,Ann Able,ann@example.org,,2010-01-01,2018-12-31,1990-05-01,,Brighton Pavilion
A2,Bob Baker,bob@example.org,1 High St;Leeds,2016-06-01,2018-12-31,1995-02-01,,Leeds Central
A3,Cat Cole,,3 Low Rd;York,2017-12-01,2018-12-31,,,York Central
A4,Dan Dee,dan@example.org,,2012-01-01,2017-06-30,,,Hull North
A5,Eve Eng,shared@example.org,5 Mill Ln;Bath,2015-01-01,2018-12-31,,,Bath
A6,Fay Fox,Shared@example.org,,2015-01-01,2018-12-31,,,Bath
A7,Gus Gray,,,2015-01-01,2018-12-31,,,Derby North
";

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn dates() -> ElectionDates {
    ElectionDates {
        nominations_open: d("2017-10-01"),
        nominations_close: d("2017-11-19"),
        freeze_date: d("2017-11-19"),
        paid_up_date: d("2017-11-19"),
        voting_open: d("2017-12-05"),
        voting_close: d("2018-01-12"),
    }
}

fn sections() -> Vec<String> {
    vec!["clp".into(), "young-labour".into()]
}

async fn create(store: &Store, id: &str) {
    store
        .create_election(&NewElection {
            id,
            title: "NEC CLP by-election 2018",
            constitution: BODY,
            constitution_file: "body.toml",
            sections: sections(),
            dates: dates(),
        })
        .await
        .unwrap();
}

fn read(text: &str) -> roll::Roll {
    let body = scrutin_body::Constitution::parse(BODY, "body.toml").unwrap();
    let cs = contests(&body, &sections(), &dates()).unwrap();
    roll::read(text.as_bytes(), "roll.csv", &cs).unwrap()
}

async fn import(
    store: &Store,
    id: &str,
    text: &str,
) -> Result<scrutin_store::RollDiff, StoreError> {
    import_on(store, id, text, d("2017-11-15")).await
}

/// Imports on a given day (the election's freeze date is 2017-11-19).
async fn import_on(
    store: &Store,
    id: &str,
    text: &str,
    today: Date,
) -> Result<scrutin_store::RollDiff, StoreError> {
    let r = read(text);
    let sha = format!("{:x}", Sha256::digest(text.as_bytes()));
    store
        .import_roll(id, &r, "roll.csv", &sha, today, &mut |_| {})
        .await
}

#[tokio::test]
async fn migrations_are_versioned_and_idempotent() {
    for (name, db) in backends("migrations").await {
        assert_eq!(
            db.store.schema_versions().await.unwrap(),
            vec![1, 2],
            "{name}"
        );
        db.finish().await;
    }
    // Opening the same SQLite file again applies nothing twice.
    let path = std::env::temp_dir().join(format!("scrutin-{}.db", unique("reopen")));
    let url = format!("sqlite://{}", path.display());
    Store::open(&url).await.unwrap().close().await;
    let s = Store::open(&url).await.unwrap();
    assert_eq!(s.schema_versions().await.unwrap(), vec![1, 2]);
    s.close().await;
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn roll_import_eligibility_diff_and_freeze() {
    for (name, db) in backends("roll").await {
        let s = &db.store;
        create(s, "nec").await;
        let diff = import(s, "nec", ROLL).await.unwrap();
        assert_eq!(diff.version, 1);
        assert_eq!(diff.added.len(), 7, "{name}");
        assert!(diff.removed.is_empty() && diff.changed.is_empty());
        // clp: A3 joined after the freeze date, A4 in arrears.
        assert_eq!(diff.eligible[0], ("clp".to_string(), 5, 2), "{name}");
        let inel = s.ineligible("nec", "clp").await.unwrap();
        assert_eq!(inel.len(), 2);
        assert_eq!(inel[0].0, "A3");
        assert_eq!(
            inel[0].2,
            "joined 2017-12-01, after the freeze date 2017-11-19"
        );
        assert_eq!(inel[1].0, "A4");
        assert_eq!(
            inel[1].2,
            "in arrears: paid up to 2017-06-30, needed 2017-11-19"
        );
        // young-labour: under 27 on the close of voting (2018-01-12); only A2 (born 1995).
        assert_eq!(
            diff.eligible[1],
            ("young-labour".to_string(), 1, 6),
            "{name}"
        );
        let young = s.ineligible("nec", "young-labour").await.unwrap();
        assert!(young
            .iter()
            .any(|(id, _, why)| id == "A1" && why == "aged 27 on 2018-01-12, not under 27"));
        assert!(young
            .iter()
            .any(|(id, _, why)| id == "A7" && why.contains("no date of birth")));

        // Re-import: A7 gone, A8 new, A1's email changed.
        let second = ROLL
            .replace("A7,Gus Gray,,,2015-01-01,2018-12-31,,,Derby North\n", "")
            .replace("ann@example.org", "ann.able@example.org")
            + "A8,Hal Hunt,hal@example.org,,2016-01-01,2018-12-31,,,Derby North\n";
        let diff = import(s, "nec", &second).await.unwrap();
        assert_eq!(diff.version, 2);
        assert_eq!(diff.added, vec!["A8"]);
        assert_eq!(diff.removed, vec!["A7"]);
        assert_eq!(diff.changed, vec!["A1"]);

        // The fingerprint is SHA-256 of the canonical lines in member-id order, the same on
        // both databases.
        let fp = s.freeze_roll("nec").await.unwrap();
        let mut members = read(&second).members;
        members.sort_by(|a, b| a.id.cmp(&b.id));
        let canonical: String = members.iter().map(|m| m.canonical_line()).collect();
        assert_eq!(
            fp,
            format!("{:x}", Sha256::digest(canonical.as_bytes())),
            "{name}"
        );
        assert!(canonical.starts_with("A1\tAnn Able\tann.able@example.org\t\t2010-01-01\t2018-12-31\t1990-05-01\t\tBrighton Pavilion\n"));
        assert_eq!(s.freeze_roll("nec").await.unwrap(), fp);
        // Frozen: a re-import is refused and changes nothing.
        let err = import(s, "nec", ROLL).await.unwrap_err();
        assert!(err.to_string().contains("frozen"), "{err}");
        assert_eq!(s.roll_fingerprint("nec").await.unwrap(), fp);
        assert_eq!(s.election("nec").await.unwrap().roll_version, 2);
        db.finish().await;
    }
}

#[tokio::test]
async fn the_freeze_date_ends_imports_and_freezes_the_roll() {
    for (name, db) in backends("freezedate").await {
        let s = &db.store;
        create(s, "nec").await;
        // Nothing to freeze before a roll exists, whatever the day.
        assert_eq!(s.freeze_if_due("nec", d("2018-01-01")).await.unwrap(), None);
        import(s, "nec", ROLL).await.unwrap();
        // On the freeze date itself a re-import is accepted, and nothing is frozen yet.
        let second = ROLL.replace("ann@example.org", "ann.able@example.org");
        let diff = import_on(s, "nec", &second, d("2017-11-19")).await.unwrap();
        assert_eq!(diff.version, 2, "{name}");
        assert_eq!(s.freeze_if_due("nec", d("2017-11-19")).await.unwrap(), None);
        // The day after, an import is refused though freeze-roll was never run, and changes
        // nothing.
        let before = s.roll_fingerprint("nec").await.unwrap();
        let err = import_on(s, "nec", ROLL, d("2017-11-20"))
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("today, 2017-11-20, is after its freeze date 2017-11-19"),
            "{name}: {err}"
        );
        let e = s.election("nec").await.unwrap();
        assert_eq!(e.roll_version, 2);
        assert!(e.roll_sha256.is_none());
        assert_eq!(s.roll_fingerprint("nec").await.unwrap(), before);
        // The first command needing the frozen roll freezes it, once.
        let fp = s.freeze_if_due("nec", d("2017-11-20")).await.unwrap();
        assert_eq!(fp.as_deref(), Some(before.as_str()), "{name}");
        assert_eq!(s.freeze_if_due("nec", d("2017-11-21")).await.unwrap(), None);
        assert_eq!(
            s.election("nec").await.unwrap().roll_sha256.as_deref(),
            Some(before.as_str())
        );
        let log = s.log_entries("nec").await.unwrap();
        assert!(log
            .iter()
            .any(|(_, _, action, _, detail)| action == "freeze-roll"
                && detail.contains("the freeze date 2017-11-19 has passed")));
        db.finish().await;
    }
}

#[tokio::test]
async fn nominations_thresholds_limits_and_ballot_order() {
    for (name, db) in backends("nominations").await {
        let s = &db.store;
        create(s, "nec").await;
        import(s, "nec", ROLL).await.unwrap();
        let on = d("2017-11-01");
        let clps = [
            "Bath",
            "Derby North",
            "Hull North",
            "Leeds Central",
            "York Central",
        ];
        // A1 nominated by five CLPs: reaches the threshold.
        for clp in clps {
            s.nominate("nec", "clp", "A1", clp, "CLPs", on)
                .await
                .unwrap();
        }
        // A2 by three only.
        for clp in &clps[..3] {
            s.nominate("nec", "clp", "A2", clp, "CLPs", on)
                .await
                .unwrap();
        }
        // A5 by the same three and two more.
        for clp in &clps[3..] {
            s.nominate("nec", "clp", "A5", clp, "CLPs", on)
                .await
                .unwrap();
        }
        s.nominate("nec", "clp", "A5", "Bristol West", "CLPs", on)
            .await
            .unwrap();
        s.nominate("nec", "clp", "A5", "Cardiff Central", "CLPs", on)
            .await
            .unwrap();
        s.nominate("nec", "clp", "A5", "Ealing North", "CLPs", on)
            .await
            .unwrap();
        // Bath has nominated A1 and A2; a third is allowed (at most 3 each), a fourth is not.
        s.nominate("nec", "clp", "A6", "Bath", "CLPs", on)
            .await
            .unwrap();
        let err = s
            .nominate("nec", "clp", "A7", "Bath", "CLPs", on)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("already nominated"),
            "{name}: {err}"
        );
        // The same CLP twice for one candidate.
        let err = s
            .nominate("nec", "clp", "A1", "Derby North", "CLPs", on)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("already nominated Ann Able"),
            "{err}"
        );
        // A3 joined in 2017: not 12 months' membership at the close of nominations.
        let err = s
            .nominate("nec", "clp", "A3", "Leeds Central", "CLPs", on)
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("12 months' membership on 2017-11-19 (joined on or before 2016-11-19)"),
            "{err}"
        );
        // Outside the nomination period; a kind of body the section does not take.
        let err = s
            .nominate("nec", "clp", "A1", "Luton", "CLPs", d("2017-11-20"))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("not on 2017-11-20"), "{err}");
        let err = s
            .nominate("nec", "clp", "A1", "Unite", "affiliates", on)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("takes nominations from CLPs"),
            "{err}"
        );
        let err = s
            .nominate("nec", "clp", "ZZ", "Luton", "CLPs", on)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("not on the roll"), "{err}");

        // Ballot order needs nominations closed.
        assert!(s
            .draw_ballot_order("nec", "clp", BallotOrder::Alphabetical)
            .await
            .is_err());
        let closed = s.close_nominations("nec", "clp").await.unwrap();
        let by = |id: &str| closed.iter().find(|c| c.member_id == id).unwrap().clone();
        assert_eq!(by("A1").state, CandidateState::Valid, "{name}");
        assert_eq!(by("A1").nominations.get("CLPs"), Some(&5));
        assert_eq!(by("A5").state, CandidateState::Valid);
        assert_eq!(by("A2").state, CandidateState::Removed);
        assert_eq!(
            by("A2").reason.as_deref(),
            Some("did not reach the threshold (5 CLPs): has 3 CLPs")
        );
        let err = s
            .nominate("nec", "clp", "A2", "Luton", "CLPs", on)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("closed"), "{err}");

        let order = s
            .draw_ballot_order("nec", "clp", BallotOrder::Lot(2018))
            .await
            .unwrap();
        let on_ballot: Vec<(i64, &str)> = order
            .iter()
            .filter(|c| c.state == CandidateState::OnBallot)
            .map(|c| (c.ballot_position.unwrap(), c.member_id.as_str()))
            .collect();
        // Two candidates; the order is ChaCha20's draw from seed 2018 (the same everywhere).
        let lot = scrutin_core::tie::LotOrder::from_seed(2, 2018);
        let alphabetical = ["A1", "A5"]; // Able, Eng
        let expect: Vec<(i64, &str)> = lot
            .order
            .iter()
            .enumerate()
            .map(|(i, c)| (i as i64 + 1, alphabetical[c.index()]))
            .collect();
        assert_eq!(on_ballot, expect, "{name}");
        let log = s.log_entries("nec").await.unwrap();
        assert!(log
            .iter()
            .any(|(_, _, a, _, d)| a == "ballot-order" && d.contains("lot, seed 2018")));
        assert!(s
            .draw_ballot_order("nec", "clp", BallotOrder::Alphabetical)
            .await
            .is_err());
        // A withdrawal after the order is fixed is recorded.
        s.withdraw("nec", "clp", "A5", "withdrew on 2017-12-01", false)
            .await
            .unwrap();
        let after = s.candidates("nec", "clp").await.unwrap();
        assert_eq!(
            after.iter().find(|c| c.member_id == "A5").unwrap().state,
            CandidateState::Withdrawn
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn credentials_issue_verify_reissue_remind_and_status() {
    for (name, db) in backends("credentials").await {
        let s = &db.store;
        create(s, "nec").await;
        import(s, "nec", ROLL).await.unwrap();
        // Not before the roll is frozen.
        let err = s
            .issue_credential("nec", "A1", Channel::Email, None)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("not frozen"), "{err}");
        s.freeze_roll("nec").await.unwrap();
        let voters = s.voters("nec", true).await.unwrap();
        let ch = |id: &str| voters.iter().find(|v| v.member_id == id).map(|v| v.channel);
        assert_eq!(ch("A1"), Some(Some(Channel::Email)), "{name}");
        assert_eq!(ch("A2"), Some(Some(Channel::Email)));
        assert_eq!(
            ch("A3"),
            None,
            "joined after the freeze date; no date of birth for young-labour"
        );
        assert_eq!(ch("A4"), None, "in arrears everywhere: not a voter");
        assert_eq!(
            ch("A5"),
            Some(Some(Channel::Postal)),
            "shared email, has an address"
        );
        assert_eq!(
            ch("A6"),
            Some(None),
            "shared email, no address: unreachable"
        );
        assert_eq!(ch("A7"), Some(None), "no contact");

        let first = s
            .issue_credential("nec", "A1", Channel::Email, None)
            .await
            .unwrap();
        s.mark_delivered("nec", "A1", first.serial).await.unwrap();
        let code = first.code.expose_secret().to_string();
        assert_eq!(
            s.verify_credential("nec", &code).await.unwrap().as_deref(),
            Some("A1")
        );
        assert_eq!(
            s.verify_credential("nec", &code.to_lowercase().replace('-', ""))
                .await
                .unwrap()
                .as_deref(),
            Some("A1")
        );
        assert_eq!(
            s.verify_credential("nec", "00000-00000-00000-00000-00000")
                .await
                .unwrap(),
            None
        );
        assert_eq!(s.verify_credential("nec", "nonsense").await.unwrap(), None);
        // Not eligible: no credential.
        assert!(s
            .issue_credential("nec", "A4", Channel::Email, None)
            .await
            .is_err());

        // Re-issue: the old code stops working, the new one works, the log says so.
        let second = s
            .issue_credential("nec", "A1", Channel::Email, Some("lost"))
            .await
            .unwrap();
        assert_eq!(second.serial, 2);
        assert_eq!(
            s.verify_credential("nec", &code).await.unwrap(),
            None,
            "{name}"
        );
        assert_eq!(
            s.verify_credential("nec", second.code.expose_secret())
                .await
                .unwrap()
                .as_deref(),
            Some("A1")
        );
        let log = s.log_entries("nec").await.unwrap();
        let re = log.iter().find(|(_, _, a, _, _)| a == "reissue").unwrap();
        assert_eq!(re.3.as_deref(), Some("A1"));
        assert!(
            re.4.contains("1 earlier credential revoked; reason: lost"),
            "{}",
            re.4
        );
        // The code itself is nowhere in the log.
        assert!(!log
            .iter()
            .any(|e| e.4.contains(second.code.expose_secret())));
        s.mark_delivered("nec", "A1", second.serial).await.unwrap();

        // Status: zero turnout, then one online vote.
        let st = s.status("nec").await.unwrap();
        assert_eq!(st.members, 7);
        assert_eq!(st.contests[0].electors, 5);
        assert_eq!((st.contests[0].online, st.contests[0].postal), (0, 0));
        assert_eq!(st.credentials[0], ("email".to_string(), 1, 1));
        let b = s
            .issue_credential("nec", "A2", Channel::Email, None)
            .await
            .unwrap();
        s.mark_delivered("nec", "A2", b.serial).await.unwrap();
        // A1 may vote only in clp; A2 in clp and young-labour.
        let remind: Vec<String> = s
            .to_remind("nec")
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.member_id)
            .collect();
        assert_eq!(remind, vec!["A1", "A2"]);
        s.record_turnout("nec", "clp", "A1", Channel::Email)
            .await
            .unwrap();
        s.record_turnout("nec", "clp", "A2", Channel::Email)
            .await
            .unwrap();
        let err = s
            .record_turnout("nec", "clp", "A1", Channel::Email)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("already voted"));
        assert!(s
            .record_turnout("nec", "clp", "A4", Channel::Email)
            .await
            .is_err());
        let remind: Vec<String> = s
            .to_remind("nec")
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.member_id)
            .collect();
        assert_eq!(
            remind,
            vec!["A2"],
            "{name}: A2 has not voted in young-labour"
        );
        let st = s.status("nec").await.unwrap();
        assert_eq!(st.contests[0].online, 2);
        assert_eq!(st.contests[1].online, 0);
        db.finish().await;
    }
}

#[tokio::test]
async fn create_refuses_what_cannot_be_run() {
    for (_name, db) in backends("create").await {
        let s = &db.store;
        let mut e = NewElection {
            id: "x",
            title: "t",
            constitution: BODY,
            constitution_file: "body.toml",
            sections: vec!["plp-eplp".into()],
            dates: dates(),
        };
        let err = s.create_election(&e).await.unwrap_err().to_string();
        assert!(err.contains("caucus"), "{err}");
        e.sections = vec!["leader".into()];
        assert!(s
            .create_election(&e)
            .await
            .unwrap_err()
            .to_string()
            .contains("not elected"));
        e.sections = vec!["nope".into()];
        assert!(s
            .create_election(&e)
            .await
            .unwrap_err()
            .to_string()
            .contains("no section \"nope\""));
        e.sections = vec!["clp".into()];
        e.dates.voting_close = d("2017-12-01");
        assert!(s
            .create_election(&e)
            .await
            .unwrap_err()
            .to_string()
            .contains("voting opens after it closes"));
        e.dates = dates();
        s.create_election(&e).await.unwrap();
        assert!(s
            .create_election(&e)
            .await
            .unwrap_err()
            .to_string()
            .contains("already"));
        assert_eq!(s.elections().await.unwrap(), vec!["x"]);
        db.finish().await;
    }
}

//! Voting against real databases (SQLite always, PostgreSQL when configured): the poll's
//! life, one member one vote, postal batches, the hash chain, counting with the section's
//! constraint, and that the stored ballots cannot be joined to voters.

use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use scrutin_record::ballot::Ballot;
use scrutin_store::rules::{contests, ElectionDates};
use scrutin_store::{
    roll, BallotOrder, Channel, Date, NewElection, PollState, Revote, Store, StoreError,
};

mod common;
use common::backends;

const BODY: &str = include_str!("../../../examples/demo/body.toml");

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn dates() -> ElectionDates {
    ElectionDates {
        nominations_open: d("2026-09-01"),
        nominations_close: d("2026-10-01"),
        freeze_date: d("2026-10-01"),
        paid_up_date: d("2026-10-01"),
        voting_open: d("2026-11-01"),
        voting_close: d("2026-12-15"),
    }
}

fn sections() -> Vec<String> {
    vec!["clp".into(), "youth".into()]
}

/// 30 members: M01..M30; odd numbers are women; M25..M30 are under 27 (youth voters).
fn roll_csv() -> String {
    let mut s = String::from(
        "id,name,email,address,joined,paid_up_to,date_of_birth,self_declared,branch\n",
    );
    for k in 1..=30 {
        let gender = if k % 2 == 1 { "woman" } else { "man" };
        let born = if k >= 25 { "2004-03-01" } else { "1970-03-01" };
        s.push_str(&format!(
            "M{k:02},Member {k:02},m{k}@example.org,,2020-01-01,2027-01-01,{born},gender={gender},Branch {}\n",
            k % 5
        ));
    }
    s
}

/// An election with 11 CLP candidates (M01..M11, six women) and 3 youth candidates, the
/// roll frozen, every member's code issued and the poll open. Returns the codes by member.
async fn ready(s: &Store, id: &str, revote: Revote, seal_every: u64) -> Vec<(String, String)> {
    s.create_election(&NewElection {
        id,
        title: "NEC demo",
        constitution: BODY,
        constitution_file: "body.toml",
        sections: sections(),
        dates: dates(),
    })
    .await
    .unwrap();
    let body = scrutin_body::Constitution::parse(BODY, "body.toml").unwrap();
    let cs = contests(&body, &sections(), &dates()).unwrap();
    let text = roll_csv();
    let r = roll::read(text.as_bytes(), "roll.csv", &cs).unwrap();
    let sha = format!("{:x}", Sha256::digest(text.as_bytes()));
    s.import_roll(id, &r, "roll.csv", &sha, d("2026-09-15"), &mut |_| {})
        .await
        .unwrap();
    for k in 1..=11 {
        s.nominate(
            id,
            "clp",
            &format!("M{k:02}"),
            &format!("Branch {}", k % 2),
            "CLPs",
            d("2026-09-20"),
        )
        .await
        .unwrap();
    }
    for k in 25..=27 {
        s.nominate(
            id,
            "youth",
            &format!("M{k:02}"),
            "Branch 2",
            "CLPs",
            d("2026-09-20"),
        )
        .await
        .unwrap();
    }
    for sec in ["clp", "youth"] {
        s.close_nominations(id, sec).await.unwrap();
        s.draw_ballot_order(id, sec, BallotOrder::Alphabetical)
            .await
            .unwrap();
    }
    s.freeze_roll(id).await.unwrap();
    let mut codes = Vec::new();
    for k in 1..=30 {
        let m = format!("M{k:02}");
        let issued = s
            .issue_credential(id, &m, Channel::Email, None)
            .await
            .unwrap();
        codes.push((m, issued.code.expose_secret().to_string()));
    }
    let refused = s.cast(id, &codes[0].1, "clp", Ballot(vec![1])).await;
    assert!(
        matches!(&refused, Err(StoreError::Refused(m)) if m.contains("setup")),
        "no ballot before the poll opens: {refused:?}"
    );
    s.set_seal_every(id, seal_every).await.unwrap();
    s.open_poll(id, revote).await.unwrap();
    codes
}

fn b(v: &[u32]) -> Ballot {
    Ballot(v.to_vec())
}

#[tokio::test]
async fn a_whole_poll_online_and_postal_counted_with_the_sections_rules() {
    for (name, db) in backends("voting").await {
        let s = &db.store;
        let codes = ready(s, "nec", Revote::FirstStands, 20).await;
        let code = |m: usize| codes[m - 1].1.as_str();
        let paper = s.ballot_paper("nec", "clp").await.unwrap();
        assert_eq!(paper.candidates.len(), 11, "{name}");
        assert_eq!(paper.seats, 9);

        // The voter's contests: M25 is under 27 and votes in both.
        let vc = s.voter_contests("nec", code(25)).await.unwrap().unwrap();
        assert_eq!(vc.len(), 2, "{name}");
        assert!(s
            .voter_contests("nec", "not-a-code")
            .await
            .unwrap()
            .is_none());

        // A ballot that does not fit the paper is refused and changes nothing.
        let err = s.cast("nec", code(1), "clp", b(&[1, 1])).await.unwrap_err();
        assert!(err.to_string().contains("appears twice"), "{err}");
        assert_eq!(s.box_status("nec").await.unwrap().entries, 0);

        // Twenty members vote online in the CLP section.
        let mut trackers = Vec::new();
        for m in 1..=20usize {
            let pref: Vec<u32> = (0..11).map(|k| ((m + k) % 11) as u32 + 1).collect();
            let r = s.cast("nec", code(m), "clp", Ballot(pref)).await.unwrap();
            assert_eq!(r.tracker.len(), 19);
            trackers.push(r.tracker);
        }
        // One member, one vote: the first ballot stands.
        let again = s.cast("nec", code(3), "clp", b(&[2])).await.unwrap_err();
        assert!(
            again.to_string().contains("already voted")
                && again.to_string().contains("first ballot stands"),
            "{name}: {again}"
        );
        // M01 may not vote in the youth section.
        let err = s.cast("nec", code(1), "youth", b(&[1])).await.unwrap_err();
        assert!(err.to_string().contains("does not give a vote"), "{err}");
        s.cast("nec", code(25), "youth", b(&[2, 1])).await.unwrap();

        // Postal statements: M03 voted online (refused for clp), M21..M24 accepted; M26 in
        // both sections; "X99" is not on the roll.
        let members: Vec<String> = ["M03", "M21", "M22", "M23", "M24", "M26", "X99"]
            .iter()
            .map(|m| m.to_string())
            .collect();
        let rec = s.receive_postal("nec", "B1", &members).await.unwrap();
        assert_eq!(rec.accepted.get("clp"), Some(&5), "{name}: {rec:?}");
        assert_eq!(rec.accepted.get("youth"), Some(&1));
        let refused: Vec<(&str, &str)> = rec
            .refused
            .iter()
            .map(|r| (r.member_id.as_str(), r.reason.as_str()))
            .collect();
        assert!(
            refused.contains(&(
                "M03",
                "has already voted in CLP representatives (members' section) online"
            )),
            "{refused:?}"
        );
        assert!(refused
            .iter()
            .any(|(m, why)| *m == "X99" && why.contains("not on the roll")));
        // And an online ballot after a postal one is refused.
        let err = s.cast("nec", code(21), "clp", b(&[1])).await.unwrap_err();
        assert!(err.to_string().contains("by post"), "{err}");
        // Closing with a batch not entered is refused.
        let err = s.close_poll("nec").await.unwrap_err();
        assert!(err.to_string().contains("B1 (clp)"), "{err}");
        // The batch total must agree.
        let four = vec![b(&[1, 2]), b(&[3]), b(&[5, 4]), b(&[7])];
        let err = s
            .enter_postal("nec", "B1", "clp", four.clone(), 0)
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("5 statements were accepted but 4 ballots were given"),
            "{err}"
        );
        let err = s
            .enter_postal("nec", "B1", "clp", four.clone(), 2)
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("but 4 ballots and 2 rejected papers"),
            "{err}"
        );
        let bad = vec![b(&[1]), b(&[1]), b(&[1]), b(&[12])];
        let err = s
            .enter_postal("nec", "B1", "clp", bad, 1)
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("ballot 4: there is no candidate 12"),
            "{err}"
        );
        // Four ballots and one rejected paper (unmarked) make the batch's five.
        assert_eq!(
            s.enter_postal("nec", "B1", "clp", four.clone(), 1)
                .await
                .unwrap(),
            4
        );
        assert!(
            s.enter_postal("nec", "B1", "clp", four, 1).await.is_err(),
            "entered twice"
        );
        s.enter_postal("nec", "B1", "youth", vec![b(&[3])], 0)
            .await
            .unwrap();

        // The box: 20 + 1 + 4 + 1 ballots, the first twenty sealed (seal_every = 20), a chain
        // that checks, trackers that find ballots.
        let st = s.box_status("nec").await.unwrap();
        assert_eq!((st.entries, st.pending), (20, 6), "{name}");
        assert_eq!(s.check_chain("nec").await.unwrap(), 20);
        let t = s
            .track("nec", &trackers[4].to_lowercase())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            t.entry.ballot.0[0], 6,
            "{name}: M05's first preference is candidate 6"
        );
        assert!(s
            .track("nec", "0000-0000-0000-0000")
            .await
            .unwrap()
            .is_none());

        // Turnout per channel equals the ballots per contest.
        let turnout = s.turnout("nec").await.unwrap();
        let t: Vec<_> = turnout
            .iter()
            .map(|t| {
                (
                    t.section_id.as_str(),
                    t.electors,
                    t.online,
                    t.postal,
                    t.rejected_postal,
                )
            })
            .collect();
        assert_eq!(
            t,
            vec![("clp", 30, 20, 5, 1), ("youth", 6, 1, 1, 0)],
            "{name}"
        );

        // Secrecy: the ballot box holds no voter id, no code, no time; turnout holds the day.
        for table in ["ballot_box"] {
            let dump = common::dump(&db.cleanup, table).await;
            let fields: Vec<&str> = dump.split([',', '\n']).collect();
            for (m, c) in &codes {
                assert!(!fields.contains(&m.as_str()), "{name}: {table} names {m}");
                assert!(!dump.contains(c.as_str()), "{name}: {table} holds a code");
            }
            assert!(
                !dump.contains("2026-"),
                "{name}: {table} holds a date: {dump}"
            );
        }
        let turnout_dump = common::dump(&db.cleanup, "turnout").await;
        assert!(
            !turnout_dump.contains('T') || !turnout_dump.contains(':'),
            "{name}: a time in turnout: {turnout_dump}"
        );

        // Close, count with the section's rules (ERS97, at least four women), publish.
        assert!(
            s.count("nec").await.is_err(),
            "counting an open poll is refused"
        );
        let closed = s.close_poll("nec").await.unwrap();
        assert_eq!(closed.state, PollState::Closed);
        assert_eq!((closed.entries, closed.pending), (26, 0), "{name}");
        assert!(
            s.cast("nec", code(30), "clp", b(&[1])).await.is_err(),
            "the box is closed"
        );
        let results = s.count("nec").await.unwrap();
        assert_eq!(results.len(), 2);
        let clp = &results[0];
        assert_eq!(clp.report.elected.len(), 9, "{name}");
        assert_eq!(clp.report.valid_ballots, "24");
        let women = clp
            .spec
            .candidates
            .iter()
            .filter(|c| c.attributes.get("gender").map(String::as_str) == Some("woman"))
            .filter(|c| clp.report.elected.contains(&c.name))
            .count();
        assert!(women >= 4, "{name}: {women} women elected");
        assert_eq!(clp.spec.min, vec!["gender=woman:4".to_string()]);
        // The same count again gives the same report (the lot's seed is the closed head).
        let again = s.count("nec").await.unwrap();
        assert_eq!(again[0].report, clp.report);
        assert_eq!(results[1].report.valid_ballots, "2");
        assert!(s.results("nec").await.unwrap().iter().all(|r| !r.published));
        // Publish: the signed record is written and verifies independently.
        let (secret, public) = scrutin_record::keys::generate().unwrap();
        let key = scrutin_record::keys::signing_key_from_hex(&secret).unwrap();
        let dir = std::env::temp_dir().join(common::unique("records"));
        let published = s.publish("nec", &dir, &key).await.unwrap();
        let t = published.manifest.contests[0].turnout;
        assert_eq!(
            (t.online, t.postal, t.rejected_postal),
            (20, 4, 1),
            "{name}"
        );
        let verified = scrutin_record::verify(
            &published.dir,
            &scrutin_record::VerifyOptions {
                public_key: Some(public.clone()),
                head: Some(closed.head.clone()),
            },
        )
        .unwrap_or_else(|d| panic!("{name}: {d}"));
        assert!(!verified.checks.is_empty());
        scrutin_record::verify(&published.archive, &Default::default())
            .unwrap_or_else(|d| panic!("{name}: archive: {d}"));
        assert!(
            s.publish("nec", &dir, &key).await.is_err(),
            "published twice"
        );
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(s.results("nec").await.unwrap().iter().all(|r| r.published));
        assert_eq!(
            s.box_status("nec").await.unwrap().state,
            PollState::Published
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn last_ballot_counts_replaces_atomically_under_concurrency() {
    for (name, db) in backends("revote").await {
        let s = std::sync::Arc::new(db.store);
        // Sealing each ballot as it comes: a replacement is a new entry naming the old one.
        let codes = ready(&s, "nec", Revote::LastCounts, 1).await;
        let first = s.cast("nec", &codes[0].1, "clp", b(&[1, 2])).await.unwrap();
        assert!(first.sealed);
        let second = s.cast("nec", &codes[0].1, "clp", b(&[3])).await.unwrap();
        assert_eq!(
            second.replaced.as_deref(),
            Some(first.tracker.as_str()),
            "{name}"
        );
        assert!(
            s.track("nec", &first.tracker)
                .await
                .unwrap()
                .unwrap()
                .replaced
        );
        // Eight ballots of one voter at once: each replaces exactly one, one is left.
        let mut tasks = Vec::new();
        for k in 0..8u32 {
            let s = s.clone();
            let c = codes[1].1.clone();
            tasks.push(tokio::spawn(async move {
                s.cast("nec", &c, "clp", b(&[k + 1])).await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let entries = s.entries("nec").await.unwrap();
        assert_eq!(entries.len(), 10, "{name}");
        let live: Vec<_> = entries.iter().filter(|(_, replaced)| !replaced).collect();
        assert_eq!(live.len(), 2, "{name}: one live ballot per voter");
        assert_eq!(s.check_chain("nec").await.unwrap(), 10);
        assert_eq!(s.turnout("nec").await.unwrap()[0].online, 2, "two voters");
        let s = std::sync::Arc::into_inner(s).expect("tasks done");
        common::Db::finish_store(s, db.cleanup).await;
    }
}

#[tokio::test]
async fn ballots_are_sealed_in_batches_in_a_random_order() {
    for (name, db) in backends("sealing").await {
        let s = &db.store;
        let codes = ready(s, "nec", Revote::LastCounts, 12).await;
        // Eleven ballots wait in the pool; the chain is empty and its head unchanged.
        let mut cast = Vec::new();
        for (m, c) in codes.iter().take(11) {
            let r = s.cast("nec", c, "clp", b(&[1])).await.unwrap();
            assert!(!r.sealed, "{name}: {m}");
            cast.push(r.tracker);
        }
        let st = s.box_status("nec").await.unwrap();
        assert_eq!((st.entries, st.pending), (0, 11), "{name}");
        let pending = s.track("nec", &cast[3]).await.unwrap().unwrap();
        assert!(pending.pending && pending.seq == 0);
        // A voter who votes again while their ballot waits: it leaves the pool unsealed.
        let again = s.cast("nec", &codes[0].1, "clp", b(&[2])).await.unwrap();
        assert_eq!(again.replaced.as_deref(), Some(cast[0].as_str()));
        assert!(s.track("nec", &cast[0]).await.unwrap().is_none());
        cast[0] = again.tracker;
        // The twelfth seals all twelve, in an order that is not the order of casting.
        let r = s.cast("nec", &codes[11].1, "clp", b(&[2])).await.unwrap();
        assert!(r.sealed, "{name}");
        cast.push(r.tracker);
        let sealed: Vec<String> = s
            .entries("nec")
            .await
            .unwrap()
            .into_iter()
            .map(|(e, _)| e.tracker)
            .collect();
        assert_eq!(sealed.len(), 12, "{name}");
        let mut a = sealed.clone();
        let mut b2 = cast.clone();
        a.sort();
        b2.sort();
        assert_eq!(a, b2, "{name}: the same ballots");
        assert_ne!(
            sealed, cast,
            "{name}: sealed in the order cast (chance 1 in 12!)"
        );
        assert_eq!(s.box_status("nec").await.unwrap().pending, 0);
        // On PostgreSQL every row version carries its writer's transaction id: once sealed,
        // the twelve voters' turnout rows and the twelve ballots share the sealing one, so
        // the ids link a voter to the batch and no closer.
        if let common::Cleanup::Schema(..) = db.cleanup {
            let t = common::query(&db.cleanup, "SELECT DISTINCT xmin::text FROM turnout").await;
            let b = common::query(&db.cleanup, "SELECT DISTINCT xmin::text FROM ballot_box").await;
            assert_eq!(t.lines().count(), 1, "{name}: {t}");
            assert_eq!(t, b, "{name}: the batch shares one transaction id");
        }
        // Closing seals what is left.
        s.cast("nec", &codes[12].1, "clp", b(&[3])).await.unwrap();
        let closed = s.close_poll("nec").await.unwrap();
        assert_eq!((closed.entries, closed.pending), (13, 0), "{name}");
        assert_eq!(s.check_chain("nec").await.unwrap(), 13);
        db.finish().await;
    }
}

//! The voter's pages against real databases: code → contests → ballot (with validation) →
//! review → cast → tracker, one member one vote, last-ballot-counts, and the tracker page.

mod common;

use axum::http::StatusCode;
use common::*;
use scrutin_store::Revote;

/// The tracker shown on a confirmation page.
fn tracker_of(p: &Page) -> String {
    p.between("<p class=\"tracker\">", "</p>")
        .expect("the confirmation shows the tracker")
}

#[tokio::test]
async fn a_ranked_ballot_from_code_to_tracker() {
    for db in backends("ranked").await {
        let name = db.name;
        let store = db.store.clone();
        let codes = open(
            &store,
            "soc",
            SMALL,
            &["exec", "panel"],
            Revote::FirstStands,
        )
        .await;
        let records = tempfile::tempdir().unwrap();
        let mut c = Client::new(store.clone(), config(records.path()));
        let code = codes["V01"].clone();

        // The link in the email pre-fills the code form; the page is secret-safe.
        let p = c.get(&format!("/e/soc/vote?code={code}")).await;
        assert_eq!(p.status, StatusCode::OK, "{name}");
        assert!(p.has(&format!("value=\"{code}\"")), "{name}: pre-filled");
        assert!(p.has("<html lang=\"en\">") && p.has("<label for=\"code\">"));
        assert_eq!(p.headers["referrer-policy"], "same-origin");
        assert_eq!(p.headers["cache-control"], "no-store");
        assert!(p.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'"));

        // An invalid code is refused, and what was typed is kept.
        let p = c
            .post("/e/soc/vote", &[("code", "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE")])
            .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{name}");
        assert!(p.has("role=\"alert\"") && p.has("was not recognised"));
        assert!(p.has("value=\"AAAAA-BBBBB-CCCCC-DDDDD-EEEEE\""));
        let p = c
            .post(
                "/e/soc/vote/ballot",
                &[("code", "nonsense"), ("section", "exec")],
            )
            .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{name}");

        // The contests: both, neither voted.
        let p = c.post("/e/soc/vote", &[("code", code.as_str())]).await;
        assert_eq!(p.status, StatusCode::OK, "{name}: {}", p.body);
        assert!(p.has("Executive committee") && p.has("Appeals panel"));
        assert_eq!(p.body.matches("not voted yet").count(), 2);
        assert!(
            p.has(&format!("name=\"code\" value=\"{code}\"")),
            "hidden code"
        );

        // The ballot form: a fieldset and legend, a labelled select per candidate.
        let p = c
            .post(
                "/e/soc/vote/ballot",
                &[("code", &code), ("section", "exec")],
            )
            .await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(
            p.has("<fieldset id=\"ballot\"")
                && p.has("<legend><h1 class=\"legend-heading\">Executive committee</h1></legend>")
        );
        // Alphabetical by surname: Archer, Brown, Clark, Dutta.
        for (i, n) in ["Alice Archer", "Ben Brown", "Chloe Clark", "Dev Dutta"]
            .iter()
            .enumerate()
        {
            assert!(
                p.has(&format!("<label for=\"c{}\">{n}</label>", i + 1)),
                "{n}"
            );
        }

        // A number used twice: the error summary links to the field, the choices are kept.
        let dup = [
            ("code", code.as_str()),
            ("section", "exec"),
            ("c1", "1"),
            ("c2", "1"),
            ("c3", "2"),
        ];
        let p = c.post("/e/soc/vote/review", &dup).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(p.has("class=\"error-summary\" role=\"alert\""));
        assert!(p.has("href=\"#c1\""));
        assert!(p.has("You gave the number 1 to both Alice Archer and Ben Brown"));
        assert!(p.has("<title>Error: Executive committee"));
        let kept = |p: &Page, field: &str, v: &str| {
            let sel = p
                .between(&format!("<select id=\"{field}\""), "</select>")
                .unwrap();
            sel.contains(&format!("<option value=\"{v}\" selected>"))
        };
        assert!(kept(&p, "c1", "1") && kept(&p, "c2", "1") && kept(&p, "c3", "2"));

        // A gap (1, 2, 4).
        let gap = [
            ("code", code.as_str()),
            ("section", "exec"),
            ("c1", "1"),
            ("c2", "2"),
            ("c4", "4"),
        ];
        let p = c.post("/e/soc/vote/review", &gap).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            p.has("You used the numbers 1, 2 and 4 but not 3"),
            "{}",
            p.body
        );
        assert!(kept(&p, "c4", "4"));
        // Nothing numbered.
        let p = c
            .post(
                "/e/soc/vote/review",
                &[("code", &code), ("section", "exec")],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.has("Number at least one candidate"));

        // A good ballot: Dutta 1, Archer 2, Clark 3. The review lists names in that order.
        let good = [
            ("code", code.as_str()),
            ("section", "exec"),
            ("c4", "1"),
            ("c1", "2"),
            ("c3", "3"),
        ];
        let p = c.post("/e/soc/vote/review", &good).await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.body);
        let list = p.between("<ol>", "</ol>").unwrap();
        assert_eq!(
            list,
            "<li>Dev Dutta</li><li>Alice Archer</li><li>Chloe Clark</li>"
        );
        assert!(p.has("Cast my vote") && p.has(">Change<"));
        // "Change" shows the form again with the choices.
        let p = c.post("/e/soc/vote/ballot", &good).await;
        assert!(kept(&p, "c4", "1") && kept(&p, "c3", "3"));

        // Cast: the tracker.
        let p = c.post("/e/soc/vote/cast", &good).await;
        assert_eq!(p.status, StatusCode::OK, "{name}: {}", p.body);
        assert!(p.has("Your vote has been cast"));
        let tracker = tracker_of(&p);
        assert_eq!(tracker.len(), 19, "{tracker}");
        assert!(p.has(&format!("/e/soc/track?t={tracker}")));
        assert!(p.has("You still have a vote in Appeals panel"));
        assert!(p.has("waits, with others, to be sealed"));

        // The tracker page shows the ballot as recorded, in preference order.
        let p = c
            .get(&format!("/e/soc/track?t={}", tracker.to_lowercase()))
            .await;
        assert_eq!(p.status, StatusCode::OK, "{name}");
        assert!(p.has("Executive committee"));
        let list = p.between("<ol>", "</ol>").unwrap();
        assert_eq!(
            list,
            "<li>Dev Dutta</li><li>Alice Archer</li><li>Chloe Clark</li>"
        );
        assert!(p.has("online"));
        assert!(
            p.has("waiting to be sealed"),
            "sealed in groups of 20 by default"
        );
        // An unknown tracker says so.
        let p = c.get("/e/soc/track?t=0000-0000-0000-0000").await;
        assert_eq!(p.status, StatusCode::NOT_FOUND);
        assert!(p.has("No ballot with that tracker"));

        // One member, one vote: the contest list says voted; a second ballot is refused.
        let p = c.post("/e/soc/vote", &[("code", code.as_str())]).await;
        assert_eq!(p.body.matches("you have voted").count(), 1);
        let p = c
            .post(
                "/e/soc/vote/ballot",
                &[("code", &code), ("section", "exec")],
            )
            .await;
        assert_eq!(p.status, StatusCode::CONFLICT);
        assert!(p.has("You have already voted in Executive committee; your first ballot stands."));
        let p = c.post("/e/soc/vote/cast", &good).await;
        assert_eq!(p.status, StatusCode::CONFLICT);
        assert!(p.has("your first ballot stands"));
        let st = store.box_status("soc").await.unwrap();
        assert_eq!(st.entries + st.pending, 1);

        // The public page shows turnout and the box.
        let p = c.get("/e/soc").await;
        assert!(p.has("<td class=\"num\">1</td>"), "turnout 1");
        assert!(p.has(&store.box_status("soc").await.unwrap().head));
        assert!(p.has("Waiting to be sealed") && p.has("in groups of 20"));
        db.finish().await;
    }
}

#[tokio::test]
async fn a_block_vote_counts_marks() {
    for db in backends("block").await {
        let name = db.name;
        let store = db.store.clone();
        let codes = open(
            &store,
            "soc",
            SMALL,
            &["exec", "panel"],
            Revote::FirstStands,
        )
        .await;
        let records = tempfile::tempdir().unwrap();
        let mut c = Client::new(store.clone(), config(records.path()));
        let code = codes["V02"].clone();
        let p = c
            .post(
                "/e/soc/vote/ballot",
                &[("code", &code), ("section", "panel")],
            )
            .await;
        assert!(
            p.has("type=\"checkbox\"") && p.has("Mark up to 2 candidates."),
            "{name}"
        );
        // Too many marks: refused, and the marks are kept.
        let three = [
            ("code", code.as_str()),
            ("section", "panel"),
            ("c1", "x"),
            ("c2", "x"),
            ("c4", "x"),
        ];
        let p = c.post("/e/soc/vote/review", &three).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(p.has("You marked 3 candidates, but you may mark no more than 2. Remove 1 mark."));
        assert_eq!(p.body.matches(" checked>").count(), 3, "{}", p.body);
        let p = c
            .post(
                "/e/soc/vote/review",
                &[("code", &code), ("section", "panel")],
            )
            .await;
        assert!(p.has("Mark at least one candidate (up to 2)."));
        // Two marks: cast.
        let two = [
            ("code", code.as_str()),
            ("section", "panel"),
            ("c4", "x"),
            ("c2", "x"),
        ];
        let p = c.post("/e/soc/vote/review", &two).await;
        assert_eq!(p.status, StatusCode::OK);
        let marked = p.between("<ul><li>", "</ul>").unwrap();
        assert!(
            marked.contains("Ben Brown") && marked.contains("Dev Dutta"),
            "{marked}"
        );
        assert!(!marked.contains("Alice Archer") && !marked.contains("Chloe Clark"));
        let p = c.post("/e/soc/vote/cast", &two).await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.body);
        let t = tracker_of(&p);
        let tracked = store.track("soc", &t).await.unwrap().unwrap();
        assert_eq!(tracked.entry.ballot.0, vec![2, 4]);
        db.finish().await;
    }
}

#[tokio::test]
async fn the_nec_block_vote_of_nine_marks() {
    for db in backends("nec").await {
        let name = db.name;
        let store = db.store.clone();
        let codes = open(&store, "nec", NEC, &["clp"], Revote::FirstStands).await;
        let records = tempfile::tempdir().unwrap();
        let mut c = Client::new(store.clone(), config(records.path()));
        let code = codes["V03"].clone();
        let p = c
            .post("/e/nec/vote/ballot", &[("code", &code), ("section", "clp")])
            .await;
        assert_eq!(p.status, StatusCode::OK, "{name}: {}", p.body);
        assert!(p.has("Mark up to 9 candidates.") && p.has("9 seats are to be filled."));
        let all = [
            ("code", code.as_str()),
            ("section", "clp"),
            ("c1", "x"),
            ("c2", "x"),
            ("c3", "x"),
            ("c4", "x"),
        ];
        let p = c.post("/e/nec/vote/cast", &all).await;
        assert_eq!(p.status, StatusCode::OK, "{name}: {}", p.body);
        assert!(p.has("You have voted in every contest open to you"));
        db.finish().await;
    }
}

#[tokio::test]
async fn under_last_ballot_counts_a_new_ballot_replaces_the_first() {
    for db in backends("last").await {
        let name = db.name;
        let store = db.store.clone();
        let codes = setup(&store, "soc", SMALL, &["exec", "panel"]).await;
        // Each ballot sealed into the chain at once, so that the replaced one stays visible.
        store.set_seal_every("soc", 1).await.unwrap();
        store.open_poll("soc", Revote::LastCounts).await.unwrap();
        let records = tempfile::tempdir().unwrap();
        let mut c = Client::new(store.clone(), config(records.path()));
        let code = codes["V04"].clone();
        let first = [("code", code.as_str()), ("section", "exec"), ("c1", "1")];
        let p = c.post("/e/soc/vote/cast", &first).await;
        assert_eq!(p.status, StatusCode::OK, "{name}");
        let t1 = tracker_of(&p);
        // The contest list offers to vote again, and says what it means.
        let p = c.post("/e/soc/vote", &[("code", code.as_str())]).await;
        assert!(p.has("Vote again") && p.has("only your last ballot counts"));
        let p = c
            .post(
                "/e/soc/vote/ballot",
                &[("code", &code), ("section", "exec")],
            )
            .await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.has("If you cast this ballot it replaces your earlier one"));
        let second = [
            ("code", code.as_str()),
            ("section", "exec"),
            ("c2", "1"),
            ("c3", "2"),
        ];
        let p = c.post("/e/soc/vote/review", &second).await;
        assert!(p.has("This ballot will replace the one you cast before."));
        let p = c.post("/e/soc/vote/cast", &second).await;
        assert_eq!(p.status, StatusCode::OK, "{name}: {}", p.body);
        let t2 = tracker_of(&p);
        assert_ne!(t1, t2);
        assert!(p.has("It replaces the ballot you cast before"));
        assert!(p.has(&t1), "the earlier tracker is named");
        // The tracker pages say which counts.
        let p = c.get(&format!("/e/soc/track?t={t1}")).await;
        assert!(p.has("no: replaced by a later ballot"), "{name}");
        let p = c.get(&format!("/e/soc/track?t={t2}")).await;
        assert!(p.has("It replaced an earlier ballot"));
        assert!(p.has("entry 2 of 2"), "{}", p.body);
        let st = store.status("soc").await.unwrap();
        assert_eq!(
            st.contests[0].online, 1,
            "one voter, one vote in the turnout"
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn pages_when_the_poll_is_not_open_and_unknown_addresses() {
    for db in backends("closed").await {
        let store = db.store.clone();
        let codes = setup(&store, "soc", SMALL, &["exec", "panel"]).await;
        let records = tempfile::tempdir().unwrap();
        let mut c = Client::new(store.clone(), config(records.path()));
        let p = c.get("/e/soc/vote").await;
        assert_eq!(p.status, StatusCode::CONFLICT);
        assert!(p.has("Voting has not opened yet. It opens on 2017-12-05."));
        let p = c
            .post("/e/soc/vote", &[("code", codes["V01"].as_str())])
            .await;
        assert_eq!(p.status, StatusCode::CONFLICT);
        assert!(p.has("Voting has not opened yet"));
        let p = c.get("/e/nope").await;
        assert_eq!(p.status, StatusCode::NOT_FOUND);
        assert!(p.has("there is no election"));
        let p = c.get("/no/such/page").await;
        assert_eq!(p.status, StatusCode::NOT_FOUND);
        let p = c.get("/e/soc/results").await;
        assert_eq!(p.status, StatusCode::NOT_FOUND);
        assert!(p.has("have not been published yet"));
        // A form that cannot be read is a 400 page, not a panic.
        let req = axum::http::Request::builder()
            .method("POST")
            .uri("/e/soc/vote")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(vec![0xff, 0xfe, b'=', 0x80]))
            .unwrap();
        let p = c.send(req).await;
        assert!(p.status.is_client_error(), "{:?}", p.status);
        let p = c.get("/").await;
        assert!(p.has("Test election") && p.has("not yet open"));
        db.finish().await;
    }
}

//! The returning officer's pages against real databases: sign-in, CSRF and Origin checks,
//! postal batches (statements and papers), closing, counting, publishing, and the public
//! results and record that follow.

mod common;

use axum::http::{header, StatusCode};
use common::*;
use scrutin_record::ballot::Ballot;
use scrutin_store::Revote;

#[tokio::test]
async fn sign_in_sessions_and_csrf() {
    for db in backends("signin").await {
        let name = db.name;
        let store = db.store.clone();
        setup(&store, "soc", SMALL, &["exec", "panel"]).await;
        let records = tempfile::tempdir().unwrap();
        let mut c = Client::new(store.clone(), config(records.path()));

        // Not signed in: to the login page.
        let p = c.get("/admin").await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{name}");
        assert_eq!(p.location(), Some("/admin/login"));
        let p = c.get("/admin/login").await;
        assert!(p.has("No administrator exists yet"), "{name}");

        store
            .put_admin(
                "ro",
                &scrutin_web::hash_password("a long pass phrase").unwrap(),
            )
            .await
            .unwrap();
        // A wrong password, an unknown user: the same generic refusal, no cookie.
        for (u, pw) in [("ro", "wrong password!"), ("nobody", "a long pass phrase")] {
            let p = c
                .post("/admin/login", &[("username", u), ("password", pw)])
                .await;
            assert_eq!(p.status, StatusCode::UNAUTHORIZED, "{name}");
            assert!(p.has("The username or password is not right."));
            assert!(p.headers.get(header::SET_COOKIE).is_none());
        }
        // A login form posted from another site is refused.
        c.origin = Some("https://evil.example".into());
        let p = c
            .post(
                "/admin/login",
                &[("username", "ro"), ("password", "a long pass phrase")],
            )
            .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        c.origin = Some(BASE.into());

        // The right password: a session cookie, HttpOnly, SameSite=Strict, Secure, __Host-.
        let p = c
            .post(
                "/admin/login",
                &[("username", "ro"), ("password", "a long pass phrase")],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        let cookie = p.headers[header::SET_COOKIE].to_str().unwrap().to_string();
        assert!(cookie.starts_with("__Host-scrutin-session="), "{cookie}");
        for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Secure"] {
            assert!(cookie.contains(attr), "{cookie} lacks {attr}");
        }
        let token = cookie.split(';').next().unwrap().split('=').nth(1).unwrap();
        assert_eq!(token.len(), 64);
        // The store holds its hash, never the token.
        let hash = {
            use sha2::Digest;
            scrutin_record::hex(&sha2::Sha256::digest(token.as_bytes()))
        };
        assert!(store.session(&hash).await.unwrap().is_some());
        assert!(store.session(token).await.unwrap().is_none());

        let p = c.get("/admin").await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.has("signed in as ro") && p.has("Test election"));
        let csrf = csrf_of(&p);

        // An admin form without its CSRF token, or with a wrong one: 403, nothing done.
        let p = c.post("/admin/e/soc/open", &[("revote", "first")]).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{name}");
        assert!(p.has("security token"));
        let p = c
            .post("/admin/e/soc/open", &[("revote", "first"), ("csrf", "00")])
            .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        // The right token from another origin: 403.
        c.origin = Some("http://evil.example".into());
        let p = c
            .post("/admin/e/soc/open", &[("revote", "first"), ("csrf", &csrf)])
            .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert!(p.has("from another site"));
        assert_eq!(
            store.box_status("soc").await.unwrap().state,
            scrutin_store::PollState::Setup
        );
        // No Origin header (an older browser): the token suffices.
        c.origin = None;
        let p = c
            .post(
                "/admin/e/soc/open",
                &[("revote", "last"), ("seal_every", "0"), ("csrf", &csrf)],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        let p = c.get("/admin/e/soc").await;
        assert!(p.has("is not a group size"), "{}", p.body);
        let p = c
            .post(
                "/admin/e/soc/open",
                &[("revote", "last"), ("seal_every", "5"), ("csrf", &csrf)],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        c.origin = Some(BASE.into());
        let p = c.get("/admin/e/soc").await;
        assert!(p.has("The poll is open"), "{}", p.body);
        assert!(p.has("only their last ballot counts"));
        assert!(p.has("sealed into the chain in groups of 5"));
        assert_eq!(store.box_status("soc").await.unwrap().seal_every, 5);
        // The server's public key was recorded as the poll opened.
        assert_eq!(
            store.box_status("soc").await.unwrap().public_key.as_deref(),
            Some(scrutin_record::keys::public_key_hex(&signing_key()).as_str())
        );
        // The flash is shown once.
        let p = c.get("/admin/e/soc").await;
        assert!(!p.has("The poll is open"));

        // Signing out ends the session.
        let p = c.post("/admin/logout", &[("csrf", &csrf)]).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        assert!(c.cookie.is_none());
        assert!(store.session(&hash).await.unwrap().is_none());
        c.cookie = Some(format!("__Host-scrutin-session={token}"));
        let p = c.get("/admin").await;
        assert_eq!(
            p.status,
            StatusCode::SEE_OTHER,
            "the old token no longer works"
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn insecure_cookies_drop_only_the_secure_flag() {
    for db in backends("insecure").await {
        let store = db.store.clone();
        let records = tempfile::tempdir().unwrap();
        let mut config = config(records.path());
        config.secure_cookies = false;
        let mut c = Client::new(store.clone(), config);
        store
            .put_admin(
                "ro",
                &scrutin_web::hash_password("a long pass phrase").unwrap(),
            )
            .await
            .unwrap();
        let p = c
            .post(
                "/admin/login",
                &[("username", "ro"), ("password", "a long pass phrase")],
            )
            .await;
        let cookie = p.headers[header::SET_COOKIE].to_str().unwrap().to_string();
        assert!(cookie.starts_with("scrutin-session="), "{cookie}");
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
        assert!(!cookie.contains("Secure"), "{cookie}");
        assert_eq!(c.get("/admin").await.status, StatusCode::OK);
        db.finish().await;
    }
}

#[tokio::test]
async fn postal_batches_close_count_publish_and_results() {
    for db in backends("postal").await {
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
        // Online votes: V01 in both contests, V02 and V03 in exec.
        store
            .cast("soc", &codes["V01"], "exec", Ballot(vec![1, 2]))
            .await
            .unwrap();
        store
            .cast("soc", &codes["V01"], "panel", Ballot(vec![1, 2]))
            .await
            .unwrap();
        store
            .cast("soc", &codes["V02"], "exec", Ballot(vec![1, 3]))
            .await
            .unwrap();
        store
            .cast("soc", &codes["V03"], "exec", Ballot(vec![2, 1]))
            .await
            .unwrap();
        let records = tempfile::tempdir().unwrap();
        let mut c = Client::new(store.clone(), config(records.path()));
        let csrf = c.sign_in(&store, "ro", "a long pass phrase").await;

        // Statements: V01 has voted online (refused, both contests), V05 and V06 accepted.
        let p = c
            .post(
                "/admin/e/soc/postal",
                &[
                    ("csrf", &csrf),
                    ("batch", "b1"),
                    ("members", "V01\nV05\r\n V06 \n\nZZ9"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{name}: {}", p.body);
        let p = c.get("/admin/e/soc").await;
        assert!(
            p.has("Batch b1: 4 statement(s) received, 3 refused"),
            "{name}: {}",
            p.body
        );
        assert!(p.has("exec: 2 accepted") && p.has("panel: 2 accepted"));
        assert!(p.has("V01 (exec): has already voted in Executive committee online"));
        assert!(p.has("V01 (panel): has already voted in Appeals panel online"));
        assert!(p.has("ZZ9: is not on the roll"));
        assert!(p.has("/admin/e/soc/postal/b1/exec"));

        // The entry form shows the paper with its numbers.
        let p = c.get("/admin/e/soc/postal/b1/exec").await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.has("2 statement(s) accepted") && p.has("Dev Dutta"));
        // A bad line: nothing entered, the line named, the text kept.
        let p = c
            .post_multipart(
                "/admin/e/soc/postal/b1/exec",
                &[("csrf", &csrf), ("ballots", "4 1\n2 2\n")],
                &[],
            )
            .await;
        assert_eq!(
            p.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {}",
            p.body
        );
        assert!(p.has("line:2: candidate 2 appears twice"), "{}", p.body);
        assert!(p.has("4 1\n2 2\n"));
        // A wrong total: the store refuses, nothing entered.
        let p = c
            .post(
                "/admin/e/soc/postal/b1/exec",
                &[("csrf", &csrf), ("ballots", "4 1\n")],
            )
            .await;
        assert_eq!(p.status, StatusCode::CONFLICT, "{name}: {}", p.body);
        assert!(p.has("the batch totals must agree"), "{}", p.body);
        // Closing now is refused: the batch is not entered.
        let p = c.post("/admin/e/soc/close", &[("csrf", &csrf)]).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        let p = c.get("/admin/e/soc").await;
        assert!(
            p.has("The poll was not closed") && p.has("not entered: b1"),
            "{}",
            p.body
        );
        // The right total (typed lines, url-encoded form).
        let p = c
            .post(
                "/admin/e/soc/postal/b1/exec",
                &[("csrf", &csrf), ("ballots", "4 1\n# a comment\n4 2\n")],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{name}: {}", p.body);
        let p = c.get("/admin/e/soc").await;
        assert!(
            p.has("2 ballot(s) entered, 0 paper(s) rejected"),
            "{}",
            p.body
        );
        // The panel's papers from a CSV transcription, one rejected (no mark).
        let csv = "Alice Archer,Ben Brown,Chloe Clark,Dev Dutta\nx,,,x\n,,,\n";
        let p = c
            .post_multipart(
                "/admin/e/soc/postal/b1/panel",
                &[("csrf", &csrf)],
                &[("csv", "b1.csv", csv)],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{name}: {}", p.body);
        let p = c.get("/admin/e/soc").await;
        assert!(
            p.has("1 ballot(s) entered, 1 paper(s) rejected"),
            "{}",
            p.body
        );
        assert!(p.has("b1.csv:3: rejected: no mark"));

        // Live turnout.
        let p = c.get("/admin/e/soc/turnout").await;
        assert!(p.has("http-equiv=\"refresh\" content=\"30\""));

        // Close, count, publish.
        let p = c.post("/admin/e/soc/close", &[("csrf", &csrf)]).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        let p = c.get("/admin/e/soc").await;
        assert!(p.has("The poll is closed"), "{}", p.body);
        // Voting is over for everyone.
        let p = c
            .post("/e/soc/vote", &[("code", codes["V09"].as_str())])
            .await;
        assert!(p.has("Voting has closed"));
        let p = c.post("/admin/e/soc/count", &[("csrf", &csrf)]).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        let p = c.get("/admin/e/soc").await;
        assert!(p.has("Counted"), "{}", p.body);
        // Exec: first preferences Archer 2 (V01, V02), Brown 1, Dutta 2 (postal): 2 seats.
        let results = store.results("soc").await.unwrap();
        let exec = &results[0].report.elected;
        assert!(
            p.has(&format!(
                "Executive committee: elected {}",
                exec.join(" and ")
            )),
            "{}",
            p.body
        );
        // Not public before publication.
        assert_eq!(c.get("/e/soc/results").await.status, StatusCode::NOT_FOUND);
        let p = c.post("/admin/e/soc/publish", &[("csrf", &csrf)]).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        let p = c.get("/admin/e/soc").await;
        assert!(p.has("Published"), "{name}: {}", p.body);
        assert!(records.path().join("soc/manifest.json").is_file());

        // The public results: winners, quota, the stage table, turnout by channel.
        let p = c.get("/e/soc/results").await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.body);
        for w in exec.iter().chain(&results[1].report.elected) {
            assert!(p.has(&format!("<li><strong>{w}</strong></li>")), "{w}");
        }
        if let Some(q) = &results[0].report.quota {
            assert!(p.has(q.as_str()), "quota {q}");
        }
        assert!(p.has("<th scope=\"col\">Candidate</th>") && p.has("Stage 1"));
        assert!(p.has("3 online, 2 by post"), "{}", p.body);
        assert!(p.has("/e/soc/record.tar"));

        // The record's files, safely.
        let p = c.get("/e/soc/record").await;
        assert!(p.has("manifest.json") && p.has("ballots.jsonl"));
        let p = c.get("/e/soc/record/manifest.json").await;
        assert_eq!(p.status, StatusCode::OK);
        assert_eq!(p.headers[header::CONTENT_TYPE], "application/json");
        assert!(p.has("scrutin-record/1"));
        let p = c.get("/e/soc/record.tar").await;
        assert_eq!(p.status, StatusCode::OK);
        assert_eq!(p.headers[header::CONTENT_TYPE], "application/x-tar");
        std::fs::write(records.path().join("secret.txt"), "secret").unwrap();
        for bad in [
            "/e/soc/record/../secret.txt",
            "/e/soc/record/%2e%2e/secret.txt",
            "/e/soc/record/..%2fsecret.txt",
            "/e/soc/record/.%2e/secret.txt",
            "/e/soc/record/%2fetc%2fpasswd",
            "/e/..%2fsoc/record/manifest.json",
        ] {
            let p = c.get(bad).await;
            assert_eq!(p.status, StatusCode::NOT_FOUND, "{bad}");
            assert!(!p.has("secret"), "{bad}");
        }

        // A tracker after publication: its inclusion proof.
        let t = store.entries("soc").await.unwrap()[0].0.tracker.clone();
        let p = c.get(&format!("/e/soc/track?t={t}")).await;
        assert!(
            p.has("In the published record") && p.has("checks out"),
            "{}",
            p.body
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn creating_an_election_and_its_roll_from_the_admin_pages() {
    for db in backends("create").await {
        let name = db.name;
        let store = db.store.clone();
        let records = tempfile::tempdir().unwrap();
        let mut c = Client::new(store.clone(), config(records.path()));
        let csrf = c.sign_in(&store, "ro", "a long pass phrase").await;
        let p = c.get("/admin/new").await;
        assert!(p.has("enctype=\"multipart/form-data\""));
        // Dates out of order, a missing date: said, and the form keeps what was typed.
        let p = c
            .post_multipart(
                "/admin/new",
                &[
                    ("csrf", &csrf),
                    ("id", "agm-2099"),
                    ("title", "AGM 2099"),
                    ("constitution", SMALL),
                    ("sections", "exec, panel"),
                    ("nominations_open", "2099-01-01"),
                    ("nominations_close", "2099-02-01"),
                    ("freeze_date", "2099-02-01"),
                    ("paid_up_date", "2099-02-01"),
                    ("voting_open", "2099-03-01"),
                    ("voting_close", ""),
                ],
                &[],
            )
            .await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(p.has("Voting closes: give a date."));
        assert!(p.has("value=\"AGM 2099\""));
        // The constitution as an uploaded file.
        let good = [
            ("csrf", csrf.as_str()),
            ("id", "agm-2099"),
            ("title", "AGM 2099"),
            ("sections", "exec, panel"),
            ("nominations_open", "2099-01-01"),
            ("nominations_close", "2099-02-01"),
            ("freeze_date", "2099-02-01"),
            ("paid_up_date", ""),
            ("voting_open", "2099-03-01"),
            ("voting_close", "2099-03-15"),
        ];
        let p = c
            .post_multipart(
                "/admin/new",
                &good,
                &[("constitution_file", "body.toml", SMALL)],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{name}: {}", p.body);
        assert_eq!(p.location(), Some("/admin/e/agm-2099"));
        let p = c.get("/admin/e/agm-2099").await;
        assert!(p.has("Created election agm-2099: AGM 2099"), "{}", p.body);
        assert!(p.has("exec: Executive committee — 2 seat(s), ers97"));
        let e = store.election("agm-2099").await.unwrap();
        assert_eq!(
            e.dates.paid_up_date.to_string(),
            "2017-11-19",
            "a blank paid-up date is the constitution's voters.paid_up_by"
        );
        // The same id again: the store's refusal, on the form.
        let p = c
            .post_multipart(
                "/admin/new",
                &good,
                &[("constitution_file", "body.toml", SMALL)],
            )
            .await;
        assert_eq!(p.status, StatusCode::CONFLICT);
        assert!(p.has("there is already an election"));

        // A roll with an error: nothing imported, the line named.
        let bad = "id,name,joined,paid_up_to,branch\nM1,Ann,2020-01-01,2099-12-31,X\nM1,Bob,2020-01-01,2099-12-31,X\n";
        let p = c
            .post("/admin/e/agm-2099/roll", &[("csrf", &csrf), ("roll", bad)])
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        let p = c.get("/admin/e/agm-2099").await;
        assert!(
            p.has("the roll was not imported and nothing was changed"),
            "{}",
            p.body
        );
        assert!(p.has("roll.csv:3:"), "{}", p.body);
        // A good roll, uploaded as a file.
        let p = c
            .post_multipart(
                "/admin/e/agm-2099/roll",
                &[("csrf", &csrf)],
                &[("roll_file", "members.csv", &roll_csv())],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        let p = c.get("/admin/e/agm-2099").await;
        assert!(p.has("Roll version 1: 16 members; 16 added"), "{}", p.body);
        assert!(p.has("exec: 16 may vote, 0 may not"));
        // Freeze; then opening is refused (no ballot paper yet), with the store's reason.
        let p = c.post("/admin/e/agm-2099/freeze", &[("csrf", &csrf)]).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        let p = c.get("/admin/e/agm-2099").await;
        assert!(
            p.has("The roll is frozen") && p.has("SHA-256 "),
            "{}",
            p.body
        );
        assert!(!p.has("Import the roll"), "no import form once frozen");
        let p = c
            .post(
                "/admin/e/agm-2099/open",
                &[("csrf", &csrf), ("revote", "first")],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        let p = c.get("/admin/e/agm-2099").await;
        assert!(
            p.has("The poll was not opened") && p.has("the ballot paper is not fixed"),
            "{}",
            p.body
        );
        db.finish().await;
    }
}

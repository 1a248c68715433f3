//! The election in a real browser: headless Chromium driven through Debian's chromedriver
//! (WebDriver, the `fantoccini` client), against `scrutin serve`, on SQLite and, when
//! SCRUTIN_TEST_POSTGRES_URL is set, on PostgreSQL (a schema of its own).
//!
//! Nothing is mocked: the election is set up with the `scrutin` command line, credentials
//! are emailed through a real SMTP server on loopback (tests/smtp_sink.py), voters open the
//! link from their email in the browser, fill in ranked ballots (with validation errors,
//! and one ballot by keyboard alone), cast, and look up their trackers; a second attempt is
//! refused; the returning officer signs in, opens the poll, receives a postal batch (a member
//! who voted online is refused) and enters its papers, closes, counts and publishes in the
//! browser; the public results are then checked against `scrutin verify` and `scrutin count`
//! on the published record's exports.
//!
//! Without chromium and chromedriver on the PATH the tests print SKIPPED (CI installs them:
//! `apt install chromium chromium-driver`). Two screenshots are left for people to look at:
//! /tmp/scrutin-browser-ballot.png (the ranked ballot with an error, on a phone-sized window)
//! and /tmp/scrutin-browser-tracker.png (the confirmation with its tracker).

mod common;
#[path = "browser/harness.rs"]
mod harness;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use fantoccini::{Client, Locator};
use harness::{
    choose, click_button, focused, page_text, press, tab_to, texts, value_of, wait_el, wait_for,
    Cli, Harness, ENTER,
};
use scrutin_store::Date;

/// One browser at a time: the two backends' runs do not compete for the machine's cores.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const ELECTION: &str = "rtu-2026";
const TITLE: &str = "Riverside Tenants' Union committee election";
const COUNCIL: &str = "Branch council";
const YOUTH: &str = "Youth officer";
const ADMIN: &str = "returning-officer";
const PASSWORD: &str = "correct horse battery staple";

/// Chromium and chromedriver, if installed.
struct Browser {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

fn browser_or_skip() -> Option<Browser> {
    match (
        harness::on_path("chromium"),
        harness::on_path("chromedriver"),
    ) {
        (Some(chromium), Some(chromedriver)) => Some(Browser {
            chromium,
            chromedriver,
        }),
        _ => {
            println!("SKIPPED: chromium/chromedriver not installed (apt install chromium chromium-driver)");
            None
        }
    }
}

fn smtp_or_skip() -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        println!("SKIPPED: python3 with aiosmtpd is not available (pip install aiosmtpd); no browser test");
    }
    ok
}

#[test]
fn an_election_in_the_browser_on_sqlite() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (Some(browser), true) = (browser_or_skip(), smtp_or_skip()) else {
        return;
    };
    let h = Harness::new("sqlite");
    let url = format!("sqlite://{}", h.dir.join("scrutin.db").display());
    run("sqlite", h, url, &browser);
}

#[test]
fn an_election_in_the_browser_on_postgresql() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let Ok(base) = std::env::var("SCRUTIN_TEST_POSTGRES_URL") else {
        println!(
            "SKIPPED: SCRUTIN_TEST_POSTGRES_URL not set (the browser test ran on SQLite only)"
        );
        return;
    };
    let (Some(browser), true) = (browser_or_skip(), smtp_or_skip()) else {
        return;
    };
    let mut h = Harness::new("postgres");
    let schema = harness::unique("browser");
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        scrutin_store::Store::open_in(&base, Some(&schema))
            .await
            .unwrap()
            .close()
            .await
    });
    h.schema = Some((base.clone(), schema.clone()));
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    run("postgresql", h, url, &browser);
}

fn run(backend: &str, mut h: Harness, url: String, browser: &Browser) {
    let started = Instant::now();
    let cli = Cli {
        url,
        dir: h.dir.clone(),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(election(&mut h, &cli, browser));
    println!(
        "browser test on {backend}: passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    drop(h);
}

// ----- the election -----------------------------------------------------------------------

/// A small union: a council of three by STV (ERS97) with at least one woman, and a youth
/// officer by instant runoff, elected by members under 27.
fn constitution(today: Date) -> String {
    format!(
        r#"[body]
name = "Riverside Tenants' Union"
short_name = "RTU"
as_of = "{today}"
seats = 4

[[section]]
id = "council"
name = "{COUNCIL}"
seats = 3
filled_by = "elected"
method = "ers97"
min = ["gender=woman:1"]

[section.electorate]
kind = "members"
who = "members"
description = "one member, one vote of all members"

[section.nomination]

[[section.nomination.route]]
by = "branches"
at_least = 1

[[section]]
id = "youth"
name = "{YOUTH}"
seats = 1
filled_by = "elected"
method = "irv"

[section.electorate]
kind = "members"
who = "members under 27"
age_under = 27
description = "one member, one vote of members under 27"

[section.nomination]

[[section.nomination.route]]
by = "branches"
at_least = 1
"#
    )
}

/// Voters M01–M05 have email (they vote in the browser), M06–M07 only a postal address
/// (they vote by post); the candidates (K council, Y youth) have neither.
fn roll(today: Date) -> String {
    let years = |y: i64| today.plus_days(-365 * y - 30);
    let rows: [(&str, &str, &str, &str, i64, &str); 15] = [
        ("M01", "Ann Archer", "ann@example.org", "", 22, "woman"),
        ("M02", "Ben Booth", "ben@example.org", "", 40, "man"),
        ("M03", "Cara Cole", "cara@example.org", "", 35, "woman"),
        ("M04", "Dev Dunn", "dev@example.org", "", 23, "man"),
        ("M05", "Eve Ellis", "eve@example.org", "", 50, "woman"),
        (
            "M06",
            "Finn Ford",
            "",
            "6 Mill Lane;Leeds LS1 1AA",
            45,
            "man",
        ),
        (
            "M07",
            "Gita Gill",
            "",
            "7 Oak Road;York YO1 1AA",
            24,
            "woman",
        ),
        ("K1", "Hana Adams", "", "", 41, "woman"),
        ("K2", "Ivan Brown", "", "", 42, "man"),
        ("K3", "Jack Clark", "", "", 43, "man"),
        ("K4", "Kate Doyle", "", "", 44, "woman"),
        ("K5", "Liam Evans", "", "", 45, "man"),
        ("Y1", "Mo Mills", "", "", 21, "man"),
        ("Y2", "Nia Nash", "", "", 22, "woman"),
        ("Y3", "Oli Owen", "", "", 23, "man"),
    ];
    let mut s = String::from(
        "id,name,email,address,joined,paid_up_to,date_of_birth,self_declared,branch\n",
    );
    for (id, name, email, address, age, gender) in rows {
        s.push_str(&format!(
            "{id},{name},{email},{address},{},{},{},gender={gender},Riverside\n",
            today.plus_days(-800),
            today.plus_days(365),
            years(age)
        ));
    }
    s
}

/// What a run reads back from its voters' emails.
struct Voter {
    code: String,
    link: String,
}

async fn election(h: &mut Harness, cli: &Cli, browser: &Browser) {
    let today = Date::today();
    let day = |n: i64| today.plus_days(n).to_string();

    // ----- set up with the command line -----
    let body = cli.write("union.toml", &constitution(today));
    let roll_file = cli.write("roll.csv", &roll(today));
    let out = cli.ok(&[
        "election",
        "create",
        "--id",
        ELECTION,
        "--title",
        TITLE,
        "--body",
        body.to_str().unwrap(),
        "--sections",
        "council,youth",
        "--nominations-open",
        &day(-30),
        "--nominations-close",
        &day(-10),
        "--freeze-date",
        &day(-15),
        "--paid-up-date",
        &day(-15),
        "--voting-open",
        &day(0),
        "--voting-close",
        &day(14),
    ]);
    assert!(
        out.contains("contest council: Branch council — 3 seat(s), ers97"),
        "{out}"
    );
    let out = cli.ok(&[
        "election",
        "import-roll",
        "--election",
        ELECTION,
        roll_file.to_str().unwrap(),
        "--today",
        &day(-20),
    ]);
    assert!(out.contains("council: 15 may vote, 0 may not"), "{out}");
    assert!(out.contains("youth: 6 may vote, 9 may not"), "{out}");
    for (section, candidates) in [
        ("council", &["K1", "K2", "K3", "K4", "K5"][..]),
        ("youth", &["Y1", "Y2", "Y3"][..]),
    ] {
        for c in candidates {
            cli.ok(&[
                "election",
                "nominate",
                "--election",
                ELECTION,
                "--section",
                section,
                "--candidate",
                c,
                "--by",
                "Riverside branch",
                "--kind",
                "branches",
                "--on",
                &day(-20),
            ]);
        }
        cli.ok(&[
            "election",
            "close-nominations",
            "--election",
            ELECTION,
            "--section",
            section,
        ]);
        cli.ok(&[
            "election",
            "ballot-order",
            "--election",
            ELECTION,
            "--section",
            section,
        ]);
    }
    cli.ok(&["election", "freeze-roll", "--election", ELECTION]);
    let out = cli.ok(&["keygen", "ro.key"]);
    let public_key = out
        .lines()
        .find_map(|l| l.strip_prefix("Public key: "))
        .unwrap_or_else(|| panic!("no public key in {out}"))
        .trim()
        .to_string();
    let out = cli.ok_with(
        &["admin", "add", ADMIN, "--password-stdin"],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(
        out.contains("Administrator returning-officer saved"),
        "{out}"
    );

    // ----- the server, the mail, the credentials -----
    let (smtp_port, mail) = h.smtp();
    let records = h.dir.join("records");
    let web = h.serve(&cli.url, &h.dir.join("ro.key"), &records);
    let out = cli.ok(&[
        "election",
        "issue-credentials",
        "--election",
        ELECTION,
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        &smtp_port.to_string(),
        "--from",
        "returning-officer@example.org",
        "--site",
        &web,
        "--postal-dir",
        "packs",
    ]);
    assert!(out.contains("5 by email, 2 postal packs"), "{out}");
    let msgs = harness::messages(&mail);
    assert_eq!(msgs.len(), 5, "{msgs:?}");
    let mut voters: BTreeMap<&str, Voter> = BTreeMap::new();
    for (who, address) in [
        ("ann", "ann@example.org"),
        ("ben", "ben@example.org"),
        ("cara", "cara@example.org"),
        ("dev", "dev@example.org"),
        ("eve", "eve@example.org"),
    ] {
        let (_, text) = msgs
            .iter()
            .find(|(r, _)| r == address)
            .unwrap_or_else(|| panic!("no email to {address}"));
        assert!(
            text.contains(&format!("Subject: Your voting code: {TITLE}")),
            "{text}"
        );
        let link = text
            .split_whitespace()
            .find(|w| w.starts_with(&format!("{web}/e/{ELECTION}/vote?code=")))
            .unwrap_or_else(|| panic!("no voting link in\n{text}"))
            .to_string();
        let code = link.rsplit('=').next().unwrap().to_string();
        assert_eq!(code.len(), 29, "{link}");
        voters.insert(who, Voter { code, link });
    }

    let c = h.browser(&browser.chromedriver, &browser.chromium).await;

    // ----- the returning officer signs in (by keyboard: Enter submits) and opens the poll -----
    c.goto(&format!("{web}/admin/login")).await.unwrap();
    wait_for(&c, "h1", "Returning officer: sign in").await;
    c.find(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys(ADMIN)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(&format!("{PASSWORD}{ENTER}"))
        .await
        .unwrap();
    wait_for(&c, "nav", "signed in as returning-officer").await;
    c.goto(&format!("{web}/admin/e/{ELECTION}")).await.unwrap();
    wait_for(&c, "h2", "Open the poll").await;
    c.find(Locator::Id("revote-first"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let seal = c.find(Locator::Id("seal_every")).await.unwrap();
    seal.clear().await.unwrap();
    seal.send_keys("3").await.unwrap();
    click_button(&c, "Open the poll").await;
    let flash = wait_for(&c, "div.ok", "The poll is open").await;
    let text = flash.text().await.unwrap();
    assert!(
        text.contains("Ballots are sealed into the chain in groups of 3")
            && text.contains("a voter's first ballot stands"),
        "{text}"
    );

    // ----- Ann: the link from her email, a ranked ballot with an error, on a phone -----
    let ann = &voters["ann"];
    harness::set_viewport(&c, 390, 844).await;
    let main_window = c.window().await.unwrap();
    open_contests(&c, &ann.link, &ann.code).await;
    start_ballot(&c, COUNCIL).await;
    // She opens her link again in a second tab and starts the same ballot there too.
    let second = c.new_window(true).await.unwrap().handle;
    c.switch_to_window(second.clone()).await.unwrap();
    open_contests(&c, &ann.link, &ann.code).await;
    start_ballot(&c, COUNCIL).await;
    choose(&c, "c3", "1").await;
    c.switch_to_window(main_window.clone()).await.unwrap();

    // The number 1 twice: the error summary, the choices kept.
    choose(&c, "c2", "1").await;
    choose(&c, "c3", "1").await;
    choose(&c, "c5", "2").await;
    click_button(&c, "Review my vote").await;
    let summary = wait_el(&c, "div.error-summary").await;
    let problem = "You gave the number 1 to both Ivan Brown and Jack Clark. Give each number to one candidate only.";
    let summary_text = summary.text().await.unwrap();
    assert!(
        summary_text.contains("There is a problem") && summary_text.contains(problem),
        "{summary_text}"
    );
    assert_eq!(c.title().await.unwrap(), "Error: Branch council — scrutin");
    for (id, kept) in [
        ("c1", ""),
        ("c2", "1"),
        ("c3", "1"),
        ("c4", ""),
        ("c5", "2"),
    ] {
        assert_eq!(value_of(&c, id).await, kept, "{id} was not kept");
    }
    for id in ["c2", "c3"] {
        let beside = c
            .find(Locator::Id(&format!("{id}-error")))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(beside.contains(problem), "{id}: {beside}");
        let select = c.find(Locator::Id(id)).await.unwrap();
        assert_eq!(
            select.attr("aria-invalid").await.unwrap().as_deref(),
            Some("true")
        );
    }
    // The summary has the focus (a screen reader reads it first) and links to the field.
    let active = c.active_element().await.unwrap();
    assert_eq!(
        active.attr("class").await.unwrap().as_deref(),
        Some("error-summary"),
        "the error summary is not focused on load"
    );
    let link = summary.find(Locator::Css("a")).await.unwrap();
    assert_eq!(link.attr("href").await.unwrap().as_deref(), Some("#c2"));
    std::fs::write(
        "/tmp/scrutin-browser-ballot.png",
        c.screenshot().await.unwrap(),
    )
    .unwrap();

    // Fixed: Ivan 1, Liam 2, Hana 3.
    choose(&c, "c3", "").await;
    choose(&c, "c1", "3").await;
    click_button(&c, "Review my vote").await;
    wait_for(&c, "h1", "Check your vote").await;
    assert_eq!(
        texts(&c, "main ol li").await,
        ["Ivan Brown", "Liam Evans", "Hana Adams"]
    );
    click_button(&c, "Cast my vote").await;
    wait_for(&c, "h1", "Your vote has been cast").await;
    let ann_tracker = c
        .find(Locator::Css("p.tracker"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .trim()
        .to_string();
    assert!(ann_tracker.len() >= 16, "{ann_tracker:?}");
    assert_eq!(
        texts(&c, "main ol li").await,
        ["Ivan Brown", "Liam Evans", "Hana Adams"]
    );
    let page = page_text(&c).await;
    assert!(
        page.contains("You still have a vote in Youth officer"),
        "{page}"
    );
    std::fs::write(
        "/tmp/scrutin-browser-tracker.png",
        c.screenshot().await.unwrap(),
    )
    .unwrap();

    // The tracker page shows the ballot as recorded.
    c.find(Locator::LinkText("the election's tracker page"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "h1", &format!("Ballot {ann_tracker}")).await;
    let facts = wait_el(&c, "dl.facts").await.text().await.unwrap();
    assert!(
        facts.contains("Branch council")
            && facts.contains("online")
            && facts.contains("Place in the ballot box"),
        "{facts}"
    );
    assert_eq!(
        texts(&c, "main ol li").await,
        ["Ivan Brown", "Liam Evans", "Hana Adams"]
    );
    c.set_window_size(1280, 900).await.unwrap();

    // A second ballot in the same contest, from the other tab: refused.
    c.switch_to_window(second).await.unwrap();
    click_button(&c, "Review my vote").await;
    wait_for(&c, "h1", "Not possible").await;
    wait_for(
        &c,
        "div.bad",
        "You have already voted in Branch council; your first ballot stands.",
    )
    .await;
    click_button(&c, "Back to your ballots").await;
    wait_for(&c, "h1", "Your ballots").await;
    let list = wait_el(&c, "ul.candidates").await.text().await.unwrap();
    assert!(
        list.contains("Branch council") && list.contains("you have voted"),
        "{list}"
    );
    assert!(
        c.find_all(Locator::Css("button[aria-label='Vote in Branch council']"))
            .await
            .unwrap()
            .is_empty(),
        "a second vote in the council is offered"
    );
    // Her youth ballot: Nia, then Oli.
    vote(
        &c,
        YOUTH,
        &[("c2", "1"), ("c3", "2")],
        &["Nia Nash", "Oli Owen"],
    )
    .await;
    let page = page_text(&c).await;
    assert!(
        page.contains("You have voted in every contest open to you"),
        "{page}"
    );
    c.close_window().await.unwrap();
    c.switch_to_window(main_window).await.unwrap();

    // Opening her link again: nothing left to vote in.
    open_contests(&c, &ann.link, &ann.code).await;
    wait_for(&c, "div.ok", "You have voted in every contest open to you").await;
    assert!(c
        .find_all(Locator::Css("form[action$='/vote/ballot'] button"))
        .await
        .unwrap()
        .is_empty());

    // ----- Ben votes by keyboard alone: Ivan 1, Liam 2 -----
    let ben = &voters["ben"];
    open_contests(&c, &ben.link, &ben.code).await;
    start_ballot(&c, COUNCIL).await;
    tab_to(&c, "#c1", 4).await;
    press(&c, &[harness::TAB]).await;
    assert_eq!(focused(&c).await, "#c2");
    press(&c, &['1']).await;
    assert_eq!(
        value_of(&c, "c2").await,
        "1",
        "typing 1 on a select chooses 1"
    );
    tab_to(&c, "#c5", 3).await;
    press(&c, &['2']).await;
    assert_eq!(value_of(&c, "c5").await, "2");
    tab_to(&c, "Review my vote", 2).await;
    press(&c, &[ENTER]).await;
    wait_for(&c, "h1", "Check your vote").await;
    assert_eq!(texts(&c, "main ol li").await, ["Ivan Brown", "Liam Evans"]);
    tab_to(&c, "Cast my vote", 4).await;
    press(&c, &[ENTER]).await;
    wait_for(&c, "h1", "Your vote has been cast").await;
    wait_el(&c, "p.tracker").await;

    // ----- Cara: a paper with no 1 (refused, kept), then Jack 1 -----
    let cara = &voters["cara"];
    open_contests(&c, &cara.link, &cara.code).await;
    start_ballot(&c, COUNCIL).await;
    choose(&c, "c3", "2").await;
    click_button(&c, "Review my vote").await;
    wait_for(&c, "div.error-summary", "No candidate has the number 1").await;
    assert_eq!(value_of(&c, "c3").await, "2");
    choose(&c, "c3", "1").await;
    click_button(&c, "Review my vote").await;
    wait_for(&c, "h1", "Check your vote").await;
    click_button(&c, "Cast my vote").await;
    wait_for(&c, "h1", "Your vote has been cast").await;

    // ----- Dev: Hana 1, Kate 2; youth: Oli 1, Nia 2 -----
    let dev = &voters["dev"];
    open_contests(&c, &dev.link, &dev.code).await;
    vote(
        &c,
        COUNCIL,
        &[("c1", "1"), ("c4", "2")],
        &["Hana Adams", "Kate Doyle"],
    )
    .await;
    click_button(&c, "Go to your other ballots").await;
    wait_for(&c, "h1", "Your ballots").await;
    vote(
        &c,
        YOUTH,
        &[("c3", "1"), ("c2", "2")],
        &["Oli Owen", "Nia Nash"],
    )
    .await;

    // ----- Eve: Jack 1, Ivan 2 (she will post a ballot too) -----
    let eve = &voters["eve"];
    open_contests(&c, &eve.link, &eve.code).await;
    vote(
        &c,
        COUNCIL,
        &[("c3", "1"), ("c2", "2")],
        &["Jack Clark", "Ivan Brown"],
    )
    .await;

    // ----- the postal batch: Eve refused, Finn and Gita accepted and entered -----
    c.goto(&format!("{web}/admin/e/{ELECTION}")).await.unwrap();
    wait_for(&c, "h2", "Postal voting statements").await;
    c.find(Locator::Id("batch"))
        .await
        .unwrap()
        .send_keys("batch-1")
        .await
        .unwrap();
    c.find(Locator::Id("members"))
        .await
        .unwrap()
        .send_keys("M05\nM06\nM07")
        .await
        .unwrap();
    click_button(&c, "Receive the batch").await;
    let ok = wait_for(
        &c,
        "div.ok",
        "Batch batch-1: 3 statement(s) received, 1 refused",
    )
    .await;
    let ok = ok.text().await.unwrap();
    assert!(
        ok.contains("council: 2 accepted: enter 2 ballot paper(s)")
            && ok.contains("youth: 1 accepted: enter 1 ballot paper(s)"),
        "{ok}"
    );
    let refused = wait_for(&c, "div.bad", "Refused: set these papers aside unopened").await;
    let refused = refused.text().await.unwrap();
    assert!(
        refused.contains("M05 (council): has already voted in Branch council online"),
        "{refused}"
    );
    assert!(
        !refused.contains("M06") && !refused.contains("M07"),
        "{refused}"
    );
    for (section, papers, entered) in [
        (
            "council",
            "2 5\n5 3",
            "Batch batch-1, Branch council: 2 ballot(s) entered, 0 paper(s) rejected",
        ),
        (
            "youth",
            "2 1",
            "Batch batch-1, Youth officer: 1 ballot(s) entered, 0 paper(s) rejected",
        ),
    ] {
        c.find(Locator::Css(&format!(
            "a[href='/admin/e/{ELECTION}/postal/batch-1/{section}']"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
        wait_for(&c, "h1", "Postal ballots: batch batch-1").await;
        c.find(Locator::Id("ballots"))
            .await
            .unwrap()
            .send_keys(papers)
            .await
            .unwrap();
        click_button(&c, "Enter the batch").await;
        wait_for(&c, "div.ok", entered).await;
    }

    // ----- close, count, publish -----
    click_button(&c, "Close the poll").await;
    let closed = wait_for(&c, "div.ok", "The poll is closed").await;
    let closed = closed.text().await.unwrap();
    assert!(closed.contains("10 entries; final chain head "), "{closed}");
    let head = closed
        .split("final chain head ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    assert_eq!(head.len(), 64, "{closed}");
    click_button(&c, "Count the votes").await;
    let counted = wait_for(&c, "div.ok", "Counted")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        counted.contains("Branch council: elected Ivan Brown, Jack Clark and Hana Adams")
            && counted.contains("Youth officer: elected Nia Nash"),
        "{counted}"
    );
    click_button(&c, "Publish the results and the record").await;
    wait_for(&c, "div.ok", "Published").await;

    // ----- the public results -----
    c.goto(&format!("{web}/e/{ELECTION}/results"))
        .await
        .unwrap();
    wait_for(&c, "h1", "Results: ").await;
    let mut shown: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for section in ["council", "youth"] {
        let css = format!("section[aria-labelledby='h-{section}'] > ol > li");
        shown.insert(section.to_string(), texts(&c, &css).await);
    }
    assert_eq!(shown["council"], ["Ivan Brown", "Jack Clark", "Hana Adams"]);
    assert_eq!(shown["youth"], ["Nia Nash"]);
    let council = wait_el(&c, "section[aria-labelledby='h-council']").await;
    let council = council.text().await.unwrap();
    assert!(
        council.contains("7 (46.7%): 5 online, 2 by post"),
        "{council}"
    );

    // Ann's tracker, now in the published record with its proof.
    c.goto(&format!("{web}/e/{ELECTION}/track?t={ann_tracker}"))
        .await
        .unwrap();
    wait_for(&c, "h2", "In the published record").await;
    wait_for(&c, "p", "checks out").await;
    h.close_browser(c).await;

    // ----- anyone can check: verify the record, recount its exports -----
    let archive = records.join(format!("{ELECTION}.tar"));
    let out = cli.ok(&[
        "verify",
        archive.to_str().unwrap(),
        "--public-key",
        &public_key,
        "--head",
        &head,
    ]);
    assert!(
        out.contains(&format!("The record of {ELECTION} verifies.")),
        "{out}"
    );
    let record = records.join(ELECTION);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(record.join("manifest.json")).unwrap())
            .unwrap();
    for contest in manifest["contests"].as_array().unwrap() {
        let spec = &contest["spec"];
        let id = spec["id"].as_str().unwrap();
        let elected = recount(cli, &record, spec, true);
        assert_eq!(
            elected, shown[id],
            "{id}: scrutin count and the results page differ"
        );
        let declared: Vec<String> = serde_json::from_value(contest["elected"].clone()).unwrap();
        assert_eq!(
            declared, shown[id],
            "{id}: the manifest and the results page differ"
        );
        if id == "council" {
            // The constraint decides the third seat: without it Liam, a man, would win it.
            assert_eq!(
                recount(cli, &record, spec, false),
                ["Ivan Brown", "Jack Clark", "Liam Evans"]
            );
        }
    }
}

/// `scrutin count` on a contest's BLT export, with the manifest's rules (its constraints and
/// the candidates' attributes when `constraints`): the elected, in order.
fn recount(
    cli: &Cli,
    record: &std::path::Path,
    spec: &serde_json::Value,
    constraints: bool,
) -> Vec<String> {
    let id = spec["id"].as_str().unwrap();
    let blt = record.join("exports").join(format!("{id}.blt"));
    let seed = spec["seed"].as_u64().unwrap().to_string();
    let mut args: Vec<String> = vec![
        "count".into(),
        blt.to_str().unwrap().into(),
        "--method".into(),
        spec["method"].as_str().unwrap().into(),
        "--seed".into(),
        seed,
        "--format".into(),
        "json".into(),
    ];
    let min: Vec<String> = spec
        .get("min")
        .map(|m| serde_json::from_value(m.clone()).unwrap())
        .unwrap_or_default();
    if constraints && !min.is_empty() {
        // The candidates' attributes, from the manifest, as `scrutin count --candidates` reads them.
        let cands = spec["candidates"].as_array().unwrap();
        let mut keys: Vec<String> = cands
            .iter()
            .filter_map(|c| c["attributes"].as_object())
            .flat_map(|a| a.keys().cloned())
            .collect();
        keys.sort();
        keys.dedup();
        let mut csv = format!("name,{}\n", keys.join(","));
        for c in cands {
            let row: Vec<&str> = keys
                .iter()
                .map(|k| c["attributes"][k].as_str().unwrap_or(""))
                .collect();
            csv.push_str(&format!(
                "{},{}\n",
                c["name"].as_str().unwrap(),
                row.join(",")
            ));
        }
        let file = cli.write(&format!("{id}-candidates.csv"), &csv);
        args.push("--candidates".into());
        args.push(file.to_str().unwrap().into());
        for m in &min {
            args.push("--min".into());
            args.push(m.clone());
        }
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let report: serde_json::Value = serde_json::from_str(&cli.ok(&args)).unwrap();
    serde_json::from_value(report["elected"].clone()).unwrap()
}

/// Opens a voter's link: the code form, filled in from the link; continues to the list of
/// their contests.
async fn open_contests(c: &Client, link: &str, code: &str) {
    c.goto(link).await.unwrap();
    wait_for(c, "h1", "Vote: ").await;
    assert_eq!(
        value_of(c, "code").await,
        code,
        "the code is not filled in from the link"
    );
    click_button(c, "Continue").await;
    wait_for(c, "h1", "Your ballots").await;
}

/// From the list of contests, the ballot paper of one.
async fn start_ballot(c: &Client, contest: &str) {
    let vote = format!("button[aria-label='Vote in {contest}']");
    wait_el(c, &vote).await.click().await.unwrap();
    wait_for(c, "legend", contest).await;
}

/// A whole vote in one contest from the list of contests: choose, review (check the order),
/// cast (check the ballot as recorded and the tracker).
async fn vote(c: &Client, contest: &str, choices: &[(&str, &str)], expect: &[&str]) {
    start_ballot(c, contest).await;
    for (id, v) in choices {
        choose(c, id, v).await;
    }
    click_button(c, "Review my vote").await;
    wait_for(c, "h1", "Check your vote").await;
    assert_eq!(texts(c, "main ol li").await, expect);
    click_button(c, "Cast my vote").await;
    wait_for(c, "h1", "Your vote has been cast").await;
    assert!(!wait_el(c, "p.tracker")
        .await
        .text()
        .await
        .unwrap()
        .is_empty());
    assert_eq!(texts(c, "main ol li").await, expect);
}

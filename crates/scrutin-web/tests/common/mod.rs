//! What the web tests share: databases on each backend (SQLite always, PostgreSQL when
//! SCRUTIN_TEST_POSTGRES_URL is set), elections set up through the store, and a client that
//! sends requests to the router in memory and keeps the session cookie.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use tower::ServiceExt;

use scrutin_store::roll;
use scrutin_store::rules::{contests, ElectionDates};
use scrutin_store::{BallotOrder, Channel, Date, NewElection, Revote, Store};
use scrutin_web::WebConfig;

pub const NEC: &str = include_str!("../../../../examples/labour-nec-2018/body.toml");

/// A small body for the tests: a ranked STV contest (2 seats) and a block vote of 2 marks.
pub const SMALL: &str = r#"
[body]
name = "Test Society Executive"
seats = 4

[[section]]
id = "exec"
name = "Executive committee"
seats = 2
filled_by = "elected"
method = "ers97"

[section.electorate]
kind = "members"
who = "members"

[section.voters]
joined_by = 2017-11-19
paid_up_by = 2017-11-19

[section.nomination]
per_nominator = 4

[[section.nomination.route]]
by = "branches"
at_least = 1

[[section]]
id = "panel"
name = "Appeals panel"
seats = 2
filled_by = "elected"
method = "block"
marks = 2

[section.electorate]
kind = "members"
who = "members"

[section.voters]
joined_by = 2017-11-19
paid_up_by = 2017-11-19

[section.nomination]
per_nominator = 4

[[section.nomination.route]]
by = "branches"
at_least = 1
"#;

pub fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

pub fn dates() -> ElectionDates {
    ElectionDates {
        nominations_open: d("2017-10-01"),
        nominations_close: d("2017-11-19"),
        freeze_date: d("2017-11-19"),
        paid_up_date: d("2017-11-19"),
        voting_open: d("2017-12-05"),
        voting_close: d("2018-01-12"),
    }
}

/// Candidates C1…C4 (long-standing members) and voters V01…V12.
pub fn roll_csv() -> String {
    let mut s = String::from(
        "id,name,email,address,joined,paid_up_to,date_of_birth,self_declared,branch\n",
    );
    for (id, name) in [
        ("C1", "Alice Archer"),
        ("C2", "Ben Brown"),
        ("C3", "Chloe Clark"),
        ("C4", "Dev Dutta"),
    ] {
        s.push_str(&format!(
            "{id},{name},{}@example.org,,2010-01-01,2018-12-31,1980-01-01,,Brighton\n",
            id.to_lowercase()
        ));
    }
    for k in 1..=12 {
        s.push_str(&format!(
            "V{k:02},Voter {k},v{k}@example.org,,2015-01-01,2018-12-31,1990-01-01,,Leeds\n"
        ));
    }
    s
}

/// A database for one test on one backend.
pub struct Db {
    pub name: &'static str,
    pub store: Arc<Store>,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Schema(String, String),
}

fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{name}_{}_{nanos}", std::process::id())
}

impl Db {
    pub async fn finish(self) {
        if let Ok(store) = Arc::try_unwrap(self.store) {
            store.close().await;
        }
        match self.cleanup {
            Cleanup::File(p) => {
                for ext in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
                }
            }
            Cleanup::Schema(url, schema) => Store::drop_schema(&url, &schema).await.unwrap(),
        }
    }
}

/// SQLite, and PostgreSQL if configured (else says SKIPPED).
pub async fn backends(test: &str) -> Vec<Db> {
    let mut v = Vec::new();
    let path = std::env::temp_dir().join(format!("scrutin-web-{}.db", unique(test)));
    let store = Store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    v.push(Db {
        name: "sqlite",
        store: Arc::new(store),
        cleanup: Cleanup::File(path),
    });
    match std::env::var("SCRUTIN_TEST_POSTGRES_URL") {
        Ok(url) => {
            let schema = unique(&format!("w_{}", test.replace('-', "_")));
            let store = Store::open_in(&url, Some(&schema)).await.unwrap();
            v.push(Db {
                name: "postgres",
                store: Arc::new(store),
                cleanup: Cleanup::Schema(url, schema),
            });
        }
        Err(_) => {
            println!("SKIPPED: SCRUTIN_TEST_POSTGRES_URL not set ({test} ran on SQLite only)")
        }
    }
    v
}

/// Creates election `id` of `sections` of `body`, imports the test roll, nominates C1…C4 in
/// every contest (five nominating bodies each, enough for the NEC's threshold), fixes the
/// ballot papers (alphabetical), freezes the roll and issues every voter a credential.
/// Returns the codes by member; the poll is not yet open.
pub async fn setup(
    store: &Store,
    id: &str,
    body: &str,
    sections: &[&str],
) -> BTreeMap<String, String> {
    let sections: Vec<String> = sections.iter().map(|s| s.to_string()).collect();
    store
        .create_election(&NewElection {
            id,
            title: "Test election",
            constitution: body,
            constitution_file: "body.toml",
            sections: sections.clone(),
            dates: dates(),
        })
        .await
        .unwrap();
    let text = roll_csv();
    let parsed = scrutin_body::Constitution::parse(body, "body.toml").unwrap();
    let cs = contests(&parsed, &sections, &dates()).unwrap();
    let r = roll::read(text.as_bytes(), "roll.csv", &cs).unwrap();
    let sha = format!("{:x}", Sha256::digest(text.as_bytes()));
    store
        .import_roll(id, &r, "roll.csv", &sha, d("2017-11-15"), &mut |_| {})
        .await
        .unwrap();
    for c in &cs {
        let kind = c.nomination.kinds().first().map(|k| k.to_string()).unwrap();
        for (ci, cand) in ["C1", "C2", "C3", "C4"].iter().enumerate() {
            for k in 0..5 {
                store
                    .nominate(
                        id,
                        &c.section_id,
                        cand,
                        &format!("Body {ci}-{k}"),
                        &kind,
                        d("2017-11-01"),
                    )
                    .await
                    .unwrap();
            }
        }
        store.close_nominations(id, &c.section_id).await.unwrap();
        store
            .draw_ballot_order(id, &c.section_id, BallotOrder::Alphabetical)
            .await
            .unwrap();
    }
    store.freeze_roll(id).await.unwrap();
    let mut codes = BTreeMap::new();
    for k in 1..=12 {
        let m = format!("V{k:02}");
        let issued = store
            .issue_credential(id, &m, Channel::Email, None)
            .await
            .unwrap();
        codes.insert(m, issued.code.expose_secret().to_string());
    }
    codes
}

/// As [`setup`], then opens the poll with `revote`.
pub async fn open(
    store: &Store,
    id: &str,
    body: &str,
    sections: &[&str],
    revote: Revote,
) -> BTreeMap<String, String> {
    let codes = setup(store, id, body, sections).await;
    store.open_poll(id, revote).await.unwrap();
    codes
}

/// A fixed signing key for the tests (RFC 8032 test 1's seed).
pub fn signing_key() -> ed25519_dalek::SigningKey {
    scrutin_record::keys::signing_key_from_hex(
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    )
    .unwrap()
}

pub const BASE: &str = "http://127.0.0.1:8080";

pub fn config(records: &std::path::Path) -> WebConfig {
    let mut c = WebConfig::new(BASE);
    c.signing_key = Some(signing_key());
    c.records_dir = records.to_path_buf();
    c
}

/// `application/x-www-form-urlencoded`.
pub fn encode(pairs: &[(&str, &str)]) -> String {
    fn enc(s: &str) -> String {
        let mut out = String::new();
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    out.push(b as char)
                }
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A response, read whole.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Page {
    /// The text between `start` and the next `end` after it.
    pub fn between(&self, start: &str, end: &str) -> Option<String> {
        let i = self.body.find(start)? + start.len();
        let j = self.body[i..].find(end)? + i;
        Some(self.body[i..j].to_string())
    }
    pub fn has(&self, s: &str) -> bool {
        self.body.contains(s)
    }
    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }
}

/// A browser in memory: sends requests to the router and keeps the session cookie.
pub struct Client {
    pub app: Router,
    pub cookie: Option<String>,
    /// The Origin header sent with POSTs (a browser sends its page's).
    pub origin: Option<String>,
}

impl Client {
    pub fn new(store: Arc<Store>, config: WebConfig) -> Client {
        Client {
            app: scrutin_web::router(store, config),
            cookie: None,
            origin: Some(BASE.to_string()),
        }
    }

    pub async fn send(&mut self, req: Request<Body>) -> Page {
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        for c in headers.get_all(header::SET_COOKIE) {
            let c = c.to_str().unwrap();
            let pair = c.split(';').next().unwrap();
            if c.contains("Max-Age=0") {
                self.cookie = None;
            } else {
                self.cookie = Some(pair.to_string());
            }
        }
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        Page {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    fn builder(&self, method: &str, path: &str) -> axum::http::request::Builder {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "127.0.0.1:8080");
        if let Some(c) = &self.cookie {
            b = b.header(header::COOKIE, c);
        }
        b
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let req = self.builder("GET", path).body(Body::empty()).unwrap();
        self.send(req).await
    }

    pub async fn post(&mut self, path: &str, pairs: &[(&str, &str)]) -> Page {
        let mut b = self
            .builder("POST", path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(o) = &self.origin {
            b = b.header(header::ORIGIN, o);
        }
        let req = b.body(Body::from(encode(pairs))).unwrap();
        self.send(req).await
    }

    /// A multipart form: text fields and files (name, file name, content).
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &str)],
    ) -> Page {
        let boundary = "----scrutin-test-boundary-7d2a";
        let mut body = String::new();
        for (k, v) in fields {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
            ));
        }
        for (k, f, v) in files {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{f}\"\r\nContent-Type: text/csv\r\n\r\n{v}\r\n"
            ));
        }
        body.push_str(&format!("--{boundary}--\r\n"));
        let mut b = self.builder("POST", path).header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        );
        if let Some(o) = &self.origin {
            b = b.header(header::ORIGIN, o);
        }
        let req = b.body(Body::from(body)).unwrap();
        self.send(req).await
    }

    /// Signs in as `user` (made with `password` first).
    pub async fn sign_in(&mut self, store: &Store, user: &str, password: &str) -> String {
        store
            .put_admin(user, &scrutin_web::hash_password(password).unwrap())
            .await
            .unwrap();
        let p = self
            .post(
                "/admin/login",
                &[("username", user), ("password", password)],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        assert_eq!(p.location(), Some("/admin"));
        let dash = self.get("/admin").await;
        assert_eq!(dash.status, StatusCode::OK);
        csrf_of(&dash)
    }
}

/// The CSRF token in an admin page's forms.
pub fn csrf_of(p: &Page) -> String {
    p.between("name=\"csrf\" value=\"", "\"")
        .expect("an admin page has forms with a csrf field")
}

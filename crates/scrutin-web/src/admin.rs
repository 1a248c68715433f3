//! The returning officer's pages, behind a login: create an election, import and freeze the
//! roll, open the poll, follow turnout, receive postal voting statements and enter the
//! papers, close the poll, count and publish.
//!
//! Every form posts back with the session's CSRF token and is checked (token and Origin)
//! before anything is done; every action's outcome is shown once on the page it returns to
//! (post, redirect, get), a refusal with the store's own message.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use maud::{html, Markup};
use scrutin_record::ballot::BallotKind;
use scrutin_store::rules::ElectionDates;
use scrutin_store::{roll, BoxStatus, Date, NewElection, PollState, Revote, StoreError};
use sha2::{Digest, Sha256};

use crate::error::{WebError, WebResult};
use crate::form::{Fields, Upload};
use crate::page::{self, Problem};
use crate::public::{revote_text, state_text};
use crate::session::{self, AdminSession};
use crate::{AppState, Flash};

/// The CSRF field of every admin form.
fn csrf_field(s: &AdminSession) -> Markup {
    html! { input type="hidden" name="csrf" value=(s.csrf); }
}

/// An admin page: the navigation (with the logout button), the flashes, the body.
fn admin_page(app: &AppState, s: &AdminSession, title: &str, body: Markup) -> Markup {
    let flashes = app.take_flashes(&s.token_hash);
    page::wide(
        title,
        html! {
            nav aria-label="Administration" {
                a href="/admin" { "Dashboard" } " · "
                a href="/admin/new" { "New election" } " · "
                span.hint { "signed in as " (s.user) } " "
                form.inline method="post" action="/admin/logout" {
                    (csrf_field(s))
                    button.secondary type="submit" { "Sign out" }
                }
            }
            (page::flashes(&flashes))
            (body)
        },
    )
}

fn ok(title: impl Into<String>, lines: Vec<String>) -> Flash {
    Flash {
        ok: true,
        title: title.into(),
        lines,
    }
}

fn refused(title: impl Into<String>, lines: Vec<String>) -> Flash {
    Flash {
        ok: false,
        title: title.into(),
        lines,
    }
}

/// A store result for an admin action: the user-facing refusals become a flash; failures of
/// the server stay errors (a 500 page).
fn outcome<T>(r: Result<T, StoreError>) -> WebResult<Result<T, String>> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(e @ (StoreError::Db(_) | StoreError::Random(_))) => Err(WebError::Store(e)),
        Err(e) => Ok(Err(e.to_string())),
    }
}

fn back_to(id: &str) -> Response {
    Redirect::to(&format!("/admin/e/{id}")).into_response()
}

/// An action's store result shown on the election's page: on success it is logged (`did`,
/// e.g. "closed the poll of") and flashed under `titles.0` with `lines`; a refusal is flashed
/// under `titles.1` with the store's reason. Server failures stay errors.
fn flash_outcome<T>(
    app: &AppState,
    s: &AdminSession,
    id: &str,
    r: Result<T, StoreError>,
    did: &str,
    titles: (&str, &str),
    lines: impl FnOnce(&T) -> Vec<String>,
) -> WebResult<Response> {
    match outcome(r)? {
        Ok(v) => {
            tracing::info!("administrator {} {did} {id}", s.user);
            app.push_flash(&s.token_hash, ok(titles.0, lines(&v)));
        }
        Err(m) => app.push_flash(&s.token_hash, refused(titles.1, vec![m])),
    }
    Ok(back_to(id))
}

// ----- login ---------------------------------------------------------------------------

fn login_page(app: &AppState, problem: Option<&str>, no_admins: bool, username: &str) -> Markup {
    let problems: Vec<Problem> = problem
        .map(|m| Problem::at("username", m))
        .into_iter()
        .collect();
    page::layout(
        "Sign in",
        html! {
            (page::error_summary(&problems, "username"))
            h1 { "Returning officer: sign in" }
            @if let Some(w) = app.config.cookie_warning() {
                div.bad { p { (w) } }
            }
            @if no_admins {
                div.notice {
                    p {
                        "No administrator exists yet. Create one on the server with "
                        span.mono { "scrutin admin add NAME --password-stdin" } "."
                    }
                }
            }
            form method="post" action="/admin/login" {
                label for="username" { "Username" }
                input #username type="text" name="username" value=(username)
                    autocomplete="username" autocapitalize="none" spellcheck="false";
                label for="password" { "Password" }
                input #password type="password" name="password" autocomplete="current-password";
                p { button type="submit" { "Sign in" } }
            }
        },
    )
}

/// `GET /admin/login`.
pub(crate) async fn login_form(State(app): State<AppState>) -> WebResult<Markup> {
    let no_admins = !app.store.has_admins().await?;
    Ok(login_page(&app, None, no_admins, ""))
}

/// `POST /admin/login`: checks the password (argon2; as long for an unknown user), then
/// starts a session: a random token in the cookie, its SHA-256 in the store.
pub(crate) async fn login(
    State(app): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    fields: Fields,
) -> WebResult<Response> {
    session::check_origin(&app, &headers)?;
    let username: String = fields.text("username").chars().take(200).collect();
    let password: String = fields
        .get("password")
        .unwrap_or("")
        .chars()
        .take(1024)
        .collect();
    let stored = app.store.admin_password_hash(&username).await?;
    let known = stored.is_some();
    let hash = stored.unwrap_or_else(|| app.dummy_hash());
    let good = tokio::task::spawn_blocking(move || session::verify_password(&password, &hash))
        .await
        .map_err(|e| WebError::Internal(format!("password check: {e}")))?;
    if !(good && known) {
        tracing::warn!("failed administrator sign-in");
        return Ok((
            StatusCode::UNAUTHORIZED,
            login_page(
                &app,
                Some("The username or password is not right."),
                false,
                &username,
            ),
        )
            .into_response());
    }
    let token = session::random_hex(32)?;
    let csrf = session::random_hex(32)?;
    app.store
        .put_session(
            &session::sha256_hex(&token),
            &username,
            &csrf,
            &session::expiry(),
        )
        .await?;
    tracing::info!("administrator {username} signed in");
    Ok((jar.add(app.session_cookie(token)), Redirect::to("/admin")).into_response())
}

/// `POST /admin/logout`: ends the session.
pub(crate) async fn logout(
    State(app): State<AppState>,
    s: AdminSession,
    headers: HeaderMap,
    jar: CookieJar,
    fields: Fields,
) -> WebResult<Response> {
    s.check(&app, &headers, fields.get("csrf"))?;
    app.store.delete_session(&s.token_hash).await?;
    let _ = app.take_flashes(&s.token_hash);
    tracing::info!("administrator {} signed out", s.user);
    Ok((jar.add(app.removal_cookie()), Redirect::to("/admin/login")).into_response())
}

// ----- the dashboard and new elections -------------------------------------------------

/// `GET /admin`: the elections and their states.
pub(crate) async fn dashboard(State(app): State<AppState>, s: AdminSession) -> WebResult<Markup> {
    let mut rows = Vec::new();
    for id in app.store.elections().await? {
        let e = app.store.election(&id).await?;
        let st = app.store.box_status(&id).await?;
        rows.push((id, e.title, st.state));
    }
    Ok(admin_page(
        &app,
        &s,
        "Administration",
        html! {
            h1 { "Elections" }
            @if rows.is_empty() {
                p { "No elections yet." }
            } @else {
                div.scroll { table {
                    thead { tr { th scope="col" { "Election" } th scope="col" { "Id" } th scope="col" { "The poll" } } }
                    tbody {
                        @for (id, title, state) in &rows {
                            tr {
                                th scope="row" { a href={ "/admin/e/" (id) } { (title) } }
                                td.mono { (id) }
                                td { (state_text(*state)) }
                            }
                        }
                    }
                } }
            }
            p { a.button href="/admin/new" { "Create an election" } }
            p.hint {
                "Signing key: "
                @match &app.config.signing_key {
                    Some(k) => span.mono { (scrutin_record::keys::public_key_hex(k)) },
                    None => "none (start the server with --signing-key FILE to publish records)",
                }
            }
        },
    ))
}

/// The create form's fields, as typed (kept when the form is shown again).
const DATE_FIELDS: [(&str, &str, &str); 6] = [
    ("nominations_open", "Nominations open", ""),
    ("nominations_close", "Nominations close", ""),
    (
        "freeze_date",
        "Freeze date (roll)",
        "Members who join after it may not vote. Blank: the constitution's voters.joined_by.",
    ),
    (
        "paid_up_date",
        "Paid-up date",
        "Members must be paid up to this day. Blank: the constitution's voters.paid_up_by, else the freeze date.",
    ),
    ("voting_open", "Voting opens", ""),
    ("voting_close", "Voting closes", ""),
];

fn new_election_page(app: &AppState, s: &AdminSession, f: &Fields, problems: &[Problem]) -> Markup {
    let field_error = |name: &str| {
        problems
            .iter()
            .find(|p| p.field.as_deref() == Some(name))
            .map(|p| p.message.clone())
    };
    admin_page(
        app,
        s,
        "New election",
        html! {
            (page::error_summary(problems, "id"))
            h1 { "Create an election" }
            form method="post" action="/admin/new" enctype="multipart/form-data" {
                (csrf_field(s))
                label for="id" { "Id" }
                p.hint { "Letters, digits, - and _ (it appears in addresses: /e/ID)." }
                @if let Some(m) = field_error("id") { p.field-error { (m) } }
                input #id type="text" name="id" value=(f.text("id")) autocapitalize="none" spellcheck="false";
                label for="title" { "Title" }
                input #title type="text" name="title" value=(f.text("title"));
                label for="constitution" { "The body's constitution (TOML)" }
                p.hint { "Paste it here, or choose its file below (a file takes precedence)." }
                @if let Some(m) = field_error("constitution") { p.field-error { (m) } }
                textarea #constitution name="constitution" rows="12" spellcheck="false" { (f.get("constitution").unwrap_or("")) }
                label for="constitution_file" { "Constitution file" }
                input #constitution_file type="file" name="constitution_file" accept=".toml,text/plain";
                label for="sections" { "Contested sections" }
                p.hint { "Section ids from the constitution, separated by commas (clp, young-labour)." }
                @if let Some(m) = field_error("sections") { p.field-error { (m) } }
                input #sections type="text" name="sections" value=(f.text("sections")) autocapitalize="none" spellcheck="false";
                @for (name, label, hint) in DATE_FIELDS {
                    label for=(name) { (label) }
                    @if !hint.is_empty() { p.hint { (hint) } }
                    @if let Some(m) = field_error(name) { p.field-error { (m) } }
                    input id=(name) type="date" name=(name) value=(f.text(name));
                }
                p { button type="submit" { "Create the election" } }
            }
        },
    )
}

/// `GET /admin/new`.
pub(crate) async fn new_election_form(State(app): State<AppState>, s: AdminSession) -> Markup {
    new_election_page(&app, &s, &Fields::default(), &[])
}

/// `POST /admin/new`: creates an election from a constitution.
pub(crate) async fn create_election(
    State(app): State<AppState>,
    s: AdminSession,
    headers: HeaderMap,
    upload: Upload,
) -> WebResult<Response> {
    s.check(&app, &headers, upload.fields.get("csrf"))?;
    let mut f = upload.fields.clone();
    let (file, text) = match upload.file("constitution_file") {
        Some((name, bytes)) => match std::str::from_utf8(bytes) {
            Ok(t) => (name.to_string(), t.to_string()),
            Err(_) => {
                let p = [Problem::at(
                    "constitution",
                    "The constitution file is not UTF-8 text.",
                )];
                return Ok(
                    (StatusCode::BAD_REQUEST, new_election_page(&app, &s, &f, &p)).into_response(),
                );
            }
        },
        None => (
            "constitution".to_string(),
            f.get("constitution").unwrap_or("").to_string(),
        ),
    };
    // A file's text is shown in the textarea if the form comes back.
    f.0.retain(|(k, _)| k != "constitution");
    f.0.push(("constitution".into(), text.clone()));
    let mut problems = Vec::new();
    let id = f.text("id").to_string();
    let title = f.text("title").to_string();
    if id.is_empty() {
        problems.push(Problem::at("id", "Give the election an id."));
    }
    if title.is_empty() {
        problems.push(Problem::at("title", "Give the election a title."));
    }
    let sections: Vec<String> = f
        .text("sections")
        .split(',')
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect();
    if sections.is_empty() {
        problems.push(Problem::at(
            "sections",
            "Name at least one contested section.",
        ));
    }
    let constitution = match scrutin_body::Constitution::parse(&text, &file) {
        Ok(c) => Some(c),
        Err(e) => {
            problems.push(Problem::at(
                "constitution",
                format!("The constitution: {e}"),
            ));
            None
        }
    };
    // The freeze and paid-up dates default to the first contested section's voter rules.
    let (joined_by, paid_up_by) = constitution
        .as_ref()
        .map(|c| scrutin_store::rules::voter_dates(c, &sections))
        .unwrap_or((None, None));
    let mut date = |name: &str, fallback: Option<Date>| -> Option<Date> {
        let v = f.text(name);
        if v.is_empty() {
            if fallback.is_none() {
                let label = DATE_FIELDS
                    .iter()
                    .find(|d| d.0 == name)
                    .map_or(name, |d| d.1);
                problems.push(Problem::at(name, format!("{label}: give a date.")));
            }
            return fallback;
        }
        match Date::parse(v) {
            Ok(d) => Some(d),
            Err(e) => {
                let label = DATE_FIELDS
                    .iter()
                    .find(|d| d.0 == name)
                    .map_or(name, |d| d.1);
                problems.push(Problem::at(name, format!("{label}: {e}")));
                None
            }
        }
    };
    let nominations_open = date("nominations_open", None);
    let nominations_close = date("nominations_close", None);
    let freeze = date("freeze_date", joined_by);
    let paid = date("paid_up_date", paid_up_by.or(freeze));
    let voting_open = date("voting_open", None);
    let voting_close = date("voting_close", None);
    let dates = match (
        nominations_open,
        nominations_close,
        freeze,
        paid,
        voting_open,
        voting_close,
    ) {
        (Some(a), Some(b), Some(c), Some(d), Some(e), Some(g)) if problems.is_empty() => {
            ElectionDates {
                nominations_open: a,
                nominations_close: b,
                freeze_date: c,
                paid_up_date: d,
                voting_open: e,
                voting_close: g,
            }
        }
        _ => {
            return Ok((
                StatusCode::BAD_REQUEST,
                new_election_page(&app, &s, &f, &problems),
            )
                .into_response());
        }
    };
    let created = app
        .store
        .create_election(&NewElection {
            id: &id,
            title: &title,
            constitution: &text,
            constitution_file: &file,
            sections,
            dates,
        })
        .await;
    match outcome(created)? {
        Ok(contests) => {
            tracing::info!("administrator {} created election {id}", s.user);
            let lines = contests
                .iter()
                .map(|c| {
                    format!(
                        "{}: {} — {} seat(s), {}",
                        c.section_id, c.name, c.seats, c.method
                    )
                })
                .collect();
            app.push_flash(
                &s.token_hash,
                ok(format!("Created election {id}: {title}"), lines),
            );
            Ok(back_to(&id))
        }
        Err(m) => {
            let p = [Problem::general(m)];
            Ok((StatusCode::CONFLICT, new_election_page(&app, &s, &f, &p)).into_response())
        }
    }
}

// ----- one election --------------------------------------------------------------------

fn turnout_table(status: &scrutin_store::Status) -> Markup {
    html! {
        div.scroll { table {
            caption { "Turnout" }
            thead { tr {
                th scope="col" { "Contest" }
                th.num scope="col" { "Electors" }
                th.num scope="col" { "Online" }
                th.num scope="col" { "Postal" }
                th.num scope="col" { "Turnout" }
            } }
            tbody {
                @for c in &status.contests {
                    tr {
                        th scope="row" { (c.name) }
                        td.num { (c.electors) }
                        td.num { (c.online) }
                        td.num { (c.postal) }
                        td.num { (page::percent(c.online + c.postal, c.electors)) }
                    }
                }
            }
        } }
    }
}

fn box_facts(st: &BoxStatus) -> Markup {
    html! {
        dl.facts {
            dt { "The poll" } dd { (state_text(st.state)) }
            @if st.state != PollState::Setup { dt { "Voting again" } dd { (revote_text(st.revote)) } }
            dt { "Ballot box" } dd {
                (st.entries) " entries in the chain, " (st.pending) " waiting to be sealed (in groups of "
                (st.seal_every) ")"
            }
            dt { "Chain head" } dd.mono { (st.head) }
            dt { "Public key" } dd.mono { (st.public_key.as_deref().unwrap_or("not set")) }
            @if let Some(t) = &st.opened_at { dt { "Opened" } dd { (t) } }
            @if let Some(t) = &st.closed_at { dt { "Closed" } dd { (t) } }
        }
    }
}

/// A form with one button posting to `/admin/e/{id}/{action}`.
fn action_button(s: &AdminSession, id: &str, action: &str, label: &str, danger: bool) -> Markup {
    html! {
        form method="post" action={ "/admin/e/" (id) "/" (action) } {
            (csrf_field(s))
            button class=[danger.then_some("danger")] type="submit" { (label) }
        }
    }
}

/// `GET /admin/e/{id}`: the election, its state, and the actions its state allows.
pub(crate) async fn election(
    State(app): State<AppState>,
    s: AdminSession,
    Path(id): Path<String>,
) -> WebResult<Markup> {
    let e = app.store.election(&id).await?;
    let st = app.store.box_status(&id).await?;
    let status = app.store.status(&id).await?;
    let contests = e.contests()?;
    let mut papers = Vec::new();
    for c in &contests {
        let n = app
            .store
            .ballot_paper(&id, &c.section_id)
            .await
            .map(|p| p.candidates.len())
            .unwrap_or(0);
        papers.push((c, n));
    }
    let batches = app.store.postal_batches(&id).await?;
    let results = if matches!(st.state, PollState::Counted | PollState::Published) {
        app.store.results(&id).await?
    } else {
        Vec::new()
    };
    let log = app.store.log_entries(&id).await?;
    let key_hex = app
        .config
        .signing_key
        .as_ref()
        .map(scrutin_record::keys::public_key_hex);
    let frozen = e.roll_sha256.is_some();
    Ok(admin_page(
        &app,
        &s,
        &e.title,
        html! {
            h1 { (e.title) }
            p { a href={ "/e/" (id) } { "Public page" } }
            dl.facts {
                dt { "Id" } dd.mono { (id) }
                dt { "Organisation" } dd { (e.body_name) }
                dt { "Nominations" } dd { (e.dates.nominations_open) " to " (e.dates.nominations_close) }
                dt { "Freeze date" } dd { (e.dates.freeze_date) }
                dt { "Paid up by" } dd { (e.dates.paid_up_date) }
                dt { "Voting" } dd { (e.dates.voting_open) " to " (e.dates.voting_close) }
                dt { "Roll" } dd {
                    (status.members) " members; "
                    @match &e.roll_sha256 {
                        Some(fp) => { "frozen, SHA-256 " span.mono { (fp) } }
                        None => "not frozen",
                    }
                }
                dt { "Credentials" } dd {
                    @for (ch, live, delivered) in &status.credentials {
                        (ch) ": " (live) " live, " (delivered) " delivered. "
                    }
                }
            }
            (box_facts(&st))
            @if let (Some(k), Some(p)) = (&key_hex, &st.public_key) {
                @if k != p {
                    div.bad role="alert" { p {
                        "The server's signing key (" span.mono { (k) } ") is not the key published "
                        "for this election: the record cannot be published with it."
                    } }
                }
            }
            h2 { "Contests" }
            div.scroll { table {
                thead { tr {
                    th scope="col" { "Contest" } th scope="col" { "Id" } th.num scope="col" { "Seats" }
                    th scope="col" { "Rules" } th.num scope="col" { "On the ballot paper" }
                } }
                tbody {
                    @for (c, n) in &papers {
                        tr {
                            th scope="row" { (c.name) }
                            td.mono { (c.section_id) }
                            td.num { (c.seats) }
                            td { (c.method) }
                            td.num { @if *n == 0 { "not fixed yet" } @else { (n) } }
                        }
                    }
                }
            } }
            (turnout_table(&status))

            @match st.state {
                PollState::Setup => {
                    @if !frozen {
                        h2 { "Import the roll" }
                        form method="post" action={ "/admin/e/" (id) "/roll" } enctype="multipart/form-data" {
                            (csrf_field(&s))
                            label for="roll" { "The roll (CSV)" }
                            p #roll-hint .hint {
                                "Columns id, name, email, address, joined, paid_up_to, date_of_birth, "
                                "self_declared, branch (docs/election.md). Paste it, or choose the file."
                            }
                            textarea #roll name="roll" rows="8" spellcheck="false" aria-describedby="roll-hint" {}
                            label for="roll_file" { "Roll file" }
                            input #roll_file type="file" name="roll_file" accept=".csv,text/csv";
                            p { button type="submit" { "Import the roll" } }
                        }
                        h2 { "Freeze the roll" }
                        p { "No import is possible after this; credentials are issued from the frozen roll." }
                        (action_button(&s, &id, "freeze", "Freeze the roll", false))
                    }
                    div.notice { p {
                        "Nominations, the ballot paper order and voters' credentials are done with "
                        span.mono { "scrutin election" } " on the server (docs/election.md)."
                    } }
                    h2 { "Open the poll" }
                    form method="post" action={ "/admin/e/" (id) "/open" } {
                        (csrf_field(&s))
                        fieldset {
                            legend { "If a voter votes again online" }
                            div.radio {
                                input #revote-first type="radio" name="revote" value="first" checked;
                                label for="revote-first" { "the first ballot stands; a second is refused" }
                            }
                            div.radio {
                                input #revote-last type="radio" name="revote" value="last";
                                label for="revote-last" { "the last ballot counts (it replaces the earlier one)" }
                            }
                        }
                        label for="seal_every" { "Seal ballots into the chain in groups of" }
                        p #seal-hint .hint {
                            "Accepted ballots wait in a pool and go into the public chain together, "
                            "in a random order, so that the chain's order does not tell when each was "
                            "cast. 1 seals each ballot at once. Whatever is left is sealed as the poll closes."
                        }
                        input #seal_every type="number" name="seal_every" min="1" max="100000"
                            inputmode="numeric" value=(st.seal_every) aria-describedby="seal-hint";
                        @match (&key_hex, &st.public_key) {
                            (Some(k), None) => p.hint { "The server's public key " span.mono { (k) } " will be recorded with the election as the poll opens." },
                            (None, None) => p.hint { "No signing key is loaded: the record can then be signed only by a key whose public half is not on file." },
                            _ => {}
                        }
                        button type="submit" { "Open the poll" }
                    }
                }
                PollState::Open => {
                    p { a href={ "/admin/e/" (id) "/turnout" } { "Live turnout (refreshes itself)" } }
                    h2 { "Postal voting statements" }
                    form method="post" action={ "/admin/e/" (id) "/postal" } {
                        (csrf_field(&s))
                        label for="batch" { "Batch name" }
                        p #batch-hint .hint { "Letters, digits and dashes, one name per batch (2018-01-08-a)." }
                        input #batch type="text" name="batch" aria-describedby="batch-hint" autocapitalize="none" spellcheck="false";
                        label for="members" { "Member numbers on the returned statements" }
                        p #members-hint .hint { "One per line. Members who have already voted are refused: set their papers aside unopened." }
                        textarea #members name="members" rows="8" spellcheck="false" aria-describedby="members-hint" {}
                        p { button type="submit" { "Receive the batch" } }
                    }
                    @if !batches.is_empty() {
                        h2 { "Postal batches" }
                        div.scroll { table {
                            thead { tr {
                                th scope="col" { "Batch" } th scope="col" { "Contest" }
                                th.num scope="col" { "Accepted" } th.num scope="col" { "Refused" }
                                th scope="col" { "Ballots" }
                            } }
                            tbody {
                                @for (b, sec, acc, refd, entered) in &batches {
                                    tr {
                                        th scope="row" { (b) }
                                        td { (sec) }
                                        td.num { (acc) }
                                        td.num { (refd) }
                                        td {
                                            @match entered {
                                                Some(n) => { (n) " entered" }
                                                None if *acc > 0 => a href={ "/admin/e/" (id) "/postal/" (b) "/" (sec) } { "Enter the ballots" },
                                                None => "none to enter",
                                            }
                                        }
                                    }
                                }
                            }
                        } }
                    }
                    h2 { "Close the poll" }
                    p { "Nothing more can go into the ballot box once it is closed. Every received postal batch must be entered first." }
                    (action_button(&s, &id, "close", "Close the poll", true))
                }
                PollState::Closed => {
                    h2 { "Count" }
                    p { "Counts every contest under its declared rules, from the ballots in the box (the chain is checked first)." }
                    (action_button(&s, &id, "count", "Count the votes", false))
                }
                PollState::Counted | PollState::Published => {
                    h2 { "Results" }
                    @for r in &results {
                        p { strong { (r.spec.name) } ": elected " (page::and_list(&r.report.elected)) }
                    }
                    @if st.state == PollState::Counted {
                        h2 { "Publish" }
                        @if key_hex.is_some() {
                            p { "Writes the signed record into " span.mono { (app.config.records_dir.display()) } " and makes the results public." }
                            (action_button(&s, &id, "publish", "Publish the results and the record", false))
                        } @else {
                            p { "Publishing needs the returning officer's signing key: restart the server with " span.mono { "--signing-key FILE" } "." }
                        }
                    } @else {
                        p { a href={ "/e/" (id) "/results" } { "The public results" } " · " a href={ "/e/" (id) "/record" } { "The record" } }
                    }
                }
            }
            h2 { "Log" }
            div.scroll { table {
                thead { tr { th scope="col" { "#" } th scope="col" { "When" } th scope="col" { "Action" } th scope="col" { "Member" } th scope="col" { "Detail" } } }
                tbody {
                    @for (seq, at, action, member, detail) in log.iter().rev().take(30) {
                        tr { td.num { (seq) } td.nowrap { (at) } td { (action) } td { (member.as_deref().unwrap_or("")) } td { (detail) } }
                    }
                }
            } }
        },
    ))
}

/// The election must exist before anything is done to it.
async fn known(app: &AppState, id: &str) -> WebResult<()> {
    app.store.election(id).await?;
    Ok(())
}

/// `POST /admin/e/{id}/roll`: reads, checks and imports a roll (today's date).
pub(crate) async fn import_roll(
    State(app): State<AppState>,
    s: AdminSession,
    headers: HeaderMap,
    Path(id): Path<String>,
    upload: Upload,
) -> WebResult<Response> {
    s.check(&app, &headers, upload.fields.get("csrf"))?;
    let e = app.store.election(&id).await?;
    let (name, bytes): (String, Vec<u8>) = match upload.file("roll_file") {
        Some((f, b)) => (
            if f.is_empty() {
                "roll.csv".into()
            } else {
                f.to_string()
            },
            b.to_vec(),
        ),
        None => (
            "roll.csv".into(),
            upload.fields.get("roll").unwrap_or("").as_bytes().to_vec(),
        ),
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        app.push_flash(
            &s.token_hash,
            refused("No roll was given: paste it or choose its file.", vec![]),
        );
        return Ok(back_to(&id));
    }
    let contests = e.contests()?;
    let read = {
        let name = name.clone();
        let bytes = bytes.clone();
        tokio::task::spawn_blocking(move || roll::read(&bytes, &name, &contests))
            .await
            .map_err(|e| WebError::Internal(format!("reading a roll: {e}")))?
    };
    let r = match read {
        Ok(r) => r,
        Err(report) => {
            let lines = report.error_lines();
            app.push_flash(
                &s.token_hash,
                refused(
                    format!(
                        "{name}: {} error(s) in {} row(s); the roll was not imported and nothing was changed",
                        report.errors.len(),
                        report.rows
                    ),
                    lines,
                ),
            );
            return Ok(back_to(&id));
        }
    };
    let sha = scrutin_record::hex(&Sha256::digest(&bytes));
    let imported = app
        .store
        .import_roll(&id, &r, &name, &sha, Date::today(), &mut |_| {})
        .await;
    match outcome(imported)? {
        Ok(diff) => {
            tracing::info!(
                "administrator {} imported roll version {} of {id}",
                s.user,
                diff.version
            );
            let mut lines: Vec<String> = diff
                .eligible
                .iter()
                .map(|(sec, yes, no)| format!("{sec}: {yes} may vote, {no} may not"))
                .collect();
            lines.extend(
                r.report
                    .warnings
                    .iter()
                    .take(50)
                    .map(|w| format!("warning: {name}:{}: {}", w.line, w.problem)),
            );
            app.push_flash(
                &s.token_hash,
                ok(
                    format!(
                        "Roll version {}: {} members; {} added, {} removed, {} changed",
                        diff.version,
                        diff.members,
                        diff.added.len(),
                        diff.removed.len(),
                        diff.changed.len()
                    ),
                    lines,
                ),
            );
        }
        Err(m) => app.push_flash(&s.token_hash, refused("The roll was not imported", vec![m])),
    }
    Ok(back_to(&id))
}

/// `POST /admin/e/{id}/freeze`.
pub(crate) async fn freeze_roll(
    State(app): State<AppState>,
    s: AdminSession,
    headers: HeaderMap,
    Path(id): Path<String>,
    fields: Fields,
) -> WebResult<Response> {
    s.check(&app, &headers, fields.get("csrf"))?;
    known(&app, &id).await?;
    let r = app.store.freeze_roll(&id).await;
    flash_outcome(
        &app,
        &s,
        &id,
        r,
        "froze the roll of",
        ("The roll is frozen", "The roll was not frozen"),
        |fp| vec![format!("SHA-256 {fp}")],
    )
}

/// `POST /admin/e/{id}/open` (revote = first | last): records the server's public key if
/// none is on file, then opens the poll.
pub(crate) async fn open_poll(
    State(app): State<AppState>,
    s: AdminSession,
    headers: HeaderMap,
    Path(id): Path<String>,
    fields: Fields,
) -> WebResult<Response> {
    s.check(&app, &headers, fields.get("csrf"))?;
    known(&app, &id).await?;
    let revote = match Revote::parse(fields.text("revote")) {
        Ok(r) => r,
        Err(m) => {
            app.push_flash(&s.token_hash, refused("The poll was not opened", vec![m]));
            return Ok(back_to(&id));
        }
    };
    let st = app.store.box_status(&id).await?;
    let seal = fields.text("seal_every");
    if !seal.is_empty() {
        match seal.parse::<u64>() {
            Ok(n) if (1..=100_000).contains(&n) => {
                if n != st.seal_every {
                    if let Err(m) = outcome(app.store.set_seal_every(&id, n).await)? {
                        app.push_flash(&s.token_hash, refused("The poll was not opened", vec![m]));
                        return Ok(back_to(&id));
                    }
                }
            }
            _ => {
                app.push_flash(
                    &s.token_hash,
                    refused(
                        "The poll was not opened",
                        vec![format!(
                            "{seal:?} is not a group size: give a whole number from 1 to 100000."
                        )],
                    ),
                );
                return Ok(back_to(&id));
            }
        }
    }
    if let (Some(k), None, PollState::Setup) = (&app.config.signing_key, &st.public_key, st.state) {
        let public = scrutin_record::keys::public_key_hex(k);
        if let Err(m) = outcome(app.store.set_public_key(&id, &public).await)? {
            app.push_flash(&s.token_hash, refused("The poll was not opened", vec![m]));
            return Ok(back_to(&id));
        }
    }
    let r = app.store.open_poll(&id, revote).await;
    flash_outcome(
        &app,
        &s,
        &id,
        r,
        "opened the poll of",
        ("The poll is open", "The poll was not opened"),
        |st| {
            vec![
                format!("Voting again: {}", revote_text(st.revote)),
                format!(
                    "Ballots are sealed into the chain in groups of {}",
                    st.seal_every
                ),
                format!("Chain head: {}", st.head),
            ]
        },
    )
}

/// `GET /admin/e/{id}/turnout`: live turnout, reloading itself every 30 seconds.
pub(crate) async fn turnout(
    State(app): State<AppState>,
    s: AdminSession,
    Path(id): Path<String>,
) -> WebResult<Markup> {
    let e = app.store.election(&id).await?;
    let st = app.store.box_status(&id).await?;
    let status = app.store.status(&id).await?;
    let flashes = app.take_flashes(&s.token_hash);
    Ok(page::refreshing(
        &format!("Turnout: {}", e.title),
        30,
        html! {
            p { a href={ "/admin/e/" (id) } { "Back to " (e.title) } }
            (page::flashes(&flashes))
            h1 { "Turnout: " (e.title) }
            p.hint { "This page reloads itself every 30 seconds. As of " (session::iso(now_secs())) "." }
            (turnout_table(&status))
            (box_facts(&st))
        },
    ))
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `POST /admin/e/{id}/postal` (batch, members): receives a batch of postal voting
/// statements; says what was accepted per contest and who was refused, and why.
pub(crate) async fn receive_postal(
    State(app): State<AppState>,
    s: AdminSession,
    headers: HeaderMap,
    Path(id): Path<String>,
    fields: Fields,
) -> WebResult<Response> {
    s.check(&app, &headers, fields.get("csrf"))?;
    known(&app, &id).await?;
    let batch = fields.text("batch").to_string();
    let members: Vec<String> = fields
        .text("members")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    if members.is_empty() {
        app.push_flash(
            &s.token_hash,
            refused("No member numbers were given", vec![]),
        );
        return Ok(back_to(&id));
    }
    match outcome(app.store.receive_postal(&id, &batch, &members).await)? {
        Ok(r) => {
            tracing::info!(
                "administrator {} received postal batch {batch} of {id}",
                s.user
            );
            let accepted: Vec<String> = r
                .accepted
                .iter()
                .map(|(sec, n)| format!("{sec}: {n} accepted: enter {n} ballot paper(s)"))
                .collect();
            app.push_flash(
                &s.token_hash,
                ok(
                    format!(
                        "Batch {batch}: {} statement(s) received, {} refused",
                        members.len(),
                        r.refused.len()
                    ),
                    accepted,
                ),
            );
            if !r.refused.is_empty() {
                let lines = r
                    .refused
                    .iter()
                    .map(|x| match &x.section_id {
                        Some(sec) => format!("{} ({sec}): {}", x.member_id, x.reason),
                        None => format!("{}: {}", x.member_id, x.reason),
                    })
                    .collect();
                app.push_flash(
                    &s.token_hash,
                    refused("Refused: set these papers aside unopened", lines),
                );
            }
        }
        Err(m) => app.push_flash(
            &s.token_hash,
            refused(format!("Batch {batch} was not received"), vec![m]),
        ),
    }
    Ok(back_to(&id))
}

/// The batch's entry form: the ballot paper with its numbers, and what was typed.
#[allow(clippy::too_many_arguments)]
fn postal_page(
    app: &AppState,
    s: &AdminSession,
    id: &str,
    batch: &str,
    paper: &scrutin_store::BallotPaper,
    expected: u64,
    text: &str,
    problems: &[Problem],
) -> Markup {
    admin_page(
        app,
        s,
        &format!("Postal ballots: {batch}, {}", paper.name),
        html! {
            p { a href={ "/admin/e/" (id) } { "Back to the election" } }
            (page::error_summary(problems, "ballots"))
            h1 { "Postal ballots: batch " (batch) }
            p { strong { (paper.name) } ": " (expected) " statement(s) accepted, so " (expected) " paper(s) to enter." }
            div.scroll { table {
                caption { "The ballot paper" }
                thead { tr { th.num scope="col" { "No." } th scope="col" { "Candidate" } } }
                tbody {
                    @for (i, (name, withdrawn)) in paper.candidates.iter().enumerate() {
                        tr { td.num { (i + 1) } td { (name) @if *withdrawn { " (withdrawn)" } } }
                    }
                }
            } }
            form method="post" action={ "/admin/e/" (id) "/postal/" (batch) "/" (paper.section_id) } enctype="multipart/form-data" {
                (csrf_field(s))
                label for="ballots" { "The papers, one per line" }
                p #ballots-hint .hint {
                    @match paper.kind {
                        BallotKind::Ranked => { "The numbers (No.) of the candidates in the voter's order of preference: " span.mono { "3 1 2" } " means candidate 3 first, then 1, then 2. " }
                        BallotKind::Marks(k) => { "The numbers (No.) of the candidates marked (up to " (k) "): " span.mono { "2 5" } ". " }
                    }
                    "A paper that cannot be counted (blank, no first preference): a line " span.mono { "rejected" } ". "
                    "A line starting with # is a comment."
                }
                textarea #ballots name="ballots" rows="14" spellcheck="false" aria-describedby="ballots-hint" { (text) }
                label for="csv" { "Or a CSV transcription" }
                p #csv-hint .hint { "A header row of the candidates' names, then one row per paper with what the voter wrote beside each name (a number, or a mark)." }
                input #csv type="file" name="csv" accept=".csv,text/csv" aria-describedby="csv-hint";
                p { button type="submit" { "Enter the batch" } }
            }
        },
    )
}

/// The accepted statements of a batch in a contest, and whether its ballots are entered.
async fn batch_of(
    app: &AppState,
    id: &str,
    batch: &str,
    section: &str,
) -> WebResult<(u64, Option<u64>)> {
    app.store
        .postal_batches(id)
        .await?
        .into_iter()
        .find(|b| b.0 == batch && b.1 == section)
        .map(|b| (b.2, b.4))
        .ok_or_else(|| {
            WebError::NotFound(format!(
                "No postal batch {batch:?} was received for that contest."
            ))
        })
}

/// `GET /admin/e/{id}/postal/{batch}/{section}`.
pub(crate) async fn postal_form(
    State(app): State<AppState>,
    s: AdminSession,
    Path((id, batch, section)): Path<(String, String, String)>,
) -> WebResult<Response> {
    let paper = app.store.ballot_paper(&id, &section).await?;
    let (expected, entered) = batch_of(&app, &id, &batch, &section).await?;
    if let Some(n) = entered {
        app.push_flash(
            &s.token_hash,
            ok(
                format!(
                    "The {n} ballot(s) of batch {batch} for {} are entered",
                    paper.name
                ),
                vec![],
            ),
        );
        return Ok(back_to(&id));
    }
    Ok(postal_page(&app, &s, &id, &batch, &paper, expected, "", &[]).into_response())
}

/// `POST /admin/e/{id}/postal/{batch}/{section}`: reads the papers (typed or CSV) and enters
/// them; the store checks the batch total.
pub(crate) async fn enter_postal(
    State(app): State<AppState>,
    s: AdminSession,
    headers: HeaderMap,
    Path((id, batch, section)): Path<(String, String, String)>,
    upload: Upload,
) -> WebResult<Response> {
    s.check(&app, &headers, upload.fields.get("csrf"))?;
    let paper = app.store.ballot_paper(&id, &section).await?;
    let (expected, _) = batch_of(&app, &id, &batch, &section).await?;
    let typed = upload.fields.get("ballots").unwrap_or("").to_string();
    let (file, text) = match upload.file("csv") {
        Some((name, bytes)) => match std::str::from_utf8(bytes) {
            Ok(t) => (
                if name.is_empty() { "upload.csv" } else { name }.to_string(),
                t.to_string(),
            ),
            Err(_) => {
                let p = [Problem::at("csv", "The CSV file is not UTF-8 text.")];
                return Ok((
                    StatusCode::BAD_REQUEST,
                    postal_page(&app, &s, &id, &batch, &paper, expected, &typed, &p),
                )
                    .into_response());
            }
        },
        None => ("line".to_string(), typed.clone()),
    };
    let read = match scrutin_store::paper::read_batch(&text, &file, &paper) {
        Ok(b) => b,
        Err(errors) => {
            let mut p: Vec<Problem> = errors
                .into_iter()
                .take(50)
                .map(|m| Problem::at("ballots", m))
                .collect();
            p.insert(
                0,
                Problem::general(
                    "Nothing was entered: correct these lines and enter the batch again.",
                ),
            );
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                postal_page(&app, &s, &id, &batch, &paper, expected, &typed, &p),
            )
                .into_response());
        }
    };
    let n_ballots = read.ballots.len();
    let rejected = read.rejected.len() as u64;
    match outcome(
        app.store
            .enter_postal(&id, &batch, &section, read.ballots, rejected)
            .await,
    )? {
        Ok(n) => {
            tracing::info!(
                "administrator {} entered postal batch {batch} ({section}) of {id}",
                s.user
            );
            let lines = read
                .rejected
                .iter()
                .map(|(line, why)| format!("{file}:{line}: rejected: {why}"))
                .collect();
            app.push_flash(
                &s.token_hash,
                ok(
                    format!(
                        "Batch {batch}, {}: {n_ballots} ballot(s) entered, {rejected} paper(s) rejected ({n} in all)",
                        paper.name
                    ),
                    lines,
                ),
            );
            Ok(back_to(&id))
        }
        Err(m) => {
            let p = [Problem::at("ballots", m)];
            Ok((
                StatusCode::CONFLICT,
                postal_page(&app, &s, &id, &batch, &paper, expected, &typed, &p),
            )
                .into_response())
        }
    }
}

/// `POST /admin/e/{id}/close`.
pub(crate) async fn close_poll(
    State(app): State<AppState>,
    s: AdminSession,
    headers: HeaderMap,
    Path(id): Path<String>,
    fields: Fields,
) -> WebResult<Response> {
    s.check(&app, &headers, fields.get("csrf"))?;
    known(&app, &id).await?;
    let r = app.store.close_poll(&id).await;
    flash_outcome(
        &app,
        &s,
        &id,
        r,
        "closed the poll of",
        ("The poll is closed", "The poll was not closed"),
        |st| {
            vec![format!(
                "{} entries; final chain head {}",
                st.entries, st.head
            )]
        },
    )
}

/// `POST /admin/e/{id}/count`.
pub(crate) async fn count(
    State(app): State<AppState>,
    s: AdminSession,
    headers: HeaderMap,
    Path(id): Path<String>,
    fields: Fields,
) -> WebResult<Response> {
    s.check(&app, &headers, fields.get("csrf"))?;
    known(&app, &id).await?;
    let r = app.store.count(&id).await;
    flash_outcome(
        &app,
        &s,
        &id,
        r,
        "counted",
        ("Counted", "The count was not made"),
        |results| {
            results
                .iter()
                .map(|r| {
                    format!(
                        "{}: elected {}",
                        r.spec.name,
                        page::and_list(&r.report.elected)
                    )
                })
                .collect()
        },
    )
}

/// `POST /admin/e/{id}/publish`: writes the signed record and makes the results public.
pub(crate) async fn publish(
    State(app): State<AppState>,
    s: AdminSession,
    headers: HeaderMap,
    Path(id): Path<String>,
    fields: Fields,
) -> WebResult<Response> {
    s.check(&app, &headers, fields.get("csrf"))?;
    known(&app, &id).await?;
    let Some(key) = app.config.signing_key.as_ref() else {
        app.push_flash(
            &s.token_hash,
            refused(
                "Not published",
                vec![
                    "No signing key is loaded: restart the server with --signing-key FILE.".into(),
                ],
            ),
        );
        return Ok(back_to(&id));
    };
    let r = app.store.publish(&id, &app.config.records_dir, key).await;
    flash_outcome(
        &app,
        &s,
        &id,
        r,
        "published",
        ("Published", "Not published"),
        |p| {
            vec![
                format!("Record: {}", p.dir.display()),
                format!("Archive: {}", p.archive.display()),
                format!(
                    "Ballots: {} (Merkle root {})",
                    p.manifest.ballots.count, p.manifest.ballots.merkle_root
                ),
                format!("Signed by {}", p.manifest.public_key),
            ]
        },
    )
}

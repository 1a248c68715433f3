//! The voter's pages: code → contests → ballot → review → cast → tracker.
//!
//! There is no voter session: the credential code travels from page to page in a hidden
//! form field (POST), and every page checks it again against the store. Nothing here logs
//! the code, the request's path or query, or the ballot.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use scrutin_record::ballot::{Ballot, BallotKind};
use scrutin_store::{BoxStatus, PollState, Revote, StoreError, VoterContest};

use crate::ballot_form::{self, Choices, FormErrors};
use crate::error::{WebError, WebResult};
use crate::form::{Fields, QueryFields};
use crate::page::{self, Problem};
use crate::AppState;

/// Codes longer than this are not codes (a code is 25 characters, 29 with dashes).
const CODE_MAX: usize = 64;

/// The code field of a form, cut to a sane length.
fn code_of(fields: &Fields) -> String {
    fields.text("code").chars().take(CODE_MAX).collect()
}

/// The hidden field that carries the code to the next page.
fn hidden_code(code: &str) -> Markup {
    html! { input type="hidden" name="code" value=(code); }
}

/// A form with one button that takes the voter back to the list of their contests.
fn back_to_contests(id: &str, code: &str, label: &str) -> Markup {
    html! {
        form method="post" action={ "/e/" (id) "/vote" } {
            (hidden_code(code))
            button.secondary type="submit" { (label) }
        }
    }
}

/// The election's title and its poll's state.
async fn election_and_box(app: &AppState, id: &str) -> WebResult<(String, BoxStatus)> {
    let e = app.store.election(id).await?;
    let st = app.store.box_status(id).await?;
    Ok((e.title, st))
}

/// The page shown instead of a form when the poll is not open.
async fn not_open(app: &AppState, id: &str, title: &str, st: &BoxStatus) -> WebResult<Response> {
    let e = app.store.election(id).await?;
    let body = html! {
        h1 { (title) }
        div.notice role="status" {
            @match st.state {
                PollState::Setup => { p { "Voting has not opened yet. It opens on " (e.dates.voting_open) "." } }
                _ => { p { "Voting has closed. No more ballots can be cast." } }
            }
        }
        p { a href={ "/e/" (id) } { "The election's page" } " shows its state, turnout and, once published, its results." }
    };
    Ok((StatusCode::CONFLICT, page::layout(title, body)).into_response())
}

/// The code form, with problems if the code was not right.
fn code_page(id: &str, title: &str, code: &str, problem: Option<&str>) -> Markup {
    let problems: Vec<Problem> = problem
        .map(|m| Problem::at("code", m))
        .into_iter()
        .collect();
    page::layout(
        &format!("Vote: {title}"),
        html! {
            (page::error_summary(&problems, "code"))
            h1 { "Vote: " (title) }
            form method="post" action={ "/e/" (id) "/vote" } {
                label for="code" { "Your voting code" }
                p #code-hint .hint {
                    "It is in the email or letter the returning officer sent you: 25 letters and "
                    "digits. Capitals, spaces and dashes do not matter."
                }
                @if let Some(m) = problem {
                    p #code-error .field-error { span.visually-hidden { "Error: " } (m) }
                }
                input #code .code type="text" name="code" value=(code) autocomplete="off"
                    autocapitalize="characters" spellcheck="false" inputmode="text"
                    aria-describedby=(if problem.is_some() { "code-hint code-error" } else { "code-hint" })
                    aria-invalid=[problem.map(|_| "true")];
                p { button type="submit" { "Continue" } }
            }
            p.hint {
                "Your vote is secret: the ballot you cast is stored without your name or your code."
            }
        },
    )
}

/// `GET /e/{id}/vote[?code=CODE]`: the code form (pre-filled from the link in the email).
pub(crate) async fn code_form(
    State(app): State<AppState>,
    Path(id): Path<String>,
    QueryFields(q): QueryFields,
) -> WebResult<Response> {
    let (title, st) = election_and_box(&app, &id).await?;
    if st.state != PollState::Open {
        return not_open(&app, &id, &title, &st).await;
    }
    let code = code_of(&q);
    Ok(code_page(&id, &title, &code, None).into_response())
}

const BAD_CODE: &str = "That voting code was not recognised. Check it against your email or \
     letter and try again; if you were sent a new code, only the newest one works.";

/// What every voter page after the code form starts from.
struct Voter {
    title: String,
    status: BoxStatus,
    code: String,
    contests: Vec<VoterContest>,
}

/// Checks the poll is open and the code is a live credential; else the page to show.
async fn voter(app: &AppState, id: &str, fields: &Fields) -> WebResult<Result<Voter, Response>> {
    let (title, status) = election_and_box(app, id).await?;
    if status.state != PollState::Open {
        return Ok(Err(not_open(app, id, &title, &status).await?));
    }
    let code = code_of(fields);
    let contests = if code.is_empty() {
        None
    } else {
        app.store.voter_contests(id, &code).await?
    };
    let Some(contests) = contests else {
        let message = if code.is_empty() {
            "Enter your voting code."
        } else {
            BAD_CODE
        };
        let status = if code.is_empty() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::FORBIDDEN
        };
        return Ok(Err(
            (status, code_page(id, &title, &code, Some(message))).into_response()
        ));
    };
    Ok(Ok(Voter {
        title,
        status,
        code,
        contests,
    }))
}

/// `POST /e/{id}/vote` (code): the contests the code gives a vote in.
pub(crate) async fn contests(
    State(app): State<AppState>,
    Path(id): Path<String>,
    fields: Fields,
) -> WebResult<Response> {
    let v = match voter(&app, &id, &fields).await? {
        Ok(v) => v,
        Err(page) => return Ok(page),
    };
    Ok(contests_page(&id, &v).into_response())
}

fn contests_page(id: &str, v: &Voter) -> Markup {
    let all_done = v.contests.iter().all(|c| c.voted);
    let last_counts = v.status.revote == Revote::LastCounts;
    page::layout(
        &format!("Your ballots: {}", v.title),
        html! {
            h1 { "Your ballots" }
            p { (v.title) }
            @if v.contests.is_empty() {
                div.notice { p { "This voting code gives no vote in any contest of this election." } }
            } @else if all_done {
                div.ok role="status" { p { "You have voted in every contest open to you. Thank you." } }
            }
            ul.candidates {
                @for c in &v.contests {
                    li {
                        div style="flex:1" {
                            strong { (c.paper.name) }
                            br;
                            span.hint {
                                (c.paper.seats) @if c.paper.seats == 1 { " seat" } @else { " seats" }
                                " · "
                                @if c.voted { "you have voted" } @else { "not voted yet" }
                            }
                        }
                        @if !c.voted || last_counts {
                            form method="post" action={ "/e/" (id) "/vote/ballot" } {
                                (hidden_code(&v.code))
                                input type="hidden" name="section" value=(c.paper.section_id);
                                @if c.voted {
                                    button.secondary type="submit" aria-label={ "Vote again in " (c.paper.name) } { "Vote again" }
                                } @else {
                                    button type="submit" aria-label={ "Vote in " (c.paper.name) } { "Vote" }
                                }
                            }
                        }
                    }
                }
            }
            @if last_counts {
                p.hint {
                    "In this election only your last ballot counts: if you vote again in a "
                    "contest, your new ballot replaces the earlier one."
                }
            }
        },
    )
}

/// The contest a form names, among the voter's; else the page to show.
/// The contest, choices and ballot a review or cast form carries; or the page to show
/// instead (no such contest, or the ballot form again with its problems and the choices kept).
fn posted_ballot<'a>(
    id: &str,
    v: &'a Voter,
    fields: &Fields,
) -> Result<(&'a VoterContest, Choices, Ballot), Box<Response>> {
    let c = contest_of(id, v, fields)?;
    let choices = Choices::from_form(&fields.0);
    match ballot_form::read(&c.paper, &choices) {
        Ok(ballot) => Ok((c, choices, ballot)),
        Err(errors) => Err(Box::new(
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                ballot_page(id, v, c, &choices, &errors),
            )
                .into_response(),
        )),
    }
}

fn contest_of<'a>(
    id: &str,
    v: &'a Voter,
    fields: &Fields,
) -> Result<&'a VoterContest, Box<Response>> {
    let section = fields.text("section");
    if let Some(c) = v.contests.iter().find(|c| c.paper.section_id == section) {
        if c.voted && v.status.revote == Revote::FirstStands {
            return Err(Box::new(refusal(
                id,
                v,
                StatusCode::CONFLICT,
                &format!(
                    "You have already voted in {}; your first ballot stands.",
                    c.paper.name
                ),
            )));
        }
        return Ok(c);
    }
    Err(Box::new(refusal(
        id,
        v,
        StatusCode::FORBIDDEN,
        "Your voting code gives no vote in that contest.",
    )))
}

/// A refusal, with the way back to the voter's contests.
fn refusal(id: &str, v: &Voter, status: StatusCode, message: &str) -> Response {
    (
        status,
        page::layout(
            "Your ballot was not cast",
            html! {
                h1 { "Not possible" }
                div.bad role="alert" { p { (message) } }
                (back_to_contests(id, &v.code, "Back to your ballots"))
            },
        ),
    )
        .into_response()
}

/// The ballot paper as a form.
fn ballot_page(
    id: &str,
    v: &Voter,
    c: &VoterContest,
    choices: &Choices,
    errors: &FormErrors,
) -> Markup {
    let title = if errors.summary.is_empty() {
        c.paper.name.clone()
    } else {
        format!("Error: {}", c.paper.name)
    };
    page::layout(
        &title,
        html! {
            (page::error_summary(&errors.summary, "ballot"))
            p.hint { (v.title) }
            @if c.voted {
                div.notice {
                    p {
                        "You have already voted in this contest. If you cast this ballot it "
                        "replaces your earlier one: only your last ballot counts."
                    }
                }
            }
            form method="post" action={ "/e/" (id) "/vote/review" } novalidate {
                (hidden_code(&v.code))
                input type="hidden" name="section" value=(c.paper.section_id);
                (ballot_form::fields(&c.paper, choices, errors))
                p { button type="submit" { "Review my vote" } }
            }
            (back_to_contests(id, &v.code, "Back to your ballots"))
        },
    )
}

/// `POST /e/{id}/vote/ballot` (code, section, and choices when changing them): the form.
pub(crate) async fn ballot(
    State(app): State<AppState>,
    Path(id): Path<String>,
    fields: Fields,
) -> WebResult<Response> {
    let v = match voter(&app, &id, &fields).await? {
        Ok(v) => v,
        Err(page) => return Ok(page),
    };
    let c = match contest_of(&id, &v, &fields) {
        Ok(c) => c,
        Err(page) => return Ok(*page),
    };
    let choices = Choices::from_form(&fields.0);
    Ok(ballot_page(&id, &v, c, &choices, &FormErrors::default()).into_response())
}

/// `POST /e/{id}/vote/review`: the ballot as it will be cast, or the form with problems.
pub(crate) async fn review(
    State(app): State<AppState>,
    Path(id): Path<String>,
    fields: Fields,
) -> WebResult<Response> {
    let v = match voter(&app, &id, &fields).await? {
        Ok(v) => v,
        Err(page) => return Ok(page),
    };
    let (c, choices, ballot) = match posted_ballot(&id, &v, &fields) {
        Ok(x) => x,
        Err(page) => return Ok(*page),
    };
    Ok(review_page(&id, &v, c, &choices, &ballot).into_response())
}

fn review_page(
    id: &str,
    v: &Voter,
    c: &VoterContest,
    choices: &Choices,
    ballot: &Ballot,
) -> Markup {
    page::layout(
        &format!("Check your vote: {}", c.paper.name),
        html! {
            h1 { "Check your vote" }
            p { strong { (c.paper.name) } }
            @match c.paper.kind {
                BallotKind::Ranked => p { "Your preferences, in order:" },
                BallotKind::Marks(_) => p { "You have marked:" },
            }
            (ballot_form::describe(&c.paper, ballot))
            @if c.voted {
                div.notice { p { "This ballot will replace the one you cast before." } }
            }
            p { "Once cast, your ballot cannot be changed"
                @if v.status.revote == Revote::LastCounts { " (except by voting again)" }
                "." }
            form.inline method="post" action={ "/e/" (id) "/vote/cast" } {
                (hidden_code(&v.code))
                input type="hidden" name="section" value=(c.paper.section_id);
                (choices.hidden())
                button type="submit" { "Cast my vote" }
            }
            form.inline method="post" action={ "/e/" (id) "/vote/ballot" } {
                (hidden_code(&v.code))
                input type="hidden" name="section" value=(c.paper.section_id);
                (choices.hidden())
                button.secondary type="submit" { "Change" }
            }
        },
    )
}

/// `POST /e/{id}/vote/cast`: casts the ballot and shows its tracker.
pub(crate) async fn cast(
    State(app): State<AppState>,
    Path(id): Path<String>,
    fields: Fields,
) -> WebResult<Response> {
    let v = match voter(&app, &id, &fields).await? {
        Ok(v) => v,
        Err(page) => return Ok(page),
    };
    let (c, _, ballot) = match posted_ballot(&id, &v, &fields) {
        Ok(x) => x,
        Err(page) => return Ok(*page),
    };
    let receipt = match app
        .store
        .cast(&id, &v.code, &c.paper.section_id, ballot.clone())
        .await
    {
        Ok(r) => r,
        Err(StoreError::Refused(m)) => return Ok(refusal(&id, &v, StatusCode::CONFLICT, &m)),
        Err(StoreError::Invalid(m)) => return Ok(refusal(&id, &v, StatusCode::BAD_REQUEST, &m)),
        Err(e) => return Err(WebError::from(e)),
    };
    // What is left to vote in, now.
    let remaining: Vec<String> = app
        .store
        .voter_contests(&id, &v.code)
        .await?
        .unwrap_or_default()
        .into_iter()
        .filter(|o| !o.voted)
        .map(|o| o.paper.name)
        .collect();
    let track = format!("/e/{id}/track?t={}", receipt.tracker);
    Ok(page::layout(
        &format!("Vote cast: {}", c.paper.name),
        html! {
            div.ok role="status" {
                h1 { "Your vote has been cast" }
                p { "Your ballot in " strong { (c.paper.name) } " is in the ballot box." }
            }
            @if let Some(old) = &receipt.replaced {
                div.notice {
                    p {
                        "It replaces the ballot you cast before (tracker "
                        span.mono { (old) } "): only this one will be counted."
                    }
                }
            }
            h2 { "Your ballot tracker" }
            p.tracker { (receipt.tracker) }
            p {
                "Write it down or take a screenshot. With it you can check, now and after the "
                "count, that your ballot was recorded and counted as you cast it: enter it on "
                a href=(track) { "the election's tracker page" } "."
            }
            p.hint {
                "Nobody else can tell that this tracker is yours: it is not stored with your name "
                "or your code. But anyone who has it can see the ballot recorded under it, so "
                "keep it to yourself unless you want to show how you voted."
            }
            h2 { "Your ballot as recorded" }
            (ballot_form::describe(&c.paper, &ballot))
            @if receipt.sealed {
                p.hint { "The ballot box's fingerprint after your ballot: " span.mono { (receipt.head) } }
            } @else {
                p.hint {
                    "Your ballot is accepted. It waits, with others, to be sealed into the ballot "
                    "box's public chain: ballots go in by groups, in a random order, so that the "
                    "order of the chain says nothing about when each was cast. Your tracker "
                    "already works."
                }
            }
            @if remaining.is_empty() {
                p { "You have voted in every contest open to you. Thank you." }
            } @else {
                p { "You still have a vote in " (page::and_list(&remaining)) "." }
                form method="post" action={ "/e/" (id) "/vote" } {
                    (hidden_code(&v.code))
                    button type="submit" { "Go to your other ballots" }
                }
            }
        },
    )
    .into_response())
}

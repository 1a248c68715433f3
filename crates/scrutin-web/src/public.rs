//! The public pages: the list of elections, an election's state and live turnout, a ballot
//! by its tracker, and the published results stage by stage.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use scrutin_core::report::{Action, CandidateState, Report, Stage};
use scrutin_record::chain::BallotChannel;
use scrutin_store::{PollState, Revote};

use crate::ballot_form;
use crate::error::{WebError, WebResult};
use crate::form::QueryFields;
use crate::page;
use crate::record;
use crate::AppState;

/// A poll's state in words.
pub(crate) fn state_text(s: PollState) -> &'static str {
    match s {
        PollState::Setup => "not yet open",
        PollState::Open => "open: voting is under way",
        PollState::Closed => "closed: the count has not yet been made",
        PollState::Counted => "counted: results not yet published",
        PollState::Published => "results published",
    }
}

/// A re-voting policy in words.
pub(crate) fn revote_text(r: Revote) -> &'static str {
    match r {
        Revote::FirstStands => "a voter's first ballot stands; a second is refused",
        Revote::LastCounts => "a voter may vote again online; only their last ballot counts",
    }
}

/// Any address with no page.
pub(crate) async fn not_found() -> WebError {
    WebError::NotFound("There is no page at this address.".into())
}

/// `GET /`: the elections in this database.
pub(crate) async fn index(State(app): State<AppState>) -> WebResult<Markup> {
    let mut rows = Vec::new();
    for id in app.store.elections().await? {
        let e = app.store.election(&id).await?;
        let st = app.store.box_status(&id).await?;
        rows.push((id, e.title, st.state));
    }
    Ok(page::layout(
        "Elections",
        html! {
            h1 { "Elections" }
            @if rows.is_empty() {
                p { "There are no elections here yet." }
            } @else {
                ul {
                    @for (id, title, state) in &rows {
                        li {
                            a href={ "/e/" (id) } { (title) }
                            " — " (state_text(*state))
                            @if *state == PollState::Open {
                                " · " a href={ "/e/" (id) "/vote" } { "vote" }
                            }
                        }
                    }
                }
            }
            p.hint { a href="/admin" { "Returning officer's pages" } }
        },
    ))
}

/// The tracker lookup form.
fn track_form(id: &str, value: &str) -> Markup {
    html! {
        form method="get" action={ "/e/" (id) "/track" } {
            label for="t" { "Look up a ballot by its tracker" }
            p #t-hint .hint { "The tracker shown when the ballot was cast: 16 letters and digits." }
            input #t .code type="text" name="t" value=(value) autocomplete="off"
                autocapitalize="characters" spellcheck="false" aria-describedby="t-hint";
            p { button type="submit" { "Look up" } }
        }
    }
}

/// `GET /e/{id}`: the election's state, live turnout, the ballot box and the lookup form.
pub(crate) async fn election(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> WebResult<Markup> {
    let e = app.store.election(&id).await?;
    let st = app.store.box_status(&id).await?;
    let status = app.store.status(&id).await?;
    let seats: std::collections::HashMap<String, u32> = e
        .contests()?
        .into_iter()
        .map(|c| (c.section_id, c.seats))
        .collect();
    Ok(page::wide(
        &e.title,
        html! {
            h1 { (e.title) }
            dl.facts {
                dt { "Organisation" } dd { (e.body_name) }
                dt { "Voting" } dd { (e.dates.voting_open) " to " (e.dates.voting_close) }
                dt { "The poll" } dd { (state_text(st.state)) }
                @if st.state != PollState::Setup {
                    dt { "Voting again" } dd { (revote_text(st.revote)) }
                }
            }
            @if st.state == PollState::Open {
                p { a.button href={ "/e/" (id) "/vote" } { "Vote" } }
            }
            @if st.state == PollState::Published {
                p { a.button href={ "/e/" (id) "/results" } { "Results" } }
            }
            h2 { "Contests and turnout" }
            div.scroll {
                table {
                    thead { tr {
                        th scope="col" { "Contest" }
                        th.num scope="col" { "Seats" }
                        th.num scope="col" { "Electors" }
                        th.num scope="col" { "Voted online" }
                        th.num scope="col" { "Voted by post" }
                        th.num scope="col" { "Turnout" }
                    } }
                    tbody {
                        @for c in &status.contests {
                            tr {
                                th scope="row" { (c.name) }
                                td.num { (seats.get(&c.section_id).copied().unwrap_or(0)) }
                                td.num { (c.electors) }
                                td.num { (c.online) }
                                td.num { (c.postal) }
                                td.num { (page::percent(c.online + c.postal, c.electors)) }
                            }
                        }
                    }
                }
            }
            h2 { "The ballot box" }
            p.hint {
                "Every ballot is sealed into a hash chain: the fingerprint below changes with each "
                "sealing and commits to every ballot sealed before it. Note it down to check "
                "later, in the published record, that no ballot was removed or changed."
            }
            dl.facts {
                dt { "Entries" } dd { (st.entries) }
                @if st.state == PollState::Open || st.pending > 0 {
                    dt { "Waiting to be sealed" } dd {
                        (st.pending) " (ballots are sealed into the chain "
                        @if st.seal_every > 1 { "in groups of " (st.seal_every) ", in a random order" }
                        @else { "one by one" }
                        ", and all of them when the poll closes)"
                    }
                }
                dt { "Fingerprint (chain head)" } dd.mono { (st.head) }
                @if let Some(t) = &st.opened_at { dt { "Opened" } dd { (t) } }
                @if let Some(t) = &st.closed_at { dt { "Closed" } dd { (t) } }
                dt { "Returning officer's public key" }
                dd.mono { (st.public_key.as_deref().unwrap_or("not yet published")) }
            }
            (track_form(&id, ""))
        },
    ))
}

/// `GET /e/{id}/track?t=TRACKER`: the ballot recorded under a tracker, and after publication
/// its proof of inclusion in the published record.
pub(crate) async fn track(
    State(app): State<AppState>,
    Path(id): Path<String>,
    QueryFields(q): QueryFields,
) -> WebResult<Response> {
    let e = app.store.election(&id).await?;
    let t: String = q.text("t").chars().take(64).collect();
    let title = format!("Ballot tracker: {}", e.title);
    if t.is_empty() {
        return Ok(page::layout(
            &title,
            html! { h1 { "Look up a ballot" } p { (e.title) } (track_form(&id, "")) },
        )
        .into_response());
    }
    let Some(tracked) = app.store.track(&id, &t).await? else {
        return Ok((
            StatusCode::NOT_FOUND,
            page::layout(
                &title,
                html! {
                    h1 { "No ballot with that tracker" }
                    div.bad role="alert" {
                        p {
                            "No ballot in " (e.title) " has the tracker " span.mono { (t) } ". "
                            "Check that you typed it as it was shown (the letters O, I and L "
                            "are read as 0, 1 and 1)."
                        }
                    }
                    (track_form(&id, &t))
                },
            ),
        )
            .into_response());
    };
    let entry = &tracked.entry;
    let paper = app.store.ballot_paper(&id, &entry.contest).await?;
    let st = app.store.box_status(&id).await?;
    let proof = if st.state == PollState::Published {
        record::inclusion(&app.config.records_dir, &id, &entry.tracker)
            .await
            .unwrap_or_else(|e| {
                tracing::warn!("record lookup in {id}: {e}");
                None
            })
    } else {
        None
    };
    Ok(page::layout(
        &title,
        html! {
            h1 { "Ballot " span.mono { (entry.tracker) } }
            p { (e.title) }
            dl.facts {
                dt { "Contest" } dd { (paper.name) }
                dt { "Cast" } dd { (match entry.channel { BallotChannel::Online => "online", BallotChannel::Postal => "by post" }) }
                dt { "Place in the ballot box" } dd {
                    @if tracked.pending { "accepted; waiting to be sealed into the chain with other ballots" }
                    @else { "entry " (tracked.seq) " of " (st.entries) }
                }
                dt { "Counted" } dd {
                    @if tracked.replaced { "no: replaced by a later ballot of the same voter" }
                    @else if matches!(st.state, PollState::Counted | PollState::Published) { "yes" }
                    @else { "it will be, unless replaced by a later ballot of the same voter" }
                }
            }
            @if let Some(old) = &entry.replaces {
                p { "It replaced an earlier ballot of the same voter (tracker " span.mono { (old) } ")." }
            }
            h2 { "The ballot as recorded" }
            (ballot_form::describe(&paper, &entry.ballot))
            @if let Some(p) = proof {
                h2 { "In the published record" }
                p {
                    "Line " (p.index + 1) " of " (p.size) " of "
                    a href={ "/e/" (id) "/record/ballots.jsonl" } { "ballots.jsonl" }
                    ". Its inclusion proof against the record's Merkle root "
                    @if p.valid { strong { "checks out" } } @else { strong { "does not check out" } }
                    "."
                }
                dl.facts {
                    dt { "Merkle root" } dd.mono { (p.root) }
                    dt { "Proof (audit path)" }
                    dd.mono {
                        @if p.proof.is_empty() { "none needed (a single ballot)" }
                        @for h in &p.proof { (h) br; }
                    }
                }
            } @else if st.state == PollState::Published {
                p.hint { "The published record could not be read on this server." }
            }
            (track_form(&id, ""))
        },
    )
    .into_response())
}

/// A stage's heading, as the result sheet words it.
fn stage_heading(s: &Stage) -> String {
    match s.action {
        Action::FirstCount => "First count".to_string(),
        Action::Surplus => format!("Surplus of {}", s.candidate.as_deref().unwrap_or("?")),
        Action::Exclusion => format!("Exclusion of {}", s.candidate.as_deref().unwrap_or("?")),
    }
}

/// The stage-by-stage table: a row per candidate (then non-transferable and loss to
/// truncation), a column per stage with the change at that stage and the total after it.
fn stage_table(report: &Report, caption: &str) -> Markup {
    let state_word = |s: Option<&CandidateState>| match s {
        Some(CandidateState::Elected) => "elected",
        Some(CandidateState::Excluded) => "excluded",
        Some(CandidateState::Withdrawn) => "withdrawn",
        _ => "",
    };
    let has_transfers = report.stages.len() > 1;
    html! {
        div.scroll {
            table {
                caption { (caption) }
                thead { tr {
                    th scope="col" { "Candidate" }
                    @for s in &report.stages {
                        th.num scope="col" { "Stage " (s.number) br; span.hint { (stage_heading(s)) } }
                    }
                } }
                tbody {
                    @for name in &report.candidates {
                        tr {
                            th scope="row" { (name) }
                            @for s in &report.stages {
                                @let word = state_word(s.states.get(name));
                                td.num {
                                    @if let Some(change) = s.transfers.get(name) { span.hint { (change) } br; }
                                    @if word == "elected" { strong { (s.votes.get(name).map_or("", String::as_str)) } }
                                    @else { (s.votes.get(name).map_or("", String::as_str)) }
                                    @if !word.is_empty() { br; span.hint { (word) } }
                                }
                            }
                        }
                    }
                    @if has_transfers {
                        tr {
                            th scope="row" { "Non-transferable" }
                            @for s in &report.stages { td.num { (s.non_transferable) } }
                        }
                        tr {
                            th scope="row" { "Loss to truncation" }
                            @for s in &report.stages { td.num { (s.loss_to_truncation) } }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /e/{id}/results`: once published, every contest's result stage by stage.
pub(crate) async fn results(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> WebResult<Markup> {
    let e = app.store.election(&id).await?;
    let results = app.store.results(&id).await?;
    if results.is_empty() || results.iter().any(|r| !r.published) {
        return Err(WebError::NotFound(format!(
            "The results of {} have not been published yet.",
            e.title
        )));
    }
    let turnout = app.store.turnout(&id).await?;
    let has_record = record::exists(&app.config.records_dir, &id);
    Ok(page::wide(
        &format!("Results: {}", e.title),
        html! {
            h1 { "Results: " (e.title) }
            @for r in &results {
                @let rep = &r.report;
                @let t = turnout.iter().find(|t| t.section_id == r.spec.id);
                section aria-labelledby={ "h-" (r.spec.id) } {
                    h2 id={ "h-" (r.spec.id) } { (r.spec.name) }
                    p { strong { "Elected" } ", in order of election:" }
                    ol {
                        @for n in &rep.elected { li { strong { (n) } } }
                    }
                    @if rep.elected.len() < rep.seats as usize {
                        p { (rep.seats as usize - rep.elected.len()) " seat(s) not filled." }
                    }
                    dl.facts {
                        dt { "Seats" } dd { (rep.seats) }
                        dt { "Rules" } dd { (rep.method) " (" (rep.rules) ")" }
                        dt { "Quota" } dd { (rep.quota.as_deref().unwrap_or("none (this rule set has no quota)")) }
                        dt { "Valid ballots" } dd { (rep.valid_ballots) }
                        dt { "Invalid ballots" } dd { (rep.invalid_ballots) }
                        @if let Some(t) = t {
                            dt { "Electors" } dd { (t.electors) }
                            dt { "Turnout" } dd {
                                (t.online + t.postal) " (" (page::percent(t.online + t.postal, t.electors)) "): "
                                (t.online) " online, " (t.postal) " by post"
                                @if t.rejected_postal > 0 { " (of which " (t.rejected_postal) " postal papers rejected)" }
                            }
                        }
                        @if !rep.withdrawn.is_empty() {
                            dt { "Withdrawn" } dd { (page::and_list(&rep.withdrawn)) }
                        }
                    }
                    (stage_table(rep, &format!("{}: the count, stage by stage", r.spec.name)))
                    @let notes: Vec<String> = rep.stages.iter().flat_map(|s| {
                        s.ties.iter().map(move |t| format!(
                            "Stage {}: tie between {}: {} chosen {}",
                            s.number, page::and_list(&t.tied), t.chosen,
                            match t.stage { Some(st) => format!("by the votes at stage {st}"), None => "by lot".into() }
                        )).chain(s.notes.iter().map(move |n| format!("Stage {}: {n}", s.number)))
                    }).collect();
                    @if !notes.is_empty() {
                        h3 { "Notes" }
                        ul { @for n in &notes { li { (n) } } }
                    }
                }
            }
            h2 { "The record" }
            @if has_record {
                p {
                    "Everything needed to recount: the ballots, the ballot box's chain, the "
                    "declared rules and results, signed by the returning officer. "
                    a href={ "/e/" (id) "/record.tar" } { "Download the record (tar)" }
                    " or " a href={ "/e/" (id) "/record" } { "see its files" } "."
                }
            } @else {
                p { "The record's files are not on this server." }
            }
        },
    ))
}

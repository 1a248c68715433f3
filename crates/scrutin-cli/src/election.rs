//! `scrutin election …`: running an election, kept in a database (SQLite by default, or
//! PostgreSQL): create it from the body's constitution, import and freeze the roll, take
//! nominations, issue credentials by email and post, remind, show turnout. docs/election.md.

use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use lettre::message::header::ContentType;
use lettre::{Message, SmtpTransport, Transport};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use crate::poll;
use scrutin_store::postal::{
    credential_email, postal_pack_html, reminder_email, reminder_letter_html, Notice,
};
use scrutin_store::rules::ElectionDates;
use scrutin_store::{
    roll, BallotOrder, CandidateState, Channel, Date, Election, NewElection, Recipient, Store,
};

#[derive(Args)]
pub struct ElectionArgs {
    /// The day to take as today (`YYYY-MM-DD`; default: the system's UTC date): for tests,
    /// and for replaying an election whose dates are past. Before or after the command.
    #[arg(long, global = true)]
    pub today: Option<String>,
    #[command(subcommand)]
    pub command: ElectionCommand,
}

#[derive(Args, Clone)]
pub struct Smtp {
    /// SMTP server for credential and reminder emails (plain SMTP, no TLS: a relay on
    /// loopback or a trusted network).
    #[arg(long, default_value = "127.0.0.1")]
    smtp_host: String,
    #[arg(long, default_value_t = 25)]
    smtp_port: u16,
    /// The sender's address.
    #[arg(long, default_value = "returning-officer@localhost")]
    from: String,
    /// The voting site's address (`https://vote.example.org`, as `scrutin serve` is reached):
    /// emails carry a link to the voting page with the voter's code, postal packs the address.
    #[arg(long)]
    site: Option<String>,
}

#[derive(Subcommand)]
pub enum ElectionCommand {
    /// Create an election on some sections of a body, with its dates.
    Create {
        /// Election id (letters, digits, `-`, `_`).
        #[arg(long)]
        id: String,
        #[arg(long)]
        title: String,
        /// The constitution (TOML), or a directory holding `body.toml`.
        #[arg(long)]
        body: PathBuf,
        /// Contested sections, by id, comma-separated (`clp,young-labour`).
        #[arg(long, value_delimiter = ',', required = true)]
        sections: Vec<String>,
        #[arg(long)]
        nominations_open: String,
        #[arg(long)]
        nominations_close: String,
        /// Members who joined after this day may not vote. Default: the first contested
        /// section's `voters.joined_by`.
        #[arg(long)]
        freeze_date: Option<String>,
        /// Members must be paid up to this day. Default: the section's `voters.paid_up_by`,
        /// else the freeze date.
        #[arg(long)]
        paid_up_date: Option<String>,
        #[arg(long)]
        voting_open: String,
        #[arg(long)]
        voting_close: String,
    },
    /// Check a roll (CSV) and, if it has no errors, replace the election's roll with it.
    ImportRoll {
        #[arg(long)]
        election: String,
        file: PathBuf,
        /// How many ineligible members to list per contest.
        #[arg(long, default_value_t = 10)]
        list: usize,
    },
    /// Freeze the roll: no more imports; its SHA-256 fingerprint is recorded and printed.
    /// (Imports also end after the freeze date; the first command needing the frozen roll
    /// after that day freezes it.)
    FreezeRoll {
        #[arg(long)]
        election: String,
    },
    /// Record a nomination of a member by a nominating body (a CLP, a union).
    Nominate {
        #[arg(long)]
        election: String,
        #[arg(long)]
        section: String,
        /// The candidate's member id.
        #[arg(long)]
        candidate: String,
        /// The nominating body's name.
        #[arg(long)]
        by: String,
        /// Its kind, as the section's nomination routes name it (`CLPs`, `affiliates`).
        #[arg(long)]
        kind: String,
        /// The day of the nomination (default: today).
        #[arg(long)]
        on: Option<String>,
    },
    /// Close nominations in a section: candidates meeting the threshold become valid.
    CloseNominations {
        #[arg(long)]
        election: String,
        #[arg(long)]
        section: String,
    },
    /// A candidate withdraws, or (with --removed) is removed by the returning officer.
    Withdraw {
        #[arg(long)]
        election: String,
        #[arg(long)]
        section: String,
        #[arg(long)]
        candidate: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        removed: bool,
    },
    /// Fix the ballot paper order: alphabetical by surname, or drawn by lot (recorded seed).
    BallotOrder {
        #[arg(long)]
        election: String,
        #[arg(long)]
        section: String,
        /// Draw by lot; without --seed, a seed is drawn from the system's random source.
        #[arg(long)]
        lot: bool,
        #[arg(long, requires = "lot")]
        seed: Option<u64>,
    },
    /// List a section's candidates, their nominations and state.
    Candidates {
        #[arg(long)]
        election: String,
        #[arg(long)]
        section: String,
    },
    /// Issue a credential to every voter who has none: by email where the address is the
    /// voter's alone, else a printable postal pack.
    IssueCredentials {
        #[arg(long)]
        election: String,
        #[command(flatten)]
        smtp: Smtp,
        /// Where postal packs are written, one HTML file per voter.
        #[arg(long, default_value = "postal-packs")]
        postal_dir: PathBuf,
    },
    /// Issue a voter a new credential; the old one stops working. Logged with the reason.
    Reissue {
        #[arg(long)]
        election: String,
        #[arg(long)]
        member: String,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        smtp: Smtp,
        #[arg(long, default_value = "postal-packs")]
        postal_dir: PathBuf,
    },
    /// Remind voters who have not voted in every contest they may vote in: by email, or by a
    /// printable letter (no code) for those without a unique email address.
    Remind {
        #[arg(long)]
        election: String,
        #[command(flatten)]
        smtp: Smtp,
        /// Where reminder letters for postal voters are written, one HTML file per voter;
        /// needed when there are any.
        #[arg(long)]
        postal_dir: Option<PathBuf>,
    },
    /// Say whose live credential a code is (`-` reads the code from standard input).
    CheckCode {
        #[arg(long)]
        election: String,
        code: String,
    },
    /// Roll, credentials and turnout by contest and channel.
    Status {
        #[arg(long)]
        election: String,
    },
    /// Publish the returning officer's Ed25519 public key (from `scrutin keygen`) before the
    /// poll opens; the record is signed with its secret half.
    SetKey {
        #[arg(long)]
        election: String,
        #[arg(long)]
        public_key: String,
    },
    /// Open the poll: the roll must be frozen and every ballot paper fixed.
    Open {
        #[arg(long)]
        election: String,
        /// When a voter votes again online: `first` (the first ballot stands, the default) or
        /// `last` (the last ballot counts; the earlier one is replaced).
        #[arg(long, default_value = "first")]
        revote: String,
        /// Ballots sealed into the box's hash chain together, in a random order (the rest when
        /// the poll closes). 1 seals each as it comes, and lets the box's order tell when
        /// each ballot was cast.
        #[arg(long, default_value_t = 20)]
        seal_every: u64,
    },
    /// Receive a batch of returned postal voting statements: member ids, one per line
    /// (`-`: standard input). Those who have voted already are refused and listed.
    PostalReceive {
        #[arg(long)]
        election: String,
        #[arg(long)]
        batch: String,
        file: PathBuf,
    },
    /// Enter a received batch's ballot papers for one contest: typed lines (`3 1 2`, ballot
    /// positions), a CSV transcription (a column per candidate), or a BLT file. The batch
    /// total must match the statements accepted.
    PostalEnter {
        #[arg(long)]
        election: String,
        #[arg(long)]
        batch: String,
        #[arg(long)]
        section: String,
        file: PathBuf,
    },
    /// Close the poll: the ballot box is frozen; its final head is printed.
    Close {
        #[arg(long)]
        election: String,
    },
    /// Count every contest of a closed poll with its section's rules and constraints.
    Count {
        #[arg(long)]
        election: String,
        /// Print the reports as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Publish a counted election: write its signed record and archive, show the results on
    /// the public pages.
    Publish {
        #[arg(long)]
        election: String,
        /// The returning officer's secret key file (`scrutin keygen`).
        #[arg(long)]
        signing_key: PathBuf,
        /// Where records are written (`DIR/ID/` and `DIR/ID.tar`).
        #[arg(long, default_value = "scrutin-records")]
        records: PathBuf,
    },
    /// Show a ballot by its tracker, as recorded in the box.
    Track {
        #[arg(long)]
        election: String,
        tracker: String,
    },
}

pub fn run(args: ElectionArgs, database_url: &str) -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(run_async(args, database_url))
}

fn date(s: &str, what: &str) -> Result<Date> {
    Date::parse(s).map_err(|e| anyhow::anyhow!("--{what}: {e}"))
}

fn body_path(p: &Path) -> PathBuf {
    if p.is_dir() {
        p.join("body.toml")
    } else {
        p.to_path_buf()
    }
}

async fn open(url: &str) -> Result<Store> {
    Store::open(url)
        .await
        .with_context(|| format!("cannot open the database {url}"))
}

/// Freezes the roll if its freeze date has passed and says so; whether it did.
async fn freeze_if_due(
    store: &Store,
    election: &str,
    today: Date,
    out: &mut impl Write,
) -> Result<bool> {
    if let Some(fp) = store.freeze_if_due(election, today).await? {
        let e = store.election(election).await?;
        writeln!(
            out,
            "Roll of {election} frozen: its freeze date {} has passed (today is {today}); SHA-256 {fp}",
            e.dates.freeze_date
        )?;
        return Ok(true);
    }
    Ok(false)
}

/// A member id made safe as part of a file name.
fn file_safe(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

async fn run_async(args: ElectionArgs, url: &str) -> Result<()> {
    let out = &mut io::stdout().lock();
    let today = match &args.today {
        Some(d) => date(d, "today")?,
        None => Date::today(),
    };
    match args.command {
        ElectionCommand::Create {
            id,
            title,
            body,
            sections,
            nominations_open,
            nominations_close,
            freeze_date,
            paid_up_date,
            voting_open,
            voting_close,
        } => {
            let path = body_path(&body);
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let file = path.display().to_string();
            let constitution = scrutin_body::Constitution::parse(&text, &file)?;
            let (joined_by, paid_up_by) =
                scrutin_store::rules::voter_dates(&constitution, &sections);
            let freeze = match freeze_date {
                Some(d) => date(&d, "freeze-date")?,
                None => joined_by.context(
                    "--freeze-date is needed: the contested sections give no voters.joined_by",
                )?,
            };
            let paid = match paid_up_date {
                Some(d) => date(&d, "paid-up-date")?,
                None => paid_up_by.unwrap_or(freeze),
            };
            let dates = ElectionDates {
                nominations_open: date(&nominations_open, "nominations-open")?,
                nominations_close: date(&nominations_close, "nominations-close")?,
                freeze_date: freeze,
                paid_up_date: paid,
                voting_open: date(&voting_open, "voting-open")?,
                voting_close: date(&voting_close, "voting-close")?,
            };
            let store = open(url).await?;
            let contests = store
                .create_election(&NewElection {
                    id: &id,
                    title: &title,
                    constitution: &text,
                    constitution_file: &file,
                    sections,
                    dates: dates.clone(),
                })
                .await?;
            writeln!(out, "Created election {id}: {title}")?;
            writeln!(out, "  body: {} ({file})", constitution.body.name)?;
            for c in &contests {
                writeln!(
                    out,
                    "  contest {}: {} — {} seat(s), {}",
                    c.section_id, c.name, c.seats, c.method
                )?;
                let n = &c.nomination;
                if !n.routes.is_empty() || n.per_nominator.is_some() {
                    writeln!(
                        out,
                        "    nominations: {}{}",
                        n.threshold(),
                        n.per_nominator
                            .map(|k| format!("; up to {k} per nominating body"))
                            .unwrap_or_default()
                    )?;
                }
                if let Some((m, at)) = n.membership_months {
                    writeln!(out, "    candidates: {m} months' membership on {at}")?;
                }
                if let Some((a, at)) = c.voters.age_under {
                    writeln!(out, "    voters: under {a} on {at}")?;
                }
                if let Some(note) = &c.note {
                    writeln!(out, "    note: {note}")?;
                }
            }
            writeln!(
                out,
                "  nominations {} to {}; freeze date {}; paid up by {}; voting {} to {}",
                dates.nominations_open,
                dates.nominations_close,
                dates.freeze_date,
                dates.paid_up_date,
                dates.voting_open,
                dates.voting_close
            )?;
            store.close().await;
        }
        ElectionCommand::ImportRoll {
            election,
            file,
            list,
        } => {
            let name = file.display().to_string();
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {name}"))?;
            let sha = format!("{:x}", Sha256::digest(&bytes));
            let store = open(url).await?;
            let e = store.election(&election).await?;
            let contests = e.contests()?;
            let r = match roll::read(&bytes, &name, &contests) {
                Ok(r) => r,
                Err(report) => {
                    for l in report.error_lines() {
                        eprintln!("{l}");
                    }
                    bail!(
                        "{name}: {} error(s) in {} row(s); the roll was not imported and nothing was changed",
                        report.errors.len(),
                        report.rows
                    );
                }
            };
            writeln!(
                out,
                "{name}: {} members read (SHA-256 {sha})",
                r.members.len()
            )?;
            for w in &r.report.warnings {
                writeln!(out, "  warning: {name}:{}: {}", w.line, w.problem)?;
            }
            let bar = if io::stderr().is_terminal() {
                let b = ProgressBar::new(r.members.len() as u64).with_style(
                    ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} members ({eta})")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                b.set_message("storing");
                Some(b)
            } else {
                None
            };
            let mut progress = |n: u64| {
                if let Some(b) = &bar {
                    b.set_position(n);
                }
            };
            let diff = store
                .import_roll(&election, &r, &name, &sha, today, &mut progress)
                .await?;
            if let Some(b) = bar {
                b.finish_and_clear();
            }
            writeln!(
                out,
                "Roll version {}: {} members; {} added, {} removed, {} changed",
                diff.version,
                diff.members,
                diff.added.len(),
                diff.removed.len(),
                diff.changed.len()
            )?;
            if diff.version > 1 {
                for (what, ids) in [
                    ("added", &diff.added),
                    ("removed", &diff.removed),
                    ("changed", &diff.changed),
                ] {
                    if !ids.is_empty() {
                        writeln!(out, "  {what}: {}", abbreviate(ids, list))?;
                    }
                }
            }
            // The report comes from the roll as read (the same reasons as stored in
            // `electors`), not from a second pass over the database.
            for (ci, (section, eligible, ineligible)) in diff.eligible.iter().enumerate() {
                writeln!(
                    out,
                    "  {section}: {eligible} may vote, {ineligible} may not"
                )?;
                let mut by_rule: std::collections::BTreeMap<&str, usize> = Default::default();
                let mut listed = Vec::new();
                for (m, why) in r.members.iter().zip(&r.eligibility) {
                    if let Some(Some(why)) = why.get(ci) {
                        for part in why.split("; ") {
                            *by_rule.entry(rule_class(part)).or_default() += 1;
                        }
                        if listed.len() < list {
                            listed.push(format!("    {} {}: {why}", m.id, m.name));
                        }
                    }
                }
                for (rule, n) in by_rule {
                    writeln!(out, "    {n} {rule}")?;
                }
                for l in &listed {
                    writeln!(out, "{l}")?;
                }
                if *ineligible as usize > listed.len() && list > 0 {
                    writeln!(
                        out,
                        "    … and {} more",
                        *ineligible as usize - listed.len()
                    )?;
                }
            }
            store.close().await;
        }
        ElectionCommand::FreezeRoll { election } => {
            let store = open(url).await?;
            if !freeze_if_due(&store, &election, today, out).await? {
                let fp = store.freeze_roll(&election).await?;
                writeln!(out, "Roll of {election} frozen; SHA-256 {fp}")?;
            }
            store.close().await;
        }
        ElectionCommand::Nominate {
            election,
            section,
            candidate,
            by,
            kind,
            on,
        } => {
            let on = match on {
                Some(d) => date(&d, "on")?,
                None => today,
            };
            let store = open(url).await?;
            let c = store
                .nominate(&election, &section, &candidate, &by, &kind, on)
                .await?;
            let counts: Vec<String> = c
                .nominations
                .iter()
                .map(|(k, n)| format!("{n} {k}"))
                .collect();
            writeln!(
                out,
                "{} ({}) nominated by {by}; now {}",
                c.name,
                c.member_id,
                counts.join(", ")
            )?;
            store.close().await;
        }
        ElectionCommand::CloseNominations { election, section } => {
            let store = open(url).await?;
            let cands = store.close_nominations(&election, &section).await?;
            writeln!(out, "Nominations closed in {section}")?;
            print_candidates(out, &cands)?;
            store.close().await;
        }
        ElectionCommand::Withdraw {
            election,
            section,
            candidate,
            reason,
            removed,
        } => {
            let store = open(url).await?;
            store
                .withdraw(&election, &section, &candidate, &reason, removed)
                .await?;
            writeln!(
                out,
                "{candidate} {} in {section}: {reason}",
                if removed { "removed" } else { "withdrawn" }
            )?;
            store.close().await;
        }
        ElectionCommand::BallotOrder {
            election,
            section,
            lot,
            seed,
        } => {
            let order = if lot {
                BallotOrder::Lot(match seed {
                    Some(s) => s,
                    None => {
                        let mut b = [0u8; 8];
                        getrandom::fill(&mut b)
                            .map_err(|e| anyhow::anyhow!("random source: {e}"))?;
                        u64::from_le_bytes(b)
                    }
                })
            } else {
                BallotOrder::Alphabetical
            };
            let store = open(url).await?;
            let cands = store.draw_ballot_order(&election, &section, order).await?;
            match order {
                BallotOrder::Lot(s) => writeln!(
                    out,
                    "Ballot order of {section}, drawn by lot with seed {s}:"
                )?,
                BallotOrder::Alphabetical => {
                    writeln!(out, "Ballot order of {section}, alphabetical by surname:")?
                }
            }
            print_candidates(out, &cands)?;
            store.close().await;
        }
        ElectionCommand::Candidates { election, section } => {
            let store = open(url).await?;
            print_candidates(out, &store.candidates(&election, &section).await?)?;
            store.close().await;
        }
        ElectionCommand::IssueCredentials {
            election,
            smtp,
            postal_dir,
        } => {
            let store = open(url).await?;
            freeze_if_due(&store, &election, today, out).await?;
            let e = store.election(&election).await?;
            if e.roll_sha256.is_none() {
                bail!("the roll of {election} is not frozen: run `scrutin election freeze-roll --election {election}` first");
            }
            let voters = store.voters(&election, true).await?;
            let mailer = mailer(&smtp);
            let (mut emailed, mut posted, mut unreachable) = (0u64, 0u64, Vec::new());
            for v in &voters {
                match deliver(&store, &e, v, None, &smtp, &mailer, &postal_dir).await? {
                    Some(Channel::Email) => emailed += 1,
                    Some(Channel::Postal) => posted += 1,
                    None => unreachable.push(v.member_id.clone()),
                }
            }
            writeln!(
                out,
                "Credentials issued for {election}: {emailed} by email, {posted} postal packs in {}",
                postal_dir.display()
            )?;
            if !unreachable.is_empty() {
                writeln!(
                    out,
                    "  {} voter(s) with no unique email address and no postal address, not issued: {}",
                    unreachable.len(),
                    abbreviate(&unreachable, 20)
                )?;
            }
            store.close().await;
        }
        ElectionCommand::Reissue {
            election,
            member,
            reason,
            smtp,
            postal_dir,
        } => {
            let store = open(url).await?;
            freeze_if_due(&store, &election, today, out).await?;
            let e = store.election(&election).await?;
            let voters = store.voters(&election, false).await?;
            let Some(v) = voters.iter().find(|v| v.member_id == member) else {
                bail!("member {member:?} is not a voter in {election}");
            };
            match deliver(
                &store,
                &e,
                v,
                Some(&reason),
                &smtp,
                &mailer(&smtp),
                &postal_dir,
            )
            .await?
            {
                Some(ch) => writeln!(
                    out,
                    "New credential for {member} sent by {}; the old one no longer works",
                    ch.name()
                )?,
                None => bail!("member {member} has no unique email address and no postal address"),
            }
            store.close().await;
        }
        ElectionCommand::Remind {
            election,
            smtp,
            postal_dir,
        } => {
            let store = open(url).await?;
            let e = store.election(&election).await?;
            let to_remind = store.to_remind(&election).await?;
            let postal: Vec<_> = to_remind
                .iter()
                .filter(|v| v.channel == Some(Channel::Postal))
                .collect();
            // Refused before anything is sent: a reminder run is all or nothing per channel.
            let postal_dir = match (postal_dir, postal.is_empty()) {
                (Some(d), _) => Some(d),
                (None, true) => None,
                (None, false) => bail!(
                    "{} postal voter(s) have not voted ({}): give --postal-dir DIR for their \
                     reminder letters; nothing was sent",
                    postal.len(),
                    abbreviate(
                        &postal
                            .iter()
                            .map(|v| v.member_id.clone())
                            .collect::<Vec<_>>(),
                        20
                    )
                ),
            };
            let mailer = mailer(&smtp);
            let (mut sent, mut letters) = (0u64, 0u64);
            for v in &to_remind {
                match v.channel {
                    Some(Channel::Email) => {
                        let to = v.email.as_deref().unwrap_or_default();
                        let (subject, body) =
                            reminder_email(&notice(&e, v, smtp.site.as_deref()), &v.name);
                        send(&mailer, &smtp, to, &subject, body)?;
                        store
                            .log_reminder(&election, &v.member_id, Channel::Email)
                            .await?;
                        sent += 1;
                    }
                    Some(Channel::Postal) => {
                        let Some(dir) = &postal_dir else { continue };
                        std::fs::create_dir_all(dir)
                            .with_context(|| format!("cannot create {}", dir.display()))?;
                        let path = dir.join(format!(
                            "{}-{}-reminder.html",
                            e.id,
                            file_safe(&v.member_id)
                        ));
                        let html = reminder_letter_html(
                            &notice(&e, v, smtp.site.as_deref()),
                            &v.member_id,
                            &v.name,
                            v.address.as_deref().unwrap_or_default(),
                        );
                        std::fs::write(&path, html)
                            .with_context(|| format!("cannot write {}", path.display()))?;
                        store
                            .log_reminder(&election, &v.member_id, Channel::Postal)
                            .await?;
                        letters += 1;
                    }
                    None => {}
                }
            }
            write!(
                out,
                "Reminders sent by email: {sent}; reminder letters written: {letters}"
            )?;
            match &postal_dir {
                Some(d) if letters > 0 => writeln!(out, " in {}", d.display())?,
                _ => writeln!(out)?,
            }
            store.close().await;
        }
        ElectionCommand::CheckCode { election, code } => {
            let code = if code == "-" {
                let mut s = String::new();
                io::stdin().read_to_string(&mut s)?;
                s.trim().to_string()
            } else {
                code
            };
            let store = open(url).await?;
            let who = store.verify_credential(&election, &code).await?;
            store.close().await;
            match who {
                Some(m) => writeln!(out, "valid: member {m}")?,
                None => bail!("not a live credential of {election}"),
            }
        }
        ElectionCommand::Status { election } => {
            let store = open(url).await?;
            let e = store.election(&election).await?;
            let st = store.status(&election).await?;
            writeln!(out, "{}: {}", e.id, e.title)?;
            writeln!(
                out,
                "  roll: {} members, {}",
                st.members,
                match &st.roll_sha256 {
                    Some(fp) => format!("frozen, SHA-256 {fp}"),
                    None => "not frozen".into(),
                }
            )?;
            for (ch, n, d) in &st.credentials {
                writeln!(out, "  credentials by {ch}: {n} live, {d} delivered")?;
            }
            writeln!(
                out,
                "  {:<16} {:>9} {:>9} {:>9} {:>9}",
                "contest", "electors", "online", "postal", "turnout"
            )?;
            for c in &st.contests {
                let voted = c.online + c.postal;
                writeln!(
                    out,
                    "  {:<16} {:>9} {:>9} {:>9} {:>8}%",
                    c.section_id,
                    c.electors,
                    c.online,
                    c.postal,
                    scrutin_body::percent1(voted, c.electors)
                )?;
            }
            store.close().await;
        }
        ElectionCommand::SetKey {
            election,
            public_key,
        } => {
            let store = open(url).await?;
            poll::set_key(&store, &election, &public_key, out).await?;
            store.close().await;
        }
        ElectionCommand::Open {
            election,
            revote,
            seal_every,
        } => {
            let store = open(url).await?;
            poll::open_poll(&store, &election, &revote, seal_every, out).await?;
            store.close().await;
        }
        ElectionCommand::PostalReceive {
            election,
            batch,
            file,
        } => {
            let store = open(url).await?;
            poll::postal_receive(&store, &election, &batch, &file, out).await?;
            store.close().await;
        }
        ElectionCommand::PostalEnter {
            election,
            batch,
            section,
            file,
        } => {
            let store = open(url).await?;
            poll::postal_enter(&store, &election, &batch, &section, &file, out).await?;
            store.close().await;
        }
        ElectionCommand::Close { election } => {
            let store = open(url).await?;
            poll::close(&store, &election, out).await?;
            store.close().await;
        }
        ElectionCommand::Count { election, json } => {
            let store = open(url).await?;
            poll::count(&store, &election, json, out).await?;
            store.close().await;
        }
        ElectionCommand::Publish {
            election,
            signing_key,
            records,
        } => {
            let store = open(url).await?;
            poll::publish(&store, &election, &signing_key, &records, out).await?;
            store.close().await;
        }
        ElectionCommand::Track { election, tracker } => {
            let store = open(url).await?;
            poll::track(&store, &election, &tracker, out).await?;
            store.close().await;
        }
    }
    Ok(())
}

fn rule_class(reason: &str) -> &'static str {
    if reason.contains("freeze date") {
        "joined after the freeze date"
    } else if reason.starts_with("in arrears") {
        "in arrears"
    } else if reason.starts_with("aged") || reason.starts_with("no date of birth") {
        "over the age limit or no date of birth"
    } else if reason.contains("self-declared") {
        "not self-declared"
    } else {
        "other"
    }
}

fn abbreviate(ids: &[String], n: usize) -> String {
    let mut s = ids.iter().take(n).cloned().collect::<Vec<_>>().join(", ");
    if ids.len() > n {
        s.push_str(&format!(" … and {} more", ids.len() - n));
    }
    s
}

fn print_candidates(out: &mut impl Write, cands: &[scrutin_store::Candidate]) -> Result<()> {
    for c in cands {
        let noms: Vec<String> = c
            .nominations
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        let pos = match (c.state, c.ballot_position) {
            (CandidateState::OnBallot, Some(p)) => format!("{p:>3}. "),
            _ => "     ".to_string(),
        };
        writeln!(
            out,
            "  {pos}{} ({}): {}; {}{}",
            c.name,
            c.member_id,
            c.state.name(),
            if noms.is_empty() {
                "no nominations".into()
            } else {
                noms.join(", ")
            },
            c.reason
                .as_deref()
                .map(|r| format!(" — {r}"))
                .unwrap_or_default()
        )?;
    }
    Ok(())
}

fn notice<'a>(e: &'a Election, v: &Recipient, site: Option<&str>) -> Notice<'a> {
    Notice {
        site: site.map(str::to_string),
        election_id: &e.id,
        title: &e.title,
        voting_open: e.dates.voting_open.to_string(),
        voting_close: e.dates.voting_close.to_string(),
        contests: v.contests.clone(),
    }
}

fn mailer(smtp: &Smtp) -> SmtpTransport {
    SmtpTransport::builder_dangerous(&smtp.smtp_host)
        .port(smtp.smtp_port)
        .build()
}

fn send(mailer: &SmtpTransport, smtp: &Smtp, to: &str, subject: &str, body: String) -> Result<()> {
    let msg = Message::builder()
        .from(
            smtp.from
                .parse()
                .with_context(|| format!("--from {:?} is not an email address", smtp.from))?,
        )
        .to(to
            .parse()
            .with_context(|| format!("{to:?} is not an email address"))?)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .context("cannot build the email")?;
    mailer.send(&msg).with_context(|| {
        format!(
            "cannot send email to {to} through {}:{}",
            smtp.smtp_host, smtp.smtp_port
        )
    })?;
    Ok(())
}

/// Issues (or re-issues) one voter's credential and sends it; records delivery only once it
/// is sent or written. `None`: nothing can reach the voter (nothing issued).
async fn deliver(
    store: &Store,
    e: &Election,
    v: &Recipient,
    reason: Option<&str>,
    smtp: &Smtp,
    mailer: &SmtpTransport,
    postal_dir: &Path,
) -> Result<Option<Channel>> {
    let Some(channel) = v.channel else {
        return Ok(None);
    };
    let issued = store
        .issue_credential(&e.id, &v.member_id, channel, reason)
        .await?;
    let code = issued.code.expose_secret();
    let n = notice(e, v, smtp.site.as_deref());
    match channel {
        Channel::Email => {
            let (subject, body) = credential_email(&n, &v.name, code);
            send(
                mailer,
                smtp,
                v.email.as_deref().unwrap_or_default(),
                &subject,
                body,
            )?;
        }
        Channel::Postal => {
            std::fs::create_dir_all(postal_dir)
                .with_context(|| format!("cannot create {}", postal_dir.display()))?;
            let path = postal_dir.join(format!("{}-{}.html", e.id, file_safe(&v.member_id)));
            let html = postal_pack_html(
                &n,
                &v.member_id,
                &v.name,
                v.address.as_deref().unwrap_or_default(),
                code,
            );
            std::fs::write(&path, html)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    store
        .mark_delivered(&e.id, &v.member_id, issued.serial)
        .await?;
    Ok(Some(channel))
}

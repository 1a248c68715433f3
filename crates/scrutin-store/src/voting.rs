//! Voting: opening the poll, the ballot box (an append-only hash chain of anonymised ballots),
//! online ballots cast with a credential, postal ballots entered in batches, closing, counting
//! and publishing.
//!
//! Secrecy, as stored: a `ballot_box` row holds the contest, a random tracker, the channel,
//! the ballot and the chain's head — never a voter, a credential or a time. Who has voted is in
//! `turnout`, with the day only. The two are written in one transaction (so a vote is counted
//! once and recorded once) but share no key. Under the last-ballot-counts policy a ballot also
//! carries a `revote_tag`, SHA-256 of the voter's credential code and the contest: only the
//! holder of the code can find their earlier ballot with it; the database holds the code only
//! as a keyed hash under another key.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;

use sha2::{Digest, Sha256};
use sqlx::{Executor, Row};

use scrutin_core::report::Report;
use scrutin_record::ballot::{Ballot, BallotKind};
use scrutin_record::chain::{self, BallotChannel, Digest32, Entry};
use scrutin_record::contest::{CandidateSpec, ContestSpec};
use scrutin_record::{hex, unhex, ContestInput, RecordInput};

use crate::credential;
use crate::date::{now_iso, Date};
use crate::store::{i, is_elector, os, s, voted_by, Store};
use crate::StoreError;

type Result<T> = std::result::Result<T, StoreError>;

/// Where an election's poll is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PollState {
    /// Before voting: roll, nominations, credentials.
    Setup,
    Open,
    /// The ballot box is frozen; nothing more goes in.
    Closed,
    /// Every contest counted; results not yet public.
    Counted,
    Published,
}

impl PollState {
    pub fn name(self) -> &'static str {
        match self {
            PollState::Setup => "setup",
            PollState::Open => "open",
            PollState::Closed => "closed",
            PollState::Counted => "counted",
            PollState::Published => "published",
        }
    }
    fn parse(s: &str) -> PollState {
        match s {
            "open" => PollState::Open,
            "closed" => PollState::Closed,
            "counted" => PollState::Counted,
            "published" => PollState::Published,
            _ => PollState::Setup,
        }
    }
}

/// What happens when a voter votes again online in a contest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Revote {
    /// The first ballot stands; a second is refused.
    FirstStands,
    /// The last ballot counts: it replaces the earlier one in the box (Helios and Belenios do
    /// this against coercion: a coerced voter can vote again later).
    LastCounts,
}

impl Revote {
    pub fn name(self) -> &'static str {
        match self {
            Revote::FirstStands => "first",
            Revote::LastCounts => "last",
        }
    }
    pub fn parse(s: &str) -> std::result::Result<Revote, String> {
        match s {
            "first" => Ok(Revote::FirstStands),
            "last" => Ok(Revote::LastCounts),
            _ => Err(format!(
                "unknown re-voting policy {s:?}; known: first (the first ballot stands), \
                 last (the last ballot counts)"
            )),
        }
    }
}

/// The public state of the ballot box.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoxStatus {
    pub state: PollState,
    pub revote: Revote,
    /// The chain's head (hex): the genesis head before the first ballot.
    pub head: String,
    /// Entries in the chain (replaced ones included).
    pub entries: u64,
    /// Ballots accepted but not yet sealed into the chain (they are, in a random order, once
    /// `seal_every` have gathered, and all of them when the poll closes).
    pub pending: u64,
    pub seal_every: u64,
    pub public_key: Option<String>,
    pub opened_at: Option<String>,
    pub closed_at: Option<String>,
}

/// A contest's ballot paper, as a voter sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BallotPaper {
    pub section_id: String,
    pub name: String,
    pub seats: u32,
    pub method: String,
    pub kind: BallotKind,
    /// Candidates in ballot-paper order (position 1 first), withdrawn ones marked.
    pub candidates: Vec<(String, bool)>,
}

/// A contest a voter may vote in, and whether they have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoterContest {
    pub paper: BallotPaper,
    pub voted: bool,
}

/// What a voter is told when their ballot is in the box.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub section_id: String,
    pub tracker: String,
    /// The tracker of the ballot this one replaced (last ballot counts).
    pub replaced: Option<String>,
    /// The chain's head now.
    pub head: String,
    /// Whether the ballot is in the chain already, or waits to be sealed with others.
    pub sealed: bool,
}

/// One member's postal voting statement in a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostalRefusal {
    pub member_id: String,
    pub section_id: Option<String>,
    pub reason: String,
}

/// What receiving a batch of postal voting statements did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PostalReceipt {
    /// Per contest: statements accepted, i.e. ballot papers to enter from this batch.
    pub accepted: BTreeMap<String, u64>,
    /// Statements (or a statement's contests) refused, with why: set those papers aside.
    pub refused: Vec<PostalRefusal>,
}

/// A ballot found by its tracker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tracked {
    pub entry: Entry,
    /// Its place in the chain (1-based); 0 while it waits to be sealed.
    pub seq: u64,
    /// Accepted, waiting to be sealed into the chain with others.
    pub pending: bool,
    /// Replaced by a later ballot of the same voter (last ballot counts).
    pub replaced: bool,
}

/// A published record.
#[derive(Debug)]
pub struct Published {
    pub dir: PathBuf,
    pub archive: PathBuf,
    pub manifest: scrutin_record::Manifest,
}

/// Turnout in one contest, as published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContestTurnout {
    pub section_id: String,
    pub name: String,
    pub electors: u64,
    /// Voters who voted online, and by post.
    pub online: u64,
    pub postal: u64,
    /// Postal papers returned but rejected at entry (in `postal`, not in the box).
    pub rejected_postal: u64,
}

/// A counted contest.
#[derive(Clone, Debug)]
pub struct ContestResult {
    pub spec: ContestSpec,
    pub report: Report,
    pub published: bool,
}

fn channel_of(s: &str) -> Result<BallotChannel> {
    BallotChannel::from_name(s)
        .ok_or_else(|| StoreError::Invalid(format!("stored ballot channel {s:?}")))
}

/// A ballot-box row (`section_id, tracker, channel, replaces, ballot`) as an entry.
fn entry_of(r: &sqlx::any::AnyRow) -> Result<Entry> {
    Ok(Entry {
        contest: s(r, "section_id")?,
        tracker: s(r, "tracker")?,
        channel: channel_of(&s(r, "channel")?)?,
        replaces: os(r, "replaces")?,
        ballot: Ballot::parse(&s(r, "ballot")?)
            .map_err(|err| StoreError::Invalid(format!("stored ballot: {err}")))?,
    })
}

fn digest_of(h: &str) -> Result<Digest32> {
    unhex(h)
        .and_then(|v| <[u8; 32]>::try_from(v).ok())
        .ok_or_else(|| {
            StoreError::Invalid(format!("stored chain head {h:?} is not 32 bytes of hex"))
        })
}

/// A fresh tracker: 16 characters of Crockford base 32 (80 random bits) in groups of four.
fn new_tracker() -> Result<String> {
    credential::random_code(16, 4)
}

/// A tracker as typed: upper case, O read as 0, I and L as 1, dashes put back.
pub fn normalise_tracker(t: &str) -> String {
    credential::grouped(credential::as_meant(t), 4)
}

/// The re-voting tag of a credential in a contest: only its holder can recompute it.
fn revote_tag(election: &str, section: &str, normalised_code: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"scrutin-revote/1\n");
    h.update(election.as_bytes());
    h.update(b"\n");
    h.update(section.as_bytes());
    h.update(b"\n");
    h.update(normalised_code.as_bytes());
    hex(&h.finalize())
}

/// Candidate attributes from the roll's `self_declared` items of the form `key=value`
/// (`gender=woman`); bare items (`disabled`) are kept as `key = "yes"`.
fn attributes_of(self_declared: &str) -> BTreeMap<String, String> {
    self_declared
        .split(';')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| match a.split_once('=') {
            Some((k, v)) => (k.trim().to_string(), v.trim().to_string()),
            None => (a.to_string(), "yes".to_string()),
        })
        .collect()
}

impl Store {
    fn state_error(&self, election: &str, state: PollState, wanted: &str) -> StoreError {
        StoreError::Refused(format!(
            "the poll of {election} is {}: {wanted}",
            state.name()
        ))
    }

    /// A transaction holding the election's lock ([`Store::begin_locked`]) whose poll is in
    /// one of the `allowed` states; else refused, saying `wanted`.
    async fn begin_in_state(
        &self,
        election: &str,
        allowed: &[PollState],
        wanted: &str,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        let mut tx = self.begin_locked(election).await?;
        let state = PollState::parse(&s(
            &sqlx::query("SELECT poll_state FROM elections WHERE id = $1")
                .bind(election)
                .fetch_one(&mut *tx)
                .await?,
            "poll_state",
        )?);
        if !allowed.contains(&state) {
            return Err(self.state_error(election, state, wanted));
        }
        Ok(tx)
    }

    /// The ballot box's public state.
    pub async fn box_status(&self, election: &str) -> Result<BoxStatus> {
        let r = sqlx::query(
            "SELECT poll_state, revote, box_head, box_entries, public_key, poll_opened_at, \
             poll_closed_at, seal_every FROM elections WHERE id = $1",
        )
        .bind(election)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NoElection(election.to_string()))?;
        Ok(BoxStatus {
            state: PollState::parse(&s(&r, "poll_state")?),
            revote: Revote::parse(&s(&r, "revote")?).map_err(StoreError::Invalid)?,
            head: os(&r, "box_head")?.unwrap_or_else(|| hex(&chain::genesis(election))),
            entries: i(&r, "box_entries")? as u64,
            pending: i(
                &sqlx::query("SELECT COUNT(*) AS n FROM ballot_pool WHERE election_id = $1")
                    .bind(election)
                    .fetch_one(&self.pool)
                    .await?,
                "n",
            )? as u64,
            seal_every: i(&r, "seal_every")? as u64,
            public_key: os(&r, "public_key")?,
            opened_at: os(&r, "poll_opened_at")?,
            closed_at: os(&r, "poll_closed_at")?,
        })
    }

    /// Records the returning officer's Ed25519 public key (hex), published before the poll
    /// opens; the record's manifest is signed with its secret half. Refused once open.
    pub async fn set_public_key(&self, election: &str, public_key: &str) -> Result<()> {
        if unhex(public_key).is_none_or(|k| k.len() != 32) {
            return Err(StoreError::Invalid(format!(
                "{public_key:?} is not an Ed25519 public key (64 hex characters)"
            )));
        }
        let mut tx = self
            .begin_in_state(
                election,
                &[PollState::Setup],
                "the key must be published before the poll opens",
            )
            .await?;
        sqlx::query("UPDATE elections SET public_key = $1 WHERE id = $2")
            .bind(public_key.to_ascii_lowercase())
            .bind(election)
            .execute(&mut *tx)
            .await?;
        Store::log(&mut tx, election, "public-key", None, public_key).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A contest's ballot paper: the candidates with a ballot position, in that order.
    pub async fn ballot_paper(&self, election: &str, section: &str) -> Result<BallotPaper> {
        let e = self.election(election).await?;
        // Called for every ballot cast: the constitution is parsed once, here.
        let body = scrutin_body::Constitution::parse(&e.constitution, "constitution")
            .map_err(|err| StoreError::Body(err.to_string()))?;
        let sec = body
            .section(section)
            .filter(|_| e.sections.iter().any(|s| s == section))
            .ok_or_else(|| StoreError::Invalid(format!("{election} has no contest {section:?}")))?;
        let method = sec.method_name().unwrap_or("unknown").to_string();
        let marks = sec.marks.as_ref().map(|m| *m.get_ref());
        let candidates = self
            .candidates(election, section)
            .await?
            .into_iter()
            .filter(|c| c.ballot_position.is_some())
            .map(|c| {
                let w = matches!(
                    c.state,
                    crate::CandidateState::Withdrawn | crate::CandidateState::Removed
                );
                (c.name, w)
            })
            .collect();
        Ok(BallotPaper {
            section_id: section.to_string(),
            name: sec.name.clone(),
            seats: sec.seats(),
            kind: BallotKind::for_method(&method, sec.seats(), marks),
            method,
            candidates,
        })
    }

    /// Opens the poll: the roll must be frozen and every contest's ballot paper fixed.
    pub async fn open_poll(&self, election: &str, revote: Revote) -> Result<BoxStatus> {
        let e = self.election(election).await?;
        let st = self.box_status(election).await?;
        if st.state != PollState::Setup {
            return Err(self.state_error(election, st.state, "it can be opened only once"));
        }
        if e.roll_sha256.is_none() {
            return Err(StoreError::Refused(format!(
                "the roll of {election} is not frozen: freeze it before opening the poll"
            )));
        }
        for c in e.contests()? {
            let paper = self.ballot_paper(election, &c.section_id).await?;
            if paper.candidates.is_empty() {
                return Err(StoreError::Refused(format!(
                    "{}: the ballot paper is not fixed (scrutin election ballot-order)",
                    c.name
                )));
            }
        }
        let mut tx = self.begin_locked(election).await?;
        sqlx::query(
            "UPDATE elections SET poll_state = 'open', revote = $1, poll_opened_at = $2, \
             box_head = $3, box_entries = 0 WHERE id = $4",
        )
        .bind(revote.name())
        .bind(now_iso())
        .bind(hex(&chain::genesis(election)))
        .bind(election)
        .execute(&mut *tx)
        .await?;
        Store::log(
            &mut tx,
            election,
            "open-poll",
            None,
            &format!("re-voting: {}", revote.name()),
        )
        .await?;
        tx.commit().await?;
        self.box_status(election).await
    }

    /// The contests a credential's holder may vote in, and whether they have. `None` if the
    /// code is not a live credential of the election.
    pub async fn voter_contests(
        &self,
        election: &str,
        code: &str,
    ) -> Result<Option<Vec<VoterContest>>> {
        let Some(member) = self.verify_credential(election, code).await? else {
            return Ok(None);
        };
        let e = self.election(election).await?;
        let mut out = Vec::new();
        let mut conn = self.pool.acquire().await?;
        for c in e.contests()? {
            if !is_elector(&mut conn, election, &c.section_id, &member).await? {
                continue;
            }
            let voted = voted_by(&mut conn, election, &c.section_id, &member)
                .await?
                .is_some();
            out.push(VoterContest {
                paper: self.ballot_paper(election, &c.section_id).await?,
                voted,
            });
        }
        Ok(Some(out))
    }

    /// Appends one entry to the box inside `tx`, returning the new head.
    async fn append(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        election: &str,
        entry: &Entry,
        revote_tag: Option<&str>,
    ) -> Result<String> {
        let r = sqlx::query("SELECT box_head, box_entries FROM elections WHERE id = $1")
            .bind(election)
            .fetch_one(&mut **tx)
            .await?;
        let head = match os(&r, "box_head")? {
            Some(h) => digest_of(&h)?,
            None => chain::genesis(election),
        };
        let seq = i(&r, "box_entries")? + 1;
        let new_head = hex(&chain::next(&head, &entry.leaf()));
        sqlx::query(
            "INSERT INTO ballot_box (election_id, seq, section_id, tracker, channel, replaces, \
             ballot, revote_tag, replaced, head) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9)",
        )
        .bind(election)
        .bind(seq)
        .bind(entry.contest.as_str())
        .bind(entry.tracker.as_str())
        .bind(entry.channel.name())
        .bind(entry.replaces.clone())
        .bind(entry.ballot.to_string())
        .bind(revote_tag.map(str::to_string))
        .bind(new_head.as_str())
        .execute(&mut **tx)
        .await?;
        sqlx::query("UPDATE elections SET box_head = $1, box_entries = $2 WHERE id = $3")
            .bind(new_head.as_str())
            .bind(seq)
            .bind(election)
            .execute(&mut **tx)
            .await?;
        Ok(new_head)
    }

    /// Puts an accepted ballot in the pool, inside `tx`.
    async fn pool(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        election: &str,
        entry: &Entry,
        revote_tag: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO ballot_pool (election_id, tracker, section_id, channel, replaces, ballot, \
             revote_tag) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(election)
        .bind(entry.tracker.as_str())
        .bind(entry.contest.as_str())
        .bind(entry.channel.name())
        .bind(entry.replaces.clone())
        .bind(entry.ballot.to_string())
        .bind(revote_tag.map(str::to_string))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Seals the pool into the chain, inside `tx`, if `all` or once `seal_every` ballots
    /// wait: every pooled ballot is appended, in a random order, and leaves the pool.
    /// Returns the head and whether it sealed.
    async fn seal(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        election: &str,
        all: bool,
    ) -> Result<(String, bool)> {
        let r = sqlx::query("SELECT seal_every, box_head FROM elections WHERE id = $1")
            .bind(election)
            .fetch_one(&mut **tx)
            .await?;
        let every = i(&r, "seal_every")?.max(1) as usize;
        let head = os(&r, "box_head")?.unwrap_or_else(|| hex(&chain::genesis(election)));
        let rows = sqlx::query(
            "SELECT tracker, section_id, channel, replaces, ballot, revote_tag FROM ballot_pool \
             WHERE election_id = $1",
        )
        .bind(election)
        .fetch_all(&mut **tx)
        .await?;
        if rows.is_empty() || (!all && rows.len() < every) {
            return Ok((head, false));
        }
        let mut pooled = Vec::with_capacity(rows.len());
        for r in &rows {
            pooled.push((entry_of(r)?, os(r, "revote_tag")?));
        }
        // Each pooled ballot takes a random rank; the box gets them in rank order.
        let ranks = scrutin_record::random_permutation(pooled.len())
            .map_err(|e| StoreError::Random(e.to_string()))?;
        let mut ranked: Vec<_> = ranks.into_iter().zip(pooled).collect();
        ranked.sort_unstable_by_key(|(rank, _)| *rank);
        let pooled: Vec<_> = ranked.into_iter().map(|(_, p)| p).collect();
        // The turnout rows written since the last seal are rewritten here: on PostgreSQL every
        // row version carries the id of the transaction that wrote it, and a turnout row and a
        // pooled ballot written by one cast share one. After this, live rows link a voter to a
        // sealed batch at most (docs/voting.md: what a database administrator can see).
        sqlx::query("UPDATE turnout SET sealed = sealed + 1 WHERE election_id = $1 AND sealed = 0")
            .bind(election)
            .execute(&mut **tx)
            .await?;
        let mut head = head;
        for (entry, tag) in &pooled {
            head = Store::append(tx, election, entry, tag.as_deref()).await?;
        }
        sqlx::query("DELETE FROM ballot_pool WHERE election_id = $1")
            .bind(election)
            .execute(&mut **tx)
            .await?;
        Ok((head, true))
    }

    /// How many accepted ballots are sealed into the chain together (at least 1; 1 seals each
    /// ballot as it comes, which lets the chain's order tell when each was cast). Set before
    /// the poll opens.
    pub async fn set_seal_every(&self, election: &str, n: u64) -> Result<()> {
        let mut tx = self
            .begin_in_state(
                election,
                &[PollState::Setup],
                "set it before the poll opens",
            )
            .await?;
        sqlx::query("UPDATE elections SET seal_every = $1 WHERE id = $2")
            .bind(n.max(1) as i64)
            .bind(election)
            .execute(&mut *tx)
            .await?;
        Store::log(&mut tx, election, "seal-every", None, &n.max(1).to_string()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Casts a voter's ballot in one contest, with their credential code: checked against the
    /// ballot paper, then, in one transaction holding the election's lock, the voter's turnout is recorded
    /// and the anonymised ballot appended to the box. A second ballot is refused, or under
    /// the last-ballot-counts policy replaces the first (a postal ballot is never replaced).
    /// A transaction that loses a race on PostgreSQL (serialization failure, deadlock) is
    /// tried again, up to five times.
    pub async fn cast(
        &self,
        election: &str,
        code: &str,
        section: &str,
        ballot: Ballot,
    ) -> Result<Receipt> {
        let mut tries = 0;
        loop {
            match self
                .cast_once(election, code, section, ballot.clone())
                .await
            {
                Err(StoreError::Db(sqlx::Error::Database(e)))
                    if tries < 5 && matches!(e.code().as_deref(), Some("40001" | "40P01")) =>
                {
                    tries += 1;
                }
                other => return other,
            }
        }
    }

    async fn cast_once(
        &self,
        election: &str,
        code: &str,
        section: &str,
        ballot: Ballot,
    ) -> Result<Receipt> {
        let e = self.election(election).await?;
        let paper = self.ballot_paper(election, section).await?;
        let ballot = ballot
            .checked(paper.candidates.len() as u32, paper.kind)
            .map_err(|err| StoreError::Invalid(err.to_string()))?;
        let norm = credential::normalise(code)
            .ok_or_else(|| StoreError::Refused("that is not a voting code".into()))?;
        let hash = credential::keyed_hash(&e.key, election, &norm);
        let tag = revote_tag(election, section, &norm);
        let tracker = new_tracker()?;
        let mut tx = self.begin_locked(election).await?;
        let r = sqlx::query("SELECT poll_state, revote FROM elections WHERE id = $1")
            .bind(election)
            .fetch_one(&mut *tx)
            .await?;
        let state = PollState::parse(&s(&r, "poll_state")?);
        if state != PollState::Open {
            return Err(self.state_error(election, state, "no ballot can be cast"));
        }
        let revote = Revote::parse(&s(&r, "revote")?).map_err(StoreError::Invalid)?;
        let cred = sqlx::query(
            "SELECT member_id, code_hmac FROM credentials WHERE election_id = $1 AND code_hmac = $2 \
             AND revoked_at IS NULL",
        )
        .bind(election)
        .bind(hash.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let member = match cred {
            Some(r) if credential::same_hash(&s(&r, "code_hmac")?, &hash) => s(&r, "member_id")?,
            _ => {
                return Err(StoreError::Refused(
                    "that voting code is not valid (mistyped, or replaced by a newer one)".into(),
                ))
            }
        };
        let eligible = is_elector(&mut tx, election, section, &member).await?;
        if !eligible {
            return Err(StoreError::Refused(format!(
                "this voting code does not give a vote in {}",
                paper.name
            )));
        }
        let voted = voted_by(&mut tx, election, section, &member).await?;
        let mut replaces = None;
        let mut withdrawn = None;
        match voted {
            None => {
                sqlx::query(
                    "INSERT INTO turnout (election_id, section_id, member_id, channel, voted_at) \
                     VALUES ($1, $2, $3, 'online', $4)",
                )
                .bind(election)
                .bind(section)
                .bind(member.as_str())
                .bind(Date::today().to_string())
                .execute(&mut *tx)
                .await?;
            }
            Some(channel) => {
                if channel == "postal" {
                    return Err(StoreError::Refused(format!(
                        "you have already voted in {} by post; a postal vote is final",
                        paper.name
                    )));
                }
                if revote == Revote::FirstStands {
                    return Err(StoreError::Refused(format!(
                        "you have already voted in {}; your first ballot stands",
                        paper.name
                    )));
                }
                // The earlier ballot may still wait in the pool: it leaves it, never sealed.
                let pooled = sqlx::query(
                    "SELECT tracker FROM ballot_pool WHERE election_id = $1 AND section_id = $2 \
                     AND revote_tag = $3",
                )
                .bind(election)
                .bind(section)
                .bind(tag.as_str())
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(p) = pooled {
                    let old = s(&p, "tracker")?;
                    sqlx::query("DELETE FROM ballot_pool WHERE election_id = $1 AND tracker = $2")
                        .bind(election)
                        .bind(old.as_str())
                        .execute(&mut *tx)
                        .await?;
                    withdrawn = Some(old);
                } else {
                    let old = sqlx::query(
                        "SELECT tracker FROM ballot_box WHERE election_id = $1 AND section_id = $2 \
                         AND revote_tag = $3 AND replaced = 0",
                    )
                    .bind(election)
                    .bind(section)
                    .bind(tag.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                    let Some(old) = old else {
                        return Err(StoreError::Refused(format!(
                            "you have already voted in {} with an earlier voting code; that \
                             ballot stands",
                            paper.name
                        )));
                    };
                    let old = s(&old, "tracker")?;
                    sqlx::query(
                        "UPDATE ballot_box SET replaced = 1 WHERE election_id = $1 AND tracker = $2",
                    )
                    .bind(election)
                    .bind(old.as_str())
                    .execute(&mut *tx)
                    .await?;
                    replaces = Some(old);
                }
            }
        }
        let entry = Entry {
            contest: section.to_string(),
            tracker: tracker.clone(),
            channel: BallotChannel::Online,
            replaces: replaces.clone(),
            ballot,
        };
        let tag = (revote == Revote::LastCounts).then_some(tag.as_str());
        Store::pool(&mut tx, election, &entry, tag).await?;
        let (head, sealed) = Store::seal(&mut tx, election, false).await?;
        tx.commit().await?;
        Ok(Receipt {
            section_id: section.to_string(),
            tracker,
            replaced: replaces.or(withdrawn),
            head,
            sealed,
        })
    }

    /// Receives a batch of returned postal voting statements (member ids). For each member
    /// and each contest they may vote in: accepted (their turnout is recorded as postal, and
    /// their ballot paper is to be entered with the batch) unless they have already voted —
    /// online or in an earlier batch — in which case it is refused and reported, and the
    /// paper set aside unopened. A member not on the roll, or with no vote, is refused.
    pub async fn receive_postal(
        &self,
        election: &str,
        batch: &str,
        members: &[String],
    ) -> Result<PostalReceipt> {
        if batch.is_empty() || batch.chars().any(char::is_whitespace) {
            return Err(StoreError::Invalid(format!(
                "batch name {batch:?}: use letters, digits and dashes"
            )));
        }
        let e = self.election(election).await?;
        let contests = e.contests()?;
        let mut tx = self
            .begin_in_state(
                election,
                &[PollState::Open],
                "postal ballots are received while it is open",
            )
            .await?;
        let known = sqlx::query(
            "SELECT batch_id FROM postal_batches WHERE election_id = $1 AND batch_id = $2",
        )
        .bind(election)
        .bind(batch)
        .fetch_optional(&mut *tx)
        .await?;
        if known.is_some() {
            return Err(StoreError::Refused(format!(
                "batch {batch:?} has already been received; give each batch its own name"
            )));
        }
        let mut out = PostalReceipt::default();
        let mut refused_per: BTreeMap<String, u64> = BTreeMap::new();
        let mut seen = std::collections::HashSet::new();
        for m in members {
            let m = m.trim();
            if !seen.insert(m.to_string()) {
                out.refused.push(PostalRefusal {
                    member_id: m.to_string(),
                    section_id: None,
                    reason: "listed twice in this batch".into(),
                });
                continue;
            }
            let mut any = false;
            for c in &contests {
                let sec = c.section_id.as_str();
                let eligible = is_elector(&mut tx, election, sec, m).await?;
                if !eligible {
                    continue;
                }
                any = true;
                let voted = voted_by(&mut tx, election, sec, m).await?;
                if let Some(how) = voted {
                    out.refused.push(PostalRefusal {
                        member_id: m.to_string(),
                        section_id: Some(sec.to_string()),
                        reason: if how == "postal" {
                            format!("has already voted in {} by post", c.name)
                        } else {
                            format!("has already voted in {} online", c.name)
                        },
                    });
                    *refused_per.entry(sec.to_string()).or_default() += 1;
                    continue;
                }
                sqlx::query(
                    "INSERT INTO turnout (election_id, section_id, member_id, channel, voted_at) \
                     VALUES ($1, $2, $3, 'postal', $4)",
                )
                .bind(election)
                .bind(sec)
                .bind(m)
                .bind(Date::today().to_string())
                .execute(&mut *tx)
                .await?;
                *out.accepted.entry(sec.to_string()).or_default() += 1;
            }
            if !any {
                out.refused.push(PostalRefusal {
                    member_id: m.to_string(),
                    section_id: None,
                    reason: "is not on the roll of any contest of this election".into(),
                });
            }
        }
        for c in &contests {
            let sec = c.section_id.as_str();
            let acc = out.accepted.get(sec).copied().unwrap_or(0);
            let refused = refused_per.get(sec).copied().unwrap_or(0);
            if acc == 0 && refused == 0 {
                continue;
            }
            sqlx::query(
                "INSERT INTO postal_batches (election_id, batch_id, section_id, statements, \
                 refused, received_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(election)
            .bind(batch)
            .bind(sec)
            .bind(acc as i64)
            .bind(refused as i64)
            .bind(now_iso())
            .execute(&mut *tx)
            .await?;
        }
        let detail = format!(
            "batch {batch}: {} statements; accepted {}; refused {}",
            members.len(),
            out.accepted
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", "),
            out.refused.len()
        );
        Store::log(&mut tx, election, "postal-receive", None, &detail).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Postal batches: (batch, section, statements accepted, refused, ballots entered).
    pub async fn postal_batches(
        &self,
        election: &str,
    ) -> Result<Vec<(String, String, u64, u64, Option<u64>)>> {
        sqlx::query(
            "SELECT batch_id, section_id, statements, refused, ballots FROM postal_batches \
             WHERE election_id = $1 ORDER BY received_at, batch_id, section_id",
        )
        .bind(election)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok((
                s(r, "batch_id")?,
                s(r, "section_id")?,
                i(r, "statements")? as u64,
                i(r, "refused")? as u64,
                r.try_get::<Option<i64>, _>("ballots")?.map(|b| b as u64),
            ))
        })
        .collect()
    }

    /// Enters the ballot papers of a received batch for one contest. The batch total is
    /// checked: the ballots and the `rejected` papers (unmarked, no first preference: not
    /// entered, but counted) must add up to the statements accepted. Every ballot is
    /// checked against the ballot paper first (the first bad one is named, by its place in
    /// the batch, and nothing is entered). The ballots join the pool, and so go into the box in
    /// a random order when it is sealed ([`Store::seal`]).
    pub async fn enter_postal(
        &self,
        election: &str,
        batch: &str,
        section: &str,
        ballots: Vec<Ballot>,
        rejected: u64,
    ) -> Result<u64> {
        let paper = self.ballot_paper(election, section).await?;
        let n = paper.candidates.len() as u32;
        let mut checked = Vec::with_capacity(ballots.len());
        for (k, b) in ballots.into_iter().enumerate() {
            checked.push(b.checked(n, paper.kind).map_err(|err| {
                StoreError::Invalid(format!(
                    "batch {batch}, {}: ballot {}: {err}",
                    paper.name,
                    k + 1
                ))
            })?);
        }
        let mut trackers = Vec::with_capacity(checked.len());
        for _ in 0..checked.len() {
            trackers.push(new_tracker()?);
        }
        let mut tx = self
            .begin_in_state(
                election,
                &[PollState::Open],
                "postal ballots are entered while it is open",
            )
            .await?;
        let row = sqlx::query(
            "SELECT statements, ballots FROM postal_batches WHERE election_id = $1 AND batch_id = $2 \
             AND section_id = $3",
        )
        .bind(election)
        .bind(batch)
        .bind(section)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| {
            StoreError::Refused(format!(
                "batch {batch:?} has no accepted statements for {}: receive the statements first",
                paper.name
            ))
        })?;
        if row.try_get::<Option<i64>, _>("ballots")?.is_some() {
            return Err(StoreError::Refused(format!(
                "the ballots of batch {batch:?} for {} have already been entered",
                paper.name
            )));
        }
        let expected = i(&row, "statements")? as u64;
        if expected != checked.len() as u64 + rejected {
            return Err(StoreError::Refused(format!(
                "batch {batch:?}, {}: {expected} statements were accepted but {} ballots{} were \
                 given; the batch totals must agree (nothing entered)",
                paper.name,
                checked.len(),
                if rejected > 0 {
                    format!(" and {rejected} rejected papers")
                } else {
                    String::new()
                }
            )));
        }
        let entered = checked.len() as u64;
        for (ballot, tracker) in checked.into_iter().zip(trackers) {
            let entry = Entry {
                contest: section.to_string(),
                tracker,
                channel: BallotChannel::Postal,
                replaces: None,
                ballot,
            };
            Store::pool(&mut tx, election, &entry, None).await?;
        }
        Store::seal(&mut tx, election, false).await?;
        sqlx::query(
            "UPDATE postal_batches SET ballots = $1, rejected_papers = $2, entered_at = $3 \
             WHERE election_id = $4 AND batch_id = $5 AND section_id = $6",
        )
        .bind(entered as i64)
        .bind(rejected as i64)
        .bind(now_iso())
        .bind(election)
        .bind(batch)
        .bind(section)
        .execute(&mut *tx)
        .await?;
        Store::log(
            &mut tx,
            election,
            "postal-enter",
            None,
            &format!("batch {batch}, {section}: {entered} ballots, {rejected} rejected papers"),
        )
        .await?;
        tx.commit().await?;
        Ok(entered)
    }

    /// Closes the poll: nothing more goes into the box. Refused while a received postal batch
    /// has ballots not yet entered. Returns the final head.
    pub async fn close_poll(&self, election: &str) -> Result<BoxStatus> {
        let pending: Vec<String> = self
            .postal_batches(election)
            .await?
            .into_iter()
            .filter(|b| b.4.is_none() && b.2 > 0)
            .map(|b| format!("{} ({})", b.0, b.1))
            .collect();
        let mut tx = self
            .begin_in_state(
                election,
                &[PollState::Open],
                "only an open poll can be closed",
            )
            .await?;
        if !pending.is_empty() {
            return Err(StoreError::Refused(format!(
                "postal batches received but their ballots not entered: {}",
                pending.join(", ")
            )));
        }
        Store::seal(&mut tx, election, true).await?;
        sqlx::query(
            "UPDATE elections SET poll_state = 'closed', poll_closed_at = $1 WHERE id = $2",
        )
        .bind(now_iso())
        .bind(election)
        .execute(&mut *tx)
        .await?;
        Store::log(
            &mut tx,
            election,
            "close-poll",
            None,
            "the ballot box is closed",
        )
        .await?;
        tx.commit().await?;
        self.scrub().await?;
        self.box_status(election).await
    }

    /// Removes what the database keeps of rows written and deleted while polling: dead row
    /// versions of the pool and of turnout (PostgreSQL: VACUUM), freed pages and the
    /// write-ahead log (SQLite: VACUUM, then a truncating checkpoint). Done when the poll
    /// closes.
    async fn scrub(&self) -> Result<()> {
        match self.backend {
            crate::Backend::Postgres => {
                self.pool.execute("VACUUM ballot_pool, turnout").await?;
            }
            crate::Backend::Sqlite => {
                self.pool.execute("VACUUM").await?;
                self.pool.execute("PRAGMA wal_checkpoint(TRUNCATE)").await?;
            }
        }
        Ok(())
    }

    /// The box in chain order, every entry (replaced ones too), with whether it was replaced.
    pub async fn entries(&self, election: &str) -> Result<Vec<(Entry, bool)>> {
        sqlx::query(
            "SELECT section_id, tracker, channel, replaces, ballot, replaced FROM ballot_box \
             WHERE election_id = $1 ORDER BY seq",
        )
        .bind(election)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((entry_of(r)?, i(r, "replaced")? != 0)))
        .collect()
    }

    /// Checks the stored chain against its head: every entry's head is recomputed from the
    /// one before. Returns the number of entries.
    pub async fn check_chain(&self, election: &str) -> Result<u64> {
        let mut head = chain::genesis(election);
        let rows = sqlx::query(
            "SELECT seq, section_id, tracker, channel, replaces, ballot, head FROM ballot_box \
             WHERE election_id = $1 ORDER BY seq",
        )
        .bind(election)
        .fetch_all(&self.pool)
        .await?;
        for (k, r) in rows.iter().enumerate() {
            let entry = entry_of(r)?;
            head = chain::next(&head, &entry.leaf());
            if i(r, "seq")? != k as i64 + 1 || s(r, "head")? != hex(&head) {
                return Err(StoreError::Invalid(format!(
                    "the ballot box's chain breaks at entry {} (tracker {})",
                    k + 1,
                    entry.tracker
                )));
            }
        }
        let st = self.box_status(election).await?;
        if st.head != hex(&head) || st.entries != rows.len() as u64 {
            return Err(StoreError::Invalid(format!(
                "the ballot box's recorded head {} does not match its {} entries (head {})",
                st.head,
                rows.len(),
                hex(&head)
            )));
        }
        Ok(rows.len() as u64)
    }

    /// A ballot by its tracker, as recorded.
    pub async fn track(&self, election: &str, tracker: &str) -> Result<Option<Tracked>> {
        let t = normalise_tracker(tracker);
        if let Some(r) = sqlx::query(
            "SELECT seq, section_id, tracker, channel, replaces, ballot, replaced FROM ballot_box \
             WHERE election_id = $1 AND tracker = $2",
        )
        .bind(election)
        .bind(t.as_str())
        .fetch_optional(&self.pool)
        .await?
        {
            return Ok(Some(Tracked {
                entry: entry_of(&r)?,
                seq: i(&r, "seq")? as u64,
                pending: false,
                replaced: i(&r, "replaced")? != 0,
            }));
        }
        let Some(r) = sqlx::query(
            "SELECT section_id, tracker, channel, replaces, ballot FROM ballot_pool \
             WHERE election_id = $1 AND tracker = $2",
        )
        .bind(election)
        .bind(t.as_str())
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        Ok(Some(Tracked {
            entry: entry_of(&r)?,
            seq: 0,
            pending: true,
            replaced: false,
        }))
    }

    /// A contest's declared rules and ballot paper, with the lot's seed from the closed box.
    pub async fn contest_spec(&self, election: &str, section: &str) -> Result<ContestSpec> {
        let e = self.election(election).await?;
        let body = scrutin_body::Constitution::parse(&e.constitution, "constitution")
            .map_err(|err| StoreError::Body(err.to_string()))?;
        let sec = body
            .section(section)
            .ok_or_else(|| StoreError::Invalid(format!("{election} has no contest {section:?}")))?;
        let st = self.box_status(election).await?;
        let head = digest_of(&st.head)?;
        let mut attrs: HashMap<String, String> = HashMap::new();
        for r in sqlx::query(
            "SELECT c.member_id, m.self_declared FROM candidates c JOIN members m \
             ON m.election_id = c.election_id AND m.member_id = c.member_id \
             WHERE c.election_id = $1 AND c.section_id = $2",
        )
        .bind(election)
        .bind(section)
        .fetch_all(&self.pool)
        .await?
        {
            attrs.insert(s(&r, "member_id")?, s(&r, "self_declared")?);
        }
        let candidates = self
            .candidates(election, section)
            .await?
            .into_iter()
            .filter(|c| c.ballot_position.is_some())
            .map(|c| CandidateSpec {
                attributes: attributes_of(attrs.get(&c.member_id).map_or("", |a| a.as_str())),
                withdrawn: matches!(
                    c.state,
                    crate::CandidateState::Withdrawn | crate::CandidateState::Removed
                ),
                name: c.name,
            })
            .collect();
        Ok(ContestSpec::from_section(
            sec,
            candidates,
            chain::seed_of(&head),
        ))
    }

    /// Counts every contest of a closed poll with its declared rules, from the ballots in the
    /// box (the chain checked first), and stores the results. Counting again gives the same
    /// results (the lot's seed is the closed box's head).
    pub async fn count(&self, election: &str) -> Result<Vec<ContestResult>> {
        let e = self.election(election).await?;
        let st = self.box_status(election).await?;
        if !matches!(st.state, PollState::Closed | PollState::Counted) {
            return Err(self.state_error(election, st.state, "only a closed poll is counted"));
        }
        self.check_chain(election).await?;
        let entries = self.entries(election).await?;
        let mut out = Vec::new();
        for c in e.contests()? {
            let spec = self.contest_spec(election, &c.section_id).await?;
            let ballots: Vec<&Ballot> = entries
                .iter()
                .filter(|(en, replaced)| !replaced && en.contest == c.section_id)
                .map(|(en, _)| &en.ballot)
                .collect();
            let report = scrutin_record::contest::tally(
                &spec,
                &format!("{} — {}", e.title, c.name),
                ballots,
            )
            .map_err(|err| StoreError::Refused(err.to_string()))?;
            out.push(ContestResult {
                spec,
                report,
                published: false,
            });
        }
        let mut tx = self.begin_locked(election).await?;
        for r in &out {
            sqlx::query("DELETE FROM results WHERE election_id = $1 AND section_id = $2")
                .bind(election)
                .bind(r.spec.id.as_str())
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO results (election_id, section_id, spec, report, counted_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(election)
            .bind(r.spec.id.as_str())
            .bind(
                serde_json::to_string(&r.spec)
                    .map_err(|err| StoreError::Invalid(err.to_string()))?,
            )
            .bind(
                serde_json::to_string(&r.report)
                    .map_err(|err| StoreError::Invalid(err.to_string()))?,
            )
            .bind(now_iso())
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE elections SET poll_state = 'counted' WHERE id = $1")
            .bind(election)
            .execute(&mut *tx)
            .await?;
        let elected: Vec<String> = out
            .iter()
            .map(|r| format!("{}: {}", r.spec.id, r.report.elected.join(", ")))
            .collect();
        Store::log(&mut tx, election, "count", None, &elected.join("; ")).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The stored results, in contest order.
    pub async fn results(&self, election: &str) -> Result<Vec<ContestResult>> {
        let e = self.election(election).await?;
        let mut by: HashMap<String, ContestResult> = HashMap::new();
        for r in sqlx::query(
            "SELECT section_id, spec, report, published_at FROM results WHERE election_id = $1",
        )
        .bind(election)
        .fetch_all(&self.pool)
        .await?
        {
            let bad = |err: serde_json::Error| StoreError::Invalid(format!("stored result: {err}"));
            by.insert(
                s(&r, "section_id")?,
                ContestResult {
                    spec: serde_json::from_str(&s(&r, "spec")?).map_err(bad)?,
                    report: serde_json::from_str(&s(&r, "report")?).map_err(bad)?,
                    published: os(&r, "published_at")?.is_some(),
                },
            );
        }
        Ok(e.sections.iter().filter_map(|s| by.remove(s)).collect())
    }

    /// Marks the counted results as published (the public pages show them from now on).
    pub async fn mark_published(&self, election: &str) -> Result<()> {
        let mut tx = self
            .begin_in_state(
                election,
                &[PollState::Counted, PollState::Published],
                "count it before publishing",
            )
            .await?;
        let now = now_iso();
        sqlx::query("UPDATE results SET published_at = $1 WHERE election_id = $2")
            .bind(now.as_str())
            .bind(election)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE elections SET poll_state = 'published' WHERE id = $1")
            .bind(election)
            .execute(&mut *tx)
            .await?;
        Store::log(&mut tx, election, "publish", None, "results published").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Turnout per contest: electors, voters by channel, and postal papers rejected (counted
    /// in the turnout, not entered as ballots). The published turnout.
    pub async fn turnout(&self, election: &str) -> Result<Vec<ContestTurnout>> {
        let mut rejected: HashMap<String, u64> = HashMap::new();
        for r in sqlx::query(
            "SELECT section_id, rejected_papers FROM postal_batches WHERE election_id = $1",
        )
        .bind(election)
        .fetch_all(&self.pool)
        .await?
        {
            *rejected.entry(s(&r, "section_id")?).or_default() +=
                r.try_get::<Option<i64>, _>("rejected_papers")?.unwrap_or(0) as u64;
        }
        Ok(self
            .status(election)
            .await?
            .contests
            .into_iter()
            .map(|c| ContestTurnout {
                rejected_postal: rejected.get(&c.section_id).copied().unwrap_or(0),
                section_id: c.section_id,
                name: c.name,
                electors: c.electors,
                online: c.online,
                postal: c.postal,
            })
            .collect())
    }

    /// What the public record is made of: the election, the roll's fingerprint, the counted
    /// results, the turnout, and the box in chain order.
    pub async fn record_input(&self, election: &str) -> Result<RecordInput> {
        let e = self.election(election).await?;
        let st = self.box_status(election).await?;
        let status = self.status(election).await?;
        let turnout = self.turnout(election).await?;
        let results = self.results(election).await?;
        if results.len() != e.sections.len() {
            return Err(StoreError::Refused(format!(
                "{election} has not been counted: count it before publishing"
            )));
        }
        let mut contests = Vec::new();
        for r in results {
            let t = turnout
                .iter()
                .find(|t| t.section_id == r.spec.id)
                .ok_or_else(|| StoreError::Invalid(format!("no turnout for {}", r.spec.id)))?;
            contests.push(ContestInput {
                electors: t.electors,
                online: t.online,
                postal: t.postal - t.rejected_postal,
                rejected_postal: t.rejected_postal,
                spec: r.spec,
                report: r.report,
            });
        }
        Ok(RecordInput {
            election_id: e.id.clone(),
            title: e.title.clone(),
            body: e.body_name.clone(),
            constitution: e.constitution.clone(),
            roll_fingerprint: e.roll_sha256.clone().unwrap_or_default(),
            roll_members: status.members,
            opened: st.opened_at,
            closed: st.closed_at,
            contests,
            entries: self
                .entries(election)
                .await?
                .into_iter()
                .map(|(entry, _)| entry)
                .collect(),
        })
    }

    /// Publishes a counted election: writes its signed record into `records_dir/ID/` (first
    /// into a new directory beside it, then renamed, so a half-written record is never
    /// seen) and its archive `records_dir/ID.tar`, then marks the results published. The key
    /// must be the one whose public half was published before the poll opened, if one was.
    pub async fn publish(
        &self,
        election: &str,
        records_dir: &Path,
        key: &SigningKey,
    ) -> Result<Published> {
        let st = self.box_status(election).await?;
        if !matches!(st.state, PollState::Counted | PollState::Published) {
            return Err(self.state_error(election, st.state, "count it before publishing"));
        }
        let public = scrutin_record::keys::public_key_hex(key);
        if let Some(p) = &st.public_key {
            if *p != public {
                return Err(StoreError::Refused(format!(
                    "this signing key's public key {public} is not the one published for \
                     {election} ({p})"
                )));
            }
        }
        let dir = records_dir.join(election);
        if dir.exists() {
            return Err(StoreError::Refused(format!(
                "{} exists: {election} has been published already",
                dir.display()
            )));
        }
        let input = self.record_input(election).await?;
        let io = |e: std::io::Error, p: &Path| StoreError::Invalid(format!("{}: {e}", p.display()));
        std::fs::create_dir_all(records_dir).map_err(|e| io(e, records_dir))?;
        let tmp = records_dir.join(format!(".{election}.{}", new_tracker()?));
        let manifest = scrutin_record::write_record(&tmp, &input, key)
            .map_err(|e| StoreError::Refused(format!("the record cannot be written: {e}")))?;
        std::fs::rename(&tmp, &dir).map_err(|e| io(e, &dir))?;
        let archive = records_dir.join(format!("{election}.tar"));
        scrutin_record::write_archive(&dir, &archive)
            .map_err(|e| StoreError::Refused(format!("the archive cannot be written: {e}")))?;
        self.mark_published(election).await?;
        Ok(Published {
            dir,
            archive,
            manifest,
        })
    }

    // ----- administrators --------------------------------------------------------------

    /// Adds or replaces an administrator (the password already hashed, e.g. argon2's PHC
    /// string).
    pub async fn put_admin(&self, username: &str, password_hash: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM admins WHERE username = $1")
            .bind(username)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO admins (username, password_hash, created_at) VALUES ($1, $2, $3)")
            .bind(username)
            .bind(password_hash)
            .bind(now_iso())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An administrator's password hash.
    pub async fn admin_password_hash(&self, username: &str) -> Result<Option<String>> {
        sqlx::query("SELECT password_hash FROM admins WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| s(&r, "password_hash"))
            .transpose()
    }

    /// Whether any administrator exists.
    pub async fn has_admins(&self) -> Result<bool> {
        Ok(sqlx::query("SELECT username FROM admins")
            .fetch_optional(&self.pool)
            .await?
            .is_some())
    }

    /// Stores a session: the token's hash (never the token), its user, its CSRF token and
    /// when it expires (ISO 8601 UTC).
    pub async fn put_session(
        &self,
        token_hash: &str,
        username: &str,
        csrf: &str,
        expires_at: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO admin_sessions (token_hash, username, csrf, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(username)
        .bind(csrf)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A live session by its token's hash: (user, CSRF token). Expired ones are deleted.
    pub async fn session(&self, token_hash: &str) -> Result<Option<(String, String)>> {
        sqlx::query("DELETE FROM admin_sessions WHERE expires_at < $1")
            .bind(now_iso())
            .execute(&self.pool)
            .await?;
        sqlx::query("SELECT username, csrf FROM admin_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| Ok((s(&r, "username")?, s(&r, "csrf")?)))
            .transpose()
    }

    /// Ends a session.
    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM admin_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

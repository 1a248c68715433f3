//! The database: one code path for SQLite and PostgreSQL through sqlx's `Any` driver.

use std::collections::{BTreeMap, HashMap};

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyConnection, AnyPool, Executor, Row, Transaction};

use crate::credential;
use crate::date::{now_iso, Date};
use crate::roll::{Member, Roll};
use crate::rules::{self, Contest, ElectionDates};
use crate::StoreError;

type Result<T> = std::result::Result<T, StoreError>;

/// Which database a [`Store`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

/// The schema's versions, in order. A new version is a new pair of files and a row here;
/// applied versions are never edited.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "election",
        sqlite: include_str!("../migrations/sqlite/0001_election.sql"),
        postgres: include_str!("../migrations/postgres/0001_election.sql"),
    },
    Migration {
        version: 2,
        name: "voting",
        sqlite: include_str!("../migrations/sqlite/0002_voting.sql"),
        postgres: include_str!("../migrations/postgres/0002_voting.sql"),
    },
];

/// The latest schema version this build knows.
pub const SCHEMA_VERSION: i64 = 2;

/// Rows per multi-row INSERT when importing a roll (10 parameters a row: well under both
/// SQLite's 32,766 and PostgreSQL's 65,535 parameters a statement).
const BATCH: usize = 1000;

/// An election's database.
pub struct Store {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
}

/// An election as stored.
#[derive(Debug)]
pub struct Election {
    pub id: String,
    pub title: String,
    pub body_name: String,
    pub constitution: String,
    pub constitution_sha256: String,
    pub sections: Vec<String>,
    pub dates: ElectionDates,
    pub(crate) key: SecretString,
    pub roll_version: i64,
    pub roll_frozen_at: Option<String>,
    pub roll_sha256: Option<String>,
}

impl Election {
    /// The contests, derived again from the stored constitution and dates.
    pub fn contests(&self) -> Result<Vec<Contest>> {
        let body = scrutin_body::Constitution::parse(&self.constitution, "constitution")
            .map_err(|e| StoreError::Body(e.to_string()))?;
        rules::contests(&body, &self.sections, &self.dates)
    }
}

/// What `create` needs.
pub struct NewElection<'a> {
    pub id: &'a str,
    pub title: &'a str,
    /// The constitution's TOML text and the file it came from (for error messages).
    pub constitution: &'a str,
    pub constitution_file: &'a str,
    pub sections: Vec<String>,
    pub dates: ElectionDates,
}

/// What a roll import changed, against the roll before it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RollDiff {
    pub version: i64,
    pub members: u64,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
    /// For each contest: (section, eligible, ineligible).
    pub eligible: Vec<(String, u64, u64)>,
}

/// A candidate in one contest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub member_id: String,
    pub name: String,
    pub state: CandidateState,
    pub reason: Option<String>,
    pub ballot_position: Option<i64>,
    /// Distinct nominators per kind (`CLPs` → 5).
    pub nominations: BTreeMap<String, u32>,
}

/// Where a candidate is: nominated → valid (at the close of nominations) → on the ballot
/// (once the ballot paper order is fixed); or withdrawn (by the candidate) or removed (by the
/// returning officer, or for missing the threshold).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CandidateState {
    Nominated,
    Valid,
    OnBallot,
    Withdrawn,
    Removed,
}

impl CandidateState {
    pub fn name(self) -> &'static str {
        match self {
            CandidateState::Nominated => "nominated",
            CandidateState::Valid => "valid",
            CandidateState::OnBallot => "on-ballot",
            CandidateState::Withdrawn => "withdrawn",
            CandidateState::Removed => "removed",
        }
    }
    fn parse(s: &str) -> CandidateState {
        match s {
            "valid" => CandidateState::Valid,
            "on-ballot" => CandidateState::OnBallot,
            "withdrawn" => CandidateState::Withdrawn,
            "removed" => CandidateState::Removed,
            _ => CandidateState::Nominated,
        }
    }
}

/// How the ballot paper lists candidates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BallotOrder {
    /// By surname (the last word of the name), then the whole name, ignoring case.
    Alphabetical,
    /// Drawn by lot from a recorded seed (ChaCha20, as the count's tie-break lot).
    Lot(u64),
}

/// How a credential reaches a voter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Email,
    Postal,
}

impl Channel {
    pub fn name(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Postal => "postal",
        }
    }
}

/// A voter to whom a credential (or a reminder) is to be sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    pub member_id: String,
    pub name: String,
    pub email: Option<String>,
    pub address: Option<String>,
    /// `None`: no unique email address and no postal address; nothing can reach them.
    pub channel: Option<Channel>,
    /// Names of the contests they may vote in.
    pub contests: Vec<String>,
}

/// A credential just issued: the code exists only here and in what is sent.
#[derive(Debug)]
pub struct Issued {
    pub member_id: String,
    pub serial: i64,
    pub code: SecretString,
}

/// Turnout in one contest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContestStatus {
    pub section_id: String,
    pub name: String,
    pub electors: u64,
    pub online: u64,
    pub postal: u64,
}

/// An election's state at a glance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub members: u64,
    pub roll_sha256: Option<String>,
    pub contests: Vec<ContestStatus>,
    /// Active credentials by channel, and how many of them were delivered.
    pub credentials: Vec<(String, u64, u64)>,
}

pub(crate) fn s(row: &AnyRow, col: &str) -> Result<String> {
    Ok(row.try_get::<String, _>(col)?)
}
pub(crate) fn os(row: &AnyRow, col: &str) -> Result<Option<String>> {
    Ok(row.try_get::<Option<String>, _>(col)?)
}
pub(crate) fn i(row: &AnyRow, col: &str) -> Result<i64> {
    Ok(row.try_get::<i64, _>(col)?)
}
pub(crate) fn stored_date(v: &str, what: &str) -> Result<Date> {
    Date::parse(v).map_err(|e| StoreError::Invalid(format!("stored {what}: {e}")))
}

/// Whether `member` may vote in contest `section` (the roll's `electors`).
pub(crate) async fn is_elector(
    conn: &mut AnyConnection,
    election: &str,
    section: &str,
    member: &str,
) -> Result<bool> {
    Ok(sqlx::query(
        "SELECT member_id FROM electors WHERE election_id = $1 AND section_id = $2 \
         AND member_id = $3 AND eligible = 1",
    )
    .bind(election)
    .bind(section)
    .bind(member)
    .fetch_optional(conn)
    .await?
    .is_some())
}

/// The channel `member` voted by in contest `section`, if they have voted (`turnout`).
pub(crate) async fn voted_by(
    conn: &mut AnyConnection,
    election: &str,
    section: &str,
    member: &str,
) -> Result<Option<String>> {
    sqlx::query(
        "SELECT channel FROM turnout WHERE election_id = $1 AND section_id = $2 AND member_id = $3",
    )
    .bind(election)
    .bind(section)
    .bind(member)
    .fetch_optional(conn)
    .await?
    .map(|r| s(&r, "channel"))
    .transpose()
}

/// The SQL statements of a migration file: split at `;` ending a line, comments dropped.
fn statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in sql.lines() {
        let l = line.trim();
        if l.starts_with("--") || l.is_empty() {
            continue;
        }
        cur.push_str(line);
        cur.push('\n');
        if l.ends_with(';') {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}

impl Store {
    /// Opens (creating if need be) the database at `url`, `sqlite://FILE` or
    /// `postgres://…`, and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Store> {
        Store::open_in(url, None).await
    }

    /// As [`Store::open`], with every table in the PostgreSQL schema `schema` (created if
    /// missing): tests run side by side in one database this way. Refused for SQLite.
    pub async fn open_in(url: &str, schema: Option<&str>) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::Invalid(format!(
                "database URL {url:?}: expected sqlite://FILE or postgres://…"
            )));
        };
        let mut url = url.to_string();
        if backend == Backend::Sqlite && !url.contains("mode=") {
            url.push_str(if url.contains('?') {
                "&mode=rwc"
            } else {
                "?mode=rwc"
            });
        }
        if let Some(schema) = schema {
            if backend != Backend::Postgres {
                return Err(StoreError::Invalid("schemas are for PostgreSQL".into()));
            }
            if !schema
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return Err(StoreError::Invalid(format!("bad schema name {schema:?}")));
            }
            let pool = AnyPoolOptions::new()
                .max_connections(1)
                .connect(&url)
                .await?;
            pool.execute(format!("CREATE SCHEMA IF NOT EXISTS {schema}").as_str())
                .await?;
            pool.close().await;
        }
        let schema = schema.map(str::to_string);
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 8 })
            .after_connect(move |conn, _meta| {
                let schema = schema.clone();
                Box::pin(async move {
                    match backend {
                        Backend::Sqlite => {
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute("PRAGMA synchronous = NORMAL").await?;
                            conn.execute("PRAGMA busy_timeout = 10000").await?;
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            conn.execute("PRAGMA cache_size = -65536").await?;
                        }
                        Backend::Postgres => {
                            if let Some(s) = schema {
                                conn.execute(format!("SET search_path TO {s}").as_str())
                                    .await?;
                            }
                        }
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        let store = Store { pool, backend };
        store.migrate().await?;
        Ok(store)
    }

    /// Drops a PostgreSQL schema made by [`Store::open_in`] (tests clean up with it).
    pub async fn drop_schema(url: &str, schema: &str) -> Result<()> {
        sqlx::any::install_default_drivers();
        if !schema
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(StoreError::Invalid(format!("bad schema name {schema:?}")));
        }
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .connect(url)
            .await?;
        pool.execute(format!("DROP SCHEMA IF EXISTS {schema} CASCADE").as_str())
            .await?;
        pool.close().await;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn close(self) {
        self.pool.close().await;
    }

    async fn migrate(&self) -> Result<()> {
        self.pool
            .execute(
                "CREATE TABLE IF NOT EXISTS scrutin_migrations (version BIGINT PRIMARY KEY, \
                 name TEXT NOT NULL, applied_at TEXT NOT NULL)",
            )
            .await?;
        let applied: Vec<i64> = sqlx::query("SELECT version FROM scrutin_migrations")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| i(r, "version"))
            .collect::<Result<_>>()?;
        if let Some(v) = applied.iter().find(|v| **v > SCHEMA_VERSION) {
            return Err(StoreError::Refused(format!(
                "the database's schema is version {v}, newer than this scrutin knows ({SCHEMA_VERSION})"
            )));
        }
        for m in MIGRATIONS {
            if applied.contains(&m.version) {
                continue;
            }
            let sql = match self.backend {
                Backend::Sqlite => m.sqlite,
                Backend::Postgres => m.postgres,
            };
            let mut tx = self.pool.begin().await?;
            for st in statements(sql) {
                tx.execute(st.as_str()).await?;
            }
            sqlx::query(
                "INSERT INTO scrutin_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(m.version)
            .bind(m.name)
            .bind(now_iso())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Schema versions applied, in order.
    pub async fn schema_versions(&self) -> Result<Vec<i64>> {
        sqlx::query("SELECT version FROM scrutin_migrations ORDER BY version")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| i(r, "version"))
            .collect()
    }

    /// A write transaction holding the election's row. Every write that depends on what it
    /// reads starts here, so the writes of one election are serialized by that row lock: on
    /// PostgreSQL the lock is taken by this first UPDATE (later statements at READ COMMITTED
    /// see everything committed before it); on SQLite by the database's single writer lock.
    /// SERIALIZABLE isolation would add nothing but spurious failures under concurrent voting.
    pub(crate) async fn begin_locked(&self, election: &str) -> Result<Transaction<'static, Any>> {
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query("UPDATE elections SET roll_version = roll_version WHERE id = $1")
            .bind(election)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NoElection(election.to_string()));
        }
        Ok(tx)
    }

    pub(crate) async fn log(
        tx: &mut Transaction<'static, Any>,
        election: &str,
        action: &str,
        member: Option<&str>,
        detail: &str,
    ) -> Result<()> {
        let seq = i(
            &sqlx::query(
                "SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM election_log WHERE election_id = $1",
            )
            .bind(election)
            .fetch_one(&mut **tx)
            .await?,
            "seq",
        )?;
        sqlx::query(
            "INSERT INTO election_log (election_id, seq, at, action, member_id, detail) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(election)
        .bind(seq)
        .bind(now_iso())
        .bind(action)
        .bind(member.map(str::to_string))
        .bind(detail)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The election's log: (seq, at, action, member, detail).
    pub async fn log_entries(
        &self,
        election: &str,
    ) -> Result<Vec<(i64, String, String, Option<String>, String)>> {
        sqlx::query(
            "SELECT seq, at, action, member_id, detail FROM election_log \
             WHERE election_id = $1 ORDER BY seq",
        )
        .bind(election)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok((
                i(r, "seq")?,
                s(r, "at")?,
                s(r, "action")?,
                os(r, "member_id")?,
                s(r, "detail")?,
            ))
        })
        .collect()
    }

    // ----- elections -------------------------------------------------------------------

    /// Creates an election on some sections of a body. Refused: a bad constitution, a
    /// section that cannot be contested, dates out of order, an id already used.
    pub async fn create_election(&self, e: &NewElection<'_>) -> Result<Vec<Contest>> {
        if e.id.is_empty()
            || !e
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(StoreError::Invalid(format!(
                "election id {:?}: use letters, digits, '-' and '_'",
                e.id
            )));
        }
        let body = scrutin_body::Constitution::parse(e.constitution, e.constitution_file)
            .map_err(|err| StoreError::Body(err.to_string()))?;
        e.dates.check()?;
        let contests = rules::contests(&body, &e.sections, &e.dates)?;
        let key = credential::new_key()?;
        let mut tx = self.pool.begin().await?;
        let exists = sqlx::query("SELECT id FROM elections WHERE id = $1")
            .bind(e.id)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_some() {
            return Err(StoreError::Refused(format!(
                "there is already an election {:?} in this database",
                e.id
            )));
        }
        let d = &e.dates;
        sqlx::query(
            "INSERT INTO elections (id, title, body_name, constitution, constitution_sha256, \
             sections, nominations_open, nominations_close, freeze_date, paid_up_date, \
             voting_open, voting_close, credential_key, roll_version, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 0, $14)",
        )
        .bind(e.id)
        .bind(e.title)
        .bind(body.body.name.clone())
        .bind(e.constitution)
        .bind(credential::hex(&Sha256::digest(e.constitution.as_bytes())))
        .bind(e.sections.join(","))
        .bind(d.nominations_open.to_string())
        .bind(d.nominations_close.to_string())
        .bind(d.freeze_date.to_string())
        .bind(d.paid_up_date.to_string())
        .bind(d.voting_open.to_string())
        .bind(d.voting_close.to_string())
        .bind(key.expose_secret().to_string())
        .bind(now_iso())
        .execute(&mut *tx)
        .await?;
        for (pos, c) in contests.iter().enumerate() {
            sqlx::query(
                "INSERT INTO contests (election_id, section_id, position, name, seats, method) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(e.id)
            .bind(c.section_id.clone())
            .bind(pos as i64)
            .bind(c.name.clone())
            .bind(i64::from(c.seats))
            .bind(c.method.clone())
            .execute(&mut *tx)
            .await?;
        }
        let detail = format!(
            "{} on sections {}; nominations {}..{}, freeze {}, paid up {}, voting {}..{}",
            e.title,
            e.sections.join(","),
            d.nominations_open,
            d.nominations_close,
            d.freeze_date,
            d.paid_up_date,
            d.voting_open,
            d.voting_close
        );
        Store::log(&mut tx, e.id, "create", None, &detail).await?;
        tx.commit().await?;
        Ok(contests)
    }

    pub async fn election(&self, id: &str) -> Result<Election> {
        let r = sqlx::query("SELECT * FROM elections WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NoElection(id.to_string()))?;
        let d = |c: &str| -> Result<Date> { stored_date(&s(&r, c)?, c) };
        Ok(Election {
            id: s(&r, "id")?,
            title: s(&r, "title")?,
            body_name: s(&r, "body_name")?,
            constitution: s(&r, "constitution")?,
            constitution_sha256: s(&r, "constitution_sha256")?,
            sections: s(&r, "sections")?.split(',').map(str::to_string).collect(),
            dates: ElectionDates {
                nominations_open: d("nominations_open")?,
                nominations_close: d("nominations_close")?,
                freeze_date: d("freeze_date")?,
                paid_up_date: d("paid_up_date")?,
                voting_open: d("voting_open")?,
                voting_close: d("voting_close")?,
            },
            key: SecretString::from(s(&r, "credential_key")?),
            roll_version: i(&r, "roll_version")?,
            roll_frozen_at: os(&r, "roll_frozen_at")?,
            roll_sha256: os(&r, "roll_sha256")?,
        })
    }

    /// Ids of the elections in this database.
    pub async fn elections(&self) -> Result<Vec<String>> {
        sqlx::query("SELECT id FROM elections ORDER BY id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| s(r, "id"))
            .collect()
    }

    // ----- the roll --------------------------------------------------------------------

    /// Replaces the election's roll with `roll` (already read and checked against the
    /// election's contests, in their order) in one transaction, and says what changed.
    /// Refused once the roll is frozen, and when `today` is after the election's freeze
    /// date (frozen or not: the freeze date is a date). `progress` is told how many members
    /// are stored.
    pub async fn import_roll(
        &self,
        election: &str,
        roll: &Roll,
        file: &str,
        file_sha256: &str,
        today: Date,
        progress: &mut (dyn FnMut(u64) + Send),
    ) -> Result<RollDiff> {
        let e = self.election(election).await?;
        if let Some(fp) = &e.roll_sha256 {
            return Err(StoreError::Refused(format!(
                "the roll of {election} was frozen at {} (SHA-256 {fp}); it can no longer be re-imported",
                e.roll_frozen_at.as_deref().unwrap_or("?")
            )));
        }
        if today > e.dates.freeze_date {
            return Err(StoreError::Refused(format!(
                "the roll of {election} can no longer be imported: today, {today}, is after its \
                 freeze date {}; nothing was changed",
                e.dates.freeze_date
            )));
        }
        let contests = e.contests()?;
        if roll
            .eligibility
            .first()
            .is_some_and(|v| v.len() != contests.len())
        {
            return Err(StoreError::Invalid(
                "the roll was checked against other contests than this election's".into(),
            ));
        }
        let mut tx = self.begin_locked(election).await?;
        // The roll before, to report the difference.
        let mut before: HashMap<String, String> = HashMap::new();
        if e.roll_version > 0 {
            for r in sqlx::query("SELECT * FROM members WHERE election_id = $1")
                .bind(election)
                .fetch_all(&mut *tx)
                .await?
            {
                let m = member_of(&r)?;
                before.insert(m.id.clone(), m.canonical_line());
            }
        }
        let mut diff = RollDiff {
            version: e.roll_version + 1,
            members: roll.members.len() as u64,
            ..RollDiff::default()
        };
        for m in &roll.members {
            match before.remove(&m.id) {
                None => diff.added.push(m.id.clone()),
                Some(line) if line != m.canonical_line() => diff.changed.push(m.id.clone()),
                Some(_) => {}
            }
        }
        // What is left of the roll before is no longer on it.
        let mut removed: Vec<String> = before.into_keys().collect();
        removed.sort();
        diff.removed = removed;
        for t in ["members", "electors"] {
            sqlx::query(&format!("DELETE FROM {t} WHERE election_id = $1"))
                .bind(election)
                .execute(&mut *tx)
                .await?;
        }
        let mut done = 0u64;
        for chunk in roll.members.chunks(BATCH) {
            let mut sql = String::from(
                "INSERT INTO members (election_id, member_id, name, email, address, joined, \
                 paid_up_to, date_of_birth, self_declared, branch) VALUES ",
            );
            push_placeholders(&mut sql, self.backend, chunk.len(), 10);
            let mut q = sqlx::query(&sql);
            for m in chunk {
                q = q
                    .bind(election)
                    .bind(m.id.as_str())
                    .bind(m.name.as_str())
                    .bind(m.email.clone())
                    .bind(m.address.clone())
                    .bind(m.joined.to_string())
                    .bind(m.paid_up_to.to_string())
                    .bind(m.date_of_birth.map(|d| d.to_string()))
                    .bind(m.self_declared.as_str())
                    .bind(m.branch.as_str());
            }
            q.execute(&mut *tx).await?;
            done += chunk.len() as u64;
            progress(done);
        }
        for (ci, c) in contests.iter().enumerate() {
            let mut eligible = 0u64;
            let rows: Vec<(usize, &Member)> = roll.members.iter().enumerate().collect();
            for chunk in rows.chunks(BATCH * 2) {
                let mut sql = String::from(
                    "INSERT INTO electors (election_id, section_id, member_id, eligible, reason) VALUES ",
                );
                push_placeholders(&mut sql, self.backend, chunk.len(), 5);
                let mut q = sqlx::query(&sql);
                for (mi, m) in chunk {
                    let why = roll
                        .eligibility
                        .get(*mi)
                        .and_then(|v| v.get(ci))
                        .cloned()
                        .flatten();
                    eligible += u64::from(why.is_none());
                    q = q
                        .bind(election)
                        .bind(c.section_id.as_str())
                        .bind(m.id.as_str())
                        .bind(i64::from(why.is_none()))
                        .bind(why);
                }
                q.execute(&mut *tx).await?;
            }
            diff.eligible
                .push((c.section_id.clone(), eligible, diff.members - eligible));
        }
        sqlx::query("UPDATE elections SET roll_version = $1 WHERE id = $2")
            .bind(diff.version)
            .bind(election)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO roll_imports (election_id, version, file, file_sha256, members, added, \
             removed, changed, imported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(election)
        .bind(diff.version)
        .bind(file)
        .bind(file_sha256)
        .bind(diff.members as i64)
        .bind(diff.added.len() as i64)
        .bind(diff.removed.len() as i64)
        .bind(diff.changed.len() as i64)
        .bind(now_iso())
        .execute(&mut *tx)
        .await?;
        let detail = format!(
            "version {} from {file} (SHA-256 {file_sha256}): {} members, {} added, {} removed, {} changed",
            diff.version,
            diff.members,
            diff.added.len(),
            diff.removed.len(),
            diff.changed.len()
        );
        Store::log(&mut tx, election, "import-roll", None, &detail).await?;
        tx.commit().await?;
        Ok(diff)
    }

    /// The members on the roll, by member id (byte order).
    pub async fn members(&self, election: &str) -> Result<Vec<Member>> {
        let mut v: Vec<Member> = sqlx::query("SELECT * FROM members WHERE election_id = $1")
            .bind(election)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(member_of)
            .collect::<Result<_>>()?;
        v.sort_by(|a, b| a.id.as_bytes().cmp(b.id.as_bytes()));
        Ok(v)
    }

    /// SHA-256 of the roll as stored: the members' canonical lines in member-id byte order
    /// (`id TAB name TAB email TAB address TAB joined TAB paid_up_to TAB date_of_birth TAB
    /// self_declared TAB branch LF`), lower-case hex. The same on either database.
    pub async fn roll_fingerprint(&self, election: &str) -> Result<String> {
        let mut h = Sha256::new();
        for m in self.members(election).await? {
            h.update(m.canonical_line().as_bytes());
        }
        Ok(credential::hex(&h.finalize()))
    }

    /// Freezes the roll and records its fingerprint. Refused without a roll; freezing twice
    /// gives the recorded fingerprint again.
    pub async fn freeze_roll(&self, election: &str) -> Result<String> {
        self.freeze(election, "").await
    }

    /// Freezes the roll if its freeze date has passed (`today` is after it) and it is not
    /// frozen yet: what a command that needs the frozen roll does first. Returns the
    /// fingerprint when it froze the roll now; `None` when it was already frozen, or the
    /// freeze date has not passed, or there is no roll.
    pub async fn freeze_if_due(&self, election: &str, today: Date) -> Result<Option<String>> {
        let e = self.election(election).await?;
        if e.roll_sha256.is_some() || e.roll_version == 0 || today <= e.dates.freeze_date {
            return Ok(None);
        }
        let note = format!(" (the freeze date {} has passed)", e.dates.freeze_date);
        self.freeze(election, &note).await.map(Some)
    }

    async fn freeze(&self, election: &str, note: &str) -> Result<String> {
        let e = self.election(election).await?;
        if let Some(fp) = e.roll_sha256 {
            return Ok(fp);
        }
        if e.roll_version == 0 {
            return Err(StoreError::Refused(format!(
                "election {election} has no roll to freeze: import one first"
            )));
        }
        let mut tx = self.begin_locked(election).await?;
        let fp = self.roll_fingerprint(election).await?;
        sqlx::query("UPDATE elections SET roll_frozen_at = $1, roll_sha256 = $2 WHERE id = $3")
            .bind(now_iso())
            .bind(fp.clone())
            .bind(election)
            .execute(&mut *tx)
            .await?;
        Store::log(
            &mut tx,
            election,
            "freeze-roll",
            None,
            &format!("SHA-256 {fp}{note}"),
        )
        .await?;
        tx.commit().await?;
        Ok(fp)
    }

    /// Members not eligible in a contest, with why: (member id, name, reason).
    pub async fn ineligible(
        &self,
        election: &str,
        section: &str,
    ) -> Result<Vec<(String, String, String)>> {
        let mut v: Vec<(String, String, String)> = sqlx::query(
            "SELECT e.member_id, m.name, e.reason FROM electors e JOIN members m \
             ON m.election_id = e.election_id AND m.member_id = e.member_id \
             WHERE e.election_id = $1 AND e.section_id = $2 AND e.eligible = 0",
        )
        .bind(election)
        .bind(section)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok((
                s(r, "member_id")?,
                s(r, "name")?,
                os(r, "reason")?.unwrap_or_default(),
            ))
        })
        .collect::<Result<_>>()?;
        v.sort();
        Ok(v)
    }

    // ----- nominations -----------------------------------------------------------------

    fn contest<'c>(contests: &'c [Contest], section: &str) -> Result<&'c Contest> {
        contests
            .iter()
            .find(|c| c.section_id == section)
            .ok_or_else(|| {
                StoreError::Invalid(format!(
                    "section {section:?} is not contested in this election; contested: {}",
                    contests
                        .iter()
                        .map(|c| c.section_id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    }

    async fn nominations_closed(
        tx: &mut Transaction<'static, Any>,
        election: &str,
        section: &str,
    ) -> Result<Option<String>> {
        let r = sqlx::query(
            "SELECT nominations_closed_at FROM contests WHERE election_id = $1 AND section_id = $2",
        )
        .bind(election)
        .bind(section)
        .fetch_one(&mut **tx)
        .await?;
        os(&r, "nominations_closed_at")
    }

    /// Records a nomination of member `member` in `section` by the nominating body
    /// `nominator` of kind `kind` (as the section's routes name kinds: `CLPs`,
    /// `affiliates`), on day `on`. Refused: outside the nomination period or after the
    /// section's nominations closed; an unknown kind; a member not on the roll or without
    /// the membership the section requires; a candidate who withdrew or was removed; a
    /// nominator who has already nominated as many as the section allows, or this candidate.
    pub async fn nominate(
        &self,
        election: &str,
        section: &str,
        member: &str,
        nominator: &str,
        kind: &str,
        on: Date,
    ) -> Result<Candidate> {
        let e = self.election(election).await?;
        let contests = e.contests()?;
        let c = Store::contest(&contests, section)?;
        let rule = &c.nomination;
        if on < e.dates.nominations_open || on > e.dates.nominations_close {
            return Err(StoreError::Refused(format!(
                "nominations are open from {} to {}, not on {on}",
                e.dates.nominations_open, e.dates.nominations_close
            )));
        }
        let kinds = rule.kinds();
        if !kinds.is_empty() && !kinds.contains(&kind) {
            return Err(StoreError::Invalid(format!(
                "section {section} takes nominations from {}, not {kind:?}",
                kinds.join(", ")
            )));
        }
        if nominator.trim().is_empty() {
            return Err(StoreError::Invalid(
                "the nominating body has no name".into(),
            ));
        }
        let mut tx = self.begin_locked(election).await?;
        if let Some(at) = Store::nominations_closed(&mut tx, election, section).await? {
            return Err(StoreError::Refused(format!(
                "nominations in section {section} closed at {at}"
            )));
        }
        let m = sqlx::query("SELECT * FROM members WHERE election_id = $1 AND member_id = $2")
            .bind(election)
            .bind(member)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| {
                StoreError::Invalid(format!(
                    "member {member:?} is not on the roll of {election}"
                ))
            })?;
        let m = member_of(&m)?;
        if let Some((months, at)) = rule.membership_months {
            let needed = at.minus_months(months);
            if m.joined > needed {
                return Err(StoreError::Refused(format!(
                    "{} ({member}) cannot stand in {section}: joined {}, but candidates need \
                     {months} months' membership on {at} (joined on or before {needed})",
                    m.name, m.joined
                )));
            }
        }
        let existing = sqlx::query(
            "SELECT state FROM candidates WHERE election_id = $1 AND section_id = $2 AND member_id = $3",
        )
        .bind(election)
        .bind(section)
        .bind(member)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(r) = &existing {
            let st = CandidateState::parse(&s(r, "state")?);
            if matches!(st, CandidateState::Withdrawn | CandidateState::Removed) {
                return Err(StoreError::Refused(format!(
                    "{} ({member}) is {} in {section}",
                    m.name,
                    st.name()
                )));
            }
        }
        let by_this: Vec<String> = sqlx::query(
            "SELECT member_id FROM nominations WHERE election_id = $1 AND section_id = $2 AND nominator = $3",
        )
        .bind(election)
        .bind(section)
        .bind(nominator)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| s(r, "member_id"))
        .collect::<Result<_>>()?;
        if by_this.iter().any(|x| x == member) {
            return Err(StoreError::Refused(format!(
                "{nominator} has already nominated {} ({member}) in {section}",
                m.name
            )));
        }
        if let Some(k) = rule.per_nominator {
            if by_this.len() as u32 >= k {
                return Err(StoreError::Refused(format!(
                    "{nominator} has already nominated {} candidates in {section} ({}), the most \
                     a nominating body may",
                    by_this.len(),
                    by_this.join(", ")
                )));
            }
        }
        if existing.is_none() {
            sqlx::query(
                "INSERT INTO candidates (election_id, section_id, member_id, name, state) \
                 VALUES ($1, $2, $3, $4, 'nominated')",
            )
            .bind(election)
            .bind(section)
            .bind(member)
            .bind(m.name.as_str())
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO nominations (election_id, section_id, member_id, nominator, nominator_kind, \
             recorded_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(election)
        .bind(section)
        .bind(member)
        .bind(nominator)
        .bind(kind)
        .bind(now_iso())
        .execute(&mut *tx)
        .await?;
        Store::log(
            &mut tx,
            election,
            "nominate",
            Some(member),
            &format!(
                "{section}: {} nominated by {nominator} ({kind}) on {on}",
                m.name
            ),
        )
        .await?;
        tx.commit().await?;
        self.candidates(election, section)
            .await?
            .into_iter()
            .find(|c| c.member_id == member)
            .ok_or_else(|| StoreError::Invalid("the candidate vanished".into()))
    }

    /// The candidates of a contest: those on the ballot in ballot order, then the rest by name.
    pub async fn candidates(&self, election: &str, section: &str) -> Result<Vec<Candidate>> {
        let mut noms: HashMap<String, BTreeMap<String, u32>> = HashMap::new();
        for r in sqlx::query(
            "SELECT member_id, nominator_kind FROM nominations WHERE election_id = $1 AND section_id = $2",
        )
        .bind(election)
        .bind(section)
        .fetch_all(&self.pool)
        .await?
        {
            *noms
                .entry(s(&r, "member_id")?)
                .or_default()
                .entry(s(&r, "nominator_kind")?)
                .or_default() += 1;
        }
        let mut v: Vec<Candidate> = sqlx::query(
            "SELECT member_id, name, state, state_reason, ballot_position FROM candidates \
             WHERE election_id = $1 AND section_id = $2",
        )
        .bind(election)
        .bind(section)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let id = s(r, "member_id")?;
            Ok(Candidate {
                nominations: noms.remove(&id).unwrap_or_default(),
                member_id: id,
                name: s(r, "name")?,
                state: CandidateState::parse(&s(r, "state")?),
                reason: os(r, "state_reason")?,
                ballot_position: r.try_get::<Option<i64>, _>("ballot_position")?,
            })
        })
        .collect::<Result<_>>()?;
        v.sort_by(|a, b| {
            (a.ballot_position.is_none(), a.ballot_position, &a.name).cmp(&(
                b.ballot_position.is_none(),
                b.ballot_position,
                &b.name,
            ))
        });
        Ok(v)
    }

    /// Closes nominations in a contest: each nominated candidate who meets a route of the
    /// threshold becomes valid; the others are removed, with the reason.
    pub async fn close_nominations(&self, election: &str, section: &str) -> Result<Vec<Candidate>> {
        let e = self.election(election).await?;
        let contests = e.contests()?;
        let c = Store::contest(&contests, section)?;
        let cands = self.candidates(election, section).await?;
        let mut tx = self.begin_locked(election).await?;
        if let Some(at) = Store::nominations_closed(&mut tx, election, section).await? {
            return Err(StoreError::Refused(format!(
                "nominations in section {section} already closed at {at}"
            )));
        }
        for cand in cands
            .iter()
            .filter(|c| c.state == CandidateState::Nominated)
        {
            let count = |k: &str| cand.nominations.get(k).copied().unwrap_or(0);
            let total: u32 = cand.nominations.values().sum();
            let (state, reason) = match c.nomination.route_met(count) {
                Some(route) => ("valid", format!("nominated by {route} or more")),
                None if c.nomination.routes.is_empty() && total > 0 => {
                    ("valid", "nominated".to_string())
                }
                None => {
                    let has: Vec<String> = cand
                        .nominations
                        .iter()
                        .map(|(k, n)| format!("{n} {k}"))
                        .collect();
                    (
                        "removed",
                        format!(
                            "did not reach the threshold ({}): has {}",
                            c.nomination.threshold(),
                            if has.is_empty() {
                                "none".to_string()
                            } else {
                                has.join(", ")
                            }
                        ),
                    )
                }
            };
            sqlx::query(
                "UPDATE candidates SET state = $1, state_reason = $2 \
                 WHERE election_id = $3 AND section_id = $4 AND member_id = $5",
            )
            .bind(state)
            .bind(reason.as_str())
            .bind(election)
            .bind(section)
            .bind(cand.member_id.as_str())
            .execute(&mut *tx)
            .await?;
            Store::log(
                &mut tx,
                election,
                state,
                Some(&cand.member_id),
                &format!("{section}: {reason}"),
            )
            .await?;
        }
        sqlx::query("UPDATE contests SET nominations_closed_at = $1 WHERE election_id = $2 AND section_id = $3")
            .bind(now_iso())
            .bind(election)
            .bind(section)
            .execute(&mut *tx)
            .await?;
        Store::log(&mut tx, election, "close-nominations", None, section).await?;
        tx.commit().await?;
        self.candidates(election, section).await
    }

    /// A candidate withdraws (`removed = false`) or is removed by the returning officer.
    /// Once ballots are cast the candidate stays on the paper; the count skips them
    /// (docs/election.md, "Withdrawn and removed candidates").
    pub async fn withdraw(
        &self,
        election: &str,
        section: &str,
        member: &str,
        reason: &str,
        removed: bool,
    ) -> Result<()> {
        let mut tx = self.begin_locked(election).await?;
        let state = if removed { "removed" } else { "withdrawn" };
        let n = sqlx::query(
            "UPDATE candidates SET state = $1, state_reason = $2 \
             WHERE election_id = $3 AND section_id = $4 AND member_id = $5",
        )
        .bind(state)
        .bind(reason)
        .bind(election)
        .bind(section)
        .bind(member)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Invalid(format!(
                "{member:?} is not a candidate in section {section:?}"
            )));
        }
        Store::log(
            &mut tx,
            election,
            state,
            Some(member),
            &format!("{section}: {reason}"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Fixes the ballot paper order of a contest's valid candidates (who go on the ballot),
    /// alphabetically or by a seeded lot, and records how. Refused before nominations close
    /// or once the order is fixed.
    pub async fn draw_ballot_order(
        &self,
        election: &str,
        section: &str,
        order: BallotOrder,
    ) -> Result<Vec<Candidate>> {
        let cands = self.candidates(election, section).await?;
        let mut tx = self.begin_locked(election).await?;
        if Store::nominations_closed(&mut tx, election, section)
            .await?
            .is_none()
        {
            return Err(StoreError::Refused(format!(
                "nominations in section {section} are still open: close them first"
            )));
        }
        let r = sqlx::query(
            "SELECT ballot_order FROM contests WHERE election_id = $1 AND section_id = $2",
        )
        .bind(election)
        .bind(section)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(o) = os(&r, "ballot_order")? {
            return Err(StoreError::Refused(format!(
                "the ballot order of {section} is already fixed ({o})"
            )));
        }
        let mut valid: Vec<&Candidate> = cands
            .iter()
            .filter(|c| c.state == CandidateState::Valid)
            .collect();
        let surname = |n: &str| n.split_whitespace().last().unwrap_or("").to_lowercase();
        valid.sort_by(|a, b| {
            (surname(&a.name), a.name.to_lowercase(), &a.member_id).cmp(&(
                surname(&b.name),
                b.name.to_lowercase(),
                &b.member_id,
            ))
        });
        let (ordered, how, seed): (Vec<&Candidate>, String, Option<String>) = match order {
            BallotOrder::Alphabetical => (valid, "alphabetical".into(), None),
            BallotOrder::Lot(seed) => {
                let lot = scrutin_core::tie::LotOrder::from_seed(valid.len(), seed);
                (
                    lot.order.iter().map(|c| valid[c.index()]).collect(),
                    "lot".into(),
                    Some(seed.to_string()),
                )
            }
        };
        for (pos, c) in ordered.iter().enumerate() {
            sqlx::query(
                "UPDATE candidates SET state = 'on-ballot', ballot_position = $1 \
                 WHERE election_id = $2 AND section_id = $3 AND member_id = $4",
            )
            .bind(pos as i64 + 1)
            .bind(election)
            .bind(section)
            .bind(c.member_id.as_str())
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "UPDATE contests SET ballot_order = $1, ballot_seed = $2 WHERE election_id = $3 AND section_id = $4",
        )
        .bind(how.as_str())
        .bind(seed.clone())
        .bind(election)
        .bind(section)
        .execute(&mut *tx)
        .await?;
        let names: Vec<String> = ordered
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{}. {} ({})", i + 1, c.name, c.member_id))
            .collect();
        let detail = format!(
            "{section}: {how}{}: {}",
            seed.map(|s| format!(", seed {s}")).unwrap_or_default(),
            names.join("; ")
        );
        Store::log(&mut tx, election, "ballot-order", None, &detail).await?;
        tx.commit().await?;
        self.candidates(election, section).await
    }

    // ----- credentials -----------------------------------------------------------------

    /// Voters eligible in at least one contest, with how a credential can reach them: email
    /// when their address is theirs alone on the roll, else post when they have an address.
    /// With `pending_only`, those who hold no delivered, unrevoked credential.
    pub async fn voters(&self, election: &str, pending_only: bool) -> Result<Vec<Recipient>> {
        let e = self.election(election).await?;
        let contests = e.contests()?;
        let names: HashMap<String, String> = contests
            .iter()
            .map(|c| (c.section_id.clone(), c.name.clone()))
            .collect();
        let mut where_eligible: HashMap<String, Vec<String>> = HashMap::new();
        for r in sqlx::query(
            "SELECT member_id, section_id FROM electors WHERE election_id = $1 AND eligible = 1",
        )
        .bind(election)
        .fetch_all(&self.pool)
        .await?
        {
            let sec = s(&r, "section_id")?;
            where_eligible
                .entry(s(&r, "member_id")?)
                .or_default()
                .push(names.get(&sec).cloned().unwrap_or(sec));
        }
        let mut held: std::collections::HashSet<String> = std::collections::HashSet::new();
        if pending_only {
            for r in sqlx::query(
                "SELECT member_id FROM credentials WHERE election_id = $1 AND revoked_at IS NULL \
                 AND delivered_at IS NOT NULL",
            )
            .bind(election)
            .fetch_all(&self.pool)
            .await?
            {
                held.insert(s(&r, "member_id")?);
            }
        }
        let members = self.members(election).await?;
        let mut email_count: HashMap<&str, u32> = HashMap::new();
        for m in &members {
            if let Some(em) = &m.email {
                *email_count.entry(em.as_str()).or_default() += 1;
            }
        }
        let mut out = Vec::new();
        for m in &members {
            let Some(contests) = where_eligible.get(&m.id) else {
                continue;
            };
            if held.contains(&m.id) {
                continue;
            }
            let unique_email = m
                .email
                .as_deref()
                .is_some_and(|em| email_count.get(em) == Some(&1));
            let channel = if unique_email {
                Some(Channel::Email)
            } else if m.address.is_some() {
                Some(Channel::Postal)
            } else {
                None
            };
            let mut contests = contests.clone();
            contests.sort_by_key(|n| self::position_of(&contests_order(&e.sections, &names), n));
            out.push(Recipient {
                member_id: m.id.clone(),
                name: m.name.clone(),
                email: m.email.clone(),
                address: m.address.clone(),
                channel,
                contests,
            });
        }
        Ok(out)
    }

    /// Issues a new credential to a voter, revoking any they held, and logs it (`reason`
    /// says why a re-issue was made). The code is returned once, here; only its keyed hash
    /// is stored. Refused before the roll is frozen or for someone who may not vote.
    pub async fn issue_credential(
        &self,
        election: &str,
        member: &str,
        channel: Channel,
        reason: Option<&str>,
    ) -> Result<Issued> {
        let e = self.election(election).await?;
        if e.roll_sha256.is_none() {
            return Err(StoreError::Refused(format!(
                "the roll of {election} is not frozen: freeze it (scrutin election freeze-roll) \
                 before issuing credentials"
            )));
        }
        let code = credential::new_code()?;
        let norm = credential::normalise(code.expose_secret())
            .ok_or_else(|| StoreError::Invalid("a fresh code did not normalise".into()))?;
        let hash = credential::keyed_hash(&e.key, election, &norm);
        let mut tx = self.begin_locked(election).await?;
        let eligible = sqlx::query(
            "SELECT member_id FROM electors WHERE election_id = $1 AND member_id = $2 AND eligible = 1",
        )
        .bind(election)
        .bind(member)
        .fetch_optional(&mut *tx)
        .await?;
        if eligible.is_none() {
            return Err(StoreError::Refused(format!(
                "member {member:?} may not vote in {election}: no credential"
            )));
        }
        let revoked = sqlx::query(
            "UPDATE credentials SET revoked_at = $1 WHERE election_id = $2 AND member_id = $3 AND revoked_at IS NULL",
        )
        .bind(now_iso())
        .bind(election)
        .bind(member)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let serial = i(
            &sqlx::query(
                "SELECT COALESCE(MAX(serial), 0) + 1 AS serial FROM credentials WHERE election_id = $1 AND member_id = $2",
            )
            .bind(election)
            .bind(member)
            .fetch_one(&mut *tx)
            .await?,
            "serial",
        )?;
        sqlx::query(
            "INSERT INTO credentials (election_id, member_id, serial, code_hmac, channel, issued_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(election)
        .bind(member)
        .bind(serial)
        .bind(hash)
        .bind(channel.name())
        .bind(now_iso())
        .execute(&mut *tx)
        .await?;
        let action = if revoked > 0 { "reissue" } else { "issue" };
        let detail = format!(
            "credential {serial} by {}{}{}",
            channel.name(),
            if revoked > 0 {
                format!("; {revoked} earlier credential revoked")
            } else {
                String::new()
            },
            reason.map(|r| format!("; reason: {r}")).unwrap_or_default()
        );
        Store::log(&mut tx, election, action, Some(member), &detail).await?;
        tx.commit().await?;
        Ok(Issued {
            member_id: member.to_string(),
            serial,
            code,
        })
    }

    /// Records that a credential was sent (emailed, or its postal pack written).
    pub async fn mark_delivered(&self, election: &str, member: &str, serial: i64) -> Result<()> {
        sqlx::query(
            "UPDATE credentials SET delivered_at = $1 WHERE election_id = $2 AND member_id = $3 AND serial = $4",
        )
        .bind(now_iso())
        .bind(election)
        .bind(member)
        .bind(serial)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Whose code this is, if it is a live credential of the election. The lookup is by
    /// keyed hash; the stored hash is then compared in constant time.
    pub async fn verify_credential(&self, election: &str, code: &str) -> Result<Option<String>> {
        let e = self.election(election).await?;
        let Some(norm) = credential::normalise(code) else {
            return Ok(None);
        };
        let hash = credential::keyed_hash(&e.key, election, &norm);
        let row = sqlx::query(
            "SELECT member_id, code_hmac FROM credentials WHERE election_id = $1 AND code_hmac = $2 \
             AND revoked_at IS NULL",
        )
        .bind(election)
        .bind(hash.as_str())
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) if credential::same_hash(&s(&r, "code_hmac")?, &hash) => {
                Ok(Some(s(&r, "member_id")?))
            }
            _ => Ok(None),
        }
    }

    /// Records that a voter has voted in a contest, by a channel, **without a ballot**. Voting
    /// goes through [`Store::cast`] and [`Store::receive_postal`], which record turnout with
    /// the ballot; this exists for the tests of reminders and status on elections with no
    /// open poll, and is hidden from the documentation. One vote per voter per contest.
    #[doc(hidden)]
    pub async fn record_turnout(
        &self,
        election: &str,
        section: &str,
        member: &str,
        channel: Channel,
    ) -> Result<()> {
        let mut tx = self.begin_locked(election).await?;
        let ok = is_elector(&mut tx, election, section, member).await?;
        if !ok {
            return Err(StoreError::Refused(format!(
                "member {member:?} may not vote in {section}"
            )));
        }
        let voted = voted_by(&mut tx, election, section, member).await?;
        if voted.is_some() {
            return Err(StoreError::Refused(format!(
                "member {member:?} has already voted in {section}"
            )));
        }
        sqlx::query(
            "INSERT INTO turnout (election_id, section_id, member_id, channel, voted_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(election)
        .bind(section)
        .bind(member)
        .bind(channel.name())
        .bind(now_iso())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Voters with a live, delivered credential who have not voted in every contest they
    /// may vote in: whom to remind.
    pub async fn to_remind(&self, election: &str) -> Result<Vec<Recipient>> {
        let all = self.voters(election, false).await?;
        let mut live: std::collections::HashSet<String> = std::collections::HashSet::new();
        for r in sqlx::query(
            "SELECT member_id FROM credentials WHERE election_id = $1 AND revoked_at IS NULL AND delivered_at IS NOT NULL",
        )
        .bind(election)
        .fetch_all(&self.pool)
        .await?
        {
            live.insert(s(&r, "member_id")?);
        }
        let mut voted: HashMap<String, usize> = HashMap::new();
        for r in sqlx::query("SELECT member_id FROM turnout WHERE election_id = $1")
            .bind(election)
            .fetch_all(&self.pool)
            .await?
        {
            *voted.entry(s(&r, "member_id")?).or_default() += 1;
        }
        Ok(all
            .into_iter()
            .filter(|v| live.contains(&v.member_id))
            .filter(|v| voted.get(&v.member_id).copied().unwrap_or(0) < v.contests.len())
            .collect())
    }

    /// Records that a reminder was sent (the log says to whom, not what else).
    pub async fn log_reminder(&self, election: &str, member: &str, channel: Channel) -> Result<()> {
        let mut tx = self.begin_locked(election).await?;
        Store::log(&mut tx, election, "remind", Some(member), channel.name()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Turnout by contest and channel, credentials by channel.
    pub async fn status(&self, election: &str) -> Result<Status> {
        let e = self.election(election).await?;
        let count = |sql: &'static str| {
            let pool = &self.pool;
            async move { i(&sqlx::query(sql).bind(election).fetch_one(pool).await?, "n") }
        };
        let members =
            count("SELECT COUNT(*) AS n FROM members WHERE election_id = $1").await? as u64;
        let mut contests = Vec::new();
        for c in e.contests()? {
            let q = |sql: &'static str| sqlx::query(sql).bind(election).bind(c.section_id.clone());
            let electors = i(
                &q("SELECT COUNT(*) AS n FROM electors WHERE election_id = $1 AND section_id = $2 AND eligible = 1")
                    .fetch_one(&self.pool)
                    .await?,
                "n",
            )? as u64;
            let mut by: HashMap<String, u64> = HashMap::new();
            for r in q("SELECT channel, COUNT(*) AS n FROM turnout WHERE election_id = $1 AND section_id = $2 GROUP BY channel")
                .fetch_all(&self.pool)
                .await?
            {
                by.insert(s(&r, "channel")?, i(&r, "n")? as u64);
            }
            contests.push(ContestStatus {
                section_id: c.section_id.clone(),
                name: c.name.clone(),
                electors,
                online: by.get("online").copied().unwrap_or(0)
                    + by.get("email").copied().unwrap_or(0),
                postal: by.get("postal").copied().unwrap_or(0),
            });
        }
        let mut credentials = Vec::new();
        for ch in [Channel::Email, Channel::Postal] {
            let r = sqlx::query(
                "SELECT COUNT(*) AS n, COUNT(delivered_at) AS d FROM credentials \
                 WHERE election_id = $1 AND channel = $2 AND revoked_at IS NULL",
            )
            .bind(election)
            .bind(ch.name())
            .fetch_one(&self.pool)
            .await?;
            credentials.push((
                ch.name().to_string(),
                i(&r, "n")? as u64,
                i(&r, "d")? as u64,
            ));
        }
        Ok(Status {
            members,
            roll_sha256: e.roll_sha256,
            contests,
            credentials,
        })
    }
}

fn contests_order(sections: &[String], names: &HashMap<String, String>) -> Vec<String> {
    sections
        .iter()
        .map(|s| names.get(s).cloned().unwrap_or_else(|| s.clone()))
        .collect()
}

fn position_of(order: &[String], name: &str) -> usize {
    order.iter().position(|n| n == name).unwrap_or(usize::MAX)
}

/// `(…),(…)` placeholders for a multi-row INSERT: `$1, $2, …` on PostgreSQL, plain `?` on
/// SQLite, whose lookup of numbered parameters by name is linear in their count (quadratic
/// for a thousand-row statement).
fn push_placeholders(sql: &mut String, backend: Backend, rows: usize, cols: usize) {
    use std::fmt::Write;
    let mut n = 1;
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..cols {
            if c > 0 {
                sql.push(',');
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    let _ = write!(sql, "${n}");
                }
            }
            n += 1;
        }
        sql.push(')');
    }
}

fn member_of(r: &AnyRow) -> Result<Member> {
    Ok(Member {
        id: s(r, "member_id")?,
        name: s(r, "name")?,
        email: os(r, "email")?,
        address: os(r, "address")?,
        joined: stored_date(&s(r, "joined")?, "joined")?,
        paid_up_to: stored_date(&s(r, "paid_up_to")?, "paid_up_to")?,
        date_of_birth: os(r, "date_of_birth")?
            .map(|d| stored_date(&d, "date_of_birth"))
            .transpose()?,
        self_declared: s(r, "self_declared")?,
        branch: s(r, "branch")?,
    })
}

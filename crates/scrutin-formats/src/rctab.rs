//! RCTab inputs: a contest configuration (`<case>_config.json`) and the cast-vote records it
//! names, in RCTab's generic CSV or in the NIST Common Data Format (CDF) JSON.
//!
//! Sources: RCTab (Ranked Choice Voting Tabulator, Bright Spots, github.com/BrightSpots/rcv):
//! its configuration file documentation and readers `CsvCvrReader.java` and
//! `CommonDataFormatReader.java`; NIST SP 1500-103, *Cast Vote Records Common Data Format
//! Specification* (v1.0, 2019).
//!
//! - **Configuration**: `cvrFileSources` (each with `provider`, `filePath` relative to the
//!   configuration, `contestId`, `firstVoteColumnIndex`, `undeclaredWriteInLabel`, …),
//!   `candidates` (`name`, `aliases`, `excluded`) and `rules`, mapped onto
//!   [`IrvRules`] and a tie policy. Multi-seat modes are read (`winner_election_mode`) but
//!   only `singleWinnerMajority` maps onto a rule set here.
//! - **Generic CSV** (`provider: genericCsv`): a header row naming candidates; one row per
//!   record; from column `firstVoteColumnIndex` (1-based) on, each cell holds the rank the
//!   voter gave that column's candidate, or is blank. The column headed `undeclaredWriteInLabel`
//!   stands for undeclared write-ins. (RCTab reads every row after the header:
//!   `firstVoteRowIndex` is not applied by its reader, and is not here either.)
//! - **CDF JSON** (`provider: cdf`, `.json`): `Election[].Candidate` (`@id`, `Name`),
//!   `Election[].Contest` found by `Name` = the source's `contestId`, its `ContestSelection`s
//!   (`@id` → first of `CandidateIds`, or `IsWriteIn`), and `CVR[]` whose current
//!   `CVRSnapshot` holds a `CVRContest` for the contest; ranks come from `Rank` on the
//!   `CVRContestSelection` or on each `SelectionPosition` (positions with `HasIndication: no`
//!   or `IsAllocable: no` are ignored, NIST 1500-103 §3.4.2).
//!
//! A record's marks become one ranking: rank 1, 2, … up to its highest mark; a rank with no mark
//! is a skipped rank, a rank with several candidates an equal ranking (an overvote, read by
//! the rule's `overvoteRule`). A rank above `maxRankingsAllowed` is an error, as in RCTab.
//! A candidate ranked twice cannot be held in a profile, so RCTab's duplicate rule is applied
//! here, exactly: with `exhaustOnDuplicateCandidate` the ranking ends before the repeated
//! mark; otherwise the repeated mark is dropped (the paper had already passed that candidate) —
//! and where dropping it could change how the paper reads (the first mark was in an overvote
//! that `alwaysSkipToNextRank` passes over, or the skipped-rank limit would fall elsewhere),
//! the record is refused with an error rather than counted differently.
//!
//! Errors name the file and the line (CSV) or the record (CDF); nothing panics.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use scrutin_core::methods::irv::{IrvRules, OvervoteRule};
use scrutin_core::tie::TiePolicy;
use scrutin_core::{Candidate, CandidateId, Election, ProfileBuilder, Weight};
use serde_json::Value;

/// RCTab's name for the undeclared write-ins candidate.
pub const UNDECLARED_WRITE_INS: &str = "Undeclared Write-ins";

/// Why RCTab input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RctabError {
    /// Malformed or unsupported input; `at` is `line N`, `record N`, or a JSON field.
    #[error("{file}: {at}: {message}")]
    Syntax {
        file: String,
        at: String,
        message: String,
    },
    #[error("{file}: {error}")]
    Io {
        file: String,
        #[source]
        error: std::io::Error,
    },
}

fn err(file: &str, at: impl Into<String>, message: impl Into<String>) -> RctabError {
    RctabError::Syntax {
        file: file.to_string(),
        at: at.into(),
        message: message.into(),
    }
}

/// A contest read from an RCTab configuration and its cast-vote records.
#[derive(Clone, Debug)]
pub struct RctabContest {
    pub election: Election,
    /// The configuration's `rules`, as options of [`scrutin_core::methods::irv`].
    pub rules: IrvRules,
    /// `winnerElectionMode` as written (`singleWinnerMajority`, `multiWinnerAllowOnlyOneWinnerPerRound`, …).
    pub winner_election_mode: String,
    /// `tiebreakMode` as written.
    pub tiebreak_mode: String,
    /// The tie policy that `tiebreakMode` maps to: `previousRoundCounts…` → backward (RCTab
    /// narrows round by round, as the `narrowing` reading does); the others → straight to lot.
    pub tie_policy: TiePolicy,
    /// For `useCandidateOrder`: the lot order that makes the lot pick as RCTab does — RCTab
    /// excludes the tied candidate *latest* in the configuration's list, so this is the list
    /// reversed (the lot's first pick is excluded). `None` for random modes.
    pub lot_order: Option<Vec<CandidateId>>,
    /// `randomSeed`, if given (RCTab draws with `java.util.Random`, which scrutin does not
    /// reproduce: a random tie is drawn by scrutin's own lot).
    pub random_seed: Option<i64>,
    /// `numberOfWinners`.
    pub number_of_winners: u32,
    /// `decimalPlacesForVoteArithmetic`.
    pub decimal_places: u32,
    /// `nonIntegerWinningThreshold`.
    pub non_integer_threshold: bool,
    /// Records with no marks at all (RCTab's "undervotes").
    pub undervotes: u64,
}

struct Config<'a> {
    file: &'a str,
    json: Value,
}

impl Config<'_> {
    fn rule_str(&self, key: &str) -> String {
        match self.json.get("rules").and_then(|r| r.get(key)) {
            Some(Value::String(s)) => s.trim().to_string(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Bool(b)) => b.to_string(),
            _ => String::new(),
        }
    }
    fn rule_bool(&self, key: &str) -> bool {
        matches!(self.rule_str(key).as_str(), "true")
    }
    fn rule_u32(&self, key: &str) -> Result<Option<u32>, RctabError> {
        let s = self.rule_str(key);
        if s.is_empty() || s == "max" || s == "unlimited" {
            return Ok(None);
        }
        s.parse().map(Some).map_err(|_| {
            err(
                self.file,
                format!("rules.{key}"),
                format!("{s:?} is not a number"),
            )
        })
    }
}

fn str_field<'v>(v: &'v Value, key: &str) -> &'v str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// Reads an RCTab configuration file and every CVR file its `cvrFileSources` name.
pub fn read_contest(config_path: &Path) -> Result<RctabContest, RctabError> {
    let file = config_path.display().to_string();
    let text = fs::read_to_string(config_path).map_err(|error| RctabError::Io {
        file: file.clone(),
        error,
    })?;
    let json: Value = serde_json::from_str(&text)
        .map_err(|e| err(&file, format!("line {}", e.line()), e.to_string()))?;
    let cfg = Config { file: &file, json };
    let base = config_path.parent().unwrap_or(Path::new("."));

    // Candidates, their aliases and exclusions.
    let mut names: Vec<String> = Vec::new();
    let mut alias: HashMap<String, CandidateId> = HashMap::new();
    let mut withdrawn = Vec::new();
    let cands = cfg
        .json
        .get("candidates")
        .and_then(Value::as_array)
        .ok_or_else(|| err(&file, "candidates", "no candidate list"))?;
    for (i, c) in cands.iter().enumerate() {
        let name = str_field(c, "name").to_string();
        if name.is_empty() {
            return Err(err(
                &file,
                format!("candidates[{i}]"),
                "a candidate has no name",
            ));
        }
        let id = CandidateId(i as u32);
        for a in std::iter::once(name.as_str())
            .chain(
                c.get("aliases")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str),
            )
            .chain(std::iter::once(str_field(c, "code")).filter(|s| !s.is_empty()))
        {
            if alias.insert(a.to_string(), id).is_some_and(|x| x != id) {
                return Err(err(
                    &file,
                    format!("candidates[{i}]"),
                    format!("{a:?} names two candidates"),
                ));
            }
        }
        if c.get("excluded").and_then(Value::as_bool) == Some(true) {
            withdrawn.push(id);
        }
        names.push(name);
    }

    // The records, from every source.
    let overvote = OvervoteRule::from_rctab(&cfg.rule_str("overvoteRule")).ok_or_else(|| {
        err(
            &file,
            "rules.overvoteRule",
            format!("unknown rule {:?}", cfg.rule_str("overvoteRule")),
        )
    })?;
    let max_rankings = cfg.rule_u32("maxRankingsAllowed")?;
    let max_skipped = cfg.rule_u32("maxSkippedRanksAllowed")?;
    let exhaust_dup = cfg.rule_bool("exhaustOnDuplicateCandidate");
    let sources = cfg
        .json
        .get("cvrFileSources")
        .and_then(Value::as_array)
        .ok_or_else(|| err(&file, "cvrFileSources", "no CVR sources"))?;
    let mut records = Records::new();
    for (i, s) in sources.iter().enumerate() {
        let provider = str_field(s, "provider");
        let path = base.join(str_field(s, "filePath"));
        let at = format!("cvrFileSources[{i}]");
        match provider {
            "genericCsv" => read_csv_records(&path, s, &mut records)?,
            "cdf" if path.extension().is_some_and(|e| e == "json") => read_cdf_records(
                &path,
                str_field(s, "contestId"),
                str_field(s, "overvoteLabel"),
                &mut records,
            )?,
            "cdf" => {
                return Err(err(
                    &file,
                    at,
                    "CDF XML records are not read (only CDF JSON)",
                ))
            }
            other => {
                return Err(err(
                    &file,
                    at,
                    format!("CVR provider {other:?} is not read (only genericCsv and cdf JSON)"),
                ))
            }
        }
    }

    // Undeclared write-ins become a candidate of their own, after the declared ones.
    let uwi_used = records
        .iter()
        .any(|(_, _, m)| m.iter().any(|(_, x)| matches!(x, Mark::WriteIn)));
    let uwi = uwi_used.then(|| {
        names.push(UNDECLARED_WRITE_INS.to_string());
        CandidateId(names.len() as u32 - 1)
    });

    let mut builder = ProfileBuilder::new(
        names
            .iter()
            .map(|n| Candidate { name: n.clone() })
            .collect(),
    )
    .map_err(|e| err(&file, "candidates", e.to_string()))?;
    let mut undervotes = 0u64;
    for (rfile, at, marks) in &records {
        let mut ranks: Vec<Vec<CandidateId>> = Vec::new();
        for (rank, mark) in marks {
            let c = match mark {
                Mark::WriteIn => uwi.expect("write-ins seen"),
                Mark::Name(n) => *alias.get(n).ok_or_else(|| {
                    err(
                        rfile,
                        at.clone(),
                        format!("candidate {n:?} is not in the configuration's candidate list"),
                    )
                })?,
            };
            if *rank == 0 {
                return Err(err(rfile, at.clone(), "ranks start at 1"));
            }
            if max_rankings.is_some_and(|m| *rank > m) {
                return Err(err(
                    rfile,
                    at.clone(),
                    format!(
                        "rank {rank} exceeds maxRankingsAllowed ({})",
                        max_rankings.unwrap_or(0)
                    ),
                ));
            }
            let r = *rank as usize;
            if ranks.len() < r {
                ranks.resize(r, Vec::new());
            }
            if !ranks[r - 1].contains(&c) {
                ranks[r - 1].push(c);
            }
        }
        if ranks.is_empty() {
            undervotes += 1;
        }
        let ranks = resolve_duplicates(ranks, exhaust_dup, overvote, max_skipped)
            .map_err(|m| err(rfile, at.clone(), m))?;
        push_record(&mut builder, &ranks).map_err(|e| err(rfile, at.clone(), e.to_string()))?;
    }

    let tiebreak_mode = cfg.rule_str("tiebreakMode");
    let n_declared = cands.len();
    let (tie_policy, lot_order) = match tiebreak_mode.as_str() {
        "useCandidateOrder" => (
            TiePolicy::Lot,
            Some((0..n_declared as u32).rev().map(CandidateId).collect()),
        ),
        "previousRoundCountsThenRandom" | "previousRoundCountsThenAsk" => {
            (TiePolicy::Backward, None)
        }
        _ => (TiePolicy::Lot, None),
    };
    let seats = cfg.rule_u32("numberOfWinners")?.unwrap_or(1);
    let rules = IrvRules {
        overvote,
        max_skipped_ranks: max_skipped,
        batch_elimination: cfg.rule_bool("batchElimination"),
        continue_until_two: cfg.rule_bool("continueUntilTwoCandidatesRemain"),
        first_round_determines_threshold: cfg.rule_bool("doesFirstRoundDetermineThreshold"),
        minimum_vote_threshold: match cfg.rule_str("minimumVoteThreshold").as_str() {
            "" | "0" => None,
            s => Some(Weight::parse(s).ok_or_else(|| {
                err(
                    &file,
                    "rules.minimumVoteThreshold",
                    format!("{s:?} is not a number"),
                )
            })?),
        },
        stop_after_round: cfg.rule_u32("stopTabulationEarlyAfterRound")?,
        undeclared_write_in: uwi,
    };
    let title = str_field(
        cfg.json.get("outputSettings").unwrap_or(&Value::Null),
        "contestName",
    );
    Ok(RctabContest {
        election: Election {
            title: if title.is_empty() {
                file.clone()
            } else {
                title.to_string()
            },
            seats,
            profile: builder.build(),
            withdrawn,
        },
        rules,
        winner_election_mode: cfg.rule_str("winnerElectionMode"),
        tiebreak_mode,
        tie_policy,
        lot_order,
        random_seed: cfg.rule_str("randomSeed").parse().ok(),
        number_of_winners: seats,
        decimal_places: cfg.rule_u32("decimalPlacesForVoteArithmetic")?.unwrap_or(4),
        non_integer_threshold: cfg.rule_bool("nonIntegerWinningThreshold"),
        undervotes,
    })
}

/// A mark on a record: a candidate's name (or alias), or an undeclared write-in.
#[derive(Clone, Debug)]
enum Mark {
    Name(String),
    WriteIn,
}

/// The first rank (1-based) at which RCTab's `maxSkippedRanksAllowed` exhausts a paper, given
/// which ranks are marked.
fn skip_exhaustion(ranks: &[Vec<CandidateId>], max_skipped: Option<u32>) -> Option<usize> {
    let max = max_skipped? as usize;
    let mut last = 0;
    for (i, r) in ranks.iter().enumerate() {
        if r.is_empty() {
            continue;
        }
        if i + 1 - last > max + 1 {
            return Some(i + 1);
        }
        last = i + 1;
    }
    None
}

/// RCTab's `exhaustOnDuplicateCandidate`, applied to one record (see the module notes).
fn resolve_duplicates(
    mut ranks: Vec<Vec<CandidateId>>,
    exhaust: bool,
    overvote: OvervoteRule,
    max_skipped: Option<u32>,
) -> Result<Vec<Vec<CandidateId>>, String> {
    let mut first_rank: HashMap<CandidateId, usize> = HashMap::new();
    let mut repeats: Vec<(usize, CandidateId)> = Vec::new();
    for (i, r) in ranks.iter().enumerate() {
        for &c in r {
            match first_rank.get(&c) {
                Some(_) => repeats.push((i, c)),
                None => {
                    first_rank.insert(c, i);
                }
            }
        }
    }
    if repeats.is_empty() {
        return Ok(ranks);
    }
    if exhaust {
        ranks.truncate(repeats[0].0);
        return Ok(ranks);
    }
    let before = skip_exhaustion(&ranks, max_skipped);
    for &(i, c) in &repeats {
        let f = first_rank[&c];
        if ranks[f].len() > 1 && overvote == OvervoteRule::AlwaysSkipToNextRank {
            return Err(format!(
                "candidate number {} is ranked again at rank {} after an overvote at rank {} \
                 that alwaysSkipToNextRank passes over; scrutin cannot hold this ranking exactly",
                c.0 + 1,
                i + 1,
                f + 1
            ));
        }
        ranks[i].retain(|&x| x != c);
    }
    if skip_exhaustion(&ranks, max_skipped) != before {
        return Err(
            "dropping a repeated candidate would change where maxSkippedRanksAllowed exhausts \
             this ranking; scrutin cannot hold it exactly"
                .to_string(),
        );
    }
    Ok(ranks)
}

/// Records read: (file, where in it, marks as (rank, mark)).
type Records = Vec<(String, String, Vec<(u32, Mark)>)>;

fn read_csv_records(path: &Path, source: &Value, out: &mut Records) -> Result<(), RctabError> {
    let file = path.display().to_string();
    let first_col: usize = match str_field(source, "firstVoteColumnIndex") {
        "" => 1,
        s => s.parse::<usize>().ok().filter(|&c| c >= 1).ok_or_else(|| {
            err(
                &file,
                "firstVoteColumnIndex",
                format!("{s:?} is not a column number"),
            )
        })?,
    };
    let uwi_label = str_field(source, "undeclaredWriteInLabel").to_string();
    let text = fs::read(path).map_err(|error| RctabError::Io {
        file: file.clone(),
        error,
    })?;
    read_csv_bytes(&text, &file, first_col - 1, &uwi_label, out)
}

fn read_csv_bytes(
    text: &[u8],
    file: &str,
    first_col: usize,
    uwi_label: &str,
    out: &mut Records,
) -> Result<(), RctabError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text);
    let headers = rdr
        .headers()
        .map_err(|e| err(file, "line 1", e.to_string()))?
        .clone();
    let cols: Vec<Mark> = headers
        .iter()
        .map(|h| {
            let h = h.trim();
            if !uwi_label.is_empty() && h == uwi_label {
                Mark::WriteIn
            } else {
                Mark::Name(h.to_string())
            }
        })
        .collect();
    // One record per line after the header (csv's own line count is off with CRLF ends).
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| err(file, format!("line {line}"), e.to_string()))?;
        let at = format!("line {line}");
        let mut marks = Vec::new();
        for (col, cell) in rec.iter().enumerate().skip(first_col) {
            let cell = cell.trim();
            if cell.is_empty() {
                continue;
            }
            let rank: u32 = cell.parse().map_err(|_| {
                err(
                    file,
                    format!("line {line}, column {}", col + 1),
                    format!("expected a rank, found {cell:?}"),
                )
            })?;
            let mark = cols.get(col).cloned().ok_or_else(|| {
                err(
                    file,
                    format!("line {line}, column {}", col + 1),
                    "a rank in a column with no header",
                )
            })?;
            marks.push((rank, mark));
        }
        out.push((file.to_string(), at, marks));
    }
    Ok(())
}

fn read_cdf_records(
    path: &Path,
    contest_name: &str,
    overvote_label: &str,
    out: &mut Records,
) -> Result<(), RctabError> {
    let file = path.display().to_string();
    let text = fs::read_to_string(path).map_err(|error| RctabError::Io {
        file: file.clone(),
        error,
    })?;
    read_cdf_str(&text, &file, contest_name, overvote_label, out)
}

fn read_cdf_str(
    text: &str,
    file: &str,
    contest_name: &str,
    overvote_label: &str,
    out: &mut Records,
) -> Result<(), RctabError> {
    let json: Value = serde_json::from_str(text)
        .map_err(|e| err(file, format!("line {}", e.line()), e.to_string()))?;
    let elections = json
        .get("Election")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            err(
                file,
                "Election",
                "no Election list (is this a NIST CDF cast vote record report?)",
            )
        })?;
    let mut candidate_name: HashMap<&str, &str> = HashMap::new();
    let mut contest: Option<&Value> = None;
    let mut contests_seen = Vec::new();
    for e in elections {
        for c in e
            .get("Candidate")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let id = str_field(c, "@id");
            if candidate_name.insert(id, str_field(c, "Name")).is_some() {
                return Err(err(
                    file,
                    "Election.Candidate",
                    format!("candidate @id {id:?} appears more than once"),
                ));
            }
        }
        for k in e
            .get("Contest")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            contests_seen.push(k);
            if contest.is_none() && str_field(k, "Name") == contest_name {
                contest = Some(k);
            }
        }
    }
    let contest = match (contest, contests_seen.as_slice()) {
        (Some(c), _) => c,
        (None, [only]) if contest_name.is_empty() => only,
        _ => {
            return Err(err(
                file,
                "Election.Contest",
                format!("contest {contest_name:?} not found"),
            ))
        }
    };
    let contest_id = str_field(contest, "@id");
    let mut selection: HashMap<&str, Mark> = HashMap::new();
    for s in contest
        .get("ContestSelection")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let sid = str_field(s, "@id");
        let is_write_in = match s.get("IsWriteIn") {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(v)) => v == "true",
            _ => false,
        };
        let mark = if is_write_in {
            Mark::WriteIn
        } else {
            let cid = s
                .get("CandidateIds")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(Value::as_str)
                .ok_or_else(|| err(file, format!("ContestSelection {sid:?}"), "no CandidateIds"))?;
            let name = candidate_name.get(cid).ok_or_else(|| {
                err(
                    file,
                    format!("ContestSelection {sid:?}"),
                    format!("candidate {cid:?} not found"),
                )
            })?;
            if !overvote_label.is_empty() && *name == overvote_label {
                return Err(err(
                    file,
                    format!("ContestSelection {sid:?}"),
                    "explicit overvote labels are not read",
                ));
            }
            Mark::Name(name.to_string())
        };
        if selection.insert(sid, mark).is_some() {
            return Err(err(
                file,
                format!("ContestSelection {sid:?}"),
                "appears more than once",
            ));
        }
    }
    let cvrs = json
        .get("CVR")
        .and_then(Value::as_array)
        .ok_or_else(|| err(file, "CVR", "no CVR list"))?;
    for (i, cvr) in cvrs.iter().enumerate() {
        let at = format!("record {}", i + 1);
        let current = str_field(cvr, "CurrentSnapshotId");
        let snapshot = cvr
            .get("CVRSnapshot")
            .and_then(Value::as_array)
            .and_then(|s| s.iter().find(|x| str_field(x, "@id") == current))
            .ok_or_else(|| {
                err(
                    file,
                    at.clone(),
                    format!("current snapshot {current:?} not found"),
                )
            })?;
        let Some(cvr_contest) = snapshot
            .get("CVRContest")
            .and_then(Value::as_array)
            .and_then(|cs| cs.iter().find(|c| str_field(c, "ContestId") == contest_id))
        else {
            continue; // no votes in this contest on this record
        };
        let mut marks = Vec::new();
        for sel in cvr_contest
            .get("CVRContestSelection")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let sid = str_field(sel, "ContestSelectionId");
            let mut mark = selection.get(sid).cloned().ok_or_else(|| {
                err(
                    file,
                    at.clone(),
                    format!("ContestSelection {sid:?} not in the contest"),
                )
            })?;
            let rank_of = |v: &Value| -> Result<u32, RctabError> {
                match v {
                    Value::Number(n) => n.as_u64().and_then(|r| u32::try_from(r).ok()),
                    Value::String(s) => s.trim().parse().ok(),
                    _ => None,
                }
                .ok_or_else(|| err(file, at.clone(), format!("rank {v} is not a whole number")))
            };
            if let Some(r) = sel.get("Rank") {
                marks.push((rank_of(r)?, mark));
                continue;
            }
            for pos in sel
                .get("SelectionPosition")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if pos.get("CVRWriteIn").is_some() {
                    mark = Mark::WriteIn;
                }
                if str_field(pos, "HasIndication") == "no" || str_field(pos, "IsAllocable") == "no"
                {
                    continue;
                }
                let r = pos
                    .get("Rank")
                    .ok_or_else(|| err(file, at.clone(), "a selection position has no Rank"))?;
                marks.push((rank_of(r)?, mark.clone()));
            }
        }
        out.push((file.to_string(), at, marks));
    }
    Ok(())
}

/// What a bare CVR file gives: an election with the candidates it names (no configuration),
/// one seat. CSV: RCTab generic CSV, the header naming candidates, ranks from column
/// `csv_first_vote_column` (1-based; 0: after the leading record-data columns, see
/// [`first_rank_column`]). JSON: a NIST CDF JSON report with one contest, or an RCTab
/// configuration (a JSON object with `cvrFileSources`), read with [`read_contest`].
pub fn read_path(path: &Path, csv_first_vote_column: usize) -> Result<Election, RctabError> {
    let file = path.display().to_string();
    let bytes = fs::read(path).map_err(|error| RctabError::Io {
        file: file.clone(),
        error,
    })?;
    let mut records = Records::new();
    let mut seed: Vec<String> = Vec::new();
    let is_json = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if is_json {
        let text = String::from_utf8(bytes).map_err(|_| err(&file, "line 1", "not UTF-8"))?;
        let probe: Value = serde_json::from_str(&text)
            .map_err(|e| err(&file, format!("line {}", e.line()), e.to_string()))?;
        if probe.get("cvrFileSources").is_some() {
            return read_contest(path).map(|c| c.election);
        }
        read_cdf_str(&text, &file, "", "", &mut records)?;
    } else {
        let first = match csv_first_vote_column {
            0 => first_rank_column(&bytes),
            c => c - 1,
        };
        read_csv_bytes(&bytes, &file, first, "", &mut records)?;
        // Candidates in the header's order.
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(&bytes[..]);
        if let Ok(h) = rdr.headers() {
            seed = h.iter().skip(first).map(|x| x.trim().to_string()).collect();
        }
    }
    bare_election(records, seed, &file)
}

/// For a CSV given without a configuration: the first column holding ranks. Leading columns
/// are record data (id, precinct, batch) if they hold anything but blanks and whole numbers,
/// or — the first column — if its header is empty or mentions an id.
fn first_rank_column(bytes: &[u8]) -> usize {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let Ok(headers) = rdr.headers().cloned() else {
        return 0;
    };
    let mut data_col = vec![false; headers.len()];
    for rec in rdr.records().flatten() {
        for (i, cell) in rec.iter().enumerate().take(headers.len()) {
            let cell = cell.trim();
            if !cell.is_empty() && cell.parse::<u32>().is_err() {
                data_col[i] = true;
            }
        }
    }
    let h0 = headers.get(0).unwrap_or("").trim().to_ascii_lowercase();
    if let Some(d) = data_col.first_mut() {
        *d |= h0.is_empty() || h0 == "id" || h0.ends_with(" id") || h0.ends_with("_id");
    }
    data_col.iter().take_while(|&&d| d).count()
}

fn bare_election(records: Records, seed: Vec<String>, file: &str) -> Result<Election, RctabError> {
    let mut names: Vec<String> = Vec::new();
    let mut ids: HashMap<String, CandidateId> = HashMap::new();
    for n in seed {
        if !n.is_empty() && !ids.contains_key(&n) {
            ids.insert(n.clone(), CandidateId(names.len() as u32));
            names.push(n);
        }
    }
    for (_, _, marks) in &records {
        for (_, m) in marks {
            let n = match m {
                Mark::Name(n) => n.clone(),
                Mark::WriteIn => UNDECLARED_WRITE_INS.to_string(),
            };
            if !ids.contains_key(&n) {
                ids.insert(n.clone(), CandidateId(names.len() as u32));
                names.push(n);
            }
        }
    }
    let mut b = ProfileBuilder::new(
        names
            .iter()
            .map(|n| Candidate { name: n.clone() })
            .collect(),
    )
    .map_err(|e| err(file, "candidates", e.to_string()))?;
    for (rfile, at, marks) in &records {
        let mut ranks: Vec<Vec<CandidateId>> = Vec::new();
        for (rank, m) in marks {
            let n = match m {
                Mark::Name(n) => n.as_str(),
                Mark::WriteIn => UNDECLARED_WRITE_INS,
            };
            let c = ids[n];
            if *rank == 0 {
                return Err(err(rfile, at.clone(), "ranks start at 1"));
            }
            let r = *rank as usize;
            if r > 10_000 {
                return Err(err(
                    rfile,
                    at.clone(),
                    format!("rank {rank} is implausibly high"),
                ));
            }
            if ranks.len() < r {
                ranks.resize(r, Vec::new());
            }
            if !ranks[r - 1].contains(&c) {
                ranks[r - 1].push(c);
            }
        }
        let ranks = resolve_duplicates(ranks, false, OvervoteRule::ExhaustImmediately, None)
            .map_err(|m| err(rfile, at.clone(), m))?;
        push_record(&mut b, &ranks).map_err(|e| err(rfile, at.clone(), e.to_string()))?;
    }
    let title = Path::new(file)
        .file_stem()
        .map_or_else(|| file.to_string(), |s| s.to_string_lossy().into_owned());
    Ok(Election {
        title,
        seats: 1,
        profile: b.build(),
        withdrawn: Vec::new(),
    })
}

/// The path a configuration's source resolves to (for reports of what was read).
pub fn source_paths(config_path: &Path) -> Result<Vec<(String, PathBuf)>, RctabError> {
    let file = config_path.display().to_string();
    let text = fs::read_to_string(config_path).map_err(|error| RctabError::Io {
        file: file.clone(),
        error,
    })?;
    let json: Value = serde_json::from_str(&text)
        .map_err(|e| err(&file, format!("line {}", e.line()), e.to_string()))?;
    let base = config_path.parent().unwrap_or(Path::new("."));
    Ok(json
        .get("cvrFileSources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|s| {
            (
                str_field(s, "provider").to_string(),
                base.join(str_field(s, "filePath")),
            )
        })
        .collect())
}

/// Adds one cast-vote record (candidates at each rank; an empty rank is skipped) to the
/// profile as one ballot; trailing empty ranks are dropped.
fn push_record(
    builder: &mut ProfileBuilder,
    ranks: &[Vec<CandidateId>],
) -> Result<(), scrutin_core::model::ProfileError> {
    builder.begin();
    let last = ranks
        .iter()
        .rposition(|r| !r.is_empty())
        .map_or(0, |p| p + 1);
    for r in &ranks[..last] {
        if r.is_empty() {
            builder.skip();
        }
        for (j, &c) in r.iter().enumerate() {
            builder.rank(c, j > 0)?;
        }
    }
    builder.finish(Weight::ONE)
}

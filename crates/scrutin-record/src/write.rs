//! Writing the record: [`write_record`] checks what the server declares against a recount of
//! the box, then writes the directory and signs its manifest; [`write_archive`] packs it in
//! one tar file.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::Path;

use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha256};

use scrutin_core::report::Report;

use crate::chain::{self, BallotChannel, Entry};
use crate::contest::{tally, ContestSpec, TallyError};
use crate::exports;
use crate::files::{self, RecordFiles};
use crate::keys::{self, KeyError};
use crate::manifest::{
    BallotsInfo, BoxInfo, ConstitutionInfo, ContestRecord, ElectionInfo, FileHash, Manifest,
    Polling, RollInfo, Turnout, FORMAT,
};
use crate::{hex, merkle};

/// What the server hands over once the count is done.
#[derive(Clone, Debug)]
pub struct RecordInput {
    /// The election's id: the chain's genesis is taken over it.
    pub election_id: String,
    pub title: String,
    /// The organisation holding the election.
    pub body: String,
    /// The constitution, as TOML text (published as `constitution.toml`).
    pub constitution: String,
    /// The fingerprint of the roll as imported, and the members on it.
    pub roll_fingerprint: String,
    pub roll_members: u64,
    /// When polling opened and closed, as declared.
    pub opened: Option<String>,
    pub closed: Option<String>,
    pub contests: Vec<ContestInput>,
    /// The ballot box in chain order, replaced entries included.
    pub entries: Vec<Entry>,
}

/// One contest as the server declares it.
#[derive(Clone, Debug)]
pub struct ContestInput {
    pub spec: ContestSpec,
    /// Members entitled to vote in it.
    pub electors: u64,
    /// Counted ballots that came online, and by post.
    pub online: u64,
    pub postal: u64,
    /// Postal papers returned but rejected at entry (not ballots; published with the turnout).
    pub rejected_postal: u64,
    /// The declared count.
    pub report: Report,
}

/// Why a record cannot be written or read.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// A file could not be read or written.
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    /// A file of a record is malformed: `at` names the file, and the line where there is one.
    #[error("{at}: {message}")]
    Format { at: String, message: String },
    /// The input contradicts itself or the rules of the record (a tracker used twice, a
    /// ballot for an unknown contest, turnout that is not the counted ballots, …).
    #[error("{0}")]
    Invalid(String),
    /// A contest cannot be counted.
    #[error(transparent)]
    Tally(#[from] TallyError),
    /// The declared count is not what a recount of the box gives.
    #[error(
        "contest {contest}: the declared result is not the recount of its ballots: {difference}"
    )]
    ResultMismatch { contest: String, difference: String },
    #[error(transparent)]
    Key(#[from] KeyError),
}

fn invalid(s: impl Into<String>) -> RecordError {
    RecordError::Invalid(s.into())
}

/// Whether a contest id can name files (`results/<id>.json`): ASCII letters, digits, `.`, `_`
/// and `-`, not starting with `.`.
pub(crate) fn file_safe(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Which entries count, given the box in chain order: every entry, unless a later entry of the
/// same contest replaces its tracker. Checks that trackers are unique and that each
/// `replaces` names an earlier entry of the same contest, not already replaced; `at(i)` names
/// entry `i` in messages.
pub(crate) fn counted_flags(
    entries: &[&Entry],
    at: impl Fn(usize) -> String,
) -> Result<Vec<bool>, String> {
    let mut by_tracker: HashMap<&str, usize> = HashMap::with_capacity(entries.len());
    let mut replaced_by: HashMap<usize, usize> = HashMap::new();
    let mut counted = vec![true; entries.len()];
    for (i, e) in entries.iter().enumerate() {
        if let Some(old) = &e.replaces {
            let Some(&j) = by_tracker.get(old.as_str()) else {
                return Err(format!(
                    "{}: replaces ballot {old}, which is not an earlier ballot in the box",
                    at(i)
                ));
            };
            if entries[j].contest != e.contest {
                return Err(format!(
                    "{}: replaces ballot {old}, which is a ballot of contest {}, not {}",
                    at(i),
                    entries[j].contest,
                    e.contest
                ));
            }
            if let Some(&k) = replaced_by.get(&j) {
                return Err(format!(
                    "{}: replaces ballot {old}, which {} already replaced",
                    at(i),
                    at(k)
                ));
            }
            replaced_by.insert(j, i);
            counted[j] = false;
        }
        if let Some(j) = by_tracker.insert(e.tracker.as_str(), i) {
            return Err(format!(
                "{}: tracker {} is also the tracker of {}; a tracker names one ballot",
                at(i),
                e.tracker,
                at(j)
            ));
        }
    }
    Ok(counted)
}

/// A uniformly random permutation of `0..n` from the operating system's generator,
/// redrawn if it is the identity (for `n ≥ 3`): the published order must not be the order of
/// the box.
pub(crate) fn shuffle(n: usize) -> Result<Vec<usize>, RecordError> {
    loop {
        let order = crate::random_permutation(n)
            .map_err(|e| invalid(format!("the system's random number generator failed: {e}")))?;
        if n < 3 || order.iter().enumerate().any(|(i, &j)| i != j) {
            return Ok(order);
        }
    }
}

/// SHA-256 of bytes, hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The record's paths for a contest.
pub(crate) fn result_path(id: &str) -> String {
    format!("results/{id}.json")
}
pub(crate) fn export_paths(id: &str) -> [String; 3] {
    [
        format!("exports/{id}.blt"),
        format!("exports/{id}.rctab-summary.json"),
        format!("exports/{id}.csv"),
    ]
}

/// The three exports of a contest, in the order of [`export_paths`].
pub(crate) fn contest_exports(
    manifest: &Manifest,
    spec: &ContestSpec,
    report: &Report,
    counted: &[&Entry],
) -> [Vec<u8>; 3] {
    let context = exports::SummaryContext {
        title: &manifest.election.title,
        body: &manifest.election.body,
        date: manifest.polling.closed.as_deref(),
        ballots: counted.len() as u64,
    };
    [
        exports::blt(spec, &report.title, counted.iter().copied()).into_bytes(),
        exports::rctab_summary(&context, spec, report).into_bytes(),
        exports::csv(spec, counted.iter().copied()).into_bytes(),
    ]
}

/// A report as `results/<id>.json` holds it: pretty JSON and a line feed.
pub(crate) fn report_bytes(report: &Report) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(report).expect("a report always serialises");
    v.push(b'\n');
    v
}

/// The lines of `chain.txt`: each leaf as 64 hex digits and a line feed, in box order.
pub(crate) fn chain_text(leaves: &[chain::Digest32]) -> String {
    let mut s = String::with_capacity(leaves.len() * 65);
    for l in leaves {
        s.push_str(&hex(l));
        s.push('\n');
    }
    s
}

/// The signature file's content: the Ed25519 signature over the exact bytes of
/// `manifest.json`, as 128 hex digits and a line feed.
pub fn sign(manifest_json: &[u8], key: &SigningKey) -> String {
    format!("{}\n", hex(&key.sign(manifest_json).to_bytes()))
}

/// Checks the input against a recount and builds every file of the record, the manifest and
/// its signature included.
fn build(
    input: &RecordInput,
    key: &SigningKey,
) -> Result<(Manifest, BTreeMap<String, Vec<u8>>), RecordError> {
    if input.election_id.is_empty() {
        return Err(invalid(
            "the election id is empty: the chain's genesis is taken over it",
        ));
    }
    let mut specs: HashMap<&str, &ContestInput> = HashMap::new();
    for c in &input.contests {
        if !file_safe(&c.spec.id) {
            return Err(invalid(format!(
                "contest id {:?}: a contest id names the record's files, so it is made of ASCII \
                 letters, digits, '.', '_' and '-' and does not start with '.'",
                c.spec.id
            )));
        }
        if specs.insert(&c.spec.id, c).is_some() {
            return Err(invalid(format!("contest {} is given twice", c.spec.id)));
        }
    }

    // Every entry fits its contest's paper, as the box accepted it.
    let at = |i: usize| format!("entry {} (tracker {})", i + 1, input.entries[i].tracker);
    for (i, e) in input.entries.iter().enumerate() {
        e.check_fields()
            .map_err(|m| invalid(format!("{}: {m}", at(i))))?;
        let Some(c) = specs.get(e.contest.as_str()) else {
            return Err(invalid(format!(
                "{}: a ballot for contest {}, which is not among the contests",
                at(i),
                e.contest
            )));
        };
        check_paper(&c.spec, e).map_err(|m| invalid(format!("{}: {m}", at(i))))?;
    }
    let in_chain: Vec<&Entry> = input.entries.iter().collect();
    let counted = counted_flags(&in_chain, at).map_err(invalid)?;
    let leaves: Vec<chain::Digest32> = input.entries.iter().map(Entry::leaf).collect();
    let head = chain::head_of(&input.election_id, &leaves);
    let seed = chain::seed_of(&head);

    // Turnout is the counted ballots, by channel.
    for c in &input.contests {
        let (online, postal) = turnout_of(
            input
                .entries
                .iter()
                .zip(&counted)
                .filter(|(e, &k)| k && e.contest == c.spec.id)
                .map(|(e, _)| e),
        );
        if (online, postal) != (c.online, c.postal) {
            return Err(invalid(format!(
                "contest {}: turnout is declared as {} online + {} postal, but the box has {} \
                 online + {} postal counted ballots",
                c.spec.id, c.online, c.postal, online, postal
            )));
        }
        if online + postal > c.electors {
            return Err(invalid(format!(
                "contest {}: {} ballots counted, more than its {} electors",
                c.spec.id,
                online + postal,
                c.electors
            )));
        }
        if c.spec.seed != seed {
            return Err(invalid(format!(
                "contest {}: the lot's seed is {}, but the seed of the closed box is {} \
                 (chain::seed_of its head)",
                c.spec.id, c.spec.seed, seed
            )));
        }
    }

    // The published order, and the recount in it.
    let order = shuffle(input.entries.len())?;
    let published: Vec<&Entry> = order.iter().map(|&i| &input.entries[i]).collect();
    let published_counted: Vec<bool> = order.iter().map(|&i| counted[i]).collect();
    let record_leaves: Vec<chain::Digest32> = order.iter().map(|&i| leaves[i]).collect();

    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut contest_records = Vec::new();
    let mut per_contest: Vec<(Vec<&Entry>, &ContestInput)> = Vec::new();
    for c in &input.contests {
        let ballots: Vec<&Entry> = published
            .iter()
            .zip(&published_counted)
            .filter(|(e, &k)| k && e.contest == c.spec.id)
            .map(|(e, _)| *e)
            .collect();
        let recount = tally(&c.spec, &c.report.title, ballots.iter().map(|e| &e.ballot))?;
        if let Some(difference) = crate::diff::report_difference(&c.report, &recount) {
            return Err(RecordError::ResultMismatch {
                contest: c.spec.id.clone(),
                difference,
            });
        }
        let result = report_bytes(&c.report);
        contest_records.push(ContestRecord {
            spec: c.spec.clone(),
            electors: c.electors,
            turnout: Turnout {
                online: c.online,
                postal: c.postal,
                rejected_postal: c.rejected_postal,
            },
            ballots: ballots.len() as u64,
            elected: c.report.elected.clone(),
            result_file: result_path(&c.spec.id),
            result_sha256: sha256_hex(&result),
        });
        files.insert(result_path(&c.spec.id), result);
        per_contest.push((ballots, c));
    }

    let mut jsonl = String::new();
    for e in &published {
        jsonl.push_str(&e.to_json_line());
        jsonl.push('\n');
    }
    files.insert(
        "constitution.toml".into(),
        input.constitution.clone().into_bytes(),
    );
    files.insert("chain.txt".into(), chain_text(&leaves).into_bytes());
    files.insert("ballots.jsonl".into(), jsonl.into_bytes());

    let mut manifest = Manifest {
        format: FORMAT.to_string(),
        election: ElectionInfo {
            id: input.election_id.clone(),
            title: input.title.clone(),
            body: input.body.clone(),
        },
        public_key: keys::public_key_hex(key),
        constitution: ConstitutionInfo {
            file: "constitution.toml".into(),
            sha256: sha256_hex(input.constitution.as_bytes()),
        },
        roll: RollInfo {
            fingerprint: input.roll_fingerprint.clone(),
            members: input.roll_members,
        },
        polling: Polling {
            opened: input.opened.clone(),
            closed: input.closed.clone(),
        },
        contests: contest_records,
        ballot_box: BoxInfo {
            entries: input.entries.len() as u64,
            head: hex(&head),
            chain_file: "chain.txt".into(),
        },
        ballots: BallotsInfo {
            file: "ballots.jsonl".into(),
            count: published.len() as u64,
            merkle_root: hex(&merkle::root(&record_leaves)),
        },
        files: Vec::new(),
    };
    for (ballots, c) in &per_contest {
        let bytes = contest_exports(&manifest, &c.spec, &c.report, ballots);
        for (path, b) in export_paths(&c.spec.id).into_iter().zip(bytes) {
            files.insert(path, b);
        }
    }
    files.insert("README.txt".into(), readme(&manifest).into_bytes());
    manifest.files = files
        .iter()
        .map(|(path, bytes)| FileHash {
            path: path.clone(),
            sha256: sha256_hex(bytes),
        })
        .collect();
    let manifest_json = manifest.to_bytes();
    files.insert(
        "manifest.sig".into(),
        sign(&manifest_json, key).into_bytes(),
    );
    files.insert("manifest.json".into(), manifest_json);
    Ok((manifest, files))
}

/// Whether a ballot is one the contest's paper allows, written as the box writes it (marks in
/// ascending order).
pub(crate) fn check_paper(spec: &ContestSpec, e: &Entry) -> Result<(), String> {
    let n = spec.candidates.len() as u32;
    let checked = e
        .ballot
        .clone()
        .checked(n, spec.ballot_kind())
        .map_err(|err| format!("ballot {:?}: {err}", e.ballot.to_string()))?;
    if checked != e.ballot {
        return Err(format!(
            "ballot {:?}: marks are written in ballot-paper order ({:?})",
            e.ballot.to_string(),
            checked.to_string()
        ));
    }
    Ok(())
}

/// Counted ballots by channel: (online, postal).
pub(crate) fn turnout_of<'a>(entries: impl Iterator<Item = &'a Entry>) -> (u64, u64) {
    entries.fold((0, 0), |(o, p), e| match e.channel {
        BallotChannel::Online => (o + 1, p),
        BallotChannel::Postal => (o, p + 1),
    })
}

/// Writes the record of an election into `dir` (created if need be; it must be empty), after
/// checking that every ballot fits its paper, that trackers and replacements are sound, that
/// the turnout declared per contest is its counted ballots by channel, that each contest's lot
/// seed is the seed of the closed box, and that each declared report is what a recount of the
/// counted ballots gives. Returns the signed manifest.
pub fn write_record(
    dir: &Path,
    input: &RecordInput,
    key: &SigningKey,
) -> Result<Manifest, RecordError> {
    let io = |path: &Path, e: std::io::Error| RecordError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let (manifest, files) = build(input, key)?;
    fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    if fs::read_dir(dir).map_err(|e| io(dir, e))?.next().is_some() {
        return Err(RecordError::Io {
            path: dir.display().to_string(),
            message: "the record's directory is not empty; a record is written into a new \
                      or empty directory"
                .into(),
        });
    }
    for (path, bytes) in &files {
        let full = dir.join(path);
        if let Some(parent) = full.parent() {
            fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        fs::write(&full, bytes).map_err(|e| io(&full, e))?;
    }
    Ok(manifest)
}

/// Packs the record in `dir` into one tar file at `archive`, every file under a directory
/// named after the archive (`record.tar` → `record/…`), with fixed headers (mode 0644, owner
/// 0, mtime 0) in path order, so that the same record always makes the same archive.
pub fn write_archive(dir: &Path, archive: &Path) -> Result<(), RecordError> {
    let record = RecordFiles::open(dir).map_err(|message| RecordError::Io {
        path: dir.display().to_string(),
        message,
    })?;
    if record.get("manifest.json").is_none() {
        return Err(RecordError::Io {
            path: dir.display().to_string(),
            message: "not an election record (no manifest.json)".into(),
        });
    }
    let stem = archive
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("record");
    let stem = stem.strip_suffix(".tar").unwrap_or(stem);
    let prefix: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let prefix = if prefix.is_empty() || prefix.starts_with('.') {
        format!("record{prefix}")
    } else {
        prefix
    };
    files::write_tar(archive, &prefix, &record.files).map_err(|e| RecordError::Io {
        path: archive.display().to_string(),
        message: e.to_string(),
    })
}

/// `README.txt`: how to check the record, for a person opening it.
pub(crate) fn readme(m: &Manifest) -> String {
    let contests: Vec<String> = m
        .contests
        .iter()
        .map(|c| format!("  - {} ({}): {}", c.spec.name, c.spec.id, c.spec.method))
        .collect();
    format!(
        "\
{title}
{body}
Election record, format {format} (election id {id})

This directory is the public record of the election: the rules and candidates of every
contest, every ballot (anonymised, in a shuffled order), the ballot box's hash chain, and the
declared results stage by stage. Anyone can recount it.

Contests:
{contests}

Files:
  manifest.json      what the election was and declared, and the SHA-256 of every other file
  manifest.sig       the returning officer's Ed25519 signature over manifest.json, in hex
  constitution.toml  the constitution the election was held under
  ballots.jsonl      every ballot accepted into the box, one JSON object a line
  chain.txt          the leaf hash of every ballot, in the order the box accepted them
  results/*.json     each contest's declared count, stage by stage
  exports/*          each contest's ballots as BLT and CSV, and its count in RCTab's shape

How to check it:
  1. Compare the public key in manifest.json,
       {key}
     with the one the returning officer published before polling opened.
  2. Run `scrutin verify` on this directory (or its .tar), giving it that published key
     and, if you noted it, the head shown when polling closed. It checks the signature,
     every hash, the chain and the Merkle root, the turnout, and recounts every contest
     from the ballots under its declared rules.
  3. Look up your tracker to see your ballot as recorded, with a proof that it is in the
     published set: its line in ballots.jsonl carries it.

The head of the ballot box at the close of polling was
  {head}
over {entries} entries; the Merkle root of ballots.jsonl is
  {root}.

Every hash and file is specified byte for byte in scrutin's docs/record.md, so that a
verifier can be written independently.
",
        title = m.election.title,
        body = m.election.body,
        format = m.format,
        id = m.election.id,
        contests = contests.join("\n"),
        key = m.public_key,
        head = m.ballot_box.head,
        entries = m.ballot_box.entries,
        root = m.ballots.merkle_root,
    )
}

//! `scrutin verify`: checks a record from its files alone, trusting nothing it can recompute.
//!
//! In order, stopping at the first discrepancy:
//!
//! 1. **signature**: `manifest.sig` is a valid Ed25519 signature over the bytes of
//!    `manifest.json` under the key the manifest names, and that key is the returning
//!    officer's published key (when given);
//! 2. **files**: every file the manifest lists has the SHA-256 it says, every file a record
//!    must have is listed, and no file is unlisted;
//! 3. **chain**: `chain.txt` rebuilds the head of the box the manifest declares (and the head
//!    published when polling closed, when given);
//! 4. **ballots**: every line of `ballots.jsonl` is a well-formed ballot of a declared contest
//!    that fits its paper, with a tracker of its own; each is the leaf of exactly one line of
//!    `chain.txt` and each line of `chain.txt` is one ballot's leaf; replacements name an
//!    earlier ballot of the same contest;
//! 5. **merkle**: the Merkle root of the ballots in the file's order is the manifest's;
//! 6. **turnout**: the counted ballots of each contest, by channel, are its declared turnout;
//! 7. **recount**: each contest's lot seed is the seed of the box's head, and a recount of
//!    its counted ballots under its declared rules is its declared report (`results/<id>.json`)
//!    and elects the candidates the manifest declares;
//! 8. **exports**: every export regenerated from the ballots and the recount is byte for byte
//!    the one in the record.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

use ed25519_dalek::Signature;

use scrutin_core::report::Report;

use crate::chain::{self, Digest32, Entry};
use crate::contest::tally;
use crate::contest::ContestSpec;
use crate::files::RecordFiles;
use crate::keys::verifying_key_from_hex;
use crate::manifest::{Manifest, FORMAT};
use crate::write::{
    check_paper, contest_exports, counted_flags, export_paths, file_safe, result_path, sha256_hex,
    turnout_of,
};
use crate::{hex, merkle, unhex};

/// What the verifier is told from outside the record.
#[derive(Clone, Debug, Default)]
pub struct VerifyOptions {
    /// The returning officer's public key as published before polling (64 hex digits). Without
    /// it, the signature only shows that the manifest is whole, not who signed it.
    pub public_key: Option<String>,
    /// The head of the ballot box published when polling closed (64 hex digits): the record's
    /// chain must end there. (A head noted earlier, while polling, is refused with the number
    /// of entries accepted after it.)
    pub head: Option<String>,
}

/// Which check found a discrepancy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// Reading the record: a file missing, unreadable or malformed before any check could run.
    Read,
    Signature,
    Files,
    /// Each contest's rules against its section of `constitution.toml`.
    Rules,
    Chain,
    Ballots,
    Merkle,
    Turnout,
    Recount,
    Exports,
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Check::Read => "record",
            Check::Signature => "signature",
            Check::Files => "files",
            Check::Rules => "rules",
            Check::Chain => "chain",
            Check::Ballots => "ballots",
            Check::Merkle => "merkle",
            Check::Turnout => "turnout",
            Check::Recount => "recount",
            Check::Exports => "exports",
        })
    }
}

/// The first thing in the record that is not as it should be.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{check}: {message}")]
pub struct Discrepancy {
    /// The check that failed.
    pub check: Check,
    /// What is wrong, naming the file (and line, contest, hashes) precisely.
    pub message: String,
    /// The checks that passed before it, as [`Verified::checks`] words them.
    pub passed: Vec<String>,
}

/// A record that passed every check.
#[derive(Clone, Debug)]
pub struct Verified {
    /// What was checked, one line each (`signature: valid …`, `files: …`, …).
    pub checks: Vec<String>,
    /// The verified manifest.
    pub manifest: Manifest,
}

impl fmt::Display for Verified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.checks {
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}

/// `1,234`.
pub(crate) fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The first 12 hex digits of a hash, for messages.
fn short(h: &str) -> String {
    let cut: String = h.chars().take(12).collect();
    if h.chars().count() > 12 {
        format!("{cut}…")
    } else {
        cut
    }
}

struct Run {
    passed: Vec<String>,
}

impl Run {
    fn fail<T>(&self, check: Check, message: impl Into<String>) -> Result<T, Discrepancy> {
        Err(Discrepancy {
            check,
            message: message.into(),
            passed: self.passed.clone(),
        })
    }
    fn pass(&mut self, line: String) {
        self.passed.push(line);
    }
}

/// A serde_json error as `file line L column C: what`.
pub(crate) fn json_error(file: &str, e: &serde_json::Error) -> String {
    let text = e.to_string();
    let what = text.rsplit_once(" at line ").map_or(text.as_str(), |p| p.0);
    format!("{file} line {} column {}: {what}", e.line(), e.column())
}

/// 32 bytes of 64 hex digits.
pub(crate) fn digest_of(s: &str) -> Option<Digest32> {
    if s.len() != 64 {
        return None;
    }
    unhex(s).and_then(|v| v.try_into().ok())
}

/// Reads the lines of a text file: UTF-8, each line ended by a line feed. `Err((line,
/// message))`.
pub(crate) fn lines_of(bytes: &[u8]) -> Result<Vec<&str>, (usize, String)> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        (line, "not UTF-8 text".to_string())
    })?;
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let Some(body) = text.strip_suffix('\n') else {
        let line = text.split('\n').count();
        return Err((
            line,
            "the last line has no line feed (truncated file?)".into(),
        ));
    };
    Ok(body.split('\n').collect())
}

/// Reads `ballots.jsonl`: its entries in file order.
pub(crate) fn parse_ballots(bytes: &[u8]) -> Result<Vec<Entry>, (usize, String)> {
    let lines = lines_of(bytes)?;
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            return Err((i + 1, "an empty line".into()));
        }
        out.push(Entry::from_json_line(line).map_err(|m| (i + 1, m))?);
    }
    Ok(out)
}

/// Verifies the record at `path` (its directory, or its tar archive).
pub fn verify(path: &Path, options: &VerifyOptions) -> Result<Verified, Discrepancy> {
    let mut run = Run { passed: Vec::new() };
    let record = match RecordFiles::open(path) {
        Ok(r) => r,
        Err(m) => return run.fail(Check::Read, m),
    };
    let Some(manifest_bytes) = record.get("manifest.json") else {
        return run.fail(
            Check::Read,
            "manifest.json is missing: this is not an election record",
        );
    };
    let manifest: Manifest = match serde_json::from_slice(manifest_bytes) {
        Ok(m) => m,
        Err(e) => return run.fail(Check::Read, json_error("manifest.json", &e)),
    };
    if manifest.format != FORMAT {
        return run.fail(
            Check::Read,
            format!(
                "manifest.json: format {:?}; this verifier reads {FORMAT:?}",
                manifest.format
            ),
        );
    }

    // 1. The signature, before anything the manifest says is believed.
    let key = match verifying_key_from_hex(&manifest.public_key) {
        Ok(k) => k,
        Err(e) => return run.fail(Check::Signature, format!("manifest.json: public_key: {e}")),
    };
    let published = match &options.public_key {
        None => false,
        Some(p) => {
            let expected = match verifying_key_from_hex(p) {
                Ok(k) => k,
                Err(e) => {
                    return run.fail(Check::Signature, format!("the published key given: {e}"))
                }
            };
            if expected != key {
                return run.fail(
                    Check::Signature,
                    format!(
                        "manifest.json names public key {}, not the returning officer's \
                         published key {}: this record was not signed by the returning officer",
                        manifest.public_key,
                        hex(expected.as_bytes())
                    ),
                );
            }
            true
        }
    };
    let Some(sig_bytes) = record.get("manifest.sig") else {
        return run.fail(Check::Signature, "manifest.sig is missing");
    };
    let sig_text = std::str::from_utf8(sig_bytes).unwrap_or("");
    let sig_text = sig_text.strip_suffix('\n').unwrap_or(sig_text);
    let sig =
        match unhex(sig_text).and_then(|b| <[u8; 64]>::try_from(b).ok()) {
            Some(b) => Signature::from_bytes(&b),
            None => return run.fail(
                Check::Signature,
                "manifest.sig: expected one line of 128 hex digits (a 64-byte Ed25519 signature)",
            ),
        };
    if key.verify_strict(manifest_bytes, &sig).is_err() {
        return run.fail(
            Check::Signature,
            format!(
                "manifest.sig is not a valid signature of manifest.json under public key {}: \
                 manifest.json (or manifest.sig) was changed after it was signed",
                manifest.public_key
            ),
        );
    }
    run.pass(if published {
        format!(
            "signature: valid, by the returning officer's published key {}",
            short(&manifest.public_key)
        )
    } else {
        format!(
            "signature: valid under the key manifest.json names, {}; no published key was \
             given to compare it with, so this shows the manifest is whole, not who signed it",
            short(&manifest.public_key)
        )
    });

    // 2. Files.
    check_files(&mut run, &record, &manifest)?;

    // 2b. Each contest's rules are its section's in the published constitution.
    check_rules(&mut run, &record, &manifest)?;

    // 3. The chain.
    let chain_lines = match lines_of(record.get("chain.txt").unwrap_or_default()) {
        Ok(l) => l,
        Err((line, m)) => return run.fail(Check::Chain, format!("chain.txt line {line}: {m}")),
    };
    let mut chain_leaves: Vec<Digest32> = Vec::with_capacity(chain_lines.len());
    for (i, line) in chain_lines.iter().enumerate() {
        match digest_of(line).filter(|_| line.bytes().all(|b| !b.is_ascii_uppercase())) {
            Some(d) => chain_leaves.push(d),
            None => {
                return run.fail(
                    Check::Chain,
                    format!(
                        "chain.txt line {}: expected a leaf hash, 64 lower-case hex digits",
                        i + 1
                    ),
                )
            }
        }
    }
    if chain_leaves.len() as u64 != manifest.ballot_box.entries {
        return run.fail(
            Check::Chain,
            format!(
                "chain.txt has {} entries, manifest.json declares {}",
                chain_leaves.len(),
                manifest.ballot_box.entries
            ),
        );
    }
    let mut heads = Vec::with_capacity(chain_leaves.len() + 1);
    let mut head = chain::genesis(&manifest.election.id);
    heads.push(head);
    for leaf in &chain_leaves {
        head = chain::next(&head, leaf);
        heads.push(head);
    }
    if hex(&head) != manifest.ballot_box.head {
        return run.fail(
            Check::Chain,
            format!(
                "the head of chain.txt from the genesis of election {:?} is {}, manifest.json \
                 declares {}",
                manifest.election.id,
                hex(&head),
                manifest.ballot_box.head
            ),
        );
    }
    let mut chain_line = format!(
        "chain: {} entries from the genesis of election {:?}; head {} as declared",
        thousands(chain_leaves.len() as u64),
        manifest.election.id,
        short(&manifest.ballot_box.head)
    );
    if let Some(observed) = &options.head {
        let Some(wanted) = digest_of(&observed.to_ascii_lowercase()) else {
            return run.fail(
                Check::Chain,
                format!("the published head given, {observed:?}, is not 64 hex digits"),
            );
        };
        match heads.iter().rposition(|h| *h == wanted) {
            Some(k) if k == chain_leaves.len() => {
                chain_line.push_str(", and as published when polling closed")
            }
            Some(k) => {
                return run.fail(
                    Check::Chain,
                    format!(
                        "the published head {observed} is the head after entry {} of {}: the \
                         box accepted {} more after it (if it was noted when polling closed, \
                         ballots were added after the close)",
                        thousands(k as u64),
                        thousands(chain_leaves.len() as u64),
                        thousands((chain_leaves.len() - k) as u64)
                    ),
                )
            }
            None => {
                return run.fail(
                    Check::Chain,
                    format!(
                        "the published head {observed} is not a head of this box: the record's \
                         chain ends at {} and passes through no such head, so the box was \
                         changed after that head was shown",
                        manifest.ballot_box.head
                    ),
                )
            }
        }
    }
    run.pass(chain_line);

    // 4. Ballots.
    let entries = match parse_ballots(record.get("ballots.jsonl").unwrap_or_default()) {
        Ok(e) => e,
        Err((line, m)) => {
            return run.fail(Check::Ballots, format!("ballots.jsonl line {line}: {m}"))
        }
    };
    let at = |i: usize| {
        format!(
            "ballots.jsonl line {} (tracker {})",
            i + 1,
            entries[i].tracker
        )
    };
    if entries.len() as u64 != manifest.ballots.count {
        return run.fail(
            Check::Ballots,
            format!(
                "ballots.jsonl has {} ballots, manifest.json declares {}",
                entries.len(),
                manifest.ballots.count
            ),
        );
    }
    let mut trackers: HashMap<&str, usize> = HashMap::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        let Some(c) = manifest.contest(&e.contest) else {
            return run.fail(
                Check::Ballots,
                format!(
                    "{}: contest {:?} is not a contest of the manifest",
                    at(i),
                    e.contest
                ),
            );
        };
        if let Err(m) = check_paper(&c.spec, e) {
            return run.fail(Check::Ballots, format!("{}: {m}", at(i)));
        }
        if let Some(j) = trackers.insert(&e.tracker, i) {
            return run.fail(
                Check::Ballots,
                format!(
                    "{}: the tracker is also on line {}; a tracker names one ballot",
                    at(i),
                    j + 1
                ),
            );
        }
    }
    let leaves: Vec<Digest32> = entries.iter().map(Entry::leaf).collect();
    // Each ballot is the leaf of exactly one chain entry, and each chain entry one ballot.
    let mut in_chain: HashMap<Digest32, Vec<usize>> = HashMap::with_capacity(chain_leaves.len());
    for (k, l) in chain_leaves.iter().enumerate().rev() {
        in_chain.entry(*l).or_default().push(k);
    }
    let mut position = vec![0usize; entries.len()];
    for (i, l) in leaves.iter().enumerate() {
        match in_chain.get_mut(l).and_then(Vec::pop) {
            Some(k) => position[i] = k,
            None => {
                return run.fail(
                    Check::Ballots,
                    format!(
                        "{}: not in the ballot box: its leaf {} is on no line of chain.txt \
                         (a ballot changed or added after polling)",
                        at(i),
                        hex(l)
                    ),
                )
            }
        }
    }
    if let Some(k) = in_chain.values().flatten().copied().min() {
        return run.fail(
            Check::Ballots,
            format!(
                "chain.txt line {}: the box accepted a ballot with leaf {} that is not in \
                 ballots.jsonl (a ballot removed after polling)",
                k + 1,
                hex(&chain_leaves[k])
            ),
        );
    }
    // Replacements, in the box's order.
    let mut by_position: Vec<usize> = (0..entries.len()).collect();
    by_position.sort_by_key(|&i| position[i]);
    let chain_order: Vec<&Entry> = by_position.iter().map(|&i| &entries[i]).collect();
    let flags = match counted_flags(&chain_order, |k| at(by_position[k])) {
        Ok(f) => f,
        Err(m) => return run.fail(Check::Ballots, m),
    };
    let mut counted = vec![false; entries.len()];
    for (k, &i) in by_position.iter().enumerate() {
        counted[i] = flags[k];
    }
    let n_counted = counted.iter().filter(|&&c| c).count() as u64;
    let replaced = entries.len() as u64 - n_counted;
    run.pass(format!(
        "ballots: {} in {} contest{}, each well-formed, on its contest's paper and the leaf of \
         exactly one chain entry; {} replaced by a later ballot of the same contest, {} counted",
        thousands(entries.len() as u64),
        manifest.contests.len(),
        if manifest.contests.len() == 1 {
            ""
        } else {
            "s"
        },
        thousands(replaced),
        thousands(n_counted)
    ));

    // 5. The Merkle root, over the file's order.
    let root = hex(&merkle::root(&leaves));
    if root != manifest.ballots.merkle_root {
        return run.fail(
            Check::Merkle,
            format!(
                "the Merkle root of ballots.jsonl in its order is {root}, manifest.json declares \
                 {} (ballots reordered, added or removed)",
                manifest.ballots.merkle_root
            ),
        );
    }
    run.pass(format!(
        "merkle: the root of the {} ballots in the order of ballots.jsonl is {} as declared",
        thousands(entries.len() as u64),
        short(&root)
    ));

    // 6. Turnout.
    let by_contest = |id: &str| -> Vec<&Entry> {
        entries
            .iter()
            .zip(&counted)
            .filter(|(e, &k)| k && e.contest == id)
            .map(|(e, _)| e)
            .collect()
    };
    let mut turnout_lines = Vec::new();
    for c in &manifest.contests {
        let id = &c.spec.id;
        let ballots = by_contest(id);
        let (online, postal) = turnout_of(ballots.iter().copied());
        if online != c.turnout.online {
            return run.fail(
                Check::Turnout,
                format!(
                    "contest {id}: manifest.json declares a turnout of {} online, ballots.jsonl \
                     has {} counted online ballots",
                    c.turnout.online, online
                ),
            );
        }
        if postal != c.turnout.postal {
            return run.fail(
                Check::Turnout,
                format!(
                    "contest {id}: manifest.json declares a turnout of {} postal, ballots.jsonl \
                     has {} counted postal ballots",
                    c.turnout.postal, postal
                ),
            );
        }
        let n = ballots.len() as u64;
        if c.ballots != n {
            return run.fail(
                Check::Turnout,
                format!(
                    "contest {id}: manifest.json declares {} ballots counted, ballots.jsonl has {n}",
                    c.ballots
                ),
            );
        }
        if n > c.electors {
            return run.fail(
                Check::Turnout,
                format!(
                    "contest {id}: {n} ballots counted, more than its {} electors",
                    c.electors
                ),
            );
        }
        turnout_lines.push(format!(
            "{id}: {} ballots = turnout {} online + {} postal, of {} electors",
            thousands(n),
            thousands(online),
            thousands(postal),
            thousands(c.electors)
        ));
    }
    run.pass(format!("turnout: {}", turnout_lines.join("; ")));

    // 7. Recount.
    let seed = chain::seed_of(&head);
    let mut recounts: BTreeMap<&str, Report> = BTreeMap::new();
    for c in &manifest.contests {
        let id = &c.spec.id;
        let file = result_path(id);
        if c.spec.seed != seed {
            return run.fail(
                Check::Recount,
                format!(
                    "contest {id}: the lot's seed is {}, but the seed of the box's head is {seed} \
                     (its first eight bytes): the lot was not drawn from the closed box",
                    c.spec.seed
                ),
            );
        }
        let declared: Report = match serde_json::from_slice(record.get(&file).unwrap_or_default()) {
            Ok(r) => r,
            Err(e) => return run.fail(Check::Recount, json_error(&file, &e)),
        };
        let ballots = by_contest(id);
        let recount = match tally(&c.spec, &declared.title, ballots.iter().map(|e| &e.ballot)) {
            Ok(r) => r,
            Err(e) => {
                return run.fail(Check::Recount, format!("contest {id}: cannot recount: {e}"))
            }
        };
        if let Some(d) = crate::diff::report_difference(&declared, &recount) {
            return run.fail(Check::Recount, format!("{file}: {d}"));
        }
        if c.elected != recount.elected {
            return run.fail(
                Check::Recount,
                format!(
                    "contest {id}: manifest.json declares {} elected, the recount elects {}",
                    names(&c.elected),
                    names(&recount.elected)
                ),
            );
        }
        run.pass(format!(
            "recount: {id} ({}, {} seat{}): the recount of {} ballots elects {} as declared, \
             stage by stage as {file}",
            c.spec.method,
            c.spec.seats,
            if c.spec.seats == 1 { "" } else { "s" },
            thousands(ballots.len() as u64),
            names(&recount.elected)
        ));
        recounts.insert(id, recount);
    }

    // 8. Exports.
    let mut n_exports = 0;
    for c in &manifest.contests {
        let id = c.spec.id.as_str();
        let ballots = by_contest(id);
        let regenerated = contest_exports(&manifest, &c.spec, &recounts[id], &ballots);
        for (path, bytes) in export_paths(id).iter().zip(regenerated) {
            let found = record.get(path).unwrap_or_default();
            if found != bytes.as_slice() {
                return run.fail(Check::Exports, text_difference(path, found, &bytes));
            }
            n_exports += 1;
        }
    }
    run.pass(format!(
        "exports: {n_exports} files regenerated from the ballots and the recount, byte for byte"
    ));

    Ok(Verified {
        checks: run.passed,
        manifest,
    })
}

fn names(list: &[String]) -> String {
    if list.is_empty() {
        "nobody".to_string()
    } else {
        list.join(", ")
    }
}

/// Where a file differs from what it should be: its first differing line.
fn text_difference(path: &str, found: &[u8], expected: &[u8]) -> String {
    let found = String::from_utf8_lossy(found);
    let expected = String::from_utf8_lossy(expected);
    let mut f = found.split('\n');
    let mut e = expected.split('\n');
    let mut line = 1;
    loop {
        match (f.next(), e.next()) {
            (Some(a), Some(b)) if a == b => line += 1,
            (a, b) => {
                return format!(
                    "{path} line {line}: the record has {}, regenerated from the ballots and the \
                     recount it is {}",
                    a.map_or("nothing".to_string(), |s| format!("{s:?}")),
                    b.map_or("nothing".to_string(), |s| format!("{s:?}"))
                )
            }
        }
    }
}

/// Every listed file has its hash, every required file is listed, nothing is unlisted.
/// Rebuilds each contest's rules from its section of `constitution.toml` and compares them
/// with the manifest's: the rules a recount uses are the constitution's, not the manifest's
/// word for them.
fn check_rules(run: &mut Run, record: &RecordFiles, m: &Manifest) -> Result<(), Discrepancy> {
    let text = match std::str::from_utf8(record.get("constitution.toml").unwrap_or_default()) {
        Ok(t) => t,
        Err(e) => return run.fail(Check::Rules, format!("constitution.toml: not UTF-8: {e}")),
    };
    let body = match scrutin_body::Constitution::parse(text, "constitution.toml") {
        Ok(b) => b,
        Err(e) => return run.fail(Check::Rules, e.to_string()),
    };
    for c in &m.contests {
        let Some(section) = body.section(&c.spec.id) else {
            return run.fail(
                Check::Rules,
                format!(
                    "contest {}: constitution.toml has no section {:?}",
                    c.spec.id, c.spec.id
                ),
            );
        };
        let expected = ContestSpec::from_section(section, c.spec.candidates.clone(), c.spec.seed);
        if let Some(d) = c.spec.rules_difference(&expected) {
            return run.fail(
                Check::Rules,
                format!(
                    "contest {}: manifest.json's rules are not constitution.toml's section {}: \
                     {d} (manifest ≠ constitution)",
                    c.spec.id, c.spec.id
                ),
            );
        }
    }
    run.pass(format!(
        "rules: {} contest(s), each with the method, seats, options and constraints of its \
         section in constitution.toml",
        m.contests.len()
    ));
    Ok(())
}

fn check_files(run: &mut Run, record: &RecordFiles, m: &Manifest) -> Result<(), Discrepancy> {
    // The manifest's own structure.
    if m.constitution.file != "constitution.toml"
        || m.ballot_box.chain_file != "chain.txt"
        || m.ballots.file != "ballots.jsonl"
    {
        return run.fail(
            Check::Files,
            "manifest.json: the constitution, chain and ballots files are named \
             constitution.toml, chain.txt and ballots.jsonl in a scrutin-record/1 record",
        );
    }
    let mut required = vec![
        "README.txt".to_string(),
        "ballots.jsonl".to_string(),
        "chain.txt".to_string(),
        "constitution.toml".to_string(),
    ];
    let mut ids = std::collections::HashSet::new();
    for c in &m.contests {
        let id = &c.spec.id;
        if !file_safe(id) {
            return run.fail(
                Check::Files,
                format!("manifest.json: contest id {id:?} cannot name the record's files"),
            );
        }
        if !ids.insert(id.as_str()) {
            return run.fail(
                Check::Files,
                format!("manifest.json: contest {id} is declared twice"),
            );
        }
        if c.result_file != result_path(id) {
            return run.fail(
                Check::Files,
                format!(
                    "manifest.json: contest {id}'s result_file is {:?}, not {:?}",
                    c.result_file,
                    result_path(id)
                ),
            );
        }
        required.push(result_path(id));
        required.extend(export_paths(id));
    }
    let mut listed: BTreeMap<&str, &str> = BTreeMap::new();
    for f in &m.files {
        if f.path == "manifest.json" || f.path == "manifest.sig" {
            return run.fail(
                Check::Files,
                format!("manifest.json lists {}, which cannot hash itself", f.path),
            );
        }
        if listed.insert(&f.path, &f.sha256).is_some() {
            return run.fail(
                Check::Files,
                format!("manifest.json lists {} twice", f.path),
            );
        }
    }
    for r in &required {
        if !listed.contains_key(r.as_str()) {
            return run.fail(
                Check::Files,
                format!("manifest.json lists no hash for {r}, which every record has"),
            );
        }
    }
    let also = |path: &str, declared: &str, what: &str| -> Option<String> {
        (listed.get(path) != Some(&declared)).then(|| {
            format!(
                "manifest.json: {what} declares SHA-256 {declared} for {path}, its files list {}",
                listed.get(path).copied().unwrap_or("nothing")
            )
        })
    };
    if let Some(msg) = also("constitution.toml", &m.constitution.sha256, "constitution") {
        return run.fail(Check::Files, msg);
    }
    for c in &m.contests {
        if let Some(msg) = also(
            &c.result_file,
            &c.result_sha256,
            &format!("contest {}", c.spec.id),
        ) {
            return run.fail(Check::Files, msg);
        }
    }
    for (path, declared) in &listed {
        let Some(bytes) = record.get(path) else {
            return run.fail(
                Check::Files,
                format!("{path} is listed in manifest.json but missing from the record"),
            );
        };
        let found = sha256_hex(bytes);
        if found != *declared {
            return run.fail(
                Check::Files,
                format!(
                    "{path}: SHA-256 {found}, manifest.json declares {declared} (the file was \
                     changed after the manifest was signed)"
                ),
            );
        }
    }
    for path in record.files.keys() {
        if path != "manifest.json" && path != "manifest.sig" && !listed.contains_key(path.as_str())
        {
            return run.fail(
                Check::Files,
                format!("{path} is in the record but not listed in manifest.json"),
            );
        }
    }
    run.pass(format!(
        "files: {} listed files, every SHA-256 matches; none missing, none unlisted",
        listed.len()
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1234), "1,234");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(lines_of(b"a\nb\n").unwrap(), vec!["a", "b"]);
        assert_eq!(lines_of(b"").unwrap(), Vec::<&str>::new());
        assert_eq!(lines_of(b"a\nb").unwrap_err().0, 2);
        assert_eq!(lines_of(b"a\n\xff\n").unwrap_err().0, 2);
        assert_eq!(parse_ballots(b"{}\n").unwrap_err().0, 1);
        assert_eq!(parse_ballots(b"\n").unwrap_err().1, "an empty line");
    }
}

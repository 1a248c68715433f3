//! Looking up a tracker: the ballot as recorded, and the proof that it is in the published
//! set (its Merkle audit path).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::chain::{Digest32, Entry};
use crate::files::RecordFiles;
use crate::manifest::Manifest;
use crate::verify::{digest_of, json_error, parse_ballots};
use crate::write::RecordError;
use crate::{hex, merkle};

/// A ballot found by its tracker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lookup {
    /// The ballot as recorded.
    pub entry: Entry,
    /// Its position in `ballots.jsonl`, from 0 (its line is `index + 1`): the leaf's index in
    /// the Merkle tree.
    pub index: u64,
    /// Ballots in the tree.
    pub size: u64,
    /// Its leaf, `Entry::leaf`, hex.
    pub leaf: String,
    /// The audit path, leaf first, each hash hex.
    pub proof: Vec<String>,
    /// The root the proof leads to, hex: the manifest's `ballots.merkle_root` for
    /// [`lookup`], the root of the given ballots for [`lookup_in`].
    pub root: String,
    /// Whether it is counted: no later ballot of the same contest replaces it.
    pub counted: bool,
    /// The tracker of the ballot that replaces it, if one does.
    pub replaced_by: Option<String>,
    /// Whether the proof verifies against `root` (`merkle::verify`).
    pub valid: bool,
}

impl Lookup {
    /// Checks the proof again from its own fields (what a voter's own software does).
    pub fn verify(&self) -> bool {
        let parse = |s: &str| digest_of(s);
        let (Some(root), Some(leaf)) = (parse(&self.root), parse(&self.leaf)) else {
            return false;
        };
        let Some(proof) = self
            .proof
            .iter()
            .map(|p| parse(p))
            .collect::<Option<Vec<_>>>()
        else {
            return false;
        };
        leaf == self.entry.leaf() && merkle::verify(&leaf, self.index, self.size, &proof, &root)
    }
}

/// Looks up `tracker` among ballots held in record order (the order of `ballots.jsonl`), as
/// the web server holds them; `None` if no ballot has it.
pub fn lookup_in(entries: &[Entry], tracker: &str) -> Option<Lookup> {
    let index = entries.iter().position(|e| e.tracker == tracker)?;
    let leaves: Vec<Digest32> = entries.iter().map(Entry::leaf).collect();
    let root = merkle::root(&leaves);
    Some(found(entries, &leaves, index, root))
}

fn found(entries: &[Entry], leaves: &[Digest32], index: usize, root: Digest32) -> Lookup {
    let entry = entries[index].clone();
    let replaced_by = entries
        .iter()
        .find(|e| e.contest == entry.contest && e.replaces.as_deref() == Some(&entry.tracker))
        .map(|e| e.tracker.clone());
    let proof = merkle::proof(leaves, index);
    let valid = merkle::verify(
        &leaves[index],
        index as u64,
        leaves.len() as u64,
        &proof,
        &root,
    );
    Lookup {
        entry,
        index: index as u64,
        size: leaves.len() as u64,
        leaf: hex(&leaves[index]),
        proof: proof.iter().map(|p| hex(p)).collect(),
        root: hex(&root),
        counted: replaced_by.is_none(),
        replaced_by,
        valid,
    }
}

/// Looks up `tracker` in the record at `path` (its directory or tar archive). The proof is
/// checked against the root the signed manifest declares (`valid`); the record as a whole is
/// [`crate::verify`]'s business. `Ok(None)`: no ballot has this tracker.
pub fn lookup(path: &Path, tracker: &str) -> Result<Option<Lookup>, RecordError> {
    let record = RecordFiles::open(path).map_err(|message| RecordError::Io {
        path: path.display().to_string(),
        message,
    })?;
    let missing = |file: &str| RecordError::Format {
        at: file.to_string(),
        message: "missing from the record".into(),
    };
    let manifest: Manifest = serde_json::from_slice(
        record
            .get("manifest.json")
            .ok_or_else(|| missing("manifest.json"))?,
    )
    .map_err(|e| {
        let m = json_error("manifest.json", &e);
        let (at, message) = m.split_once(": ").unwrap_or((&m, ""));
        RecordError::Format {
            at: at.to_string(),
            message: message.to_string(),
        }
    })?;
    let entries = parse_ballots(
        record
            .get("ballots.jsonl")
            .ok_or_else(|| missing("ballots.jsonl"))?,
    )
    .map_err(|(line, message)| RecordError::Format {
        at: format!("ballots.jsonl line {line}"),
        message,
    })?;
    let Some(index) = entries.iter().position(|e| e.tracker == tracker) else {
        return Ok(None);
    };
    let root = digest_of(&manifest.ballots.merkle_root).ok_or_else(|| RecordError::Format {
        at: "manifest.json".into(),
        message: format!(
            "ballots.merkle_root {:?} is not 64 hex digits",
            manifest.ballots.merkle_root
        ),
    })?;
    let leaves: Vec<Digest32> = entries.iter().map(Entry::leaf).collect();
    Ok(Some(found(&entries, &leaves, index, root)))
}

//! The record's manifest (`manifest.json`): what the election was, what it declared, and the
//! SHA-256 of every other file. `manifest.sig` holds the returning officer's Ed25519
//! signature over the exact bytes of `manifest.json` (docs/record.md).

use serde::{Deserialize, Serialize};

use crate::contest::ContestSpec;

/// The format this crate writes and verifies.
pub const FORMAT: &str = "scrutin-record/1";

/// The manifest, as `manifest.json` holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: String,
    pub election: ElectionInfo,
    /// The returning officer's Ed25519 public key (64 hex digits), published before polling.
    pub public_key: String,
    pub constitution: ConstitutionInfo,
    pub roll: RollInfo,
    /// When polling opened and closed, as the election declared them.
    #[serde(default)]
    pub polling: Polling,
    pub contests: Vec<ContestRecord>,
    /// The ballot box's hash chain.
    #[serde(rename = "box")]
    pub ballot_box: BoxInfo,
    pub ballots: BallotsInfo,
    /// Every file of the record but `manifest.json` and `manifest.sig`, sorted by path.
    pub files: Vec<FileHash>,
}

/// Which election this is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElectionInfo {
    /// The election's id: it seeds the chain (`chain::genesis`).
    pub id: String,
    pub title: String,
    /// The organisation holding it.
    pub body: String,
}

/// The constitution the election was held under.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConstitutionInfo {
    /// Always `constitution.toml`.
    pub file: String,
    /// Its SHA-256, hex.
    pub sha256: String,
}

/// The roll of electors, without personal data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollInfo {
    /// The fingerprint of the roll as imported (the store's hash of it).
    pub fingerprint: String,
    /// Members on the roll.
    pub members: u64,
}

/// When polling opened and closed (free text, ISO 8601 by convention).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Polling {
    pub opened: Option<String>,
    pub closed: Option<String>,
}

/// Ballots counted in a contest, by how they reached the box.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Turnout {
    /// Counted ballots cast online, and by post.
    pub online: u64,
    pub postal: u64,
    /// Postal papers returned (the voter's statement accepted) but rejected at entry —
    /// unmarked, no first preference: in the turnout, not in the box.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rejected_postal: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One contest: its rules and candidates, its electorate and turnout, and what it declared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContestRecord {
    pub spec: ContestSpec,
    /// Members entitled to vote in it.
    pub electors: u64,
    pub turnout: Turnout,
    /// Ballots counted (`turnout.online + turnout.postal`).
    pub ballots: u64,
    /// The candidates declared elected, in order of election; every other candidate on the
    /// paper was not elected.
    pub elected: Vec<String>,
    /// `results/<id>.json`: the declared count, stage by stage (docs/report-schema.md).
    pub result_file: String,
    pub result_sha256: String,
}

/// The ballot box's hash chain (`chain::head_of`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoxInfo {
    /// Entries accepted into the box, replaced ones included.
    pub entries: u64,
    /// The head after the last entry, hex.
    pub head: String,
    /// Always `chain.txt`.
    pub chain_file: String,
}

/// The published ballots.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BallotsInfo {
    /// Always `ballots.jsonl`.
    pub file: String,
    pub count: u64,
    /// The RFC 6962 Merkle tree hash over the leaves in the file's order, hex.
    pub merkle_root: String,
}

/// A file of the record and its SHA-256.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileHash {
    /// Relative to the record's root, `/`-separated.
    pub path: String,
    pub sha256: String,
}

impl Manifest {
    /// The contest with this id.
    pub fn contest(&self, id: &str) -> Option<&ContestRecord> {
        self.contests.iter().find(|c| c.spec.id == id)
    }

    /// The manifest's bytes as written to `manifest.json`: pretty JSON and a line feed.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).expect("a manifest always serialises");
        v.push(b'\n');
        v
    }
}

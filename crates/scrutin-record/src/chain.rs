//! The ballot box while polling: an append-only hash chain. Each accepted ballot is an
//! [`Entry`]; its leaf hash commits to the entry, and the new head commits to the previous
//! head and the leaf, so changing, removing or reordering any accepted ballot changes every
//! later head. The head is shown on the public status page while voting goes on.
//!
//! Byte for byte (docs/record.md):
//! - `line  = contest TAB tracker TAB channel TAB replaces TAB ballot` (UTF-8; `replaces`
//!   empty unless the entry replaces an earlier ballot under the last-ballot-counts policy)
//! - `leaf  = SHA-256("scrutin-ballot/1" LF line)`
//! - `head0 = SHA-256("scrutin-chain/1" LF election-id)`
//! - `headN = SHA-256(head(N-1) ‖ leafN)` over the raw 32-byte digests.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ballot::Ballot;

/// How a ballot reached the box.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BallotChannel {
    Online,
    Postal,
}

impl BallotChannel {
    pub fn name(self) -> &'static str {
        match self {
            BallotChannel::Online => "online",
            BallotChannel::Postal => "postal",
        }
    }
    pub fn from_name(s: &str) -> Option<BallotChannel> {
        match s {
            "online" => Some(BallotChannel::Online),
            "postal" => Some(BallotChannel::Postal),
            _ => None,
        }
    }
}

/// One accepted ballot as the box holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The contest (the body's section id).
    pub contest: String,
    /// The voter's receipt: a random code that names this ballot and nothing else.
    pub tracker: String,
    pub channel: BallotChannel,
    /// The tracker of the ballot this one replaces (last ballot counts), if any.
    pub replaces: Option<String>,
    pub ballot: Ballot,
}

pub type Digest32 = [u8; 32];

impl Entry {
    /// The line the leaf hash is taken over.
    pub fn line(&self) -> String {
        format!(
            "{}\t{}\t{}\t{}\t{}",
            self.contest,
            self.tracker,
            self.channel.name(),
            self.replaces.as_deref().unwrap_or(""),
            self.ballot
        )
    }

    /// `SHA-256("scrutin-ballot/1" LF line)`.
    pub fn leaf(&self) -> Digest32 {
        let mut h = Sha256::new();
        h.update(b"scrutin-ballot/1\n");
        h.update(self.line().as_bytes());
        h.finalize().into()
    }
}

/// The head of an empty box: `SHA-256("scrutin-chain/1" LF election-id)`.
pub fn genesis(election: &str) -> Digest32 {
    let mut h = Sha256::new();
    h.update(b"scrutin-chain/1\n");
    h.update(election.as_bytes());
    h.finalize().into()
}

/// The head after appending `leaf` to a box whose head was `head`.
pub fn next(head: &Digest32, leaf: &Digest32) -> Digest32 {
    let mut h = Sha256::new();
    h.update(head);
    h.update(leaf);
    h.finalize().into()
}

/// The head after appending every leaf, in order, to an empty box.
pub fn head_of<'a>(election: &str, leaves: impl IntoIterator<Item = &'a Digest32>) -> Digest32 {
    leaves
        .into_iter()
        .fold(genesis(election), |head, leaf| next(&head, leaf))
}

/// A lot seed nobody could choose: the first eight bytes of the final head, big-endian.
/// Ties that go to lot in a count of this box are broken by the ChaCha20 permutation drawn
/// from it (docs/tie-breaking.md).
pub fn seed_of(head: &Digest32) -> u64 {
    u64::from_be_bytes(head[..8].try_into().expect("32 bytes"))
}

/// An entry as one line of `ballots.jsonl`: `{"contest":…,"tracker":…,"channel":…,
/// "replaces":…,"ballot":"3 1 2"}`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryJson {
    contest: String,
    tracker: String,
    channel: String,
    #[serde(default)]
    replaces: Option<String>,
    ballot: String,
}

/// Whether a contest id or tracker can stand in a [`Entry::line`] without ambiguity: not
/// empty, and no tab, carriage return or line feed.
fn check_field(what: &str, value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!("the {what} is empty"));
    }
    if value.contains(['\t', '\r', '\n']) {
        return Err(format!(
            "the {what} {value:?} contains a tab or a line break, which would make the leaf's line ambiguous"
        ));
    }
    Ok(())
}

impl Entry {
    /// Checks that the entry's line is unambiguous: contest, tracker and `replaces` are not
    /// empty and hold no tab or line break, and the ballot is not empty. (Whether the ballot
    /// fits the contest's paper is [`crate::ballot::Ballot::checked`]'s business.)
    pub fn check_fields(&self) -> Result<(), String> {
        check_field("contest", &self.contest)?;
        check_field("tracker", &self.tracker)?;
        if let Some(r) = &self.replaces {
            check_field("replaced tracker", r)?;
        }
        if self.ballot.0.is_empty() {
            return Err("the ballot is empty".into());
        }
        Ok(())
    }

    /// The entry as a line of `ballots.jsonl` (without the line feed).
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).expect("an entry always serialises")
    }

    /// Reads a line of `ballots.jsonl`; the error says what is wrong, with the column for
    /// malformed JSON.
    pub fn from_json_line(line: &str) -> Result<Entry, String> {
        serde_json::from_str(line).map_err(|e| {
            let text = e.to_string();
            let what = match text.rsplit_once(" at line ") {
                Some((what, _)) => what.to_string(),
                None => text,
            };
            if e.is_data() {
                what
            } else {
                format!("column {}: {what}", e.column())
            }
        })
    }
}

impl From<&Entry> for EntryJson {
    fn from(e: &Entry) -> Self {
        EntryJson {
            contest: e.contest.clone(),
            tracker: e.tracker.clone(),
            channel: e.channel.name().to_string(),
            replaces: e.replaces.clone(),
            ballot: e.ballot.to_string(),
        }
    }
}

impl TryFrom<EntryJson> for Entry {
    type Error = String;
    fn try_from(j: EntryJson) -> Result<Entry, String> {
        let channel = BallotChannel::from_name(&j.channel).ok_or_else(|| {
            format!(
                "channel {:?} is neither \"online\" nor \"postal\"",
                j.channel
            )
        })?;
        let ballot = Ballot::parse(&j.ballot).map_err(|e| e.to_string())?;
        if ballot.to_string() != j.ballot {
            return Err(format!(
                "ballot {:?} is not written as the box writes it ({:?}: positions separated by single spaces)",
                j.ballot,
                ballot.to_string()
            ));
        }
        let entry = Entry {
            contest: j.contest,
            tracker: j.tracker,
            channel,
            replaces: j.replaces,
            ballot,
        };
        entry.check_fields()?;
        Ok(entry)
    }
}

/// The `ballots.jsonl` form: `{"contest":"clp","tracker":"…","channel":"online",
/// "replaces":null,"ballot":"3 1 2"}`.
impl Serialize for Entry {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        EntryJson::from(self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Entry, D::Error> {
        Entry::try_from(EntryJson::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hex;

    fn entry(t: &str, b: &[u32]) -> Entry {
        Entry {
            contest: "clp".into(),
            tracker: t.into(),
            channel: BallotChannel::Online,
            replaces: None,
            ballot: Ballot(b.to_vec()),
        }
    }

    #[test]
    fn known_vectors() {
        // Recomputed independently with Python's hashlib (docs/record.md shows how).
        assert_eq!(
            hex(&genesis("demo")),
            hex(&Sha256::digest(b"scrutin-chain/1\ndemo"))
        );
        let e = entry("T1", &[2, 1]);
        assert_eq!(e.line(), "clp\tT1\tonline\t\t2 1");
        assert_eq!(
            hex(&e.leaf()),
            hex(&Sha256::digest(b"scrutin-ballot/1\nclp\tT1\tonline\t\t2 1"))
        );
    }

    #[test]
    fn order_and_content_change_the_head() {
        let a = entry("A", &[1, 2]).leaf();
        let b = entry("B", &[2, 1]).leaf();
        let ab = head_of("e", [&a, &b]);
        assert_ne!(ab, head_of("e", [&b, &a]));
        assert_ne!(ab, head_of("e", [&a]));
        assert_ne!(ab, head_of("f", [&a, &b]));
        assert_eq!(ab, next(&next(&genesis("e"), &a), &b));
    }

    #[test]
    fn json_lines_round_trip_and_refuse_ambiguity() {
        let mut e = entry("T1", &[3, 1, 2]);
        e.replaces = Some("T0".into());
        let line = e.to_json_line();
        assert_eq!(
            line,
            r#"{"contest":"clp","tracker":"T1","channel":"online","replaces":"T0","ballot":"3 1 2"}"#
        );
        assert_eq!(Entry::from_json_line(&line).unwrap(), e);
        let bad = |l: &str| Entry::from_json_line(l).unwrap_err();
        assert!(bad(
            r#"{"contest":"clp","tracker":"T1","channel":"post","replaces":null,"ballot":"1"}"#
        )
        .contains("channel"));
        assert!(bad(
            r#"{"contest":"clp","tracker":"T1","channel":"postal","replaces":null,"ballot":"1  2"}"#
        )
        .contains("not written as the box writes it"));
        assert!(bad(
            r#"{"contest":"clp","tracker":"T1","channel":"postal","replaces":"","ballot":"1"}"#
        )
        .contains("replaced tracker"));
        assert!(bad(
            r#"{"contest":"clp","tracker":"T\t1","channel":"postal","replaces":null,"ballot":"1"}"#
        )
        .contains("tab"));
        assert!(bad(
            r#"{"contest":"clp","tracker":"T1","channel":"postal","replaces":null,"ballot":""}"#
        )
        .contains("empty"));
        assert!(bad(
            r#"{"contest":"clp","tracker":"T1","channel":"postal","ballot":"1","voter":"x"}"#
        )
        .contains("unknown field"));
        assert!(bad(r#"{"contest":"clp","#).contains("column"));
    }
}

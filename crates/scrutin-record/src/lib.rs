//! scrutin-record: what an election publishes so that anyone can recount it.
//!
//! - [`ballot`]: one anonymised ballot (a ranking or a set of marks, as 1-based positions on
//!   the ballot paper) and its text form.
//! - [`chain`]: the ballot box as an append-only hash chain while polling.
//! - [`contest`]: a contest's declared rules and candidates, and the count of its ballots
//!   through the counting engine ([`contest::tally`]) — the same function counts on the
//!   server and in `scrutin verify`.
//! - [`merkle`]: the RFC 6962 Merkle tree over the published ballots, and inclusion proofs.
//! - [`manifest`]: `manifest.json`, signed with the returning officer's key ([`keys`]).
//! - [`write_record`] and [`write_archive`]: the record's directory and its tar file, with
//!   the [`exports`] (BLT, RCTab summary JSON, CSV) beside it.
//! - [`verify()`]: checks a record from its files alone and recounts every contest.
//! - [`lookup`] and [`lookup_in`]: a ballot by its tracker, with its inclusion proof.
//!
//! The format is documented in docs/record.md; every hash here is defined there byte for
//! byte so that a verifier can be written in another language.

pub mod ballot;
pub mod chain;
pub mod contest;
mod diff;
pub mod exports;
mod files;
pub mod keys;
mod lookup;
pub mod manifest;
pub mod merkle;
mod verify;
mod write;

pub use lookup::{lookup, lookup_in, Lookup};
pub use manifest::Manifest;
pub use verify::{verify, Check, Discrepancy, Verified, VerifyOptions};
pub use write::{sign, write_archive, write_record, ContestInput, RecordError, RecordInput};

/// A uniformly random permutation of `0..n` from the operating system's generator:
/// Fisher–Yates, each index drawn by rejection, so without bias. The ballot box's sealing
/// and the record's published order both shuffle with it.
pub fn random_permutation(n: usize) -> Result<Vec<usize>, getrandom::Error> {
    let random = |bound: u64| -> Result<u64, getrandom::Error> {
        // The largest multiple of `bound` that fits, to draw without bias.
        let zone = u64::MAX - (u64::MAX % bound);
        loop {
            let mut b = [0u8; 8];
            getrandom::fill(&mut b)?;
            let v = u64::from_le_bytes(b);
            if v < zone {
                return Ok(v % bound);
            }
        }
    };
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = random(i as u64 + 1)? as usize;
        order.swap(i, j);
    }
    Ok(order)
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Bytes of lower-case (or upper-case) hex; `None` if it is not hex of whole bytes (only the
/// digits `0-9a-fA-F`: no sign, no space).
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_refuses_non_digits() {
        assert_eq!(hex(&[0x00, 0xab, 0xff]), "00abff");
        assert_eq!(unhex("00abFF"), Some(vec![0x00, 0xab, 0xff]));
        assert_eq!(unhex("+1"), None);
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex(" 1"), None);
        assert_eq!(unhex("é1"), None);
        assert_eq!(unhex(""), Some(vec![]));
    }
}

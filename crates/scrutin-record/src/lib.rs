//! scrutin-record: what an election publishes so that anyone can recount it.
//!
//! - [`ballot`]: one anonymised ballot (a ranking or a set of marks, as 1-based positions on
//!   the ballot paper) and its text form.
//! - [`chain`]: the ballot box as an append-only hash chain while polling.
//! - [`contest`]: a contest's declared rules and candidates, and the count of its ballots
//!   through the counting engine ([`contest::tally`]) — the same function counts on the
//!   server and in `scrutin verify`.
//!
//! The format is documented in docs/record.md; every hash here is defined there byte for
//! byte so that a verifier can be written in another language.

pub mod ballot;
pub mod chain;
pub mod contest;

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Bytes of lower-case (or upper-case) hex; `None` if it is not hex of whole bytes.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

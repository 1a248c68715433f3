//! Voters' credentials: a high-entropy code per voter per election, shown to the voter once
//! and stored only as a keyed hash (HMAC-SHA-256 under a per-election key). Checking a code
//! compares hashes in constant time.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::StoreError;

/// Crockford's base-32 alphabet: no I, L, O or U, so a code read aloud or typed from paper
/// is not misread.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Characters in a code: 25 × 5 = 125 random bits.
pub const CODE_CHARS: usize = 25;

/// A fresh per-election key: 32 random bytes, as hex.
pub fn new_key() -> Result<SecretString, StoreError> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| StoreError::Random(e.to_string()))?;
    Ok(SecretString::from(hex(&key)))
}

/// `chars` random characters of the alphabet in dash-separated groups of `group`, from the
/// operating system's random source: voting codes, and ballot trackers.
pub(crate) fn random_code(chars: usize, group: usize) -> Result<String, StoreError> {
    let mut bytes = vec![0u8; chars];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Random(e.to_string()))?;
    // Each byte gives 5 uniform bits (256 is a multiple of 32).
    Ok(grouped(
        bytes.iter().map(|b| ALPHABET[(b & 31) as usize] as char),
        group,
    ))
}

/// Characters in dash-separated groups of `group`.
pub(crate) fn grouped(chars: impl Iterator<Item = char>, group: usize) -> String {
    let mut s = String::new();
    for (i, c) in chars.enumerate() {
        if i > 0 && i % group == 0 {
            s.push('-');
        }
        s.push(c);
    }
    s
}

/// Characters as typed, read as they were meant: upper case, spaces and dashes dropped,
/// O read as 0, I and L as 1.
pub(crate) fn as_meant(typed: &str) -> impl Iterator<Item = char> + '_ {
    typed
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
}

/// A fresh code, `XXXXX-XXXXX-XXXXX-XXXXX-XXXXX`, from the operating system's random source.
pub fn new_code() -> Result<SecretString, StoreError> {
    Ok(SecretString::from(random_code(CODE_CHARS, 5)?))
}

/// A code as typed: case, spaces and dashes ignored; O read as 0, I and L as 1. `None` if it
/// cannot be a code.
pub fn normalise(code: &str) -> Option<String> {
    let out: String = as_meant(code).collect();
    (out.len() == CODE_CHARS && out.bytes().all(|c| ALPHABET.contains(&c))).then_some(out)
}

/// The stored form of a code: HMAC-SHA-256 under the election's key of
/// `scrutin-credential-v1 NUL election-id NUL normalised-code`, as lower-case hex.
pub fn keyed_hash(key_hex: &SecretString, election: &str, normalised: &str) -> String {
    let key = key_hex.expose_secret().as_bytes();
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(b"scrutin-credential-v1\0");
    mac.update(election.as_bytes());
    mac.update(b"\0");
    mac.update(normalised.as_bytes());
    hex(&mac.finalize().into_bytes())
}

/// Constant-time equality of two stored hashes.
pub fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(H[(b >> 4) as usize] as char);
        s.push(H[(b & 15) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_long_distinct_and_normalise() {
        let a = new_code().unwrap();
        let b = new_code().unwrap();
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert_eq!(a.expose_secret().len(), 29);
        let n = normalise(a.expose_secret()).unwrap();
        assert_eq!(n.len(), CODE_CHARS);
        assert_eq!(
            normalise(&a.expose_secret().to_lowercase().replace('-', " ")),
            Some(n)
        );
        assert_eq!(
            normalise("O1I1L-00000-00000-00000-00000").as_deref(),
            Some("01111000000000000000000000"[..25].as_ref())
        );
        assert_eq!(normalise("short"), None);
        assert_eq!(normalise("UUUUU-00000-00000-00000-00000"), None);
    }

    #[test]
    fn hash_depends_on_key_election_and_code() {
        let k1 = SecretString::from("k1".to_string());
        let k2 = SecretString::from("k2".to_string());
        let h = keyed_hash(&k1, "e", "C");
        assert_eq!(h.len(), 64);
        assert_ne!(h, keyed_hash(&k2, "e", "C"));
        assert_ne!(h, keyed_hash(&k1, "f", "C"));
        assert_ne!(h, keyed_hash(&k1, "e", "D"));
        assert!(same_hash(&h, &keyed_hash(&k1, "e", "C")));
        assert!(!same_hash(&h, &keyed_hash(&k1, "e", "D")));
    }
}

//! One anonymised ballot: the candidates a voter numbered (in preference order) or marked
//! (in ballot-paper order), each as its 1-based position on the ballot paper. Nothing else:
//! no voter, no credential, no time.

use std::fmt;

/// How a contest's ballot paper is filled in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BallotKind {
    /// Number the candidates 1, 2, 3 … in order of preference (STV, IRV).
    Ranked,
    /// Put a mark against up to `n` candidates (block vote; FPTP with `n` = 1).
    Marks(u32),
}

impl BallotKind {
    /// The ballot paper a rule set takes: marks for block vote (`marks`, default the seats)
    /// and first past the post (one mark), numbers for the others.
    pub fn for_method(method: &str, seats: u32, marks: Option<u32>) -> BallotKind {
        match method {
            "block" => BallotKind::Marks(marks.unwrap_or(seats)),
            "fptp" => BallotKind::Marks(marks.unwrap_or(1)),
            _ => BallotKind::Ranked,
        }
    }
}

/// A ballot: 1-based ballot-paper positions, in preference order (ranked) or ascending
/// (marks). Never empty once accepted.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ballot(pub Vec<u32>);

/// Why a ballot cannot be accepted; the message is for the voter.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BallotError {
    #[error("the ballot is empty: number or mark at least one candidate")]
    Empty,
    #[error("there is no candidate {0} on this ballot paper (it has {1})")]
    NoSuchCandidate(u32, u32),
    #[error("candidate {0} appears twice")]
    Repeated(u32),
    #[error("too many marks: at most {max}, and this ballot has {got}")]
    TooManyMarks { max: u32, got: u32 },
    #[error("{0:?} is not a ballot: write positions on the ballot paper separated by spaces")]
    Syntax(String),
}

impl Ballot {
    /// Checks a ballot against a paper of `candidates` names; marks are put in ascending
    /// order (a mark has no order).
    pub fn checked(mut self, candidates: u32, kind: BallotKind) -> Result<Ballot, BallotError> {
        if self.0.is_empty() {
            return Err(BallotError::Empty);
        }
        let mut seen = vec![false; candidates as usize + 1];
        for &c in &self.0 {
            if c == 0 || c > candidates {
                return Err(BallotError::NoSuchCandidate(c, candidates));
            }
            if std::mem::replace(&mut seen[c as usize], true) {
                return Err(BallotError::Repeated(c));
            }
        }
        if let BallotKind::Marks(max) = kind {
            let got = self.0.len() as u32;
            if got > max {
                return Err(BallotError::TooManyMarks { max, got });
            }
            self.0.sort_unstable();
        }
        Ok(self)
    }

    /// Reads the text form, `3 1 2`.
    pub fn parse(s: &str) -> Result<Ballot, BallotError> {
        s.split_ascii_whitespace()
            .map(|t| {
                t.parse::<u32>()
                    .map_err(|_| BallotError::Syntax(s.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Ballot)
    }
}

/// The text form: positions separated by single spaces (`3 1 2`).
impl fmt::Display for Ballot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_and_round_trips() {
        let b = Ballot::parse("3 1 2")
            .unwrap()
            .checked(3, BallotKind::Ranked)
            .unwrap();
        assert_eq!(b.to_string(), "3 1 2");
        assert_eq!(
            Ballot::parse("3 1 3")
                .unwrap()
                .checked(3, BallotKind::Ranked),
            Err(BallotError::Repeated(3))
        );
        assert_eq!(
            Ballot::parse("4").unwrap().checked(3, BallotKind::Ranked),
            Err(BallotError::NoSuchCandidate(4, 3))
        );
        assert_eq!(
            Ballot::parse("3 1")
                .unwrap()
                .checked(3, BallotKind::Marks(2))
                .unwrap()
                .0,
            vec![1, 3]
        );
        assert_eq!(
            Ballot::parse("3 1 2")
                .unwrap()
                .checked(3, BallotKind::Marks(2)),
            Err(BallotError::TooManyMarks { max: 2, got: 3 })
        );
        assert_eq!(
            Ballot(vec![]).checked(3, BallotKind::Ranked),
            Err(BallotError::Empty)
        );
        assert!(matches!(Ballot::parse("1 x"), Err(BallotError::Syntax(_))));
    }
}

//! scrutin-body: the governing body an organisation elects, as a whole.
//!
//! An organisation does not elect a list of candidates; it composes a body of sections, each
//! filled in its own way (ex officio, appointed, or elected by its own electorate under its own
//! rules). This crate reads a body's constitution (TOML, docs/constitution.md), imports the
//! declared results of contests counted elsewhere (CSV of totals), checks both, and computes
//! what the body looks like: who elects what share of it, women and men, seats per slate, a
//! hemicycle seat chart (SVG, as a string) and who fills a vacancy.
//!
//! Pure, like `scrutin-core`: every function takes text and returns values; reading files is
//! the caller's business ([`Dossier::load`] asks the caller for each results file's text).
//!
//! Facts taken from sources carry a [`Certainty`]: confirmed, secondary (a single secondary
//! source) or uncertain (inferred, no source states it). Reports show them.

pub mod constitution;
pub mod dossier;
pub mod report;
pub mod results;
pub mod svg;
pub mod vacancy;

pub use constitution::Constitution;
pub use dossier::Dossier;

use serde::{Deserialize, Serialize};

/// How sure a fact is, as the sources support it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Certainty {
    /// Stated by a cited source.
    #[default]
    Confirmed,
    /// Stated only by a single secondary or lower-quality source.
    Secondary,
    /// Inferred or guessed: no source states it.
    Uncertain,
}

impl Certainty {
    /// `C`, `S` or `U`, as the reference data marks facts.
    pub fn letter(self) -> &'static str {
        match self {
            Certainty::Confirmed => "C",
            Certainty::Secondary => "S",
            Certainty::Uncertain => "U",
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Certainty::Confirmed => "confirmed",
            Certainty::Secondary => "secondary",
            Certainty::Uncertain => "uncertain",
        }
    }
    /// The marker reports put after a value: nothing when confirmed, ` (S)` or ` (U)`.
    pub fn mark(self) -> &'static str {
        match self {
            Certainty::Confirmed => "",
            Certainty::Secondary => " (S)",
            Certainty::Uncertain => " (U)",
        }
    }
}

/// One problem in a constitution or a results file, located: the file, the line where the
/// TOML or CSV parser gives one, the TOML key path (`section[6].min[0]`) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {}{problem}", line.map(|l| format!(":{l}")).unwrap_or_default(), if path.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct Issue {
    pub file: String,
    /// 1-based line.
    pub line: Option<usize>,
    /// TOML key path, e.g. `section[6].min[0]`; empty for a whole file.
    pub path: String,
    pub problem: String,
}

/// Why a body could not be loaded: every problem found, one per line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Issue>),
}

impl BodyError {
    pub fn issues(&self) -> &[Issue] {
        match self {
            BodyError::Invalid(v) => v,
        }
    }
}

/// 1-based line of byte `offset` in `src`.
pub(crate) fn line_of(src: &str, offset: usize) -> usize {
    let end = offset.min(src.len());
    src.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// `n` out of `total` as a percentage with one decimal, rounded half up, exactly (no floats):
/// 9 of 39 is `23.1`.
pub fn percent1(n: u64, total: u64) -> String {
    if total == 0 {
        return "-".to_string();
    }
    let tenths = (n * 1000 * 2 + total) / (2 * total);
    format!("{}.{}", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_is_rounded_half_up() {
        assert_eq!(percent1(9, 39), "23.1");
        assert_eq!(percent1(13, 39), "33.3");
        assert_eq!(percent1(1, 8), "12.5");
        assert_eq!(percent1(39, 39), "100.0");
        assert_eq!(percent1(2, 3), "66.7");
    }

    #[test]
    fn issue_display_names_file_line_and_path() {
        let i = Issue {
            file: "body.toml".into(),
            line: Some(7),
            path: "section[2].seats".into(),
            problem: "bad".into(),
        };
        assert_eq!(i.to_string(), "body.toml:7: section[2].seats: bad");
    }
}

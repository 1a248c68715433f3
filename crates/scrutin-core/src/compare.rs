//! The same ballots under several rule sets, side by side.
//!
//! This answers the question the Electoral Reform Society put to Labour in 2020: with the
//! same votes, who would each rule set have elected, and what share of the seats would each
//! slate or party have won against its share of first preferences?
//!
//! Groups come from candidates' names where they carry a label, as the Scottish files and
//! most party ballots do: `Name (Party)` or `Name "Party"`.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::methods::{count, CountOptions, Method};
use crate::model::{Election, RankView};
use crate::CountError;

/// One rule set's outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub method: String,
    pub elected: Vec<String>,
    /// Seats won per group, in the order groups are listed in [`Comparison::groups`].
    pub seats_by_group: IndexMap<String, u32>,
}

/// Several rule sets on one election.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    pub title: String,
    pub seats: u32,
    /// Groups in order of first appearance on the ballot paper; candidates without a label
    /// are in the group `""`.
    pub groups: Vec<String>,
    /// First-preference votes per group (a sum of weights, exact decimal string).
    pub first_preferences_by_group: IndexMap<String, String>,
    pub outcomes: Vec<Outcome>,
}

/// The group label of a candidate's name: the text of a trailing `(…)` or `"…"`.
pub fn group_of(name: &str) -> Option<String> {
    let t = name.trim_end();
    let (open, close) = if t.ends_with(')') {
        ('(', ')')
    } else if t.ends_with('"') {
        ('"', '"')
    } else {
        return None;
    };
    let body = &t[..t.len() - close.len_utf8()];
    let start = body.rfind(open)?;
    let label = body[start + open.len_utf8()..].trim();
    if label.is_empty() || start == 0 {
        return None;
    }
    // Aberdeen 2012 writes the party first: `Lab "Barney CROCKETT"`. A single word before a
    // quoted name with a surname in capitals is the party.
    let before = body[..start].trim();
    let surname_in_caps = label.split_whitespace().any(|w| {
        w.chars().filter(|c| c.is_alphabetic()).count() >= 2 && w.chars().all(|c| !c.is_lowercase())
    });
    if open == '"' && !before.contains(' ') && surname_in_caps {
        return Some(before.to_string());
    }
    Some(label.to_string())
}

/// Counts `election` under each of `methods` with the same options.
pub fn compare(
    election: &Election,
    methods: &[Method],
    options: &CountOptions,
) -> Result<Comparison, CountError> {
    let profile = &election.profile;
    let label: Vec<String> = profile
        .candidates()
        .iter()
        .map(|c| group_of(&c.name).unwrap_or_default())
        .collect();
    let mut groups: Vec<String> = Vec::new();
    for l in &label {
        if !groups.contains(l) {
            groups.push(l.clone());
        }
    }
    // First preferences by group: the first rank naming one candidate.
    let mut first: Vec<u64> = vec![0; groups.len()];
    for b in profile.ballots() {
        if let Some(RankView::One(c)) = b.ranks().next() {
            let g = groups
                .iter()
                .position(|x| *x == label[c.index()])
                .expect("listed");
            first[g] = first[g]
                .checked_add(b.weight.micro())
                .ok_or(CountError::Overflow)?;
        }
    }
    let first_preferences_by_group = groups
        .iter()
        .zip(&first)
        .map(|(g, &micro)| {
            (
                g.clone(),
                crate::model::Weight::from_micro(micro).to_string(),
            )
        })
        .collect();

    let mut outcomes = Vec::new();
    for &m in methods {
        let report = count(election, m, options)?;
        let mut seats_by_group: IndexMap<String, u32> =
            groups.iter().map(|g| (g.clone(), 0)).collect();
        for name in &report.elected {
            let i = profile
                .candidates()
                .iter()
                .position(|c| &c.name == name)
                .expect("a candidate");
            *seats_by_group.get_mut(&label[i]).expect("listed") += 1;
        }
        outcomes.push(Outcome {
            method: m.name().to_string(),
            elected: report.elected,
            seats_by_group,
        });
    }
    Ok(Comparison {
        title: election.title.clone(),
        seats: election.seats,
        groups,
        first_preferences_by_group,
        outcomes,
    })
}

#[cfg(test)]
mod tests {
    use super::group_of;

    #[test]
    fn labels_from_names() {
        assert_eq!(group_of("Candidate 01 (A)").as_deref(), Some("A"));
        assert_eq!(
            group_of("Jo MOWAT \"Scottish Conservative and Unionist\"").as_deref(),
            Some("Scottish Conservative and Unionist")
        );
        assert_eq!(group_of("Lab \"Barney CROCKETT\" ").as_deref(), Some("Lab"));
        assert_eq!(group_of("Isabel HUTTON (SNP)").as_deref(), Some("SNP"));
        assert_eq!(group_of("Plain Name"), None);
        assert_eq!(group_of("(Only)"), None);
        assert_eq!(group_of("Name ()"), None);
    }
}

//! Electoral colleges: one contest, several bodies of voters, each with a fixed share of the
//! result.
//!
//! Labour elected its youth and disabled members' representatives (2018, 2020) by "a 50/50
//! college of young members and trade unions": each college's votes are scaled so that the
//! college weighs its share of the result, whatever its turnout, and results are published as
//! percentages. (Source: `shared/data/labour-nec/README.md` §4.3 and the LabourList reports it
//! cites.)
//!
//! How scrutin scales, exactly: a ballot of weight `w` in college `i`, whose valid ballots
//! weigh `V_i` in all and whose share is `s_i` percent, counts `w × s_i / V_i × K` in the
//! combined count, where `K` is the smallest whole number that makes every such weight an
//! exact multiple of the smallest weight unit (10^-6). The combined valid weight is then
//! `100 × K` (shares add up to 100), so a candidate's percentage at any stage is their votes
//! divided by `K`: exact. Every rule set counts the combined ballots as it counts any
//! weighted ballots; for STV the quota is computed on the scaled total, so a college's share
//! of the quota is its share of the result ("STV across colleges by the same scaling").
//! Identical rankings from different colleges merge, adding their scaled weights, which
//! changes no total. Scaled weights are fractions of a ballot in general, so rule sets that
//! count whole ballot papers (Scottish STV, ERS97) refuse them; WIGM and Meek count them in
//! their fixed point where the weights fit, or exactly with `--arithmetic exact`.

use indexmap::IndexMap;
use num_integer::Integer;

use crate::model::{Election, Rank, RankView, Weight};
use crate::report::{CollegeSummary, CollegesSummary, Report};
use crate::{CountError, ProfileBuilder};

/// One college: its name, its share of the result in percent, and its ballots.
#[derive(Clone, Debug)]
pub struct College {
    pub name: String,
    /// Percent of the result, e.g. `50`; exact decimal.
    pub share: Weight,
    pub election: Election,
}

/// Several colleges made into one election whose weights carry the colleges' shares.
#[derive(Clone, Debug)]
pub struct Combined {
    pub election: Election,
    /// The `K` of the module documentation: a candidate's percentage is votes ÷ K.
    pub k: u128,
    pub summary: CollegesSummary,
}

/// Combines `colleges` into one election. All must have the same candidates in the same
/// order and the same number of seats; shares must be positive and add up to 100.
pub fn combine(title: Option<&str>, colleges: Vec<College>) -> Result<Combined, CountError> {
    let invalid = |m: String| Err(CountError::Invalid(m));
    let Some(first) = colleges.first() else {
        return invalid("an electoral college count needs at least one college".into());
    };
    let names: Vec<String> = first
        .election
        .candidates()
        .iter()
        .map(|c| c.name.clone())
        .collect();
    let seats = first.election.seats;
    let mut share_total: u128 = 0;
    for c in &colleges {
        let theirs: Vec<&str> = c
            .election
            .candidates()
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        if theirs != names.iter().map(String::as_str).collect::<Vec<_>>() {
            return invalid(format!(
                "college {:?} does not list the same candidates, in the same order, as college {:?}",
                c.name, first.name
            ));
        }
        if c.election.seats != seats {
            return invalid(format!(
                "college {:?} is for {} seat(s), college {:?} for {}",
                c.name, c.election.seats, first.name, seats
            ));
        }
        if c.share.micro() == 0 {
            return invalid(format!("college {:?} has a share of 0%", c.name));
        }
        if c.election.profile.total_weight().micro() == 0 {
            return invalid(format!(
                "college {:?} has no valid ballots to scale",
                c.name
            ));
        }
        share_total += c.share.micro() as u128;
    }
    if share_total != 100 * Weight::SCALE as u128 {
        return invalid(format!(
            "the colleges' shares add up to {}%, not 100%",
            Weight::from_micro(share_total as u64)
        ));
    }

    // K = lcm over colleges of V_i / gcd(V_i, s_i × g_i), all in millionths, where g_i is the
    // gcd of the college's ballot weights: then w × s_i × K / V_i is whole for every ballot.
    let mut k: u128 = 1;
    for c in &colleges {
        let v = c.election.profile.total_weight().micro() as u128;
        let g = c
            .election
            .profile
            .ballots()
            .fold(0u128, |g, b| g.gcd(&(b.weight.micro() as u128)));
        let s = c.share.micro() as u128;
        let need = v / v.gcd(&s.checked_mul(g).ok_or(CountError::Overflow)?);
        k = k.lcm(&need);
        if k > u64::MAX as u128 {
            return Err(CountError::Overflow);
        }
    }

    let mut builder = ProfileBuilder::new(first.election.candidates().to_vec())
        .map_err(|e| CountError::Invalid(e.to_string()))?;
    let mut withdrawn = Vec::new();
    let mut summaries = Vec::new();
    for c in &colleges {
        let v = c.election.profile.total_weight().micro() as u128;
        let s = c.share.micro() as u128;
        let mut first_preferences: IndexMap<String, u64> =
            names.iter().map(|n| (n.clone(), 0)).collect();
        for b in c.election.profile.ballots() {
            // w × s × K / V, in millionths: exact by the choice of K.
            let scaled = (b.weight.micro() as u128)
                .checked_mul(s)
                .and_then(|x| x.checked_mul(k))
                .ok_or(CountError::Overflow)?
                / v;
            let scaled =
                Weight::from_micro(u64::try_from(scaled).map_err(|_| CountError::Overflow)?);
            let ranks: Vec<Rank> = b
                .ranks()
                .map(|r| match r {
                    RankView::One(c) => Rank::One(c),
                    RankView::Equal(g) => Rank::Equal(g.iter().collect()),
                    RankView::Skipped => Rank::Skipped,
                })
                .collect();
            if let Some(RankView::One(fp)) = b.ranks().next() {
                let e = &mut first_preferences[fp.index()];
                *e = e
                    .checked_add(b.weight.micro())
                    .ok_or(CountError::Overflow)?;
            }
            builder
                .push(scaled, &ranks)
                .map_err(|e| CountError::Invalid(e.to_string()))?;
        }
        for &w in &c.election.withdrawn {
            if !withdrawn.contains(&w) {
                withdrawn.push(w);
            }
        }
        // Scale per unit of weight: s × K / V (in whole units), shown exactly when it is a
        // terminating decimal, else as a fraction.
        let (num, den) = reduce(s * k, v);
        summaries.push(CollegeSummary {
            name: c.name.clone(),
            share: c.share.to_string(),
            valid_ballots: c.election.profile.total_weight().to_string(),
            scale: if den == 1 {
                num.to_string()
            } else {
                format!("{num}/{den}")
            },
            first_preferences: first_preferences
                .into_iter()
                .map(|(n, m)| (n, Weight::from_micro(m).to_string()))
                .collect(),
        });
    }
    Ok(Combined {
        election: Election {
            title: title
                .map(str::to_string)
                .unwrap_or_else(|| first.election.title.clone()),
            seats,
            profile: builder.build(),
            withdrawn,
        },
        k,
        summary: CollegesSummary {
            colleges: summaries,
        },
    })
}

fn reduce(a: u128, b: u128) -> (u128, u128) {
    let g = a.gcd(&b).max(1);
    (a / g, b / g)
}

impl Combined {
    /// Adds the colleges and each stage's percentages (votes ÷ K, to two places, rounded
    /// half up) to a report of the combined count.
    pub fn annotate(&self, report: &mut Report) {
        for stage in &mut report.stages {
            stage.percentages = stage
                .votes
                .iter()
                .map(|(name, v)| {
                    (
                        name.clone(),
                        percent(v, self.k).unwrap_or_else(|| v.clone()),
                    )
                })
                .collect();
        }
        report.colleges = Some(self.summary.clone());
    }
}

/// `votes ÷ k` to two decimal places, rounded half up; `None` if `votes` is not a decimal.
pub fn percent(votes: &str, k: u128) -> Option<String> {
    let (int, frac) = votes.split_once('.').unwrap_or((votes, ""));
    if int.is_empty() || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits: u128 = format!("{int}{frac}").parse().ok()?;
    let scale = 10u128.checked_pow(frac.len() as u32)?;
    // hundredths of a percent = votes × 100 ÷ k, rounded half up.
    let num = digits.checked_mul(200)?;
    let den = scale.checked_mul(k)?.checked_mul(2)?;
    let hundredths = (num + den / 2) / den;
    Some(format!("{}.{:02}", hundredths / 100, hundredths % 100))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Candidate, CandidateId};

    fn college(name: &str, share: &str, ballots: &[(&str, u32)]) -> College {
        let cands = ["Ann", "Bob", "Cat"]
            .iter()
            .map(|n| Candidate {
                name: n.to_string(),
            })
            .collect();
        let mut b = ProfileBuilder::new(cands).unwrap();
        for (w, c) in ballots {
            b.push(Weight::parse(w).unwrap(), &[Rank::One(CandidateId(*c))])
                .unwrap();
        }
        College {
            name: name.into(),
            share: Weight::parse(share).unwrap(),
            election: Election {
                title: "t".into(),
                seats: 1,
                profile: b.build(),
                withdrawn: vec![],
            },
        }
    }

    #[test]
    fn each_college_weighs_its_share_exactly() {
        // Members: 3 ballots (Ann 2, Bob 1); unions: card votes 700 Bob, 300.5 Cat.
        let m = college("members", "50", &[("1", 0), ("1", 0), ("1", 1)]);
        let u = college("unions", "50", &[("700", 1), ("300.5", 2)]);
        let c = combine(None, vec![m, u]).unwrap();
        // Ann: 50 × 2/3 = 33.33…%; Bob: 50/3 + 50 × 700/1000.5; Cat: 50 × 300.5/1000.5.
        let total = c.election.profile.total_weight().micro() as u128;
        assert_eq!(total, 100 * c.k * 1_000_000);
        let by = |i: usize| {
            c.election
                .profile
                .ballots()
                .filter(|b| matches!(b.ranks().next(), Some(RankView::One(x)) if x.index() == i))
                .map(|b| b.weight.micro() as u128)
                .sum::<u128>()
        };
        // Exact: Ann's share × 3 × 1000.5 × 2 = 100 × 2 × 1000.5 × K … compare as fractions.
        assert_eq!(by(0) * 3, 2 * 50 * c.k * 1_000_000);
        assert_eq!(by(2) * 10005, 50 * 3005 * c.k * 1_000_000);
        assert_eq!(by(0) + by(1) + by(2), total);
        assert_eq!(c.summary.colleges[1].valid_ballots, "1000.5");
        assert_eq!(c.summary.colleges[0].first_preferences["Ann"], "2");
    }

    #[test]
    fn bad_colleges_are_refused() {
        let m = college("members", "60", &[("1", 0)]);
        let u = college("unions", "50", &[("1", 1)]);
        assert!(combine(None, vec![m, u])
            .unwrap_err()
            .to_string()
            .contains("add up to 110%"));
        assert!(combine(None, vec![]).is_err());
        let m = college("members", "50", &[("1", 0)]);
        let mut u = college("unions", "50", &[("1", 1)]);
        u.election.seats = 2;
        assert!(combine(None, vec![m, u])
            .unwrap_err()
            .to_string()
            .contains("seat"));
    }

    #[test]
    fn percentages_round_half_up() {
        assert_eq!(percent("50.00000", 1).unwrap(), "50.00");
        // 100 × K is the whole: with K = 3, 100 votes are a third.
        assert_eq!(percent("100", 3).unwrap(), "33.33");
        assert_eq!(percent("200.00000", 3).unwrap(), "66.67");
        assert_eq!(percent("1", 3).unwrap(), "0.33");
        assert_eq!(percent("0.005", 1).unwrap(), "0.01");
        assert_eq!(percent("0.00499", 1).unwrap(), "0.00");
        assert!(percent("-1", 1).is_none());
    }
}

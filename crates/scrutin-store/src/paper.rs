//! Postal ballot papers as the returning officer's staff enter them: one batch at a time, as
//! typed lines (`3 1 2`: ballot-paper positions in order of preference, or the marked
//! positions) or as a CSV transcription of the papers (a column per candidate holding what the
//! voter wrote beside the name). Pure; the CLI and the admin pages both read batches here.
//!
//! A paper that cannot be counted — no first preference, or no mark, or too many marks — is
//! *rejected*: it is not entered as a ballot but counted in the batch total, with its line and
//! why. Numbering that breaks (a repeated number, a gap) keeps the preferences before the break,
//! as the Scottish rules and ERS97 read a paper.

use scrutin_record::ballot::{Ballot, BallotKind};

use crate::BallotPaper;

/// A batch as read: the ballots to enter and the papers rejected (line, why).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PaperBatch {
    pub ballots: Vec<Ballot>,
    pub rejected: Vec<(usize, String)>,
}

/// Reads a batch. A first non-empty line with a comma makes it a CSV transcription, else typed
/// lines; `#` starts a comment; a typed line `rejected` (or `-`) is a rejected paper. Errors
/// name `file:line` and stop nothing short: every bad line is listed.
pub fn read_batch(text: &str, file: &str, paper: &BallotPaper) -> Result<PaperBatch, Vec<String>> {
    let first = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .find(|l| !l.is_empty());
    match first {
        Some(l) if l.contains(',') => read_csv(text, file, paper),
        _ => read_lines(text, file, paper),
    }
}

fn read_lines(text: &str, file: &str, paper: &BallotPaper) -> Result<PaperBatch, Vec<String>> {
    let n = paper.candidates.len() as u32;
    let mut out = PaperBatch::default();
    let mut errors = Vec::new();
    for (k, line) in text.lines().enumerate() {
        let line_no = k + 1;
        let l = line.split('#').next().unwrap_or("").trim();
        if l.is_empty() {
            continue;
        }
        if l.eq_ignore_ascii_case("rejected") || l == "-" {
            out.rejected.push((line_no, "rejected at entry".into()));
            continue;
        }
        match Ballot::parse(l).and_then(|b| b.checked(n, paper.kind)) {
            Ok(b) => out.ballots.push(b),
            Err(e) => errors.push(format!("{file}:{line_no}: {e}")),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn read_csv(text: &str, file: &str, paper: &BallotPaper) -> Result<PaperBatch, Vec<String>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(vec![format!("{file}:1: {e}")]),
    };
    let mut errors = Vec::new();
    // Column → ballot-paper position (1-based).
    let mut columns = Vec::with_capacity(headers.len());
    for (c, h) in headers.iter().enumerate() {
        match paper
            .candidates
            .iter()
            .position(|(name, _)| name == h.trim())
        {
            Some(p) => columns.push(p as u32 + 1),
            None => errors.push(format!(
                "{file}:1: column {} {:?} is not a candidate on the ballot paper of {}",
                c + 1,
                h,
                paper.name
            )),
        }
    }
    for (p, (name, _)) in paper.candidates.iter().enumerate() {
        if !columns.contains(&(p as u32 + 1)) && errors.is_empty() {
            errors.push(format!("{file}:1: no column for candidate {name:?}"));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut out = PaperBatch::default();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                errors.push(format!("{file}:{line}: {e}"));
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let cells: Vec<(u32, &str)> = columns
            .iter()
            .zip(rec.iter())
            .map(|(&p, v)| (p, v.trim()))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        match paper.kind {
            BallotKind::Marks(max) => {
                if cells.is_empty() {
                    out.rejected.push((line, "no mark".into()));
                } else if cells.len() as u32 > max {
                    out.rejected.push((
                        line,
                        format!("{} marks, more than the {max} allowed", cells.len()),
                    ));
                } else {
                    out.ballots
                        .push(Ballot(cells.iter().map(|(p, _)| *p).collect()));
                }
            }
            BallotKind::Ranked => {
                let mut numbered = Vec::with_capacity(cells.len());
                for (p, v) in &cells {
                    match v.parse::<u32>() {
                        Ok(k) if k >= 1 => numbered.push((k, *p)),
                        _ => errors.push(format!(
                            "{file}:{line}: {v:?} beside candidate {p} is not a number from 1"
                        )),
                    }
                }
                numbered.sort_unstable();
                // Preferences run 1, 2, 3 … and stop before a repeated number or a gap.
                let mut prefs = Vec::new();
                for (idx, (k, p)) in numbered.iter().enumerate() {
                    let repeated = numbered.get(idx + 1).is_some_and(|(k2, _)| k2 == k)
                        || (idx > 0 && numbered[idx - 1].0 == *k);
                    if *k != prefs.len() as u32 + 1 || repeated {
                        break;
                    }
                    prefs.push(*p);
                }
                if prefs.is_empty() {
                    out.rejected.push((
                        line,
                        match numbered.iter().filter(|(k, _)| *k == 1).count() {
                            _ if numbered.is_empty() => "unmarked".into(),
                            0 => "no first preference".into(),
                            _ => "more than one first preference".into(),
                        },
                    ));
                } else {
                    out.ballots.push(Ballot(prefs));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paper(kind: BallotKind) -> BallotPaper {
        BallotPaper {
            section_id: "clp".into(),
            name: "CLP".into(),
            seats: 2,
            method: "ers97".into(),
            kind,
            candidates: ["Ann", "Bob", "Cat"]
                .iter()
                .map(|n| (n.to_string(), false))
                .collect(),
        }
    }

    #[test]
    fn typed_lines() {
        let p = paper(BallotKind::Ranked);
        let b = read_batch("3 1 2\n# a comment\n\n2\nrejected\n", "b.txt", &p).unwrap();
        assert_eq!(b.ballots, vec![Ballot(vec![3, 1, 2]), Ballot(vec![2])]);
        assert_eq!(b.rejected, vec![(5, "rejected at entry".to_string())]);
        let e = read_batch("1 1\n4\n", "b.txt", &p).unwrap_err();
        assert_eq!(e.len(), 2);
        assert!(
            e[0].starts_with("b.txt:1: candidate 1 appears twice"),
            "{e:?}"
        );
        assert!(
            e[1].starts_with("b.txt:2: there is no candidate 4"),
            "{e:?}"
        );
    }

    #[test]
    fn csv_transcriptions_read_as_the_rules_read_papers() {
        let p = paper(BallotKind::Ranked);
        let text = "Cat,Ann,Bob\n1,2,3\n,1,\n1,1,2\n2,3,\n,,\n1,2,4\n";
        let b = read_batch(text, "b.csv", &p).unwrap();
        assert_eq!(
            b.ballots,
            vec![
                Ballot(vec![3, 1, 2]),
                Ballot(vec![1]),
                Ballot(vec![3, 1]), // the 4 after a gap is ignored
            ]
        );
        assert_eq!(
            b.rejected,
            vec![
                (4, "more than one first preference".to_string()),
                (5, "no first preference".to_string()),
                (6, "unmarked".to_string()),
            ]
        );
        let e = read_batch("Ann,Bob,Dan\n1,2,3\n", "b.csv", &p).unwrap_err();
        assert!(e[0].contains("\"Dan\" is not a candidate"), "{e:?}");
        let e = read_batch("Ann,Bob,Cat\n1,x,\n", "b.csv", &p).unwrap_err();
        assert!(e[0].starts_with("b.csv:2:"), "{e:?}");
    }

    #[test]
    fn csv_marks() {
        let p = paper(BallotKind::Marks(2));
        let b = read_batch("Ann,Bob,Cat\nX,,X\nX,X,X\n,,\n", "m.csv", &p).unwrap();
        assert_eq!(b.ballots, vec![Ballot(vec![1, 3])]);
        assert_eq!(b.rejected.len(), 2);
    }
}

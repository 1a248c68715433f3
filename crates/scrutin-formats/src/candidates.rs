//! Candidates' attributes: a CSV file with a column `name` and any other columns (gender,
//! region, slate, …), one row per candidate.
//!
//! ```text
//! name,gender,region
//! Ann Black,woman,south east
//! Jon Lansman,man,london
//! ```
//!
//! Every name must be a candidate of the ballot file (compared exactly, without surrounding
//! spaces), and every candidate of the ballot file must have a row. An empty cell means the
//! candidate has no value for that column. Errors name the file, the line and the problem.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// A problem in a candidates file, at a line where there is one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {problem}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct CandidatesError {
    /// The file, as given.
    pub file: String,
    /// 1-based line, where the problem is on one.
    pub line: Option<u64>,
    pub problem: String,
}

/// Reads the attributes of `ballot_names` (the ballot file's candidates, in ballot order)
/// from the CSV file at `path`; the result is in ballot order.
pub fn read_path(
    path: &Path,
    ballot_names: &[String],
) -> Result<Vec<BTreeMap<String, String>>, CandidatesError> {
    let source = path.display().to_string();
    let file = File::open(path).map_err(|e| CandidatesError {
        file: source.clone(),
        line: None,
        problem: format!("cannot open: {e}"),
    })?;
    read(file, &source, ballot_names)
}

/// As [`read_path`], from any reader; `source` names it in errors.
pub fn read<R: Read>(
    reader: R,
    source: &str,
    ballot_names: &[String],
) -> Result<Vec<BTreeMap<String, String>>, CandidatesError> {
    let err = |line: Option<u64>, problem: String| CandidatesError {
        file: source.to_string(),
        line,
        problem,
    };
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let headers = csv
        .headers()
        .map_err(|e| err(e.position().map(|p| p.line()).or(Some(1)), csv_problem(&e)))?
        .clone();
    let columns: Vec<String> = headers.iter().map(str::to_string).collect();
    let Some(name_col) = columns.iter().position(|c| c.eq_ignore_ascii_case("name")) else {
        return Err(err(
            Some(1),
            format!(
                "no column \"name\" (the header has {})",
                if columns.iter().all(String::is_empty) {
                    "no columns".to_string()
                } else {
                    columns.join(", ")
                }
            ),
        ));
    };
    for (i, c) in columns.iter().enumerate() {
        if c.is_empty() {
            return Err(err(Some(1), format!("column {} has no name", i + 1)));
        }
        if columns[..i].contains(c) {
            return Err(err(Some(1), format!("column {c:?} appears twice")));
        }
    }

    let mut found: Vec<Option<(u64, BTreeMap<String, String>)>> = vec![None; ballot_names.len()];
    let mut last_line = 1;
    for record in csv.records() {
        let record = record.map_err(|e| err(e.position().map(|p| p.line()), csv_problem(&e)))?;
        let line = record.position().map(|p| p.line()).unwrap_or(last_line + 1);
        last_line = line;
        let name = record.get(name_col).unwrap_or("");
        if name.is_empty() {
            return Err(err(Some(line), "the name is empty".to_string()));
        }
        let Some(c) = ballot_names.iter().position(|n| n.trim() == name) else {
            return Err(err(
                Some(line),
                format!("{name:?} is not a candidate of the ballot file"),
            ));
        };
        if let Some((first, _)) = &found[c] {
            return Err(err(
                Some(line),
                format!("{name:?} is listed twice (first on line {first})"),
            ));
        }
        let attrs: BTreeMap<String, String> = columns
            .iter()
            .zip(record.iter())
            .enumerate()
            .filter(|(i, (_, v))| *i != name_col && !v.is_empty())
            .map(|(_, (k, v))| (k.clone(), v.to_string()))
            .collect();
        found[c] = Some((line, attrs));
    }
    let missing: Vec<&str> = ballot_names
        .iter()
        .zip(&found)
        .filter(|(_, f)| f.is_none())
        .map(|(n, _)| n.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(err(
            None,
            format!(
                "no row for {} of the ballot file's candidates: {}",
                missing.len(),
                missing.join(", ")
            ),
        ));
    }
    Ok(found
        .into_iter()
        .map(|f| f.map(|(_, a)| a).unwrap_or_default())
        .collect())
}

/// A CSV error without the position (which the caller gives as the line).
fn csv_problem(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} field(s) where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_string(),
        csv::ErrorKind::Io(io) => format!("cannot read: {io}"),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn reads_in_ballot_order() {
        let text = "name,gender,region\nBo,man,london\n Al , woman ,\n";
        let a = read(text.as_bytes(), "c.csv", &names(&["Al", "Bo"])).unwrap();
        assert_eq!(a[0].get("gender").map(String::as_str), Some("woman"));
        assert!(!a[0].contains_key("region"));
        assert_eq!(a[1].get("region").map(String::as_str), Some("london"));
    }

    #[test]
    fn errors_name_file_line_and_problem() {
        let ballot = names(&["Al", "Bo"]);
        let e = |t: &str| {
            read(t.as_bytes(), "c.csv", &ballot)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            e("who,gender\nAl,woman\n"),
            "c.csv:1: no column \"name\" (the header has who, gender)"
        );
        assert_eq!(
            e("name,gender\nAl,woman\nCy,man\n"),
            "c.csv:3: \"Cy\" is not a candidate of the ballot file"
        );
        assert_eq!(
            e("name,gender\nAl,woman\nBo,man\nAl,man\n"),
            "c.csv:4: \"Al\" is listed twice (first on line 2)"
        );
        assert_eq!(
            e("name,gender\nAl,woman\n"),
            "c.csv: no row for 1 of the ballot file's candidates: Bo"
        );
        assert_eq!(
            e("name,gender\nAl,woman,x\nBo,man\n"),
            "c.csv:2: 3 field(s) where the header has 2"
        );
        assert_eq!(
            e("name,gender,gender\nAl,w,w\nBo,m,m\n"),
            "c.csv:1: column \"gender\" appears twice"
        );
    }
}

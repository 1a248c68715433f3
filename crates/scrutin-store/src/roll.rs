//! The electoral roll: a CSV of members, read and checked before anything is stored. Pure.
//!
//! Columns (a header row names them, in any order; unknown columns are refused):
//! `id`, `name`, `joined`, `paid_up_to`, `branch` required; `email`, `address`,
//! `date_of_birth`, `self_declared` (attributes separated by `;`) optional.
//!
//! Errors stop the import and change nothing: a row the CSV reader cannot read, a missing
//! column, a duplicate member id, an empty id or name, a bad date, an email address that is
//! not one. Warnings do not stop it: an email address shared by several members (they are
//! sent postal packs instead), a member with no contact at all (no credential can reach them).

use std::collections::HashMap;

use crate::date::Date;
use crate::rules::{Contest, VoterRule};

/// One member on the roll.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub address: Option<String>,
    pub joined: Date,
    pub paid_up_to: Date,
    pub date_of_birth: Option<Date>,
    /// Self-declared attributes, sorted, joined with `;` (`bame;disabled`).
    pub self_declared: String,
    /// CLP or branch.
    pub branch: String,
}

impl Member {
    /// The canonical line of this member in the roll's fingerprint: fields separated by tabs
    /// (tabs and newlines in a field are refused at import), dates as ISO text, empty for none.
    pub fn canonical_line(&self) -> String {
        format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            self.id,
            self.name,
            self.email.as_deref().unwrap_or(""),
            self.address.as_deref().unwrap_or(""),
            self.joined,
            self.paid_up_to,
            self.date_of_birth
                .map(|d| d.to_string())
                .unwrap_or_default(),
            self.self_declared,
            self.branch
        )
    }

    /// Why this member may not vote under `rule`, one reason per rule broken; empty if
    /// eligible.
    pub fn ineligibility(&self, rule: &VoterRule) -> Vec<String> {
        let mut why = Vec::new();
        if self.joined > rule.joined_by {
            why.push(format!(
                "joined {}, after the freeze date {}",
                self.joined, rule.joined_by
            ));
        }
        if self.paid_up_to < rule.paid_up_by {
            why.push(format!(
                "in arrears: paid up to {}, needed {}",
                self.paid_up_to, rule.paid_up_by
            ));
        }
        if let Some((under, at)) = rule.age_under {
            match self.date_of_birth {
                None => why.push(format!(
                    "no date of birth: the section is for members under {under}"
                )),
                Some(b) if b.age_on(at) >= under as i32 => {
                    why.push(format!("aged {} on {at}, not under {under}", b.age_on(at)))
                }
                Some(_) => {}
            }
        }
        if let Some(attr) = &rule.self_declared {
            if !self.self_declared.split(';').any(|a| a == attr) {
                why.push(format!("has not self-declared \"{attr}\""));
            }
        }
        why
    }
}

/// One problem on one row of the roll file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowIssue {
    /// 1-based line in the file (the header is line 1); 0 for the file as a whole.
    pub line: u64,
    pub member: Option<String>,
    pub problem: String,
}

/// The validation report: what was read, what is wrong, who may vote where.
#[derive(Clone, Debug, Default)]
pub struct RollReport {
    pub file: String,
    pub rows: u64,
    /// Problems that stop the import.
    pub errors: Vec<RowIssue>,
    /// Problems that do not.
    pub warnings: Vec<RowIssue>,
}

impl RollReport {
    pub fn error_lines(&self) -> Vec<String> {
        self.errors
            .iter()
            .map(|e| format!("{}:{}: {}", self.file, e.line, e.problem))
            .collect()
    }
}

/// A read and checked roll, and for each contest who may vote and why the others may not.
#[derive(Clone, Debug)]
pub struct Roll {
    pub members: Vec<Member>,
    /// For each member (same order), for each contest (same order as given): `None` if
    /// eligible, else the reasons joined with `; `.
    pub eligibility: Vec<Vec<Option<String>>>,
    pub report: RollReport,
}

const KNOWN: [&str; 9] = [
    "id",
    "name",
    "email",
    "address",
    "joined",
    "paid_up_to",
    "date_of_birth",
    "self_declared",
    "branch",
];
const REQUIRED: [&str; 5] = ["id", "name", "joined", "paid_up_to", "branch"];

fn plausible_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

/// Reads and checks a roll. `Err` carries the report with every error found (the caller
/// stores nothing); `Ok` the roll with its warnings. At most `limit` errors are listed
/// (the count of the rest is the last one); `LIMIT` is 200.
pub fn read(bytes: &[u8], file: &str, contests: &[Contest]) -> Result<Roll, RollReport> {
    const LIMIT: usize = 200;
    let mut report = RollReport {
        file: file.to_string(),
        ..RollReport::default()
    };
    macro_rules! error {
        ($line:expr, $member:expr, $($arg:tt)*) => {
            report.errors.push(RowIssue { line: $line, member: $member, problem: format!($($arg)*) })
        };
    }
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes);
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            error!(1, None, "cannot read the header row: {e}");
            return Err(report);
        }
    };
    let mut col: HashMap<&str, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim();
        match KNOWN.iter().find(|k| **k == h) {
            Some(k) => {
                if col.insert(k, i).is_some() {
                    error!(1, None, "column {h:?} appears twice in the header");
                }
            }
            None => {
                error!(
                    1,
                    None,
                    "unknown column {h:?}; the columns are {}",
                    KNOWN.join(", ")
                );
            }
        }
    }
    for r in REQUIRED {
        if !col.contains_key(r) {
            error!(
                1,
                None,
                "the header has no {r:?} column (required: {})",
                REQUIRED.join(", ")
            );
        }
    }
    if !report.errors.is_empty() {
        return Err(report);
    }
    let get = |rec: &csv::StringRecord, c: &str| -> Option<String> {
        col.get(c)
            .and_then(|&i| rec.get(i))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let mut members = Vec::new();
    let mut lines: Vec<u64> = Vec::new();
    let mut seen_id: HashMap<String, u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                error!(line, None, "cannot read this row: {e}");
                // The reader cannot go on reliably after a broken quote; other errors
                // (a row with the wrong number of fields) are one row each.
                if matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. }) {
                    report.rows += 1;
                    continue;
                }
                break;
            }
        }
        report.rows += 1;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.iter().any(|f| f.contains(['\t', '\n', '\r'])) {
            error!(line, None, "a field holds a tab or a line break");
            continue;
        }
        let id = get(&record, "id");
        let Some(id) = id else {
            error!(line, None, "no member id");
            continue;
        };
        let who = Some(id.clone());
        if let Some(first) = seen_id.insert(id.clone(), line) {
            error!(
                line,
                who.clone(),
                "member {id} appears twice: also on line {first}"
            );
            continue;
        }
        let name = get(&record, "name");
        if name.is_none() {
            error!(line, who.clone(), "member {id} has no name");
        }
        let date = |c: &str, required: bool| -> Result<Option<Date>, String> {
            match get(&record, c) {
                None if required => Err(format!("member {id}: no {c} date")),
                None => Ok(None),
                Some(s) => Date::parse(&s)
                    .map(Some)
                    .map_err(|e| format!("member {id}: {c}: {e}")),
            }
        };
        let joined = date("joined", true);
        let paid = date("paid_up_to", true);
        let dob = date("date_of_birth", false);
        let mut bad = name.is_none();
        for d in [&joined, &paid, &dob] {
            if let Err(e) = d {
                error!(line, who.clone(), "{e}");
                bad = true;
            }
        }
        let email = get(&record, "email").map(|e| e.to_lowercase());
        if let Some(e) = &email {
            if !plausible_email(e) {
                error!(
                    line,
                    who.clone(),
                    "member {id}: {e:?} is not an email address"
                );
                bad = true;
            }
        }
        let branch = get(&record, "branch");
        if branch.is_none() {
            error!(line, who.clone(), "member {id} has no branch (CLP)");
            bad = true;
        }
        let (
            Some(name),
            Ok(Some(joined)),
            Ok(Some(paid_up_to)),
            Ok(date_of_birth),
            Some(branch),
            false,
        ) = (name, joined, paid, dob, branch, bad)
        else {
            continue;
        };
        let mut attrs: Vec<String> = get(&record, "self_declared")
            .unwrap_or_default()
            .split(';')
            .map(|a| a.trim().to_lowercase())
            .filter(|a| !a.is_empty())
            .collect();
        attrs.sort();
        attrs.dedup();
        members.push(Member {
            id,
            name,
            email,
            address: get(&record, "address"),
            joined,
            paid_up_to,
            date_of_birth,
            self_declared: attrs.join(";"),
            branch,
        });
        lines.push(line);
    }
    if report.errors.len() > LIMIT {
        let errors_beyond = report.errors.len() - LIMIT;
        report.errors.truncate(LIMIT);
        report.errors.push(RowIssue {
            line: 0,
            member: None,
            problem: format!("… and {errors_beyond} more errors"),
        });
    }
    if report.rows == 0 && report.errors.is_empty() {
        report.errors.push(RowIssue {
            line: 0,
            member: None,
            problem: "the roll has no members".into(),
        });
    }
    if !report.errors.is_empty() {
        return Err(report);
    }
    // Warnings: shared email addresses, no contact at all.
    let mut by_email: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, m) in members.iter().enumerate() {
        if let Some(e) = &m.email {
            by_email.entry(e.as_str()).or_default().push(i);
        }
    }
    let mut shared: Vec<&Vec<usize>> = by_email.values().filter(|v| v.len() > 1).collect();
    shared.sort();
    for v in shared {
        let ids: Vec<&str> = v.iter().map(|&i| members[i].id.as_str()).collect();
        report.warnings.push(RowIssue {
            line: lines[v[0]],
            member: Some(members[v[0]].id.clone()),
            problem: format!(
                "members {} share the email address {}: each will be sent a postal pack",
                ids.join(", "),
                members[v[0]].email.as_deref().unwrap_or("")
            ),
        });
    }
    for (i, m) in members.iter().enumerate() {
        if m.email.is_none() && m.address.is_none() {
            report.warnings.push(RowIssue {
                line: lines[i],
                member: Some(m.id.clone()),
                problem: format!("member {} has no email address and no postal address: no credential can reach them", m.id),
            });
        }
    }
    let eligibility = members
        .iter()
        .map(|m| {
            contests
                .iter()
                .map(|c| {
                    let why = m.ineligibility(&c.voters);
                    (!why.is_empty()).then(|| why.join("; "))
                })
                .collect()
        })
        .collect();
    Ok(Roll {
        members,
        eligibility,
        report,
    })
}

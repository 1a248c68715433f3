//! A body's dossier: the constitution and the declared results it names, loaded and checked
//! together.

use indexmap::IndexMap;
use scrutin_core::methods::Method;

use crate::constitution::{Constitution, Ctx};
use crate::results::{self, Checked, Contest, DeclaredResult};
use crate::BodyError;

/// A declared result, loaded.
#[derive(Debug)]
pub struct Loaded {
    /// The section it belongs to.
    pub section: String,
    /// The file, as the reader named it.
    pub file: String,
    pub result: DeclaredResult,
    pub checked: Checked,
}

/// The constitution with its results.
#[derive(Debug)]
pub struct Dossier {
    pub constitution: Constitution,
    /// By result id, in file order.
    pub results: IndexMap<String, Loaded>,
}

impl Dossier {
    /// Parses the constitution `src` (named `file` in errors), reads each result through
    /// `read` (given the `file = "…"` value, it returns the name to show in errors and the
    /// text, or a message), and checks everything. All problems are reported together.
    pub fn load(
        src: &str,
        file: &str,
        mut read: impl FnMut(&str) -> Result<(String, String), String>,
    ) -> Result<Dossier, BodyError> {
        let constitution = Constitution::parse(src, file)?;
        let mut cx = Ctx {
            file,
            src,
            issues: Vec::new(),
        };
        let mut results = IndexMap::new();
        let attributes: std::collections::BTreeMap<_, _> = constitution
            .members()
            .map(|(_, m)| (m.name().trim().to_string(), m.attribute_map()))
            .collect();
        for (i, s) in constitution.sections.iter().enumerate() {
            for (j, r) in s.results.iter().enumerate() {
                let path = format!("section[{i}].result[{j}].file");
                let (shown, text) = match read(r.file.get_ref()) {
                    Ok(x) => x,
                    Err(e) => {
                        cx.at(r.file.span(), path, e);
                        continue;
                    }
                };
                let result = match results::parse(&text, &shown) {
                    Ok(x) => x,
                    Err(mut v) => {
                        cx.issues.append(&mut v);
                        continue;
                    }
                };
                let contest = Contest {
                    seats: *r.seats.get_ref(),
                    method: Method::from_name(r.method.get_ref()),
                    rules: r.rules(),
                    total_votes: r.total_votes.as_ref().map(|t| *t.get_ref()),
                    attributes: attributes.clone(),
                };
                match results::check(&result, &contest, &shown) {
                    Ok(checked) => {
                        results.insert(
                            r.id().to_string(),
                            Loaded {
                                section: s.id().to_string(),
                                file: shown,
                                result,
                                checked,
                            },
                        );
                    }
                    Err(mut v) => cx.issues.append(&mut v),
                }
            }
            // Members said to be elected in a result must be marked elected there.
            for (j, m) in s.members.iter().enumerate() {
                let Some(e) = &m.elected_in else { continue };
                let Some(l) = results.get(e.get_ref()) else {
                    continue;
                };
                match l.result.row(m.name()) {
                    Some(row) if row.elected => {}
                    Some(row) => cx.at(
                        e.span(),
                        format!("section[{i}].member[{j}].elected_in"),
                        format!(
                            "{:?} is not marked elected in {} (line {})",
                            m.name(),
                            l.file,
                            row.line
                        ),
                    ),
                    None => cx.at(
                        e.span(),
                        format!("section[{i}].member[{j}].elected_in"),
                        format!("{:?} is not a candidate in {}", m.name(), l.file),
                    ),
                }
            }
        }
        if cx.issues.is_empty() {
            Ok(Dossier {
                constitution,
                results,
            })
        } else {
            Err(BodyError::Invalid(cx.issues))
        }
    }
}

//! The first difference between a declared report and a recount, named by its JSON path.

use serde_json::Value;

use scrutin_core::report::Report;

/// `None` if the reports are the same; otherwise the first field that differs, as
/// `` `stages[1].votes["Ann"]`: declared "12.00000", the recount gives "11.00000" ``.
pub(crate) fn report_difference(declared: &Report, recount: &Report) -> Option<String> {
    if declared == recount {
        return None;
    }
    let a = serde_json::to_value(declared).ok()?;
    let b = serde_json::to_value(recount).ok()?;
    let mut path = String::new();
    Some(
        first_difference(&a, &b, &mut path)
            .unwrap_or_else(|| "the reports differ (no field could be named)".to_string()),
    )
}

fn shown(v: Option<&Value>) -> String {
    match v {
        None => "nothing".to_string(),
        Some(v) => {
            let s = v.to_string();
            if s.chars().count() > 160 {
                let cut: String = s.chars().take(157).collect();
                format!("{cut}…")
            } else {
                s
            }
        }
    }
}

fn first_difference(a: &Value, b: &Value, path: &mut String) -> Option<String> {
    let here = |path: &str, x: Option<&Value>, y: Option<&Value>| {
        let p = if path.is_empty() {
            "(the report)"
        } else {
            path
        };
        format!(
            "`{p}`: declared {}, the recount gives {}",
            shown(x),
            shown(y)
        )
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys = x.keys().chain(y.keys().filter(|k| !x.contains_key(*k)));
            for k in keys {
                let len = path.len();
                if path.is_empty() {
                    path.push_str(k);
                } else if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    path.push('.');
                    path.push_str(k);
                } else {
                    path.push_str(&format!("[{}]", Value::String(k.clone())));
                }
                let found = match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => first_difference(u, v, path),
                    (u, v) => Some(here(path, u, v)),
                };
                if found.is_some() {
                    return found;
                }
                path.truncate(len);
            }
            // Same entries in another order.
            if x.keys().ne(y.keys()) {
                let keys = |m: &serde_json::Map<String, Value>| {
                    Value::Array(m.keys().cloned().map(Value::String).collect())
                };
                return Some(format!(
                    "{}: keys in another order",
                    here(path, Some(&keys(x)), Some(&keys(y)))
                ));
            }
            None
        }
        (Value::Array(x), Value::Array(y)) => {
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                if let Some(d) = first_difference(u, v, path) {
                    return Some(d);
                }
                path.truncate(len);
            }
            if x.len() != y.len() {
                return Some(format!(
                    "`{path}`: declared {} items, the recount gives {}",
                    x.len(),
                    y.len()
                ));
            }
            None
        }
        (x, y) if x == y => None,
        (x, y) => Some(here(path, Some(x), Some(y))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_the_first_differing_field() {
        let a = json!({"elected": ["A", "B"], "stages": [{"votes": {"Ann Lee": "3"}}]});
        let b = json!({"elected": ["A", "B"], "stages": [{"votes": {"Ann Lee": "4"}}]});
        let d = first_difference(&a, &b, &mut String::new()).unwrap();
        assert_eq!(
            d,
            r#"`stages[0].votes["Ann Lee"]`: declared "3", the recount gives "4""#
        );
        let c = json!({"elected": ["A"], "stages": []});
        let d = first_difference(&a, &c, &mut String::new()).unwrap();
        assert_eq!(d, "`elected`: declared 2 items, the recount gives 1");
        assert!(first_difference(&a, &a, &mut String::new()).is_none());
    }
}

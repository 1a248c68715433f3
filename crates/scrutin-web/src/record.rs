//! The published record: its files (`records_dir/{id}/…`), its archive
//! (`records_dir/{id}.tar`), and a ballot's inclusion proof read from it.
//!
//! Only elections the store knows are served, and only paths made of plain names (letters,
//! digits, `.`, `_`, `-`, not starting with a dot) that resolve inside the record's
//! directory to a regular file: no traversal, no hidden files, no links.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use maud::html;
use scrutin_store::PollState;

use crate::error::{WebError, WebResult};
use crate::page;
use crate::AppState;

/// Whether `s` is a plain file or directory name.
fn plain_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('.')
        && s.len() <= 200
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// The record's directory of an election id (the id checked to be a plain name).
fn record_dir(records: &Path, id: &str) -> Option<PathBuf> {
    plain_name(id).then(|| records.join(id))
}

/// Whether a record of `id` is on this server.
pub(crate) fn exists(records: &Path, id: &str) -> bool {
    record_dir(records, id).is_some_and(|d| d.join("manifest.json").is_file())
}

/// The record's files, `/`-separated relative paths in order (regular files only).
fn list(dir: &Path) -> std::io::Result<Vec<(String, u64)>> {
    fn walk(root: &Path, rel: &str, out: &mut Vec<(String, u64)>) -> std::io::Result<()> {
        let here = if rel.is_empty() {
            root.to_path_buf()
        } else {
            root.join(rel)
        };
        for entry in std::fs::read_dir(here)? {
            let entry = entry?;
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                continue;
            };
            if !plain_name(&name) {
                continue;
            }
            let path = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let kind = entry.file_type()?;
            if kind.is_dir() {
                walk(root, &path, out)?;
            } else if kind.is_file() {
                out.push((path, entry.metadata()?.len()));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, "", &mut out)?;
    out.sort();
    Ok(out)
}

/// The published state is required before anything of the record is served.
async fn published_dir(app: &AppState, id: &str) -> WebResult<PathBuf> {
    let st = app.store.box_status(id).await?;
    let not_yet = || WebError::NotFound("This election's record has not been published.".into());
    if st.state != PollState::Published {
        return Err(not_yet());
    }
    match record_dir(&app.config.records_dir, id) {
        Some(d) if d.join("manifest.json").is_file() => Ok(d),
        _ => Err(WebError::NotFound(
            "This election's record is not on this server.".into(),
        )),
    }
}

/// `GET /e/{id}/record`: the record's files.
pub(crate) async fn index(
    State(app): State<AppState>,
    UrlPath(id): UrlPath<String>,
) -> WebResult<Response> {
    let e = app.store.election(&id).await?;
    let dir = published_dir(&app, &id).await?;
    let files = tokio::task::spawn_blocking(move || list(&dir))
        .await
        .map_err(|e| WebError::Internal(format!("record listing: {e}")))?
        .map_err(|e| WebError::Internal(format!("record listing: {e}")))?;
    Ok(page::layout(
        &format!("Record: {}", e.title),
        html! {
            h1 { "The record of " (e.title) }
            p {
                "Signed by the returning officer (manifest.sig over manifest.json). "
                "Check it and recount every contest with " span.mono { "scrutin verify" } ". "
                a href={ "/e/" (id) "/record.tar" } { "Download it all (tar)" } "."
            }
            ul {
                @for (f, size) in &files {
                    li { a href={ "/e/" (id) "/record/" (f) } { (f) } " (" (size) " bytes)" }
                }
            }
        },
    )
    .into_response())
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("json") => "application/json",
        Some("csv") => "text/csv; charset=utf-8",
        Some("jsonl" | "txt" | "toml" | "blt" | "sig" | "md") => "text/plain; charset=utf-8",
        Some("html") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// A file streamed from disk.
async fn send_file(
    path: &Path,
    content_type: &'static str,
    download: Option<&str>,
) -> WebResult<Response> {
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|_| WebError::NotFound("There is no such file in the record.".into()))?;
    let len = file
        .metadata()
        .await
        .map_err(|e| WebError::Internal(format!("record file: {e}")))?
        .len();
    let mut res = Body::from_stream(tokio_util::io::ReaderStream::new(file)).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    if let Some(name) = download {
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    Ok(res)
}

/// `GET /e/{id}/record/{*file}`: one file of the record.
pub(crate) async fn file(
    State(app): State<AppState>,
    UrlPath((id, file)): UrlPath<(String, String)>,
) -> WebResult<Response> {
    let dir = published_dir(&app, &id).await?;
    let parts: Vec<&str> = file.split('/').collect();
    if parts.is_empty() || !parts.iter().all(|p| plain_name(p)) {
        return Err(WebError::NotFound(
            "There is no such file in the record.".into(),
        ));
    }
    let path = parts.iter().fold(dir.clone(), |p, c| p.join(c));
    // Resolve links and make sure the file is still inside the record, and regular.
    let (base, real) = match (
        tokio::fs::canonicalize(&dir).await,
        tokio::fs::canonicalize(&path).await,
    ) {
        (Ok(b), Ok(r)) => (b, r),
        _ => {
            return Err(WebError::NotFound(
                "There is no such file in the record.".into(),
            ))
        }
    };
    let meta = tokio::fs::symlink_metadata(&path).await;
    if !real.starts_with(&base) || !meta.is_ok_and(|m| m.file_type().is_file()) {
        return Err(WebError::NotFound(
            "There is no such file in the record.".into(),
        ));
    }
    send_file(&real, content_type(&file), None).await
}

/// `GET /e/{id}/record.tar`: the record's archive, as written at publication.
pub(crate) async fn tarball(
    State(app): State<AppState>,
    UrlPath(id): UrlPath<String>,
) -> WebResult<Response> {
    let _ = published_dir(&app, &id).await?;
    let archive = app.config.records_dir.join(format!("{id}.tar"));
    match tokio::fs::symlink_metadata(&archive).await {
        Ok(m) if m.file_type().is_file() => {}
        _ => {
            return Err(WebError::NotFound(
                "This election's record archive is not on this server.".into(),
            ))
        }
    }
    send_file(&archive, "application/x-tar", Some(&format!("{id}.tar"))).await
}

/// A ballot's place in the published record, with its proof of inclusion.
pub(crate) async fn inclusion(
    records: &Path,
    id: &str,
    tracker: &str,
) -> Result<Option<scrutin_record::Lookup>, String> {
    let Some(dir) = record_dir(records, id) else {
        return Ok(None);
    };
    if !dir.join("manifest.json").is_file() {
        return Ok(None);
    }
    let tracker = tracker.to_string();
    tokio::task::spawn_blocking(move || scrutin_record::lookup(&dir, &tracker))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_pass() {
        for bad in [
            "", ".", "..", ".hidden", "a/b", "a\\b", "a b", "%2e%2e", "é",
        ] {
            assert!(!plain_name(bad), "{bad:?}");
        }
        for good in [
            "manifest.json",
            "results",
            "clp.blt",
            "ballots.jsonl",
            "a-b_c.d",
        ] {
            assert!(plain_name(good), "{good:?}");
        }
        assert!(record_dir(Path::new("/r"), "../etc").is_none());
        assert_eq!(content_type("results/clp.json"), "application/json");
        assert_eq!(content_type("x.bin"), "application/octet-stream");
    }
}

//! A record's files in memory, read from its directory or from its tar archive, and the
//! archive writer.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Component, Path};

/// Every file of a record: its `/`-separated path relative to the record's root → bytes.
#[derive(Debug, Default)]
pub(crate) struct RecordFiles {
    pub files: BTreeMap<String, Vec<u8>>,
}

impl RecordFiles {
    /// Reads a record directory, or a tar archive of one (its files either at the archive's
    /// root or all under one top-level directory).
    pub fn open(path: &Path) -> Result<RecordFiles, String> {
        let meta = fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if meta.is_dir() {
            let mut files = BTreeMap::new();
            read_dir(path, "", &mut files)?;
            Ok(RecordFiles { files })
        } else {
            read_tar(path)
        }
    }

    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(Vec::as_slice)
    }
}

fn read_dir(root: &Path, prefix: &str, out: &mut BTreeMap<String, Vec<u8>>) -> Result<(), String> {
    let dir = root.join(prefix);
    let entries = fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let name = entry.file_name();
        let name = name
            .to_str()
            .ok_or_else(|| format!("{}: a file name that is not UTF-8: {name:?}", dir.display()))?;
        let rel = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}/{name}")
        };
        let kind = entry
            .file_type()
            .map_err(|e| format!("{}: {e}", entry.path().display()))?;
        if kind.is_dir() {
            read_dir(root, &rel, out)?;
        } else if kind.is_file() {
            let bytes = fs::read(entry.path()).map_err(|e| format!("{rel}: {e}"))?;
            out.insert(rel, bytes);
        } else {
            return Err(format!(
                "{rel}: not a regular file (a record holds no links or devices)"
            ));
        }
    }
    Ok(())
}

fn read_tar(path: &Path) -> Result<RecordFiles, String> {
    let shown = path.display().to_string();
    let file = fs::File::open(path).map_err(|e| format!("{shown}: {e}"))?;
    let mut archive = tar::Archive::new(std::io::BufReader::new(file));
    let entries = archive
        .entries()
        .map_err(|e| format!("{shown}: not a tar archive: {e}"))?;
    let mut files = BTreeMap::new();
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("{shown}: not a readable tar archive: {e}"))?;
        let kind = entry.header().entry_type();
        let raw = entry
            .path()
            .map_err(|e| format!("{shown}: an entry with an unreadable name: {e}"))?
            .into_owned();
        let mut parts = Vec::new();
        for c in raw.components() {
            match c {
                Component::Normal(p) => parts.push(
                    p.to_str()
                        .ok_or_else(|| format!("{shown}: a name that is not UTF-8: {raw:?}"))?
                        .to_string(),
                ),
                Component::CurDir => {}
                _ => {
                    return Err(format!(
                        "{shown}: entry {} leaves the archive's directory",
                        raw.display()
                    ))
                }
            }
        }
        let name = parts.join("/");
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            return Err(format!(
                "{shown}: entry {name} is not a regular file (a record holds no links or devices)"
            ));
        }
        let mut bytes = Vec::new();
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{shown}: entry {name}: {e}"))?;
        if files.insert(name.clone(), bytes).is_some() {
            return Err(format!("{shown}: entry {name} appears twice"));
        }
    }
    // One top-level directory holding everything is the archive's wrapper, not the record.
    let top: Option<&str> = files
        .keys()
        .next()
        .and_then(|k| k.split_once('/'))
        .map(|p| p.0);
    if let Some(top) = top {
        let prefix = format!("{top}/");
        if files.keys().all(|k| k.starts_with(&prefix)) {
            let files = files
                .into_iter()
                .map(|(k, v)| (k[prefix.len()..].to_string(), v))
                .collect();
            return Ok(RecordFiles { files });
        }
    }
    Ok(RecordFiles { files })
}

/// Writes `files` as a tar archive under the directory `prefix`, with fixed headers (mode
/// 0644, owner 0, mtime 0, no user or group names) in path order, so that the same record
/// always makes the same bytes.
pub(crate) fn write_tar(
    archive: &Path,
    prefix: &str,
    files: &BTreeMap<String, Vec<u8>>,
) -> std::io::Result<()> {
    let file = fs::File::create(archive)?;
    let mut builder = tar::Builder::new(std::io::BufWriter::new(file));
    builder.mode(tar::HeaderMode::Deterministic);
    for (path, bytes) in files {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        builder.append_data(&mut header, format!("{prefix}/{path}"), bytes.as_slice())?;
    }
    let mut inner = builder.into_inner()?;
    std::io::Write::flush(&mut inner)?;
    inner.get_ref().sync_all()
}

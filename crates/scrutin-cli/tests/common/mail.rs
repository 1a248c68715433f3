//! The messages the loopback SMTP sink (tests/smtp_sink.py) has received, as their readers
//! see them.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The messages the SMTP sink has received: (recipients, whole message, decoded).
pub fn messages(dir: &Path) -> Vec<(String, String)> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| {
            let text = quoted_printable(&std::fs::read_to_string(p).unwrap());
            let rcpt = text
                .lines()
                .next()
                .unwrap()
                .trim_start_matches("X-Rcpt: ")
                .to_string();
            (rcpt, text)
        })
        .collect()
}

/// A message as its reader sees it: quoted-printable soft line breaks joined, `=XX` decoded.
fn quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let b = joined.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'='
            && i + 2 < b.len()
            && b[i + 1].is_ascii_hexdigit()
            && b[i + 2].is_ascii_hexdigit()
        {
            out.push(u8::from_str_radix(&joined[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

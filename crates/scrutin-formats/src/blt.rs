//! BLT ballot files: a streaming reader and a canonical writer.
//!
//! The reader accepts the dialects written by OpenSTV, OpaVote, Droop, stv-rs and the Scottish
//! local-government data (scot-elex):
//!
//! ```text
//! 4 2                      candidates and seats
//! -4                       optional: withdrawn candidates as negative numbers
//! [nick a b c d]           optional lines in brackets, before the ballots
//! (b1) 3 1 2=3 - 4 0       [(id)] weight, preferences (`=`: ranked equally, `-`: skipped), 0
//! 0                        end of the ballots
//! "Apple"                  one name per candidate, quoted ("" is a quote) or the bare line
//! "Title"                  optional title; anything after it is ignored
//! ```
//!
//! Also: an optional UTF-8 byte-order mark, LF or CRLF line ends, blank lines anywhere, one
//! trailing comma on any line (treated as absent), and `#` comment lines. Files that give no
//! name lines but `# ALTERNATIVE NAME i: …` comments (Glasgow 2007) take their names from those.
//! A name line with a second quoted string, `"Sasha BRYDON" "Scottish Labour Party"` (49
//! Scottish 2022 files), names the candidate `Sasha BRYDON (Scottish Labour Party)`.
//!
//! The reader works line by line with one reused buffer and feeds each ballot straight into a
//! [`ProfileBuilder`], so identical rankings are merged as they arrive and the whole text is
//! never held in memory. Every malformed input is a [`BltError::Syntax`] naming the line and
//! column; no input makes it panic.

use std::collections::HashMap;
use std::io::{self, BufRead, Write};
use std::path::Path;

use scrutin_core::model::{ProfileError, RankView};
use scrutin_core::{Candidate, CandidateId, Election, Profile, ProfileBuilder, Weight};

/// Most candidates a BLT header may declare. A header is read before anything else, so this
/// bounds the memory a file can make the reader set aside before giving a single ballot.
pub const MAX_BLT_CANDIDATES: usize = 100_000;

/// Everything a BLT file says.
#[derive(Clone, Debug)]
pub struct BltFile {
    pub title: String,
    pub seats: u32,
    /// Names in ballot order (the same as the profile's names).
    pub candidates: Vec<String>,
    pub withdrawn: Vec<CandidateId>,
    pub profile: Profile,
    /// An explicit tie-break order from a `[tie …]` line: every candidate once.
    pub tie_order: Option<Vec<CandidateId>>,
    /// Nicknames from a `[nick …]` line, one per candidate.
    pub nicknames: Option<Vec<String>>,
    /// Every other `[keyword …]` line: the keyword and its words, as written.
    pub options: Vec<(String, Vec<String>)>,
}

impl BltFile {
    /// The election to count (clones the profile).
    pub fn election(&self) -> Election {
        Election {
            title: self.title.clone(),
            seats: self.seats,
            profile: self.profile.clone(),
            withdrawn: self.withdrawn.clone(),
        }
    }

    /// The election to count, without copying the profile.
    pub fn into_election(self) -> Election {
        Election {
            title: self.title,
            seats: self.seats,
            profile: self.profile,
            withdrawn: self.withdrawn,
        }
    }
}

/// Why a BLT file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BltError {
    /// Malformed input; `line` and `column` are 1-based (columns count characters).
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// The reader failed.
    #[error("{file}: {error}")]
    Io {
        file: String,
        #[source]
        error: io::Error,
    },
}

/// Reads a BLT file. `source` names the file in error messages (`nec.blt`, `<stdin>`) and
/// gives the title when the file has none.
pub fn read<R: BufRead>(mut reader: R, source: &str) -> Result<BltFile, BltError> {
    let mut parser = Parser::new(source);
    let mut buf = Vec::with_capacity(256);
    let mut line_no = 0usize;
    // Where the file ends, for errors about what is missing.
    let mut eof = (1usize, 1usize);
    loop {
        // Plain ballot lines (`3 1 4 2 0`: numbers and spaces) are read straight from the
        // reader's buffer. Anything else, or a line the buffer holds only part of, is left
        // to the careful path below, which gives the same result or the exact error.
        if parser.phase == Phase::Ballots && parser.lookup.nicks.is_none() {
            let chunk = reader.fill_buf().map_err(|error| BltError::Io {
                file: source.to_owned(),
                error,
            })?;
            let mut used = 0;
            while let Some(k) = parser.plain_ballot(&chunk[used..]) {
                used += k;
                line_no = line_no.saturating_add(1);
            }
            if used > 0 {
                reader.consume(used);
                eof = (line_no.saturating_add(1), 1);
                continue;
            }
        }
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|error| BltError::Io {
                file: source.to_owned(),
                error,
            })?;
        if n == 0 {
            break;
        }
        line_no = line_no.saturating_add(1);
        let mut bytes = buf.as_slice();
        let ended = bytes.last() == Some(&b'\n');
        if ended {
            bytes = &bytes[..bytes.len() - 1];
        }
        if bytes.last() == Some(&b'\r') {
            bytes = &bytes[..bytes.len() - 1];
        }
        if line_no == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                let good = e.valid_up_to();
                let column =
                    std::str::from_utf8(&bytes[..good]).map_or(good, |s| s.chars().count());
                let byte = bytes.get(good).copied().unwrap_or(0);
                return Err(syntax(
                    source,
                    line_no,
                    column.saturating_add(1),
                    format!("expected UTF-8 text, found the byte 0x{byte:02X}"),
                ));
            }
        };
        eof = if ended {
            (line_no.saturating_add(1), 1)
        } else {
            (line_no, text.chars().count().saturating_add(1))
        };
        let at = At {
            file: source,
            line: line_no,
            text,
        };
        if parser.line(at)? == Flow::Done {
            break;
        }
    }
    parser.finish(eof)
}

/// Reads a BLT file held in a string.
pub fn read_str(text: &str, source: &str) -> Result<BltFile, BltError> {
    read(text.as_bytes(), source)
}

/// Writes `election` as a canonical BLT file: header, withdrawn line (if any), one line per
/// distinct ranking, `0`, quoted names and the quoted title.
///
/// Fails with [`io::ErrorKind::InvalidInput`] for what BLT cannot hold: no candidates, more
/// than [`MAX_BLT_CANDIDATES`], a withdrawn candidate that does not exist, or a line break in a
/// name or the title.
pub fn write<W: Write>(w: W, election: &Election) -> io::Result<()> {
    let profile = &election.profile;
    let n = profile.candidates().len();
    if n == 0 || n > MAX_BLT_CANDIDATES {
        return Err(invalid(format!(
            "a BLT file holds 1 to {MAX_BLT_CANDIDATES} candidates, not {n}"
        )));
    }
    if let Some(c) = election.withdrawn.iter().find(|c| c.index() >= n) {
        return Err(invalid(format!(
            "withdrawn candidate {} does not exist (there are {n} candidates)",
            u64::from(c.0) + 1
        )));
    }
    for text in profile
        .candidates()
        .iter()
        .map(|c| c.name.as_str())
        .chain([election.title.as_str()])
    {
        if text.contains(['\n', '\r']) {
            return Err(invalid(format!(
                "{text:?} contains a line break, which a BLT file cannot hold"
            )));
        }
    }
    let mut w = io::BufWriter::new(w);
    writeln!(w, "{n} {}", election.seats)?;
    if !election.withdrawn.is_empty() {
        for (i, c) in election.withdrawn.iter().enumerate() {
            let sep = if i == 0 { "" } else { " " };
            write!(w, "{sep}-{}", u64::from(c.0) + 1)?;
        }
        w.write_all(b"\n")?;
    }
    for ballot in profile.ballots() {
        write!(w, "{}", ballot.weight)?;
        for rank in ballot.ranks() {
            match rank {
                RankView::One(c) => write!(w, " {}", u64::from(c.0) + 1)?,
                RankView::Equal(group) => {
                    for (i, c) in group.iter().enumerate() {
                        let sep = if i == 0 { " " } else { "=" };
                        write!(w, "{sep}{}", u64::from(c.0) + 1)?;
                    }
                }
                RankView::Skipped => w.write_all(b" -")?,
            }
        }
        w.write_all(b" 0\n")?;
    }
    w.write_all(b"0\n")?;
    for c in profile.candidates() {
        write_quoted(&mut w, &c.name)?;
    }
    write_quoted(&mut w, &election.title)?;
    w.flush()
}

fn write_quoted<W: Write>(w: &mut W, text: &str) -> io::Result<()> {
    w.write_all(b"\"")?;
    w.write_all(text.replace('"', "\"\"").as_bytes())?;
    w.write_all(b"\"\n")
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

fn syntax(file: &str, line: usize, column: usize, message: impl Into<String>) -> BltError {
    BltError::Syntax {
        file: file.to_owned(),
        line,
        column,
        message: message.into(),
    }
}

/// One line being read: where it is, for error messages.
#[derive(Clone, Copy)]
struct At<'a> {
    file: &'a str,
    line: usize,
    /// The line without its end, CR or byte-order mark. Offsets below index into it.
    text: &'a str,
}

impl At<'_> {
    fn column(&self, offset: usize) -> usize {
        self.text
            .get(..offset)
            .map_or(offset, |s| s.chars().count())
            .saturating_add(1)
    }
    fn err(&self, offset: usize, message: impl Into<String>) -> BltError {
        syntax(self.file, self.line, self.column(offset), message)
    }
}

/// A token as shown in a message: quoted, escaped, cut short if long.
fn shown(token: &str) -> String {
    const MAX: usize = 40;
    if token.chars().count() > MAX {
        let head: String = token.chars().take(MAX).collect();
        format!("{head:?}…")
    } else {
        format!("{token:?}")
    }
}

/// Whitespace-separated tokens of a line, with their byte offsets.
struct Tokens<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = (usize, &'a str);

    #[inline]
    fn next(&mut self) -> Option<(usize, &'a str)> {
        let b = self.text.as_bytes();
        while b.get(self.pos).is_some_and(u8::is_ascii_whitespace) {
            self.pos += 1;
        }
        if self.pos >= b.len() {
            return None;
        }
        let start = self.pos;
        while b.get(self.pos).is_some_and(|c| !c.is_ascii_whitespace()) {
            self.pos += 1;
        }
        // Both ends sit next to ASCII whitespace or at the ends, so they are char boundaries.
        self.text.get(start..self.pos).map(|t| (start, t))
    }
}

fn tokens(text: &str, pos: usize) -> Tokens<'_> {
    Tokens { text, pos }
}

/// A decimal number of at most `u32::MAX`: digits only.
#[inline]
fn parse_u32(s: &str) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    let mut n: u32 = 0;
    for &d in s.as_bytes() {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u32::from(d - b'0'))?;
    }
    Some(n)
}

#[inline]
fn parse_weight(token: &str) -> Result<Weight, String> {
    let b = token.as_bytes();
    if !b.is_empty() && b.len() <= 18 && b.iter().all(u8::is_ascii_digit) {
        let mut n: u64 = 0;
        for &d in b {
            n = n
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(d - b'0')))
                .unwrap_or(u64::MAX);
        }
        if let Some(w) = Weight::from_int(n) {
            return Ok(w);
        }
    }
    if let Some(w) = Weight::parse(token) {
        return Ok(w);
    }
    let (int, frac) = token.split_once('.').unwrap_or((token, ""));
    let digits = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
    if !int.is_empty() && digits(int) && digits(frac) {
        if frac.len() > 6 {
            Err(format!(
                "ballot weight {} has more than 6 decimal places",
                shown(token)
            ))
        } else {
            Err(format!("ballot weight {} is too large", shown(token)))
        }
    } else {
        Err(format!(
            "expected a ballot weight (a number such as 1 or 2.5), found {}",
            shown(token)
        ))
    }
}

/// The candidates as ballots name them: numbers 1..=count, or nicknames.
struct Lookup {
    count: usize,
    nicks: Option<HashMap<String, u32>>,
}

impl Lookup {
    #[inline]
    fn find(&self, token: &str) -> Option<CandidateId> {
        if let Some(&i) = self.nicks.as_ref().and_then(|m| m.get(token)) {
            return Some(CandidateId(i));
        }
        let n = parse_u32(token)?;
        (n >= 1 && n as usize <= self.count).then(|| CandidateId(n - 1))
    }

    fn expected(&self) -> String {
        let nick = if self.nicks.is_some() {
            " or a nickname"
        } else {
            ""
        };
        format!(
            "expected a candidate number between 1 and {}{nick}",
            self.count
        )
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Header,
    Ballots,
    Names,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Flow {
    More,
    Done,
}

/// A name or title found after the ballots, and where.
struct Item {
    text: String,
    line: usize,
    column: usize,
}

struct Parser<'a> {
    file: &'a str,
    phase: Phase,
    seats: u32,
    lookup: Lookup,
    builder: ProfileBuilder,
    seen_ballot: bool,
    withdrawn: Vec<CandidateId>,
    nicknames: Option<Vec<String>>,
    tie_order: Option<Vec<CandidateId>>,
    options: Vec<(String, Vec<String>)>,
    /// The first `count + 1` names and title lines after the ballots.
    items: Vec<Item>,
    /// `# ALTERNATIVE NAME i: …` comments, by candidate (empty until one is seen).
    alt_names: Vec<Option<Item>>,
}

impl<'a> Parser<'a> {
    fn new(file: &'a str) -> Self {
        Parser {
            file,
            phase: Phase::Header,
            seats: 0,
            lookup: Lookup {
                count: 0,
                nicks: None,
            },
            // Replaced once the header gives the number of candidates.
            builder: ProfileBuilder::new(Vec::new()).expect("an empty candidate list is allowed"),
            seen_ballot: false,
            withdrawn: Vec::new(),
            nicknames: None,
            tie_order: None,
            options: Vec::new(),
            items: Vec::new(),
            alt_names: Vec::new(),
        }
    }

    fn line(&mut self, at: At<'_>) -> Result<Flow, BltError> {
        // One trailing comma counts as absent (a Scottish file ends every line with one).
        let trimmed = at.text.trim_end();
        let body = trimmed.strip_suffix(',').map_or(trimmed, str::trim_end);
        let bytes = body.as_bytes();
        let Some(start) = bytes.iter().position(|b| !b.is_ascii_whitespace()) else {
            return Ok(Flow::More);
        };
        let first = bytes[start];
        if first == b'#' {
            self.comment(at, body, start);
            return Ok(Flow::More);
        }
        match self.phase {
            Phase::Header => self.header(at, body, start)?,
            Phase::Ballots => {
                if &bytes[start..] == b"0" {
                    self.phase = Phase::Names;
                } else if first == b'[' {
                    self.option(at, body, start)?;
                } else if first == b'-' {
                    self.withdrawn_line(at, body, start)?;
                } else {
                    self.seen_ballot = true;
                    self.ballot(at, body, start)?;
                }
            }
            Phase::Names => return self.name_line(at, body, start),
        }
        Ok(Flow::More)
    }

    /// The plain ballot line at the start of `bytes`, if it is one: a whole number weight of
    /// at most 18 digits, candidate numbers, the closing 0, separated by spaces, then the
    /// line end (`\n` or `\r\n`). Adds the ballot and returns the line's length with its
    /// end. `None` for anything else (including a line not ended within `bytes`, an unknown
    /// or repeated candidate, or an overflow): the careful path then reads the line anew,
    /// [`ProfileBuilder::begin`] dropping whatever this one gave the builder.
    #[inline]
    fn plain_ballot(&mut self, bytes: &[u8]) -> Option<usize> {
        let count = self.lookup.count as u32;
        let mut i = 0;
        let mut weight: u64 = 0;
        while let Some(&d) = bytes.get(i).filter(|d| d.is_ascii_digit()) {
            if i == 18 {
                return None; // nineteen digits or more: the careful path says what is wrong
            }
            weight = weight * 10 + u64::from(d - b'0');
            i += 1;
        }
        if i == 0 || bytes.get(i) != Some(&b' ') {
            return None;
        }
        let weight = Weight::from_int(weight)?;
        self.builder.begin();
        loop {
            let gap = i;
            while bytes.get(i) == Some(&b' ') {
                i += 1;
            }
            if i == gap {
                return None;
            }
            let from = i;
            let mut c: u32 = 0;
            while let Some(&d) = bytes.get(i).filter(|d| d.is_ascii_digit()) {
                if i - from == 9 {
                    return None; // ten digits or more: the careful path says what is wrong
                }
                c = c * 10 + u32::from(d - b'0');
                i += 1;
            }
            if i - from == 1 && c == 0 {
                break;
            }
            if c == 0 || c > count {
                return None;
            }
            self.builder.rank(CandidateId(c - 1), false).ok()?;
        }
        while bytes.get(i) == Some(&b' ') {
            i += 1;
        }
        if bytes.get(i) == Some(&b'\r') {
            i += 1;
        }
        if bytes.get(i) != Some(&b'\n') {
            return None;
        }
        self.builder.finish(weight).ok()?;
        self.seen_ballot = true;
        Some(i + 1)
    }

    fn header(&mut self, at: At<'_>, body: &str, start: usize) -> Result<(), BltError> {
        let mut toks = tokens(body, start);
        let Some((p1, t1)) = toks.next() else {
            return Err(at.err(start, "expected the number of candidates and seats"));
        };
        let Some(count) = parse_u32(t1) else {
            return Err(at.err(
                p1,
                format!(
                    "expected the number of candidates and seats, such as \"9 4\", found {}",
                    shown(t1)
                ),
            ));
        };
        if count == 0 {
            return Err(at.err(p1, "expected at least 1 candidate, found \"0\""));
        }
        let count = count as usize;
        if count > MAX_BLT_CANDIDATES {
            return Err(at.err(
                p1,
                format!("too many candidates: {count} (this program reads at most {MAX_BLT_CANDIDATES})"),
            ));
        }
        let Some((p2, t2)) = toks.next() else {
            return Err(at.err(
                body.len(),
                "expected the number of seats after the number of candidates",
            ));
        };
        let Some(seats) = parse_u32(t2) else {
            return Err(at.err(
                p2,
                format!("expected the number of seats, found {}", shown(t2)),
            ));
        };
        if let Some((p3, t3)) = toks.next() {
            return Err(at.err(
                p3,
                format!(
                    "unexpected {} after the number of candidates and seats",
                    shown(t3)
                ),
            ));
        }
        let names = (0..count)
            .map(|_| Candidate {
                name: String::new(),
            })
            .collect();
        self.builder = ProfileBuilder::new(names).map_err(|e| at.err(p1, e.to_string()))?;
        self.lookup.count = count;
        self.seats = seats;
        self.phase = Phase::Ballots;
        Ok(())
    }

    /// A candidate named in an option or withdrawn line.
    fn candidate(&self, at: At<'_>, pos: usize, token: &str) -> Result<CandidateId, BltError> {
        self.lookup.find(token).ok_or_else(|| {
            at.err(
                pos,
                format!("{}, found {}", self.lookup.expected(), shown(token)),
            )
        })
    }

    fn add_withdrawn(&mut self, c: CandidateId) {
        if !self.withdrawn.contains(&c) {
            self.withdrawn.push(c);
        }
    }

    fn withdrawn_line(&mut self, at: At<'_>, body: &str, start: usize) -> Result<(), BltError> {
        if self.seen_ballot {
            return Err(at.err(
                start,
                "withdrawn candidates (negative numbers) must come before the ballots",
            ));
        }
        for (pos, tok) in tokens(body, start) {
            let c = tok.strip_prefix('-').and_then(|t| self.lookup.find(t)).ok_or_else(|| {
                at.err(
                    pos,
                    format!(
                        "expected a withdrawn candidate as a negative number between -1 and -{}, found {}",
                        self.lookup.count,
                        shown(tok)
                    ),
                )
            })?;
            self.add_withdrawn(c);
        }
        Ok(())
    }

    fn option(&mut self, at: At<'_>, body: &str, start: usize) -> Result<(), BltError> {
        if self.seen_ballot {
            return Err(at.err(
                start,
                "option lines in [brackets] must come before the ballots",
            ));
        }
        let Some(inner) = body.get(start + 1..).and_then(|s| s.strip_suffix(']')) else {
            return Err(at.err(body.len(), "expected \"]\" at the end of the option line"));
        };
        let mut toks = tokens(inner, 0).map(|(p, t)| (p + start + 1, t));
        let Some((_, keyword)) = toks.next() else {
            return Err(at.err(start, "expected a keyword after \"[\""));
        };
        let words: Vec<(usize, &str)> = toks.collect();
        let count = self.lookup.count;
        match keyword {
            "nick" => {
                if self.nicknames.is_some() {
                    return Err(at.err(start, "a second [nick] line"));
                }
                if words.len() != count {
                    return Err(at.err(
                        start,
                        format!(
                            "expected {count} nicknames, one per candidate, found {}",
                            words.len()
                        ),
                    ));
                }
                let mut map = HashMap::with_capacity(count);
                for (i, &(pos, w)) in words.iter().enumerate() {
                    if w == "0" || w == "-" || w.contains('=') {
                        return Err(at.err(
                            pos,
                            format!("nickname {} cannot be used: a nickname may not be 0 or - or contain =", shown(w)),
                        ));
                    }
                    if map.insert(w.to_owned(), i as u32).is_some() {
                        return Err(at.err(pos, format!("nickname {} is given twice", shown(w))));
                    }
                }
                self.lookup.nicks = Some(map);
                self.nicknames = Some(words.iter().map(|&(_, w)| w.to_owned()).collect());
            }
            "withdrawn" => {
                for &(pos, w) in &words {
                    let c = self.candidate(at, pos, w)?;
                    self.add_withdrawn(c);
                }
            }
            "tie" => {
                if self.tie_order.is_some() {
                    return Err(at.err(start, "a second [tie] line"));
                }
                let mut order = Vec::with_capacity(words.len());
                for &(pos, w) in &words {
                    let c = self.candidate(at, pos, w)?;
                    if order.contains(&c) {
                        return Err(at.err(
                            pos,
                            format!("candidate {w} appears twice in the [tie] line"),
                        ));
                    }
                    order.push(c);
                }
                if order.len() != count {
                    return Err(at.err(
                        start,
                        format!(
                            "expected the [tie] line to list all {count} candidates, found {}",
                            order.len()
                        ),
                    ));
                }
                self.tie_order = Some(order);
            }
            _ => self.options.push((
                keyword.to_owned(),
                words.iter().map(|&(_, w)| w.to_owned()).collect(),
            )),
        }
        Ok(())
    }

    fn ballot(&mut self, at: At<'_>, body: &str, start: usize) -> Result<(), BltError> {
        let mut toks = tokens(body, start);
        if body.as_bytes().get(start) == Some(&b'(') {
            match body.get(start..).and_then(|s| s.find(')')) {
                Some(k) => toks.pos = start + k + 1,
                None => return Err(at.err(start, "expected \")\" to close the ballot id")),
            }
        }
        let Some((wpos, wtok)) = toks.next() else {
            return Err(at.err(body.len(), "expected a ballot weight after the ballot id"));
        };
        let weight = parse_weight(wtok).map_err(|m| at.err(wpos, m))?;
        let builder = &mut self.builder;
        let lookup = &self.lookup;
        builder.begin();
        loop {
            let Some((pos, tok)) = toks.next() else {
                return Err(at.err(body.len(), "expected 0 at the end of the ballot line"));
            };
            if tok == "0" {
                if let Some((p, t)) = toks.next() {
                    return Err(at.err(
                        p,
                        format!("unexpected {} after the 0 that ends the ballot", shown(t)),
                    ));
                }
                return builder.finish(weight).map_err(|e| {
                    let message = match e {
                        ProfileError::WeightOverflow => {
                            "the ballot weights add up to more than this program can hold"
                                .to_owned()
                        }
                        e => e.to_string(),
                    };
                    at.err(wpos, message)
                });
            }
            if tok == "-" {
                builder.skip();
                continue;
            }
            let mut off = pos;
            for (i, part) in tok.split('=').enumerate() {
                if part.is_empty() {
                    return Err(at.err(off, format!("{} on each side of \"=\"", lookup.expected())));
                }
                let Some(c) = lookup.find(part) else {
                    return Err(
                        at.err(off, format!("{}, found {}", lookup.expected(), shown(part)))
                    );
                };
                builder.rank(c, i > 0).map_err(|e| match e {
                    ProfileError::RepeatedCandidate(_) => at.err(
                        off,
                        format!("candidate {part} appears twice on this ballot"),
                    ),
                    e => at.err(off, e.to_string()),
                })?;
                off += part.len() + 1;
            }
        }
    }

    fn comment(&mut self, at: At<'_>, body: &str, start: usize) {
        if self.phase == Phase::Header {
            return;
        }
        // `# ALTERNATIVE NAME 3: Philip Braat (Lab)`
        let Some(rest) = body.get(start + 1..) else {
            return;
        };
        let rest = rest.trim_start();
        const KEY: &str = "ALTERNATIVE NAME";
        let Some(head) = rest.get(..KEY.len()) else {
            return;
        };
        if !head.eq_ignore_ascii_case(KEY) {
            return;
        }
        let rest = rest.get(KEY.len()..).unwrap_or("").trim_start();
        let Some((num, text)) = rest.split_once(':') else {
            return;
        };
        let Some(i) = parse_u32(num.trim_end()) else {
            return;
        };
        let count = self.lookup.count;
        if i == 0 || i as usize > count {
            return;
        }
        if self.alt_names.is_empty() {
            self.alt_names = (0..count).map(|_| None).collect();
        }
        let name = text.trim();
        let offset = body.len() - text.trim_start().len();
        if let Some(slot @ None) = self.alt_names.get_mut(i as usize - 1) {
            *slot = Some(Item {
                text: name.to_owned(),
                line: at.line,
                column: at.column(offset),
            });
        }
    }

    fn name_line(&mut self, at: At<'_>, body: &str, start: usize) -> Result<Flow, BltError> {
        let wanted = self.lookup.count + 1;
        let b = body.as_bytes();
        if b.get(start) != Some(&b'"') {
            self.items.push(Item {
                text: body[start..].trim().to_owned(),
                line: at.line,
                column: at.column(start),
            });
        } else {
            // A quoted name ("" inside stands for one quote). Some Scottish 2022 files follow
            // it with the party, `"Sasha BRYDON" "Scottish Labour Party"`: the candidate is
            // then `Sasha BRYDON (Scottish Labour Party)`.
            let mut pos = start;
            let mut strings: Vec<String> = Vec::new();
            loop {
                let open = pos;
                let mut text = String::new();
                let mut seg = open + 1;
                loop {
                    let Some(q) = body.get(seg..).and_then(|s| s.find('"')).map(|k| seg + k) else {
                        return Err(at.err(open, "expected a closing quote for this name"));
                    };
                    text.push_str(&body[seg..q]);
                    if b.get(q + 1) == Some(&b'"') {
                        text.push('"');
                        seg = q + 2;
                    } else {
                        pos = q + 1;
                        break;
                    }
                }
                strings.push(text);
                while b.get(pos).is_some_and(u8::is_ascii_whitespace) {
                    pos += 1;
                }
                match b.get(pos) {
                    None => break,
                    Some(b'"') => {}
                    Some(_) => {
                        let rest = &body[pos..];
                        return Err(at.err(
                            pos,
                            format!(
                                "expected the end of the line after the closing quote, found {}",
                                shown(rest)
                            ),
                        ));
                    }
                }
            }
            let mut strings = strings.into_iter();
            let mut text = strings.next().unwrap_or_default();
            let extra: Vec<String> = strings.filter(|s| !s.trim().is_empty()).collect();
            if !extra.is_empty() {
                text = format!("{text} ({})", extra.join(", "));
            }
            self.items.push(Item {
                text,
                line: at.line,
                column: at.column(start),
            });
        }
        Ok(if self.items.len() >= wanted {
            Flow::Done
        } else {
            Flow::More
        })
    }

    fn finish(self, eof: (usize, usize)) -> Result<BltFile, BltError> {
        let file = self.file;
        let eof_err = |m: String| syntax(file, eof.0, eof.1, m);
        match self.phase {
            Phase::Header => {
                return Err(eof_err(
                    "file ended before the header line giving the number of candidates and seats"
                        .to_owned(),
                ))
            }
            Phase::Ballots => {
                return Err(eof_err(
                    "file ended before the 0 line that ends the ballots".to_owned(),
                ))
            }
            Phase::Names => {}
        }
        let count = self.lookup.count;
        let mut items = self.items;
        let (names, title) = if items.len() >= count {
            let title = items.get(count).map(|t| t.text.clone());
            items.truncate(count);
            (items, title)
        } else {
            let found = items.len();
            let given = self.alt_names.iter().filter(|n| n.is_some()).count();
            if given == 0 {
                return Err(eof_err(format!(
                    "expected {count} candidate names after the ballots, found {found}"
                )));
            }
            if given < count {
                return Err(eof_err(format!(
                    "expected {count} candidate names after the ballots, found {found}; \
                     the \"# ALTERNATIVE NAME\" comments name only {given}"
                )));
            }
            let title = items.into_iter().next().map(|t| t.text);
            (self.alt_names.into_iter().flatten().collect(), title)
        };
        let mut seen: HashMap<&str, usize> = HashMap::with_capacity(names.len());
        for (i, item) in names.iter().enumerate() {
            if let Some(j) = seen.insert(item.text.as_str(), i) {
                return Err(syntax(
                    file,
                    item.line,
                    item.column,
                    format!(
                        "candidate name {} is given twice (candidates {} and {})",
                        shown(&item.text),
                        j + 1,
                        i + 1
                    ),
                ));
            }
        }
        let names: Vec<String> = names.into_iter().map(|n| n.text).collect();
        let title = title.unwrap_or_else(|| {
            Path::new(file)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or(file)
                .to_owned()
        });
        let mut profile = self.builder.build();
        profile
            .set_names(names.clone())
            .map_err(|e| syntax(file, eof.0, eof.1, e.to_string()))?;
        Ok(BltFile {
            title,
            seats: self.seats,
            candidates: names,
            withdrawn: self.withdrawn,
            profile,
            tie_order: self.tie_order,
            nicknames: self.nicknames,
            options: self.options,
        })
    }
}

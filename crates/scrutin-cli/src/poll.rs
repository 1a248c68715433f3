//! `scrutin election open|postal-receive|postal-enter|close|count|publish|track|set-key` and
//! `scrutin keygen`, `scrutin verify`: the poll from opening to the published record, from
//! a script. The admin pages (scrutin-web) do the same through the same store calls.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;

use scrutin_formats::report;
use scrutin_record::ballot::Ballot;
use scrutin_record::{keys, VerifyOptions};
use scrutin_store::{paper, Revote, Store};

/// Reads a file, or standard input for `-`.
fn read_input(path: &Path) -> Result<String> {
    if path == Path::new("-") {
        let mut s = String::new();
        io::stdin().read_to_string(&mut s)?;
        Ok(s)
    } else {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
    }
}

pub async fn set_key(
    store: &Store,
    election: &str,
    public_key: &str,
    out: &mut impl Write,
) -> Result<()> {
    store.set_public_key(election, public_key.trim()).await?;
    writeln!(
        out,
        "Public key of the returning officer for {election}: {} (shown on the election's public page; the record will be signed with its secret half)",
        public_key.trim().to_ascii_lowercase()
    )?;
    Ok(())
}

pub async fn open_poll(
    store: &Store,
    election: &str,
    revote: &str,
    seal_every: u64,
    out: &mut impl Write,
) -> Result<()> {
    let revote = Revote::parse(revote).map_err(anyhow::Error::msg)?;
    store.set_seal_every(election, seal_every).await?;
    let st = store.open_poll(election, revote).await?;
    writeln!(
        out,
        "Poll of {election} open ({}; ballots sealed {} at a time); the ballot box's head is {}",
        match revote {
            Revote::FirstStands => "a voter's first ballot stands",
            Revote::LastCounts => "a voter's last online ballot counts",
        },
        st.seal_every,
        st.head
    )?;
    Ok(())
}

pub async fn postal_receive(
    store: &Store,
    election: &str,
    batch: &str,
    file: &Path,
    out: &mut impl Write,
) -> Result<()> {
    let text = read_input(file)?;
    let members: Vec<String> = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    let r = store.receive_postal(election, batch, &members).await?;
    writeln!(
        out,
        "Batch {batch}: {} postal voting statements",
        members.len()
    )?;
    for (section, n) in &r.accepted {
        writeln!(
            out,
            "  {section}: {n} accepted — enter {n} ballot papers of this batch"
        )?;
    }
    if !r.refused.is_empty() {
        writeln!(
            out,
            "  refused ({}): set these members' ballot papers aside unopened",
            r.refused.len()
        )?;
        for f in &r.refused {
            writeln!(out, "    {} {}", f.member_id, f.reason)?;
        }
    }
    Ok(())
}

/// The ballots of a BLT file, checked against the ballot paper's candidates (same names, same
/// order); equal rankings and skipped preferences cannot be entered.
fn blt_ballots(path: &Path, candidates: &[(String, bool)]) -> Result<Vec<Ballot>> {
    let text = read_input(path)?;
    let f = scrutin_formats::blt::read_str(&text, &path.display().to_string())?;
    let names: Vec<&str> = candidates.iter().map(|(n, _)| n.as_str()).collect();
    if f.candidates
        .iter()
        .map(String::as_str)
        .ne(names.iter().copied())
    {
        bail!(
            "{}: its candidates ({}) are not the ballot paper's, in its order ({})",
            path.display(),
            f.candidates.join(", "),
            names.join(", ")
        );
    }
    let election = f.into_election();
    let mut out = Vec::new();
    for (k, b) in election.profile.ballots().enumerate() {
        let mut prefs = Vec::new();
        for r in b.ranks() {
            match r {
                scrutin_core::model::RankView::One(c) => prefs.push(c.0 + 1),
                _ => bail!(
                    "{}: ballot {}: equal or skipped preferences cannot be entered as a postal ballot",
                    path.display(),
                    k + 1
                ),
            }
        }
        let w = b.weight.as_integer().filter(|w| *w > 0).with_context(|| {
            format!(
                "{}: ballot {}: a postal ballot's weight is one paper",
                path.display(),
                k + 1
            )
        })?;
        for _ in 0..w {
            out.push(Ballot(prefs.clone()));
        }
    }
    Ok(out)
}

pub async fn postal_enter(
    store: &Store,
    election: &str,
    batch: &str,
    section: &str,
    file: &Path,
    out: &mut impl Write,
) -> Result<()> {
    let paper = store.ballot_paper(election, section).await?;
    let name = file.display().to_string();
    let (ballots, rejected) = if name.ends_with(".blt") {
        (blt_ballots(file, &paper.candidates)?, Vec::new())
    } else {
        let text = read_input(file)?;
        match paper::read_batch(&text, &name, &paper) {
            Ok(b) => (b.ballots, b.rejected),
            Err(errors) => {
                for e in &errors {
                    eprintln!("{e}");
                }
                bail!("{name}: {} error(s); nothing was entered", errors.len());
            }
        }
    };
    let n = store
        .enter_postal(election, batch, section, ballots, rejected.len() as u64)
        .await?;
    writeln!(
        out,
        "Batch {batch}, {}: {n} ballots entered, {} papers rejected",
        paper.name,
        rejected.len()
    )?;
    for (line, why) in &rejected {
        writeln!(out, "  rejected: {name}:{line}: {why}")?;
    }
    Ok(())
}

pub async fn close(store: &Store, election: &str, out: &mut impl Write) -> Result<()> {
    let st = store.close_poll(election).await?;
    writeln!(
        out,
        "Poll of {election} closed: {} ballots in the box; final head {}",
        st.entries, st.head
    )?;
    Ok(())
}

pub async fn count(store: &Store, election: &str, json: bool, out: &mut impl Write) -> Result<()> {
    let results = store.count(election).await?;
    if json {
        let reports: Vec<_> = results.iter().map(|r| &r.report).collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&reports)?)?;
        return Ok(());
    }
    for r in &results {
        writeln!(out, "{}", report::to_text(&r.report))?;
    }
    for r in &results {
        writeln!(
            out,
            "{}: elected {}",
            r.spec.name,
            r.report.elected.join(", ")
        )?;
    }
    Ok(())
}

pub async fn publish(
    store: &Store,
    election: &str,
    signing_key: &Path,
    records: &Path,
    out: &mut impl Write,
) -> Result<()> {
    let key = keys::read_signing_key(signing_key)?;
    let p = store.publish(election, records, &key).await?;
    writeln!(out, "Published {election}:")?;
    writeln!(out, "  record:   {}", p.dir.display())?;
    writeln!(out, "  archive:  {}", p.archive.display())?;
    writeln!(
        out,
        "  ballots:  {} (Merkle root {})",
        p.manifest.ballots.count, p.manifest.ballots.merkle_root
    )?;
    writeln!(out, "  box head: {}", p.manifest.ballot_box.head)?;
    writeln!(out, "  signed by {}", p.manifest.public_key)?;
    writeln!(
        out,
        "Anyone can check it: scrutin verify {}",
        p.archive.display()
    )?;
    Ok(())
}

pub async fn track(
    store: &Store,
    election: &str,
    tracker: &str,
    out: &mut impl Write,
) -> Result<()> {
    let Some(t) = store.track(election, tracker).await? else {
        bail!("no ballot of {election} has the tracker {tracker:?}");
    };
    let paper = store.ballot_paper(election, &t.entry.contest).await?;
    let names: Vec<String> = t
        .entry
        .ballot
        .0
        .iter()
        .map(|&p| {
            paper
                .candidates
                .get(p as usize - 1)
                .map_or_else(|| format!("#{p}"), |(n, _)| n.clone())
        })
        .collect();
    writeln!(
        out,
        "Tracker {}: {} ({}), entry {} of the box",
        t.entry.tracker,
        paper.name,
        t.entry.channel.name(),
        t.seq
    )?;
    writeln!(out, "  {}", names.join(", "))?;
    if t.replaced {
        writeln!(
            out,
            "  replaced by a later ballot of the same voter (last ballot counts)"
        )?;
    }
    Ok(())
}

#[derive(Args, Debug)]
pub struct KeygenArgs {
    /// Where to write the secret key (one line of hex; created, never overwritten).
    pub out: PathBuf,
}

/// `scrutin keygen FILE`: a returning officer's Ed25519 key pair.
pub fn keygen(args: KeygenArgs) -> Result<()> {
    if args.out.exists() {
        bail!(
            "{} exists; a key file is never overwritten",
            args.out.display()
        );
    }
    let (secret, public) = keys::generate()?;
    keys::write_signing_key(&args.out, &secret)?;
    println!(
        "Secret key written to {} (keep it offline; it signs the record)",
        args.out.display()
    );
    println!("Public key: {public}");
    println!("Publish it before the poll opens: scrutin election set-key --election ID --public-key {public}");
    Ok(())
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The record: its directory, or its .tar archive.
    pub record: PathBuf,
    /// The returning officer's public key as published beforehand (hex): the record must be
    /// signed with it.
    #[arg(long)]
    pub public_key: Option<String>,
    /// The ballot box's head as seen at the close of polling (hex): the record's box must end
    /// there.
    #[arg(long)]
    pub head: Option<String>,
    /// Look up a ballot tracker: the ballot as recorded and its inclusion proof.
    #[arg(long)]
    pub tracker: Option<String>,
}

/// `scrutin verify RECORD`: checks everything and recounts every contest; non-zero exit
/// naming the first discrepancy.
pub fn verify(args: VerifyArgs) -> Result<()> {
    let out = &mut io::stdout().lock();
    if let Some(t) = &args.tracker {
        let t = scrutin_store::normalise_tracker(t);
        match scrutin_record::lookup(&args.record, &t)? {
            Some(l) => {
                writeln!(
                    out,
                    "Tracker {t}: contest {}, ballot {} ({})",
                    l.entry.contest,
                    l.entry.ballot,
                    l.entry.channel.name()
                )?;
                writeln!(
                    out,
                    "  {} in the published ballots, place {} of the Merkle tree",
                    if l.counted {
                        "counted"
                    } else {
                        "replaced, not counted"
                    },
                    l.index + 1
                )?;
                writeln!(
                    out,
                    "  inclusion proof ({} hashes) against root {}: {}",
                    l.proof.len(),
                    l.root,
                    if l.valid { "valid" } else { "INVALID" }
                )?;
                if !l.valid {
                    bail!("the inclusion proof of {t} does not verify");
                }
            }
            None => bail!("no ballot in {} has the tracker {t}", args.record.display()),
        }
        return Ok(());
    }
    let options = VerifyOptions {
        public_key: args.public_key,
        head: args.head,
    };
    match scrutin_record::verify(&args.record, &options) {
        Ok(v) => {
            for c in &v.checks {
                writeln!(out, "ok: {c}")?;
            }
            writeln!(out, "The record of {} verifies.", v.manifest.election.id)?;
            Ok(())
        }
        Err(d) => {
            for c in &d.passed {
                writeln!(out, "ok: {c}")?;
            }
            out.flush()?;
            bail!("{d}")
        }
    }
}

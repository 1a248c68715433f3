//! The public election record at scale: one ranked contest from a BLT file, through the
//! ballot box, the count, the record, its archive and `verify`, each phase timed.
//!
//! ```text
//! cargo run --release -p scrutin-record --example record_bench -- FILE.blt OUTDIR
//! ```
//!
//! Every paper of the file (weights expanded: a line of weight 3 is three papers) becomes one
//! online entry of contest `clp` in the box, with a tracker of its own (`P0000001`, …) and its
//! ranking as 1-based ballot-paper positions. The file's identical rankings come merged by the
//! BLT reader, so the box holds them grouped, in order of first appearance; the record's
//! published order is shuffled anyway. A paper with an equal or skipped rank, a fractional
//! weight or no preference at all is refused: a ranked paper in the box has none of those.
//!
//! The contest is counted under `scottish-stv` with the seats and candidates of the file and
//! the lot's seed taken from the box's head, exactly as the server would. Then it writes
//! `OUTDIR/record/` (signed with a fresh key), `OUTDIR/record.tar`, and, beside them,
//! `OUTDIR/public-key.txt` and `OUTDIR/head.txt` (for `scrutin verify --public-key --head`),
//! and verifies the directory with that key and head.
//!
//! Output, one line per phase: `phase NAME SECONDS s  VmHWM` — the wall time (std::time::Instant)
//! and the process's peak resident set so far (Linux's `VmHWM`, `-` elsewhere) — then
//! `size record-dir BYTES` and `size archive BYTES`, and `elected …`. Exits non-zero if
//! anything fails, verify included.

use std::error::Error;
use std::fs;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use scrutin_core::model::RankView;
use scrutin_core::Weight;
use scrutin_record::ballot::Ballot;
use scrutin_record::chain::{self, BallotChannel, Entry};
use scrutin_record::contest::{self, CandidateSpec, ContestSpec};
use scrutin_record::{
    hex, keys, verify, write_archive, write_record, ContestInput, RecordInput, VerifyOptions,
};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

const CONTEST: &str = "clp";
const ELECTION: &str = "record-bench";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("record_bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The process's peak resident set so far, from `/proc/self/status` (`VmHWM`).
fn peak_rss() -> String {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().strip_suffix("kB"))
                .and_then(|kb| kb.trim().parse::<u64>().ok())
        })
        .map_or_else(
            || "-".to_string(),
            |kb| format!("{:.1} MiB", kb as f64 / 1024.0),
        )
}

/// Runs `f`, prints its wall time and the peak RSS so far, and returns its value.
fn phase<T>(name: &str, what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    let start = Instant::now();
    let value = f().map_err(|e| format!("{name}: {e}"))?;
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "phase {name:<12} {seconds:>9.3} s  peak RSS so far {:>10}  ({what})",
        peak_rss()
    );
    Ok(value)
}

/// Bytes of every regular file under `path`.
fn size_on_disk(path: &Path) -> Result<u64> {
    let meta = fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if !meta.is_dir() {
        return Ok(meta.len());
    }
    let mut total = 0;
    for entry in fs::read_dir(path).map_err(|e| format!("{}: {e}", path.display()))? {
        let entry = entry.map_err(|e| format!("{}: {e}", path.display()))?;
        total += size_on_disk(&entry.path())?;
    }
    Ok(total)
}

/// The BLT file's papers as box entries, and what the contest needs from the file.
struct Read {
    title: String,
    seats: u32,
    candidates: Vec<CandidateSpec>,
    distinct: usize,
    entries: Vec<Entry>,
}

fn read_blt(path: &Path) -> Result<Read> {
    let file = fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let source = path.display().to_string();
    let blt = scrutin_formats::blt::read(BufReader::with_capacity(1 << 16, file), &source)?;
    let mut candidates: Vec<CandidateSpec> = blt
        .candidates
        .iter()
        .map(|name| CandidateSpec {
            name: name.clone(),
            attributes: Default::default(),
            withdrawn: false,
        })
        .collect();
    for w in &blt.withdrawn {
        candidates[w.0 as usize].withdrawn = true;
    }
    let papers = blt.profile.total_weight().micro() / Weight::SCALE;
    let mut entries = Vec::with_capacity(usize::try_from(papers)?);
    let mut ranking = Vec::new();
    for (line, b) in blt.profile.ballots().enumerate() {
        let line = line + 1;
        if b.weight.micro() % Weight::SCALE != 0 {
            return Err(format!(
                "{source}: distinct ranking {line} has weight {}: a paper in the box has \
                 weight 1, so weights must be whole numbers",
                b.weight.micro() as f64 / Weight::SCALE as f64
            )
            .into());
        }
        ranking.clear();
        for r in b.ranks() {
            match r {
                RankView::One(c) => ranking.push(c.0 + 1),
                RankView::Equal(_) | RankView::Skipped => {
                    return Err(format!(
                        "{source}: distinct ranking {line} has an equal or skipped preference; \
                         a ranked paper in the box has neither"
                    )
                    .into())
                }
            }
        }
        if ranking.is_empty() && b.weight.micro() > 0 {
            return Err(format!(
                "{source}: distinct ranking {line} gives no preference; the box accepts no \
                 empty paper"
            )
            .into());
        }
        for _ in 0..b.weight.micro() / Weight::SCALE {
            entries.push(Entry {
                contest: CONTEST.to_string(),
                tracker: format!("P{:07}", entries.len() + 1),
                channel: BallotChannel::Online,
                replaces: None,
                ballot: Ballot(ranking.clone()),
            });
        }
    }
    Ok(Read {
        title: blt.title,
        seats: blt.seats,
        candidates,
        distinct: blt.profile.len(),
        entries,
    })
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, blt_path, out] = args.as_slice() else {
        return Err("usage: record_bench FILE.blt OUTDIR".into());
    };
    let out = PathBuf::from(out);
    let dir = out.join("record");
    let archive = out.join("record.tar");
    for p in [&dir, &archive] {
        if p.exists() {
            return Err(format!("{} exists already: give an empty OUTDIR", p.display()).into());
        }
    }
    fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let total = Instant::now();

    let read = phase("read", "BLT read, papers expanded into box entries", || {
        read_blt(Path::new(blt_path))
    })?;
    println!(
        "papers {} ({} distinct rankings), {} candidates, {} seats",
        read.entries.len(),
        read.distinct,
        read.candidates.len(),
        read.seats
    );

    let head = phase("head", "each entry's leaf, and the chain's head", || {
        let leaves: Vec<chain::Digest32> = read.entries.iter().map(Entry::leaf).collect();
        Ok(chain::head_of(ELECTION, &leaves))
    })?;
    println!("head {}", hex(&head));

    let spec = ContestSpec {
        id: CONTEST.to_string(),
        name: read.title.clone(),
        seats: read.seats,
        method: "scottish-stv".to_string(),
        marks: None,
        arithmetic: None,
        tie_break: None,
        tie_reading: None,
        constraint_strategy: None,
        min: Vec::new(),
        max: Vec::new(),
        seed: chain::seed_of(&head),
        candidates: read.candidates,
    };
    let report = phase("tally", "contest::tally, scottish-stv", || {
        Ok(contest::tally(
            &spec,
            &read.title,
            read.entries.iter().map(|e| &e.ballot),
        )?)
    })?;
    println!("elected {}", report.elected.join(", "));

    let (secret, public) = keys::generate()?;
    let key = keys::signing_key_from_hex(&secret)?;
    let papers = read.entries.len() as u64;
    let input = RecordInput {
        election_id: ELECTION.to_string(),
        title: read.title.clone(),
        body: "scrutin record benchmark".to_string(),
        constitution: format!(
            "[body]\nname = \"scrutin record benchmark\"\nseats = {seats}\n\n[[section]]\n\
             id = \"{CONTEST}\"\nname = {name}\nseats = {seats}\nfilled_by = \"elected\"\n\
             method = \"scottish-stv\"\n\n[section.electorate]\nkind = \"members\"\n\
             who = \"members\"\n",
            seats = read.seats,
            name = toml::Value::String(read.title.clone()),
        ),
        roll_fingerprint: "sha256:benchmark".to_string(),
        roll_members: papers,
        opened: None,
        closed: None,
        contests: vec![ContestInput {
            spec,
            electors: papers,
            online: papers,
            postal: 0,
            rejected_postal: 0,
            report,
        }],
        entries: read.entries,
    };
    let manifest = phase(
        "write-record",
        "write_record: checks, recount, shuffle, Merkle root, exports, signature",
        || Ok(write_record(&dir, &input, &key)?),
    )?;
    if manifest.contests[0].elected != input.contests[0].report.elected {
        return Err("the manifest declares another elected set than the tally".into());
    }
    // Verify reads the record from disk alone: give back what the box held first.
    drop(input);

    phase("archive", "write_archive: record.tar", || {
        Ok(write_archive(&dir, &archive)?)
    })?;

    fs::write(out.join("public-key.txt"), format!("{public}\n"))
        .map_err(|e| format!("{}: {e}", out.join("public-key.txt").display()))?;
    fs::write(out.join("head.txt"), format!("{}\n", hex(&head)))
        .map_err(|e| format!("{}: {e}", out.join("head.txt").display()))?;

    let options = VerifyOptions {
        public_key: Some(public),
        head: Some(hex(&head)),
    };
    let verified = phase(
        "verify",
        "scrutin_record::verify of the directory, with key and head",
        || verify(&dir, &options).map_err(|d| format!("FAILED: {d}").into()),
    )?;
    println!(
        "total {:.3} s; verify passed {} checks",
        total.elapsed().as_secs_f64(),
        verified.checks.len()
    );
    println!("size record-dir {}", size_on_disk(&dir)?);
    println!("size archive {}", size_on_disk(&archive)?);
    Ok(())
}

//! `scrutin count FILE --method NAME`

use std::fs::File;
use std::io::{self, BufReader, IsTerminal, Read, Write};
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use scrutin_core::colleges::{self, College, Combined};
use scrutin_core::constraints::{Constraints, Rule, Strategy};
use scrutin_core::methods::irv::IrvRules;
use scrutin_core::methods::{self, Arithmetic, CountOptions, Method};
use scrutin_core::tie::{LotOrder, PriorStageReading, TiePolicy};
use scrutin_core::{CandidateId, Weight};
use scrutin_formats::{blt, candidates, report};

/// Files at least this large get a progress bar when stderr is a terminal.
const PROGRESS_MIN_BYTES: u64 = 4 << 20;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Args)]
pub struct CountArgs {
    /// Ballot files (BLT); `-` reads standard input. With several files, each is counted in
    /// turn: text reports follow one another, JSON is an array of reports.
    #[arg(required_unless_present_any = ["college", "colleges"])]
    pub files: Vec<PathBuf>,
    /// An electoral college: `NAME=SHARE:FILE`, e.g. `members=50:members.blt`; repeat for
    /// each college (shares add up to 100). The colleges' ballots are counted as one contest,
    /// each scaled to its share, and results shown as percentages.
    #[arg(long, conflicts_with_all = ["files", "colleges"])]
    pub college: Vec<String>,
    /// The colleges as a TOML file (`title`, then `[[college]]` tables with `name`, `share`,
    /// `ballots` — a path relative to the TOML file).
    #[arg(long, conflicts_with = "files")]
    pub colleges: Option<PathBuf>,
    /// Rule set: scottish-stv, meek, wigm, ers97, irv, fptp, block.
    #[arg(long, short = 'm', default_value = "scottish-stv")]
    pub method: String,
    /// Block vote: how many candidates each voter may mark (default: the seats).
    #[arg(long)]
    pub marks: Option<u32>,
    /// A named variant of the rule set: meek stv-rs (default) or prf (PR Foundation
    /// reference Meek); wigm reference (default) or batch (rule B.2, sure losers together).
    #[arg(long)]
    pub variant: Option<String>,
    /// Arithmetic, where the rule set lets you choose: fixedN (e.g. fixed9) or exact.
    #[arg(long)]
    pub arithmetic: Option<String>,
    /// Tie-break by earlier stages: backward (most recent difference), forward (earliest
    /// difference) or lot (straight to the lot). Default: the rule set's own.
    #[arg(long)]
    pub tie_break: Option<String>,
    /// Seats to fill (default: as the file says).
    #[arg(long)]
    pub seats: Option<u32>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "text")]
    pub format: Format,
    /// Seed of the lot that breaks ties no earlier stage can (a random order of all
    /// candidates drawn from ChaCha20; recorded in the report). Default 0, unless the file
    /// gives a `[tie …]` order. Fix it in public before the count.
    #[arg(long)]
    pub seed: Option<u64>,
    /// The result of a physical draw instead of a seed: candidates' names or numbers in draw
    /// order, comma-separated (the first listed is picked first).
    #[arg(long, conflicts_with = "seed")]
    pub lot_order: Option<String>,
    /// How to read "the most recent preceding stage at which they had unequal votes" when
    /// three or more candidates are tied: narrowing, unique-extreme or all-distinct.
    #[arg(long, default_value = "narrowing")]
    pub tie_reading: String,
    /// Input format: blt, rctab-csv (RCTab generic CSV cast-vote records) or cdf-json (NIST
    /// CDF JSON records, or an RCTab contest configuration naming them). Default: by
    /// extension (.csv, .json; anything else BLT).
    #[arg(long, value_enum)]
    pub input: Option<Input>,
    /// Category constraints (boxed: they are seldom given), listed last under their own
    /// heading.
    #[command(flatten)]
    pub constraints: Box<ConstraintArgs>,
}

/// `--candidates`, `--min`, `--max`, `--constraint-strategy`.
#[derive(Args)]
#[command(next_help_heading = "Category constraints")]
pub struct ConstraintArgs {
    /// Candidates' attributes, for --min and --max: a CSV file with a column `name` (the
    /// ballot file's names) and any others (gender, region, slate, …).
    #[arg(long, value_name = "CSV")]
    pub candidates: Option<PathBuf>,
    /// At least N seats for a group: `ATTRIBUTE=VALUE:N`, e.g. `gender=woman:4`. Repeat for
    /// several rules.
    #[arg(long, value_name = "ATTRIBUTE=VALUE:N")]
    pub min: Vec<String>,
    /// At most N seats for a group: `ATTRIBUTE=VALUE:N`, e.g. `region=london:2`.
    #[arg(long, value_name = "ATTRIBUTE=VALUE:N")]
    pub max: Vec<String>,
    /// How STV counts meet --min and --max: guard-doom (Grey–Fitzgerald, as OpenTally) or
    /// exclude (exclusion once a group's cap is full). Block vote replaces instead.
    #[arg(long, default_value = "guard-doom")]
    pub constraint_strategy: String,
}

/// Ballot file formats `scrutin count` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Input {
    Blt,
    RctabCsv,
    CdfJson,
}

pub fn run(args: CountArgs) -> Result<()> {
    let method = Method::parse(&args.method).map_err(anyhow::Error::msg)?;
    let reading = PriorStageReading::parse(&args.tie_reading).map_err(anyhow::Error::msg)?;
    let tie_policy = args
        .tie_break
        .as_deref()
        .map(TiePolicy::parse)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let arithmetic = args
        .arithmetic
        .as_deref()
        .map(Arithmetic::parse)
        .transpose()
        .map_err(anyhow::Error::msg)?;

    let inputs: Vec<(
        PathBuf,
        blt::BltFile,
        Option<Combined>,
        Option<ContestRules>,
    )> = if !args.college.is_empty() || args.colleges.is_some() {
        let (path, file, combined) = read_colleges(&args)?;
        vec![(path, file, combined, None)]
    } else {
        args.files
            .iter()
            .map(|p| {
                let (file, rules) = read_ballots_with_rules(p, args.input)?;
                Ok((p.clone(), file, None, rules))
            })
            .collect::<Result<_>>()?
    };
    let mut reports = Vec::with_capacity(inputs.len());
    for (path, file, combined, rules) in inputs {
        let n = file.candidates.len();
        let constraints = read_constraints(&args.constraints, &file.candidates)?;
        let lot = if let Some(order) = &args.lot_order {
            LotOrder::given(&parse_lot_order(order, &file.candidates)?, n)
        } else if let (None, Some(tie)) = (args.seed, &file.tie_order) {
            LotOrder::given(tie, n)
        } else {
            LotOrder::from_seed(n, args.seed.unwrap_or(0))
        };
        let mut election = file.into_election();
        if let Some(s) = args.seats {
            election.seats = s;
        }
        let options = CountOptions {
            // An RCTab configuration's tie-break mode, unless --tie-break says otherwise.
            tie_policy: tie_policy.or(rules.as_ref().map(|r| r.tie_policy)),
            reading,
            lot,
            marks: args.marks,
            arithmetic,
            constraints,
            irv: rules.map(|r| r.irv),
            variant: args.variant.clone(),
        };
        let mut report = methods::count(&election, method, &options)
            .with_context(|| format!("counting {}", path.display()))?;
        if let Some(c) = &combined {
            c.annotate(&mut report);
        }
        reports.push(report);
    }
    let text = match (args.format, reports.as_slice()) {
        (Format::Json, [one]) => report::to_json(one) + "\n",
        (Format::Json, many) => serde_json::to_string_pretty(many)? + "\n",
        (Format::Text, many) => many
            .iter()
            .map(report::to_text)
            .collect::<Vec<_>>()
            .join("\n\n"),
    };
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes()).or_else(ignore_broken_pipe)?;
    Ok(())
}

/// The colleges of `--college`/`--colleges`, combined into one ballot file.
fn read_colleges(args: &CountArgs) -> Result<(PathBuf, blt::BltFile, Option<Combined>)> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Toml {
        title: Option<String>,
        college: Vec<TomlCollege>,
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct TomlCollege {
        name: String,
        share: toml::Value,
        ballots: PathBuf,
    }
    let (title, specs, label): (Option<String>, Vec<(String, String, PathBuf)>, PathBuf) =
        if let Some(path) = &args.colleges {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let t: Toml = toml::from_str(&text)
                .with_context(|| format!("{}: not a colleges file", path.display()))?;
            let base = path.parent().map(PathBuf::from).unwrap_or_default();
            let specs = t
                .college
                .into_iter()
                .map(|c| {
                    let share = match c.share {
                        toml::Value::Integer(i) => i.to_string(),
                        toml::Value::String(s) => s,
                        toml::Value::Float(_) => bail!(
                            "{}: college {:?}: write the share as a whole number or a quoted decimal (\"33.3\"), not a float",
                            path.display(),
                            c.name
                        ),
                        other => bail!("{}: college {:?}: share {other} is not a number", path.display(), c.name),
                    };
                    Ok((c.name, share, base.join(c.ballots)))
                })
                .collect::<Result<_>>()?;
            (t.title, specs, path.clone())
        } else {
            let specs = args
                .college
                .iter()
                .map(|spec| {
                    let (name, rest) = spec.split_once('=').with_context(|| {
                        format!("--college {spec:?}: expected NAME=SHARE:FILE, e.g. members=50:members.blt")
                    })?;
                    let (share, file) = rest.split_once(':').with_context(|| {
                        format!("--college {spec:?}: expected NAME=SHARE:FILE, e.g. members=50:members.blt")
                    })?;
                    Ok((name.to_string(), share.to_string(), PathBuf::from(file)))
                })
                .collect::<Result<_>>()?;
            (None, specs, PathBuf::from("colleges"))
        };
    let mut colleges = Vec::new();
    let mut first: Option<blt::BltFile> = None;
    for (name, share, file) in specs {
        let share = Weight::parse(share.trim()).with_context(|| {
            format!("college {name:?}: share {share:?} is not a percentage such as 50 or 33.5")
        })?;
        let f = read_ballots_as(&file, args.input)?;
        colleges.push(College {
            name,
            share,
            election: f.election(),
        });
        first.get_or_insert(f);
    }
    let combined =
        colleges::combine(title.as_deref(), colleges).context("combining the colleges")?;
    let mut file = first.context("no colleges given")?;
    file.title = combined.election.title.clone();
    file.withdrawn = combined.election.withdrawn.clone();
    file.profile = combined.election.profile.clone();
    Ok((label, file, Some(combined)))
}

fn ignore_broken_pipe(e: io::Error) -> io::Result<()> {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(e)
    }
}

/// Reads a ballot file in the format its extension says (see [`read_ballots_as`]).
pub fn read_ballots(path: &PathBuf) -> Result<blt::BltFile> {
    read_ballots_as(path, None)
}

/// Reads a BLT file (or stdin), with a progress bar for large files on a terminal; or RCTab
/// cast-vote records (`scrutin_formats::rctab`: generic CSV, NIST CDF JSON, or an RCTab
/// configuration naming them), counted for one seat unless the configuration says otherwise.
pub fn read_ballots_as(path: &PathBuf, input: Option<Input>) -> Result<blt::BltFile> {
    read_ballots_with_rules(path, input).map(|(file, _)| file)
}

/// The tabulation rules an RCTab contest configuration gives: instant runoff's options and
/// the tie-break (its `tiebreakMode`).
pub struct ContestRules {
    pub irv: IrvRules,
    pub tie_policy: TiePolicy,
}

/// As [`read_ballots_as`], and the rules when the file is an RCTab contest configuration.
pub fn read_ballots_with_rules(
    path: &PathBuf,
    input: Option<Input>,
) -> Result<(blt::BltFile, Option<ContestRules>)> {
    let is_stdin = path.as_os_str() == "-";
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let input = input.unwrap_or(match ext.to_ascii_lowercase().as_str() {
        "csv" => Input::RctabCsv,
        "json" => Input::CdfJson,
        _ => Input::Blt,
    });
    if input != Input::Blt {
        if is_stdin {
            bail!("RCTab and CDF records are read from a file, not from standard input");
        }
        let (e, rules, tie_order) = if is_rctab_config(path) {
            let c = scrutin_formats::rctab::read_contest(path)?;
            let rules = ContestRules {
                irv: c.rules,
                tie_policy: c.tie_policy,
            };
            (c.election, Some(rules), c.lot_order)
        } else {
            (scrutin_formats::rctab::read_path(path, 0)?, None, None)
        };
        if e.candidates().is_empty() {
            bail!("{}: the election has no candidates", path.display());
        }
        return Ok((
            blt::BltFile {
                title: e.title,
                seats: e.seats,
                candidates: e
                    .profile
                    .candidates()
                    .iter()
                    .map(|c| c.name.clone())
                    .collect(),
                withdrawn: e.withdrawn,
                profile: e.profile,
                tie_order,
                nicknames: None,
                options: Vec::new(),
            },
            rules,
        ));
    }
    let source = if is_stdin {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    };
    let reader: Box<dyn Read> = if is_stdin {
        Box::new(io::stdin().lock())
    } else {
        let f = File::open(path).with_context(|| format!("cannot open {source}"))?;
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        if len >= PROGRESS_MIN_BYTES && io::stderr().is_terminal() {
            let bar = ProgressBar::new(len).with_style(
                ProgressStyle::with_template(
                    "reading {msg} {bar:40} {bytes}/{total_bytes} ({eta})",
                )
                .expect("valid template"),
            );
            bar.set_message(source.clone());
            Box::new(bar.wrap_read(f))
        } else {
            Box::new(f)
        }
    };
    let file = blt::read(BufReader::with_capacity(1 << 16, reader), &source)?;
    if file.candidates.is_empty() {
        bail!("{source}: the election has no candidates");
    }
    Ok((file, None))
}

/// An RCTab contest configuration (JSON naming its cast-vote record files), told from CDF
/// records by the `cvrFileSources` key near its start.
fn is_rctab_config(path: &PathBuf) -> bool {
    let mut head = Vec::with_capacity(1 << 16);
    File::open(path)
        .and_then(|f| f.take(1 << 16).read_to_end(&mut head))
        .is_ok()
        && String::from_utf8_lossy(&head).contains("\"cvrFileSources\"")
}

/// The constraints of `--candidates`, `--min`, `--max` and `--constraint-strategy`, for a
/// ballot file with candidates `names` (`None` without rules).
fn read_constraints(args: &ConstraintArgs, names: &[String]) -> Result<Option<Constraints>> {
    let strategy = Strategy::parse(&args.constraint_strategy).map_err(anyhow::Error::msg)?;
    let mut rules = Vec::new();
    for (specs, min) in [(&args.min, true), (&args.max, false)] {
        for s in specs {
            rules.push(Rule::parse(s, min).map_err(anyhow::Error::msg)?);
        }
    }
    let attributes = match &args.candidates {
        Some(path) => candidates::read_path(path, names)?,
        None if rules.is_empty() => return Ok(None),
        None => bail!("--min and --max need --candidates FILE.csv (the candidates' attributes)"),
    };
    Ok((!rules.is_empty()).then_some(Constraints {
        rules,
        strategy,
        attributes,
    }))
}

/// `"Alice, 3, Bob"` → candidate ids, by name or 1-based number.
fn parse_lot_order(s: &str, names: &[String]) -> Result<Vec<CandidateId>> {
    s.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            if let Some(i) = names.iter().position(|n| n == t) {
                return Ok(CandidateId(i as u32));
            }
            match t.parse::<usize>() {
                Ok(k) if (1..=names.len()).contains(&k) => Ok(CandidateId(k as u32 - 1)),
                _ => bail!(
                    "--lot-order: {t:?} is neither a candidate's name nor a number from 1 to {}",
                    names.len()
                ),
            }
        })
        .collect()
}

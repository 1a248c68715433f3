//! `scrutin compare FILE --methods a,b,c`

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use scrutin_core::compare::compare;
use scrutin_core::methods::{CountOptions, Method};
use scrutin_formats::report;

use crate::count::{read_ballots, Format};

#[derive(Args)]
pub struct CompareArgs {
    /// Ballot file; `-` reads standard input.
    pub file: PathBuf,
    /// Rule sets to compare, comma-separated (default: every rule set scrutin has).
    #[arg(long, value_delimiter = ',')]
    pub methods: Vec<String>,
    /// Seats to fill (default: as the file says).
    #[arg(long)]
    pub seats: Option<u32>,
    /// Block vote: marks per voter (default: the seats).
    #[arg(long)]
    pub marks: Option<u32>,
    /// Seed of the lot (see `scrutin count --help`).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[arg(long, short = 'f', value_enum, default_value = "text")]
    pub format: Format,
}

pub fn run(args: CompareArgs) -> Result<()> {
    let methods: Vec<Method> = if args.methods.is_empty() {
        Method::ALL.to_vec()
    } else {
        args.methods
            .iter()
            .map(|m| Method::parse(m.trim()))
            .collect::<Result<_, _>>()
            .map_err(anyhow::Error::msg)?
    };
    let file = read_ballots(&args.file)?;
    let n = file.candidates.len();
    let mut election = file.into_election();
    if let Some(s) = args.seats {
        election.seats = s;
    }
    let mut options = CountOptions::with_seed(n, args.seed);
    options.marks = args.marks;
    let comparison = compare(&election, &methods, &options)
        .with_context(|| format!("comparing rule sets on {}", args.file.display()))?;
    let text = match args.format {
        Format::Text => report::comparison_to_text(&comparison),
        Format::Json => serde_json::to_string_pretty(&comparison)? + "\n",
    };
    io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .or_else(|e| {
            if e.kind() == io::ErrorKind::BrokenPipe {
                Ok(())
            } else {
                Err(e)
            }
        })?;
    Ok(())
}

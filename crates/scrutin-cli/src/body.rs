//! `scrutin body check|show|report|vacancy`: the governing body as a whole, from its
//! constitution (`body.toml`, docs/constitution.md) and the declared results it names.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use scrutin_body::report::{describe, Composition};
use scrutin_body::{svg, vacancy, Dossier};

use crate::count::Format;

#[derive(Args)]
pub struct BodyArgs {
    #[command(subcommand)]
    pub command: BodyCommand,
}

#[derive(Subcommand)]
pub enum BodyCommand {
    /// Validate a constitution and the declared results it names; print a one-line summary.
    Check {
        /// The constitution (TOML), or a directory holding `body.toml`.
        file: PathBuf,
    },
    /// Print the composition: every section, how it is filled, by whom, under which rules.
    Show {
        /// The constitution (TOML), or a directory holding `body.toml`.
        file: PathBuf,
    },
    /// Who elects what share of the body, women and men, seats per slate, declared results.
    Report(ReportArgs),
    /// Apply a section's vacancy rule: who fills the seat a member leaves, and why.
    Vacancy(VacancyArgs),
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ChartBy {
    Section,
    Slate,
}

#[derive(Args)]
pub struct ReportArgs {
    /// A directory holding `body.toml` and the results it names (or the TOML file itself).
    pub dir: PathBuf,
    #[arg(long, short = 'f', value_enum, default_value = "text")]
    pub format: Format,
    /// Also write a hemicycle seat chart (SVG) to this file.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Colour the chart's seats by section or by slate.
    #[arg(long, value_enum, default_value = "section")]
    pub by: ChartBy,
}

#[derive(Args)]
pub struct VacancyArgs {
    /// A directory holding `body.toml` and the results it names (or the TOML file itself).
    pub dir: PathBuf,
    /// The section's id.
    #[arg(long)]
    pub section: String,
    /// The member who leaves, as named in the constitution.
    #[arg(long)]
    pub leaving: String,
    #[arg(long, short = 'f', value_enum, default_value = "text")]
    pub format: Format,
}

pub fn run(args: BodyArgs) -> Result<()> {
    match args.command {
        BodyCommand::Check { file } => {
            let d = load(&file)?;
            let c = &d.constitution;
            let named = c.members().count();
            let uncertain = Composition::of(&d).uncertain.len();
            print(&format!(
                "ok: {}: {} seats in {} sections, {} holders named, {} declared result(s) checked, {} fact(s) not confirmed\n",
                c.body.name,
                c.seats(),
                c.sections.len(),
                named,
                d.results.len(),
                uncertain
            ))
        }
        BodyCommand::Show { file } => {
            let d = load(&file)?;
            print(&describe(&d.constitution))
        }
        BodyCommand::Report(a) => {
            let d = load(&a.dir)?;
            let comp = Composition::of(&d);
            if let Some(path) = &a.svg {
                let chart = match a.by {
                    ChartBy::Section => svg::by_section(&d.constitution),
                    ChartBy::Slate => svg::by_slate(&d.constitution),
                };
                std::fs::write(path, svg::hemicycle(&chart))
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            match a.format {
                Format::Text => print(&comp.to_text()),
                Format::Json => print(&(serde_json::to_string_pretty(&comp)? + "\n")),
            }
        }
        BodyCommand::Vacancy(a) => {
            let d = load(&a.dir)?;
            let out = vacancy::fill(&d, &a.section, &a.leaving)
                .with_context(|| format!("{}", a.dir.display()))?;
            match a.format {
                Format::Text => print(&out.to_text()),
                Format::Json => print(&(serde_json::to_string_pretty(&out)? + "\n")),
            }
        }
    }
}

/// Reads a constitution (a file, or `body.toml` in a directory) and the results it names,
/// relative to the constitution's directory.
fn load(path: &Path) -> Result<Dossier> {
    let file = if path.is_dir() {
        path.join("body.toml")
    } else {
        path.to_path_buf()
    };
    let src = std::fs::read_to_string(&file)
        .with_context(|| format!("cannot read {}", file.display()))?;
    let base = file.parent().unwrap_or(Path::new(".")).to_path_buf();
    let shown = file.display().to_string();
    let d = Dossier::load(&src, &shown, |rel| {
        let p = base.join(rel);
        std::fs::read_to_string(&p)
            .map(|t| (p.display().to_string(), t))
            .map_err(|e| format!("cannot read {}: {e}", p.display()))
    });
    match d {
        Ok(d) => Ok(d),
        Err(e) => {
            let n = e.issues().len();
            Err(anyhow::anyhow!(
                "{} is not valid ({n} problem{}):\n{e}",
                file.display(),
                if n == 1 { "" } else { "s" }
            ))
        }
    }
}

fn print(s: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(s.as_bytes()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        r => Ok(r?),
    }
}

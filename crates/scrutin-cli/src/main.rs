//! The `scrutin` command. A thin shell: it reads files, calls the counting engine and prints.
//! All errors become `anyhow` here, at the edge.

mod count;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "scrutin",
    version,
    about = "Run and count the elections of a membership organisation's governing body"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Count a ballot file under a rule set and print the stage-by-stage report.
    Count(count::CountArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Count(args) => count::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("scrutin: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

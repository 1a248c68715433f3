//! The `scrutin` command. A thin shell: it reads files, calls the counting engine and prints.
//! All errors become `anyhow` here, at the edge.

mod body;
mod compare;
mod count;
mod election;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "scrutin",
    version,
    about = "Run and count the elections of a membership organisation's governing body"
)]
struct Cli {
    /// The election database (`scrutin election`): `sqlite://FILE` or `postgres://…`.
    #[arg(long, global = true, default_value = "sqlite://scrutin.db")]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Count a ballot file under a rule set and print the stage-by-stage report.
    Count(count::CountArgs),
    /// Count the same ballots under several rule sets and show the results side by side,
    /// with seats per group (party or slate, from names like `Name (Party)`).
    Compare(compare::CompareArgs),
    /// The governing body as a whole: check its constitution, show or report its
    /// composition (with a seat chart), fill a vacancy.
    Body(body::BodyArgs),
    /// Run an election: create it, import and freeze the roll, nominations, credentials by
    /// email and post, reminders, turnout (docs/election.md).
    Election(election::ElectionArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Count(args) => count::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Body(args) => body::run(args),
        Command::Election(args) => election::run(args, &cli.database_url),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("scrutin: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

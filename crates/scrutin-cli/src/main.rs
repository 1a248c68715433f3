//! The `scrutin` command. A thin shell: it reads files, calls the counting engine and prints.
//! All errors become `anyhow` here, at the edge.

mod body;
mod compare;
mod count;
mod demo;
mod election;
mod poll;
mod serve;

use clap::{Parser, Subcommand};

/// The embedded default: a SQLite file in the working directory.
const DEFAULT_DATABASE: &str = "sqlite://scrutin.db";

#[derive(Parser)]
#[command(
    name = "scrutin",
    version,
    about = "Run and count the elections of a membership organisation's governing body"
)]
struct Cli {
    /// The election database (`scrutin election`): `sqlite://FILE` or `postgres://…`.
    #[arg(long, global = true, default_value = DEFAULT_DATABASE)]
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
    /// Serve the voting, public and admin pages (docs/voting.md).
    Serve(serve::ServeArgs),
    /// Administrators of the web pages.
    Admin(serve::AdminArgs),
    /// A local demonstration election (the NEC's members' sections, a few hundred synthetic
    /// members) served at http://127.0.0.1:8080, with demo credentials printed.
    Demo(demo::DemoArgs),
    /// Make a returning officer's Ed25519 key pair: the secret signs the election record.
    Keygen(poll::KeygenArgs),
    /// Check a published election record and recount every contest from its ballots; exits
    /// non-zero naming the first discrepancy (docs/record.md).
    Verify(poll::VerifyArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Count(args) => count::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Body(args) => body::run(args),
        Command::Election(args) => election::run(args, &cli.database_url),
        Command::Serve(args) => serve::run(args, &cli.database_url),
        Command::Admin(args) => serve::run_admin(args, &cli.database_url),
        Command::Demo(args) => demo::run(
            args,
            (cli.database_url != DEFAULT_DATABASE).then_some(cli.database_url.as_str()),
        ),
        Command::Keygen(args) => poll::keygen(args),
        Command::Verify(args) => poll::verify(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("scrutin: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

//! scrutin-store: running an election, kept in a database.
//!
//! One code path for SQLite (embedded, the default: a file such as `./scrutin.db`, in WAL
//! mode) and PostgreSQL, through sqlx's `Any` driver, with versioned migrations for each
//! (`migrations/sqlite`, `migrations/postgres`). Dates are ISO text, moments ISO 8601 UTC
//! text, counts integers; nothing else crosses the driver.
//!
//! What is stored: the election (its body's constitution, contested sections and dates), the
//! electoral roll and who may vote in which contest (and why not), nominations and candidates,
//! voters' credentials (only as keyed hashes), who has voted (never how) and a log of every
//! act. The counting engine (`scrutin-core`) stays pure: this crate is outside it.
//!
//! Reading and checking a roll ([`roll`]), deriving an election's rules ([`rules`]) and
//! making and checking credentials ([`credential`]) are pure; [`Store`] is the database.

pub mod credential;
pub mod date;
pub mod paper;
pub mod postal;
pub mod roll;
pub mod rules;
mod store;
mod voting;

pub use date::Date;
pub use store::*;
pub use voting::*;

/// Why an election operation failed. Every variant is the caller's input or the database's
/// answer, never a bug.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("{0}")]
    Invalid(String),
    #[error("there is no election {0:?} in this database")]
    NoElection(String),
    #[error("{0}")]
    Refused(String),
    #[error("the constitution: {0}")]
    Body(String),
    #[error("the operating system's random source failed: {0}")]
    Random(String),
}

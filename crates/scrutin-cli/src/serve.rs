//! `scrutin serve`: the election's web pages (voting, public results and tracker lookup, the
//! returning officer's admin pages) from the election database; and `scrutin admin add`,
//! which creates the administrators who sign in to the admin pages. docs/voting.md.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use scrutin_store::Store;
use scrutin_web::WebConfig;

/// Options of `scrutin serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The address and port to listen on (plain HTTP: put a TLS-terminating proxy in front of
    /// it for anything but local use).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// The returning officer's Ed25519 key file (`scrutin keygen`): needed to publish from
    /// the admin pages; its public half is recorded with an election when its poll opens.
    #[arg(long, value_name = "FILE")]
    pub signing_key: Option<PathBuf>,
    /// Where published records are written (one directory and one .tar per election).
    #[arg(long, value_name = "DIR", default_value = "scrutin-records")]
    pub records: PathBuf,
    /// Send the admin session cookie without the Secure attribute. Browsers keep Secure
    /// cookies from http://localhost and http://127.0.0.1 anyway; this is for plain HTTP on
    /// another address (a test machine on a private network). Never in production.
    #[arg(long)]
    pub insecure_cookies: bool,
    /// The address users reach the server at, for absolute links and the admin forms' origin
    /// check (`https://vote.example.org`); default `http://` and the listening address.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
}

/// `scrutin serve`: serves until Ctrl-C or SIGTERM.
pub fn run(args: ServeArgs, database_url: &str) -> Result<()> {
    scrutin_web::init_logging();
    let signing_key = match &args.signing_key {
        Some(path) => Some(scrutin_web::read_signing_key(path).map_err(anyhow::Error::msg)?),
        None => None,
    };
    if let Some(url) = &args.base_url {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            bail!("--base-url {url:?}: expected http://HOST[:PORT] or https://HOST[:PORT]");
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async move {
        let store = Store::open(database_url)
            .await
            .with_context(|| format!("cannot open the database ({})", redact(database_url)))?;
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let local = listener.local_addr()?;
        let base_url = args
            .base_url
            .clone()
            .unwrap_or_else(|| format!("http://{local}"));
        if !store.has_admins().await? {
            eprintln!(
                "scrutin: no administrator yet; create one with `scrutin admin add NAME --password-stdin`"
            );
        }
        let mut config = WebConfig::new(&base_url);
        config.signing_key = signing_key;
        config.records_dir = args.records.clone();
        config.secure_cookies = !args.insecure_cookies;
        if let Some(w) = config.cookie_warning() {
            eprintln!("scrutin: warning: {w}");
        }
        eprintln!(
            "scrutin: serving {} on http://{local} (database {}, records in {}{})",
            config.base_url,
            redact(database_url),
            config.records_dir.display(),
            if config.signing_key.is_some() {
                ", signing key loaded"
            } else {
                ", no signing key: publishing is off"
            }
        );
        scrutin_web::serve(Arc::new(store), config, listener)
            .await
            .context("the web server failed")?;
        Ok(())
    })
}

/// A database URL without its password.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}@{}", &url[..s + 3], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// Options of `scrutin admin`.
#[derive(Args, Debug)]
pub struct AdminArgs {
    #[command(subcommand)]
    pub command: AdminCommand,
}

/// What `scrutin admin` does.
#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Add an administrator of the web pages, or set a new password for one. The password is
    /// read from standard input (its first line), never from the command line.
    Add {
        /// The administrator's username.
        user: String,
        /// Read the password from standard input (required: passwords on the command line
        /// end up in shell histories and process lists).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

/// Passwords shorter than this are refused.
const MIN_PASSWORD: usize = 12;

/// `scrutin admin add USER --password-stdin`: stores an argon2id hash of the password.
pub fn run_admin(args: AdminArgs, database_url: &str) -> Result<()> {
    match args.command {
        AdminCommand::Add {
            user,
            password_stdin: _,
        } => {
            if user.is_empty()
                || user.chars().count() > 64
                || user.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                bail!("username {user:?}: 1 to 64 characters, no spaces");
            }
            let mut input = String::new();
            std::io::stdin()
                .read_to_string(&mut input)
                .context("cannot read the password from standard input")?;
            let password = input.lines().next().unwrap_or("").to_string();
            if password.chars().count() < MIN_PASSWORD {
                bail!("the password must have at least {MIN_PASSWORD} characters");
            }
            let hash = scrutin_web::hash_password(&password).map_err(anyhow::Error::msg)?;
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            rt.block_on(async {
                let store = Store::open(database_url).await.with_context(|| {
                    format!("cannot open the database ({})", redact(database_url))
                })?;
                store.put_admin(&user, &hash).await?;
                store.close().await;
                anyhow::Ok(())
            })?;
            println!("Administrator {user} saved (argon2id password hash).");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            redact("postgres://root:secret@127.0.0.1:5432/db"),
            "postgres://root@127.0.0.1:5432/db"
        );
        assert_eq!(redact("sqlite://scrutin.db"), "sqlite://scrutin.db");
    }
}

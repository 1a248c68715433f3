//! scrutin-web: the election's web pages, served from the election's database.
//!
//! - **Voters** (`/e/{id}/vote`): enter the credential code, see the contests it gives a
//!   vote in, fill in each ballot paper (numbers for ranked ballots, marks for block votes),
//!   review it and cast it; the confirmation shows the ballot's tracker. Plain HTML forms that
//!   work without JavaScript; the code travels in hidden form fields, never in a session.
//! - **The public** (`/`, `/e/{id}`, `/e/{id}/track`, `/e/{id}/results`, `/e/{id}/record…`):
//!   the poll's state, live turnout, the ballot box's chain head, a ballot by its tracker,
//!   the published results stage by stage and the published record's files.
//! - **The returning officer** (`/admin…`, behind a login): create an election, import and
//!   freeze the roll, open the poll, follow turnout, receive and enter postal ballots, close
//!   the poll, count and publish.
//!
//! Nothing here logs a request's path or query (a voter's link carries their code), and
//! nothing logged joins a voter to a ballot. docs/voting.md describes the pages, the secrecy
//! model and the security of the admin pages.

mod admin;
mod ballot_form;
mod error;
mod form;
mod page;
mod public;
mod record;
mod session;
mod voter;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use ed25519_dalek::SigningKey;
use scrutin_store::Store;

pub use session::hash_password;

/// How the web server runs.
#[derive(Clone)]
pub struct WebConfig {
    /// The returning officer's Ed25519 signing key: needed to publish (it signs the record's
    /// manifest) and, before the poll opens, to record its public half with the election.
    pub signing_key: Option<SigningKey>,
    /// Where published records are written: one directory per election, `records_dir/{id}/`.
    pub records_dir: PathBuf,
    /// Whether the session cookie carries the `Secure` attribute (false only for plain-http
    /// use on a machine of one's own).
    pub secure_cookies: bool,
    /// The server's address as users reach it (`https://vote.example.org`), without a final
    /// slash: absolute links, and the origin admin forms must come from.
    pub base_url: String,
}

impl std::fmt::Debug for WebConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebConfig")
            .field(
                "signing_key",
                &self
                    .signing_key
                    .as_ref()
                    .map(scrutin_record::keys::public_key_hex),
            )
            .field("records_dir", &self.records_dir)
            .field("secure_cookies", &self.secure_cookies)
            .field("base_url", &self.base_url)
            .finish()
    }
}

impl WebConfig {
    /// A configuration with no signing key, records in `scrutin-records`, secure cookies.
    pub fn new(base_url: &str) -> WebConfig {
        WebConfig {
            signing_key: None,
            records_dir: PathBuf::from("scrutin-records"),
            secure_cookies: true,
            base_url: base_url.trim_end_matches('/').to_string(),
        }
    }
}

impl WebConfig {
    /// A warning when browsers will not keep the session cookie: it is `Secure` but the
    /// server is reached over plain HTTP at an address other than the loopback (browsers keep
    /// Secure cookies from `http://localhost` and `http://127.0.0.1`, not from elsewhere).
    pub fn cookie_warning(&self) -> Option<String> {
        let rest = self.base_url.strip_prefix("http://")?;
        if !self.secure_cookies {
            return None;
        }
        let authority = rest.split('/').next().unwrap_or("");
        let host = match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
        };
        let loopback = host.eq_ignore_ascii_case("localhost")
            || host.ends_with(".localhost")
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        (!loopback).then(|| {
            format!(
                "{} is plain HTTP on an address that is not this machine's loopback: browsers \
                 will not keep the admin session cookie (it is Secure). Serve it over HTTPS \
                 (a TLS proxy, and --base-url https://…), or for a test network only use \
                 --insecure-cookies.",
                self.base_url
            )
        })
    }
}

/// Reads the returning officer's key file (one line of 64 hex digits).
pub fn read_signing_key(path: &std::path::Path) -> Result<SigningKey, String> {
    scrutin_record::keys::read_signing_key(path).map_err(|e| e.to_string())
}

/// A message shown once on the next admin page (post, redirect, get).
#[derive(Clone, Debug)]
pub(crate) struct Flash {
    pub ok: bool,
    pub title: String,
    pub lines: Vec<String>,
}

/// What every handler shares.
pub(crate) struct App {
    pub store: Arc<Store>,
    pub config: WebConfig,
    /// Flash messages by session (the session token's hash).
    pub flashes: Mutex<HashMap<String, Vec<Flash>>>,
    /// A password hash to verify against when the user is unknown, so that a login takes as
    /// long whether or not the user exists.
    pub dummy_hash: std::sync::OnceLock<String>,
}

pub(crate) type AppState = Arc<App>;

impl App {
    pub fn push_flash(&self, session: &str, flash: Flash) {
        if let Ok(mut m) = self.flashes.lock() {
            m.entry(session.to_string()).or_default().push(flash);
        }
    }
    pub fn take_flashes(&self, session: &str) -> Vec<Flash> {
        self.flashes
            .lock()
            .ok()
            .and_then(|mut m| m.remove(session))
            .unwrap_or_default()
    }
}

/// Upload forms (a roll, a constitution, a CSV of postal ballots) may be this large.
const UPLOAD_LIMIT: usize = 256 * 1024 * 1024;

/// The web application: every page, with security headers on every response.
pub fn router(store: Arc<Store>, config: WebConfig) -> Router {
    routes(Arc::new(App {
        store,
        config,
        flashes: Mutex::new(HashMap::new()),
        dummy_hash: std::sync::OnceLock::new(),
    }))
}

fn routes(app: AppState) -> Router {
    let upload = || DefaultBodyLimit::max(UPLOAD_LIMIT);
    Router::new()
        // Public pages.
        .route("/", get(public::index))
        .route("/e/{id}", get(public::election))
        .route("/e/{id}/track", get(public::track))
        .route("/e/{id}/results", get(public::results))
        .route("/e/{id}/record", get(record::index))
        .route("/e/{id}/record.tar", get(record::tarball))
        .route("/e/{id}/record/{*file}", get(record::file))
        // Voting.
        .route("/e/{id}/vote", get(voter::code_form).post(voter::contests))
        .route("/e/{id}/vote/ballot", post(voter::ballot))
        .route("/e/{id}/vote/review", post(voter::review))
        .route("/e/{id}/vote/cast", post(voter::cast))
        // The returning officer.
        .route("/admin/login", get(admin::login_form).post(admin::login))
        .route("/admin/logout", post(admin::logout))
        .route("/admin", get(admin::dashboard))
        .route(
            "/admin/new",
            get(admin::new_election_form)
                .post(admin::create_election)
                .layer(upload()),
        )
        .route("/admin/e/{id}", get(admin::election))
        .route(
            "/admin/e/{id}/roll",
            post(admin::import_roll).layer(upload()),
        )
        .route("/admin/e/{id}/freeze", post(admin::freeze_roll))
        .route("/admin/e/{id}/open", post(admin::open_poll))
        .route("/admin/e/{id}/turnout", get(admin::turnout))
        .route("/admin/e/{id}/postal", post(admin::receive_postal))
        .route(
            "/admin/e/{id}/postal/{batch}/{section}",
            get(admin::postal_form)
                .post(admin::enter_postal)
                .layer(upload()),
        )
        .route("/admin/e/{id}/close", post(admin::close_poll))
        .route("/admin/e/{id}/count", post(admin::count))
        .route("/admin/e/{id}/publish", post(admin::publish))
        .fallback(public::not_found)
        .layer(axum::middleware::map_response(security_headers))
        .with_state(app)
}

/// Headers on every response: no scripts, nothing from elsewhere, no framing, no referrer
/// to other sites (a voter's link carries their code), and nothing cached unless the page
/// says otherwise. The referrer policy is `same-origin`, not `no-referrer`: under
/// `no-referrer` browsers send `Origin: null` with same-site form posts, which the admin
/// pages' Origin check must refuse.
async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Serves the application on `listener` until Ctrl-C (or SIGTERM on Unix).
pub async fn serve(
    store: Arc<Store>,
    config: WebConfig,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    let app: AppState = Arc::new(App {
        store,
        config,
        flashes: Mutex::new(HashMap::new()),
        dummy_hash: std::sync::OnceLock::new(),
    });
    // Make the unknown-user hash now, so that the first failed sign-in takes no longer.
    let warm = app.clone();
    tokio::task::spawn_blocking(move || {
        warm.dummy_hash();
    });
    axum::serve(listener, routes(app))
        .with_graceful_shutdown(shutdown())
        .await
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

/// Logs to standard error (`RUST_LOG` sets the level; `info` by default). The server logs
/// its start, administrators' actions and errors, never a request's path or query.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::WebConfig;

    #[test]
    fn plain_http_off_the_loopback_is_warned_of() {
        let warn = |url: &str, secure: bool| {
            let mut c = WebConfig::new(url);
            c.secure_cookies = secure;
            c.cookie_warning().is_some()
        };
        assert!(!warn("http://127.0.0.1:8080", true));
        assert!(!warn("http://localhost:8080/", true));
        assert!(!warn("http://[::1]:8080", true));
        assert!(!warn("https://vote.example.org", true));
        assert!(warn("http://192.0.2.2:8080", true));
        assert!(warn("http://vote.example.org", true));
        assert!(!warn("http://192.0.2.2:8080", false));
    }
}

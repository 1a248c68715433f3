//! Administrators' sessions: argon2 passwords, a random session token in a cookie (the
//! store keeps only its SHA-256), a CSRF token per session checked on every admin form, and
//! the Origin check.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::WebError;
use crate::{App, AppState};

/// How long a session lasts.
pub(crate) const SESSION_HOURS: u64 = 8;

/// Random bytes from the operating system, as lower-case hex.
pub(crate) fn random_hex(bytes: usize) -> Result<String, WebError> {
    let mut b = vec![0u8; bytes];
    getrandom::fill(&mut b).map_err(|e| WebError::Internal(format!("random source: {e}")))?;
    Ok(scrutin_record::hex(&b))
}

/// SHA-256 of text, lower-case hex: how a session token is stored.
pub(crate) fn sha256_hex(s: &str) -> String {
    scrutin_record::hex(&Sha256::digest(s.as_bytes()))
}

/// Equal, compared in constant time (for equal lengths).
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// An argon2id hash of a password as a PHC string (`$argon2id$v=19$…`), with a random salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| format!("random source: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches the PHC string `hash` (false for a malformed hash).
pub(crate) fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

impl App {
    /// A hash to verify against when the user is unknown (so that the time taken does not
    /// say whether a user exists).
    pub(crate) fn dummy_hash(&self) -> String {
        self.dummy_hash
            .get_or_init(|| {
                let pw = random_hex(16).unwrap_or_else(|_| "unguessable?".into());
                hash_password(&pw).unwrap_or_default()
            })
            .clone()
    }

    /// The session cookie's name: `__Host-` prefixed when it is Secure (the browser then
    /// refuses it unless it is Secure, for `/`, with no domain).
    pub(crate) fn cookie_name(&self) -> &'static str {
        if self.config.secure_cookies {
            "__Host-scrutin-session"
        } else {
            "scrutin-session"
        }
    }

    /// The session cookie carrying `token`: a browser-session cookie (no expiry of its own;
    /// the store ends the session after [`SESSION_HOURS`]).
    pub(crate) fn session_cookie(&self, token: String) -> Cookie<'static> {
        Cookie::build((self.cookie_name(), token))
            .http_only(true)
            .same_site(SameSite::Strict)
            .path("/")
            .secure(self.config.secure_cookies)
            .build()
    }

    /// The cookie that removes the session cookie.
    pub(crate) fn removal_cookie(&self) -> Cookie<'static> {
        let mut c = self.session_cookie(String::new());
        c.make_removal();
        c
    }
}

/// `expires_at` of a session starting now: ISO 8601 UTC, as the store compares moments.
pub(crate) fn expiry() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    iso(now + SESSION_HOURS * 3600)
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn iso(secs: u64) -> String {
    let day = scrutin_store::Date::from_unix_days((secs / 86_400) as i64);
    let t = secs % 86_400;
    format!("{day}T{:02}:{:02}:{:02}Z", t / 3600, t / 60 % 60, t % 60)
}

/// A logged-in administrator.
#[derive(Clone, Debug)]
pub(crate) struct AdminSession {
    pub user: String,
    pub csrf: String,
    /// The session token's SHA-256 (the store's key for it).
    pub token_hash: String,
}

impl AdminSession {
    /// Checks an admin form: its Origin (when the browser sends one) must be this server's,
    /// and its `csrf` field this session's token. Anything else is 403.
    pub fn check(
        &self,
        app: &App,
        headers: &HeaderMap,
        csrf: Option<&str>,
    ) -> Result<(), WebError> {
        check_origin(app, headers)?;
        match csrf {
            Some(c) if same(c, &self.csrf) => Ok(()),
            _ => Err(WebError::Forbidden(
                "This form has expired or did not come from this site (its security token is \
                 missing or wrong). Go back, reload the page and try again."
                    .into(),
            )),
        }
    }
}

/// The origin of a URL: `scheme://host[:port]`, lower case.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    if host.is_empty() {
        return None;
    }
    Some(format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    ))
}

/// Refuses a request whose `Origin` header is present and is neither the configured base
/// URL's origin nor the origin of the `Host` it was sent to.
pub(crate) fn check_origin(app: &App, headers: &HeaderMap) -> Result<(), WebError> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or("").trim().to_ascii_lowercase();
    let ours = origin_of(&app.config.base_url);
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| h.trim().to_ascii_lowercase());
    let same_host = host.is_some_and(|h| {
        origin
            .split_once("://")
            .is_some_and(|(scheme, rest)| matches!(scheme, "http" | "https") && rest == h)
    });
    if ours.as_deref() == Some(origin.as_str()) || same_host {
        Ok(())
    } else {
        Err(WebError::Forbidden(
            "This form was sent from another site; it has been refused.".into(),
        ))
    }
}

/// Not logged in: go to the login page.
pub(crate) struct LoginRequired;

impl IntoResponse for LoginRequired {
    fn into_response(self) -> Response {
        Redirect::to("/admin/login").into_response()
    }
}

impl FromRequestParts<AppState> for AdminSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Response> {
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(token) = jar.get(app.cookie_name()).map(|c| c.value().to_string()) else {
            return Err(LoginRequired.into_response());
        };
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(LoginRequired.into_response());
        }
        let token_hash = sha256_hex(&token);
        match app.store.session(&token_hash).await {
            Ok(Some((user, csrf))) => Ok(AdminSession {
                user,
                csrf,
                token_hash,
            }),
            Ok(None) => Err(LoginRequired.into_response()),
            Err(e) => Err(WebError::from(e).into_response()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
        assert_ne!(hash_password("correct horse").unwrap(), h, "salted");
    }

    #[test]
    fn origins_and_moments() {
        assert_eq!(
            origin_of("https://Vote.example.org/path?q").as_deref(),
            Some("https://vote.example.org")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8080").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(origin_of("nonsense"), None);
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(1_511_172_000), "2017-11-20T10:00:00Z");
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
        assert_eq!(random_hex(32).unwrap().len(), 64);
    }
}

//! Errors as pages: the user's mistake or the store's refusal is shown with its message and
//! a 4xx status; anything else is logged and shown as a generic 500 page.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scrutin_store::StoreError;

use crate::page;

/// Why a request could not be served.
#[derive(Debug)]
pub(crate) enum WebError {
    /// A form or query the server cannot use (400).
    BadRequest(String),
    /// Nothing here (404).
    NotFound(String),
    /// Not allowed (403).
    Forbidden(String),
    /// The store refused or rejected what was asked (4xx with its message), or failed (500).
    Store(StoreError),
    /// Something on the server failed (500); the message is logged, never shown.
    Internal(String),
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        WebError::Store(e)
    }
}

impl WebError {
    /// The status and the message a user may see; `None` for a server failure.
    pub fn status_and_message(&self) -> (StatusCode, Option<String>) {
        match self {
            WebError::BadRequest(m) => (StatusCode::BAD_REQUEST, Some(m.clone())),
            WebError::NotFound(m) => (StatusCode::NOT_FOUND, Some(m.clone())),
            WebError::Forbidden(m) => (StatusCode::FORBIDDEN, Some(m.clone())),
            WebError::Store(e) => match e {
                StoreError::Invalid(m) => (StatusCode::BAD_REQUEST, Some(m.clone())),
                StoreError::Body(_) => (StatusCode::BAD_REQUEST, Some(e.to_string())),
                StoreError::Refused(m) => (StatusCode::CONFLICT, Some(m.clone())),
                StoreError::NoElection(_) => (StatusCode::NOT_FOUND, Some(e.to_string())),
                StoreError::Db(_) | StoreError::Random(_) => {
                    (StatusCode::INTERNAL_SERVER_ERROR, None)
                }
            },
            WebError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, None),
        }
    }

    /// Logs a server failure (the error only: never a request's path, query or form).
    pub fn log(&self) {
        match self {
            WebError::Store(e @ (StoreError::Db(_) | StoreError::Random(_))) => {
                tracing::error!("store: {e}")
            }
            WebError::Internal(m) => tracing::error!("{m}"),
            _ => {}
        }
    }
}

/// The message for a page that failed on the server.
pub(crate) const GENERIC: &str = "Something went wrong on the server. Nothing you entered has \
     been lost or recorded twice: please try again in a few minutes. If it happens again, \
     contact the returning officer.";

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        self.log();
        let (status, message) = self.status_and_message();
        let title = match status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::FORBIDDEN => "Not allowed",
            StatusCode::CONFLICT => "Refused",
            StatusCode::BAD_REQUEST => "Cannot do that",
            _ => "Server error",
        };
        let message = message.unwrap_or_else(|| GENERIC.to_string());
        (status, page::message_page(title, &message)).into_response()
    }
}

pub(crate) type WebResult<T> = Result<T, WebError>;

//! Forms and queries as name–value pairs, with a page (not a bare text response) when the
//! request cannot be read.

use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::request::Parts;
use axum::{Form, RequestPartsExt};

use crate::error::WebError;

/// The fields of a URL-encoded form, in order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `name`, trimmed, or "".
    pub fn text(&self, name: &str) -> &str {
        self.get(name).map_or("", str::trim)
    }
}

impl<S: Send + Sync> FromRequest<S> for Fields {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, WebError> {
        match Form::<Vec<(String, String)>>::from_request(req, state).await {
            Ok(Form(pairs)) => Ok(Fields(pairs)),
            Err(e) => Err(WebError::BadRequest(format!(
                "The form could not be read ({}). Go back and try again.",
                e.body_text()
            ))),
        }
    }
}

/// The fields of a URL's query string.
#[derive(Clone, Debug, Default)]
pub(crate) struct QueryFields(pub Fields);

impl<S: Send + Sync> FromRequestParts<S> for QueryFields {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, WebError> {
        match parts
            .extract::<axum::extract::Query<Vec<(String, String)>>>()
            .await
        {
            Ok(q) => Ok(QueryFields(Fields(q.0))),
            Err(_) => Err(WebError::BadRequest(
                "The address's query could not be read.".into(),
            )),
        }
    }
}

/// A multipart form read whole: text fields, and uploaded files by field name (with their
/// file names). An empty file field (nothing chosen) is left out.
#[derive(Debug, Default)]
pub(crate) struct Upload {
    pub fields: Fields,
    pub files: Vec<(String, String, Vec<u8>)>,
}

impl Upload {
    /// The file uploaded in `name`: (file name, bytes).
    pub fn file(&self, name: &str) -> Option<(&str, &[u8])> {
        self.files
            .iter()
            .find(|(k, _, _)| k == name)
            .map(|(_, f, b)| (f.as_str(), b.as_slice()))
    }
}

impl<S: Send + Sync> FromRequest<S> for Upload {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, WebError> {
        let is_multipart = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if !is_multipart {
            // A plain URL-encoded form is accepted too (a textarea needs no upload).
            let Fields(pairs) = Fields::from_request(req, state).await?;
            return Ok(Upload {
                fields: Fields(pairs),
                files: Vec::new(),
            });
        }
        let bad = |e: axum::extract::multipart::MultipartError| {
            WebError::BadRequest(format!(
                "The form could not be read ({}). Go back and try again.",
                e.body_text()
            ))
        };
        let mut multipart = Multipart::from_request(req, state).await.map_err(|e| {
            WebError::BadRequest(format!(
                "The form could not be read ({}). Go back and try again.",
                e.body_text()
            ))
        })?;
        let mut out = Upload::default();
        while let Some(field) = multipart.next_field().await.map_err(bad)? {
            let name = field.name().unwrap_or("").to_string();
            match field.file_name().map(str::to_string) {
                Some(file) => {
                    let bytes = field.bytes().await.map_err(bad)?;
                    if !file.is_empty() || !bytes.is_empty() {
                        out.files.push((name, file, bytes.to_vec()));
                    }
                }
                None => {
                    let text = field.text().await.map_err(bad)?;
                    out.fields.0.push((name, text));
                }
            }
        }
        Ok(out)
    }
}

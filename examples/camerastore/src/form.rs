//! A stricter `Form` extractor than axum's.
//!
//! axum's `Form` decodes percent-escapes lossily, so `%FF` arrives as U+FFFD: two different
//! invalid byte strings would then become one and the same password. This one refuses a body
//! that is not UTF-8 once decoded, so every field is exactly what the browser sent.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};
use serde::de::DeserializeOwned;

/// A form body, decoded strictly.
pub(crate) struct Form<T>(pub(crate) T);

/// Why a form body was refused; the handler re-renders its page with this status.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FormRejection(pub(crate) StatusCode);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = FormRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_form = request.headers().get(header::CONTENT_TYPE).is_some_and(|value| {
            value.as_bytes().to_ascii_lowercase().starts_with(b"application/x-www-form-urlencoded")
        });
        if !is_form {
            return Err(FormRejection(StatusCode::UNSUPPORTED_MEDIA_TYPE));
        }
        // The body limit layer turns an oversized body into an error here.
        let body = Bytes::from_request(request, state).await.map_err(|rejection| {
            let status = rejection.status();
            FormRejection(if status.is_client_error() { status } else { StatusCode::BAD_REQUEST })
        })?;
        // '&', '=' and '+' are ASCII, so the whole body is UTF-8 after decoding exactly when
        // every name and value is.
        if percent_encoding::percent_decode(&body).decode_utf8().is_err() {
            return Err(FormRejection(StatusCode::BAD_REQUEST));
        }
        serde_urlencoded::from_bytes(&body).map(Form).map_err(|_| FormRejection(StatusCode::UNPROCESSABLE_ENTITY))
    }
}

impl IntoResponse for FormRejection {
    fn into_response(self) -> Response {
        (self.0, "The form could not be read.").into_response()
    }
}

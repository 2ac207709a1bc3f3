//! [`Error`] as an HTTP answer (feature `axum`): a handler returns `Result<_, Error>` and uses
//! `?` on `Auth`'s calls. Each error answers with the status that fits it and a short body; the
//! form errors of [`Error::Validation`] go out as JSON next to their fields. A store or
//! configuration failure answers a generic 500 (or 503 while a store is down): its detail goes
//! to the log, never to the client.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};

use crate::Error;

impl Error {
    /// The status code this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::DuplicateUsername | Self::DuplicateEmail => StatusCode::CONFLICT,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::InvalidCredentials | Self::InvalidCode | Self::LoginExpired => StatusCode::UNAUTHORIZED,
            Self::TemporarilyLocked => StatusCode::TOO_MANY_REQUESTS,
            Self::AccountDisabled | Self::EmailNotConfirmed => StatusCode::FORBIDDEN,
            Self::InvalidToken => StatusCode::GONE,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Corrupt(_) | Self::Config(_) | Self::Hashing(_) | Self::UnsupportedHash(_) | Self::Backend(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = match &self {
            Self::Validation(errors) => {
                let body = serde_json::json!({ "errors": errors });
                (status, axum::Json(body)).into_response()
            }
            // The details of a server fault are for the operator: logged, never sent.
            _ if status.is_server_error() => {
                tracing::error!(error = %self, status = status.as_u16(), "customer-auth could not serve the request");
                let body = if status == StatusCode::SERVICE_UNAVAILABLE {
                    "Service temporarily unavailable, please try again shortly."
                } else {
                    "Internal server error."
                };
                (status, body).into_response()
            }
            // The client's own mistakes: the message says what to do, and holds no secret.
            _ => (status, self.to_string()).into_response(),
        };
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FieldErrors;

    async fn body(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024).await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn each_error_answers_with_its_status_and_never_a_servers_detail() {
        let mut errors = FieldErrors::new();
        errors.add("email", "Enter a valid email address, like name@example.com.");
        let invalid = Error::Validation(errors).into_response();
        assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body(invalid).await,
            r#"{"errors":{"email":["Enter a valid email address, like name@example.com."]}}"#
        );
        for (error, status) in [
            (Error::InvalidCredentials, StatusCode::UNAUTHORIZED),
            (Error::AccountDisabled, StatusCode::FORBIDDEN),
            (Error::TemporarilyLocked, StatusCode::TOO_MANY_REQUESTS),
            (Error::DuplicateEmail, StatusCode::CONFLICT),
            (Error::InvalidToken, StatusCode::GONE),
        ] {
            assert_eq!(error.into_response().status(), status);
        }
        let down = Error::unavailable("connection refused to db.internal:5432").into_response();
        assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(down.headers()[header::RETRY_AFTER], "5");
        assert!(!body(down).await.contains("db.internal"));
        let broken = Error::backend("relation \"customers\" does not exist").into_response();
        assert_eq!(broken.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body(broken).await, "Internal server error.");
    }
}

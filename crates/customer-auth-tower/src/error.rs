use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;

/// What can go wrong in the session layer, the guards and the CSRF check.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The session or customer store failed; [`Error::status`] is 503 when it is down.
    #[error(transparent)]
    Store(#[from] customer_auth_core::Error),
    /// A session value could not be stored or read back as the requested type.
    #[error("the session value `{key}` could not be converted ({source}); read it back as the type it was stored as")]
    Value {
        /// The value's name.
        key: String,
        /// Why serde refused it.
        #[source]
        source: serde_json::Error,
    },
    /// A handler or guard asked for the session, but no [`SessionLayer`](crate::SessionLayer) runs
    /// in front of it.
    #[error("no session on this request; wrap the router (outermost) in customer_auth_tower::SessionLayer")]
    MissingSessionLayer,
    /// The customer's account changed while they were logging in (password changed or reset,
    /// disabled, deleted, roles changed, logged out everywhere): the login's session was
    /// deleted. Answers 409; a login form should ask the customer to log in again.
    #[error("the account changed while logging in; the login was refused, log in again")]
    AccountChanged,
    /// A handler asked for the whole customer, but the session layer has no customer store.
    #[error("no customer store to load the customer from; configure SessionLayer::with_customer_store")]
    NoCustomerStore,
}

impl Error {
    /// The status code this error answers with: 503 while a store is unavailable, 409 for a
    /// login refused because the account changed meanwhile, 500 for everything else (these are
    /// server faults, never the client's).
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Store(err) if err.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            Self::AccountChanged => StatusCode::CONFLICT,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The response for this error: its status and a short, generic body. The details go to
    /// a `tracing` error event, never into the response.
    pub fn to_response(&self) -> Response<Full<Bytes>> {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, status = status.as_u16(), "customer-auth could not serve the request");
        }
        let body = match status {
            StatusCode::SERVICE_UNAVAILABLE => "Service temporarily unavailable, please try again shortly.",
            StatusCode::CONFLICT => "Your account changed while you were logging in; please log in again.",
            _ => "Internal server error.",
        };
        let mut response = plain(status, body);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}

/// A short plain-text response that no cache keeps.
pub(crate) fn plain(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A handler that calls both `Session` and `Auth` returns `Result<_, Error>` and uses `?` on
/// both: an `Auth` error carried here answers as it would on its own (401 for invalid
/// credentials, 422 with the field errors, …), not as a server fault.
#[cfg(feature = "axum")]
impl axum::response::IntoResponse for Error {
    fn into_response(self) -> axum::response::Response {
        match self {
            Self::Store(err) => err.into_response(),
            other => other.to_response().map(axum::body::Body::new),
        }
    }
}

#[cfg(all(test, feature = "axum"))]
mod tests {
    use axum::response::IntoResponse as _;

    use super::*;

    #[test]
    fn auth_errors_carried_here_answer_as_their_own() {
        let invalid = Error::from(customer_auth_core::Error::InvalidCredentials).into_response();
        assert_eq!(invalid.status(), StatusCode::UNAUTHORIZED);
        let locked = Error::from(customer_auth_core::Error::TemporarilyLocked).into_response();
        assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
        let down = Error::from(customer_auth_core::Error::Unavailable("the store is down".into())).into_response();
        assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(Error::AccountChanged.into_response().status(), StatusCode::CONFLICT);
        assert_eq!(Error::MissingSessionLayer.into_response().status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}

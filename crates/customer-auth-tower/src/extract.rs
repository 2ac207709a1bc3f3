//! axum extractors (feature `axum`): [`Session`], [`CurrentPrincipal`] and [`CurrentCustomer`].

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use customer_auth_core::{Customer, Principal};
use http::StatusCode;
use http::request::Parts;

use crate::error::plain;
use crate::{Error, Session};

/// Why a handler that needs a logged-in customer was not called.
#[derive(Debug)]
pub enum AuthRejection {
    /// Nobody is logged in (or the customer was disabled or deleted): `401`.
    LoginRequired,
    /// The session could not be read: `503` while the store is down, else `500`.
    Failed(Error),
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match self {
            Self::LoginRequired => plain(StatusCode::UNAUTHORIZED, "Log in to continue.").into_response(),
            Self::Failed(err) => err.into_response(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Session>().cloned().ok_or(Error::MissingSessionLayer)
    }
}

/// The logged-in customer as the session carries it (id, username, roles): free behind
/// [`RequireLogin`](crate::RequireLogin), one session read elsewhere.
#[derive(Debug, Clone)]
pub struct CurrentPrincipal(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for CurrentPrincipal {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(principal) = parts.extensions.get::<Principal>() {
            return Ok(Self(principal.clone()));
        }
        let session = Session::from_request_parts(parts, state).await.map_err(AuthRejection::Failed)?;
        match session.principal().await {
            Ok(Some(principal)) => Ok(Self(principal)),
            Ok(None) => Err(AuthRejection::LoginRequired),
            Err(err) => Err(AuthRejection::Failed(err)),
        }
    }
}

/// The whole logged-in customer, read from the customer store at most once per request. A
/// customer disabled or deleted since logging in counts as logged out.
#[derive(Debug, Clone)]
pub struct CurrentCustomer(pub Customer);

impl<S: Send + Sync> FromRequestParts<S> for CurrentCustomer {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state).await.map_err(AuthRejection::Failed)?;
        match session.customer().await {
            Ok(Some(customer)) => Ok(Self(customer)),
            Ok(None) => Err(AuthRejection::LoginRequired),
            Err(err) => Err(AuthRejection::Failed(err)),
        }
    }
}

//! A fresh proof before a sensitive change (ASVS 7.5.1): removing the authenticator app or
//! making new recovery codes goes ahead only when the customer proved who they are within ten
//! minutes. Otherwise the page asks for their password or a code in place and posts back to
//! the same action, which then goes ahead.

use std::time::Duration;

use axum::response::{IntoResponse, Response};
use customer_auth::{Customer, Error};
use customer_auth_tower::Session;
use http::StatusCode;
use minijinja::context;

use super::Layout;
use crate::AppState;
use crate::error::AppError;

/// How recent a proof must be.
pub(super) const FRESH: Duration = Duration::from_secs(10 * 60);

/// `None` when the action may go ahead (a recent proof, or `proof` just checked); else the page
/// that asks for one, posting back to `action`.
pub(super) async fn require(
    state: &AppState,
    session: &Session,
    customer: &Customer,
    proof: &str,
    action: &str,
) -> Result<Option<Response>, AppError> {
    if session.proved_within(FRESH).await? {
        return Ok(None);
    }
    let (status, error) = if proof.is_empty() {
        (StatusCode::OK, None)
    } else {
        match state.auth.confirm_identity(customer, proof).await {
            Ok(()) => {
                session.record_proof().await?;
                return Ok(None);
            }
            Err(Error::InvalidCredentials) => {
                (StatusCode::UNAUTHORIZED, Some("That was not your password or a current code. Try again."))
            }
            Err(Error::TemporarilyLocked) => (
                StatusCode::TOO_MANY_REQUESTS,
                Some("Too many wrong tries: your account is locked for a while. Try again later."),
            ),
            Err(other) => return Err(other.into()),
        }
    };
    let mut layout = Layout::with_form(session).await?;
    layout.flashes.extend(error.map(str::to_owned));
    let html = state.templates.render("confirm_identity.html", context! { layout, action })?;
    Ok(Some((status, html).into_response()))
}

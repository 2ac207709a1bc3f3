//! `/login/second-factor`: the second step of a login for a customer with an authenticator
//! app, which takes its current code or one of the recovery codes in the field `code`.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use customer_auth::Error;
use customer_auth_tower::device::RequestClient;
use customer_auth_tower::{Error as LayerError, Session};
use http::StatusCode;
use minijinja::context;
use serde::Deserialize;

use super::Layout;
use super::login::{CHANGED, LOCKED, logged_in};
use crate::AppState;
use crate::error::AppError;
use crate::form::{Form, FormRejection};

const WRONG: &str =
    "That code is not right, or was used already. Enter the code your app shows now, or a recovery code.";
const EXPIRED: &str = "Your login took too long. Please log in again.";

#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct CodeForm {
    code: String,
}

async fn page(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    error: Option<&str>,
) -> Result<Response, AppError> {
    let mut layout = Layout::with_form(session).await?;
    layout.flashes.extend(error.map(str::to_owned));
    // The code field for a customer with an app (or recovery codes), "Use a passkey" for one
    // with a passkey.
    let (codes, passkeys) = match session.pending_second_factor().await? {
        Some(pending) => {
            let factors = state.auth.second_factors(pending.customer_id).await?;
            (factors.totp_enrolled_at.is_some() || factors.recovery_codes_left > 0, factors.passkeys > 0)
        }
        None => (true, false),
    };
    let html = state.templates.render("second_factor.html", context! { layout, codes, passkeys })?;
    Ok((status, html).into_response())
}

/// Back to the login form, saying why.
async fn start_again(session: &Session) -> Result<Response, AppError> {
    session.cancel_second_factor().await?;
    session.flash(EXPIRED).await?;
    Ok(Redirect::to("/login").into_response())
}

pub(super) async fn form(State(state): State<AppState>, session: Session) -> Result<Response, AppError> {
    if session.pending_second_factor().await?.is_none() {
        return start_again(&session).await;
    }
    page(&state, &session, StatusCode::OK, None).await
}

pub(super) async fn submit(
    State(state): State<AppState>,
    session: Session,
    RequestClient(client): RequestClient,
    form: Result<Form<CodeForm>, FormRejection>,
) -> Result<Response, AppError> {
    let Some(pending) = session.pending_second_factor().await? else { return start_again(&session).await };
    let code = match form {
        Ok(Form(form)) => form.code,
        Err(FormRejection(status)) => return page(&state, &session, status, Some(WRONG)).await,
    };
    match state.auth.complete_login(&pending, &code, &client).await {
        Ok(login) => {
            match session.login(&login.customer).await {
                Ok(()) => {}
                Err(LayerError::AccountChanged) => {
                    return page(&state, &session, StatusCode::CONFLICT, Some(CHANGED)).await;
                }
                Err(other) => return Err(other.into()),
            }
            if let Some(left) = login.recovery_codes_left {
                let codes = if left == 1 { "code" } else { "codes" };
                session
                    .flash(format!(
                        "You used a recovery code: {left} {codes} left. Make new ones under Security when you run low."
                    ))
                    .await?;
            }
            let target = session.take_target_url().await?.unwrap_or_else(|| "/".to_owned());
            logged_in(&state, &login.customer, &target)
        }
        Err(Error::InvalidCode) => page(&state, &session, StatusCode::UNAUTHORIZED, Some(WRONG)).await,
        Err(Error::TemporarilyLocked) => page(&state, &session, StatusCode::TOO_MANY_REQUESTS, Some(LOCKED)).await,
        Err(Error::LoginExpired | Error::AccountDisabled) => start_again(&session).await,
        Err(other) => Err(other.into()),
    }
}

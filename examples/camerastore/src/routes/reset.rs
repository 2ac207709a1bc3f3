//! "Forgot your password?": `/forgot` mails a link, `/reset/{token}` sets a new password.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use customer_auth::{Error, FieldErrors, Password};
use customer_auth_tower::Session;
use http::StatusCode;
use minijinja::context;
use serde::Deserialize;

use super::Layout;
use crate::AppState;
use crate::error::AppError;
use crate::form::{Form, FormRejection};

/// The one answer to every reset request: it must not tell whether the address has an account.
const SENT: &str = "If that is the email address or username of an account, we have sent its email address a link \
                    to choose a new password. It works once, for 30 minutes.";

#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct ResetRequest {
    /// The email address or the username (the field keeps its old name for existing forms).
    email: String,
}

pub(super) async fn forgot_form(State(state): State<AppState>, session: Session) -> Result<Response, AppError> {
    let layout = Layout::with_form(&session).await?;
    Ok(state.templates.render("forgot.html", context! { layout, sent => false })?.into_response())
}

pub(super) async fn forgot(
    State(state): State<AppState>,
    session: Session,
    form: Result<Form<ResetRequest>, FormRejection>,
) -> Result<Response, AppError> {
    let mut layout = Layout::with_form(&session).await?;
    let status = match form {
        Ok(Form(request)) => {
            state.auth.request_password_reset(request.email.trim()).await?;
            layout.flashes.push(SENT.to_owned());
            StatusCode::OK
        }
        Err(FormRejection(status)) => status,
    };
    let html = state.templates.render("forgot.html", context! { layout, sent => status.is_success() })?;
    Ok((status, html).into_response())
}

#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct NewPassword {
    password: Password,
    confirm_password: Password,
}

async fn reset_page(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    token: &str,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let layout = Layout::with_form(session).await?;
    let html = state.templates.render("reset.html", context! { layout, token, errors })?;
    Ok((status, html).into_response())
}

pub(super) async fn reset_form(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    reset_page(&state, &session, StatusCode::OK, &token, FieldErrors::new()).await
}

pub(super) async fn reset(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
    form: Result<Form<NewPassword>, FormRejection>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::new();
    let new = match form {
        Ok(Form(new)) => new,
        Err(FormRejection(status)) => {
            errors.add("form", "The form could not be read. Please fill it in again.");
            return reset_page(&state, &session, status, &token, errors).await;
        }
    };
    match state.auth.reset_password(&token, &new.password, &new.confirm_password).await {
        Ok(_) => {
            session.flash("Your password has been changed. Please log in with the new one.").await?;
            Ok(Redirect::to("/login").into_response())
        }
        Err(Error::Validation(invalid)) => {
            reset_page(&state, &session, StatusCode::UNPROCESSABLE_ENTITY, &token, invalid).await
        }
        Err(Error::InvalidToken) => {
            errors.add("form", "This link is invalid, used already or expired. Ask for a new one below.");
            reset_page(&state, &session, StatusCode::GONE, &token, errors).await
        }
        Err(other) => Err(other.into()),
    }
}

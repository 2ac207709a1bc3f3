use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use customer_auth::{Error, Password};
use customer_auth_tower::Session;
use http::StatusCode;
use minijinja::context;
use serde::Deserialize;

use super::Layout;
use crate::AppState;
use crate::error::AppError;
use crate::form::{Form, FormRejection};

/// The one answer to every failed login: it must not tell which part was wrong.
const INVALID: &str = "Invalid credentials, try again!";

#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct Credentials {
    username: String,
    password: Password,
}

async fn page(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    username: &str,
    error: Option<&str>,
) -> Result<Response, AppError> {
    let mut layout = Layout::with_form(session).await?;
    layout.flashes.extend(error.map(str::to_owned));
    let html = state.templates.render("login.html", context! { layout, username })?;
    Ok((status, html).into_response())
}

pub(super) async fn form(State(state): State<AppState>, session: Session) -> Result<Response, AppError> {
    page(&state, &session, StatusCode::OK, "", None).await
}

pub(super) async fn signin(
    State(state): State<AppState>,
    session: Session,
    form: Result<Form<Credentials>, FormRejection>,
) -> Result<Response, AppError> {
    let credentials = match form {
        Ok(Form(credentials)) => credentials,
        Err(FormRejection(status)) => return page(&state, &session, status, "", Some(INVALID)).await,
    };
    match state.auth.authenticate(&credentials.username, &credentials.password).await {
        Ok(customer) => {
            session.login(&customer).await?;
            let target = session.take_target_url().await?.unwrap_or_else(|| "/".to_owned());
            Ok(Redirect::to(&target).into_response())
        }
        Err(Error::InvalidCredentials) => {
            page(&state, &session, StatusCode::UNAUTHORIZED, &credentials.username, Some(INVALID)).await
        }
        Err(Error::EmailNotConfirmed) => {
            let message = "Please confirm your email address first: follow the link we sent you. No link? Ask for a new one at /confirm.";
            page(&state, &session, StatusCode::FORBIDDEN, &credentials.username, Some(message)).await
        }
        Err(Error::AccountDisabled) => {
            let message = "This account is disabled. Contact the shop to enable it again.";
            page(&state, &session, StatusCode::FORBIDDEN, &credentials.username, Some(message)).await
        }
        Err(other) => Err(other.into()),
    }
}

pub(super) async fn logout(session: Session) -> Result<Redirect, AppError> {
    session.logout().await?;
    Ok(Redirect::to("/"))
}

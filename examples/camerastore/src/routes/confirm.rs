//! Email confirmation: `/confirm/{token}` follows the link, `/confirm` sends a new one.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use customer_auth::Error;
use customer_auth_tower::Session;
use http::StatusCode;
use minijinja::context;
use serde::Deserialize;

use super::Layout;
use crate::AppState;
use crate::error::AppError;
use crate::form::{Form, FormRejection};

/// The one answer to every resend request: it must not tell whether the username exists.
const SENT: &str = "If that account is waiting for confirmation, we have sent it a new link.";

pub(super) async fn follow(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    match state.auth.confirm_email(&token).await {
        Ok(_) => {
            session.flash("Your email address is confirmed. Please log in.").await?;
            Ok(Redirect::to("/login").into_response())
        }
        Err(Error::InvalidToken) => {
            let mut layout = Layout::with_form(&session).await?;
            layout.flashes.push("This link is invalid, used already or expired. Ask for a new one below.".into());
            let html = state.templates.render("resend.html", context! { layout })?;
            Ok((StatusCode::GONE, html).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct Resend {
    username: String,
}

pub(super) async fn resend_form(State(state): State<AppState>, session: Session) -> Result<Response, AppError> {
    let layout = Layout::with_form(&session).await?;
    Ok(state.templates.render("resend.html", context! { layout })?.into_response())
}

pub(super) async fn resend(
    State(state): State<AppState>,
    session: Session,
    form: Result<Form<Resend>, FormRejection>,
) -> Result<Response, AppError> {
    let mut layout = Layout::with_form(&session).await?;
    let status = match form {
        Ok(Form(request)) => {
            state.auth.resend_confirmation(request.username.trim()).await?;
            layout.flashes.push(SENT.to_owned());
            StatusCode::OK
        }
        Err(FormRejection(status)) => status,
    };
    Ok((status, state.templates.render("resend.html", context! { layout })?).into_response())
}

//! "Locked out?": `/unlock` mails a single-use link, `/unlock/{token}` lifts the lock and marks
//! the browser that opened it as the customer's, so guesses from elsewhere cannot lock it out.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use customer_auth::Error;
use customer_auth_tower::Session;
use customer_auth_tower::device::{RequestClient, device_cookie};
use http::StatusCode;
use minijinja::context;
use serde::Deserialize;

use super::Layout;
use crate::AppState;
use crate::error::AppError;
use crate::form::{Form, FormRejection};

/// The one answer to every unlock request: it must not tell whether anyone has that name.
const SENT: &str =
    "If an account has that username or email address, we have sent it an unlock link. It works once, for an hour.";
const INVALID_LINK: &str = "This unlock link is invalid, used already or expired. Ask for a new one below.";

#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct UnlockRequest {
    username: String,
}

async fn request_page(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    message: Option<&str>,
) -> Result<Response, AppError> {
    let mut layout = Layout::with_form(session).await?;
    layout.flashes.extend(message.map(str::to_owned));
    let html = state.templates.render("unlock.html", context! { layout, token => None::<String> })?;
    Ok((status, html).into_response())
}

pub(super) async fn request_form(State(state): State<AppState>, session: Session) -> Result<Response, AppError> {
    request_page(&state, &session, StatusCode::OK, None).await
}

pub(super) async fn request(
    State(state): State<AppState>,
    session: Session,
    form: Result<Form<UnlockRequest>, FormRejection>,
) -> Result<Response, AppError> {
    match form {
        Ok(Form(request)) => {
            state.auth.request_unlock(request.username.trim()).await?;
            request_page(&state, &session, StatusCode::OK, Some(SENT)).await
        }
        Err(FormRejection(status)) => request_page(&state, &session, status, None).await,
    }
}

/// The link's page: a button, since mail scanners open links and the link works once.
pub(super) async fn link(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let layout = Layout::with_form(&session).await?;
    Ok(state.templates.render("unlock.html", context! { layout, token })?.into_response())
}

pub(super) async fn follow(
    State(state): State<AppState>,
    session: Session,
    RequestClient(client): RequestClient,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    match state.auth.unlock(&token, &client).await {
        Ok(customer) => {
            session.flash("Your account is unlocked. Log in with your password.").await?;
            let mut response = Redirect::to("/login").into_response();
            if let Some(cookie) = device_cookie(&state.auth.device_cookie(&customer)?, state.secure_cookies) {
                response.headers_mut().append(http::header::SET_COOKIE, cookie);
            }
            Ok(response)
        }
        Err(Error::InvalidToken) => request_page(&state, &session, StatusCode::NOT_FOUND, Some(INVALID_LINK)).await,
        Err(other) => Err(other.into()),
    }
}

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use customer_auth::{Customer, Error, LoginForm, LoginStep};
use customer_auth_tower::device::{RequestClient, device_cookie};
use customer_auth_tower::{Error as LayerError, Session};
use http::StatusCode;
use minijinja::context;

use super::Layout;
use crate::AppState;
use crate::error::AppError;
use crate::form::{Form, FormRejection};

/// The one answer to every failed login: it must not tell which part was wrong.
const INVALID: &str = "Invalid credentials, try again!";
/// Said for a client past its budget, or an account locked for new clients, whatever the
/// password and for unknown usernames too.
pub(super) const LOCKED: &str =
    "This account is temporarily locked after too many failed logins. Try again later, or get an unlock link by email.";
/// A login that raced a change of the account (a disable, a password change) keeps no session.
pub(super) const CHANGED: &str = "Your account changed while you were logging in. Please log in again.";

/// A link the login page offers under a message: where to get a new confirmation link, or an
/// unlock link.
#[derive(Clone, Copy)]
enum Hint {
    Confirm,
    Unlock,
}

impl Hint {
    const fn name(self) -> &'static str {
        match self {
            Self::Confirm => "confirm",
            Self::Unlock => "unlock",
        }
    }
}

async fn page(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    username: &str,
    error: Option<&str>,
) -> Result<Response, AppError> {
    page_with(state, session, status, username, error, None).await
}

async fn page_with(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    username: &str,
    error: Option<&str>,
    hint: Option<Hint>,
) -> Result<Response, AppError> {
    let mut layout = Layout::with_form(session).await?;
    layout.flashes.extend(error.map(str::to_owned));
    let hint = hint.map(Hint::name);
    let html = state
        .templates
        .render("login.html", context! { layout, username, hint, passkeys => state.auth.passkeys_enabled() })?;
    Ok((status, html).into_response())
}

pub(super) async fn form(State(state): State<AppState>, session: Session) -> Result<Response, AppError> {
    // Sent here by a page that needs a login: say so, so the form does not come as a surprise.
    let asked = session.target_url().await?.is_some_and(|target| target != "/");
    let message = asked.then_some("Please log in to see that page.");
    page(&state, &session, StatusCode::OK, "", message).await
}

/// The answer to a successful login: to the target URL, with the browser marked as one the
/// customer logs in from, so it keeps a failed-login budget of its own.
pub(super) fn logged_in(state: &AppState, customer: &Customer, target: &str) -> Result<Response, AppError> {
    let mut response = Redirect::to(target).into_response();
    if let Some(cookie) = device_cookie(&state.auth.device_cookie(customer)?, state.secure_cookies) {
        response.headers_mut().append(http::header::SET_COOKIE, cookie);
    }
    Ok(response)
}

pub(super) async fn signin(
    State(state): State<AppState>,
    session: Session,
    RequestClient(client): RequestClient,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Result<Response, AppError> {
    let credentials = match form {
        Ok(Form(credentials)) => credentials,
        Err(FormRejection(status)) => return page(&state, &session, status, "", Some(INVALID)).await,
    };
    match state.auth.log_in(&credentials.username, &credentials.password, &client).await {
        Ok(LoginStep::SecondFactor(pending)) => {
            session.begin_second_factor(&pending).await?;
            Ok(Redirect::to("/login/second-factor").into_response())
        }
        Ok(LoginStep::Complete(customer)) => {
            match session.login(&customer).await {
                Ok(()) => {}
                Err(LayerError::AccountChanged) => {
                    return page(&state, &session, StatusCode::CONFLICT, &credentials.username, Some(CHANGED)).await;
                }
                Err(other) => return Err(other.into()),
            }
            let target = session.take_target_url().await?.unwrap_or_else(|| "/".to_owned());
            logged_in(&state, &customer, &target)
        }
        Err(Error::InvalidCredentials) => {
            page(&state, &session, StatusCode::UNAUTHORIZED, &credentials.username, Some(INVALID)).await
        }
        Err(Error::TemporarilyLocked) => {
            let (status, username) = (StatusCode::TOO_MANY_REQUESTS, &credentials.username);
            page_with(&state, &session, status, username, Some(LOCKED), Some(Hint::Unlock)).await
        }
        Err(Error::EmailNotConfirmed) => {
            let message = "Please confirm your email address first: follow the link we sent you.";
            let (status, username) = (StatusCode::FORBIDDEN, &credentials.username);
            page_with(&state, &session, status, username, Some(message), Some(Hint::Confirm)).await
        }
        Err(Error::AccountDisabled) => {
            let message = "This account is disabled. Contact the shop to enable it again.";
            page(&state, &session, StatusCode::FORBIDDEN, &credentials.username, Some(message)).await
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /logout`, from the logout button (the CSRF layer checks its token).
pub(super) async fn logout(session: Session) -> Result<Redirect, AppError> {
    session.logout().await?;
    session.flash("You are logged out.").await?;
    Ok(Redirect::to("/"))
}

/// `GET /logout`, the seed's link: acted on only for a navigation from the shop's own pages
/// (`Sec-Fetch-Site: same-origin`) or one the customer typed or bookmarked (`none`). A link on
/// another site (`cross-site`, which SameSite=Lax still sends the cookie for) or a client that
/// does not say gets a page with a logout button instead, so nobody can log a customer out from
/// elsewhere.
pub(super) async fn logout_link(
    State(state): State<AppState>,
    session: Session,
    headers: http::HeaderMap,
) -> Result<Response, AppError> {
    let fetch_site = headers.get("sec-fetch-site").and_then(|value| value.to_str().ok());
    if matches!(fetch_site, Some("same-origin" | "none")) {
        return Ok(logout(session).await?.into_response());
    }
    let layout = Layout::with_form(&session).await?;
    Ok(state.templates.render("logout.html", context! { layout })?.into_response())
}

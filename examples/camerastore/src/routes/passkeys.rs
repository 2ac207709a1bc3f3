//! Passkeys: adding one at `/account/security` (the browser's answer to JSON options posted
//! back), removing one after a fresh proof, and logging in with one, passwordless at `/login`
//! or as the second step at `/login/second-factor`. The JSON endpoints answer
//! `{"redirect": url}` or `{"error": text}`; the state between options and answer stays in the
//! session, and is taken from it by the answer, so each is used once.

use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use customer_auth::{Error, PasskeyChallenge};
use customer_auth_tower::device::RequestClient;
use customer_auth_tower::{CurrentCustomer, Error as LayerError, Session};
use http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::fresh_proof;
use super::login::logged_in;
use crate::AppState;
use crate::error::AppError;
use crate::form::{Form, FormRejection};

const REGISTRATION: &str = "passkey_registration";
const LOGIN: &str = "passkey_login";
const SECOND_FACTOR: &str = "passkey_second_factor";

const REFUSED: &str = "That passkey was not accepted. Try again, or use your password.";
const EXPIRED: &str = "This took too long. Please start again.";
const UNAVAILABLE: &str = "Passkeys need the customers in SQLite or Postgres.";

#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct Answer {
    name: String,
    credential: Value,
}

/// The passkey to remove, in the query when the fresh-proof page posts back.
#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct RemoveQuery {
    credential_id: String,
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct RemoveForm {
    credential_id: String,
    proof: String,
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

async fn options(session: &Session, key: &str, challenge: PasskeyChallenge) -> Result<Response, AppError> {
    session.insert(key, &challenge.state).await?;
    Ok(Json(challenge.options).into_response())
}

/// `POST /account/security/passkeys/options`: options for `navigator.credentials.create`.
pub(super) async fn registration_options(
    State(state): State<AppState>,
    CurrentCustomer(me): CurrentCustomer,
    session: Session,
) -> Result<Response, AppError> {
    if !state.auth.passkeys_enabled() {
        return Ok(error(StatusCode::NOT_FOUND, UNAVAILABLE));
    }
    let challenge = state.auth.start_passkey_registration(&me).await?;
    options(&session, REGISTRATION, challenge).await
}

/// `POST /account/security/passkeys`: the browser's new credential and the name for it.
pub(super) async fn register(
    State(state): State<AppState>,
    CurrentCustomer(me): CurrentCustomer,
    session: Session,
    answer: Option<Json<Answer>>,
) -> Result<Response, AppError> {
    let Some(registration) = session.remove::<String>(REGISTRATION).await? else {
        return Ok(error(StatusCode::CONFLICT, EXPIRED));
    };
    let Some(Json(answer)) = answer else { return Ok(error(StatusCode::BAD_REQUEST, REFUSED)) };
    let keep = session.key().await?;
    match state
        .auth
        .finish_passkey_registration(&me, &registration, &answer.credential, &answer.name, keep.as_ref())
        .await
    {
        Ok(record) => {
            session.flash(format!("Passkey \"{}\" added: you can log in with it now.", record.name)).await?;
            Ok(Json(json!({ "redirect": "/account/security" })).into_response())
        }
        Err(Error::InvalidCredentials) => Ok(error(StatusCode::BAD_REQUEST, REFUSED)),
        Err(Error::LoginExpired) => Ok(error(StatusCode::CONFLICT, EXPIRED)),
        Err(other) => Err(other.into()),
    }
}

/// `POST /account/security/passkeys/remove`: after a fresh proof, asked for in place.
pub(super) async fn remove(
    State(state): State<AppState>,
    CurrentCustomer(me): CurrentCustomer,
    session: Session,
    Query(query): Query<RemoveQuery>,
    form: Result<Form<RemoveForm>, FormRejection>,
) -> Result<Response, AppError> {
    let form = form.map(|Form(form)| form).unwrap_or_default();
    let encoded = if form.credential_id.is_empty() { query.credential_id } else { form.credential_id };
    let Ok(credential_id) = URL_SAFE_NO_PAD.decode(encoded.as_bytes()) else {
        session.flash("That passkey does not exist.").await?;
        return Ok(Redirect::to("/account/security").into_response());
    };
    // The id is base64url, so it goes in a URL as it is.
    let action = format!("/account/security/passkeys/remove?credential_id={encoded}");
    if let Some(ask) = fresh_proof::require(&state, &session, &me, &form.proof, &action).await? {
        return Ok(ask);
    }
    let keep = session.key().await?;
    let message = if state.auth.remove_passkey(&me, &credential_id, keep.as_ref()).await? {
        "The passkey was removed. Your other sessions were logged out."
    } else {
        "That passkey does not exist."
    };
    session.flash(message).await?;
    Ok(Redirect::to("/account/security").into_response())
}

/// `POST /login/passkey/options`: options for a passwordless login.
pub(super) async fn login_options(State(state): State<AppState>, session: Session) -> Result<Response, AppError> {
    if !state.auth.passkeys_enabled() {
        return Ok(error(StatusCode::NOT_FOUND, UNAVAILABLE));
    }
    let challenge = state.auth.start_passkey_login()?;
    options(&session, LOGIN, challenge).await
}

/// `POST /login/passkey`: a passwordless login with a discoverable passkey.
pub(super) async fn login(
    State(state): State<AppState>,
    session: Session,
    RequestClient(client): RequestClient,
    answer: Option<Json<Answer>>,
) -> Result<Response, AppError> {
    let Some(login) = session.remove::<String>(LOGIN).await? else {
        return Ok(error(StatusCode::CONFLICT, EXPIRED));
    };
    let Some(Json(answer)) = answer else { return Ok(error(StatusCode::BAD_REQUEST, REFUSED)) };
    match state.auth.finish_passkey_login(&login, &answer.credential, &client).await {
        Ok(customer) => {
            session.cancel_second_factor().await?;
            finish(&state, &session, &customer).await
        }
        Err(Error::InvalidCredentials) => Ok(error(StatusCode::UNAUTHORIZED, REFUSED)),
        Err(Error::LoginExpired) => Ok(error(StatusCode::CONFLICT, EXPIRED)),
        Err(Error::AccountDisabled) => {
            Ok(error(StatusCode::FORBIDDEN, "This account is disabled. Contact the shop to enable it again."))
        }
        Err(Error::EmailNotConfirmed) => {
            Ok(error(StatusCode::FORBIDDEN, "Please confirm your email address first: follow the link we sent you."))
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /login/second-factor/passkey/options`: options for the pending login's passkeys.
pub(super) async fn second_factor_options(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, AppError> {
    let Some(pending) = session.pending_second_factor().await? else {
        return Ok(error(StatusCode::CONFLICT, EXPIRED));
    };
    match state.auth.start_passkey_second_factor(&pending).await {
        Ok(challenge) => options(&session, SECOND_FACTOR, challenge).await,
        Err(Error::InvalidCredentials) => Ok(error(StatusCode::NOT_FOUND, "You have no passkey: enter a code.")),
        Err(Error::LoginExpired) => Ok(error(StatusCode::CONFLICT, EXPIRED)),
        Err(Error::Config(_)) => Ok(error(StatusCode::NOT_FOUND, UNAVAILABLE)),
        Err(other) => Err(other.into()),
    }
}

/// `POST /login/second-factor/passkey`: the second step with a passkey.
pub(super) async fn second_factor(
    State(state): State<AppState>,
    session: Session,
    RequestClient(client): RequestClient,
    answer: Option<Json<Answer>>,
) -> Result<Response, AppError> {
    let Some(pending) = session.pending_second_factor().await? else {
        return Ok(error(StatusCode::CONFLICT, EXPIRED));
    };
    let Some(challenge) = session.remove::<String>(SECOND_FACTOR).await? else {
        return Ok(error(StatusCode::CONFLICT, EXPIRED));
    };
    let Some(Json(answer)) = answer else { return Ok(error(StatusCode::BAD_REQUEST, REFUSED)) };
    match state.auth.finish_passkey_second_factor(&pending, &challenge, &answer.credential, &client).await {
        Ok(login) => finish(&state, &session, &login.customer).await,
        Err(Error::InvalidCredentials) => Ok(error(StatusCode::UNAUTHORIZED, REFUSED)),
        Err(Error::LoginExpired | Error::AccountDisabled) => {
            session.cancel_second_factor().await?;
            Ok(error(StatusCode::CONFLICT, EXPIRED))
        }
        Err(other) => Err(other.into()),
    }
}

/// Logs the customer in (a new session id) and says where to go: the target URL kept since
/// the login was asked for. The device cookie comes with the answer, as after a password.
async fn finish(state: &AppState, session: &Session, customer: &customer_auth::Customer) -> Result<Response, AppError> {
    match session.login(customer).await {
        Ok(()) => {}
        Err(LayerError::AccountChanged) => return Ok(error(StatusCode::CONFLICT, EXPIRED)),
        Err(other) => return Err(other.into()),
    }
    let target = session.take_target_url().await?.unwrap_or_else(|| "/".to_owned());
    let redirect = logged_in(state, customer, &target)?;
    let mut response = Json(json!({ "redirect": target })).into_response();
    for cookie in redirect.headers().get_all(http::header::SET_COOKIE) {
        response.headers_mut().append(http::header::SET_COOKIE, cookie.clone());
    }
    Ok(response)
}

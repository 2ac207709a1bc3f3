//! `/account/security`: the password, the sessions, and the second factors: an authenticator
//! app (set up at `/account/security/totp`), recovery codes, and removing them.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use customer_auth::{Customer, Error, RecoveryCodes};
use customer_auth_tower::{CurrentCustomer, Session};
use http::StatusCode;
use minijinja::context;
use serde::Deserialize;

use super::{Layout, fresh_proof};
use crate::AppState;
use crate::error::AppError;
use crate::form::{Form, FormRejection};

/// The session key of an enrolment waiting for its first code: the secret sealed with the
/// shop's factor key, never in plain.
const ENROLMENT: &str = "totp_enrolment";
/// What authenticator apps show the account as.
const ISSUER: &str = "Camera Store";

#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct CodeForm {
    code: String,
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct ProofForm {
    proof: String,
}

pub(super) async fn overview(
    State(state): State<AppState>,
    CurrentCustomer(me): CurrentCustomer,
    session: Session,
) -> Result<Response, AppError> {
    let layout = Layout::with_form(&session).await?;
    let factors = state.auth.second_factors(me.id).await?;
    let totp_enrolled_at = factors.totp_enrolled_at.map(|at| at.as_unix());
    let codes_left = factors.recovery_codes_left;
    let passkeys_available = state.auth.passkeys_enabled();
    let passkeys: Vec<_> = state
        .auth
        .passkeys(me.id)
        .await?
        .into_iter()
        .map(|passkey| {
            context! {
                id => URL_SAFE_NO_PAD.encode(&passkey.credential_id),
                name => passkey.name,
                created_at => passkey.created_at.as_unix(),
                last_used_at => passkey.last_used_at.map(|at| at.as_unix()),
            }
        })
        .collect();
    let html = state
        .templates
        .render("security.html", context! { layout, totp_enrolled_at, codes_left, passkeys_available, passkeys })?;
    Ok(html.into_response())
}

async fn setup_page(
    state: &AppState,
    session: &Session,
    me: &Customer,
    sealed: &str,
    status: StatusCode,
    error: Option<&str>,
) -> Result<Response, AppError> {
    let enrolment = state.auth.resume_totp(me, sealed, ISSUER)?;
    let mut layout = Layout::with_form(session).await?;
    layout.flashes.extend(error.map(str::to_owned));
    let html = state.templates.render(
        "totp_setup.html",
        context! { layout, secret => enrolment.secret_base32, qr_svg => enrolment.qr_svg, otpauth_url => enrolment.otpauth_url },
    )?;
    Ok((status, html).into_response())
}

pub(super) async fn totp_form(
    State(state): State<AppState>,
    CurrentCustomer(me): CurrentCustomer,
    session: Session,
) -> Result<Response, AppError> {
    if state.auth.second_factors(me.id).await?.totp_enrolled_at.is_some() {
        session.flash("You have an authenticator app already. Remove it first to set up another.").await?;
        return Ok(Redirect::to("/account/security").into_response());
    }
    // The same secret on a reload, so an app that scanned it keeps working.
    let sealed = match session.get::<String>(ENROLMENT).await? {
        Some(sealed) if state.auth.resume_totp(&me, &sealed, ISSUER).is_ok() => sealed,
        _ => {
            let enrolment = state.auth.start_totp(&me, ISSUER).await?;
            session.insert(ENROLMENT, &enrolment.sealed).await?;
            enrolment.sealed
        }
    };
    setup_page(&state, &session, &me, &sealed, StatusCode::OK, None).await
}

pub(super) async fn totp_confirm(
    State(state): State<AppState>,
    CurrentCustomer(me): CurrentCustomer,
    session: Session,
    form: Result<Form<CodeForm>, FormRejection>,
) -> Result<Response, AppError> {
    let Some(sealed) = session.get::<String>(ENROLMENT).await? else {
        return Ok(Redirect::to("/account/security/totp").into_response());
    };
    let code = match form {
        Ok(Form(form)) => form.code,
        Err(FormRejection(status)) => return setup_page(&state, &session, &me, &sealed, status, None).await,
    };
    let keep = session.key().await?;
    match state.auth.confirm_totp(&me, &sealed, &code, keep.as_ref()).await {
        Ok(codes) => {
            session.remove::<String>(ENROLMENT).await?;
            session.record_proof().await?;
            let message = "Your authenticator app is set up. Your other sessions were logged out.";
            codes_page(&state, &session, &codes, message).await
        }
        Err(Error::InvalidCode) => {
            let error = "That code is not right. Enter the six digits your app shows now.";
            setup_page(&state, &session, &me, &sealed, StatusCode::UNPROCESSABLE_ENTITY, Some(error)).await
        }
        Err(Error::InvalidToken) => {
            session.remove::<String>(ENROLMENT).await?;
            Ok(Redirect::to("/account/security/totp").into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// The recovery codes, shown this once.
async fn codes_page(
    state: &AppState,
    session: &Session,
    codes: &RecoveryCodes,
    message: &str,
) -> Result<Response, AppError> {
    let mut layout = Layout::with_form(session).await?;
    layout.flashes.push(message.to_owned());
    let html = state.templates.render("recovery_codes.html", context! { layout, codes => codes.codes() })?;
    Ok(html.into_response())
}

fn proof_of(form: Result<Form<ProofForm>, FormRejection>) -> String {
    form.map(|Form(form)| form.proof).unwrap_or_default()
}

pub(super) async fn totp_remove(
    State(state): State<AppState>,
    CurrentCustomer(me): CurrentCustomer,
    session: Session,
    form: Result<Form<ProofForm>, FormRejection>,
) -> Result<Response, AppError> {
    let action = "/account/security/totp/remove";
    if let Some(page) = fresh_proof::require(&state, &session, &me, &proof_of(form), action).await? {
        return Ok(page);
    }
    let keep = session.key().await?;
    let message = if state.auth.remove_totp(&me, keep.as_ref()).await? {
        "Your authenticator app and recovery codes were removed. Your other sessions were logged out."
    } else {
        "There was no authenticator app to remove."
    };
    session.flash(message).await?;
    Ok(Redirect::to("/account/security").into_response())
}

pub(super) async fn recovery_codes(
    State(state): State<AppState>,
    CurrentCustomer(me): CurrentCustomer,
    session: Session,
    form: Result<Form<ProofForm>, FormRejection>,
) -> Result<Response, AppError> {
    let action = "/account/security/recovery-codes";
    if let Some(page) = fresh_proof::require(&state, &session, &me, &proof_of(form), action).await? {
        return Ok(page);
    }
    if state.auth.second_factors(me.id).await?.totp_enrolled_at.is_none() {
        session.flash("Recovery codes go with an authenticator app: set one up first.").await?;
        return Ok(Redirect::to("/account/security").into_response());
    }
    let keep = session.key().await?;
    let codes = state.auth.regenerate_recovery_codes(&me, keep.as_ref()).await?;
    let message = "Here are your new recovery codes; the old ones no longer work. Your other sessions were logged out.";
    codes_page(&state, &session, &codes, message).await
}

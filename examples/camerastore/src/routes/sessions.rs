//! "Where am I signed in?": the customer's sessions, and logging out the others or all.

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use customer_auth::SessionKey;
use customer_auth_tower::{CurrentPrincipal, Session};
use minijinja::context;
use serde::Serialize;

use super::Layout;
use crate::AppState;
use crate::error::AppError;
use crate::user_agent::describe;

#[derive(Serialize)]
struct Row {
    current: bool,
    created_at: i64,
    last_seen_at: i64,
    /// "Chrome on Linux".
    browser: String,
    /// The `User-Agent` as the browser sent it, for the name's tooltip.
    user_agent: String,
    /// The session's store key, for its "Log out" button: not the cookie's id, which cannot be
    /// worked out from it, and only ever matched against this customer's own sessions.
    key: String,
}

pub(super) async fn list(
    State(state): State<AppState>,
    CurrentPrincipal(me): CurrentPrincipal,
    session: Session,
) -> Result<Html<String>, AppError> {
    let layout = Layout::with_form(&session).await?;
    let current = session.key().await?;
    let rows: Vec<Row> = state
        .auth
        .list_sessions(me.customer_id)
        .await?
        .into_iter()
        .map(|(key, record)| {
            let user_agent = record.user_agent().unwrap_or_default();
            Row {
                current: Some(key) == current,
                created_at: record.created_at.as_unix(),
                last_seen_at: record.last_seen_at.as_unix(),
                browser: describe(&user_agent),
                user_agent,
                key: key.to_hex(),
            }
        })
        .collect();
    Ok(state.templates.render("sessions.html", context! { layout, rows })?)
}

/// "Log out" on one row: ends that session, if it is one of this customer's.
pub(super) async fn end_one(
    State(state): State<AppState>,
    CurrentPrincipal(me): CurrentPrincipal,
    session: Session,
    Path(key): Path<String>,
) -> Result<Response, AppError> {
    let ended = match SessionKey::from_hex(&key) {
        Some(key) if Some(key) == session.key().await? => {
            // This browser's own row: an ordinary logout.
            session.logout().await?;
            session.flash("You are logged out.").await?;
            return Ok(Redirect::to("/").into_response());
        }
        Some(key) => state.auth.end_session(me.customer_id, &key).await?,
        None => false,
    };
    let message = if ended { "Logged out that session." } else { "That session had already ended." };
    session.flash(message).await?;
    Ok(Redirect::to("/account/sessions").into_response())
}

pub(super) async fn end_others(
    State(state): State<AppState>,
    CurrentPrincipal(me): CurrentPrincipal,
    session: Session,
) -> Result<Response, AppError> {
    let ended = match session.key().await? {
        Some(current) => state.auth.end_other_sessions(me.customer_id, &current).await?,
        None => 0,
    };
    let other = if ended == 1 { "session" } else { "sessions" };
    session.flash(format!("Logged out {ended} other {other}.")).await?;
    Ok(Redirect::to("/account/sessions").into_response())
}

pub(super) async fn end_all(
    State(state): State<AppState>,
    CurrentPrincipal(me): CurrentPrincipal,
    session: Session,
) -> Result<Response, AppError> {
    state.auth.end_sessions(me.customer_id).await?;
    session.logout().await?;
    session.flash("You have been logged out everywhere.").await?;
    Ok(Redirect::to("/").into_response())
}

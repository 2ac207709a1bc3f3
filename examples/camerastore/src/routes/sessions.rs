//! "Where am I signed in?": the customer's sessions, and logging out the others or all.

use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use customer_auth_tower::{CurrentPrincipal, Session};
use minijinja::context;
use serde::Serialize;

use super::Layout;
use crate::AppState;
use crate::error::AppError;

#[derive(Serialize)]
struct Row {
    current: bool,
    created_at: i64,
    last_seen_at: i64,
    user_agent: String,
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
        .map(|(key, record)| Row {
            current: Some(key) == current,
            created_at: record.created_at.as_unix(),
            last_seen_at: record.last_seen_at.as_unix(),
            user_agent: record.user_agent().unwrap_or_else(|| "Unknown browser".to_owned()),
        })
        .collect();
    Ok(state.templates.render("sessions.html", context! { layout, rows })?)
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

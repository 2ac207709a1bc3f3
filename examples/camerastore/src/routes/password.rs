use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use customer_auth::{Error, FieldErrors, Password};
use customer_auth_tower::{CurrentPrincipal, Session};
use http::StatusCode;
use minijinja::context;
use serde::Deserialize;

use super::Layout;
use crate::AppState;
use crate::error::AppError;
use crate::form::{Form, FormRejection};

#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct PasswordChange {
    current_password: Password,
    password: Password,
    confirm_password: Password,
}

async fn page(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let layout = Layout::with_form(session).await?;
    let html = state.templates.render("password.html", context! { layout, errors })?;
    Ok((status, html).into_response())
}

pub(super) async fn form(State(state): State<AppState>, session: Session) -> Result<Response, AppError> {
    page(&state, &session, StatusCode::OK, FieldErrors::new()).await
}

pub(super) async fn change(
    State(state): State<AppState>,
    CurrentPrincipal(me): CurrentPrincipal,
    session: Session,
    form: Result<Form<PasswordChange>, FormRejection>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::new();
    let change = match form {
        Ok(Form(change)) => change,
        Err(FormRejection(status)) => {
            errors.add("form", "The form could not be read. Please fill it in again.");
            return page(&state, &session, status, errors).await;
        }
    };
    let changed = state
        .auth
        .change_password(me.customer_id, &change.current_password, &change.password, &change.confirm_password)
        .await;
    match changed {
        Ok(customer) => {
            // Every session of the customer ended with the change; this browser logs in again
            // under a fresh id, so only the one who changed the password stays signed in.
            session.login(&customer).await?;
            session.flash("Password changed. Every other session has been logged out.").await?;
            Ok(Redirect::to("/account/orders").into_response())
        }
        Err(Error::InvalidCredentials) => {
            errors.add("currentPassword", "That is not your current password.");
            page(&state, &session, StatusCode::UNAUTHORIZED, errors).await
        }
        Err(Error::Validation(invalid)) => page(&state, &session, StatusCode::UNPROCESSABLE_ENTITY, invalid).await,
        Err(other) => Err(other.into()),
    }
}

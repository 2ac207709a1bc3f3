use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use customer_auth::{Error, FieldErrors, Password};
use customer_auth_tower::{CurrentPrincipal, Session};
use http::StatusCode;
use serde::Deserialize;

use super::form_page;
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

pub(super) async fn form(State(state): State<AppState>, session: Session) -> Result<Response, AppError> {
    form_page(&state, &session, "password.html", StatusCode::OK, FieldErrors::new()).await
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
            return form_page(&state, &session, "password.html", status, errors).await;
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
            form_page(&state, &session, "password.html", StatusCode::UNAUTHORIZED, errors).await
        }
        Err(Error::Validation(invalid)) => {
            form_page(&state, &session, "password.html", StatusCode::UNPROCESSABLE_ENTITY, invalid).await
        }
        Err(other) => Err(other.into()),
    }
}

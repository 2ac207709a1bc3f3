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
#[serde(default)]
pub(super) struct Confirmation {
    password: Password,
}

pub(super) async fn form(State(state): State<AppState>, session: Session) -> Result<Response, AppError> {
    form_page(&state, &session, "delete_account.html", StatusCode::OK, FieldErrors::new()).await
}

pub(super) async fn delete(
    State(state): State<AppState>,
    CurrentPrincipal(me): CurrentPrincipal,
    session: Session,
    form: Result<Form<Confirmation>, FormRejection>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::new();
    let confirmation = match form {
        Ok(Form(confirmation)) => confirmation,
        Err(FormRejection(status)) => {
            errors.add("form", "The form could not be read. Please fill it in again.");
            return form_page(&state, &session, "delete_account.html", status, errors).await;
        }
    };
    match state.auth.delete_account(me.customer_id, &confirmation.password).await {
        Ok(()) => {
            if let Err(err) = state.orders.delete_for_customer(me.customer_id).await {
                tracing::warn!(error = %err, customer_id = %me.customer_id, "could not delete the orders of a deleted account");
            }
            session.logout().await?;
            session.flash("Your account has been deleted. Goodbye!").await?;
            Ok(Redirect::to("/").into_response())
        }
        Err(Error::InvalidCredentials) => {
            errors.add("password", "That is not your password.");
            form_page(&state, &session, "delete_account.html", StatusCode::UNAUTHORIZED, errors).await
        }
        Err(other) => Err(other.into()),
    }
}

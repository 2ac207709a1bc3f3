use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use customer_auth::{Error, FieldErrors, Registered, Registration};
use customer_auth_tower::Session;
use http::StatusCode;
use minijinja::context;
use serde::Serialize;

use super::Layout;
use crate::AppState;
use crate::error::AppError;
use crate::form::{Form, FormRejection};

/// What the form shows again after an error: everything but the passwords.
#[derive(Default, Serialize)]
struct Values {
    #[serde(rename = "firstName")]
    first_name: String,
    #[serde(rename = "lastName")]
    last_name: String,
    email: String,
    username: String,
}

impl From<&Registration> for Values {
    fn from(form: &Registration) -> Self {
        Self {
            first_name: form.first_name.clone(),
            last_name: form.last_name.clone(),
            email: form.email.clone(),
            username: form.username.clone(),
        }
    }
}

async fn page(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    values: Values,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let layout = Layout::with_form(session).await?;
    let html = state.templates.render("register.html", context! { layout, values, errors })?;
    Ok((status, html).into_response())
}

pub(super) async fn form(State(state): State<AppState>, session: Session) -> Result<Response, AppError> {
    page(&state, &session, StatusCode::OK, Values::default(), FieldErrors::new()).await
}

pub(super) async fn create(
    State(state): State<AppState>,
    session: Session,
    form: Result<Form<Registration>, FormRejection>,
) -> Result<Response, AppError> {
    let registration = match form {
        Ok(Form(registration)) => registration,
        Err(FormRejection(status)) => {
            let mut errors = FieldErrors::new();
            errors.add("form", "The form could not be read. Please fill it in again.");
            return page(&state, &session, status, Values::default(), errors).await;
        }
    };
    let values = Values::from(&registration);
    let mut errors = FieldErrors::new();
    // With --paranoid-registration, a taken email answers exactly as a new account does (its
    // owner gets a mail instead), so the form does not tell who has an account.
    match state.auth.sign_up(registration).await {
        Ok(registered) => {
            if let Registered::Created(customer) = registered {
                // The account exists either way; demo orders are a nicety, not worth failing over.
                if let Err(err) = state.orders.seed(customer.id).await {
                    tracing::warn!(error = %err, customer_id = %customer.id, "could not seed demo orders");
                }
            }
            let message = match (state.auth.requires_confirmed_email(), state.mailbox.is_some()) {
                (true, true) => {
                    "Account created, please log in once you have followed the link we sent to your email address \
                     (this shop keeps its mail in the development mailbox: Mailbox, at the top)."
                }
                (true, false) => {
                    "Account created, please log in once you have followed the link we sent to your email address."
                }
                (false, _) => "Account created, please log in",
            };
            session.flash(message).await?;
            return Ok(Redirect::to("/login").into_response());
        }
        Err(Error::Validation(invalid)) => errors = invalid,
        Err(Error::DuplicateUsername) => errors.add("username", "This username is already taken; choose another one."),
        Err(Error::DuplicateEmail) => {
            errors.add("email", "An account with this email already exists; log in instead.");
        }
        Err(other) => return Err(other.into()),
    }
    page(&state, &session, StatusCode::UNPROCESSABLE_ENTITY, values, errors).await
}

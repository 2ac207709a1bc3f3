use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use customer_auth::{CustomerId, CustomerStatus, Error};
use customer_auth_tower::Session;
use http::StatusCode;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::Layout;
use crate::AppState;
use crate::error::AppError;
use crate::form::{Form, FormRejection};

/// The most customers the page lists.
const PAGE: u32 = 100;

#[derive(Serialize)]
struct Row {
    id: String,
    username: String,
    name: String,
    email: String,
    roles: String,
    status: &'static str,
}

pub(super) async fn customers(State(state): State<AppState>, session: Session) -> Result<Html<String>, AppError> {
    // The page has forms (disable / enable), so it always carries a token.
    let layout = Layout::with_form(&session).await?;
    let customers = state.auth.customers().list_customers(None, PAGE).await?;
    let rows: Vec<Row> = customers
        .into_iter()
        .map(|customer| Row {
            id: customer.id.to_string(),
            name: format!("{} {}", customer.first_name, customer.last_name),
            roles: customer.roles.iter().cloned().collect::<Vec<_>>().join(", "),
            status: customer.status.as_str(),
            username: customer.username,
            email: customer.email,
        })
        .collect();
    Ok(state.templates.render("admin.html", context! { layout, rows })?)
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct StatusChange {
    status: String,
}

/// Disables or enables a customer; disabling ends their sessions at once.
pub(super) async fn set_status(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    form: Result<Form<StatusChange>, FormRejection>,
) -> Result<Response, AppError> {
    let Ok(id) = id.parse::<CustomerId>() else {
        return Ok((StatusCode::NOT_FOUND, "No such customer.").into_response());
    };
    let status = match form {
        Ok(Form(change)) => CustomerStatus::parse(&change.status),
        Err(FormRejection(status)) => return Ok((status, "The form could not be read.").into_response()),
    };
    let Some(status) = status else {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, "Status must be active or disabled.").into_response());
    };
    if status == CustomerStatus::Disabled
        && let Some(refusal) = refuse_disabling(&state, &session, id).await?
    {
        session.flash(refusal).await?;
        return Ok(Redirect::to("/admin").into_response());
    }
    match state.auth.set_status(id, status).await {
        Ok(change) => {
            let customer = change.customer;
            let done = if status == CustomerStatus::Disabled { "disabled" } else { "enabled" };
            session.flash(format!("{} is now {done}.", customer.username)).await?;
            Ok(Redirect::to("/admin").into_response())
        }
        Err(Error::NotFound) => Ok((StatusCode::NOT_FOUND, "No such customer.").into_response()),
        Err(other) => Err(other.into()),
    }
}

/// Why disabling `id` would lock the shop out of its own admin page, if it would: an admin
/// disabling themselves (one click, and nobody left to undo it), or the last active admin.
async fn refuse_disabling(
    state: &AppState,
    session: &Session,
    id: CustomerId,
) -> Result<Option<&'static str>, AppError> {
    if session.principal().await?.is_some_and(|me| me.customer_id == id) {
        return Ok(Some("You cannot disable your own account here: another admin can, or use the command line."));
    }
    let Some(target) = state.auth.find_customer(id).await? else { return Ok(None) };
    if !target.has_role(ADMIN) || target.status != CustomerStatus::Active {
        return Ok(None);
    }
    let mut others = 0;
    let mut after = None;
    loop {
        let page = state.auth.customers().list_customers(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        others += page.iter().filter(|c| c.id != id && c.has_role(ADMIN) && c.status == CustomerStatus::Active).count();
        if others > 0 {
            break;
        }
    }
    Ok((others == 0).then_some("That is the last active admin: give another customer the admin role first."))
}

/// The role the admin page needs.
const ADMIN: &str = "admin";

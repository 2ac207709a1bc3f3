use axum::extract::State;
use axum::response::Html;
use customer_auth_tower::Session;
use minijinja::context;
use serde::Serialize;

use super::Layout;
use crate::AppState;
use crate::error::AppError;

/// The most customers the page lists.
const PAGE: u32 = 100;

#[derive(Serialize)]
struct Row {
    username: String,
    name: String,
    email: String,
    roles: String,
    status: &'static str,
}

pub(super) async fn customers(State(state): State<AppState>, session: Session) -> Result<Html<String>, AppError> {
    let layout = Layout::without_form(&session).await?;
    let customers = state.auth.customers().list_customers(None, PAGE).await?;
    let rows: Vec<Row> = customers
        .into_iter()
        .map(|customer| Row {
            name: format!("{} {}", customer.first_name, customer.last_name),
            roles: customer.roles.iter().cloned().collect::<Vec<_>>().join(", "),
            status: customer.status.as_str(),
            username: customer.username,
            email: customer.email,
        })
        .collect();
    Ok(state.templates.render("admin.html", context! { layout, rows })?)
}

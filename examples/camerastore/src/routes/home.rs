use axum::extract::State;
use axum::response::Html;
use customer_auth_tower::Session;
use minijinja::context;

use super::Layout;
use crate::AppState;
use crate::error::AppError;

pub(super) async fn home(State(state): State<AppState>, session: Session) -> Result<Html<String>, AppError> {
    let layout = Layout::without_form(&session).await?;
    let customer = match layout.me {
        Some(_) => session.customer().await?,
        None => None,
    };
    let first_name = customer.map(|customer| customer.first_name);
    Ok(state.templates.render("home.html", context! { layout, first_name })?)
}

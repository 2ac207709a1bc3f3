use axum::extract::State;
use axum::response::Html;
use customer_auth_tower::{CurrentPrincipal, Session};
use minijinja::context;

use super::Layout;
use crate::AppState;
use crate::error::AppError;

pub(super) async fn orders(
    State(state): State<AppState>,
    CurrentPrincipal(me): CurrentPrincipal,
    session: Session,
) -> Result<Html<String>, AppError> {
    let layout = Layout::without_form(&session).await?;
    let orders = state.orders.for_customer(me.customer_id).await?;
    Ok(state.templates.render("orders.html", context! { layout, username => me.username, orders })?)
}

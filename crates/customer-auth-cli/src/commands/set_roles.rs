//! `set-roles`: replaces the roles and ends the sessions, whose principals carry the old ones.

use customer_auth::Roles;

use super::{account, audited, find, roles_text};
use crate::audit;
use crate::error::CliError;
use crate::output;
use crate::store_url::Store;

pub(super) async fn run(store: &Store, username: &str, roles: Vec<String>) -> Result<(), CliError> {
    let customer = find(store.customers.as_ref(), username).await?;
    let roles = roles.into_iter().collect::<Roles>();
    let change = audited("set_roles", customer.id, account(store).set_roles(customer.id, roles).await)?;
    audit::record("set_roles", customer.id, "success");
    output::line(&format!(
        "Set the roles of {} to {}; ended {}.",
        change.customer.username,
        if change.customer.roles.is_empty() { "none".to_owned() } else { roles_text(&change.customer.roles) },
        sessions(change.sessions_ended)
    ))?;
    Ok(())
}

/// `1 session`, `2 sessions`.
pub(super) fn sessions(count: u64) -> String {
    if count == 1 { "1 session".to_owned() } else { format!("{count} sessions") }
}

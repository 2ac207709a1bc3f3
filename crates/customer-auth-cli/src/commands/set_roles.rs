//! `set-roles`: replaces the roles, then ends the sessions, whose principals carry the old ones.

use customer_auth::{Roles, Timestamp};

use super::{find, roles_text};
use crate::audit;
use crate::error::CliError;
use crate::output;
use crate::store_url::Store;

pub(super) async fn run(store: &Store, username: &str, roles: Vec<String>) -> Result<(), CliError> {
    let mut customer = find(store.customers.as_ref(), username).await?;
    customer.roles = roles.into_iter().collect::<Roles>();
    customer.updated_at = Timestamp::now();
    if let Err(err) = store.customers.update_customer(&customer).await {
        audit::record("set_roles", customer.id, "store_failed");
        return Err(err.into());
    }
    // After the update: a login racing with this command then either sees the new roles or
    // gets its session deleted here.
    let ended = match store.sessions.delete_customer_sessions(customer.id).await {
        Ok(ended) => ended,
        Err(err) => {
            audit::record("set_roles", customer.id, "sessions_not_ended");
            return Err(CliError::Store(format!(
                "the roles of {} were set, but their sessions were not ended ({}); run the command again",
                customer.username,
                CliError::from(err)
            )));
        }
    };
    audit::record("set_roles", customer.id, "success");
    output::line(&format!(
        "Set the roles of {} to {}; ended {}.",
        customer.username,
        roles_text(&customer.roles),
        sessions(ended)
    ))?;
    Ok(())
}

/// `1 session`, `2 sessions`.
pub(super) fn sessions(count: u64) -> String {
    if count == 1 { "1 session".to_owned() } else { format!("{count} sessions") }
}

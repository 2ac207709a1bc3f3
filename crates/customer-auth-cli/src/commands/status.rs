//! `disable` and `enable`: the customer's status; every session of theirs ends with the change.

use customer_auth::CustomerStatus;

use super::set_roles::sessions;
use super::{account, audited, find};
use crate::audit;
use crate::error::CliError;
use crate::output;
use crate::store_url::Store;

pub(super) async fn disable(store: &Store, username: &str) -> Result<(), CliError> {
    let customer = find(store.customers.as_ref(), username).await?;
    // Also when it was disabled already: a session that slipped through before is ended now.
    let was_disabled = customer.status == CustomerStatus::Disabled;
    let change =
        audited("disable", customer.id, account(store).set_status(customer.id, CustomerStatus::Disabled).await)?;
    audit::record("disable", customer.id, if was_disabled { "already_disabled" } else { "success" });
    let already = if was_disabled { " (it was already)" } else { "" };
    output::line(&format!(
        "Disabled {}{already}; ended {}.",
        change.customer.username,
        sessions(change.sessions_ended)
    ))?;
    Ok(())
}

pub(super) async fn enable(store: &Store, username: &str) -> Result<(), CliError> {
    let customer = find(store.customers.as_ref(), username).await?;
    if customer.status == CustomerStatus::Active {
        audit::record("enable", customer.id, "already_active");
        output::line(&format!("{} is active already; nothing to do.", customer.username))?;
        return Ok(());
    }
    let change = audited("enable", customer.id, account(store).set_status(customer.id, CustomerStatus::Active).await)?;
    audit::record("enable", customer.id, "success");
    output::line(&format!("Enabled {}; they can log in again.", change.customer.username))?;
    Ok(())
}

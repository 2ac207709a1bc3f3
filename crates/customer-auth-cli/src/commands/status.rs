//! `disable` and `enable`: the customer's status, and for `disable` the end of every session.

use customer_auth::{CustomerStatus, Timestamp};

use super::find;
use super::set_roles::sessions;
use crate::audit;
use crate::error::CliError;
use crate::output;
use crate::store_url::Store;

pub(super) async fn disable(store: &Store, username: &str) -> Result<(), CliError> {
    let mut customer = find(store.customers.as_ref(), username).await?;
    let was = customer.status;
    if was != CustomerStatus::Disabled {
        customer.status = CustomerStatus::Disabled;
        customer.updated_at = Timestamp::now();
        if let Err(err) = store.customers.update_customer(&customer).await {
            audit::record("disable", customer.id, "store_failed");
            return Err(err.into());
        }
    }
    // Also when it was disabled already: a session that slipped through before is ended now.
    // After the status change, so a login racing with this command is refused or its session
    // deleted here.
    let ended = match store.sessions.delete_customer_sessions(customer.id).await {
        Ok(ended) => ended,
        Err(err) => {
            audit::record("disable", customer.id, "sessions_not_ended");
            return Err(CliError::Store(format!(
                "{} is disabled, but their sessions were not ended ({}); run the command again",
                customer.username,
                CliError::from(err)
            )));
        }
    };
    audit::record("disable", customer.id, if was == CustomerStatus::Disabled { "already_disabled" } else { "success" });
    let already = if was == CustomerStatus::Disabled { " (it was already)" } else { "" };
    output::line(&format!("Disabled {}{already}; ended {}.", customer.username, sessions(ended)))?;
    Ok(())
}

pub(super) async fn enable(store: &Store, username: &str) -> Result<(), CliError> {
    let mut customer = find(store.customers.as_ref(), username).await?;
    if customer.status == CustomerStatus::Active {
        audit::record("enable", customer.id, "already_active");
        output::line(&format!("{} is active already; nothing to do.", customer.username))?;
        return Ok(());
    }
    customer.status = CustomerStatus::Active;
    customer.updated_at = Timestamp::now();
    if let Err(err) = store.customers.update_customer(&customer).await {
        audit::record("enable", customer.id, "store_failed");
        return Err(err.into());
    }
    audit::record("enable", customer.id, "success");
    output::line(&format!("Enabled {}; they can log in again.", customer.username))?;
    Ok(())
}

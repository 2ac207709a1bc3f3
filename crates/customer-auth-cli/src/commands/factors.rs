//! `factors` and `remove-factors`: a customer's second factors, and taking them all away for a
//! customer who lost their phone (they then log in with the password alone and can add new
//! ones). Removing them ends the customer's sessions.

use super::list::rfc3339;
use super::set_roles::sessions;
use super::{account, audited, find};
use crate::audit;
use crate::error::CliError;
use crate::output;
use crate::store_url::Store;

pub(super) async fn list(store: &Store, username: &str) -> Result<(), CliError> {
    let customer = find(store.customers.as_ref(), username).await?;
    let totp = store.factors.totp(customer.id).await?;
    let codes = store.factors.recovery_codes_left(customer.id).await?;
    let passkeys = store.passkeys.passkeys(customer.id).await?;
    let mut lines = vec![match &totp {
        Some(totp) => format!("{}: an authenticator app, since {}.", customer.username, rfc3339(totp.enrolled_at)),
        None => format!("{}: no authenticator app.", customer.username),
    }];
    lines.push(format!("Recovery codes left: {codes}."));
    if passkeys.is_empty() {
        lines.push("No passkeys.".to_owned());
    }
    for passkey in &passkeys {
        let used =
            passkey.last_used_at.map_or_else(|| "never used".to_owned(), |at| format!("last used {}", rfc3339(at)));
        lines.push(format!("Passkey {:?}: added {}, {used}.", passkey.name, rfc3339(passkey.created_at)));
    }
    output::line(&lines.join("\n"))?;
    Ok(())
}

pub(super) async fn remove(store: &Store, username: &str) -> Result<(), CliError> {
    let customer = find(store.customers.as_ref(), username).await?;
    let id = customer.id;
    let app = audited("remove_factors", id, store.factors.delete_totp(id).await)?;
    let codes = audited("remove_factors", id, store.factors.recovery_codes_left(id).await)?;
    audited("remove_factors", id, store.factors.replace_recovery_codes(id, &[]).await)?;
    let mut passkeys = 0;
    for passkey in audited("remove_factors", id, store.passkeys.passkeys(id).await)? {
        passkeys +=
            u32::from(audited("remove_factors", id, store.passkeys.remove_passkey(id, &passkey.credential_id).await)?);
    }
    // Whoever holds the lost phone may be logged in: every session ends.
    let ended = audited("remove_factors", id, account(store).end_sessions(id).await)?;
    audit::record("remove_factors", id, "success");
    let app = if app { "the authenticator app" } else { "no authenticator app" };
    output::line(&format!(
        "Removed {app}, {codes} recovery codes and {passkeys} passkeys of {}; ended {}. They log in with their password alone until they add new ones.",
        customer.username,
        sessions(ended)
    ))?;
    Ok(())
}

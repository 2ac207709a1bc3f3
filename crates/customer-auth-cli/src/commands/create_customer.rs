//! `create-customer`: the web form's rules, the web form's hashing, then the roles.

use customer_auth::{Auth, PasswordHasher, Registration, Roles, Timestamp};

use super::roles_text;
use crate::cli::CreateCustomer;
use crate::error::CliError;
use crate::output;
use crate::store_url::Store;
use crate::{audit, password};

pub(super) async fn run(store: &Store, args: CreateCustomer) -> Result<(), CliError> {
    let hasher = PasswordHasher::new(args.bcrypt_cost)?;
    let auth = Auth::new(store.customers.clone()).with_hasher(hasher);
    // Read after the store opened, so nobody types a password for a store that is down.
    let typed = password::read()?;
    let registration = Registration {
        first_name: args.first_name,
        last_name: args.last_name,
        email: args.email,
        username: args.username,
        password: typed.password,
        confirm_password: typed.confirm,
    };
    let mut customer = auth.register(registration).await.inspect_err(|err| {
        let outcome = match err {
            customer_auth::Error::Validation(_) => "invalid",
            customer_auth::Error::DuplicateUsername => "duplicate_username",
            customer_auth::Error::DuplicateEmail => "duplicate_email",
            _ => "store_failed",
        };
        audit::refused("create_customer", outcome);
    })?;
    audit::record("create_customer", customer.id, "success");
    if !args.unconfirmed {
        // The operator vouches for the address: a shop that asks for confirmation lets the
        // customer in without a link nobody was sent.
        let now = Timestamp::now();
        if let Err(err) = store.customers.confirm_email(customer.id, now).await {
            let err = CliError::from(err);
            return Err(CliError::Store(format!(
                "customer {} was created, but its email address was not marked confirmed ({err}); the customer can confirm it with a link from the shop's /confirm page",
                customer.username
            )));
        }
        customer.email_confirmed_at = Some(now);
    }
    if !args.roles.is_empty() {
        customer.roles = args.roles.into_iter().collect::<Roles>();
        customer.updated_at = Timestamp::now();
        if let Err(err) = store.customers.update_customer(&customer).await {
            audit::record("set_roles", customer.id, "store_failed");
            let err = CliError::from(err);
            return Err(CliError::Store(format!(
                "customer {} was created, but its roles were not set ({err}); run `customer-auth set-roles {} {}`",
                customer.username,
                customer.username,
                customer.roles.iter().cloned().collect::<Vec<_>>().join(" ")
            )));
        }
        audit::record("set_roles", customer.id, "success");
    }
    let confirmed = if customer.email_confirmed_at.is_some() { "confirmed" } else { "not confirmed yet" };
    output::line(&format!(
        "Created customer {} ({}) with {} in {}; email address {confirmed}.",
        customer.username,
        customer.id,
        if customer.roles.is_empty() {
            "no roles".to_owned()
        } else {
            format!("roles {}", roles_text(&customer.roles))
        },
        store.place
    ))?;
    Ok(())
}

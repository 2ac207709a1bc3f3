//! Audit events for every change an admin makes, under the target `customer_auth::audit` like
//! the library's own login events. They name the customer by id and say what happened: never a
//! password or a hash.

use customer_auth::CustomerId;

/// Records that `action` was done to `customer` with `outcome` (`"success"` or why not).
pub(crate) fn record(action: &'static str, customer: CustomerId, outcome: &'static str) {
    tracing::info!(target: "customer_auth::audit", customer_id = %customer, action, outcome, via = "cli", "admin change");
}

/// Records that `action` failed before any customer was known (an invalid registration).
pub(crate) fn refused(action: &'static str, outcome: &'static str) {
    tracing::info!(target: "customer_auth::audit", action, outcome, via = "cli", "admin change refused");
}

//! Customers inserted in a batch (an import): each answers what `create_customer` would, a
//! duplicate (of a stored customer, or of one earlier in the same batch) stopping no other.

use std::sync::Arc;

use super::{Failure, Step, ensure, fixtures, unique};
use crate::{CustomerStore, Error};

type Check = Result<(), Failure>;

pub(super) async fn run(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "a batch insert answers for each customer, duplicates stopping no other";
    let tag = unique();
    let stored = fixtures::customer(&format!("stored{tag}"));
    store.create_customer(&stored).await.step(CHECK, "create_customer")?;
    let first = fixtures::customer(&format!("first{tag}"));
    let second = fixtures::customer(&format!("second{tag}"));
    let mut same_username = fixtures::customer(&format!("STORED{tag}"));
    same_username.email = format!("other{tag}@example.com");
    let mut same_email = fixtures::customer(&format!("mail{tag}"));
    same_email.email = stored.email.to_uppercase();
    let mut twice = fixtures::customer(&format!("First{tag}"));
    twice.email = format!("twice{tag}@example.com");
    let batch = [first.clone(), same_username, second.clone(), same_email, twice];
    let outcomes = store.create_customers(&batch).await;
    let kinds: Vec<&str> = outcomes
        .iter()
        .map(|outcome| match outcome {
            Ok(()) => "ok",
            Err(Error::DuplicateUsername) => "username taken",
            Err(Error::DuplicateEmail) => "email taken",
            Err(_) => "another error",
        })
        .collect();
    ensure!(
        CHECK,
        kinds == ["ok", "username taken", "ok", "email taken", "username taken"],
        "the batch answered {kinds:?}"
    );
    for customer in [&first, &second] {
        let found = store.find_customer(customer.id).await.step(CHECK, "find_customer")?;
        ensure!(CHECK, found.as_ref() == Some(customer), "{} read back as {found:?}", customer.username);
        store.delete_customer(customer.id).await.step(CHECK, "delete_customer")?;
    }
    store.delete_customer(stored.id).await.step(CHECK, "delete_customer")
}

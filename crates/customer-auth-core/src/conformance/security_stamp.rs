//! The security stamp: moved on atomically, never rolled back by an update, and gone with its
//! customer.

use std::sync::Arc;

use tokio::task::JoinSet;

use super::customers::customer;
use super::{Failure, Step, ensure};
use crate::{CustomerStatus, CustomerStore, Error};

type Check = Result<(), Failure>;

/// How many bumps race in the concurrency check.
const RACERS: u64 = 16;

pub(super) async fn run(store: &Arc<dyn CustomerStore>) -> Check {
    bumps_move_the_stamp_and_updates_keep_it(store).await?;
    concurrent_bumps_all_count(store).await?;
    a_missing_customer_has_no_stamp(store).await
}

async fn stamp_of(store: &Arc<dyn CustomerStore>, check: &'static str, id: crate::CustomerId) -> Result<u64, Failure> {
    let found = store.find_customer(id).await.step(check, "find_customer")?;
    found
        .map(|customer| customer.security_stamp)
        .ok_or_else(|| Failure { check, detail: "the customer is gone".into() })
}

async fn bumps_move_the_stamp_and_updates_keep_it(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "bump_security_stamp moves the stamp and update_customer keeps it";
    let mut created = customer("Stamp");
    created.security_stamp = 7;
    store.create_customer(&created).await.step(CHECK, "create_customer")?;
    let stored = stamp_of(store, CHECK, created.id).await?;
    ensure!(CHECK, stored == 7, "created with stamp 7, read back {stored}");
    let bumped = store.bump_security_stamp(created.id).await.step(CHECK, "bump_security_stamp")?;
    ensure!(CHECK, bumped == 8, "a bump from 7 answered {bumped}");
    let stored = stamp_of(store, CHECK, created.id).await?;
    ensure!(CHECK, stored == 8, "after a bump to 8, read back {stored}");
    // An update built from the copy read before the bump must not take the stamp back: that
    // would let a login that raced the change pass its check.
    let mut stale = created.clone();
    stale.status = CustomerStatus::Disabled;
    store.update_customer(&stale).await.step(CHECK, "update_customer")?;
    let stored = stamp_of(store, CHECK, created.id).await?;
    ensure!(CHECK, stored == 8, "an update from a copy with stamp 7 left {stored}, not 8");
    Ok(())
}

async fn concurrent_bumps_all_count(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "concurrent bumps each move the stamp";
    let created = customer("StampRace");
    store.create_customer(&created).await.step(CHECK, "create_customer")?;
    let mut racers = JoinSet::new();
    for _ in 0..RACERS {
        let store = store.clone();
        racers.spawn(async move { store.bump_security_stamp(created.id).await });
    }
    let mut answers = Vec::new();
    while let Some(joined) = racers.join_next().await {
        let answer = joined.map_err(|err| Failure { check: CHECK, detail: format!("a racer panicked: {err}") })?;
        answers.push(answer.step(CHECK, "bump_security_stamp")?);
    }
    answers.sort_unstable();
    ensure!(CHECK, answers == (1..=RACERS).collect::<Vec<_>>(), "{RACERS} racing bumps answered {answers:?}");
    let stored = stamp_of(store, CHECK, created.id).await?;
    ensure!(CHECK, stored == RACERS, "after {RACERS} bumps the stamp is {stored}");
    Ok(())
}

async fn a_missing_customer_has_no_stamp(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "bump_security_stamp of a missing customer is NotFound";
    let created = customer("StampGone");
    let never = store.bump_security_stamp(created.id).await;
    ensure!(CHECK, matches!(never, Err(Error::NotFound)), "a customer never created: {never:?}");
    store.create_customer(&created).await.step(CHECK, "create_customer")?;
    store.delete_customer(created.id).await.step(CHECK, "delete_customer")?;
    let deleted = store.bump_security_stamp(created.id).await;
    ensure!(CHECK, matches!(deleted, Err(Error::NotFound)), "a deleted customer: {deleted:?}");
    let found = store.find_customer(created.id).await.step(CHECK, "find_customer")?;
    ensure!(CHECK, found.is_none(), "bumping a deleted customer brought it back: {found:?}");
    Ok(())
}

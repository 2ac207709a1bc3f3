use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use super::{Failure, Step, ensure, unique};
use crate::{
    Customer, CustomerId, CustomerStatus, CustomerStore, Error, LockoutPolicy, PasswordHash, Roles, Timestamp,
};

type Check = Result<(), Failure>;

/// How many registrations of one username race in the concurrency check.
const RACERS: usize = 32;

pub(super) async fn run(store: &Arc<dyn CustomerStore>) -> Check {
    create_then_find_by_id_username_and_email(store).await?;
    unknown_customers_are_none(store).await?;
    duplicate_username_in_any_case(store).await?;
    duplicate_email_in_any_case(store).await?;
    concurrent_creates_of_one_username(store).await?;
    update_replaces_fields_and_frees_old_keys(store).await?;
    update_cannot_take_another_customers_username_or_email(store).await?;
    set_password_hash(store).await?;
    failed_logins_count_and_lock(store).await?;
    locks_match_the_policy_at_every_count(store).await?;
    an_old_lock_stays_below_the_threshold(store).await?;
    concurrent_failed_logins_all_count(store).await?;
    list_pages_through_every_customer(store).await?;
    confirm_email_round_trips_and_survives_updates(store).await?;
    delete_frees_username_and_email(store).await
}

/// A customer with random, valid, distinct username and email.
pub(super) fn customer(tag: &str) -> Customer {
    let suffix = unique();
    // A day old, so a store that sets `updated_at` on update visibly moves it.
    let now = Timestamp::now().minus(Duration::from_secs(86_400));
    Customer {
        first_name: "Zoë".into(),
        last_name: "O'Brien-Łukasz".into(),
        email: format!("{tag}.{suffix}@Example.com"),
        username: format!("{tag}_{suffix}"),
        roles: Roles::from(["admin".to_owned(), "staff".to_owned()]),
        created_at: now,
        updated_at: now,
        ..super::fixtures::customer(tag)
    }
}

/// The fields a store must give back as they were written.
fn same_customer(a: &Customer, b: &Customer) -> bool {
    (a.id, &a.first_name, &a.last_name, &a.email, &a.username, &a.password_hash, &a.roles, a.status)
        == (b.id, &b.first_name, &b.last_name, &b.email, &b.username, &b.password_hash, &b.roles, b.status)
        && a.email_confirmed_at == b.email_confirmed_at
}

async fn create_then_find_by_id_username_and_email(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "create then find by id, username and email";
    let created = customer("Find");
    store.create_customer(&created).await.step(CHECK, "create_customer")?;
    let by_id = store.find_customer(created.id).await.step(CHECK, "find_customer")?;
    ensure!(
        CHECK,
        by_id.as_ref().is_some_and(|found| same_customer(found, &created)),
        "by id: {by_id:?}, wrote {created:?}"
    );
    let found = by_id.unwrap_or_else(|| created.clone());
    ensure!(CHECK, found.failed_logins == 0 && found.locked_until.is_none(), "a new customer has failures: {found:?}");
    let shouted = format!("  {}  ", created.username.to_uppercase());
    let by_username = store.find_customer_by_username(&shouted).await.step(CHECK, "find_customer_by_username")?;
    ensure!(
        CHECK,
        by_username.is_some_and(|found| found.id == created.id),
        "username lookup must ignore case and surrounding spaces"
    );
    let by_email =
        store.find_customer_by_email(&created.email.to_lowercase()).await.step(CHECK, "find_customer_by_email")?;
    ensure!(CHECK, by_email.is_some_and(|found| found.id == created.id), "email lookup must ignore case");
    Ok(())
}

async fn unknown_customers_are_none(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "unknown customers are None";
    let ghost = customer("ghost");
    ensure!(
        CHECK,
        store.find_customer(ghost.id).await.step(CHECK, "find_customer")?.is_none(),
        "found an id never created"
    );
    ensure!(
        CHECK,
        store.find_customer_by_username(&ghost.username).await.step(CHECK, "by username")?.is_none(),
        "found a username never created"
    );
    ensure!(
        CHECK,
        store.find_customer_by_email(&ghost.email).await.step(CHECK, "by email")?.is_none(),
        "found an email never created"
    );
    Ok(())
}

async fn duplicate_username_in_any_case(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "duplicate username in any case";
    let first = customer("dupname");
    store.create_customer(&first).await.step(CHECK, "create_customer")?;
    let mut second = customer("dupname");
    second.username = first.username.to_uppercase();
    let outcome = store.create_customer(&second).await;
    ensure!(CHECK, matches!(outcome, Err(Error::DuplicateUsername)), "expected DuplicateUsername, got {outcome:?}");
    Ok(())
}

async fn duplicate_email_in_any_case(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "duplicate email in any case";
    let first = customer("dupmail");
    store.create_customer(&first).await.step(CHECK, "create_customer")?;
    let mut second = customer("dupmail");
    second.email = first.email.to_uppercase();
    let outcome = store.create_customer(&second).await;
    ensure!(CHECK, matches!(outcome, Err(Error::DuplicateEmail)), "expected DuplicateEmail, got {outcome:?}");
    Ok(())
}

async fn concurrent_creates_of_one_username(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "32 concurrent creates of one username";
    let username = customer("race").username;
    let mut racers = JoinSet::new();
    for i in 0..RACERS {
        let store = Arc::clone(store);
        let mut racer = customer("race");
        // Different case each time: uniqueness is case-insensitive.
        racer.username = if i % 2 == 0 { username.clone() } else { username.to_uppercase() };
        racers.spawn(async move { store.create_customer(&racer).await });
    }
    let (mut won, mut duplicate, mut other) = (0, 0, Vec::new());
    while let Some(joined) = racers.join_next().await {
        match joined {
            Ok(Ok(())) => won += 1,
            Ok(Err(Error::DuplicateUsername)) => duplicate += 1,
            Ok(Err(err)) => other.push(err.to_string()),
            Err(join) => other.push(join.to_string()),
        }
    }
    ensure!(CHECK, won == 1 && duplicate == RACERS - 1, "{won} won, {duplicate} DuplicateUsername, others: {other:?}");
    Ok(())
}

async fn update_replaces_fields_and_frees_old_keys(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "update replaces fields and frees the old username and email";
    let original = customer("upd");
    store.create_customer(&original).await.step(CHECK, "create_customer")?;
    let mut changed = customer("upd2");
    changed.id = original.id;
    changed.updated_at = original.updated_at;
    changed.status = CustomerStatus::Disabled;
    changed.roles = Roles::from(["auditor".to_owned()]);
    changed.password_hash = original.password_hash.clone();
    store.update_customer(&changed).await.step(CHECK, "update_customer")?;
    let found = store.find_customer(original.id).await.step(CHECK, "find_customer")?;
    ensure!(
        CHECK,
        found.as_ref().is_some_and(|found| same_customer(found, &changed)),
        "after update: {found:?}, wrote {changed:?}"
    );
    let by_new = store.find_customer_by_username(&changed.username).await.step(CHECK, "by new username")?;
    ensure!(CHECK, by_new.is_some_and(|found| found.id == original.id), "the new username does not find the customer");
    let by_old = store.find_customer_by_username(&original.username).await.step(CHECK, "by old username")?;
    ensure!(CHECK, by_old.is_none(), "the old username still finds the customer");
    let mut reuse = customer("upd3");
    reuse.username = original.username.clone();
    reuse.email = original.email.clone();
    store.create_customer(&reuse).await.step(CHECK, "create_customer with the freed username and email")?;
    let missing = store.update_customer(&customer("nobody")).await;
    ensure!(
        CHECK,
        matches!(missing, Err(Error::NotFound)),
        "updating an unknown customer: expected NotFound, got {missing:?}"
    );
    Ok(())
}

async fn update_cannot_take_another_customers_username_or_email(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "update cannot take another customer's username or email";
    let alice = customer("alice");
    let bob = customer("bob");
    store.create_customer(&alice).await.step(CHECK, "create alice")?;
    store.create_customer(&bob).await.step(CHECK, "create bob")?;
    let mut taking_name = bob.clone();
    taking_name.username = alice.username.to_uppercase();
    let outcome = store.update_customer(&taking_name).await;
    ensure!(CHECK, matches!(outcome, Err(Error::DuplicateUsername)), "expected DuplicateUsername, got {outcome:?}");
    let mut taking_email = bob.clone();
    taking_email.email = alice.email.to_lowercase();
    let outcome = store.update_customer(&taking_email).await;
    ensure!(CHECK, matches!(outcome, Err(Error::DuplicateEmail)), "expected DuplicateEmail, got {outcome:?}");
    let unchanged = store.find_customer(bob.id).await.step(CHECK, "find bob")?;
    ensure!(CHECK, unchanged.is_some_and(|found| same_customer(&found, &bob)), "a refused update changed the customer");
    Ok(())
}

async fn set_password_hash(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "set_password_hash";
    let created = customer("rehash");
    store.create_customer(&created).await.step(CHECK, "create_customer")?;
    let fresh = PasswordHash::from_stored("$2b$05$PyOO4x2fSADRCvqbJjGV3.NxBuyf3SxtkAGm9Bp9lLzuGPd7tUoTy");
    store.set_password_hash(created.id, &fresh, Timestamp::now()).await.step(CHECK, "set_password_hash")?;
    let found = store.find_customer(created.id).await.step(CHECK, "find_customer")?;
    ensure!(CHECK, found.is_some_and(|found| found.password_hash == fresh), "the new hash was not stored");
    let missing = store.set_password_hash(CustomerId::new(), &fresh, Timestamp::now()).await;
    ensure!(CHECK, matches!(missing, Err(Error::NotFound)), "unknown customer: expected NotFound, got {missing:?}");
    Ok(())
}

async fn failed_logins_count_and_lock(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "failed logins count, lock, and reset on success";
    let policy = LockoutPolicy { threshold: 3, base: Duration::from_secs(60), max: Duration::from_secs(600) };
    let created = customer("locked");
    store.create_customer(&created).await.step(CHECK, "create_customer")?;
    let now = Timestamp::now();
    for attempt in 1..=5u32 {
        let failed = store.record_failed_login(created.id, now, &policy).await.step(CHECK, "record_failed_login")?;
        ensure!(CHECK, failed.failed_logins == attempt, "attempt {attempt} counted as {}", failed.failed_logins);
        let expected = policy.locked_until(attempt, now);
        ensure!(
            CHECK,
            failed.locked_until == expected,
            "attempt {attempt}: locked until {:?}, expected {expected:?}",
            failed.locked_until
        );
    }
    let found = store.find_customer(created.id).await.step(CHECK, "find_customer")?;
    ensure!(
        CHECK,
        found
            .as_ref()
            .is_some_and(|found| found.failed_logins == 5 && found.locked_until == policy.locked_until(5, now)),
        "stored counters: {found:?}"
    );
    store.record_successful_login(created.id, now).await.step(CHECK, "record_successful_login")?;
    let found = store.find_customer(created.id).await.step(CHECK, "find_customer")?;
    ensure!(
        CHECK,
        found.as_ref().is_some_and(|found| found.failed_logins == 0 && found.locked_until.is_none()),
        "after success: {found:?}"
    );
    let missing = store.record_failed_login(CustomerId::new(), now, &policy).await;
    ensure!(CHECK, matches!(missing, Err(Error::NotFound)), "unknown customer: expected NotFound, got {missing:?}");
    let missing = store.record_successful_login(CustomerId::new(), now).await;
    ensure!(CHECK, matches!(missing, Err(Error::NotFound)), "unknown customer: expected NotFound, got {missing:?}");
    Ok(())
}

/// Stores apply the policy in their own language (SQL, Lua); at every count and at extreme
/// settings the lock must be the one [`LockoutPolicy::locked_until`] gives.
async fn locks_match_the_policy_at_every_count(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "locks match the policy at every count";
    let policies = [
        LockoutPolicy::default(),
        LockoutPolicy { threshold: 0, ..LockoutPolicy::default() },
        LockoutPolicy { threshold: 1, base: Duration::from_secs(1), max: Duration::from_secs(u64::MAX) },
        LockoutPolicy { threshold: 2, base: Duration::from_millis(1500), max: Duration::from_secs(100) },
        LockoutPolicy { threshold: 1, base: Duration::MAX, max: Duration::MAX },
        LockoutPolicy { threshold: 3, base: Duration::from_secs(60), max: Duration::ZERO },
    ];
    for policy in &policies {
        let created = customer("policy");
        store.create_customer(&created).await.step(CHECK, "create_customer")?;
        let at = Timestamp::now();
        let mut expected = None;
        for count in 1..=30u32 {
            let failed = store.record_failed_login(created.id, at, policy).await.step(CHECK, "record_failed_login")?;
            expected = policy.locked_until(count, at).or(expected);
            ensure!(
                CHECK,
                failed.failed_logins == count,
                "{policy:?}: failure {count} counted as {}",
                failed.failed_logins
            );
            ensure!(
                CHECK,
                failed.locked_until == expected,
                "{policy:?} at {count} failures: locked until {:?}, expected {expected:?}",
                failed.locked_until
            );
        }
    }
    Ok(())
}

/// A lock already in force is kept by a failure below the threshold, and a success lifts it.
async fn an_old_lock_stays_below_the_threshold(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "an old lock stays below the threshold";
    let mut created = customer("oldlock");
    let until = Timestamp::now().plus(Duration::from_secs(600));
    created.locked_until = Some(until);
    store.create_customer(&created).await.step(CHECK, "create_customer")?;
    let failed = store
        .record_failed_login(created.id, Timestamp::now(), &LockoutPolicy::default())
        .await
        .step(CHECK, "record_failed_login")?;
    ensure!(CHECK, failed.locked_until == Some(until), "the lock became {:?}", failed.locked_until);
    store.record_successful_login(created.id, Timestamp::now()).await.step(CHECK, "record_successful_login")?;
    let found = store.find_customer(created.id).await.step(CHECK, "find_customer")?;
    ensure!(
        CHECK,
        found.as_ref().is_some_and(|found| found.failed_logins == 0 && found.locked_until.is_none()),
        "after success: {found:?}"
    );
    Ok(())
}

async fn concurrent_failed_logins_all_count(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "concurrent failed logins all count";
    let policy = LockoutPolicy { threshold: 5, base: Duration::from_secs(60), max: Duration::from_secs(3600) };
    let created = customer("guess");
    store.create_customer(&created).await.step(CHECK, "create_customer")?;
    let mut guesses = JoinSet::new();
    for _ in 0..RACERS {
        let store = Arc::clone(store);
        guesses.spawn(async move { store.record_failed_login(created.id, Timestamp::now(), &policy).await });
    }
    while let Some(joined) = guesses.join_next().await {
        let outcome = joined.map_err(|join| Failure { check: CHECK, detail: join.to_string() })?;
        outcome.step(CHECK, "record_failed_login")?;
    }
    let found = store.find_customer(created.id).await.step(CHECK, "find_customer")?;
    let counted = found.as_ref().map(|found| found.failed_logins);
    ensure!(
        CHECK,
        counted == Some(RACERS as u32),
        "{RACERS} concurrent failures counted as {counted:?}: the increment is not atomic"
    );
    ensure!(CHECK, found.is_some_and(|found| found.locked_until.is_some()), "not locked after {RACERS} failures");
    Ok(())
}

async fn delete_frees_username_and_email(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "delete frees the username and email";
    let created = customer("gone");
    store.create_customer(&created).await.step(CHECK, "create_customer")?;
    store.delete_customer(created.id).await.step(CHECK, "delete_customer")?;
    ensure!(
        CHECK,
        store.find_customer(created.id).await.step(CHECK, "find_customer")?.is_none(),
        "still found after delete"
    );
    let again = store.delete_customer(created.id).await;
    ensure!(CHECK, matches!(again, Err(Error::NotFound)), "second delete: expected NotFound, got {again:?}");
    let mut reuse = customer("gone");
    reuse.username = created.username.clone();
    reuse.email = created.email.clone();
    store.create_customer(&reuse).await.step(CHECK, "create_customer with a deleted customer's username and email")?;
    Ok(())
}

async fn list_pages_through_every_customer(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "list pages through every customer in id order";
    let mut created = Vec::new();
    for _ in 0..5 {
        let customer = customer("list");
        store.create_customer(&customer).await.step(CHECK, "create_customer")?;
        created.push(customer.id);
    }
    // Other checks (and other users of the store) add customers too: page through all of them.
    let (mut seen, mut after) = (Vec::new(), None);
    loop {
        let page = store.list_customers(after, 2).await.step(CHECK, "list_customers")?;
        ensure!(CHECK, page.len() <= 2, "asked for 2, got {}", page.len());
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        seen.extend(page.iter().map(|customer| customer.id));
    }
    ensure!(CHECK, seen.windows(2).all(|pair| pair[0] < pair[1]), "pages are not in ascending id order");
    ensure!(CHECK, created.iter().all(|id| seen.contains(id)), "paging missed a customer");
    let none = store.list_customers(None, 0).await.step(CHECK, "list_customers with limit 0")?;
    ensure!(CHECK, none.is_empty(), "limit 0 returned {} customers", none.len());
    Ok(())
}

async fn confirm_email_round_trips_and_survives_updates(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "confirm_email round-trips and survives updates";
    let mut confirmed_at_creation = customer("preconfirmed");
    confirmed_at_creation.email_confirmed_at = Some(Timestamp::from_unix(1_700_000_000));
    store.create_customer(&confirmed_at_creation).await.step(CHECK, "create_customer")?;
    let found = store.find_customer(confirmed_at_creation.id).await.step(CHECK, "find_customer")?;
    let stored = found.and_then(|found| found.email_confirmed_at);
    ensure!(
        CHECK,
        stored == confirmed_at_creation.email_confirmed_at,
        "created with email_confirmed_at {:?}, found {stored:?}",
        confirmed_at_creation.email_confirmed_at
    );

    let created = customer("confirm");
    store.create_customer(&created).await.step(CHECK, "create_customer")?;
    let found = store.find_customer(created.id).await.step(CHECK, "find_customer")?;
    ensure!(
        CHECK,
        found.as_ref().is_some_and(|found| found.email_confirmed_at.is_none()),
        "a new customer is confirmed: {found:?}"
    );
    let at = Timestamp::now();
    store.confirm_email(created.id, at).await.step(CHECK, "confirm_email")?;
    let found = store.find_customer(created.id).await.step(CHECK, "find_customer")?;
    let stored = found.as_ref().and_then(|found| found.email_confirmed_at);
    ensure!(CHECK, stored == Some(at), "confirmed at {at:?}, found {stored:?}");
    let by_username = store.find_customer_by_username(&created.username).await.step(CHECK, "by username")?;
    let stored = by_username.and_then(|found| found.email_confirmed_at);
    ensure!(CHECK, stored == Some(at), "by username: confirmed at {at:?}, found {stored:?}");

    // An update built from a copy read before the confirmation must not undo it.
    let mut renamed = created.clone();
    renamed.first_name = "Renamed".into();
    store.update_customer(&renamed).await.step(CHECK, "update_customer")?;
    let found = store.find_customer(created.id).await.step(CHECK, "find_customer")?;
    let stored = found.and_then(|found| found.email_confirmed_at);
    ensure!(CHECK, stored == Some(at), "update_customer changed email_confirmed_at from {at:?} to {stored:?}");

    let missing = store.confirm_email(CustomerId::new(), at).await;
    ensure!(CHECK, matches!(missing, Err(Error::NotFound)), "unknown customer: expected NotFound, got {missing:?}");
    Ok(())
}

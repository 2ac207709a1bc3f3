//! Checks of the single-use tokens behind password-reset and email-confirmation links.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use super::customers::customer;
use super::{Failure, Step, ensure};
use crate::{Customer, CustomerId, CustomerStore, Error, Timestamp, Token, TokenKey, TokenPurpose, TokenRecord};

type Check = Result<(), Failure>;

/// How many takes of one token race in the concurrency check.
const RACERS: usize = 32;

const HOUR: Duration = Duration::from_secs(3600);

pub(super) async fn run(store: &Arc<dyn CustomerStore>) -> Check {
    create_then_take_once(store).await?;
    unknown_tokens_take_none(store).await?;
    wrong_purpose_takes_none(store).await?;
    expired_tokens_take_none(store).await?;
    concurrent_takes_of_one_token(store).await?;
    delete_customer_tokens_by_purpose(store).await?;
    deleting_the_customer_deletes_their_tokens(store).await?;
    tokens_need_an_existing_customer(store).await
}

async fn new_customer(store: &Arc<dyn CustomerStore>, check: &'static str) -> Result<Customer, Failure> {
    let created = customer("token");
    store.create_customer(&created).await.step(check, "create_customer")?;
    Ok(created)
}

/// Stores a fresh token for `customer` and returns its key.
async fn issue(
    store: &Arc<dyn CustomerStore>,
    check: &'static str,
    customer: CustomerId,
    purpose: TokenPurpose,
    expires_at: Timestamp,
) -> Result<TokenKey, Failure> {
    let key = Token::generate().step(check, "Token::generate")?.key();
    let record = TokenRecord { key, purpose, customer_id: customer, expires_at };
    store.create_token(&record).await.step(check, "create_token")?;
    Ok(key)
}

async fn take(
    store: &Arc<dyn CustomerStore>,
    check: &'static str,
    purpose: TokenPurpose,
    key: &TokenKey,
) -> Result<Option<CustomerId>, Failure> {
    store.take_token(purpose, key, Timestamp::now()).await.step(check, "take_token")
}

async fn create_then_take_once(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "create a token, then take it once";
    let owner = new_customer(store, CHECK).await?;
    for purpose in TokenPurpose::ALL {
        let key = issue(store, CHECK, owner.id, purpose, Timestamp::now().plus(HOUR)).await?;
        let first = take(store, CHECK, purpose, &key).await?;
        ensure!(CHECK, first == Some(owner.id), "{purpose}: first take gave {first:?}, expected {:?}", owner.id);
        let second = take(store, CHECK, purpose, &key).await?;
        ensure!(CHECK, second.is_none(), "{purpose}: a token was taken twice (second take gave {second:?})");
    }
    Ok(())
}

async fn unknown_tokens_take_none(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "unknown tokens take None";
    let key = Token::generate().step(CHECK, "Token::generate")?.key();
    let taken = take(store, CHECK, TokenPurpose::PasswordReset, &key).await?;
    ensure!(CHECK, taken.is_none(), "took {taken:?} with a token never created");
    Ok(())
}

async fn wrong_purpose_takes_none(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "a token of another purpose takes None and stays";
    let owner = new_customer(store, CHECK).await?;
    let key = issue(store, CHECK, owner.id, TokenPurpose::EmailConfirmation, Timestamp::now().plus(HOUR)).await?;
    let wrong = take(store, CHECK, TokenPurpose::PasswordReset, &key).await?;
    ensure!(CHECK, wrong.is_none(), "an email-confirmation token reset a password (took {wrong:?})");
    let right = take(store, CHECK, TokenPurpose::EmailConfirmation, &key).await?;
    ensure!(
        CHECK,
        right == Some(owner.id),
        "after a take with the wrong purpose, the right purpose gave {right:?}, expected {:?}",
        owner.id
    );
    Ok(())
}

async fn expired_tokens_take_none(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "expired tokens take None and are removed";
    let owner = new_customer(store, CHECK).await?;
    let purpose = TokenPurpose::PasswordReset;
    let now = Timestamp::now();

    let born_expired = issue(store, CHECK, owner.id, purpose, now.minus(Duration::from_secs(1))).await?;
    let taken = take(store, CHECK, purpose, &born_expired).await?;
    ensure!(CHECK, taken.is_none(), "a token created already expired was taken: {taken:?}");

    // Expiry is judged at the `now` the caller passes, not by the store's own clock.
    let key = issue(store, CHECK, owner.id, purpose, now.plus(HOUR)).await?;
    let late = store.take_token(purpose, &key, now.plus(HOUR)).await.step(CHECK, "take_token")?;
    ensure!(CHECK, late.is_none(), "a token was taken at its expiry time: {late:?}");
    let again = store.take_token(purpose, &key, now).await.step(CHECK, "take_token")?;
    ensure!(CHECK, again.is_none(), "a take after expiry must remove the token, but a later take gave {again:?}");
    Ok(())
}

async fn concurrent_takes_of_one_token(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "32 concurrent takes of one token";
    let owner = new_customer(store, CHECK).await?;
    let purpose = TokenPurpose::PasswordReset;
    let key = issue(store, CHECK, owner.id, purpose, Timestamp::now().plus(HOUR)).await?;
    let mut racers = JoinSet::new();
    for _ in 0..RACERS {
        let store = Arc::clone(store);
        racers.spawn(async move { store.take_token(purpose, &key, Timestamp::now()).await });
    }
    let (mut won, mut lost, mut other) = (0, 0, Vec::new());
    while let Some(joined) = racers.join_next().await {
        match joined {
            Ok(Ok(Some(id))) if id == owner.id => won += 1,
            Ok(Ok(Some(id))) => other.push(format!("took another customer's id {id}")),
            Ok(Ok(None)) => lost += 1,
            Ok(Err(err)) => other.push(err.to_string()),
            Err(join) => other.push(join.to_string()),
        }
    }
    ensure!(
        CHECK,
        won == 1 && lost == RACERS - 1,
        "{won} takes got the customer, {lost} got None, others: {other:?}; exactly one must win"
    );
    Ok(())
}

async fn delete_customer_tokens_by_purpose(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "delete_customer_tokens deletes one purpose of one customer";
    let (alice, bob) = (new_customer(store, CHECK).await?, new_customer(store, CHECK).await?);
    let later = Timestamp::now().plus(HOUR);
    let mut resets = Vec::new();
    for _ in 0..2 {
        resets.push(issue(store, CHECK, alice.id, TokenPurpose::PasswordReset, later).await?);
    }
    let confirmation = issue(store, CHECK, alice.id, TokenPurpose::EmailConfirmation, later).await?;
    let bobs = issue(store, CHECK, bob.id, TokenPurpose::PasswordReset, later).await?;

    let deleted = store
        .delete_customer_tokens(alice.id, TokenPurpose::PasswordReset)
        .await
        .step(CHECK, "delete_customer_tokens")?;
    ensure!(CHECK, deleted == 2, "deleted {deleted} tokens, the customer had 2 password-reset tokens");
    for key in &resets {
        let taken = take(store, CHECK, TokenPurpose::PasswordReset, key).await?;
        ensure!(CHECK, taken.is_none(), "a deleted token was taken: {taken:?}");
    }
    let again = store
        .delete_customer_tokens(alice.id, TokenPurpose::PasswordReset)
        .await
        .step(CHECK, "delete_customer_tokens")?;
    ensure!(CHECK, again == 0, "a second delete found {again} tokens");
    let kept = take(store, CHECK, TokenPurpose::EmailConfirmation, &confirmation).await?;
    ensure!(CHECK, kept == Some(alice.id), "a token of another purpose was deleted (took {kept:?})");
    let kept = take(store, CHECK, TokenPurpose::PasswordReset, &bobs).await?;
    ensure!(CHECK, kept == Some(bob.id), "another customer's token was deleted (took {kept:?})");
    Ok(())
}

async fn deleting_the_customer_deletes_their_tokens(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "deleting a customer deletes their tokens";
    let owner = new_customer(store, CHECK).await?;
    let later = Timestamp::now().plus(HOUR);
    let mut keys = Vec::new();
    for purpose in TokenPurpose::ALL {
        keys.push((purpose, issue(store, CHECK, owner.id, purpose, later).await?));
    }
    store.delete_customer(owner.id).await.step(CHECK, "delete_customer")?;
    for (purpose, key) in &keys {
        let taken = take(store, CHECK, *purpose, key).await?;
        ensure!(CHECK, taken.is_none(), "a {purpose} token outlived its customer (took {taken:?})");
    }
    Ok(())
}

async fn tokens_need_an_existing_customer(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "create_token for an unknown customer is NotFound";
    let key = Token::generate().step(CHECK, "Token::generate")?.key();
    let record = TokenRecord {
        key,
        purpose: TokenPurpose::PasswordReset,
        customer_id: CustomerId::new(),
        expires_at: Timestamp::now().plus(HOUR),
    };
    let outcome = store.create_token(&record).await;
    ensure!(CHECK, matches!(outcome, Err(Error::NotFound)), "expected NotFound, got {outcome:?}");
    let taken = take(store, CHECK, TokenPurpose::PasswordReset, &key).await?;
    ensure!(CHECK, taken.is_none(), "a token of an unknown customer was taken: {taken:?}");
    Ok(())
}

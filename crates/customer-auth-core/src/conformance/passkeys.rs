//! Passkeys: kept per customer and found by credential id, a credential id registered once
//! across all customers (under concurrency too), updated after use (from one stored counter
//! once, under concurrency too), removed only by their
//! owner, and a deleted customer's passkeys gone with them.

use std::sync::Arc;

use tokio::task::JoinSet;

use super::{Failure, Step, ensure, fixtures, unique};
use crate::{CustomerId, CustomerStore, Error, PasskeyRecord, PasskeyStore, Timestamp};

type Check = Result<(), Failure>;

/// How many registrations race for one credential id.
const RACERS: usize = 32;

pub(super) async fn run(customers: &Arc<dyn CustomerStore>, passkeys: &Arc<dyn PasskeyStore>) -> Check {
    passkeys_are_kept_and_found_by_credential_id(customers, passkeys).await?;
    a_credential_id_is_registered_once(customers, passkeys).await?;
    concurrent_registrations_of_one_credential_have_one_winner(customers, passkeys).await?;
    concurrent_updates_from_one_credential_have_one_winner(customers, passkeys).await?;
    a_passkey_is_removed_only_by_its_owner(customers, passkeys).await?;
    a_deleted_customers_passkeys_go_with_them(customers, passkeys).await
}

async fn new_customer(customers: &Arc<dyn CustomerStore>, check: &'static str) -> Result<CustomerId, Failure> {
    let customer = fixtures::customer(&format!("pk{}", unique()));
    customers.create_customer(&customer).await.step(check, "create_customer")?;
    Ok(customer.id)
}

/// A passkey with a random credential id (binary, as authenticators make them: 0x00 and
/// 0xff included).
fn passkey(customer_id: CustomerId, name: &str, created_at: i64) -> PasskeyRecord {
    let mut credential_id = vec![0u8; 48];
    let _ = getrandom::fill(&mut credential_id);
    credential_id[0] = 0;
    credential_id[1] = 0xff;
    PasskeyRecord {
        credential_id,
        customer_id,
        name: name.to_owned(),
        credential: br#"{"cred":{"counter":0}}"#.to_vec(),
        created_at: Timestamp::from_unix(created_at),
        last_used_at: None,
    }
}

async fn passkeys_are_kept_and_found_by_credential_id(
    customers: &Arc<dyn CustomerStore>,
    passkeys: &Arc<dyn PasskeyStore>,
) -> Check {
    const CHECK: &str = "passkeys are kept, listed oldest first, found by credential id and updated";
    let id = new_customer(customers, CHECK).await?;
    ensure!(CHECK, passkeys.passkeys(id).await.step(CHECK, "passkeys")?.is_empty(), "a new customer has passkeys");
    let phone = passkey(id, "phone ☎", 1_800_000_000);
    let laptop = passkey(id, "laptop", 1_800_000_100);
    ensure!(CHECK, passkeys.add_passkey(&phone).await.step(CHECK, "add_passkey")?, "the first passkey was refused");
    ensure!(CHECK, passkeys.add_passkey(&laptop).await.step(CHECK, "add_passkey")?, "a second passkey was refused");
    let listed = passkeys.passkeys(id).await.step(CHECK, "passkeys")?;
    ensure!(CHECK, listed == [phone.clone(), laptop.clone()], "listed {listed:?}, not the two stored, oldest first");
    let found = passkeys.find_passkey(&laptop.credential_id).await.step(CHECK, "find_passkey")?;
    ensure!(CHECK, found.as_ref() == Some(&laptop), "found {found:?} by the laptop's credential id");
    let mut prefix = laptop.credential_id.clone();
    prefix.pop();
    let none = passkeys.find_passkey(&prefix).await.step(CHECK, "find_passkey")?;
    ensure!(CHECK, none.is_none(), "a prefix of a credential id found {none:?}");
    let used = Timestamp::from_unix(1_800_000_500);
    let stale = passkeys.update_passkey(&phone.credential_id, b"{}", b"{\"cred\":{\"counter\":7}}", used).await;
    ensure!(CHECK, !stale.step(CHECK, "update_passkey")?, "an update from a credential never stored went through");
    let updated =
        passkeys.update_passkey(&phone.credential_id, &phone.credential, b"{\"cred\":{\"counter\":7}}", used).await;
    ensure!(CHECK, updated.step(CHECK, "update_passkey")?, "update_passkey did not find the phone");
    let found = passkeys.find_passkey(&phone.credential_id).await.step(CHECK, "find_passkey")?;
    let expected =
        PasskeyRecord { credential: b"{\"cred\":{\"counter\":7}}".to_vec(), last_used_at: Some(used), ..phone.clone() };
    ensure!(CHECK, found.as_ref() == Some(&expected), "after the update read {found:?}");
    let other = passkeys.find_passkey(&laptop.credential_id).await.step(CHECK, "find_passkey")?;
    ensure!(CHECK, other.as_ref() == Some(&laptop), "updating the phone changed the laptop: {other:?}");
    let missing = passkeys.update_passkey(&[1, 2, 3], b"{}", b"{}", used).await.step(CHECK, "update_passkey")?;
    ensure!(CHECK, !missing, "update_passkey found an unknown credential");
    let unknown = passkeys.add_passkey(&passkey(CustomerId::new(), "ghost", 1_800_000_000)).await;
    ensure!(CHECK, matches!(unknown, Err(Error::NotFound)), "an unknown customer got a passkey: {unknown:?}");
    customers.delete_customer(id).await.step(CHECK, "delete_customer")
}

async fn a_credential_id_is_registered_once(
    customers: &Arc<dyn CustomerStore>,
    passkeys: &Arc<dyn PasskeyStore>,
) -> Check {
    const CHECK: &str = "a credential id belongs to one passkey across all customers";
    let ada = new_customer(customers, CHECK).await?;
    let bob = new_customer(customers, CHECK).await?;
    let first = passkey(ada, "key", 1_800_000_000);
    ensure!(CHECK, passkeys.add_passkey(&first).await.step(CHECK, "add_passkey")?, "the passkey was refused");
    let again = passkeys.add_passkey(&PasskeyRecord { name: "again".into(), ..first.clone() }).await;
    ensure!(CHECK, !again.step(CHECK, "add_passkey again")?, "one credential id was registered twice");
    let stolen = passkeys.add_passkey(&PasskeyRecord { customer_id: bob, ..first.clone() }).await;
    ensure!(CHECK, !stolen.step(CHECK, "add_passkey for another")?, "another customer took a credential id");
    let bobs = passkeys.passkeys(bob).await.step(CHECK, "passkeys")?;
    ensure!(CHECK, bobs.is_empty(), "the refused passkey was stored: {bobs:?}");
    let found = passkeys.find_passkey(&first.credential_id).await.step(CHECK, "find_passkey")?;
    ensure!(CHECK, found.as_ref() == Some(&first), "the refused passkey replaced the first: {found:?}");
    customers.delete_customer(ada).await.step(CHECK, "delete_customer")?;
    customers.delete_customer(bob).await.step(CHECK, "delete_customer")
}

async fn concurrent_registrations_of_one_credential_have_one_winner(
    customers: &Arc<dyn CustomerStore>,
    passkeys: &Arc<dyn PasskeyStore>,
) -> Check {
    const CHECK: &str = "concurrent registrations of one credential id: exactly one wins";
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(new_customer(customers, CHECK).await?);
    }
    let template = passkey(ids[0], "raced", 1_800_000_000);
    let mut racers = JoinSet::new();
    for racer in 0..RACERS {
        let passkeys = Arc::clone(passkeys);
        let record = PasskeyRecord { customer_id: ids[racer % ids.len()], ..template.clone() };
        racers.spawn(async move { passkeys.add_passkey(&record).await });
    }
    let mut winners = 0;
    while let Some(joined) = racers.join_next().await {
        let won = joined.map_err(|err| Failure { check: CHECK, detail: format!("a racer panicked: {err}") })?;
        if won.step(CHECK, "add_passkey")? {
            winners += 1;
        }
    }
    ensure!(CHECK, winners == 1, "{winners} of {RACERS} registrations of one credential id won");
    for id in ids {
        customers.delete_customer(id).await.step(CHECK, "delete_customer")?;
    }
    Ok(())
}

async fn concurrent_updates_from_one_credential_have_one_winner(
    customers: &Arc<dyn CustomerStore>,
    passkeys: &Arc<dyn PasskeyStore>,
) -> Check {
    const CHECK: &str = "concurrent updates from one stored credential (one signature counter): exactly one wins";
    let id = new_customer(customers, CHECK).await?;
    let key = passkey(id, "raced", 1_800_000_000);
    passkeys.add_passkey(&key).await.step(CHECK, "add_passkey")?;
    let mut racers = JoinSet::new();
    for racer in 0..RACERS {
        let passkeys = Arc::clone(passkeys);
        let (credential_id, previous) = (key.credential_id.clone(), key.credential.clone());
        let next = format!("{{\"cred\":{{\"counter\":{}}}}}", racer + 1).into_bytes();
        racers.spawn(async move {
            passkeys.update_passkey(&credential_id, &previous, &next, Timestamp::from_unix(1_800_000_001)).await
        });
    }
    let mut winners = 0;
    while let Some(joined) = racers.join_next().await {
        let won = joined.map_err(|err| Failure { check: CHECK, detail: format!("a racer panicked: {err}") })?;
        if won.step(CHECK, "update_passkey")? {
            winners += 1;
        }
    }
    ensure!(CHECK, winners == 1, "{winners} of {RACERS} updates from one counter value won");
    customers.delete_customer(id).await.step(CHECK, "delete_customer")
}

async fn a_passkey_is_removed_only_by_its_owner(
    customers: &Arc<dyn CustomerStore>,
    passkeys: &Arc<dyn PasskeyStore>,
) -> Check {
    const CHECK: &str = "a passkey is removed by its owner, and only by them";
    let ada = new_customer(customers, CHECK).await?;
    let bob = new_customer(customers, CHECK).await?;
    let key = passkey(ada, "key", 1_800_000_000);
    let kept = passkey(ada, "kept", 1_800_000_001);
    passkeys.add_passkey(&key).await.step(CHECK, "add_passkey")?;
    passkeys.add_passkey(&kept).await.step(CHECK, "add_passkey")?;
    let by_bob = passkeys.remove_passkey(bob, &key.credential_id).await.step(CHECK, "remove_passkey")?;
    ensure!(CHECK, !by_bob, "another customer removed the passkey");
    let still = passkeys.find_passkey(&key.credential_id).await.step(CHECK, "find_passkey")?;
    ensure!(CHECK, still.is_some(), "the passkey went after another customer's removal");
    let removed = passkeys.remove_passkey(ada, &key.credential_id).await.step(CHECK, "remove_passkey")?;
    ensure!(CHECK, removed, "the owner's removal found nothing");
    let twice = passkeys.remove_passkey(ada, &key.credential_id).await.step(CHECK, "remove_passkey")?;
    ensure!(CHECK, !twice, "removed twice");
    let gone = passkeys.find_passkey(&key.credential_id).await.step(CHECK, "find_passkey")?;
    ensure!(CHECK, gone.is_none(), "the passkey outlived its removal: {gone:?}");
    let left = passkeys.passkeys(ada).await.step(CHECK, "passkeys")?;
    ensure!(CHECK, left == [kept], "removing one passkey left {left:?}");
    customers.delete_customer(ada).await.step(CHECK, "delete_customer")?;
    customers.delete_customer(bob).await.step(CHECK, "delete_customer")
}

async fn a_deleted_customers_passkeys_go_with_them(
    customers: &Arc<dyn CustomerStore>,
    passkeys: &Arc<dyn PasskeyStore>,
) -> Check {
    const CHECK: &str = "a deleted customer's passkeys go with them";
    let id = new_customer(customers, CHECK).await?;
    let key = passkey(id, "key", 1_800_000_000);
    passkeys.add_passkey(&key).await.step(CHECK, "add_passkey")?;
    customers.delete_customer(id).await.step(CHECK, "delete_customer")?;
    let found = passkeys.find_passkey(&key.credential_id).await.step(CHECK, "find_passkey")?;
    ensure!(CHECK, found.is_none(), "the deleted customer's passkey is still found: {found:?}");
    let listed = passkeys.passkeys(id).await.step(CHECK, "passkeys")?;
    ensure!(CHECK, listed.is_empty(), "the deleted customer still lists {listed:?}");
    Ok(())
}

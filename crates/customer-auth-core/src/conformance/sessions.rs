use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use super::{Failure, Step, ensure};
use crate::{
    CustomerId, CustomerStatus, Error, Principal, Result, SessionId, SessionKey, SessionRecord, SessionStore, Timestamp,
};

type Check = Result<(), Failure>;

const IDLE: Duration = Duration::from_secs(1800);
const ABSOLUTE: Duration = Duration::from_secs(7 * 86400);

pub(super) async fn run(store: &Arc<dyn SessionStore>) -> Check {
    create_then_load(store).await?;
    unknown_keys_load_none(store).await?;
    create_never_overwrites(store).await?;
    save_replaces(store).await?;
    save_never_resurrects(store).await?;
    delete_is_idempotent(store).await?;
    expired_sessions_do_not_load(store).await?;
    delete_every_session_of_a_customer(store).await?;
    list_the_live_sessions_of_a_customer(store).await?;
    purge_removes_expired_and_keeps_live(store).await?;
    concurrent_creates(store).await?;
    concurrent_loads(store).await
}

fn new_key(check: &'static str) -> Result<SessionKey, Failure> {
    SessionId::generate().map(|id| id.key()).step(check, "SessionId::generate")
}

fn live() -> SessionRecord {
    let mut record = SessionRecord::new(Timestamp::now(), IDLE, ABSOLUTE);
    record.data.insert("target_url".into(), "\"/account/orders?page=2\"".into());
    record
}

fn logged_in(customer: CustomerId) -> SessionRecord {
    let mut record = live();
    record.principal = Some(Principal {
        customer_id: customer,
        username: "Zoë_42".into(),
        roles: vec!["admin".into()],
        status: CustomerStatus::Active,
    });
    record
}

async fn create_then_load(store: &Arc<dyn SessionStore>) -> Check {
    const CHECK: &str = "create then load";
    for record in [live(), logged_in(CustomerId::new())] {
        let key = new_key(CHECK)?;
        let mut record = record;
        record.data.insert("big".into(), format!("\"{}\"", "x".repeat(4096)));
        store.create_session(&key, &record).await.step(CHECK, "create_session")?;
        let loaded = store.load_session(&key).await.step(CHECK, "load_session")?;
        ensure!(CHECK, loaded.as_ref() == Some(&record), "loaded {loaded:?}, wrote {record:?}");
    }
    Ok(())
}

async fn unknown_keys_load_none(store: &Arc<dyn SessionStore>) -> Check {
    const CHECK: &str = "unknown keys load None";
    let loaded = store.load_session(&new_key(CHECK)?).await.step(CHECK, "load_session")?;
    ensure!(CHECK, loaded.is_none(), "loaded {loaded:?} for a key never created");
    Ok(())
}

async fn create_never_overwrites(store: &Arc<dyn SessionStore>) -> Check {
    const CHECK: &str = "create never overwrites";
    let key = new_key(CHECK)?;
    let first = live();
    store.create_session(&key, &first).await.step(CHECK, "create_session")?;
    let second = logged_in(CustomerId::new());
    let outcome = store.create_session(&key, &second).await;
    ensure!(CHECK, outcome.is_err(), "a second create under one key succeeded");
    let loaded = store.load_session(&key).await.step(CHECK, "load_session")?;
    ensure!(CHECK, loaded.as_ref() == Some(&first), "the first session was replaced: {loaded:?}");
    Ok(())
}

async fn save_replaces(store: &Arc<dyn SessionStore>) -> Check {
    const CHECK: &str = "save replaces";
    let key = new_key(CHECK)?;
    store.create_session(&key, &live()).await.step(CHECK, "create_session")?;
    let mut changed = logged_in(CustomerId::new());
    changed.data.insert("flash".into(), "[\"Welcome back\"]".into());
    changed.touch(Timestamp::now().plus(Duration::from_secs(60)), IDLE);
    store.save_session(&key, &changed).await.step(CHECK, "save_session")?;
    let loaded = store.load_session(&key).await.step(CHECK, "load_session")?;
    ensure!(CHECK, loaded.as_ref() == Some(&changed), "loaded {loaded:?}, saved {changed:?}");
    Ok(())
}

async fn save_never_resurrects(store: &Arc<dyn SessionStore>) -> Check {
    const CHECK: &str = "save never brings back a deleted or unknown session";
    let key = new_key(CHECK)?;
    store.create_session(&key, &live()).await.step(CHECK, "create_session")?;
    store.delete_session(&key).await.step(CHECK, "delete_session")?;
    let outcome = store.save_session(&key, &live()).await;
    ensure!(CHECK, matches!(outcome, Err(Error::NotFound)), "save after delete: expected NotFound, got {outcome:?}");
    ensure!(
        CHECK,
        store.load_session(&key).await.step(CHECK, "load_session")?.is_none(),
        "the deleted session came back"
    );
    let never = new_key(CHECK)?;
    let outcome = store.save_session(&never, &live()).await;
    ensure!(
        CHECK,
        matches!(outcome, Err(Error::NotFound)),
        "save of an unknown key: expected NotFound, got {outcome:?}"
    );
    Ok(())
}

async fn delete_is_idempotent(store: &Arc<dyn SessionStore>) -> Check {
    const CHECK: &str = "delete, twice";
    let key = new_key(CHECK)?;
    store.create_session(&key, &live()).await.step(CHECK, "create_session")?;
    store.delete_session(&key).await.step(CHECK, "delete_session")?;
    ensure!(CHECK, store.load_session(&key).await.step(CHECK, "load_session")?.is_none(), "loaded after delete");
    store.delete_session(&key).await.step(CHECK, "delete_session of a deleted session")?;
    Ok(())
}

async fn expired_sessions_do_not_load(store: &Arc<dyn SessionStore>) -> Check {
    const CHECK: &str = "expired sessions do not load or save";
    let now = Timestamp::now();
    let mut idle_gone = live();
    idle_gone.idle_expires_at = now.minus(Duration::from_secs(1));
    let mut absolute_gone = live();
    // Idle expiry still ahead: the store must honour the earlier of the two.
    absolute_gone.absolute_expires_at = now.minus(Duration::from_secs(1));
    for (name, record) in [("idle", idle_gone), ("absolute", absolute_gone)] {
        let key = new_key(CHECK)?;
        store.create_session(&key, &record).await.step(CHECK, "create_session")?;
        let loaded = store.load_session(&key).await.step(CHECK, "load_session")?;
        ensure!(CHECK, loaded.is_none(), "a session past its {name} expiry loaded: {loaded:?}");
        let saved = store.save_session(&key, &live()).await;
        ensure!(
            CHECK,
            matches!(saved, Err(Error::NotFound)),
            "saving over a session past its {name} expiry: expected NotFound, got {saved:?}"
        );
    }
    Ok(())
}

async fn delete_every_session_of_a_customer(store: &Arc<dyn SessionStore>) -> Check {
    const CHECK: &str = "delete every session of a customer";
    let (alice, bob) = (CustomerId::new(), CustomerId::new());
    let mut alices = Vec::new();
    for _ in 0..3 {
        let key = new_key(CHECK)?;
        store.create_session(&key, &logged_in(alice)).await.step(CHECK, "create_session")?;
        alices.push(key);
    }
    let bobs = new_key(CHECK)?;
    store.create_session(&bobs, &logged_in(bob)).await.step(CHECK, "create_session")?;
    let anonymous = new_key(CHECK)?;
    store.create_session(&anonymous, &live()).await.step(CHECK, "create_session")?;
    // A session that was anonymous when created and logged in later must be found too.
    let upgraded = new_key(CHECK)?;
    store.create_session(&upgraded, &live()).await.step(CHECK, "create_session")?;
    store.save_session(&upgraded, &logged_in(alice)).await.step(CHECK, "save_session")?;
    alices.push(upgraded);

    let nobody = store.delete_customer_sessions(CustomerId::new()).await.step(CHECK, "delete_customer_sessions")?;
    ensure!(CHECK, nobody == 0, "deleted {nobody} sessions of a customer who had none");
    let deleted = store.delete_customer_sessions(alice).await.step(CHECK, "delete_customer_sessions")?;
    ensure!(CHECK, deleted == 4, "deleted {deleted} sessions, the customer had 4");
    for key in &alices {
        ensure!(
            CHECK,
            store.load_session(key).await.step(CHECK, "load_session")?.is_none(),
            "one of the customer's sessions survived"
        );
    }
    ensure!(
        CHECK,
        store.load_session(&bobs).await.step(CHECK, "load_session")?.is_some(),
        "another customer's session was deleted"
    );
    ensure!(
        CHECK,
        store.load_session(&anonymous).await.step(CHECK, "load_session")?.is_some(),
        "an anonymous session was deleted"
    );
    Ok(())
}

async fn purge_removes_expired_and_keeps_live(store: &Arc<dyn SessionStore>) -> Check {
    const CHECK: &str = "purge removes expired sessions and keeps live ones";
    let past = Timestamp::now().minus(Duration::from_secs(10));
    let mut expired = live();
    expired.idle_expires_at = past;
    for _ in 0..2 {
        store.create_session(&new_key(CHECK)?, &expired).await.step(CHECK, "create_session")?;
    }
    let keep = new_key(CHECK)?;
    store.create_session(&keep, &live()).await.step(CHECK, "create_session")?;
    let purged = store.purge_expired_sessions().await.step(CHECK, "purge_expired_sessions")?;
    // A store whose backend expires keys by itself (Redis) has nothing left to purge and may
    // answer 0, as the trait allows; any other answer must count the two that expired.
    ensure!(CHECK, purged == 0 || purged >= 2, "purged {purged} sessions, at least 2 had expired");
    ensure!(
        CHECK,
        store.load_session(&keep).await.step(CHECK, "load_session")?.is_some(),
        "purge removed a live session"
    );
    Ok(())
}

async fn concurrent_creates(store: &Arc<dyn SessionStore>) -> Check {
    const CHECK: &str = "32 concurrent session creates";
    let mut creators = JoinSet::new();
    for _ in 0..32 {
        let store = Arc::clone(store);
        let key = new_key(CHECK)?;
        creators.spawn(async move { store.create_session(&key, &live()).await.map(|()| key) });
    }
    while let Some(joined) = creators.join_next().await {
        let created = joined.map_err(|join| Failure { check: CHECK, detail: join.to_string() })?;
        let key = created.step(CHECK, "create_session")?;
        ensure!(
            CHECK,
            store.load_session(&key).await.step(CHECK, "load_session")?.is_some(),
            "a created session did not load"
        );
    }
    Ok(())
}

/// Stores that batch concurrent loads into one call (see [`LoadBatcher`](crate::LoadBatcher))
/// must still hand each load its own session: many at once, the same key several times, unknown
/// and expired keys among them.
async fn concurrent_loads(store: &Arc<dyn SessionStore>) -> Check {
    const CHECK: &str = "200 concurrent loads, each of its own session";
    let mut expected: Vec<(SessionKey, Option<SessionRecord>)> = Vec::new();
    for n in 0..60 {
        let key = new_key(CHECK)?;
        let mut record = if n % 2 == 0 { live() } else { logged_in(CustomerId::new()) };
        record.data.insert("n".into(), n.to_string());
        store.create_session(&key, &record).await.step(CHECK, "create_session")?;
        expected.push((key, Some(record)));
    }
    for _ in 0..20 {
        let key = new_key(CHECK)?;
        let mut record = live();
        record.idle_expires_at = Timestamp::now().minus(Duration::from_secs(1));
        store.create_session(&key, &record).await.step(CHECK, "create_session")?;
        expected.push((key, None));
        expected.push((new_key(CHECK)?, None));
    }
    let mut loads = JoinSet::new();
    for n in 0..200 {
        // Every live key twice or more, interleaved with the rest.
        let (key, want) = expected[n * 7 % expected.len()].clone();
        let store = Arc::clone(store);
        loads.spawn(async move { store.load_session(&key).await.map(|got| (got, want)) });
    }
    while let Some(joined) = loads.join_next().await {
        let loaded = joined.map_err(|join| Failure { check: CHECK, detail: join.to_string() })?;
        let (got, want) = loaded.step(CHECK, "load_session")?;
        ensure!(CHECK, got == want, "a load got {got:?} where its own key holds {want:?}");
    }
    Ok(())
}

async fn list_the_live_sessions_of_a_customer(store: &Arc<dyn SessionStore>) -> Check {
    const CHECK: &str = "list the live sessions of a customer";
    let (alice, bob) = (CustomerId::new(), CustomerId::new());
    let mut expected = Vec::new();
    for _ in 0..2 {
        let key = new_key(CHECK)?;
        let record = logged_in(alice);
        store.create_session(&key, &record).await.step(CHECK, "create_session")?;
        expected.push((key, record));
    }
    // Anonymous when created, logged in later: listed too.
    let upgraded = new_key(CHECK)?;
    store.create_session(&upgraded, &live()).await.step(CHECK, "create_session")?;
    let mut record = logged_in(alice);
    record.data.insert("flash".into(), "[\"Welcome back\"]".into());
    store.save_session(&upgraded, &record).await.step(CHECK, "save_session")?;
    expected.push((upgraded, record));
    // Alice's when created, another customer's now: not listed.
    let handed_over = new_key(CHECK)?;
    store.create_session(&handed_over, &logged_in(alice)).await.step(CHECK, "create_session")?;
    store.save_session(&handed_over, &logged_in(bob)).await.step(CHECK, "save_session")?;
    // Logged out: not listed.
    let logged_out = new_key(CHECK)?;
    store.create_session(&logged_out, &logged_in(alice)).await.step(CHECK, "create_session")?;
    store.delete_session(&logged_out).await.step(CHECK, "delete_session")?;
    // Expired: not listed.
    let mut expired = logged_in(alice);
    expired.idle_expires_at = Timestamp::now().minus(Duration::from_secs(1));
    store.create_session(&new_key(CHECK)?, &expired).await.step(CHECK, "create_session")?;
    // Another customer's and an anonymous one: not listed.
    store.create_session(&new_key(CHECK)?, &logged_in(bob)).await.step(CHECK, "create_session")?;
    store.create_session(&new_key(CHECK)?, &live()).await.step(CHECK, "create_session")?;

    let mut listed = store.list_customer_sessions(alice).await.step(CHECK, "list_customer_sessions")?;
    let by_key = |(key, _): &(SessionKey, SessionRecord)| *key.as_bytes();
    listed.sort_by_key(by_key);
    expected.sort_by_key(by_key);
    ensure!(
        CHECK,
        listed == expected,
        "listed {} sessions, expected the customer's {} live ones: listed {listed:?}, expected {expected:?}",
        listed.len(),
        expected.len()
    );
    let nobody = store.list_customer_sessions(CustomerId::new()).await.step(CHECK, "list_customer_sessions")?;
    ensure!(CHECK, nobody.is_empty(), "listed {} sessions of a customer who has none", nobody.len());
    store.delete_customer_sessions(alice).await.step(CHECK, "delete_customer_sessions")?;
    let after = store.list_customer_sessions(alice).await.step(CHECK, "list_customer_sessions")?;
    ensure!(CHECK, after.is_empty(), "listed {} sessions after deleting all of the customer's", after.len());
    Ok(())
}

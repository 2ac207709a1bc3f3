//! A master of a Redis Cluster killed (`kill -9`) under a mixed load of registrations, logins
//! and session loads: the store answers `Unavailable` (503) while the cluster fails over, never
//! another error, serves again by itself once a replica is promoted, and every customer it
//! acknowledged is still there. And a customer write no replica confirms is never acknowledged.
//! On clusters of the tests' own, so the shared one is never hurt.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::private_cluster::{PrivateCluster, wait_for};
use customer_auth_core::{
    Auth, Customer, CustomerStore, Error, Password, PasswordHasher, Principal, Registration, SessionId, SessionKey,
    SessionRecord, SessionStore, Timestamp,
};
use customer_auth_redis::{RedisStore, RedisStoreOptions};
use tokio::task::JoinSet;

const PASSWORD: &str = "correct horse battery";
const WORKERS: usize = 6;
/// How long the load runs with no error before the store counts as recovered.
const QUIET: Duration = Duration::from_secs(3);

/// What the load saw.
#[derive(Default)]
struct Tally {
    ok: u64,
    unavailable: u64,
    /// Anything but `Unavailable`: must stay empty.
    other: Vec<String>,
    last_unavailable: Option<Instant>,
    last_ok: Option<Instant>,
}

impl Tally {
    fn record<T>(&mut self, what: &str, outcome: &Result<T, Error>) {
        match outcome {
            Ok(_) => {
                self.ok += 1;
                self.last_ok = Some(Instant::now());
            }
            Err(Error::Unavailable(_)) => {
                self.unavailable += 1;
                self.last_unavailable = Some(Instant::now());
            }
            Err(err) => self.other.push(format!("{what}: {err}")),
        }
    }
}

/// Shared between the workers.
struct Load {
    auth: Auth,
    store: RedisStore,
    /// Customers whose registration returned Ok, with the time it did.
    acknowledged: Mutex<Vec<(Customer, Instant)>>,
    /// Sessions created before the kill.
    sessions: Vec<SessionKey>,
    tally: Mutex<Tally>,
    stop: AtomicBool,
}

fn registration(tag: &str) -> Registration {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).unwrap();
    let unique: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    Registration {
        first_name: "Fail".into(),
        last_name: "Over".into(),
        email: format!("{tag}-{unique}@example.com"),
        username: format!("{tag}-{unique}"),
        password: Password::new(PASSWORD),
        confirm_password: Password::new(PASSWORD),
    }
}

fn logged_in(customer: &Customer) -> SessionRecord {
    let mut record = SessionRecord::new(Timestamp::now(), Duration::from_secs(1800), Duration::from_secs(86400));
    record.principal = Some(Principal::of(customer));
    record
}

/// One worker: registrations, logins (with a new session each) and session loads, in turn.
async fn work(load: Arc<Load>, worker: usize) {
    let mut round = worker;
    while !load.stop.load(Ordering::Relaxed) {
        round += 1;
        match round % 3 {
            0 => {
                let outcome = load.auth.register(registration("load")).await;
                if let Ok(customer) = &outcome {
                    load.acknowledged.lock().unwrap().push((customer.clone(), Instant::now()));
                }
                load.tally.lock().unwrap().record("register", &outcome);
            }
            1 => {
                let customer = {
                    let acknowledged = load.acknowledged.lock().unwrap();
                    acknowledged[round % acknowledged.len()].0.clone()
                };
                let outcome = load.auth.authenticate(&customer.username, &Password::new(PASSWORD)).await;
                let outcome = match outcome {
                    Ok(customer) => {
                        let key = SessionId::generate().unwrap().key();
                        load.store.create_session(&key, &logged_in(&customer)).await
                    }
                    Err(err) => Err(err),
                };
                load.tally.lock().unwrap().record("login", &outcome);
            }
            _ => {
                let key = load.sessions[round % load.sessions.len()];
                let outcome = load.store.load_session(&key).await;
                load.tally.lock().unwrap().record("session load", &outcome);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_master_killed_under_load_costs_only_503s_and_no_acknowledged_customer() {
    let mut cluster = PrivateCluster::start(7200).await;
    let store = RedisStoreOptions::new(&cluster.url())
        .prefix(&common::random_prefix())
        .response_timeout(Duration::from_secs(1))
        .connection_timeout(Duration::from_millis(500))
        .connect()
        .await
        .unwrap();
    let auth = Auth::new(Arc::new(store.clone())).with_hasher(PasswordHasher::new(4).unwrap());

    // Before the kill: customers registered and logged in, acknowledged with a replica's copy.
    let mut acknowledged = Vec::new();
    let mut sessions = Vec::new();
    for _ in 0..60 {
        let customer = auth.register(registration("before")).await.unwrap();
        let key = SessionId::generate().unwrap().key();
        store.create_session(&key, &logged_in(&customer)).await.unwrap();
        sessions.push(key);
        acknowledged.push((customer, Instant::now()));
    }
    let load = Arc::new(Load {
        auth,
        store: store.clone(),
        acknowledged: Mutex::new(acknowledged),
        sessions,
        tally: Mutex::new(Tally::default()),
        stop: AtomicBool::new(false),
    });
    let mut workers = JoinSet::new();
    for worker in 0..WORKERS {
        workers.spawn(work(load.clone(), worker));
    }
    wait_for("the load to run", || load.tally.lock().unwrap().ok > 300).await;

    let victim = cluster.masters()[0];
    let killed = Instant::now();
    cluster.kill(victim);
    let acknowledged_before_kill = load.acknowledged.lock().unwrap().len();
    wait_for("a replica to take over the killed master's slots", || cluster.failed_over(victim)).await;
    let failed_over = killed.elapsed();
    // Recovered: the load has run QUIET long without an error since the failover.
    wait_for("the store to serve without errors again", || {
        let tally = load.tally.lock().unwrap();
        let last_error = tally.last_unavailable.unwrap_or(killed);
        last_error.elapsed() > QUIET && tally.last_ok.is_some_and(|ok| ok > last_error)
    })
    .await;
    load.stop.store(true, Ordering::Relaxed);
    while let Some(joined) = workers.join_next().await {
        joined.unwrap();
    }

    let tally = std::mem::take(&mut *load.tally.lock().unwrap());
    let recovered = tally.last_unavailable.map_or(Duration::ZERO, |last| last.saturating_duration_since(killed));
    let acknowledged = load.acknowledged.lock().unwrap().clone();
    let mut lost = Vec::new();
    for (customer, _) in &acknowledged {
        let by_id = store.find_customer(customer.id).await.unwrap();
        let by_name = load.auth.authenticate(&customer.username, &Password::new(PASSWORD)).await;
        if by_id.is_none() || by_name.ok().map(|found| found.id) != Some(customer.id) {
            lost.push(customer.username.clone());
        }
    }
    let mut sessions_lost = 0;
    for key in &load.sessions {
        sessions_lost += usize::from(store.load_session(key).await.unwrap().is_none());
    }
    println!(
        "failover of 127.0.0.1:{victim}: {} calls ok, {} answered Unavailable (503), {} other errors; the cluster \
         failed over {failed_over:?} after the kill and the last 503 came {recovered:?} after it; {} customers \
         acknowledged ({acknowledged_before_kill} before the kill), {} lost; {sessions_lost} of {} sessions made \
         before the kill lost",
        tally.ok,
        tally.unavailable,
        tally.other.len(),
        acknowledged.len(),
        lost.len(),
        load.sessions.len(),
    );
    assert!(tally.other.is_empty(), "errors other than Unavailable: {:?}", tally.other);
    assert!(lost.is_empty(), "acknowledged customers lost: {lost:?}");
    // The same store, never rebuilt, registers and logs in on every master again.
    for _ in 0..10 {
        let customer = load.auth.register(registration("after")).await.unwrap();
        load.auth.authenticate(&customer.username, &Password::new(PASSWORD)).await.unwrap();
    }
    store.delete_all_keys().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_write_no_replica_confirms_is_not_acknowledged_and_holds_up_nothing_else() {
    let cluster = PrivateCluster::start(7300).await;
    let prefix = common::random_prefix();
    let options =
        || RedisStoreOptions::new(&cluster.url()).prefix(&prefix).replica_ack_timeout(Duration::from_millis(300));
    let store = options().connect().await.unwrap();
    let unwaited = options().replica_acks(0).connect().await.unwrap();
    let customer = common::customer("stalled");
    store.create_customer(&customer).await.unwrap();
    let session = SessionId::generate().unwrap().key();
    store.create_session(&session, &logged_in(&customer)).await.unwrap();
    let master = cluster.master_of(&format!("{prefix}customer:{{{}}}", customer.id)).unwrap();
    let replica = cluster.replica_of(master).unwrap();

    cluster.pause(replica);
    let hash = PasswordHasher::new(4).unwrap().hash(&Password::new(PASSWORD)).await.unwrap();
    let waited = store.set_password_hash(customer.id, &hash, Timestamp::now()).await;
    let bumped = store.bump_security_stamp(customer.id).await;
    // What does not wait for a replica goes on, on the same master, meanwhile.
    let counted = store.record_successful_login(customer.id, Timestamp::now()).await;
    let loaded = store.load_session(&session).await;
    let not_waiting = unwaited.set_password_hash(customer.id, &hash, Timestamp::now()).await;
    cluster.resume(replica);

    assert!(matches!(waited, Err(Error::Unavailable(_))), "{waited:?}");
    assert!(matches!(bumped, Err(Error::Unavailable(_))), "{bumped:?}");
    assert!(counted.is_ok(), "{counted:?}");
    assert!(loaded.is_ok_and(|session| session.is_some()));
    // Without replica_acks the same write is acknowledged with no replica's copy: the check
    // above is what makes a failover unable to lose it.
    assert!(not_waiting.is_ok(), "{not_waiting:?}");
    wait_for("the replica to catch up", || cluster.healthy()).await;
    store.set_password_hash(customer.id, &hash, Timestamp::now()).await.unwrap();
    store.delete_all_keys().await.unwrap();
}

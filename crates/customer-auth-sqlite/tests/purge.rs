//! The background purge deletes expired sessions (and tokens nobody took), and stops with the
//! store.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use customer_auth_core::conformance::fixtures;
use customer_auth_core::{CustomerStore, SessionId, SessionStore, Timestamp, Token, TokenPurpose, TokenRecord};
use customer_auth_sqlite::{SqliteStore, SqliteStoreOptions};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, SqliteConnection};

const INTERVAL: Duration = Duration::from_millis(100);

async fn raw(path: &Path) -> Result<SqliteConnection, sqlx::Error> {
    SqliteConnectOptions::new().filename(path).connect().await
}

async fn sessions_in(conn: &mut SqliteConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM sessions").fetch_one(conn).await
}

/// Writes an expired session behind the store's back.
async fn insert_expired(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO sessions (key, customer_id, expires_at, record) VALUES (randomblob(16), NULL, 0, x'00')")
        .execute(conn)
        .await
        .map(drop)
}

/// Polls until the table holds `count` sessions; false if it does not within 10 s, so a slow
/// machine makes the test slower, not flaky.
async fn eventually_holds(conn: &mut SqliteConnection, count: i64) -> Result<bool, sqlx::Error> {
    let started = Instant::now();
    while sessions_in(conn).await? != count {
        if started.elapsed() > Duration::from_secs(10) {
            return Ok(false);
        }
        tokio::time::sleep(INTERVAL / 2).await;
    }
    Ok(true)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_task_purges_and_stops_when_the_store_is_dropped() {
    let (_dir, path) = common::temp_db().unwrap();
    let store = SqliteStoreOptions::new(&common::url(&path)).purge_interval(Some(INTERVAL)).connect().await.unwrap();
    let clone = store.clone();
    let live = SessionId::generate().unwrap().key();
    store.create_session(&live, &common::session(None)).await.unwrap();
    for _ in 0..3 {
        store.create_session(&SessionId::generate().unwrap().key(), &common::expired_session()).await.unwrap();
    }
    let mut conn = raw(&path).await.unwrap();
    assert!(eventually_holds(&mut conn, 1).await.unwrap(), "the purge task never purged");
    assert!(store.load_session(&live).await.unwrap().is_some(), "the purge took a live session");

    // A clone keeps the task alive; only the last one stops it.
    drop(store);
    insert_expired(&mut conn).await.unwrap();
    assert!(eventually_holds(&mut conn, 1).await.unwrap(), "dropping one clone stopped the purge");

    drop(clone);
    // Let an abort that raced with a tick finish before looking.
    tokio::time::sleep(INTERVAL).await;
    insert_expired(&mut conn).await.unwrap();
    tokio::time::sleep(INTERVAL * 10).await;
    assert_eq!(sessions_in(&mut conn).await.unwrap(), 2, "the purge task outlived the store");
}

#[tokio::test]
async fn purge_on_demand_counts_what_it_deleted_across_key_ranges() {
    let store = SqliteStoreOptions::new("sqlite::memory:").purge_interval(None).connect().await.unwrap();
    // The purge walks the table by the keys' first byte: fill every range, the two ends included.
    for _ in 0..2500 {
        store.create_session(&SessionId::generate().unwrap().key(), &common::expired_session()).await.unwrap();
    }
    let mut lives = fixtures::sessions_at_key_edges(&store).await.unwrap().to_vec();
    lives.push(SessionId::generate().unwrap().key());
    store.create_session(&lives[2], &common::session(None)).await.unwrap();
    assert_eq!(store.purge_expired_sessions().await.unwrap(), 2502);
    assert_eq!(store.purge_expired_sessions().await.unwrap(), 0);
    for live in &lives {
        assert!(store.load_session(live).await.unwrap().is_some());
    }
}

#[tokio::test]
async fn a_closed_store_is_unavailable_not_a_panic() {
    let store = SqliteStore::connect("sqlite::memory:").await.unwrap();
    store.close().await;
    let err = store.load_session(&SessionId::generate().unwrap().key()).await.unwrap_err();
    assert!(err.is_unavailable(), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_file_store_is_unavailable_to_session_loads_too() {
    // A file store loads sessions through a connection of its own; closing must close that one too.
    let (_dir, path) = common::temp_db().unwrap();
    let store = SqliteStore::connect(&common::url(&path)).await.unwrap();
    let key = SessionId::generate().unwrap().key();
    store.create_session(&key, &common::session(None)).await.unwrap();
    assert!(store.load_session(&key).await.unwrap().is_some());
    store.close().await;
    let err = store.load_session(&key).await.unwrap_err();
    assert!(err.is_unavailable(), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_purge_deletes_expired_tokens_and_keeps_live_ones() {
    let (_dir, path) = common::temp_db().unwrap();
    let store = SqliteStoreOptions::new(&common::url(&path)).purge_interval(None).connect().await.unwrap();
    let customer = common::customer("purge");
    store.create_customer(&customer).await.unwrap();
    let now = Timestamp::now();
    let live = Token::generate().unwrap().key();
    for (key, expires_at) in [
        (live, now.plus(Duration::from_secs(600))),
        (Token::generate().unwrap().key(), now.minus(Duration::from_secs(1))),
        (Token::generate().unwrap().key(), now.minus(Duration::from_secs(600))),
    ] {
        let record = TokenRecord { key, purpose: TokenPurpose::PasswordReset, customer_id: customer.id, expires_at };
        store.create_token(&record).await.unwrap();
    }
    let mut conn = raw(&path).await.unwrap();
    let count = "SELECT count(*) FROM tokens";
    assert_eq!(sqlx::query_scalar::<_, i64>(count).fetch_one(&mut conn).await.unwrap(), 3);
    store.purge_expired_sessions().await.unwrap();
    assert_eq!(sqlx::query_scalar::<_, i64>(count).fetch_one(&mut conn).await.unwrap(), 1);
    assert_eq!(store.take_token(TokenPurpose::PasswordReset, &live, now).await.unwrap(), Some(customer.id));
}

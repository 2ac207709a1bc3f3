//! The background purge deletes expired sessions (and tokens nobody took), and stops with the
//! store.

mod common;

use std::time::{Duration, Instant};

use customer_auth_core::conformance::fixtures;
use customer_auth_core::{CustomerStore, SessionId, SessionStore, Timestamp, Token, TokenPurpose, TokenRecord};
use sqlx::PgConnection;

const INTERVAL: Duration = Duration::from_millis(100);

async fn sessions_in(conn: &mut PgConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM sessions").fetch_one(conn).await
}

/// Writes `count` expired sessions behind the store's back.
async fn insert_expired(conn: &mut PgConnection, count: i32) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (key, customer_id, expires_at, record) \
         SELECT gen_random_uuid(), NULL, 0, '\\x00' FROM generate_series(1, $1)",
    )
    .bind(count)
    .execute(conn)
    .await
    .map(drop)
}

/// Polls until the table holds `count` sessions; false if it does not within 10 s, so a slow
/// machine makes the test slower, not flaky.
async fn eventually_holds(conn: &mut PgConnection, count: i64) -> Result<bool, sqlx::Error> {
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
    let schema = common::Schema::new().await;
    let store = schema.options().purge_interval(Some(INTERVAL)).connect().await.unwrap();
    let clone = store.clone();
    let live = SessionId::generate().unwrap().key();
    store.create_session(&live, &common::session(None)).await.unwrap();
    for _ in 0..3 {
        store.create_session(&SessionId::generate().unwrap().key(), &common::expired_session()).await.unwrap();
    }
    let mut conn = schema.conn().await;
    assert!(eventually_holds(&mut conn, 1).await.unwrap(), "the purge task never purged");
    assert!(store.load_session(&live).await.unwrap().is_some(), "the purge took a live session");

    // A clone keeps the task alive; only the last one stops it.
    drop(store);
    insert_expired(&mut conn, 1).await.unwrap();
    assert!(eventually_holds(&mut conn, 1).await.unwrap(), "dropping one clone stopped the purge");

    drop(clone);
    // Let an abort that raced with a tick finish before looking.
    tokio::time::sleep(INTERVAL).await;
    insert_expired(&mut conn, 1).await.unwrap();
    tokio::time::sleep(INTERVAL * 10).await;
    assert_eq!(sessions_in(&mut conn).await.unwrap(), 2, "the purge task outlived the store");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purge_on_demand_counts_what_it_deleted_across_key_ranges() {
    let schema = common::Schema::new().await;
    let store = schema.store().await;
    let mut conn = schema.conn().await;
    // The purge walks the table by the keys' first byte: fill every range, the two ends included.
    insert_expired(&mut conn, 2500).await.unwrap();
    let mut lives = fixtures::sessions_at_key_edges(&store).await.unwrap().to_vec();
    lives.push(SessionId::generate().unwrap().key());
    store.create_session(&lives[2], &common::session(None)).await.unwrap();
    assert_eq!(store.purge_expired_sessions().await.unwrap(), 2502);
    assert_eq!(store.purge_expired_sessions().await.unwrap(), 0);
    for live in &lives {
        assert!(store.load_session(live).await.unwrap().is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_session_is_gone_before_the_purge_reaches_it() {
    // Between purges, an expired row is still there, yet loads as None, cannot be saved, and a
    // new session may take its key.
    let schema = common::Schema::new().await;
    let store = schema.store().await;
    let key = SessionId::generate().unwrap().key();
    store.create_session(&key, &common::expired_session()).await.unwrap();
    assert!(store.load_session(&key).await.unwrap().is_none());
    let saved = store.save_session(&key, &common::session(None)).await;
    assert!(matches!(saved, Err(customer_auth_core::Error::NotFound)), "{saved:?}");
    let fresh = common::session(None);
    store.create_session(&key, &fresh).await.unwrap();
    assert_eq!(store.load_session(&key).await.unwrap(), Some(fresh));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_purge_deletes_expired_tokens_and_keeps_live_ones() {
    let schema = common::Schema::new().await;
    let store = schema.store().await;
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
    let mut conn = schema.conn().await;
    let count = "SELECT count(*) FROM tokens";
    assert_eq!(sqlx::query_scalar::<_, i64>(count).fetch_one(&mut conn).await.unwrap(), 3);
    store.purge_expired_sessions().await.unwrap();
    assert_eq!(sqlx::query_scalar::<_, i64>(count).fetch_one(&mut conn).await.unwrap(), 1);
    assert_eq!(store.take_token(TokenPurpose::PasswordReset, &live, now).await.unwrap(), Some(customer.id));
}

//! What Redis holds: never a session id or token (in cookie or link form, or raw) and never a plain password.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use common::TestStore;
use customer_auth_core::conformance::at_rest;
use redis::AsyncCommands;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_session_id_and_no_password_reach_redis() {
    let test = TestStore::new().await;
    let store = Arc::new(test.store.clone());
    let planted = at_rest::plant(store.clone(), store).await.unwrap();

    // Every key name and every value, whatever its type.
    let mut conn = test.raw().await;
    let mut dump: Vec<Vec<u8>> = Vec::new();
    let keys = test.keys().await;
    for key in &keys {
        dump.push(key.as_bytes().to_vec());
        let kind: String = redis::cmd("TYPE").arg(key).query_async(&mut conn).await.unwrap();
        match kind.as_str() {
            "string" => dump.push(conn.get(key).await.unwrap()),
            "hash" => {
                let fields: Vec<Vec<u8>> = redis::cmd("HGETALL").arg(key).query_async(&mut conn).await.unwrap();
                dump.extend(fields);
            }
            "set" => dump.extend(conn.smembers::<_, Vec<Vec<u8>>>(key).await.unwrap()),
            "zset" => dump.extend(conn.zrange::<_, Vec<Vec<u8>>>(key, 0, -1).await.unwrap()),
            other => panic!("{key} is a {other}, which this test does not read"),
        }
    }
    planted.check(&dump).unwrap();
    test.cleanup().await;
}

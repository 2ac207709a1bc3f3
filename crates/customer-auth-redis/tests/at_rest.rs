//! What Redis holds: never a session id or token (in cookie or link form, or raw) and never a plain password.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::TestStore;
use customer_auth_core::{
    Auth, CustomerStore, Password, PasswordHasher, Registration, SessionId, SessionStore, Timestamp, Token,
    TokenPurpose, TokenRecord,
};
use redis::AsyncCommands;

const PASSWORD: &str = "correct horse battery staple";

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_session_id_and_no_password_reach_redis() {
    let test = TestStore::new().await;
    let store = &test.store;
    let auth = Auth::new(Arc::new(store.clone())).with_hasher(PasswordHasher::new(4).unwrap());
    let customer = auth
        .register(Registration {
            first_name: "Grace".into(),
            last_name: "Hopper".into(),
            email: "grace@example.com".into(),
            username: "grace".into(),
            password: Password::new(PASSWORD),
            confirm_password: Password::new(PASSWORD),
        })
        .await
        .unwrap();
    let ids: Vec<SessionId> = (0..3).map(|_| SessionId::generate().unwrap()).collect();
    for id in &ids {
        store.create_session(&id.key(), &common::session(Some(&customer))).await.unwrap();
    }
    store.save_session(&ids[0].key(), &common::session(None)).await.unwrap();
    let tokens: Vec<Token> = TokenPurpose::ALL.iter().map(|_| Token::generate().unwrap()).collect();
    for (token, purpose) in tokens.iter().zip(TokenPurpose::ALL) {
        let expires_at = Timestamp::now().plus(Duration::from_secs(3600));
        let record = TokenRecord { key: token.key(), purpose, customer_id: customer.id, expires_at };
        store.create_token(&record).await.unwrap();
    }

    let mut needles: Vec<(String, Vec<u8>)> = vec![("the password".into(), PASSWORD.as_bytes().to_vec())];
    for (n, id) in ids.iter().enumerate() {
        let cookie = id.to_cookie_value();
        needles.push((format!("session id {n} in cookie form"), cookie.as_bytes().to_vec()));
        needles.push((format!("session id {n} raw"), URL_SAFE_NO_PAD.decode(&cookie).unwrap()));
    }
    for (n, token) in tokens.iter().enumerate() {
        let raw = URL_SAFE_NO_PAD.decode(token.as_str()).unwrap();
        needles.push((format!("token {n} in link form"), token.as_str().as_bytes().to_vec()));
        needles.push((format!("token {n} raw"), raw));
    }

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
    // The dump must see the data at all, or finding nothing would prove nothing.
    assert!(
        dump.iter().any(|value| value == customer.password_hash.as_str().as_bytes()),
        "the hash is not in the dump"
    );
    for id in &ids {
        let hex = id.key().to_hex();
        assert!(keys.iter().any(|key| key.ends_with(&hex)), "a session key is not in the dump");
    }
    for token in &tokens {
        let hex = token.key().to_hex();
        assert!(keys.iter().any(|key| key.ends_with(&hex)), "a token key is not in the dump");
    }
    for (what, needle) in &needles {
        assert!(!dump.iter().any(|value| contains(value, needle)), "{what} is stored in Redis");
    }
    test.cleanup().await;
}

//! What lands on disk: never a session id or token (in cookie or link form, or raw) and never a plain password.

mod common;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use customer_auth_core::{
    Auth, CustomerStore, Password, PasswordHasher, Registration, SessionId, SessionStore, Timestamp, Token,
    TokenPurpose, TokenRecord,
};
use customer_auth_sqlite::SqliteStore;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Row};

const PASSWORD: &str = "correct horse battery staple";

/// Every value of every column of every row of every table (the schema table included), as bytes.
async fn dump(path: &std::path::Path) -> Result<Vec<Vec<u8>>, sqlx::Error> {
    let mut conn = SqliteConnectOptions::new().filename(path).read_only(true).connect().await?;
    let tables: Vec<(String,)> =
        sqlx::query_as("SELECT name FROM sqlite_schema WHERE type = 'table'").fetch_all(&mut conn).await?;
    let mut values = Vec::new();
    for table in ["sqlite_schema".to_owned()].into_iter().chain(tables.into_iter().map(|(name,)| name)) {
        let columns: Vec<(String,)> =
            sqlx::query_as("SELECT name FROM pragma_table_info(?1)").bind(&table).fetch_all(&mut conn).await?;
        let select = columns.iter().map(|(name,)| format!("CAST(\"{name}\" AS BLOB)")).collect::<Vec<_>>().join(", ");
        let rows = sqlx::query(&format!("SELECT {select} FROM \"{table}\"")).fetch_all(&mut conn).await?;
        for row in rows {
            for index in 0..columns.len() {
                values.extend(row.try_get::<Option<Vec<u8>>, _>(index)?);
            }
        }
    }
    Ok(values)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_session_id_and_no_password_reach_the_database() {
    let (_dir, path) = common::temp_db().unwrap();
    let store = SqliteStore::connect(&common::url(&path)).await.unwrap();
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

    let values = dump(&path).await.unwrap();
    // The dump must see the data at all, or finding nothing would prove nothing.
    assert!(
        values.iter().any(|value| value == customer.password_hash.as_str().as_bytes()),
        "the hash is not in the dump"
    );
    for id in &ids {
        assert!(values.iter().any(|value| value == id.key().as_bytes()), "a session key is not in the dump");
    }
    for token in &tokens {
        assert!(values.iter().any(|value| value == token.key().as_bytes()), "a token key is not in the dump");
    }
    for (what, needle) in &needles {
        assert!(!values.iter().any(|value| contains(value, needle)), "{what} is stored in a column");
    }

    // The raw files too: the WAL holds what is not checkpointed yet, the main file the rest.
    let wal = path.with_extension("db-wal");
    let mut files = vec![(path.clone(), std::fs::read(&path).unwrap())];
    files.push((wal.clone(), std::fs::read(&wal).unwrap()));
    assert!(files.iter().any(|(_, bytes)| contains(bytes, customer.password_hash.as_str().as_bytes())));
    store.close().await;
    files.push((path.clone(), std::fs::read(&path).unwrap()));
    if let Ok(bytes) = std::fs::read(&wal) {
        files.push((wal, bytes));
    }
    for (file, bytes) in &files {
        for (what, needle) in &needles {
            assert!(!contains(bytes, needle), "{what} is in {}", file.display());
        }
    }
}

//! What lands in the database: never a session id or token (in cookie or link form, or raw) and
//! never a plain password.

mod common;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use customer_auth_core::{
    Auth, CustomerStore, Password, PasswordHasher, Registration, SessionId, SessionStore, Timestamp, Token,
    TokenPurpose, TokenRecord,
};
use sqlx::{PgConnection, Row};

const PASSWORD: &str = "correct horse battery staple";

/// Every value of every column of every row of every table in `schema` (the migration history
/// included): bytea as its bytes, anything else as its text form.
async fn dump(conn: &mut PgConnection, schema: &str) -> Result<Vec<Vec<u8>>, sqlx::Error> {
    let tables: Vec<(String,)> =
        sqlx::query_as("SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1")
            .bind(schema)
            .fetch_all(&mut *conn)
            .await?;
    let mut values = Vec::new();
    for (table,) in &tables {
        let columns: Vec<(String, String)> = sqlx::query_as(
            "SELECT column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_schema = $1 AND table_name = $2",
        )
        .bind(schema)
        .bind(table)
        .fetch_all(&mut *conn)
        .await?;
        let select =
            columns
                .iter()
                .map(|(name, kind)| {
                    if kind == "bytea" {
                        format!("\"{name}\"")
                    } else {
                        format!("convert_to(\"{name}\"::text, 'UTF8')")
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
        let rows = sqlx::query(&format!("SELECT {select} FROM \"{schema}\".\"{table}\"")).fetch_all(&mut *conn).await?;
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_session_id_and_no_password_reach_the_database() {
    let schema = common::Schema::new().await;
    let store = schema.store().await;
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
        let raw = URL_SAFE_NO_PAD.decode(&cookie).unwrap();
        needles.push((format!("session id {n} in cookie form"), cookie.as_bytes().to_vec()));
        needles.push((format!("session id {n} in hex"), hex(&raw).into_bytes()));
        needles.push((format!("session id {n} raw"), raw));
    }
    for (n, token) in tokens.iter().enumerate() {
        let raw = URL_SAFE_NO_PAD.decode(token.as_str()).unwrap();
        needles.push((format!("token {n} in link form"), token.as_str().as_bytes().to_vec()));
        needles.push((format!("token {n} in hex"), hex(&raw).into_bytes()));
        needles.push((format!("token {n} raw"), raw));
    }

    let mut conn = common::admin().await;
    let values = dump(&mut conn, &schema.name).await.unwrap();
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
}

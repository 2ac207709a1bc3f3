//! What lands in the database: never a session id or token (in cookie or link form, or raw) and
//! never a plain password.

mod common;

use std::sync::Arc;

use customer_auth_core::conformance::at_rest;
use sqlx::{PgConnection, Row};

/// Every value of every column of every row of every table in `schema` (the migration history
/// included): bytea as its bytes, uuid (session keys are kept as uuid) as its 16 bytes, anything
/// else as its text form.
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
        let select = columns
            .iter()
            .map(|(name, kind)| {
                if kind == "bytea" {
                    format!("\"{name}\"")
                } else if kind == "uuid" {
                    format!("uuid_send(\"{name}\")")
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_session_id_and_no_password_reach_the_database() {
    let schema = common::Schema::new().await;
    let store = Arc::new(schema.store().await);
    let planted = at_rest::plant(store.clone(), store).await.unwrap();
    let mut conn = common::admin().await;
    planted.check(&dump(&mut conn, &schema.name).await.unwrap()).unwrap();
}

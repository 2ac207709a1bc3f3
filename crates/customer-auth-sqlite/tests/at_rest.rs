//! What lands on disk: never a session id or token (in cookie or link form, or raw) and never a plain password.

mod common;

use std::sync::Arc;

use customer_auth_core::conformance::at_rest;
use customer_auth_sqlite::SqliteStore;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Row};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_session_id_and_no_password_reach_the_database() {
    let (_dir, path) = common::temp_db().unwrap();
    let store = Arc::new(SqliteStore::connect(&common::url(&path)).await.unwrap());
    let planted = at_rest::plant(store.clone(), store).await.unwrap();
    planted.check(&dump(&path).await.unwrap()).unwrap();
}

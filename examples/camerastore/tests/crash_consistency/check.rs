//! What the database file says, read directly with sqlx rather than through the shop.

use std::collections::HashMap;
use std::path::Path;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions as _, Connection as _};

/// `PRAGMA integrity_check` of the database at `path`: `["ok"]` when it is sound.
pub(crate) async fn integrity_check(path: &Path) -> Vec<String> {
    let mut connection =
        SqliteConnectOptions::new().filename(path).connect().await.expect("the database opens for the check");
    let rows: Vec<(String,)> =
        sqlx::query_as("PRAGMA integrity_check").fetch_all(&mut connection).await.expect("integrity_check runs");
    connection.close().await.expect("the check's connection closes");
    rows.into_iter().map(|(row,)| row).collect()
}

/// Every customer's username key and how many orders they have. The orders table lives in the
/// same file as the customers when the shop runs on SQLite, so one file holds both.
pub(crate) async fn customers_and_orders(path: &Path) -> HashMap<String, i64> {
    let options = SqliteConnectOptions::new().filename(path).read_only(true);
    let mut connection = options.connect().await.expect("the database opens for reading");
    // orders.customer_id is the UUID as text; customers.id is its 16 bytes.
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT c.username_key, \
         (SELECT count(*) FROM orders o WHERE replace(o.customer_id, '-', '') = lower(hex(c.id))) \
         FROM customers c",
    )
    .fetch_all(&mut connection)
    .await
    .expect("customers and orders can be read");
    connection.close().await.expect("the reading connection closes");
    rows.into_iter().collect()
}

//! The example's own orders table, beside customer-auth's tables in the same SQLite file.

use std::str::FromStr;
use std::time::Duration;

use customer_auth::{CustomerId, Timestamp};
use serde::Serialize;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

/// An order as the orders page shows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Order {
    /// The order number.
    pub id: i64,
    /// What was bought.
    pub item: String,
    /// The price in cents.
    pub price_cents: i64,
    /// When, in Unix seconds.
    pub placed_at: i64,
}

/// A few cameras every new customer has "bought", so the orders page has something to show.
const DEMO_ORDERS: &[(&str, i64, u64)] = &[
    ("Leica M6, 35 mm film rangefinder", 349_500, 40),
    ("Fujifilm X100VI, silver", 159_900, 12),
    ("Kodak Portra 400, 5-pack", 6_499, 3),
];

/// Where orders are kept.
#[derive(Debug, Clone)]
pub struct Orders {
    pool: SqlitePool,
}

impl Orders {
    /// Opens (and creates when missing) the orders table in the SQLite database at `url`.
    pub async fn open(url: &str) -> Result<Self, sqlx::Error> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new().max_connections(2).connect_with(options).await?;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS orders (\
                 id INTEGER PRIMARY KEY AUTOINCREMENT, \
                 customer_id BLOB NOT NULL, \
                 item TEXT NOT NULL, \
                 price_cents INTEGER NOT NULL, \
                 placed_at INTEGER NOT NULL)",
        )
        .execute(&pool)
        .await?;
        sqlx::query("CREATE INDEX IF NOT EXISTS orders_customer ON orders (customer_id)").execute(&pool).await?;
        Ok(Self { pool })
    }

    /// Gives a new customer the demo orders.
    pub async fn seed(&self, customer: CustomerId) -> Result<(), sqlx::Error> {
        let now = Timestamp::now();
        let mut transaction = self.pool.begin().await?;
        for (item, price_cents, days_ago) in DEMO_ORDERS {
            sqlx::query("INSERT INTO orders (customer_id, item, price_cents, placed_at) VALUES (?1, ?2, ?3, ?4)")
                .bind(customer.as_bytes().as_slice())
                .bind(item)
                .bind(price_cents)
                .bind(now.minus(Duration::from_secs(days_ago * 86_400)).as_unix())
                .execute(&mut *transaction)
                .await?;
        }
        transaction.commit().await
    }

    /// A customer's orders, newest first.
    pub async fn for_customer(&self, customer: CustomerId) -> Result<Vec<Order>, sqlx::Error> {
        sqlx::query_as(
            "SELECT id, item, price_cents, placed_at FROM orders WHERE customer_id = ?1 ORDER BY placed_at DESC",
        )
        .bind(customer.as_bytes().as_slice())
        .fetch_all(&self.pool)
        .await
    }
}

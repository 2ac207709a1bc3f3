//! The example's own orders table, in the same SQL database as the customers (SQLite or
//! Postgres, chosen by URL at run time).

use std::time::Duration;

use customer_auth::{CustomerId, Timestamp};
use serde::Serialize;
use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;

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
    pool: AnyPool,
}

impl Orders {
    /// Opens (and creates when missing) the orders table in the database at `url`:
    /// `sqlite://…` or `postgres://…`.
    pub async fn open(url: &str) -> Result<Self, sqlx::Error> {
        sqlx::any::install_default_drivers();
        // Only the id column's type differs between the two dialects.
        let id = if url.starts_with("sqlite:") {
            "INTEGER PRIMARY KEY AUTOINCREMENT"
        } else {
            "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
        };
        let pool =
            AnyPoolOptions::new().max_connections(4).acquire_timeout(Duration::from_secs(5)).connect(url).await?;
        sqlx::query(&format!(
            "CREATE TABLE IF NOT EXISTS orders (id {id}, customer_id TEXT NOT NULL, item TEXT NOT NULL, \
             price_cents BIGINT NOT NULL, placed_at BIGINT NOT NULL)"
        ))
        .execute(&pool)
        .await?;
        sqlx::query("CREATE INDEX IF NOT EXISTS orders_customer ON orders (customer_id)").execute(&pool).await?;
        Ok(Self { pool })
    }

    /// Gives a new customer the demo orders.
    pub async fn seed(&self, customer: CustomerId) -> Result<(), sqlx::Error> {
        within(self.seed_now(customer)).await
    }

    async fn seed_now(&self, customer: CustomerId) -> Result<(), sqlx::Error> {
        let now = Timestamp::now();
        let mut transaction = self.pool.begin().await?;
        for (item, price_cents, days_ago) in DEMO_ORDERS {
            sqlx::query("INSERT INTO orders (customer_id, item, price_cents, placed_at) VALUES ($1, $2, $3, $4)")
                .bind(customer.to_string())
                .bind(*item)
                .bind(*price_cents)
                .bind(now.minus(Duration::from_secs(days_ago * 86_400)).as_unix())
                .execute(&mut *transaction)
                .await?;
        }
        transaction.commit().await
    }

    /// A customer's orders, newest first.
    pub async fn for_customer(&self, customer: CustomerId) -> Result<Vec<Order>, sqlx::Error> {
        within(
            sqlx::query_as(
                "SELECT id, item, price_cents, placed_at FROM orders WHERE customer_id = $1 ORDER BY placed_at DESC",
            )
            .bind(customer.to_string())
            .fetch_all(&self.pool),
        )
        .await
    }

    /// Deletes a customer's orders (their account is gone).
    pub async fn delete_for_customer(&self, customer: CustomerId) -> Result<u64, sqlx::Error> {
        let deleted = within(
            sqlx::query("DELETE FROM orders WHERE customer_id = $1").bind(customer.to_string()).execute(&self.pool),
        )
        .await?;
        Ok(deleted.rows_affected())
    }
}

/// The longest an orders call may take, as customer-auth's Postgres store bounds its own.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// Cuts a call off after [`CALL_TIMEOUT`] as an I/O timeout (a 503): sqlx waits on a silent
/// socket forever once a query is sent, so a frozen database would hold the page that long.
async fn within<T>(call: impl Future<Output = Result<T, sqlx::Error>>) -> Result<T, sqlx::Error> {
    tokio::time::timeout(CALL_TIMEOUT, call).await.unwrap_or_else(|_| {
        Err(sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("the orders database did not answer within {CALL_TIMEOUT:?}"),
        )))
    })
}

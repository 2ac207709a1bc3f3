//! Helpers shared by the test files; each test binary uses a different subset.
//!
//! Every test works in a schema of its own, `t_<16 hex digits>`, dropped when the test ends
//! (passed or not), so tests run in parallel against one server and leave nothing behind.
#![allow(dead_code)]
// Test helpers, not tests, so clippy's allow-*-in-tests settings miss them; like the tests they
// fail by panicking, which is how a test fails.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::time::Duration;

use customer_auth_postgres::{PostgresStore, PostgresStoreOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, postgres::PgConnectOptions};

/// The server every test talks to; `CUSTOMER_AUTH_TEST_POSTGRES_URL` points elsewhere.
pub(crate) fn url() -> String {
    std::env::var("CUSTOMER_AUTH_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A connection outside any store, for looking at (and tampering with) the tables. Panics,
/// failing the test, with what to do when the server is not running: a test that cannot reach
/// its database must never pass by skipping.
pub(crate) async fn admin() -> PgConnection {
    let url = url();
    let connected = match url.parse::<PgConnectOptions>() {
        Ok(options) => tokio::time::timeout(Duration::from_secs(10), options.connect())
            .await
            .unwrap_or_else(|_| Err(sqlx::Error::PoolTimedOut)),
        Err(err) => Err(err),
    };
    match connected {
        Ok(conn) => conn,
        Err(err) if std::env::var_os("CUSTOMER_AUTH_TEST_POSTGRES_URL").is_some() => panic!(
            "PostgreSQL at CUSTOMER_AUTH_TEST_POSTGRES_URL is not reachable ({err}); start that server, \
             or unset the variable to use the local one at 127.0.0.1:5432"
        ),
        Err(err) => panic!(
            "PostgreSQL at 127.0.0.1:5432 is not reachable ({err}); start it with: \
             pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start \
             (or run ./scripts/test, which starts it)"
        ),
    }
}

/// A schema name no other test uses. Dropping it drops the schema and everything in it.
pub(crate) struct Schema {
    pub(crate) name: String,
}

impl Schema {
    /// A fresh name, after checking that the server is up. The schema itself is created by the
    /// store's migrations (or by the test).
    pub(crate) async fn new() -> Self {
        admin().await.close().await.unwrap();
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).unwrap();
        let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
        Self { name: format!("t_{hex}") }
    }

    /// Store options for this schema, the purge task off unless a test turns it on.
    pub(crate) fn options(&self) -> PostgresStoreOptions {
        PostgresStoreOptions::new(&url()).schema(&self.name).purge_interval(None)
    }

    /// A migrated store in this schema.
    pub(crate) async fn store(&self) -> PostgresStore {
        self.options().connect().await.unwrap()
    }

    /// An admin connection whose unqualified names mean this schema's tables.
    pub(crate) async fn conn(&self) -> PgConnection {
        let mut conn = admin().await;
        sqlx::query(&format!("SET search_path TO \"{}\"", self.name)).execute(&mut conn).await.unwrap();
        conn
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        // Drop cannot await, and may run on a runtime thread (or while a failed test unwinds):
        // a thread of its own with its own runtime does the cleanup.
        let drop_schema = format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.name);
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let mut conn = url().parse::<PgConnectOptions>()?.connect().await?;
                sqlx::query(&drop_schema).execute(&mut conn).await?;
                conn.close().await
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        });
        match cleanup.join() {
            Ok(Ok(())) => {}
            Ok(Err(err)) => eprintln!("could not drop test schema {}: {err}", self.name),
            Err(_) => eprintln!("could not drop test schema {}: the cleanup thread panicked", self.name),
        }
    }
}

// Each test binary uses some of these, none all of them.
#[allow(unused_imports)]
pub(crate) use customer_auth_core::conformance::fixtures::{customer, expired_session, session};

//! Every command against PostgreSQL, in a schema of its own that is dropped at the end.
//!
//! The server is `postgres://postgres@127.0.0.1:5432/test` unless
//! `CUSTOMER_AUTH_TEST_POSTGRES_URL` says otherwise. A server that is down fails the test with
//! how to start it: a test that cannot reach its database never passes by skipping.
#![cfg(feature = "postgres")]
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use customer_auth::PostgresStoreOptions;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};

fn url() -> String {
    std::env::var("CUSTOMER_AUTH_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

async fn admin() -> PgConnection {
    let connected = match url().parse::<PgConnectOptions>() {
        Ok(options) => tokio::time::timeout(Duration::from_secs(10), options.connect())
            .await
            .unwrap_or(Err(sqlx::Error::PoolTimedOut)),
        Err(err) => Err(err),
    };
    connected.unwrap_or_else(|err| {
        panic!(
            "PostgreSQL at {} is not reachable ({err}); start it with: \
             pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
            if std::env::var_os("CUSTOMER_AUTH_TEST_POSTGRES_URL").is_some() {
                "CUSTOMER_AUTH_TEST_POSTGRES_URL"
            } else {
                "127.0.0.1:5432"
            }
        )
    })
}

/// `t_<16 hex>`, dropped with everything in it when the test ends, passed or not.
struct Schema(String);

impl Drop for Schema {
    fn drop(&mut self) {
        let drop_schema = format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.0);
        // Drop cannot await and may run while a failed test unwinds: a thread with its own runtime.
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let mut conn = admin().await;
                sqlx::query(&drop_schema).execute(&mut conn).await.unwrap();
                conn.close().await.unwrap();
            });
        });
        let _ = cleanup.join();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_works_on_postgres() {
    admin().await.close().await.unwrap();
    let schema = Schema(format!("t_{}", common::random_hex()));
    common::run(&["--store", &url(), "--postgres-schema", &schema.0, "migrate"], "").success();
    let store =
        Arc::new(PostgresStoreOptions::new(&url()).schema(&schema.0).purge_interval(None).connect().await.unwrap());
    let target = common::Target {
        args: vec!["--store".into(), url(), "--postgres-schema".into(), schema.0.clone()],
        customers: store.clone(),
        sessions: store.clone(),
        expires_by_itself: false,
    };
    common::every_command(&target).await;
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_reads_every_hash_format_and_reports_bad_lines_on_postgres() {
    admin().await.close().await.unwrap();
    let schema = Schema(format!("t_{}", common::random_hex()));
    common::run(&["--store", &url(), "--postgres-schema", &schema.0, "migrate"], "").success();
    let store =
        Arc::new(PostgresStoreOptions::new(&url()).schema(&schema.0).purge_interval(None).connect().await.unwrap());
    let target = common::Target {
        args: vec!["--store".into(), url(), "--postgres-schema".into(), schema.0.clone()],
        customers: store.clone(),
        sessions: store.clone(),
        expires_by_itself: false,
    };
    common::import::every_format_and_every_bad_line(&target).await;
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_schema_name_is_a_usage_error() {
    admin().await.close().await.unwrap();
    let refused = common::run(&["--store", &url(), "--postgres-schema", "Bad-Name", "list"], "").expect_code(2);
    let lines = refused.error_lines();
    assert_eq!(lines.len(), 1, "{refused:#?}");
    assert!(lines[0].contains("is not a usable schema name"), "{refused:#?}");
}
